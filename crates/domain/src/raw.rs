//! [`Raw`]: the fields of one input (a form, an API body, an import row) as text, before a
//! feature's draft validates them. Shared by every feature.

use crate::error::Field;

/// Field values as typed by a user, in input order. A later value for the same field wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Raw(pub Vec<(Field, String)>);

impl Raw {
    pub fn new() -> Raw {
        Raw(Vec::new())
    }

    pub fn with(mut self, field: Field, value: impl Into<String>) -> Raw {
        self.set(field, value);
        self
    }

    pub fn set(&mut self, field: Field, value: impl Into<String>) {
        let value = value.into();
        if let Some(slot) = self.0.iter_mut().find(|(f, _)| *f == field) {
            slot.1 = value;
        } else {
            self.0.push((field, value));
        }
    }

    pub fn get(&self, field: Field) -> &str {
        self.0.iter().rev().find(|(f, _)| *f == field).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    pub fn has(&self, field: Field) -> bool {
        !self.get(field).trim().is_empty()
    }

    /// The fields as a JSON object of field code → text, keys in code order (the form the
    /// audit log keeps a record's before and after in).
    pub fn to_json(&self) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(self.0.len());
        for (f, v) in &self.0 {
            match pairs.iter_mut().find(|(c, _)| *c == f.code()) {
                Some(slot) => slot.1 = v,
                None => pairs.push((f.code(), v)),
            }
        }
        pairs.sort_unstable_by_key(|(c, _)| *c);
        let mut out = String::with_capacity(16 + pairs.iter().map(|(c, v)| c.len() + v.len() + 6).sum::<usize>());
        out.push('{');
        for (i, (code, value)) in pairs.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_string(&mut out, code);
            out.push(':');
            json_string(&mut out, value);
        }
        out.push('}');
        out
    }
}

/// `s` as a JSON string literal, escaped as serde_json escapes it.
fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                use std::fmt::Write as _;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

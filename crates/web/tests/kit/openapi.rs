//! The API's answers checked against its own OpenAPI document (problem 10 of the reliability
//! review): every response any web test gets from `/api/v1` must have a documented status, a
//! documented content type and a body its schema accepts, or the test fails. A client generated
//! from the document then works with what the server really sends.
//!
//! The schemas use a small part of JSON Schema (type, enum, properties, required, items, $ref,
//! oneOf); that part is checked here, strictly: an unknown keyword is an error too.

use serde_json::Value;
use std::sync::OnceLock;

static DOC: OnceLock<Value> = OnceLock::new();

/// The document, fetched once from the first server that asks.
pub async fn document(addr: &str) -> &'static Value {
    if let Some(d) = DOC.get() {
        return d;
    }
    let r = super::raw_http(addr, "GET", "/api/v1/openapi.json", &[], b"").await;
    let doc: Value = serde_json::from_slice(&r.body).expect("the OpenAPI document is JSON");
    DOC.get_or_init(|| doc)
}

/// The operation answering `method` on `path` (without `/api/v1` and the query): literal
/// segments win over parameters, as the router decides.
fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> Option<(&'a str, &'a Value)> {
    let asked: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut best: Option<(usize, &str, &Value)> = None;
    for (template, item) in doc["paths"].as_object()? {
        let parts: Vec<&str> = template.trim_matches('/').split('/').collect();
        if parts.len() != asked.len() {
            continue;
        }
        let mut literal = 0;
        let fits = parts.iter().zip(&asked).all(|(t, a)| {
            if t.starts_with('{') {
                true
            } else {
                literal += 1;
                t == a
            }
        });
        let Some(op) = item.get(method.to_ascii_lowercase()) else { continue };
        if fits && best.is_none_or(|(l, _, _)| literal > l) {
            best = Some((literal, template, op));
        }
    }
    best.map(|(_, t, op)| (t, op))
}

/// Checks one response; the error says what the document and the server disagree on.
pub fn check(
    doc: &Value,
    method: &str,
    path: &str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(), String> {
    let Some(path) = path.strip_prefix("/api/v1") else { return Ok(()) };
    let path = path.split('?').next().unwrap_or(path);
    if path == "/openapi.json" {
        return Ok(());
    }
    let Some((template, op)) = operation(doc, method, path) else {
        // No route: the fallback's 404 and 405 answers are problem documents too.
        return if status == 404 || status == 405 {
            expect_problem(doc, content_type, body)
        } else {
            Err(format!("{method} {path}: no such operation in the document, but the server answered {status}"))
        };
    };
    let responses = &op["responses"];
    let Some(response) = responses.get(status.to_string()) else {
        return Err(format!("{method} {template}: status {status} is not documented"));
    };
    let content = response.get("content").and_then(Value::as_object);
    let Some(content) = content.filter(|c| !c.is_empty()) else {
        return if body.is_empty() || status == 204 {
            Ok(())
        } else {
            Err(format!("{method} {template} {status}: a body is sent but none documented"))
        };
    };
    let ct = content_type.unwrap_or("").split(';').next().unwrap_or("").trim();
    let Some(media) = content.get(ct) else {
        let documented: Vec<&String> = content.keys().collect();
        return Err(format!("{method} {template} {status}: content type {ct:?} sent, {documented:?} documented"));
    };
    if !ct.contains("json") {
        return Ok(());
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("{method} {template} {status}: not JSON: {e}"))?;
    valid(doc, &media["schema"], &value, "$").map_err(|e| format!("{method} {template} {status}: {e}"))
}

fn expect_problem(doc: &Value, content_type: Option<&str>, body: &[u8]) -> Result<(), String> {
    if content_type != Some("application/problem+json") {
        return Err(format!("an error sent as {content_type:?}, not application/problem+json"));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    valid(doc, &serde_json::json!({"$ref": "#/components/schemas/Problem"}), &value, "$")
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

const KNOWN: &[&str] = &[
    "type",
    "enum",
    "properties",
    "required",
    "items",
    "$ref",
    "oneOf",
    "description",
    "format",
    "additionalProperties",
    "title",
    "example",
    "examples",
    "default",
    "minimum",
    "maximum",
];

/// Does `value` fit `schema`? The error names where it does not.
pub fn valid(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let Some(s) = schema.as_object() else { return Ok(()) };
    if let Some(k) = s.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(format!("{at}: the schema uses {k:?}, which this check does not know"));
    }
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        let target = &doc["components"]["schemas"][name];
        if target.is_null() {
            return Err(format!("{at}: $ref {r} names no schema"));
        }
        return valid(doc, target, value, at);
    }
    if let Some(options) = s.get("oneOf").and_then(Value::as_array) {
        let fits = options.iter().filter(|o| valid(doc, o, value, at).is_ok()).count();
        if fits != 1 {
            return Err(format!("{at}: {value} fits {fits} of the oneOf alternatives, not exactly one"));
        }
    }
    let actual = type_of(value);
    if let Some(t) = s.get("type") {
        let allowed: Vec<&str> = match t {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = allowed.contains(&actual) || (actual == "integer" && allowed.contains(&"number"));
        if !ok {
            let shown: String = value.to_string().chars().take(80).collect();
            return Err(format!("{at}: {shown} is {actual}, documented {allowed:?}"));
        }
    }
    if let Some(options) = s.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        return Err(format!("{at}: {value} is not one of {options:?}"));
    }
    if let Value::Object(o) = value {
        if let Some(required) = s.get("required").and_then(Value::as_array) {
            for r in required.iter().filter_map(Value::as_str) {
                if !o.contains_key(r) {
                    return Err(format!("{at}: the required {r:?} is missing"));
                }
            }
        }
        if let Some(props) = s.get("properties").and_then(Value::as_object) {
            for (k, v) in o {
                if let Some(p) = props.get(k) {
                    valid(doc, p, v, &format!("{at}.{k}"))?;
                }
            }
        }
    }
    if let (Value::Array(items), Some(item)) = (value, s.get("items")) {
        for (i, v) in items.iter().enumerate() {
            valid(doc, item, v, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

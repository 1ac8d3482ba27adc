//! From a table to validated customers: which column is which field, and what is wrong with
//! each row, named by line, column and value.

use crate::read::{FileError, Table};
use guanxi_domain::{CustomerDraft, Field, FieldError, ImportRow, Lang, Problem, Raw};
use std::collections::HashSet;

/// The fields a customer file fills: the Guanxi ID that names a customer to update, and a
/// customer's own fields, those an export writes (issue #22: the mapper offered 174 targets,
/// value-setting weights and survey questions among them).
pub fn customer_fields() -> Vec<Field> {
    let mut fields = vec![Field::Id];
    fields.extend_from_slice(crate::export::EXPORT_FIELDS);
    fields
}

/// Which field each column of a file fills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub headers: Vec<String>,
    pub columns: Vec<Option<Field>>,
}

impl Mapping {
    /// Maps headers by name (Chinese or English labels, codes, common synonyms). `explicit`
    /// pairs (header, field) override or add to what was detected; a field of `-` ignores
    /// the column.
    pub fn detect(headers: &[String], explicit: &[(String, String)]) -> Result<Mapping, FileError> {
        let m = Mapping::detect_among(headers, explicit, &customer_fields())?;
        let names_customer = m.columns.contains(&Some(Field::Name))
            || (m.columns.contains(&Some(Field::Employer)) && m.columns.contains(&Some(Field::Kind)));
        if !names_customer {
            return Err(FileError::NoNameColumn);
        }
        Ok(m)
    }

    /// Maps headers to the `allowed` fields only; other headers are ignored.
    pub fn detect_among(
        headers: &[String],
        explicit: &[(String, String)],
        allowed: &[Field],
    ) -> Result<Mapping, FileError> {
        let mut columns: Vec<Option<Field>> =
            headers.iter().map(|h| Field::parse(h).filter(|f| allowed.contains(f))).collect();
        for (header, field) in explicit {
            let i = headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(header.trim()))
                .ok_or_else(|| FileError::UnknownMappedColumn(header.clone()))?;
            columns[i] = if field.trim() == "-" {
                None
            } else {
                Some(
                    Field::parse(field)
                        .filter(|f| allowed.contains(f))
                        .ok_or_else(|| FileError::UnknownMappedField(field.clone()))?,
                )
            };
        }
        for (i, f) in columns.iter().enumerate() {
            if let Some(f) = f
                && let Some(j) = columns[..i].iter().position(|o| o == &Some(*f))
            {
                return Err(FileError::DuplicateField { first: headers[j].clone(), second: headers[i].clone() });
            }
        }
        Ok(Mapping { headers: headers.to_vec(), columns })
    }

    /// Headers no field was found for; their cells are not imported.
    pub fn ignored(&self) -> Vec<&str> {
        self.headers.iter().zip(&self.columns).filter(|(_, f)| f.is_none()).map(|(h, _)| h.as_str()).collect()
    }

    pub fn header_of(&self, field: Field) -> Option<&str> {
        self.columns.iter().position(|f| *f == Some(field)).map(|i| self.headers[i].as_str())
    }

    pub(crate) fn raw(&self, row: &[String]) -> Raw {
        let mut raw = Raw::new();
        for (cell, field) in row.iter().zip(&self.columns) {
            if let Some(f) = field {
                raw.set(*f, unneutralize(cell));
            }
        }
        raw
    }
}

/// Undoes the `'` that our exports put before a cell starting with a formula character.
fn unneutralize(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// One thing wrong with a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowIssue {
    /// A field's value, with the file's header of its column.
    Field { column: Option<String>, error: FieldError },
    /// Cells beyond the last header that are not empty.
    ExtraCells { count: usize },
}

impl RowIssue {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            RowIssue::Field { column: Some(c), error } if c != error.field.label(lang) => match lang {
                Lang::ZhCn => format!("“{c}”列 — {}", error.message(lang)),
                Lang::En => format!("column \"{c}\" — {}", error.message(lang)),
            },
            RowIssue::Field { error, .. } => error.message(lang),
            RowIssue::ExtraCells { count } => match lang {
                Lang::ZhCn => format!("比表头多出 {count} 个非空单元格（是否有未加引号的逗号？）"),
                Lang::En => {
                    format!("{count} non-empty cells beyond the header (an unquoted comma?)")
                }
            },
        }
    }
}

/// Everything wrong with one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowReport {
    pub line: usize,
    pub issues: Vec<RowIssue>,
}

impl RowReport {
    pub fn message(&self, lang: Lang) -> String {
        let issues: Vec<String> = self.issues.iter().map(|i| i.message(lang)).collect();
        match lang {
            Lang::ZhCn => format!("第 {} 行：{}", self.line, issues.join("；")),
            Lang::En => format!("row {}: {}", self.line, issues.join("; ")),
        }
    }
}

/// Validates row `index` of a table. `owners` holds the lowercased usernames of active users.
pub fn validate_row(
    mapping: &Mapping,
    table: &Table,
    index: usize,
    today: chrono::NaiveDate,
    owners: &HashSet<String>,
) -> Result<ImportRow, RowReport> {
    let row = &table.rows[index];
    let line = Table::line_of(index);
    let mut issues = Vec::new();
    let extra = row.iter().skip(mapping.headers.len()).filter(|c| !c.trim().is_empty()).count();
    if extra > 0 {
        issues.push(RowIssue::ExtraCells { count: extra });
    }
    let raw = mapping.raw(row);
    let column = |f: Field| mapping.header_of(f).map(str::to_string);
    let draft = match CustomerDraft::parse(&raw, today) {
        Ok(d) => Some(d),
        Err(v) => {
            for e in v.0 {
                // A missing organization name comes from the company column when there is one.
                let col =
                    column(e.field).or_else(|| if e.field == Field::Name { column(Field::Employer) } else { None });
                issues.push(RowIssue::Field { column: col, error: e });
            }
            None
        }
    };
    let id_text = raw.get(Field::Id).trim();
    let id = if id_text.is_empty() {
        None
    } else {
        match id_text.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                issues.push(RowIssue::Field {
                    column: column(Field::Id),
                    error: FieldError::new(Field::Id, id_text, Problem::InvalidNumber),
                });
                None
            }
        }
    };
    let owner = raw.get(Field::Owner).trim();
    if !owner.is_empty() && !owners.contains(&owner.to_lowercase()) {
        issues.push(RowIssue::Field {
            column: column(Field::Owner),
            error: FieldError::new(Field::Owner, owner, Problem::UnknownUser),
        });
    }
    match draft {
        Some(mut draft) if issues.is_empty() => Ok(ImportRow {
            line,
            id,
            prepared: Some({
                // The store keeps tags sorted; prepared from them in that order.
                draft.tags.sort();
                guanxi_domain::Prepared::of(&draft)
            }),
            draft,
            kind_given: !raw.get(Field::Kind).trim().is_empty(),
            status_given: !raw.get(Field::Status).trim().is_empty(),
            force_new: false,
        }),
        _ => Err(RowReport { line, issues }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::read_table;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
    }

    #[test]
    fn chinese_and_english_headers_map() {
        let h: Vec<String> = ["姓名", "手机", "公司", "E-mail", "备注栏"].iter().map(|s| s.to_string()).collect();
        let m = Mapping::detect(&h, &[]).unwrap();
        assert_eq!(
            m.columns,
            vec![Some(Field::Name), Some(Field::Phone), Some(Field::Employer), Some(Field::Email), None]
        );
        assert_eq!(m.ignored(), vec!["备注栏"]);
        let m = Mapping::detect(&h, &[("备注栏".into(), "notes".into()), ("公司".into(), "-".into())]).unwrap();
        assert_eq!(m.columns[4], Some(Field::Notes));
        assert_eq!(m.columns[2], None);
        assert!(matches!(
            Mapping::detect(&h, &[("nope".into(), "notes".into())]),
            Err(FileError::UnknownMappedColumn(_))
        ));
        assert!(matches!(
            Mapping::detect(&h, &[("备注栏".into(), "shoe size".into())]),
            Err(FileError::UnknownMappedField(_))
        ));
    }

    #[test]
    fn two_columns_for_one_field_are_refused() {
        let h: Vec<String> = ["姓名", "name"].iter().map(|s| s.to_string()).collect();
        assert!(matches!(Mapping::detect(&h, &[]), Err(FileError::DuplicateField { .. })));
        let h: Vec<String> = ["手机"].iter().map(|s| s.to_string()).collect();
        assert_eq!(Mapping::detect(&h, &[]), Err(FileError::NoNameColumn));
    }

    #[test]
    fn bad_rows_name_line_column_and_value() {
        let t = read_table(
            "a.csv",
            "姓名,手机号码,邮箱,生日,负责人\n张三,13800000000,zs@qq.com,1990-01-01,wang\n,12345,bad,2099-01-01,ghost\n李四,13900000000,,,,多余\n"
                .as_bytes(),
            crate::Limits::COMMAND_LINE,
            crate::Encoding::Auto,
        )
        .unwrap();
        let m = Mapping::detect(&t.headers, &[]).unwrap();
        let owners: HashSet<String> = ["wang".to_string()].into();
        let ok = validate_row(&m, &t, 0, today(), &owners).unwrap();
        assert_eq!(ok.line, 2);
        assert!(!ok.kind_given);
        let bad = validate_row(&m, &t, 1, today(), &owners).unwrap_err();
        assert_eq!(bad.line, 3);
        let msg = bad.message(Lang::ZhCn);
        for want in ["第 3 行", "姓名", "“手机号码”列", "“12345”", "邮箱", "生日", "ghost"] {
            assert!(msg.contains(want), "{want} missing in {msg}");
        }
        let extra = validate_row(&m, &t, 2, today(), &owners).unwrap_err();
        assert!(matches!(extra.issues[0], RowIssue::ExtraCells { count: 1 }));
        assert!(
            bad.message(Lang::En).starts_with("row 3: column \"姓名\" — Name: is required"),
            "{}",
            bad.message(Lang::En)
        );
    }

    #[test]
    fn neutralized_formulas_come_back() {
        assert_eq!(unneutralize("'=1+1"), "=1+1");
        assert_eq!(unneutralize("'hello"), "'hello");
    }
}

//! Orders files: which column is which order field, and what is wrong with each row.

use crate::read::{FileError, Table};
use crate::rows::{Mapping, RowIssue, RowReport};
use guanxi_domain::Field;
use guanxi_domain::orders::OrderDraft;

/// The fields an orders file can fill. The customer is named by Guanxi id, their external id
/// (客户编号) or their phone.
pub const ORDER_FIELDS: &[Field] = &[
    Field::Id,
    Field::ExternalId,
    Field::Phone,
    Field::OrderNo,
    Field::OrderedAt,
    Field::Amount,
    Field::Cost,
    Field::Category,
    Field::SalesChannel,
    Field::Branch,
];

/// Maps an orders file's headers; it must have a time, an amount and a column naming the
/// customer.
pub fn detect_order_mapping(headers: &[String], explicit: &[(String, String)]) -> Result<Mapping, FileError> {
    let m = Mapping::detect_among(headers, explicit, ORDER_FIELDS)?;
    let has = |f: Field| m.columns.contains(&Some(f));
    let mut missing = Vec::new();
    if !(has(Field::Id) || has(Field::ExternalId) || has(Field::Phone)) {
        missing.push(vec![Field::Id, Field::ExternalId, Field::Phone]);
    }
    for f in [Field::OrderedAt, Field::Amount] {
        if !has(f) {
            missing.push(vec![f]);
        }
    }
    if missing.is_empty() { Ok(m) } else { Err(FileError::MissingColumns(missing)) }
}

/// Validates row `index` of an orders table: (line, order) or everything wrong with it.
pub fn validate_order_row(
    mapping: &Mapping,
    table: &Table,
    index: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(usize, OrderDraft), RowReport> {
    validate_order_cells(mapping, Table::line_of(index), &table.rows[index], now)
}

/// Validates one row's cells, read from `line` of an orders file.
pub fn validate_order_cells(
    mapping: &Mapping,
    line: usize,
    row: &[String],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(usize, OrderDraft), RowReport> {
    let mut issues = Vec::new();
    let extra = row.iter().skip(mapping.headers.len()).filter(|c| !c.trim().is_empty()).count();
    if extra > 0 {
        issues.push(RowIssue::ExtraCells { count: extra });
    }
    let raw = mapping.raw(row);
    match OrderDraft::parse(&raw, now) {
        Ok(o) if issues.is_empty() => Ok((line, o)),
        Ok(_) => Err(RowReport { line, issues }),
        Err(v) => {
            for e in v.0 {
                issues.push(RowIssue::Field { column: mapping.header_of(e.field).map(str::to_string), error: e });
            }
            Err(RowReport { line, issues })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read_table;
    use guanxi_domain::Lang;

    #[test]
    fn an_orders_file_with_a_bad_row() {
        let csv = "客户编号,订单号,下单时间,金额,成本,销售渠道,备注\nC-1,SO-1,2026-03-01 10:00,88.5,50,门店,x\nC-2,SO-2,昨天,abc,,火星,y\n";
        let table =
            read_table("orders.csv", csv.as_bytes(), crate::Limits::COMMAND_LINE, crate::Encoding::Auto).unwrap();
        let m = detect_order_mapping(&table.headers, &[]).unwrap();
        assert_eq!(m.ignored(), ["备注"]);
        let now = chrono::Utc::now();
        let (line, o) = validate_order_row(&m, &table, 0, now).unwrap();
        assert_eq!((line, o.amount_fen, o.cost_fen), (2, 8_850, Some(5_000)));
        let bad = validate_order_row(&m, &table, 1, now).unwrap_err();
        let msg = bad.message(Lang::ZhCn);
        assert!(
            msg.starts_with("第 3 行") && msg.contains("昨天") && msg.contains("abc") && msg.contains("火星"),
            "{msg}"
        );
    }

    #[test]
    fn missing_columns_are_named() {
        let err = detect_order_mapping(&["金额".to_string(), "备注".to_string()], &[]).unwrap_err();
        let msg = err.message(Lang::ZhCn);
        assert!(msg.contains("下单时间") && msg.contains("外部编号"), "{msg}");
        let msg = err.message(Lang::En);
        assert!(msg.contains("Order time") && !msg.contains("下单时间"), "{msg}: one language only");
    }
}

//! Orders (交易): who bought, when, for how much, at what cost, through which channel. Amounts
//! are integer fen (分), so that sums are exact.

pub mod fields;

use crate::error::{Field, FieldError, Problem, Validation};
use crate::values::{Phone, choice, text};
use crate::{Raw, SalesChannel, parse_past_timestamp};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The largest amount accepted: 10 billion yuan.
pub const MAX_FEN: i64 = 1_000_000_000_000;

/// Parses yuan as typed (`1234`, `1,234.5`, `¥1234.50`, `1234.50元`, `-20` for a refund) into
/// fen. At most two decimals.
pub fn parse_money(field: Field, input: &str) -> Result<Option<i64>, FieldError> {
    // A comma only groups thousands: `1,234.50`, never `1,50` (a decimal comma, 1.50 meant:
    // problem 12 of the reliability review read it as 150 yuan).
    let spaced: String = input.trim().chars().filter(|c| *c != ' ').map(|c| if c == '，' { ',' } else { c }).collect();
    let whole_part = spaced.split('.').next().unwrap_or("");
    if whole_part.contains(',') {
        let digits = whole_part.trim_start_matches(['¥', '￥', '-', '+']);
        let digits = digits.strip_prefix("RMB").or_else(|| digits.strip_prefix("CNY")).unwrap_or(digits);
        let mut groups = digits.split(',');
        let first = groups.next().unwrap_or("");
        let grouped = (1..=3).contains(&first.len()) && groups.all(|g| g.len() == 3);
        if !grouped {
            return Err(FieldError::new(field, input.trim(), Problem::InvalidAmount));
        }
    }
    let t: String = spaced.chars().filter(|c| *c != ',').collect();
    let t = t.trim_start_matches(['¥', '￥']).trim_end_matches(['元', '圆']);
    let t = t.strip_prefix("RMB").or_else(|| t.strip_prefix("CNY")).unwrap_or(t);
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || FieldError::new(field, input.trim(), Problem::InvalidAmount);
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || whole.len() > 12
    {
        return Err(bad());
    }
    let yuan: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    let cents: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    let fen = yuan.checked_mul(100).and_then(|y| y.checked_add(cents)).ok_or_else(bad)?;
    if fen > MAX_FEN {
        return Err(bad());
    }
    Ok(Some(if negative { -fen } else { fen }))
}

/// Fen as yuan with two decimals: 123456 → "1234.56".
pub fn format_money(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

/// Fen as people read yuan: thousands grouped (`1,234,567.80`), for display; forms and files
/// take `format_money`'s plain digits (both are read back by `parse_money`).
pub fn format_money_grouped(fen: i64) -> String {
    let plain = format_money(fen);
    let (sign, rest) = plain.split_at(usize::from(fen < 0));
    let (whole, cents) = rest.split_once('.').unwrap_or((rest, "00"));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{cents}")
}

/// How an order names its customer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "by", content = "value", rename_all = "snake_case")]
pub enum CustomerRef {
    /// Guanxi's own customer id.
    Id(i64),
    /// The customer's id in another system.
    External(String),
    Phone(Phone),
}

/// An order as typed or imported, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderDraft {
    pub customer: CustomerRef,
    pub ordered_at: DateTime<Utc>,
    /// Fen; negative for a refund.
    pub amount_fen: i64,
    pub cost_fen: Option<i64>,
    pub category: Option<String>,
    pub channel: Option<SalesChannel>,
    pub branch: Option<String>,
    /// The order's number in the system it came from; re-importing it updates the order.
    pub order_no: Option<String>,
}

impl OrderDraft {
    /// Validates every field; times without a zone are China time; an order cannot be in the
    /// future.
    pub fn parse(raw: &Raw, now: DateTime<Utc>) -> Result<OrderDraft, Validation> {
        let mut v = Validation::default();
        let id = raw.get(Field::Id).trim();
        let ext = raw.get(Field::ExternalId).trim();
        let phone = raw.get(Field::Phone).trim();
        let customer = if !id.is_empty() {
            match id.parse::<i64>() {
                Ok(n) if n > 0 => Some(CustomerRef::Id(n)),
                _ => {
                    v.push(Field::Id, id, Problem::InvalidNumber);
                    None
                }
            }
        } else if !ext.is_empty() {
            v.take(text(Field::ExternalId, ext, 64)).flatten().map(CustomerRef::External)
        } else if !phone.is_empty() {
            v.take(Phone::parse(phone)).map(CustomerRef::Phone)
        } else {
            v.push(Field::Id, "", Problem::Required);
            None
        };
        let at = raw.get(Field::OrderedAt).trim();
        let ordered_at = if at.is_empty() {
            v.push(Field::OrderedAt, "", Problem::Required);
            None
        } else {
            v.take(parse_past_timestamp(Field::OrderedAt, at, 8, now))
        };
        let amount = match v.take(parse_money(Field::Amount, raw.get(Field::Amount))) {
            Some(Some(a)) => Some(a),
            Some(None) => {
                v.push(Field::Amount, "", Problem::Required);
                None
            }
            None => None,
        };
        let cost_fen = v.take(parse_money(Field::Cost, raw.get(Field::Cost))).flatten();
        if let Some(c) = cost_fen
            && c < 0
        {
            v.push(Field::Cost, raw.get(Field::Cost), Problem::InvalidAmount);
        }
        let category = v.take(text(Field::Category, raw.get(Field::Category), 50)).flatten();
        let channel = v
            .take(choice(
                Field::SalesChannel,
                raw.get(Field::SalesChannel),
                SalesChannel::parse,
                &SalesChannel::codes(),
            ))
            .flatten();
        let branch = v.take(text(Field::Branch, raw.get(Field::Branch), 100)).flatten();
        let order_no = v.take(text(Field::OrderNo, raw.get(Field::OrderNo), 64)).flatten();
        match (customer, ordered_at, amount) {
            (Some(customer), Some(ordered_at), Some(amount_fen)) if v.is_empty() => {
                Ok(OrderDraft { customer, ordered_at, amount_fen, cost_fen, category, channel, branch, order_no })
            }
            _ => Err(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Problem 12 of the reliability review: a comma that does not group thousands is an error.
    #[test]
    fn commas_only_group_thousands() {
        let m = |s: &str| parse_money(Field::Amount, s);
        assert_eq!(m("1,234.50"), Ok(Some(123_450)));
        assert_eq!(m("¥1,234,567"), Ok(Some(123_456_700)));
        assert_eq!(m("-1,000"), Ok(Some(-100_000)));
        assert_eq!(m("12，345"), Ok(Some(1_234_500)));
        for bad in ["1,50", "1,2,3", "12,34", "1234,567", ",123", "1,234,5"] {
            assert_eq!(m(bad).unwrap_err().problem, Problem::InvalidAmount, "{bad}");
        }
    }

    #[test]
    fn money_as_people_type_it() {
        let m = |s: &str| parse_money(Field::Amount, s).unwrap();
        assert_eq!(m("1234"), Some(123_400));
        assert_eq!(m("1,234.5"), Some(123_450));
        assert_eq!(m("¥1234.50"), Some(123_450));
        assert_eq!(m("1234.50元"), Some(123_450));
        assert_eq!(m("￥ 12,000"), Some(1_200_000));
        assert_eq!(m("-20"), Some(-2_000));
        assert_eq!(m(".5"), Some(50));
        assert_eq!(m("0"), Some(0));
        assert_eq!(m(""), None);
        for bad in ["12.345", "abc", "1.2.3", "--5", "-", "1e5", "99999999999999"] {
            assert!(parse_money(Field::Amount, bad).is_err(), "{bad}");
        }
        assert_eq!(format_money(123_456), "1234.56");
        assert_eq!(format_money(-5), "-0.05");
        for (fen, text) in [
            (0, "0.00"),
            (99_999, "999.99"),
            (100_000, "1,000.00"),
            (123_456_789, "1,234,567.89"),
            (-1_072_816_286, "-10,728,162.86"),
            (-5, "-0.05"),
            (MAX_FEN, "10,000,000,000.00"),
        ] {
            assert_eq!(format_money_grouped(fen), text);
            assert_eq!(parse_money(Field::Amount, text).unwrap(), Some(fen), "{text} reads back");
        }
    }

    #[test]
    fn orders_name_their_customer_and_are_checked_whole() {
        let now = Utc::now();
        let raw = Raw::new()
            .with(Field::Id, "42")
            .with(Field::OrderedAt, "2026-03-01 14:30")
            .with(Field::Amount, "¥88.00")
            .with(Field::Cost, "50")
            .with(Field::SalesChannel, "门店")
            .with(Field::OrderNo, "SO-1");
        let o = OrderDraft::parse(&raw, now).unwrap();
        assert_eq!(o.customer, CustomerRef::Id(42));
        assert_eq!(o.amount_fen, 8_800);
        assert_eq!(o.cost_fen, Some(5_000));
        assert_eq!(o.channel, Some(SalesChannel::Store));
        assert_eq!(o.ordered_at.to_rfc3339(), "2026-03-01T06:30:00+00:00");
        let ext = OrderDraft::parse(
            &Raw::new().with(Field::ExternalId, "C-9").with(Field::OrderedAt, "2026-01-02").with(Field::Amount, "-10"),
            now,
        )
        .unwrap();
        assert_eq!(ext.customer, CustomerRef::External("C-9".into()));
        assert_eq!(ext.amount_fen, -1_000, "a refund");
        let v = OrderDraft::parse(
            &Raw::new().with(Field::Amount, "abc").with(Field::OrderedAt, "2999-01-01").with(Field::Cost, "-1"),
            now,
        )
        .unwrap_err();
        let fields: Vec<Field> = v.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, [Field::Id, Field::OrderedAt, Field::Amount, Field::Cost]);
        // A morning's order typed as "today" (01:00 in China, still yesterday in UTC).
        let night = DateTime::parse_from_rfc3339("2026-11-23T17:00:00Z").unwrap().with_timezone(&Utc);
        let today = Raw::new().with(Field::Id, "42").with(Field::OrderedAt, "2026-11-24").with(Field::Amount, "5");
        assert_eq!(OrderDraft::parse(&today, night).unwrap().ordered_at, night);
    }
}

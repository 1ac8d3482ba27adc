//! Values that validate on construction: a `Phone` is always a real Chinese mobile or
//! landline number in one canonical form, an `Email` always has a local part and a domain.

use crate::error::{Field, FieldError, Problem, USERNAME_MAX};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Longest free text we keep in one field (a long complaint letter fits; a pasted book does not).
pub const MAX_TEXT: usize = 4000;
/// Longest name, title, city, … .
pub const MAX_SHORT: usize = 200;

/// Trims and checks a free-text field. Empty input is `None`.
pub fn text(field: Field, input: &str, max: usize) -> Result<Option<String>, FieldError> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > max {
        return Err(FieldError::new(field, t, Problem::TooLong { max }));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(FieldError::new(field, &t.escape_debug().to_string(), Problem::InvalidCharacters));
    }
    Ok(Some(t.to_string()))
}

/// Like [`text`], for a field that must not be empty.
pub fn required_text(field: Field, input: &str, max: usize) -> Result<String, FieldError> {
    text(field, input, max)?.ok_or_else(|| FieldError::new(field, "", Problem::Required))
}

/// A Chinese phone number in canonical form: mobiles as 11 digits (`13812345678`), landlines
/// as `area-number` (`010-12345678`) with an optional `-extension`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Phone, FieldError> {
        let err = || FieldError::new(Field::Phone, input.trim(), Problem::InvalidPhone);
        let t = input.trim();
        if t.is_empty() || t.chars().count() > 40 {
            return Err(err());
        }
        // Separators people type: spaces, dashes, dots, brackets, full-width forms.
        let mut groups: Vec<String> = Vec::new();
        let mut cur = String::new();
        let mut plus = false;
        for c in t.chars() {
            let c = fullwidth_to_ascii(c);
            match c {
                '0'..='9' => cur.push(c),
                '+' if groups.is_empty() && cur.is_empty() => plus = true,
                ' ' | '-' | '.' | '(' | ')' | '/' => {
                    if !cur.is_empty() {
                        groups.push(std::mem::take(&mut cur));
                    }
                }
                _ => return Err(err()),
            }
        }
        if !cur.is_empty() {
            groups.push(cur);
        }
        let mut digits: String = groups.concat();
        // Country code: +86 / 0086 / 86 before a mobile.
        if plus {
            digits = digits.strip_prefix("86").ok_or_else(err)?.to_string();
        } else if let Some(rest) = digits.strip_prefix("0086") {
            digits = rest.to_string();
        } else if digits.len() == 13 && digits.starts_with("861") {
            digits = digits[2..].to_string();
        }
        if digits.len() == 11 && digits.starts_with('1') {
            let second = digits.as_bytes()[1];
            if (b'3'..=b'9').contains(&second) {
                return Ok(Phone(digits));
            }
            return Err(err());
        }
        // Landline: 0 + area code (2-3 digits after the 0) + 7-8 digit number, optional extension.
        if !digits.starts_with('0') {
            return Err(err());
        }
        let (area, number, ext) = landline_split(&groups, &digits).ok_or_else(err)?;
        if !(7..=8).contains(&number.len()) || ext.len() > 6 || number.starts_with('0') {
            return Err(err());
        }
        if ext.is_empty() { Ok(Phone(format!("{area}-{number}"))) } else { Ok(Phone(format!("{area}-{number}-{ext}"))) }
    }

    /// A value read back from storage, which only ever holds parsed phones.
    pub fn from_stored(s: String) -> Phone {
        Phone(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_mobile(&self) -> bool {
        !self.0.contains('-')
    }

    /// Just the digits, for search and duplicate detection.
    pub fn digits(&self) -> String {
        self.0.chars().filter(char::is_ascii_digit).collect()
    }
}

/// Splits a landline into area code, number and extension. Written with separators
/// (`010 1234 5678`, `0755-1234567-88`) the groups are trusted; run together (`01012345678`)
/// the area code is 3 digits for 010 and 02x, else 4, and there is no extension.
fn landline_split(groups: &[String], digits: &str) -> Option<(String, String, String)> {
    if groups.len() >= 2 && groups[0].starts_with('0') && (3..=4).contains(&groups[0].len()) {
        let area = groups[0].clone();
        let rest = &groups[1..];
        // `010 1234 5678` is a number in two groups; `010-12345678-123` has an extension.
        let (number, ext) = match rest {
            [n] => (n.clone(), String::new()),
            [a, b] if a.len() + b.len() <= 8 => (format!("{a}{b}"), String::new()),
            [n, e] => (n.clone(), e.clone()),
            [a, b, e] if a.len() + b.len() <= 8 => (format!("{a}{b}"), e.clone()),
            _ => return None,
        };
        return Some((area, number, ext));
    }
    let area_len = if digits.starts_with("010") || digits.starts_with("02") { 3 } else { 4 };
    if digits.len() < area_len + 7 || digits.len() > area_len + 8 {
        return None;
    }
    Some((digits[..area_len].to_string(), digits[area_len..].to_string(), String::new()))
}

fn fullwidth_to_ascii(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '＋' => '+',
        '－' | '—' | '–' => '-',
        '（' => '(',
        '）' => ')',
        '　' => ' ',
        _ => c,
    }
}

impl TryFrom<String> for Phone {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Phone::parse(&s)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

impl std::fmt::Display for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address, lowercased in the domain, checked for the shape people get wrong.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, FieldError> {
        let t = input.trim().replace('＠', "@");
        let err = || FieldError::new(Field::Email, input.trim(), Problem::InvalidEmail);
        if t.len() > 254 {
            return Err(err());
        }
        let (local, domain) = t.rsplit_once('@').ok_or_else(err)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-'!#$&*=?^`{|}~/".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
        if !(local_ok && domain_ok) {
            return Err(err());
        }
        Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    /// A value read back from storage, which only ever holds parsed addresses.
    pub fn from_stored(s: String) -> Email {
        Email(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses the date forms found in Chinese spreadsheets: `2024-03-15`, `2024/3/15`,
/// `2024.3.15`, `2024年3月15日`, `20240315`. `today` bounds dates that cannot be in the future.
pub fn parse_date(field: Field, input: &str) -> Result<Option<NaiveDate>, FieldError> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let err = || FieldError::new(field, t, Problem::InvalidDate);
    // Cut a time part (`2024-03-15 00:00:00`, `2024-03-15T00:00`) — a time, not anything
    // (`2023-02-28 garbage` was taken for the 28th: problem 12 of the reliability review).
    let (day_part, time_part) = match t.split_once(['T', ' ']) {
        Some((d, rest)) => (d, Some(rest.trim())),
        None => (t, None),
    };
    if let Some(time) = time_part
        && !time.is_empty()
        && !is_time_of_day(time)
    {
        return Err(err());
    }
    let normalized: String = day_part
        .chars()
        .map(|c| match fullwidth_to_ascii(c) {
            '年' | '月' | '/' | '.' => '-',
            '日' | '号' => ' ',
            c => c,
        })
        .collect();
    let normalized = normalized.trim();
    let parts: Vec<&str> = normalized.split('-').collect();
    let (y, m, d) = match parts.as_slice() {
        [y, m, d] => (*y, *m, *d),
        [compact] if compact.len() == 8 && compact.chars().all(|c| c.is_ascii_digit()) => {
            (&compact[0..4], &compact[4..6], &compact[6..8])
        }
        _ => return Err(err()),
    };
    let num = |s: &str| s.trim().parse::<u32>().ok();
    let (Some(y), Some(m), Some(d)) = (num(y), num(m), num(d)) else {
        return Err(err());
    };
    let date = NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(err)?;
    if !(1800..=2200).contains(&y) {
        return Err(out_of_range(field, t, "1800-01-01", "2200-12-31"));
    }
    Ok(Some(date))
}

fn out_of_range(field: Field, input: &str, from: impl ToString, to: impl ToString) -> FieldError {
    FieldError::new(field, input, Problem::DateOutOfRange { from: from.to_string(), to: to.to_string() })
}

/// A date someone plans for (a next step, an expected close, a referral, a competitor since):
/// from 2000 to 2099 — a year like 1900 or 2206 is a slip of the keyboard, not a plan.
pub fn parse_business_date(field: Field, input: &str) -> Result<Option<NaiveDate>, FieldError> {
    let d = parse_date(field, input)?;
    match d {
        Some(day) if !(2000..=2099).contains(&day.year()) => {
            Err(out_of_range(field, input.trim(), "2000-01-01", "2099-12-31"))
        }
        _ => Ok(d),
    }
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`, optionally with `Z` or an offset (`+08:00`).
fn is_time_of_day(s: &str) -> bool {
    let s = s.trim_end_matches('Z');
    let s = match s.rfind(['+', '-']) {
        Some(i) if i >= 5 => &s[..i],
        _ => s,
    };
    ["%H:%M", "%H:%M:%S", "%H:%M:%S%.f"].iter().any(|f| chrono::NaiveTime::parse_from_str(s, f).is_ok())
}

/// A date that must be today or earlier (a birthday, a founding date).
pub fn parse_past_date(field: Field, input: &str, today: NaiveDate) -> Result<Option<NaiveDate>, FieldError> {
    let d = parse_date(field, input)?;
    if let Some(d) = d {
        if d > today {
            return Err(FieldError::new(field, input.trim(), Problem::DateInFuture));
        }
        if today.year() - d.year() > 150 {
            let earliest = today.with_year(today.year() - 150).unwrap_or(today);
            return Err(out_of_range(field, input.trim(), earliest, today));
        }
    }
    Ok(d)
}

/// Parses a closed-vocabulary field, naming the allowed codes when the value is unknown.
pub fn choice<T: Copy>(
    field: Field,
    input: &str,
    parse: impl Fn(&str) -> Option<T>,
    codes: &[&str],
) -> Result<Option<T>, FieldError> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    parse(t).map(Some).ok_or_else(|| {
        FieldError::new(field, t, Problem::UnknownChoice { allowed: codes.iter().map(|c| c.to_string()).collect() })
    })
}

/// One structured preference: "seat: corner", "drink: iced mocha, 2 sugar, 2 ice".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preference {
    pub category: String,
    pub value: String,
}

pub const MAX_PREFERENCES: usize = 50;

/// Parses `category: value; category: value` (also `：` and `；`, or one item a line).
pub fn parse_preferences(input: &str) -> Result<Vec<Preference>, FieldError> {
    let mut out = Vec::new();
    for item in input.split([';', '；', '\n']) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let Some((cat, val)) = item.split_once([':', '：']) else {
            return Err(FieldError::new(Field::Preferences, item, Problem::InvalidPreference));
        };
        let category = required_text(Field::Preferences, cat, 50)
            .map_err(|_| FieldError::new(Field::Preferences, item, Problem::InvalidPreference))?;
        let value = required_text(Field::Preferences, val, 500)
            .map_err(|_| FieldError::new(Field::Preferences, item, Problem::InvalidPreference))?;
        if out.len() == MAX_PREFERENCES {
            return Err(FieldError::new(Field::Preferences, input, Problem::TooMany { max: MAX_PREFERENCES }));
        }
        out.push(Preference { category, value });
    }
    Ok(out)
}

/// Formats preferences the way [`parse_preferences`] reads them.
pub fn format_preferences(items: &[Preference]) -> String {
    items.iter().map(|p| format!("{}: {}", p.category, p.value)).collect::<Vec<_>>().join("; ")
}

/// A username as people sign in with it: letters a–z, digits and `. _ - @`, 1 to 64 characters
/// (`zhang.wei`, `li_na@sh`). Anything else cannot be anybody's, so sign-in refuses it before
/// any work.
pub fn is_username(s: &str) -> bool {
    !s.is_empty() && s.len() <= USERNAME_MAX && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
}

/// The separators of a list typed in one cell: `,` `，` `;` `；` `、` `|` or one item a line.
pub const LIST_SEPARATORS: [char; 7] = [',', '，', ';', '；', '、', '|', '\n'];

/// A list typed in one cell (tags, participants, competitors): items trimmed, empty and repeated
/// ones dropped, each at most `max_item` characters without control characters, at most
/// `max_items` of them. Linear in the input, and it stops at the first bad item or as soon as
/// the list passes its maximum, so a huge input costs no more than reading it once.
pub fn parse_list(field: Field, input: &str, max_item: usize, max_items: usize) -> Result<Vec<String>, FieldError> {
    let mut out: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for t in input.split(LIST_SEPARATORS) {
        let t = t.trim();
        if t.is_empty() {
            continue;
        }
        if t.chars().nth(max_item).is_some() {
            return Err(FieldError::new(field, t, Problem::TooLong { max: max_item }));
        }
        if t.chars().any(char::is_control) {
            return Err(FieldError::new(field, &t.escape_debug().to_string(), Problem::InvalidCharacters));
        }
        if seen.insert(t) {
            if out.len() == max_items {
                return Err(FieldError::new(field, input, Problem::TooMany { max: max_items }));
            }
            out.push(t.to_string());
        }
    }
    Ok(out)
}

/// Tags: at most [`MAX_TAGS`] of at most 30 characters each (see [`parse_list`]).
pub fn parse_tags(input: &str) -> Result<Vec<String>, FieldError> {
    parse_list(Field::Tags, input, 30, MAX_TAGS)
}

pub const MAX_TAGS: usize = 30;

#[cfg(test)]
mod tests {
    use super::*;

    /// F-03 of the security review: n distinct tags cost O(n²) and the cap was checked after
    /// the loop; 200,000 of them took minutes. Now the parse stops at the 31st.
    #[test]
    fn huge_lists_are_refused_at_once() {
        let many: String = (0..200_000).map(|i| format!("t{i}")).collect::<Vec<_>>().join(",");
        let started = std::time::Instant::now();
        let e = parse_tags(&many).unwrap_err();
        assert_eq!(e.problem, Problem::TooMany { max: MAX_TAGS });
        let e = parse_list(Field::Competitors, &many, 100, 20).unwrap_err();
        assert_eq!(e.problem, Problem::TooMany { max: 20 });
        // Generous for a debug build on a busy machine; the quadratic parse took minutes.
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "{:?}", started.elapsed());
        assert!(e.value.chars().count() <= 61, "the error does not echo the whole input");
        // Repeats do not count toward the cap, and 30 distinct tags are fine.
        let repeated = vec!["VIP"; 100_000].join(",");
        assert_eq!(parse_tags(&repeated).unwrap(), ["VIP"]);
        let thirty: Vec<String> = (0..30).map(|i| format!("t{i}")).collect();
        assert_eq!(parse_tags(&thirty.join("，")).unwrap(), thirty);
        assert_eq!(
            parse_tags(&format!("{},t30", thirty.join("、"))).unwrap_err().problem,
            Problem::TooMany { max: 30 }
        );
        // Every separator, one per line too; bad items are named.
        assert_eq!(parse_list(Field::Tags, "a, b；c、d|e\nf;a", 30, 30).unwrap(), ["a", "b", "c", "d", "e", "f"]);
        assert_eq!(parse_tags(&"x".repeat(31)).unwrap_err().problem, Problem::TooLong { max: 30 });
        assert_eq!(parse_tags("a\u{7}b").unwrap_err().problem, Problem::InvalidCharacters);
        let prefs: String = (0..51).map(|i| format!("k{i}: v")).collect::<Vec<_>>().join("; ");
        assert_eq!(parse_preferences(&prefs).unwrap_err().problem, Problem::TooMany { max: MAX_PREFERENCES });
    }

    #[test]
    fn mobiles_normalize() {
        for ok in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "0086-13812345678",
            "8613812345678",
            "１３８１２３４５６７８",
        ] {
            assert_eq!(Phone::parse(ok).unwrap().as_str(), "13812345678", "{ok}");
        }
    }

    #[test]
    fn landlines_normalize() {
        assert_eq!(Phone::parse("010-12345678").unwrap().as_str(), "010-12345678");
        assert_eq!(Phone::parse("(0755) 8765 4321").unwrap().as_str(), "0755-87654321");
        assert_eq!(Phone::parse("01012345678").unwrap().as_str(), "010-12345678");
        assert_eq!(Phone::parse("0571-8888888").unwrap().as_str(), "0571-8888888");
        assert_eq!(Phone::parse("021-12345678-123").unwrap().as_str(), "021-12345678-123");
    }

    #[test]
    fn bad_phones_are_rejected() {
        for bad in [
            "",
            "12345",
            "1381234567",
            "138123456789",
            "12012345678",
            "abc",
            "138-1234-567x",
            "+1 415 555 0100",
            "010-123",
            "=cmd|' /C calc'!A0",
        ] {
            let e = Phone::parse(bad).unwrap_err();
            assert_eq!(e.field, Field::Phone);
            assert_eq!(e.problem, Problem::InvalidPhone);
        }
    }

    #[test]
    fn emails() {
        assert_eq!(Email::parse(" Zhang.San@QQ.com ").unwrap().as_str(), "Zhang.San@qq.com");
        assert!(Email::parse("zhangsan＠163.com").is_ok());
        for bad in ["", "zhangsan", "a@b", "a@@b.com", "a@b.c", ".a@b.com", "a..b@c.com", "张三@qq.com", "a@-b.com"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 15).unwrap();
        for ok in [
            "2024-03-15",
            "2024/3/15",
            "2024.3.15",
            "2024年3月15日",
            "20240315",
            "2024-03-15 00:00:00",
            "2024-03-15T08:30",
            "2024-03-15T08:30:00.000Z",
            "2024-03-15 08:30:00+08:00",
            "２０２４-03-15",
        ] {
            assert_eq!(parse_date(Field::Birthday, ok).unwrap(), Some(d), "{ok}");
        }
        assert_eq!(parse_date(Field::Birthday, "  ").unwrap(), None);
        for bad in ["2024-02-30", "15/03/2024", "yesterday", "2024-13-01", "2023-02-28 garbage", "2023-02-28T25:00"] {
            assert_eq!(parse_date(Field::Birthday, bad).unwrap_err().problem, Problem::InvalidDate, "{bad}");
        }
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert_eq!(parse_past_date(Field::Birthday, "2030-01-01", today).unwrap_err().problem, Problem::DateInFuture);
        // A real date that cannot be meant says so, with the range, rather than "not a date".
        let old = parse_past_date(Field::Birthday, "1800-05-01", today).unwrap_err();
        assert_eq!(old.problem, Problem::DateOutOfRange { from: "1876-01-01".into(), to: "2026-01-01".into() });
        assert!(matches!(
            parse_date(Field::Birthday, "0001-01-01").unwrap_err().problem,
            Problem::DateOutOfRange { .. }
        ));
        let plan = parse_business_date(Field::NextStepOn, "1900-01-01").unwrap_err();
        assert!(plan.message(crate::Lang::ZhCn).contains("不像是真的日期：应在 2000-01-01 到 2099-12-31 之间"));
        assert!(parse_business_date(Field::NextStepOn, "2026-12-08").is_ok());
    }

    #[test]
    fn preferences_parse_both_punctuations() {
        let p = parse_preferences("座位：角落；饮品: 冰摩卡，两块糖两块冰\n靠垫: 腰靠").unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0], Preference { category: "座位".into(), value: "角落".into() });
        assert_eq!(p[1].value, "冰摩卡，两块糖两块冰");
        assert_eq!(parse_preferences(&format_preferences(&p)).unwrap(), p);
        assert!(parse_preferences("just some words").is_err());
        assert!(parse_preferences(": nothing").is_err());
    }

    #[test]
    fn tags_split_and_dedupe() {
        assert_eq!(parse_tags("VIP，老客户、VIP; 北京").unwrap(), vec!["VIP", "老客户", "北京"]);
        assert!(parse_tags(&"长".repeat(31)).is_err());
    }

    #[test]
    fn text_limits() {
        assert_eq!(text(Field::Notes, "  hi ", 10).unwrap(), Some("hi".into()));
        assert_eq!(text(Field::Notes, "   ", 10).unwrap(), None);
        assert!(text(Field::Notes, "abc\u{0007}", 10).is_err());
        assert!(required_text(Field::Name, "", 10).is_err());
        assert!(text(Field::Name, &"x".repeat(11), 10).is_err());
    }
}

/// The address customers reach Guanxi at, for every link that leaves it (issue #22): `http://` or
/// `https://`, a host of letters, digits, dots and dashes (with an optional port), and an
/// optional path; no spaces, query or fragment. Returned without a trailing slash.
pub fn parse_public_url(input: &str) -> Result<String, FieldError> {
    let bad = || FieldError::new(Field::PublicUrl, input, Problem::InvalidAddress);
    let s = input.trim().trim_end_matches('/');
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")).ok_or_else(bad)?;
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && !host.starts_with(['.', '-'])
        && !host.ends_with(['.', '-']);
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    let path_ok = path.chars().all(|c| c.is_ascii_graphic() && !matches!(c, '?' | '#' | '\\'));
    if host_ok && port_ok && path_ok && s.len() <= 200 { Ok(s.to_string()) } else { Err(bad()) }
}

/// Whether customers outside the company cannot open an address: its host is this machine
/// (localhost, 127.x, ::1) or a private network (10.x, 172.16–31.x, 192.168.x, *.local).
pub fn is_inside_address(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or("");
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h).trim_matches(['[', ']']).to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") || host.ends_with(".local") || host.is_empty() || host == ":"
    {
        return true;
    }
    match host.parse::<std::net::Ipv4Addr>() {
        Ok(ip) => ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod public_url_tests {
    use super::{is_inside_address, parse_public_url};

    #[test]
    fn inside_addresses() {
        for inside in [
            "http://localhost:8080",
            "http://127.0.0.1:8080",
            "http://10.0.0.5",
            "http://192.168.1.2/crm",
            "http://172.20.0.1",
            "http://crm.local",
        ] {
            assert!(is_inside_address(inside), "{inside}");
        }
        for outside in
            ["https://crm.example.com", "http://8.8.8.8", "http://172.32.0.1", "https://localhost.example.com"]
        {
            assert!(!is_inside_address(outside), "{outside}");
        }
    }

    #[test]
    fn public_addresses() {
        assert_eq!(parse_public_url(" https://crm.example.com/ ").unwrap(), "https://crm.example.com");
        assert_eq!(parse_public_url("http://10.0.0.5:8080/guanxi").unwrap(), "http://10.0.0.5:8080/guanxi");
        for bad in [
            "crm.example.com",
            "ftp://x.cn",
            "https://",
            "https://a b.cn",
            "https://x.cn?a=1",
            "https://x.cn:0",
            "https://x.cn#f",
            "javascript:alert(1)",
        ] {
            assert!(parse_public_url(bad).is_err(), "{bad}");
        }
    }
}

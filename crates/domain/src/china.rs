//! China Standard Time (UTC+8, no daylight saving): the zone every day and time a user sees or
//! types is in. Instants are stored in UTC; these turn them into China days and times.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

const OFFSET: Duration = Duration::hours(8);

/// The wall-clock time in China at an instant.
pub fn local(at: DateTime<Utc>) -> NaiveDateTime {
    (at + OFFSET).naive_utc()
}

/// The instant of a wall-clock time in China.
pub fn from_local(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::<Utc>::from_naive_utc_and_offset(t - OFFSET, Utc)
}

/// The calendar day in China at an instant.
pub fn day(at: DateTime<Utc>) -> NaiveDate {
    local(at).date()
}

/// A day as the number of days since 1970-01-01: how the store keeps purchase days.
pub fn day_number(d: NaiveDate) -> i32 {
    (d - NaiveDate::default()).num_days() as i32
}

/// The day a `day_number` stands for.
pub fn from_day_number(n: i32) -> NaiveDate {
    NaiveDate::default() + Duration::days(n as i64)
}

pub fn today() -> NaiveDate {
    day(Utc::now())
}

/// The instant a China day ends (its next midnight).
pub fn end_of_day(d: NaiveDate) -> DateTime<Utc> {
    let next = d.succ_opt().unwrap_or(d).and_hms_opt(0, 0, 0).unwrap_or_default();
    DateTime::<Utc>::from_naive_utc_and_offset(next - OFFSET, Utc)
}

/// `2026-11-23 10:25`, as people read a time.
pub fn minutes(at: DateTime<Utc>) -> String {
    local(at).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_turn_at_china_midnight() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(day(at("2026-01-05T15:59:00Z")).to_string(), "2026-01-05");
        assert_eq!(day(at("2026-01-05T16:00:00Z")).to_string(), "2026-01-06");
        assert_eq!(end_of_day(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()), at("2026-01-05T16:00:00Z"));
        assert_eq!(minutes(at("2026-01-05T02:25:00Z")), "2026-01-05 10:25");
        let d = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        assert_eq!(day_number(NaiveDate::from_ymd_opt(1970, 1, 2).unwrap()), 1);
        assert_eq!(from_day_number(day_number(d)), d);
    }
}

//! The Chinese lunisolar calendar 农历 for birthdays: many Chinese customers keep their
//! birthday by it, so it falls on a different Gregorian day each year. A birthday is stored as
//! the Gregorian day of birth with a mark that it is kept by the lunar calendar; the lunar month
//! and day come from the maintained `chinese-lunisolar-calendar` crate (years 1901–2100).

use chinese_lunisolar_calendar::{LunisolarDate, SolarDate};
use chrono::{Datelike, NaiveDate};

/// A day of the lunar calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lunar {
    /// The lunisolar year, by the Gregorian year it mostly falls in.
    pub year: u16,
    pub month: u8,
    pub leap: bool,
    pub day: u8,
}

/// The lunar date of a Gregorian day, `None` outside 1901–2100.
pub fn lunar_of(date: NaiveDate) -> Option<Lunar> {
    let l = LunisolarDate::from_date(date).ok()?;
    Some(Lunar {
        year: l.to_lunisolar_year().to_u16(),
        month: l.to_lunar_month().to_u8(),
        leap: l.to_lunar_month().is_leap_month(),
        day: l.to_lunar_day().to_u8(),
    })
}

/// The Gregorian day of a lunar date, `None` when there is no such day (a leap month the year
/// does not have, a 30th in a 29-day month, a year out of range).
pub fn solar_of(l: Lunar) -> Option<NaiveDate> {
    let d = LunisolarDate::from_ymd(l.year, l.month, l.leap, l.day).ok()?;
    let s: SolarDate = d.to_solar_date();
    NaiveDate::from_ymd_opt(
        i32::from(s.to_solar_year().to_u16()),
        u32::from(s.to_solar_month().to_u8()),
        u32::from(s.to_solar_day().to_u8()),
    )
}

/// The key a lunar birthday is found by: its lunar month and day as `MM-DD`. Someone born in a
/// leap month keeps the birthday in the regular month of that number, as is the custom.
pub fn month_day(born: NaiveDate) -> Option<String> {
    lunar_of(born).map(|l| format!("{:02}-{:02}", l.month, l.day))
}

/// The lunar birthday keys that fall on `day`: its own lunar month and day, and, on the 29th of
/// a month without a 30th, also the 30th (those born on a 30th celebrate on the last day).
pub fn keys_of_day(day: NaiveDate) -> Vec<String> {
    let Some(l) = lunar_of(day) else { return Vec::new() };
    if l.leap {
        // A leap month repeats the month before: birthdays were kept in the regular one.
        return Vec::new();
    }
    let mut keys = vec![format!("{:02}-{:02}", l.month, l.day)];
    let next = lunar_of(day + chrono::Duration::days(1));
    if l.day == 29 && next.is_some_and(|n| n.day == 1) {
        keys.push(format!("{:02}-30", l.month));
    }
    keys
}

fn chinese_month(m: u8) -> &'static str {
    ["正月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "冬月", "腊月"]
        .get(usize::from(m.max(1)) - 1)
        .copied()
        .unwrap_or("")
}

fn chinese_day(d: u8) -> String {
    const N: [&str; 11] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    match d {
        1..=10 => format!("初{}", N[usize::from(d)]),
        11..=19 => format!("十{}", N[usize::from(d - 10)]),
        20 => "二十".into(),
        21..=29 => format!("廿{}", N[usize::from(d - 20)]),
        30 => "三十".into(),
        _ => d.to_string(),
    }
}

/// A lunar date as people say it: 「八月十五」, 「闰四月初三」.
pub fn say(l: Lunar) -> String {
    format!("{}{}{}", if l.leap { "闰" } else { "" }, chinese_month(l.month), chinese_day(l.day))
}

/// A lunar birthday as typed and shown: 「农历1980-08-15」 (闰 before a leap month:
/// 「农历2023-闰02-10」).
pub fn write(born: NaiveDate) -> Option<String> {
    let l = lunar_of(born)?;
    Some(format!("农历{}-{}{:02}-{:02}", l.year, if l.leap { "闰" } else { "" }, l.month, l.day))
}

/// Reads a birthday typed as a lunar date: 「农历1980-08-15」, 「农历1980年八月十五」 is not
/// attempted, but 「农历1980年8月15日」, 「阴历 1980/8/15」 and 「农历2023-闰2-10」 are.
/// Returns `None` when the text is not marked as lunar; `Some(None)` when it is but names no
/// day.
pub fn read(input: &str) -> Option<Option<NaiveDate>> {
    let t = input.trim();
    let rest = t
        .strip_prefix("农历")
        .or_else(|| t.strip_prefix("阴历"))
        .or_else(|| t.get(..5).filter(|p| p.eq_ignore_ascii_case("lunar")).map(|_| &t[5..]))?;
    let rest = rest.trim().to_lowercase();
    let leap = rest.contains('闰') || rest.contains("leap");
    let digits: Vec<u32> = rest
        .replace('闰', "")
        .replace("leap", "")
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect();
    let [y, m, d] = digits[..] else { return Some(None) };
    let (Ok(year), Ok(month), Ok(day)) = (u16::try_from(y), u8::try_from(m), u8::try_from(d)) else {
        return Some(None);
    };
    Some(solar_of(Lunar { year, month, leap, day }))
}

/// This year's day of a lunar birthday on or after `from`, within a year.
pub fn next_after(born: NaiveDate, from: NaiveDate) -> Option<NaiveDate> {
    let b = lunar_of(born)?;
    let start = lunar_of(from)?.year;
    for year in [start.saturating_sub(1), start, start + 1] {
        let mut day = b.day;
        loop {
            if let Some(d) = solar_of(Lunar { year, month: b.month, leap: false, day }) {
                if d >= from {
                    return Some(d);
                }
                break;
            }
            if day <= 29 {
                break;
            }
            day -= 1;
        }
    }
    None
}

/// How many years old someone born on `born` turns on `on`.
pub fn turns(born: NaiveDate, on: NaiveDate) -> i32 {
    on.year() - born.year()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn festivals_fall_on_their_known_days() {
        // Spring Festival (正月初一) and Mid-Autumn (八月十五) across years.
        for (spring, mid_autumn) in [
            ("2023-01-22", "2023-09-29"),
            ("2024-02-10", "2024-09-17"),
            ("2025-01-29", "2025-10-06"),
            ("2026-02-17", "2026-09-25"),
        ] {
            let s = lunar_of(d(spring)).unwrap();
            assert_eq!((s.month, s.day, s.leap), (1, 1, false), "{spring}");
            let m = lunar_of(d(mid_autumn)).unwrap();
            assert_eq!((m.month, m.day), (8, 15), "{mid_autumn}");
            assert_eq!(solar_of(Lunar { year: s.year, month: 8, leap: false, day: 15 }), Some(d(mid_autumn)));
            assert_eq!(say(m), "八月十五");
        }
        // 2023 had a leap second month: 2023-03-22 is 闰二月初一.
        let leap = lunar_of(d("2023-03-22")).unwrap();
        assert_eq!((leap.month, leap.leap, leap.day), (2, true, 1));
        assert_eq!(say(leap), "闰二月初一");
    }

    #[test]
    fn a_lunar_birthday_is_written_read_and_found_each_year() {
        let born = d("1980-09-24"); // 农历1980年八月十六
        let text = write(born).unwrap();
        assert_eq!(text, "农历1980-08-16");
        assert_eq!(read(&text), Some(Some(born)));
        assert_eq!(read("农历1980年8月16日"), Some(Some(born)));
        assert_eq!(read("阴历 1980/8/16"), Some(Some(born)));
        assert_eq!(read("Lunar 1980-08-16"), Some(Some(born)));
        assert_eq!(read("1980-09-24"), None, "not marked lunar");
        assert_eq!(read("农历1980-13-40"), Some(None));
        assert_eq!(read("农历 八月十六"), Some(None), "without a year there is no day of birth");
        assert_eq!(month_day(born).as_deref(), Some("08-16"));
        // Mid-Autumn's next day, each year.
        assert_eq!(next_after(born, d("2025-01-01")), Some(d("2025-10-07")));
        assert_eq!(next_after(born, d("2026-01-01")), Some(d("2026-09-26")));
        assert!(keys_of_day(d("2026-09-26")).contains(&"08-16".to_string()));
    }

    #[test]
    fn born_on_a_thirtieth_or_in_a_leap_month() {
        // A leap-month birthday is kept in the regular month of that number.
        let leap_born = solar_of(Lunar { year: 2023, month: 2, leap: true, day: 10 }).unwrap();
        assert_eq!(month_day(leap_born).as_deref(), Some("02-10"));
        assert_eq!(write(leap_born).as_deref(), Some("农历2023-闰02-10"));
        assert_eq!(read("农历2023-闰2-10"), Some(Some(leap_born)));
        assert_eq!(read("lunar 2023-leap 2-10"), Some(Some(leap_born)));
        // Days of a leap month carry no birthdays of their own.
        assert!(keys_of_day(leap_born).is_empty());
        // The 29th of a short month also stands for the 30th.
        let mut day = d("2026-01-01");
        let mut found = false;
        for _ in 0..400 {
            let keys = keys_of_day(day);
            if keys.len() == 2 {
                assert!(keys[1].ends_with("-30") && keys[0].ends_with("-29"), "{keys:?}");
                found = true;
                break;
            }
            day += chrono::Duration::days(1);
        }
        assert!(found, "some month of 2026 has 29 days");
    }
}

//! Festivals 节日: the days a Chinese company greets its customers. Spring Festival, the Dragon
//! Boat Festival and Mid-Autumn move with the lunar calendar (1/1, 5/5, 8/15), so their
//! Gregorian day is worked out for each year; New Year's Day and National Day are fixed.

use crate::Lang;
use crate::enums::vocabulary;
use crate::lunar::{Lunar, solar_of};
use chrono::{Datelike, NaiveDate};

vocabulary! {
    /// A festival customers are greeted on.
    Festival {
        NewYear = "new_year", "元旦", "New Year's Day", [];
        SpringFestival = "spring_festival", "春节", "Spring Festival", ["新年", "chinese new year"];
        DragonBoat = "dragon_boat", "端午节", "Dragon Boat Festival", ["端午"];
        MidAutumn = "mid_autumn", "中秋节", "Mid-Autumn Festival", ["中秋"];
        NationalDay = "national_day", "国庆节", "National Day", ["国庆"];
    }
}

impl Festival {
    /// Its Gregorian day in `year` (`None` outside the lunar calendar's 1901–2100).
    pub fn date_in(self, year: i32) -> Option<NaiveDate> {
        let lunar = |month, day| {
            let year = u16::try_from(year).ok()?;
            solar_of(Lunar { year, month, leap: false, day })
        };
        match self {
            Festival::NewYear => NaiveDate::from_ymd_opt(year, 1, 1),
            Festival::SpringFestival => lunar(1, 1),
            Festival::DragonBoat => lunar(5, 5),
            Festival::MidAutumn => lunar(8, 15),
            Festival::NationalDay => NaiveDate::from_ymd_opt(year, 10, 1),
        }
    }

    /// Its next day on or after `from`.
    pub fn next_on_or_after(self, from: NaiveDate) -> Option<NaiveDate> {
        [from.year(), from.year() + 1].into_iter().filter_map(|y| self.date_in(y)).find(|d| *d >= from)
    }
}

/// The one-step cadence that greets customers on `festival`'s `day` with template `template`
/// (its id and channel): whoever is enrolled before the day gets it that morning.
pub fn greeting(
    festival: Festival,
    day: NaiveDate,
    template: (i64, crate::outbox::MessageChannel),
    lang: Lang,
) -> crate::cadences::CadenceDraft {
    use crate::cadences::{CadenceDraft, StepDraft, StepKind};
    use crate::outbox::MessageChannel;
    let kind = match template.1 {
        MessageChannel::Sms => StepKind::Sms,
        MessageChannel::Wechat => StepKind::Wechat,
        MessageChannel::Email => StepKind::Email,
        MessageChannel::Letter => StepKind::Letter,
    };
    // A letter has to be printed and posted: it is queued a week before the day.
    let starts_on = match kind {
        StepKind::Letter => day - chrono::Duration::days(LETTER_LEAD_DAYS),
        _ => day,
    };
    let name = match lang {
        Lang::ZhCn => format!("{}问候（{}）", festival.label(lang), day.year()),
        Lang::En => format!("{} greeting {}", festival.label(lang), day.year()),
    };
    let description = match (lang, kind) {
        (Lang::ZhCn, StepKind::Letter) => {
            format!("{starts_on} 上午进入发件箱的待打印信函，请在节日（{day}）前寄出；在此之前加入的客户都会收到。")
        }
        (Lang::En, StepKind::Letter) => format!(
            "Ready to print in the outbox on the morning of {starts_on}, to be posted before the day ({day}), \
             for everyone put in before then."
        ),
        (Lang::ZhCn, _) => format!("{day} 上午发出；在此之前加入的客户都会收到。"),
        (Lang::En, _) => format!("Sent on the morning of {day} to everyone put in before then."),
    };
    CadenceDraft {
        name,
        description: Some(description),
        exit_on_reply: false,
        exit_on_buy: false,
        exit_on_visit: false,
        steps: vec![StepDraft { delay_days: 0, kind, template_id: Some(template.0), task_title: None, approve: false }],
        starts_on: Some(starts_on),
        enrol_on: None,
    }
}

/// How many days before the festival a greeting by letter is ready to print.
pub const LETTER_LEAD_DAYS: i64 = 7;

/// Every festival's next day from `from`, soonest first.
pub fn upcoming(from: NaiveDate) -> Vec<(Festival, NaiveDate)> {
    let mut out: Vec<(Festival, NaiveDate)> =
        Festival::ALL.iter().filter_map(|f| f.next_on_or_after(from).map(|d| (*f, d))).collect();
    out.sort_by_key(|(f, d)| (*d, f.code()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn lunar_festivals_fall_on_their_known_days() {
        // Published dates of the State Council's holiday notices.
        let known = [
            (Festival::SpringFestival, d(2024, 2, 10)),
            (Festival::SpringFestival, d(2025, 1, 29)),
            (Festival::SpringFestival, d(2026, 2, 17)),
            (Festival::SpringFestival, d(2027, 2, 6)),
            (Festival::DragonBoat, d(2024, 6, 10)),
            (Festival::DragonBoat, d(2025, 5, 31)),
            (Festival::DragonBoat, d(2026, 6, 19)),
            (Festival::MidAutumn, d(2024, 9, 17)),
            (Festival::MidAutumn, d(2025, 10, 6)),
            (Festival::MidAutumn, d(2026, 9, 25)),
            (Festival::MidAutumn, d(2027, 9, 15)),
        ];
        for (f, day) in known {
            assert_eq!(f.date_in(day.year()), Some(day), "{f:?} {}", day.year());
        }
        assert_eq!(Festival::NationalDay.date_in(2026), Some(d(2026, 10, 1)));
        assert_eq!(Festival::SpringFestival.date_in(1800), None);
    }

    #[test]
    fn the_next_ones_from_a_day() {
        let from = d(2026, 12, 6);
        let next = upcoming(from);
        assert_eq!(next[0], (Festival::NewYear, d(2027, 1, 1)));
        assert_eq!(next[1], (Festival::SpringFestival, d(2027, 2, 6)));
        assert_eq!(next.len(), Festival::ALL.len());
        assert_eq!(Festival::MidAutumn.next_on_or_after(d(2026, 9, 25)), Some(d(2026, 9, 25)), "the day itself");
    }
}

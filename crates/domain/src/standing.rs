//! Where a customer's relationship stands, derived from its history: the 4R lifecycle phase
//! (establish 建立, maintain 保持, referral 推荐, win back 挽回) with the reason, satisfaction
//! from the latest survey in the course's three levels, loyalty from behaviour, and the
//! satisfaction × loyalty quadrant (destroyer 破坏者, profiteer 图利者, prisoner 囚禁者,
//! apostle 传道者). One pure function, [`assess`], turns a customer's inputs into all of it, for
//! one customer on their page and for a million in the nightly recompute alike.

pub mod fields;

use crate::enums::vocabulary;
use crate::health::Signals;
use crate::relationship::{ContactEvidence, RelationshipLevel};
use crate::sales::parse_flag;
use crate::values::text;
use crate::{CustomerStatus, Field, Lang, Problem, Raw, Validation, ValueTier};
use chrono::NaiveDate;

vocabulary! {
    /// The 4R lifecycle.
    Phase {
        Establish = "establish", "建立", "Establish", [];
        Maintain = "maintain", "保持", "Maintain", [];
        Referral = "referral", "推荐", "Referral", [];
        WinBack = "win_back", "挽回", "Win back", ["挽留"];
    }
}

vocabulary! {
    /// Satisfaction × loyalty.
    Quadrant {
        Destroyer = "destroyer", "破坏者", "Destroyer", [];
        Profiteer = "profiteer", "图利者", "Profiteer", [];
        Prisoner = "prisoner", "囚禁者", "Prisoner", [];
        Apostle = "apostle", "传道者", "Apostle", [];
    }
}

vocabulary! {
    /// What a satisfaction survey follows.
    SurveyAbout {
        Order = "order", "订单之后", "After an order", ["订单"];
        Visit = "visit", "拜访之后", "After a visit", ["拜访"];
        Ticket = "ticket", "服务之后", "After a service ticket", ["服务", "工单"];
        Other = "other", "其他", "Other", [];
    }
}

impl Quadrant {
    pub fn of(satisfied: bool, loyal: bool) -> Quadrant {
        match (satisfied, loyal) {
            (false, false) => Quadrant::Destroyer,
            (true, false) => Quadrant::Profiteer,
            (false, true) => Quadrant::Prisoner,
            (true, true) => Quadrant::Apostle,
        }
    }

    /// What to do about a customer in this quadrant.
    pub fn advice(self, lang: Lang) -> &'static str {
        match self {
            Quadrant::Destroyer => lang.pick(
                "既不满意也不忠诚，会向别人说我们的坏话：尽快主动联系，听取并解决问题",
                "Neither satisfied nor loyal, and telling others: reach out now, listen and fix what went wrong",
            ),
            Quadrant::Profiteer => lang.pick(
                "满意但不忠诚，哪里便宜去哪里：用额外的价值与关系留住",
                "Satisfied but not loyal, goes where it is cheaper: keep them with extra value and the relationship",
            ),
            Quadrant::Prisoner => lang.pick(
                "忠诚却不满意，只是暂时没有选择：一有替代就会离开，先解决不满",
                "Loyal but not satisfied, captive for now: they leave when an alternative comes, so fix the dissatisfaction first",
            ),
            Quadrant::Apostle => lang.pick(
                "既满意又忠诚，会为我们传播口碑：请他们推荐朋友",
                "Satisfied and loyal, they spread the word: ask them to bring friends",
            ),
        }
    }
}

/// A customer's answers to a satisfaction survey: satisfied (required), will buy again and will
/// bring friends (yes, no, or not answered), what they expected and what they got (1–5 each),
/// and a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyAnswers {
    pub satisfied: bool,
    pub buy_again: Option<bool>,
    pub recommend: Option<bool>,
    pub expectation: u8,
    pub experience: u8,
    pub comment: Option<String>,
    pub respondent: Option<String>,
}

fn one_to_five(v: &mut Validation, raw: &Raw, field: Field) -> Option<u8> {
    let t = raw.get(field).trim();
    if t.is_empty() {
        v.push(field, "", Problem::Required);
        return None;
    }
    match t.parse::<u8>() {
        Ok(n @ 1..=5) => Some(n),
        _ => {
            v.push(field, t, Problem::OutOfRange { min: "1".into(), max: "5".into() });
            None
        }
    }
}

impl SurveyAnswers {
    pub fn parse(raw: &Raw) -> Result<SurveyAnswers, Validation> {
        let mut v = Validation::default();
        let satisfied = if raw.get(Field::Satisfied).trim().is_empty() {
            v.push(Field::Satisfied, "", Problem::Required);
            None
        } else {
            v.take(parse_flag(Field::Satisfied, raw.get(Field::Satisfied)))
        };
        let optional_flag = |v: &mut Validation, field: Field| {
            let t = raw.get(field).trim();
            if t.is_empty() || matches!(t, "unsure" | "不确定") { None } else { v.take(parse_flag(field, t)) }
        };
        let buy_again = optional_flag(&mut v, Field::BuyAgain);
        let recommend = optional_flag(&mut v, Field::Recommend);
        let expectation = one_to_five(&mut v, raw, Field::Expectation);
        let experience = one_to_five(&mut v, raw, Field::Experience);
        let comment = v.take(text(Field::Comment, raw.get(Field::Comment), 4000)).flatten();
        let respondent = v.take(text(Field::Respondent, raw.get(Field::Respondent), 100)).flatten();
        match (satisfied, expectation, experience) {
            (Some(satisfied), Some(expectation), Some(experience)) if v.is_empty() => {
                Ok(SurveyAnswers { satisfied, buy_again, recommend, expectation, experience, comment, respondent })
            }
            _ => Err(v),
        }
    }

    /// The course's three levels: 0 not satisfied; 1 satisfied; 2 satisfied and will buy
    /// again; 3 satisfied, will buy again and will bring friends.
    pub fn level(&self) -> u8 {
        if !self.satisfied {
            return 0;
        }
        match (self.buy_again, self.recommend) {
            (Some(true), Some(true)) => 3,
            (Some(true), _) => 2,
            _ => 1,
        }
    }

    /// What they got minus what they expected, −4 … 4.
    pub fn gap(&self) -> i32 {
        self.experience as i32 - self.expectation as i32
    }

    /// 0–100 for the quadrant's horizontal axis: a satisfied customer is at 50 or more —
    /// 50 + 15 per level above the first + 5 per point of the gap — and one who is not below
    /// 50 — 40 + 5 per point of the gap.
    pub fn index(&self) -> u8 {
        let gap = self.gap();
        if self.satisfied {
            (50 + 15 * (self.level() as i32 - 1) + 5 * gap).clamp(50, 100) as u8
        } else {
            (40 + 5 * gap).clamp(0, 49) as u8
        }
    }

    /// Criticism worth counting: below expectation with something said.
    pub fn is_criticism(&self) -> bool {
        self.gap() < 0 && self.comment.is_some()
    }
}

/// What a survey follows and which order, visit or ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyRequest {
    pub about: SurveyAbout,
    pub reference: Option<String>,
}

impl SurveyRequest {
    pub fn parse(raw: &Raw) -> Result<SurveyRequest, Validation> {
        let mut v = Validation::default();
        let t = raw.get(Field::About).trim();
        let about = if t.is_empty() {
            Some(SurveyAbout::Other)
        } else {
            v.take(crate::values::choice(Field::About, t, SurveyAbout::parse, &SurveyAbout::codes())).flatten()
        };
        let reference = v.take(text(Field::Reference, raw.get(Field::Reference), 200)).flatten();
        match about {
            Some(about) if v.is_empty() => Ok(SurveyRequest { about, reference }),
            _ => Err(v),
        }
    }
}

/// Why a customer is in their lifecycle phase.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Why {
    /// Marked lost.
    Lost,
    /// A key or major customer whose P(alive) is under the churn threshold.
    ChurnWatch { p_alive: f64 },
    /// The last purchase is more than the overdue factor times their own rhythm ago.
    Overdue { days: i64, rhythm: f64 },
    /// One purchase, more than a year ago.
    Lapsed { days: i64 },
    /// Has brought other customers.
    Referred { count: u32 },
    /// No purchase yet.
    NoPurchase,
    /// First purchase in the last 180 days, or only one purchase so far.
    New { purchase_days: u32 },
    /// Buying in their rhythm.
    Active { purchase_days: u32 },
}

impl Why {
    pub fn describe(self, lang: Lang) -> String {
        match (self, lang) {
            (Why::Lost, Lang::ZhCn) => "已标记为流失客户".into(),
            (Why::Lost, Lang::En) => "marked as lost".into(),
            (Why::ChurnWatch { p_alive }, Lang::ZhCn) => {
                format!("重要客户，仍然活跃的概率只有 {:.0}%，低于流失预警线", p_alive * 100.0)
            }
            (Why::ChurnWatch { p_alive }, Lang::En) => {
                format!(
                    "a valuable customer only {:.0}% likely to be still active, under the churn threshold",
                    p_alive * 100.0
                )
            }
            (Why::Overdue { days, rhythm }, Lang::ZhCn) => {
                format!("已 {days} 天没有购买，平时约每 {rhythm:.0} 天购买一次")
            }
            (Why::Overdue { days, rhythm }, Lang::En) => {
                format!("no purchase for {days} days; they usually buy every {rhythm:.0} days")
            }
            (Why::Lapsed { days }, Lang::ZhCn) => format!("只购买过一次，已 {days} 天没有再来"),
            (Why::Lapsed { days }, Lang::En) => format!("bought once, {days} days ago, and not since"),
            (Why::Referred { count }, Lang::ZhCn) => format!("已为我们推荐 {count} 位客户"),
            (Why::Referred { count }, Lang::En) => format!("has brought us {count} customer(s)"),
            (Why::NoPurchase, Lang::ZhCn) => "还没有购买".into(),
            (Why::NoPurchase, Lang::En) => "no purchase yet".into(),
            (Why::New { purchase_days }, Lang::ZhCn) => {
                format!("新客户：购买 {purchase_days} 次，首次购买在近 180 天内或只买过一次")
            }
            (Why::New { purchase_days }, Lang::En) => {
                format!("new: {purchase_days} purchase day(s), the first in the last 180 days or only one so far")
            }
            (Why::Active { purchase_days }, Lang::ZhCn) => format!("按自己的节奏购买，共 {purchase_days} 次"),
            (Why::Active { purchase_days }, Lang::En) => {
                format!("buying in their rhythm, {purchase_days} purchase days")
            }
        }
    }
}

/// Everything a customer's standing is derived from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs {
    pub status: Option<CustomerStatus>,
    pub first_order: Option<NaiveDate>,
    pub last_order: Option<NaiveDate>,
    pub purchase_days: u32,
    pub rhythm_days: Option<f64>,
    /// Revenue of all their orders.
    pub revenue_fen: i64,
    pub tier: Option<ValueTier>,
    pub p_alive: Option<f64>,
    /// Customers this one brought.
    pub referred: u32,
    /// Our share of their spending, where known.
    pub wallet_share: Option<u8>,
    pub contacts: ContactEvidence,
    pub signals: Signals,
    /// The latest survey answered in the last two years.
    pub survey: Option<SurveyAnswers>,
}

/// What the company set in its value settings that standing uses: the churn thresholds, and
/// the years ahead and the rate the lifetime-customer figure counts with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub churn_below: f64,
    pub overdue_factor: f64,
    pub lifetime_years: f64,
    pub annual_rate: f64,
}

/// A customer's standing.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    pub level: RelationshipLevel,
    pub phase: Phase,
    pub why: Why,
    /// The data's answers to the ten signs (`y`, `n`, `?` in the signs' order).
    pub signs: String,
    /// Key and major customers are on the relationship-health list.
    pub watched: bool,
    pub satisfaction: Option<u8>,
    pub loyalty: Option<u8>,
    pub quadrant: Option<Quadrant>,
}

/// The lifecycle phase and why, as of `today`.
pub fn phase(i: &Inputs, today: NaiveDate, t: Thresholds) -> (Phase, Why) {
    let valuable = matches!(i.tier, Some(ValueTier::Key | ValueTier::Major));
    if i.status == Some(CustomerStatus::Lost) {
        return (Phase::WinBack, Why::Lost);
    }
    if let Some(last) = i.last_order {
        let days = (today - last).num_days();
        if let Some(p) = i.p_alive.filter(|p| valuable && *p < t.churn_below) {
            return (Phase::WinBack, Why::ChurnWatch { p_alive: p });
        }
        if let Some(rhythm) = i.rhythm_days.filter(|r| *r > 0.0 && days as f64 > t.overdue_factor * r) {
            return (Phase::WinBack, Why::Overdue { days, rhythm });
        }
        if i.purchase_days <= 1 && days > 365 {
            return (Phase::WinBack, Why::Lapsed { days });
        }
    }
    if i.referred > 0 {
        return (Phase::Referral, Why::Referred { count: i.referred });
    }
    match i.first_order {
        None => (Phase::Establish, Why::NoPurchase),
        Some(first) if i.purchase_days <= 1 || (today - first).num_days() <= 180 => {
            (Phase::Establish, Why::New { purchase_days: i.purchase_days })
        }
        Some(_) => (Phase::Maintain, Why::Active { purchase_days: i.purchase_days }),
    }
}

/// A win-back case to open for a customer in the win-back phase who is valuable (a key or
/// major account) and has bought: why, and the lifetime-customer figure.
pub fn winback_case(
    i: &Inputs,
    why: Why,
    t: Thresholds,
) -> Option<(crate::winback::Trigger, crate::winback::LifetimeFigure)> {
    use crate::winback::{LifetimeFigure, Trigger};
    if !matches!(i.tier, Some(ValueTier::Key | ValueTier::Major)) {
        return None;
    }
    let (first, last) = (i.first_order?, i.last_order?);
    let trigger = match why {
        Why::Lost => Trigger::Lost,
        Why::ChurnWatch { .. } => Trigger::ChurnWatch,
        Why::Overdue { .. } => Trigger::Overdue,
        Why::Lapsed { .. } => Trigger::Lapsed,
        _ => return None,
    };
    Some((trigger, LifetimeFigure::of(i.revenue_fen, first, last, t.lifetime_years, t.annual_rate)))
}

/// Loyalty from behaviour, 0–100: the mean of repeat buying (three repeat purchase days or more
/// count fully), tenure (two years or more count fully) and our share of their spending where
/// known; using or signed with a competitor now takes off 40%. `None` without a purchase.
pub fn loyalty(i: &Inputs, today: NaiveDate) -> Option<u8> {
    let first = i.first_order?;
    let repeat = (i.purchase_days.saturating_sub(1) as f64 / 3.0).min(1.0);
    let tenure = ((today - first).num_days().max(0) as f64 / 730.0).min(1.0);
    let mut parts = vec![repeat, tenure];
    if let Some(w) = i.wallet_share {
        parts.push(w as f64 / 100.0);
    }
    let mut score = parts.iter().sum::<f64>() / parts.len() as f64;
    if i.signals.signed_now > 0 || i.signals.using_now > 0 {
        score *= 0.6;
    }
    Some((score * 100.0).round() as u8)
}

/// Everything at once.
pub fn assess(i: &Inputs, today: NaiveDate, t: Thresholds) -> Standing {
    let (phase, why) = phase(i, today, t);
    let satisfaction = i.survey.as_ref().map(SurveyAnswers::index);
    let loyalty = loyalty(i, today);
    let quadrant = match (satisfaction, loyalty) {
        (Some(s), Some(l)) => Some(Quadrant::of(s >= 50, l >= 50)),
        _ => None,
    };
    Standing {
        level: i.contacts.proposed(),
        phase,
        why,
        signs: i.signals.marks(),
        watched: matches!(i.tier, Some(ValueTier::Key | ValueTier::Major)),
        satisfaction,
        loyalty,
        quadrant,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const T: Thresholds = Thresholds { churn_below: 0.3, overdue_factor: 2.0, lifetime_years: 5.0, annual_rate: 0.08 };

    fn buyer() -> Inputs {
        Inputs {
            status: Some(CustomerStatus::Customer),
            first_order: Some(day("2024-01-10")),
            last_order: Some(day("2026-11-01")),
            purchase_days: 12,
            rhythm_days: Some(30.0),
            tier: Some(ValueTier::Key),
            p_alive: Some(0.9),
            ..Inputs::default()
        }
    }

    #[test]
    fn the_phase_follows_the_history() {
        let today = day("2026-11-23");
        assert_eq!(phase(&buyer(), today, T), (Phase::Maintain, Why::Active { purchase_days: 12 }));
        let lost = Inputs { status: Some(CustomerStatus::Lost), ..buyer() };
        assert_eq!(phase(&lost, today, T).1, Why::Lost);
        let fading = Inputs { p_alive: Some(0.2), ..buyer() };
        assert_eq!(phase(&fading, today, T), (Phase::WinBack, Why::ChurnWatch { p_alive: 0.2 }));
        // P(alive) only puts valuable customers on the watch; the rhythm catches everyone.
        let small = Inputs { p_alive: Some(0.2), tier: Some(ValueTier::Small), ..buyer() };
        assert_eq!(phase(&small, today, T).0, Phase::Maintain);
        let late = Inputs { last_order: Some(day("2026-09-01")), ..buyer() };
        assert_eq!(phase(&late, today, T), (Phase::WinBack, Why::Overdue { days: 83, rhythm: 30.0 }));
        let once = Inputs { purchase_days: 1, rhythm_days: None, last_order: Some(day("2025-06-01")), ..buyer() };
        assert_eq!(phase(&once, today, T).1, Why::Lapsed { days: 540 });
        let referrer = Inputs { referred: 2, ..buyer() };
        assert_eq!(phase(&referrer, today, T), (Phase::Referral, Why::Referred { count: 2 }));
        let new = Inputs { first_order: Some(day("2026-08-01")), purchase_days: 3, ..buyer() };
        assert_eq!(phase(&new, today, T).0, Phase::Establish);
        let prospect = Inputs { status: Some(CustomerStatus::Prospect), ..Inputs::default() };
        assert_eq!(phase(&prospect, today, T), (Phase::Establish, Why::NoPurchase));
        assert!(Why::Overdue { days: 83, rhythm: 30.0 }.describe(Lang::ZhCn).contains("83 天"));
    }

    fn answers(raw: &[(Field, &str)]) -> Result<SurveyAnswers, Validation> {
        let mut r = Raw::new();
        for (f, v) in raw {
            r.set(*f, *v);
        }
        SurveyAnswers::parse(&r)
    }

    #[test]
    fn surveys_have_three_levels_and_a_gap() {
        let a = answers(&[
            (Field::Satisfied, "yes"),
            (Field::BuyAgain, "yes"),
            (Field::Recommend, "是"),
            (Field::Expectation, "4"),
            (Field::Experience, "5"),
        ])
        .unwrap();
        assert_eq!((a.level(), a.gap(), a.index()), (3, 1, 85));
        let b = answers(&[(Field::Satisfied, "yes"), (Field::Expectation, "4"), (Field::Experience, "3")]).unwrap();
        assert_eq!((b.level(), b.index()), (1, 50));
        let c = answers(&[
            (Field::Satisfied, "no"),
            (Field::Expectation, "5"),
            (Field::Experience, "2"),
            (Field::Comment, "交货晚了两周"),
        ])
        .unwrap();
        assert_eq!((c.level(), c.index(), c.is_criticism()), (0, 25, true));
        let e = answers(&[(Field::BuyAgain, "maybe"), (Field::Expectation, "9")]).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|x| x.field).collect();
        assert_eq!(fields, [Field::Satisfied, Field::BuyAgain, Field::Expectation, Field::Experience]);
    }

    #[test]
    fn loyalty_and_the_quadrant() {
        let today = day("2026-11-23");
        assert_eq!(loyalty(&Inputs::default(), today), None);
        // 11 repeat days (full) and almost three years (full).
        assert_eq!(loyalty(&buyer(), today), Some(100));
        let with_wallet = Inputs { wallet_share: Some(40), ..buyer() };
        assert_eq!(loyalty(&with_wallet, today), Some(80));
        let two_timing = Inputs { signals: Signals { using_now: 1, ..Signals::default() }, ..buyer() };
        assert_eq!(loyalty(&two_timing, today), Some(60));
        let unhappy = answers(&[(Field::Satisfied, "no"), (Field::Expectation, "4"), (Field::Experience, "2")]).ok();
        let s = assess(&Inputs { survey: unhappy.clone(), ..buyer() }, today, T);
        assert_eq!(s.quadrant, Some(Quadrant::Prisoner));
        let newcomer = Inputs { first_order: Some(day("2026-10-01")), purchase_days: 1, survey: unhappy, ..buyer() };
        assert_eq!(assess(&newcomer, today, T).quadrant, Some(Quadrant::Destroyer));
        // No survey: no place in the quadrant, not a made-up one.
        assert_eq!(assess(&buyer(), today, T).quadrant, None);
        assert!(assess(&buyer(), today, T).watched);
    }
}

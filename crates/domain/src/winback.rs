//! Referrals and win-back, the last two of the 4R (PRODUCT.md §4). A referral records who
//! brought whom and the reward — material (points, a gift, a discount) or recognition. A
//! win-back case opens for a lapsed valuable customer with the lifetime-customer figure (the
//! Walmart case: what the customer was worth a year, and what leaving costs over their expected
//! lifetime), the "one nail" guidance, the attempts and the outcome.

pub mod fields;

use crate::enums::vocabulary;
use crate::orders::parse_money;
use crate::values::{parse_business_date, required_text, text};
use crate::{Channel, Field, Lang, Problem, Raw, Validation};
use chrono::NaiveDate;

vocabulary! {
    /// How a referrer is thanked.
    RewardKind {
        Points = "points", "积分", "Points", [];
        Gift = "gift", "礼品", "Gift", ["礼物"];
        Discount = "discount", "折扣", "Discount", ["优惠"];
        Recognition = "recognition", "荣誉与感谢", "Recognition", ["感谢", "荣誉"];
    }
}

impl RewardKind {
    /// Points, gifts and discounts are material; recognition is not.
    pub fn is_material(self) -> bool {
        !matches!(self, RewardKind::Recognition)
    }
}

/// A referral as a person records it on the referred customer. The referrer is named by the
/// store (an ID or an exact name); its key person by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralDraft {
    pub referrer: String,
    pub referrer_person: Option<String>,
    pub referred_on: NaiveDate,
    pub reward_kind: Option<RewardKind>,
    pub reward: Option<String>,
    pub reward_fen: Option<i64>,
    pub note: Option<String>,
}

impl ReferralDraft {
    pub fn parse(raw: &Raw, today: NaiveDate) -> Result<ReferralDraft, Validation> {
        let mut v = Validation::default();
        let referrer = v.take(required_text(Field::Referrer, raw.get(Field::Referrer), 200));
        let referrer_person = v.take(text(Field::ReferrerPerson, raw.get(Field::ReferrerPerson), 100)).flatten();
        let referred_on =
            v.take(parse_business_date(Field::ReferredOn, raw.get(Field::ReferredOn))).flatten().unwrap_or(today);
        if referred_on > today {
            v.push(Field::ReferredOn, raw.get(Field::ReferredOn), Problem::DateInFuture);
        }
        let reward_kind = v
            .take(crate::values::choice(
                Field::RewardKind,
                raw.get(Field::RewardKind),
                RewardKind::parse,
                &RewardKind::codes(),
            ))
            .flatten();
        let reward = v.take(text(Field::Reward, raw.get(Field::Reward), 200)).flatten();
        let reward_fen = v.take(parse_money(Field::RewardValue, raw.get(Field::RewardValue))).flatten();
        if reward_fen.is_some_and(|f| f < 0) {
            v.push(Field::RewardValue, raw.get(Field::RewardValue), Problem::InvalidAmount);
        }
        let note = v.take(text(Field::Notes, raw.get(Field::Notes), 2000)).flatten();
        match referrer {
            Some(referrer) if v.is_empty() => {
                Ok(ReferralDraft { referrer, referrer_person, referred_on, reward_kind, reward, reward_fen, note })
            }
            _ => Err(v),
        }
    }
}

vocabulary! {
    /// Why a win-back case opened.
    Trigger {
        ChurnWatch = "churn_watch", "流失预警", "Churn watch", [];
        Overdue = "overdue", "超出购买节奏", "Overdue against their rhythm", [];
        Lapsed = "lapsed", "一次购买后未再来", "Bought once, not since", [];
        Lost = "lost", "已流失", "Marked lost", [];
        Manual = "manual", "人工发起", "Opened by a person", [];
    }
}

vocabulary! {
    /// Where a win-back case stands.
    CaseStatus {
        Open = "open", "进行中", "Open", [];
        WonBack = "won_back", "已挽回", "Won back", ["挽回"];
        LostForGood = "lost_for_good", "彻底流失", "Lost for good", ["流失"];
    }
}

/// The lifetime-customer figure: what the customer was worth a year, how many years ahead we
/// count, and what leaving costs over them (each year discounted at the annual rate).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LifetimeFigure {
    pub yearly_fen: i64,
    pub years: f64,
    pub loss_fen: i64,
}

impl LifetimeFigure {
    /// From the customer's revenue between their first and last purchase: spread over the
    /// years they bought (at least one — a short history is not extrapolated), then counted
    /// over `years` ahead, discounted at `annual_rate`.
    pub fn of(revenue_fen: i64, first: NaiveDate, last: NaiveDate, years: f64, annual_rate: f64) -> LifetimeFigure {
        let span_years = ((last - first).num_days() as f64 / 365.0).max(1.0);
        let yearly = revenue_fen.max(0) as f64 / span_years;
        let mut loss = 0.0;
        let mut y = 0.0;
        while y < years {
            let part = (years - y).min(1.0);
            loss += yearly * part / (1.0 + annual_rate).powf(y + part);
            y += 1.0;
        }
        LifetimeFigure { yearly_fen: yearly.round() as i64, years, loss_fen: loss.round() as i64 }
    }
}

/// The "one nail" guidance for winning a customer back (PRODUCT.md §4), in order.
pub fn guidance(lang: Lang) -> [&'static str; 4] {
    [
        lang.pick(
            "不用物质利诱：不送礼、不降价收买，那样换来的只是图利者",
            "No material bribe: no gifts or price cuts to buy them back — that only makes a profiteer",
        ),
        lang.pick(
            "讲清楚离开的损失：他们会失去什么（服务、积累的关系、已经习惯的方便）",
            "Describe what leaving costs them: the service, the relationship built up, the convenience they are used to",
        ),
        lang.pick(
            "绝不攻击竞争对手：只谈我们和客户，不谈别人的坏话",
            "Never attack competitors: talk about us and them, never run others down",
        ),
        lang.pick(
            "把门留着：即使这次不回来，也让他们知道随时欢迎",
            "Leave the door open: even if not now, they know they are welcome back any time",
        ),
    ]
}

/// One attempt to win a customer back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptDraft {
    pub channel: Channel,
    pub what: String,
    pub response: Option<String>,
}

impl AttemptDraft {
    pub fn parse(raw: &Raw) -> Result<AttemptDraft, Validation> {
        let mut v = Validation::default();
        let channel =
            v.take(crate::values::choice(Field::Channel, raw.get(Field::Channel), Channel::parse, &Channel::codes()));
        let channel = match channel {
            Some(Some(c)) => Some(c),
            Some(None) => {
                v.push(Field::Channel, "", Problem::Required);
                None
            }
            None => None,
        };
        let what = v.take(required_text(Field::AttemptWhat, raw.get(Field::AttemptWhat), 4000));
        let response = v.take(text(Field::TheirResponse, raw.get(Field::TheirResponse), 4000)).flatten();
        match (channel, what) {
            (Some(channel), Some(what)) if v.is_empty() => Ok(AttemptDraft { channel, what, response }),
            _ => Err(v),
        }
    }
}

/// How a case ends: won back, or lost for good with the reason (required).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseOutcome {
    pub status: CaseStatus,
    pub reason: Option<String>,
}

impl CaseOutcome {
    pub fn parse(raw: &Raw) -> Result<CaseOutcome, Validation> {
        let mut v = Validation::default();
        let t = raw.get(Field::Outcome).trim();
        let status = match CaseStatus::parse(t) {
            Some(CaseStatus::Open) | None => {
                let allowed = vec!["won_back".to_string(), "lost_for_good".to_string()];
                let problem = if t.is_empty() { Problem::Required } else { Problem::UnknownChoice { allowed } };
                v.push(Field::Outcome, t, problem);
                None
            }
            Some(s) => Some(s),
        };
        let reason = v.take(text(Field::OutcomeReason, raw.get(Field::OutcomeReason), 2000)).flatten();
        if status == Some(CaseStatus::LostForGood) && reason.is_none() {
            v.push(Field::OutcomeReason, "", Problem::Required);
        }
        match status {
            Some(status) if v.is_empty() => Ok(CaseOutcome { status, reason }),
            _ => Err(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_lifetime_figure() {
        // 1,096 days of buying (a leap year among them), 300,000 yuan: 300,000 × 365 / 1,096 a
        // year; five years ahead undiscounted.
        let f = LifetimeFigure::of(30_000_000, day("2023-01-01"), day("2026-01-01"), 5.0, 0.0);
        assert_eq!((f.yearly_fen, f.loss_fen), (9_990_876, 49_954_380));
        // A short history is not blown up to a year's worth.
        let f = LifetimeFigure::of(500_000, day("2026-09-01"), day("2026-10-01"), 1.0, 0.0);
        assert_eq!(f.yearly_fen, 500_000);
        // Discounted at 10%: 1/1.1 + 1/1.21.
        let f = LifetimeFigure::of(1_000_000, day("2025-01-01"), day("2025-06-01"), 2.0, 0.1);
        assert_eq!(f.loss_fen, 1_735_537);
        // Half a year ahead counts half a year.
        let f = LifetimeFigure::of(1_000_000, day("2025-01-01"), day("2025-06-01"), 0.5, 0.0);
        assert_eq!(f.loss_fen, 500_000);
    }

    #[test]
    fn referrals_and_outcomes_parse_with_every_problem_named() {
        let today = day("2026-11-23");
        let r = ReferralDraft::parse(
            &Raw::new()
                .with(Field::Referrer, "华东机电")
                .with(Field::RewardKind, "积分")
                .with(Field::RewardValue, "¥200")
                .with(Field::ReferrerPerson, "王经理"),
            today,
        )
        .unwrap();
        assert_eq!((r.reward_kind, r.reward_fen, r.referred_on), (Some(RewardKind::Points), Some(20_000), today));
        assert!(RewardKind::Points.is_material() && !RewardKind::Recognition.is_material());
        let e = ReferralDraft::parse(
            &Raw::new()
                .with(Field::RewardKind, "cash")
                .with(Field::ReferredOn, "2030-01-01")
                .with(Field::RewardValue, "-5"),
            today,
        )
        .unwrap_err();
        let fields: Vec<Field> = e.0.iter().map(|x| x.field).collect();
        assert_eq!(fields, [Field::Referrer, Field::ReferredOn, Field::RewardKind, Field::RewardValue]);

        let lost = CaseOutcome::parse(&Raw::new().with(Field::Outcome, "lost_for_good")).unwrap_err();
        assert_eq!(lost.0[0].field, Field::OutcomeReason);
        let won = CaseOutcome::parse(&Raw::new().with(Field::Outcome, "挽回")).unwrap();
        assert_eq!(won.status, CaseStatus::WonBack);
        assert_eq!(
            CaseOutcome::parse(&Raw::new().with(Field::Outcome, "open")).unwrap_err().0[0].field,
            Field::Outcome
        );
        let a = AttemptDraft::parse(&Raw::new().with(Field::AttemptWhat, "上门道歉")).unwrap_err();
        assert_eq!(a.0[0].field, Field::Channel);
        assert_eq!(guidance(Lang::ZhCn).len(), 4);
    }
}

//! Deals with a past, drawn for the demo and the sales benchmark: each opened on some day, moved
//! through the stages with a few days in each (sometimes back a stage and on again), and won,
//! lost or still open; objections on some. The same seed gives the same deals.

use crate::generate::Rng;
use chrono::{DateTime, Duration, Utc};
use guanxi_domain::sales::{ObjectionDraft, OpportunityDraft, Outcome, Stage};
use guanxi_domain::{Field, Raw};
use guanxi_store::DealImport;

const PRODUCTS: &[&str] =
    &["年度采购", "二期扩产", "设备更新", "软件升级", "维保续约", "门店装修", "团购礼品", "办公设备"];
const COMPETITORS: &[&str] = &["鼎新科技", "华信集团", "恒通股份", "联创实业", "远航贸易"];
const LOST_REASONS: &[&str] = &["价格高于对手", "预算被砍", "项目暂停", "对方选了老供应商", "交期不满足"];
const OBJECTIONS: &[(&str, &str)] = &[
    ("价格比竞品高", "price"),
    ("担心售后响应慢", "service"),
    ("交期太长", "delivery"),
    ("功能不够用", "product"),
    ("今年预算已用完", "budget"),
    ("想等到明年再说", "timing"),
    ("要总部批准", "authority"),
    ("习惯用原来的供应商", "habit"),
];

/// What to draw.
pub struct Plan<'a> {
    pub customers: &'a [i64],
    pub owners: &'a [i64],
    pub deals: usize,
    /// Deals open within this many days before `until`.
    pub span_days: i64,
    pub until: DateTime<Utc>,
    /// How many times on average a deal past the first stage goes back a stage and on again.
    pub detours: f64,
}

fn draft(r: &mut Rng, reached: usize) -> Option<OpportunityDraft> {
    let amount = (10_000.0 * (1.0 + 200.0 * r.unit().powi(3))).round() as i64;
    let mut raw = Raw::new()
        .with(Field::Title, format!("{}{}", r.pick(PRODUCTS), 1 + r.below(9)))
        .with(Field::Amount, amount.to_string())
        .with(Field::Competitors, r.pick(COMPETITORS).to_string());
    if reached > 0 {
        for f in [Field::PurchasingPower, Field::DecisionAuthority, Field::Need] {
            raw.set(f, "yes");
        }
        raw.set(Field::PowerEvidence, "上年采购额与本次预算相当");
    }
    if reached > 1 {
        raw.set(Field::Appointment, *r.pick(&["visit", "phone", "introduction"]));
        raw.set(Field::Preparation, "带样品与案例上门");
    }
    if reached > 2 {
        raw.set(Field::Proposal, "按客户需求出具的方案与报价");
    }
    OpportunityDraft::parse(&raw).ok()
}

/// The deals of `plan`.
pub fn simulate(r: &mut Rng, plan: &Plan) -> Vec<DealImport> {
    let mut out = Vec::with_capacity(plan.deals);
    let stay = |r: &mut Rng| Duration::minutes((60.0 * 24.0 * (0.5 + 14.0 * r.unit() * r.unit())) as i64);
    for _ in 0..plan.deals {
        let fate = r.unit();
        // Open deals are recent; closed ones spread over the whole span.
        let age = if fate < 0.6 { plan.span_days } else { plan.span_days.min(60) };
        let created_at = plan.until - Duration::minutes(r.below((age * 24 * 60) as usize) as i64);
        let target = match fate {
            f if f < 0.3 => 4,          // won from closing
            f if f < 0.6 => r.below(5), // lost somewhere
            _ => r.below(5),            // still open
        };
        // Forward a stage at a time; a detour goes back a stage and on again.
        let mut at = created_at;
        let mut moves = Vec::new();
        let mut detours = if target > 0 { (plan.detours * 2.0 * r.unit()).round() as usize } else { 0 };
        for stage in 1..=target {
            at += stay(r);
            moves.push((Stage::ALL[stage], at));
            let here = if stage == target { detours } else { r.below(detours + 1) };
            for _ in 0..here {
                at += stay(r);
                moves.push((Stage::ALL[stage - 1], at));
                at += stay(r);
                moves.push((Stage::ALL[stage], at));
            }
            detours -= here;
        }
        let reached = moves.iter().map(|(s, _)| s.index()).max().unwrap_or(0);
        let Some(mut d) = draft(r, reached) else { continue };
        d.expected_close = Some(guanxi_domain::china::day(created_at + Duration::days(30 + r.below(120) as i64)));
        let closed_at = at + stay(r);
        let outcome = match fate {
            f if f < 0.3 => {
                Some(Outcome::Won { amount_fen: d.amount_fen, closed_on: guanxi_domain::china::day(closed_at) })
            }
            f if f < 0.6 => Some(Outcome::Lost {
                reason: r.pick(LOST_REASONS).to_string(),
                lost_to: r.chance(0.7).then(|| r.pick(COMPETITORS).to_string()),
                closed_on: guanxi_domain::china::day(closed_at),
            }),
            _ => None,
        };
        // Nothing happens after the end of the data; such a deal is still open.
        let outcome = outcome.filter(|_| closed_at <= plan.until).map(|o| (o, closed_at));
        moves.retain(|(_, t)| *t <= plan.until);
        let mut objections = Vec::new();
        if r.chance(0.4) {
            let (what, cause) = *r.pick(OBJECTIONS);
            let resolved = reached >= 4 || matches!(outcome, Some((Outcome::Won { .. }, _)));
            let mut raw = Raw::new().with(Field::Objection, what).with(Field::Cause, cause);
            if resolved {
                raw.set(Field::Answer, "说明总体成本与服务承诺，客户接受");
                raw.set(Field::Resolved, "yes");
            }
            if let Ok(o) = ObjectionDraft::parse(&raw) {
                let when = created_at + (at - created_at) / 2;
                objections.push((o, when));
            }
        }
        out.push(DealImport {
            customer_id: *r.pick(plan.customers),
            owner_id: *r.pick(plan.owners),
            draft: d,
            created_at,
            moves,
            outcome,
            objections,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deals_are_deterministic_and_their_past_is_in_order() {
        let until = chrono::Utc::now();
        let plan = Plan { customers: &[1, 2, 3], owners: &[7, 8], deals: 500, span_days: 3 * 365, until, detours: 2.0 };
        let a = simulate(&mut Rng::new(5), &plan);
        let b = simulate(&mut Rng::new(5), &plan);
        assert_eq!(a, b);
        assert_eq!(a.len(), 500);
        let mut changes = 0;
        for d in &a {
            let mut last = d.created_at;
            for (_, at) in &d.moves {
                assert!(*at >= last && *at <= until);
                last = *at;
            }
            if let Some((_, at)) = &d.outcome {
                assert!(*at >= last && *at <= until);
            }
            // Consecutive moves go one stage at a time.
            let mut stage = 0i64;
            for (s, _) in &d.moves {
                assert_eq!((s.index() as i64 - stage).abs(), 1);
                stage = s.index() as i64;
            }
            changes += 1 + d.moves.len() + usize::from(d.outcome.is_some());
        }
        let per_deal = changes as f64 / a.len() as f64;
        assert!((6.0..=11.0).contains(&per_deal), "{per_deal}");
        assert!(a.iter().any(|d| matches!(d.outcome, Some((Outcome::Won { .. }, _)))));
        assert!(a.iter().any(|d| matches!(d.outcome, Some((Outcome::Lost { .. }, _)))));
        assert!(a.iter().any(|d| d.outcome.is_none()));
    }
}

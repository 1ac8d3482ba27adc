//! Deals with their past, written in one transaction (an import from another system, the demo
//! and the benchmark).

use super::sales::{add_stays, bind_draft, days_between, load_settings};
use super::{Pool, audit};
use crate::{Actor, StoreError};
use chrono::{DateTime, Utc};
use guanxi_domain::china::{day as china_day, day_number};
use guanxi_domain::sales::*;
use sqlx::{AssertSqlSafe, Row as _};

/// Writes deals with their past (see `DealImport`) in one transaction, audited as one import:
/// each deal's row as it stands now, every stage change with the days spent in each stage,
/// its objections. Moves are taken as they happened, without the checklist (the past is not
/// re-judged). Returns how many were written.
pub async fn import_deals(
    pool: &Pool,
    actor: Actor,
    source: &str,
    deals: &[crate::DealImport],
) -> Result<usize, StoreError> {
    let mut tx = super::begin(pool).await?;
    let settings = load_settings(&mut tx).await?;
    let mut stays: std::collections::HashMap<(i32, Stage, i64), (i64, f64)> = std::collections::HashMap::new();
    for d in deals {
        let mut path: Vec<(Stage, DealStatus, DateTime<Utc>)> = vec![(Stage::Qualify, DealStatus::Open, d.created_at)];
        path.extend(d.moves.iter().map(|(s, at)| (*s, DealStatus::Open, *at)));
        let (mut stage, _, mut entered) = *path.last().unwrap_or(&(Stage::Qualify, DealStatus::Open, d.created_at));
        let mut furthest = path.iter().map(|(s, _, _)| s.index()).max().unwrap_or(0);
        let mut last = entered;
        let (mut status, mut won, mut closed_on, mut lost_reason, mut lost_to, mut cycle) =
            (DealStatus::Open, None, None, None, None, None);
        match &d.outcome {
            None => {}
            Some((Outcome::Won { amount_fen, closed_on: on }, at)) => {
                path.push((Stage::AfterSales, DealStatus::Won, *at));
                (stage, entered, last, status) = (Stage::AfterSales, *at, *at, DealStatus::Won);
                (won, closed_on, furthest) = (Some(*amount_fen), Some(*on), Stage::AfterSales.index());
                cycle = Some(days_between(d.created_at, *at));
            }
            Some((Outcome::Lost { reason, lost_to: to, closed_on: on }, at)) => {
                path.push((stage, DealStatus::Lost, *at));
                (last, status, closed_on) = (*at, DealStatus::Lost, Some(*on));
                (lost_reason, lost_to) = (Some(reason.clone()), to.clone());
            }
        }
        let probability = match status {
            DealStatus::Won => 100,
            DealStatus::Lost => 0,
            DealStatus::Open => d.draft.probability.unwrap_or(settings.probability(stage)),
        };
        let last = d.objections.iter().map(|(_, at)| *at).fold(last, DateTime::max);
        let q = sqlx::query(
            "INSERT INTO opportunities (customer_id, stage, status, stage_entered_at, last_activity_at, created_by, \
             created_at, updated_at, title, amount_fen, expected_close, owner_id, probability, probability_set, source, \
             competitors, proposal, next_step, next_step_on, purchasing_power, power_evidence, decision_authority, \
             authority_evidence, need, need_evidence, appointment, preparation, won_amount_fen, closed_on, lost_reason, \
             lost_to, furthest_stage, cycle_days) VALUES ($1, $2, $3, $4, $5, $6, $7, $5, $8, $9, $10, $11, $12, $13, \
             $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32) RETURNING id",
        )
        .bind(d.customer_id)
        .bind(stage.code())
        .bind(status.code())
        .bind(entered)
        .bind(last)
        .bind(actor.0)
        .bind(d.created_at);
        let id: i64 = bind_draft(q, &d.draft, d.owner_id, probability)
            .bind(won)
            .bind(closed_on)
            .bind(lost_reason)
            .bind(lost_to)
            .bind(furthest as i32)
            .bind(cycle)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        // Every change in one statement; each stay's days are known from the next change.
        let sql = format!(
            "INSERT INTO opportunity_changes (opportunity_id, from_stage, to_stage, status, changed_by, changed_at, days_in) \
             VALUES {}",
            super::values_clause(path.len(), 7, &|_, p| p)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (i, (to, status, at)) in path.iter().enumerate() {
            let from = (i > 0).then(|| path[i - 1].0.code());
            let days_in = path.get(i + 1).map(|(_, _, next)| days_between(*at, *next));
            if let (Some(days), Some((_, _, left_at))) = (days_in, path.get(i + 1)) {
                let sum = stays.entry((day_number(china_day(*left_at)), *to, d.owner_id)).or_default();
                (sum.0, sum.1) = (sum.0 + 1, sum.1 + days);
            }
            q = q.bind(id).bind(from).bind(to.code()).bind(status.code()).bind(actor.0).bind(*at).bind(days_in);
        }
        q.execute(&mut *tx).await?;
        for (o, at) in &d.objections {
            sqlx::query(
                "INSERT INTO objections (opportunity_id, objection, cause, answer, resolved_at, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(&o.objection)
            .bind(o.cause.code())
            .bind(&o.answer)
            .bind(o.resolved.then_some(*at))
            .bind(actor.0)
            .bind(*at)
            .execute(&mut *tx)
            .await?;
        }
    }
    let mut stays: Vec<_> = stays.into_iter().collect();
    stays.sort_by_key(|((day, stage, owner), _)| (*day, stage.index(), *owner));
    add_stays(&mut tx, &stays).await?;
    let note = format!("{source}: {} deals", deals.len());
    audit(&mut tx, actor, "import", "opportunities", None, None, None, None, Some(&note)).await?;
    tx.commit().await?;
    if super::DIALECT == crate::Dialect::Postgres {
        sqlx::query("ANALYZE opportunities, opportunity_changes, objections").execute(pool).await?;
    }
    Ok(deals.len())
}

//! Competitors and customers' engagements with them; every write audited.

use super::customers::load_live;
use super::{Pool, Row, Tx, audit, corrupt, fields_json, now};
use crate::{Actor, CompetitorRecord, EngagementRecord, StoreError};
use guanxi_domain::competitors::{CompetitorDraft, EngagementDraft, EngagementKind};
use guanxi_domain::{Field, Problem, Validation};
use sqlx::{AssertSqlSafe, Row as _};

const LEVEL_COLUMNS: [&str; 6] = ["who", "situation", "analysis", "heading", "intent", "steer"];

fn competitor_from_row(r: &Row) -> Result<CompetitorRecord, StoreError> {
    let mut levels: [Option<String>; 6] = Default::default();
    for (slot, col) in levels.iter_mut().zip(LEVEL_COLUMNS) {
        *slot = r.try_get(col)?;
    }
    Ok(CompetitorRecord {
        id: r.try_get("id")?,
        draft: CompetitorDraft { name: r.try_get("name")?, levels, evidence: r.try_get("evidence")? },
        engaged_customers: r.try_get("engaged")?,
        updated_at: r.try_get("updated_at")?,
    })
}

const SELECT: &str = "SELECT c.*, (SELECT COUNT(DISTINCT e.customer_id) FROM competitor_engagements e \
     WHERE e.competitor_id = c.id AND e.until IS NULL) AS engaged FROM competitors c";

async fn name_taken(tx: &mut Tx<'_>, name: &str, except: i64) -> Result<(), StoreError> {
    let taken = sqlx::query("SELECT id FROM competitors WHERE name = $1 AND deleted_at IS NULL AND id <> $2")
        .bind(name)
        .bind(except)
        .fetch_optional(&mut **tx)
        .await?;
    match taken {
        Some(_) => Err(Validation::one(Field::Name, name, Problem::Taken).into()),
        None => Ok(()),
    }
}

pub async fn create_competitor(pool: &Pool, actor: Actor, d: &CompetitorDraft) -> Result<i64, StoreError> {
    let mut tx = super::begin(pool).await?;
    name_taken(&mut tx, &d.name, 0).await?;
    let at = now();
    let mut q = sqlx::query(
        "INSERT INTO competitors (name, who, situation, analysis, heading, intent, steer, evidence, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(&d.name);
    for l in &d.levels {
        q = q.bind(l);
    }
    let id: i64 = q.bind(&d.evidence).bind(at).fetch_one(&mut *tx).await?.try_get(0)?;
    audit(&mut tx, actor, "create", "competitor", Some(id), None, None, Some(&fields_json(&d.to_fields())), None)
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update_competitor(pool: &Pool, actor: Actor, id: i64, d: &CompetitorDraft) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE c.id = $1 AND c.deleted_at IS NULL")))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("competitor", id))?;
    let before = competitor_from_row(&row)?;
    name_taken(&mut tx, &d.name, id).await?;
    let mut q = sqlx::query(
        "UPDATE competitors SET name = $1, who = $2, situation = $3, analysis = $4, heading = $5, intent = $6, \
         steer = $7, evidence = $8, updated_at = $9 WHERE id = $10",
    )
    .bind(&d.name);
    for l in &d.levels {
        q = q.bind(l);
    }
    q.bind(&d.evidence).bind(now()).bind(id).execute(&mut *tx).await?;
    let (b, a) = (fields_json(&before.draft.to_fields()), fields_json(&d.to_fields()));
    audit(&mut tx, actor, "update", "competitor", Some(id), None, Some(&b), Some(&a), None).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn competitors(pool: &Pool) -> Result<Vec<CompetitorRecord>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE c.deleted_at IS NULL ORDER BY c.name")))
        .fetch_all(pool)
        .await?;
    rows.iter().map(competitor_from_row).collect()
}

pub async fn competitor(pool: &Pool, id: i64) -> Result<CompetitorRecord, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE c.id = $1 AND c.deleted_at IS NULL")))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::not_found("competitor", id))?;
    competitor_from_row(&row)
}

fn engagement_from_row(r: &Row) -> Result<EngagementRecord, StoreError> {
    let kind: String = r.try_get("kind")?;
    Ok(EngagementRecord {
        id: r.try_get("id")?,
        customer_id: r.try_get("customer_id")?,
        customer_name: r.try_get("customer_name")?,
        competitor_id: r.try_get("competitor_id")?,
        competitor: r.try_get("competitor")?,
        kind: EngagementKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        since: r.try_get("since")?,
        until: r.try_get("until")?,
        note: r.try_get("note")?,
    })
}

const SELECT_ENGAGEMENTS: &str = "SELECT e.*, cu.name AS customer_name, co.name AS competitor FROM competitor_engagements e \
     JOIN customers cu ON cu.id = e.customer_id JOIN competitors co ON co.id = e.competitor_id";

/// Records that a customer talks to, tries, signed with or uses a competitor.
pub async fn add_engagement(
    pool: &Pool,
    actor: Actor,
    customer_id: i64,
    d: &EngagementDraft,
) -> Result<i64, StoreError> {
    let mut tx = super::begin(pool).await?;
    load_live(&mut tx, customer_id).await?;
    let known = sqlx::query("SELECT id FROM competitors WHERE id = $1 AND deleted_at IS NULL")
        .bind(d.competitor_id)
        .fetch_optional(&mut *tx)
        .await?;
    if known.is_none() {
        return Err(Validation::one(Field::Competitor, &d.competitor_id.to_string(), Problem::NoSuchRecord).into());
    }
    let id: i64 = sqlx::query(
        "INSERT INTO competitor_engagements (customer_id, competitor_id, kind, since, note, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(customer_id)
    .bind(d.competitor_id)
    .bind(d.kind.code())
    .bind(d.since)
    .bind(&d.note)
    .bind(actor.0)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    let after =
        serde_json::json!({"competitor_id": d.competitor_id, "kind": d.kind.code(), "since": d.since, "note": d.note});
    audit(&mut tx, actor, "create", "competitor_engagement", Some(id), Some(customer_id), None, Some(&after), None)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Ends an engagement (the customer stopped talking to or using the competitor) on a day.
/// The customer an engagement belongs to.
pub async fn engagement_customer(pool: &Pool, id: i64) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT customer_id FROM competitor_engagements WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::not_found("competitor_engagement", id))?;
    Ok(row.try_get(0)?)
}

pub async fn end_engagement(pool: &Pool, actor: Actor, id: i64, until: chrono::NaiveDate) -> Result<i64, StoreError> {
    let mut tx = super::begin(pool).await?;
    let row = sqlx::query("SELECT customer_id, since, until FROM competitor_engagements WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("competitor_engagement", id))?;
    let customer_id: i64 = row.try_get(0)?;
    let since: chrono::NaiveDate = row.try_get(1)?;
    let ended: Option<chrono::NaiveDate> = row.try_get(2)?;
    if ended.is_some() {
        return Err(StoreError::conflict("这条接触记录已结束", "this engagement has ended already"));
    }
    if until < since {
        return Err(Validation::one(Field::Since, &until.to_string(), Problem::InvalidDate).into());
    }
    sqlx::query("UPDATE competitor_engagements SET until = $1 WHERE id = $2")
        .bind(until)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let after = serde_json::json!({"until": until});
    audit(&mut tx, actor, "update", "competitor_engagement", Some(id), Some(customer_id), None, Some(&after), None)
        .await?;
    tx.commit().await?;
    Ok(customer_id)
}

/// A customer's engagements with competitors, current first.
pub async fn engagements_of(pool: &Pool, customer_id: i64) -> Result<Vec<EngagementRecord>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{SELECT_ENGAGEMENTS} WHERE e.customer_id = $1 ORDER BY (e.until IS NULL) DESC, e.since DESC, e.id DESC"
    )))
    .bind(customer_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(engagement_from_row).collect()
}

/// The customers engaged with a competitor, current first.
pub async fn engagements_with(pool: &Pool, competitor_id: i64) -> Result<Vec<EngagementRecord>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{SELECT_ENGAGEMENTS} WHERE e.competitor_id = $1 ORDER BY (e.until IS NULL) DESC, e.since DESC, e.id DESC LIMIT 500"
    )))
    .bind(competitor_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(engagement_from_row).collect()
}

//! Relationships with customers: the stage (seed 002) and its history.

use super::customers::load_live;
use super::{Pool, audit, corrupt, now};
use crate::{Actor, RelationshipChange, StoreError};
use guanxi_domain::relationship::{RelationshipLevel, RelationshipStage, StageMove};
use guanxi_domain::{Field, Problem, Validation};
use sqlx::Row as _;

fn stage(s: &str) -> Result<RelationshipStage, StoreError> {
    RelationshipStage::parse(s).ok_or_else(|| corrupt("relationship_stage", s))
}

/// One change of an aspect as stored: from, to, why, who, when.
type RawChange = (Option<String>, String, String, String, chrono::DateTime<chrono::Utc>);

/// A customer's current value of `column` and every change of `aspect` (stage or level), oldest
/// first, as stored.
async fn current_and_history(
    pool: &Pool,
    customer_id: i64,
    column: &'static str,
    aspect: &'static str,
) -> Result<(Option<String>, Vec<RawChange>), StoreError> {
    let current: Option<String> =
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {column} FROM customers WHERE id = $1")))
            .bind(customer_id)
            .fetch_optional(pool)
            .await?
            .ok_or_else(|| StoreError::not_found("customer", customer_id))?
            .try_get(0)?;
    let rows = sqlx::query(
        "SELECT h.from_value, h.to_value, h.why, u.username, h.changed_at FROM relationship_changes h \
         JOIN users u ON u.id = h.changed_by WHERE h.customer_id = $1 AND h.aspect = $2 ORDER BY h.id",
    )
    .bind(customer_id)
    .bind(aspect)
    .fetch_all(pool)
    .await?;
    let history = rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?)))
        .collect::<Result<Vec<RawChange>, StoreError>>()?;
    Ok((current, history))
}

/// A customer's relationship stage and every change of it, oldest first.
pub async fn relationship(
    pool: &Pool,
    customer_id: i64,
) -> Result<(RelationshipStage, Vec<RelationshipChange>), StoreError> {
    let (current, history) = current_and_history(pool, customer_id, "relationship_stage", "stage").await?;
    let history = history
        .into_iter()
        .map(|(from, to, why, changed_by, changed_at)| {
            Ok(RelationshipChange {
                from: stage(&from.unwrap_or_default())?,
                to: stage(&to)?,
                why,
                changed_by,
                changed_at,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok((stage(&current.unwrap_or_default())?, history))
}

/// Moves a customer's relationship to another stage, with why; checked against the stage it
/// has now (another person may have moved it since the form was shown).
pub async fn set_relationship(pool: &Pool, actor: Actor, customer_id: i64, m: &StageMove) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    load_live(&mut tx, customer_id).await?;
    let current: String = sqlx::query("SELECT relationship_stage FROM customers WHERE id = $1")
        .bind(customer_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    let from = stage(&current)?;
    if m.to == from {
        return Err(Validation::one(Field::RelationshipStage, m.to.code(), Problem::Unchanged).into());
    }
    if from == RelationshipStage::Outsider && m.to == RelationshipStage::Partner {
        return Err(Validation::one(Field::RelationshipStage, m.to.code(), Problem::SkipsAStage).into());
    }
    let at = now();
    sqlx::query("UPDATE customers SET relationship_stage = $1 WHERE id = $2")
        .bind(m.to.code())
        .bind(customer_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO relationship_changes (aspect, customer_id, from_value, to_value, why, changed_by, changed_at) \
         VALUES ('stage', $1, $2, $3, $4, $5, $6)",
    )
    .bind(customer_id)
    .bind(from.code())
    .bind(m.to.code())
    .bind(&m.why)
    .bind(actor.0)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    audit(
        &mut tx,
        actor,
        "update",
        "relationship",
        Some(customer_id),
        Some(customer_id),
        Some(&serde_json::json!({ "relationship_stage": from.code() })),
        Some(&serde_json::json!({ "relationship_stage": m.to.code() })),
        Some(&m.why),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The level a person confirmed (none yet: `None`) and every confirmation, oldest first.
pub async fn relationship_level(
    pool: &Pool,
    customer_id: i64,
) -> Result<(Option<RelationshipLevel>, Vec<crate::LevelChange>), StoreError> {
    let level = |s: &str| RelationshipLevel::parse(s).ok_or_else(|| corrupt("relationship_level", s));
    let (current, history) = current_and_history(pool, customer_id, "relationship_level", "level").await?;
    let history = history
        .into_iter()
        .map(|(from, to, why, changed_by, changed_at)| {
            Ok(crate::LevelChange {
                from: from.as_deref().map(level).transpose()?,
                to: level(&to)?,
                why,
                changed_by,
                changed_at,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok((current.as_deref().map(level).transpose()?, history))
}

/// A person confirms (or corrects) the relationship level, with a note of why.
pub async fn confirm_level(
    pool: &Pool,
    actor: Actor,
    customer_id: i64,
    to: RelationshipLevel,
    why: &str,
) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    load_live(&mut tx, customer_id).await?;
    let current: Option<String> = sqlx::query("SELECT relationship_level FROM customers WHERE id = $1")
        .bind(customer_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    let at = now();
    sqlx::query("UPDATE customers SET relationship_level = $1 WHERE id = $2")
        .bind(to.code())
        .bind(customer_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO relationship_changes (aspect, customer_id, from_value, to_value, why, changed_by, changed_at) \
         VALUES ('level', $1, $2, $3, $4, $5, $6)",
    )
    .bind(customer_id)
    .bind(&current)
    .bind(to.code())
    .bind(why)
    .bind(actor.0)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    audit(
        &mut tx,
        actor,
        "update",
        "relationship_level",
        Some(customer_id),
        Some(customer_id),
        Some(&serde_json::json!({ "relationship_level": current })),
        Some(&serde_json::json!({ "relationship_level": to.code() })),
        Some(why),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

//! What hangs off an opportunity besides its stage: the objections logged on it, its decision chain
//! (key people and how they are engaged), and its tasks (the after-sales ones winning creates).

use super::sales::{code, load_open, touch};
use super::{Pool, audit, now, opt_code};
use crate::{Actor, ChainRecord, ObjectionRecord, StoreError, TaskRecord};
use chrono::{DateTime, Utc};
use guanxi_domain::sales::*;
use guanxi_domain::{Attitude, DecisionRole, Field, Problem, Validation};
use sqlx::{AssertSqlSafe, Row as _};

/// Logs an objection on an open opportunity.
pub async fn add_objection(pool: &Pool, actor: Actor, id: i64, d: &ObjectionDraft) -> Result<i64, StoreError> {
    let mut tx = super::begin(pool).await?;
    let o = load_open(&mut tx, id).await?;
    let at = now();
    let oid: i64 = sqlx::query(
        "INSERT INTO objections (opportunity_id, objection, cause, answer, resolved_at, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(id)
    .bind(&d.objection)
    .bind(d.cause.code())
    .bind(&d.answer)
    .bind(d.resolved.then_some(at))
    .bind(actor.0)
    .bind(at)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    touch(&mut tx, id, at).await?;
    let after = serde_json::to_value(d).unwrap_or_default();
    audit(&mut tx, actor, "create", "objection", Some(oid), Some(o.customer_id), None, Some(&after), None).await?;
    tx.commit().await?;
    Ok(oid)
}

/// Answers or resolves a logged objection (its text and cause may be corrected too).
pub async fn update_objection(
    pool: &Pool,
    actor: Actor,
    objection_id: i64,
    d: &ObjectionDraft,
) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let row = sqlx::query(
        "SELECT opportunity_id, objection, cause, answer, resolved_at FROM objections WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(objection_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::not_found("objection", objection_id))?;
    let id: i64 = row.try_get(0)?;
    let o = load_open(&mut tx, id).await?;
    let was_resolved: Option<DateTime<Utc>> = row.try_get(4)?;
    let before = serde_json::json!({
        "objection": row.try_get::<String, _>(1)?,
        "cause": row.try_get::<String, _>(2)?,
        "answer": row.try_get::<Option<String>, _>(3)?,
        "resolved": was_resolved.is_some(),
    });
    let at = now();
    let resolved_at = if d.resolved { Some(was_resolved.unwrap_or(at)) } else { None };
    sqlx::query("UPDATE objections SET objection = $1, cause = $2, answer = $3, resolved_at = $4 WHERE id = $5")
        .bind(&d.objection)
        .bind(d.cause.code())
        .bind(&d.answer)
        .bind(resolved_at)
        .bind(objection_id)
        .execute(&mut *tx)
        .await?;
    touch(&mut tx, id, at).await?;
    let after = serde_json::to_value(d).unwrap_or_default();
    audit(
        &mut tx,
        actor,
        "update",
        "objection",
        Some(objection_id),
        Some(o.customer_id),
        Some(&before),
        Some(&after),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn objections(pool: &Pool, id: i64) -> Result<Vec<ObjectionRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT b.*, u.username FROM objections b JOIN users u ON u.id = b.created_by \
         WHERE b.opportunity_id = $1 AND b.deleted_at IS NULL ORDER BY b.id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ObjectionRecord {
                id: r.try_get("id")?,
                opportunity_id: r.try_get("opportunity_id")?,
                objection: r.try_get("objection")?,
                cause: code(r, "cause", ObjectionCause::parse)?,
                answer: r.try_get("answer")?,
                resolved_at: r.try_get("resolved_at")?,
                created_by: r.try_get("username")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// Puts a key person of the deal's customer on its decision chain (or updates how they are
/// engaged and addressed).
pub async fn set_chain_member(
    pool: &Pool,
    actor: Actor,
    id: i64,
    key_person_id: i64,
    engaged: bool,
    plan: Option<&str>,
) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let o = load_open(&mut tx, id).await?;
    let owner: Option<i64> = sqlx::query("SELECT customer_id FROM key_people WHERE id = $1 AND deleted_at IS NULL")
        .bind(key_person_id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    match owner {
        None => return Err(Validation::one(Field::KeyPerson, &key_person_id.to_string(), Problem::NoSuchRecord).into()),
        Some(c) if c != o.customer_id => {
            return Err(Validation::one(Field::KeyPerson, &key_person_id.to_string(), Problem::OtherCustomer).into());
        }
        Some(_) => {}
    }
    let plan = match guanxi_domain::text(Field::Plan, plan.unwrap_or(""), 2000) {
        Ok(p) => p,
        Err(e) => return Err(Validation(vec![e]).into()),
    };
    sqlx::query("DELETE FROM decision_chain WHERE opportunity_id = $1 AND key_person_id = $2")
        .bind(id)
        .bind(key_person_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO decision_chain (opportunity_id, key_person_id, engaged, plan) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(key_person_id)
        .bind(engaged)
        .bind(&plan)
        .execute(&mut *tx)
        .await?;
    let after = serde_json::json!({ "key_person_id": key_person_id, "engaged": engaged, "plan": plan });
    audit(&mut tx, actor, "update", "decision_chain", Some(id), Some(o.customer_id), None, Some(&after), None).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a key person off a deal's decision chain.
pub async fn remove_chain_member(pool: &Pool, actor: Actor, id: i64, key_person_id: i64) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let o = load_open(&mut tx, id).await?;
    let done = sqlx::query("DELETE FROM decision_chain WHERE opportunity_id = $1 AND key_person_id = $2")
        .bind(id)
        .bind(key_person_id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::not_found("decision_chain", key_person_id));
    }
    let before = serde_json::json!({ "key_person_id": key_person_id });
    audit(&mut tx, actor, "delete", "decision_chain", Some(id), Some(o.customer_id), Some(&before), None, None).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn decision_chain(pool: &Pool, id: i64) -> Result<Vec<ChainRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT d.key_person_id, d.engaged, d.plan, k.name, k.decision_role, k.attitude FROM decision_chain d \
         JOIN key_people k ON k.id = d.key_person_id WHERE d.opportunity_id = $1 AND k.deleted_at IS NULL ORDER BY k.name",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ChainRecord {
                key_person_id: r.try_get("key_person_id")?,
                member: ChainMember {
                    name: r.try_get("name")?,
                    role: opt_code(r, "decision_role", DecisionRole::parse)?,
                    attitude: opt_code(r, "attitude", Attitude::parse)?,
                    engaged: r.try_get("engaged")?,
                    plan: r.try_get("plan")?,
                },
            })
        })
        .collect()
}

/// A deal's tasks (the after-sales follow-ups winning created, and any other for the deal).
pub async fn opportunity_tasks(pool: &Pool, id: i64) -> Result<Vec<TaskRecord>, StoreError> {
    let sql = format!("{} WHERE t.opportunity_id = $1 ORDER BY t.due_on, t.id", super::tasks::SELECT);
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_all(pool).await?;
    rows.iter().map(super::tasks::task_from_row).collect()
}

//! Company settings and the job queue.

use super::{DIALECT, Pool, Row, audit, corrupt, now};
use crate::{Actor, Dialect, Job, JobState, StoreError};
use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, Row as _};

/// A setting's stored JSON, if it was ever saved.
pub async fn setting(pool: &Pool, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
    let row = sqlx::query("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(pool).await?;
    row.map(|r| {
        let text: String = r.try_get(0)?;
        serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("setting {key}: {e}")))
    })
    .transpose()
}

/// Saves a setting, audited with the values before and after.
pub async fn save_setting(pool: &Pool, actor: Actor, key: &str, value: &serde_json::Value) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let before: Option<String> = sqlx::query("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    let before: Option<serde_json::Value> = before.and_then(|b| serde_json::from_str(&b).ok());
    sqlx::query("DELETE FROM settings WHERE key = $1").bind(key).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)")
        .bind(key)
        .bind(value.to_string())
        .bind(now())
        .bind(actor.0)
        .execute(&mut *tx)
        .await?;
    // The audit's snapshots are objects of fields: a single value is recorded under its key.
    // A password is recorded as set or not, never as itself.
    let snapshot = |v: &serde_json::Value| match v {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| match (k.ends_with("password") || k.ends_with("secret"), v) {
                    (true, serde_json::Value::Null) => (k.clone(), serde_json::Value::Null),
                    (true, _) => (k.clone(), serde_json::Value::String("********".into())),
                    (false, _) => (k.clone(), v.clone()),
                })
                .collect(),
        ),
        other => serde_json::json!({ key: other }),
    };
    let (before, after) = (before.as_ref().map(snapshot), snapshot(value));
    audit(&mut tx, actor, "update", "settings", None, None, before.as_ref(), Some(&after), Some(key)).await?;
    tx.commit().await?;
    Ok(())
}

/// A secret of the installation kept under `name` (e.g. the key survey links are signed with):
/// the stored one, or `fresh` stored now if there is none yet. Never audited.
pub async fn ensure_secret(pool: &Pool, name: &str, fresh: &str) -> Result<String, StoreError> {
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, 1) ON CONFLICT (key) DO NOTHING",
    )
    .bind(name)
    .bind(serde_json::Value::String(fresh.to_string()).to_string())
    .bind(now())
    .execute(pool)
    .await?;
    match setting(pool, name).await? {
        Some(serde_json::Value::String(s)) => Ok(s),
        _ => Err(corrupt("secret", name)),
    }
}

fn job_from_row(r: &Row) -> Result<Job, StoreError> {
    let state: String = r.try_get("state")?;
    let payload: String = r.try_get("payload")?;
    let result: Option<String> = r.try_get("result")?;
    Ok(Job {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        payload: serde_json::from_str(&payload).map_err(|_| corrupt("payload", &payload))?,
        state: JobState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
        run_at: r.try_get("run_at")?,
        attempts: r.try_get::<i32, _>("attempts")? as u32,
        max_attempts: r.try_get::<i32, _>("max_attempts")? as u32,
        last_error: r.try_get("last_error")?,
        result: result.and_then(|s| serde_json::from_str(&s).ok()),
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
        finished_at: r.try_get("finished_at")?,
    })
}

/// Queues a job to run at `run_at`: `(id, true)` for a new job, or `(id, false)` for the job
/// already holding `dedupe_key` (two servers, a retry or a double click queue it once).
pub async fn enqueue_job(
    pool: &Pool,
    actor: Actor,
    kind: &str,
    payload: &serde_json::Value,
    run_at: DateTime<Utc>,
    max_attempts: u32,
    dedupe_key: Option<&str>,
) -> Result<(i64, bool), StoreError> {
    let row = sqlx::query(
        "INSERT INTO jobs (kind, payload, state, run_at, max_attempts, created_at, created_by, dedupe_key) \
         VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
    )
    .bind(kind)
    .bind(payload.to_string())
    .bind(run_at)
    .bind(max_attempts as i32)
    .bind(now())
    .bind(actor.0)
    .bind(dedupe_key)
    .fetch_optional(pool)
    .await?;
    if let Some(row) = row {
        return Ok((row.try_get(0)?, true));
    }
    let row = sqlx::query("SELECT id FROM jobs WHERE dedupe_key = $1")
        .bind(dedupe_key)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::not_found("job", dedupe_key.unwrap_or_default()))?;
    Ok((row.try_get(0)?, false))
}

/// Moves a queued job's time forward to `run_at` if it was waiting for later.
pub async fn hasten_job(pool: &Pool, id: i64, run_at: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query("UPDATE jobs SET run_at = $1 WHERE id = $2 AND state = 'queued' AND run_at > $1")
        .bind(run_at)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Takes the next job for `worker` at `at`: the earliest queued one whose time has come, or a
/// running one whose lease ran out (its worker stopped; jobs from before leases existed count
/// as stopped after two hours). The job is leased to `worker` until `lease_until`. Two workers
/// never take the same job (SQLite has one writer; PostgreSQL skips locked rows).
pub async fn claim_job(
    pool: &Pool,
    worker: &str,
    at: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<Job>, StoreError> {
    let lock = match DIALECT {
        Dialect::Sqlite => "",
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
    };
    let due = "((state = 'queued' AND run_at <= $2) OR (state = 'running' AND \
               (lease_until < $2 OR (lease_until IS NULL AND locked_at < $4))))";
    let sql = format!(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, locked_at = $2, lease_until = $3 \
         WHERE id = (SELECT id FROM jobs WHERE {due} ORDER BY run_at, id LIMIT 1{lock}) AND {due} RETURNING *"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(worker)
        .bind(at)
        .bind(lease_until)
        .bind(at - chrono::Duration::hours(2))
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(job_from_row).transpose()
}

/// Extends `worker`'s lease on a running job; false when the job is no longer its own (its lease
/// ran out and another worker took it).
pub async fn renew_job(pool: &Pool, id: i64, worker: &str, lease_until: DateTime<Utc>) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE jobs SET lease_until = $1 WHERE id = $2 AND locked_by = $3 AND state = 'running'")
        .bind(lease_until)
        .bind(id)
        .bind(worker)
        .execute(pool)
        .await?
        .rows_affected();
    Ok(done > 0)
}

/// A job that ended (done or failed for good) no longer holds a key that stands for "one of
/// this kind at a time"; a nightly run keeps its night's key.
const RELEASE_KEY: &str = "dedupe_key = CASE WHEN dedupe_key = kind THEN NULL ELSE dedupe_key END";

/// Records a job's success (only by the worker holding it).
pub async fn finish_job(pool: &Pool, id: i64, worker: &str, result: &serde_json::Value) -> Result<(), StoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE jobs SET state = 'done', result = $1, last_error = NULL, finished_at = $2, locked_by = NULL, \
         lease_until = NULL, {RELEASE_KEY} WHERE id = $3 AND locked_by = $4"
    )))
    .bind(result.to_string())
    .bind(now())
    .bind(id)
    .bind(worker)
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a failed attempt: queued again at `retry_at` while attempts remain, else failed.
pub async fn fail_job(
    pool: &Pool,
    id: i64,
    worker: &str,
    error: &str,
    retry_at: DateTime<Utc>,
) -> Result<Option<JobState>, StoreError> {
    let row = sqlx::query(
        "UPDATE jobs SET state = CASE WHEN attempts < max_attempts THEN 'queued' ELSE 'failed' END, \
         run_at = CASE WHEN attempts < max_attempts THEN $1 ELSE run_at END, last_error = $2, locked_by = NULL, \
         lease_until = NULL, finished_at = CASE WHEN attempts < max_attempts THEN NULL ELSE $3 END, \
         dedupe_key = CASE WHEN attempts < max_attempts OR dedupe_key <> kind THEN dedupe_key END \
         WHERE id = $4 AND locked_by = $5 RETURNING state",
    )
    .bind(retry_at)
    .bind(error)
    .bind(now())
    .bind(id)
    .bind(worker)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let state: String = row.try_get(0)?;
    JobState::parse(&state).map(Some).ok_or_else(|| corrupt("state", &state))
}

/// The latest jobs, newest first, optionally of one kind.
pub async fn jobs(pool: &Pool, kind: Option<&str>, limit: i64) -> Result<Vec<Job>, StoreError> {
    let rows = match kind {
        Some(k) => {
            sqlx::query("SELECT * FROM jobs WHERE kind = $1 ORDER BY id DESC LIMIT $2")
                .bind(k)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }
        None => sqlx::query("SELECT * FROM jobs ORDER BY id DESC LIMIT $1").bind(limit).fetch_all(pool).await?,
    };
    rows.iter().map(job_from_row).collect()
}

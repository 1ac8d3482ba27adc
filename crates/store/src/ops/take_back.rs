//! Taking an import back: what an import refused, failed or rolled back wrote is undone —
//! customers it created deleted (or binned if someone touched them since), orders it created
//! deleted, fields and orders it changed put back unless changed again since — a few thousand
//! records a transaction, standing aside between them; and finding the imports a killed process
//! left unfinished.

use super::customers::load_customer;
use super::import::{STAND_ASIDE, beat, end_run};
use super::{DIALECT, Pool, Tx, fields_json, now};
use crate::{Actor, Dialect, StoreError, Undone, today_in_china};
use sqlx::{AssertSqlSafe, Row as _};
use std::collections::{HashMap, HashSet};

/// An import that stopped beating this long ago is taken back even if a process of its id runs.
pub const RUN_STALE_AFTER: chrono::Duration = chrono::Duration::minutes(5);

/// Imports that will never finish: their process is gone (another process of this machine, as
/// SQLite files are local) or they stopped beating [`RUN_STALE_AFTER`] ago.
pub async fn abandoned_imports(pool: &Pool) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query("SELECT import_id, pid, beat_at FROM import_runs").fetch_all(pool).await?;
    let mut out = Vec::new();
    for r in rows {
        let pid: i64 = r.try_get(1)?;
        let beat_at: chrono::DateTime<chrono::Utc> = r.try_get(2)?;
        let gone = pid != i64::from(std::process::id()) && !process_alive(pid);
        if gone || now() - beat_at > RUN_STALE_AFTER {
            out.push(r.try_get(0)?);
        }
    }
    Ok(out)
}

/// Whether a process of this id runs on this machine (where we cannot tell: yes).
fn process_alive(pid: i64) -> bool {
    let proc = std::path::Path::new("/proc");
    if !proc.join("self").exists() {
        return true;
    }
    // A killed process nobody has reaped yet is a zombie ("Z" after its name in `stat`).
    match std::fs::read_to_string(proc.join(pid.to_string()).join("stat")) {
        Ok(stat) => {
            !stat.rsplit_once(')').is_some_and(|(_, rest)| matches!(rest.trim_start().chars().next(), Some('Z' | 'X')))
        }
        Err(_) => false,
    }
}

/// Takes back whatever a customer import committed: the customers it created are removed, the
/// fields it changed are put back (unless someone has changed them again since), and its own
/// audit record says it was undone. Nothing happens if the import is not running any more.
pub async fn undo_import(pool: &Pool, actor: Actor, import_id: i64) -> Result<Undone, StoreError> {
    let mut undone = Undone::default();
    // What the import created goes first, a chunk a transaction, standing aside between two as
    // the import did: taking back 300,000 customers must not hold every other writer either.
    loop {
        let mut tx = super::begin(pool).await?;
        let running = sqlx::query("SELECT 1 FROM import_runs WHERE import_id = $1")
            .bind(import_id)
            .fetch_optional(&mut *tx)
            .await?;
        if running.is_none() {
            return Ok(undone);
        }
        let orders = sqlx::query("SELECT 1 FROM audit_log WHERE id = $1 AND entity = 'orders'")
            .bind(import_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        let progress = if orders {
            let removed = remove_orders_chunk(&mut tx, import_id).await?;
            undone.removed += removed;
            removed
        } else {
            let ids = created_chunk(&mut tx, import_id).await?;
            if ids.is_empty() {
                0
            } else {
                let (removed, binned) = remove_created(&mut tx, import_id, &ids).await?;
                undone.removed += removed;
                undone.binned += binned;
                removed + binned
            }
        };
        if progress > 0 {
            beat(&mut tx, import_id).await?;
            tx.commit().await?;
            if DIALECT == Dialect::Sqlite {
                tokio::time::sleep(STAND_ASIDE).await;
            }
            continue;
        }
        // Then what it changed is put back, and its record closed, in one last transaction.
        undone.restored = if orders {
            restore_orders(&mut tx, actor, import_id).await?
        } else {
            restore_customers(&mut tx, actor, import_id).await?
        };
        let summary = serde_json::json!({ "undone": true, "removed": undone.removed, "restored": undone.restored, "binned": undone.binned });
        sqlx::query("UPDATE audit_log SET after_json = $1 WHERE id = $2")
            .bind(summary.to_string())
            .bind(import_id)
            .execute(&mut *tx)
            .await?;
        end_run(&mut tx, Some(import_id)).await?;
        tx.commit().await?;
        return Ok(undone);
    }
}

/// How many created records a take-back removes in one transaction.
const TAKE_BACK_CHUNK: i64 = 2_000;

/// The next customers the import created that are still there to remove (removed ones lose
/// their import records; binned ones are no longer live).
async fn created_chunk(tx: &mut Tx<'_>, import_id: i64) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.customer_id FROM audit_log a JOIN customers c ON c.id = a.customer_id \
         WHERE a.import_id = $1 AND a.entity = 'customer' AND a.before_json IS NULL AND c.deleted_at IS NULL \
         LIMIT $2",
    )
    .bind(import_id)
    .bind(TAKE_BACK_CHUNK)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(|r| r.try_get(0).map_err(StoreError::from)).collect()
}

/// Deletes the next orders the import created, and refreshes their customers' figures.
async fn remove_orders_chunk(tx: &mut Tx<'_>, import_id: i64) -> Result<usize, StoreError> {
    let rows = sqlx::query("SELECT id, customer_id FROM orders WHERE import_id = $1 LIMIT $2")
        .bind(import_id)
        .bind(TAKE_BACK_CHUNK)
        .fetch_all(&mut **tx)
        .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut ids = Vec::with_capacity(rows.len());
    let mut customers = std::collections::BTreeSet::new();
    for r in &rows {
        ids.push(r.try_get::<i64, _>(0)?.to_string());
        customers.insert(r.try_get::<i64, _>(1)?);
    }
    sqlx::query(AssertSqlSafe(format!("DELETE FROM orders WHERE id IN ({})", ids.join(","))))
        .execute(&mut **tx)
        .await?;
    super::orders::refresh_customers(tx, &customers.into_iter().collect::<Vec<_>>()).await?;
    Ok(rows.len())
}

/// Puts back the orders an import changed (unless changed again since), newest change first;
/// their customers' purchase figures follow. How many were put back.
async fn restore_orders(tx: &mut Tx<'_>, actor: Actor, import_id: i64) -> Result<usize, StoreError> {
    let mut restored = 0;
    let mut touched: std::collections::BTreeSet<i64> = std::collections::BTreeSet::new();
    let changes = sqlx::query(
        "SELECT entity_id, customer_id, before_json, after_json FROM audit_log \
         WHERE import_id = $1 AND entity = 'order' ORDER BY id DESC",
    )
    .bind(import_id)
    .fetch_all(&mut **tx)
    .await?;
    let note = format!("import {import_id} undone");
    for r in changes {
        let (id, customer): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok());
        let (Some(before), Some(after)) = (parse(r.try_get(2)?), parse(r.try_get(3)?)) else { continue };
        let Some(current) = super::orders::order_fields_now(tx, id).await? else { continue };
        if current != after {
            continue;
        }
        let back = guanxi_domain::orders::OrderDraft::parse(&super::json_fields(&before), now())?;
        super::orders::rewrite_order(tx, id, &back).await?;
        super::audit(
            tx,
            actor,
            "update",
            "order",
            Some(id),
            Some(customer),
            Some(&current),
            Some(&before),
            Some(&note),
        )
        .await?;
        touched.insert(customer);
        restored += 1;
    }
    super::orders::refresh_customers(tx, &touched.into_iter().collect::<Vec<_>>()).await?;
    Ok(restored)
}

/// Puts back the fields a customer import changed in stored customers, unless changed again
/// since. How many customers were put back.
async fn restore_customers(tx: &mut Tx<'_>, actor: Actor, import_id: i64) -> Result<usize, StoreError> {
    let rows = sqlx::query(
        "SELECT customer_id, before_json, after_json FROM audit_log \
         WHERE import_id = $1 AND entity = 'customer' ORDER BY id",
    )
    .bind(import_id)
    .fetch_all(&mut **tx)
    .await?;
    // Per customer it changed (its first record has a "before"; a created one's has none): the
    // first "before" and the last "after".
    let mut changed: Vec<(i64, serde_json::Value, serde_json::Value)> = Vec::new();
    let mut seen: HashMap<i64, Option<usize>> = HashMap::new();
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or(serde_json::Value::Null);
    for r in rows {
        let id: i64 = r.try_get(0)?;
        let before = json(r.try_get(1)?);
        let after = json(r.try_get(2)?);
        match seen.get(&id) {
            Some(None) => {}
            Some(Some(i)) => changed[*i].2 = after,
            None if before.is_null() => {
                seen.insert(id, None);
            }
            None => {
                seen.insert(id, Some(changed.len()));
                changed.push((id, before, after));
            }
        }
    }
    let note = format!("import {import_id} undone");
    let mut restored = 0;
    for (id, before, after) in changed {
        let current = load_customer(tx, id).await?;
        let (before, after, now_fields) =
            (super::json_fields(&before), super::json_fields(&after), current.draft.to_fields());
        let changes = super::put_back(&before, &after, &now_fields);
        if changes.0.is_empty() {
            continue;
        }
        let mut back = current.draft.apply(&changes, today_in_china())?;
        back.tags.sort();
        let owner_id = super::customers::resolve_owner(tx, &back).await?;
        super::customers::write_customer(tx, id, &back, owner_id).await?;
        super::audit(
            tx,
            actor,
            "update",
            "customer",
            Some(id),
            Some(id),
            Some(&fields_json(&now_fields)),
            Some(&fields_json(&back.to_fields())),
            Some(&note),
        )
        .await?;
        restored += 1;
    }
    Ok(restored)
}

/// The tables whose rows about a customer are computed from other data, and go with it.
const DERIVED: [&str; 5] =
    ["customer_values", "relationship_facts", "customer_rollups", "purchase_summaries", "purchase_days"];

/// Removes customers an import created, with their tags, search keys, computed rows and the
/// import's records of them. One that someone touched meanwhile (changed it, added a contact,
/// an order, a deal) goes to the recycle bin instead, so that nothing of theirs is lost.
/// Returns (removed, binned).
async fn remove_created(tx: &mut Tx<'_>, import_id: i64, ids: &[i64]) -> Result<(usize, usize), StoreError> {
    use sqlx::Connection as _;
    let join = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let touched: HashSet<i64> = sqlx::query(AssertSqlSafe(format!(
        "SELECT DISTINCT customer_id FROM audit_log WHERE customer_id IN ({}) AND (import_id IS NULL OR import_id <> $1)",
        join(ids)
    )))
    .bind(import_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<_, _>>()?;
    let removal = |list: &str| {
        let mut sql: Vec<String> =
            DERIVED.iter().map(|t| format!("DELETE FROM {t} WHERE customer_id IN ({list})")).collect();
        sql.push(format!("DELETE FROM duplicate_dismissals WHERE low_id IN ({list}) OR high_id IN ({list})"));
        sql.push(format!("DELETE FROM customer_tags WHERE customer_id IN ({list})"));
        sql.push(match DIALECT {
            Dialect::Sqlite => format!("DELETE FROM customer_search WHERE rowid IN ({list})"),
            Dialect::Postgres => format!("DELETE FROM customer_search WHERE customer_id IN ({list})"),
        });
        sql.push(format!("DELETE FROM audit_log WHERE customer_id IN ({list}) AND import_id = {import_id}"));
        sql.push(format!("DELETE FROM customers WHERE id IN ({list})"));
        sql
    };
    // Runs the removal of `list` under a savepoint: false (and nothing done) if another row
    // still refers to one of them.
    async fn attempt(tx: &mut Tx<'_>, statements: Vec<String>) -> Result<bool, StoreError> {
        let mut sp = (**tx).begin().await?;
        for sql in statements {
            if let Err(e) = sqlx::query(AssertSqlSafe(sql)).execute(&mut *sp).await {
                if !is_reference_error(&e) {
                    return Err(e.into());
                }
                sp.rollback().await?;
                return Ok(false);
            }
        }
        sp.commit().await?;
        Ok(true)
    }
    let untouched: Vec<i64> = ids.iter().copied().filter(|id| !touched.contains(id)).collect();
    let mut to_bin: Vec<i64> = touched.into_iter().collect();
    let mut removed = 0;
    if !untouched.is_empty() {
        if attempt(tx, removal(&join(&untouched))).await? {
            removed = untouched.len();
        } else {
            for id in untouched {
                if attempt(tx, removal(&id.to_string())).await? {
                    removed += 1;
                } else {
                    to_bin.push(id);
                }
            }
        }
    }
    for &id in &to_bin {
        sqlx::query("UPDATE customers SET deleted_at = $1, version = version + 1 WHERE id = $2 AND deleted_at IS NULL")
            .bind(now())
            .bind(id)
            .execute(&mut **tx)
            .await?;
        super::search::unindex(tx, id).await?;
    }
    Ok((removed, to_bin.len()))
}

/// A delete refused because another row refers to the one deleted.
fn is_reference_error(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.code().is_some_and(|c| c == "23503" || c == "787")
                || d.message().contains("FOREIGN KEY constraint failed")
        }
        _ => false,
    }
}

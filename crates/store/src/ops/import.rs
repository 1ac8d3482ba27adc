//! Writing an import: all rows in one transaction, each matched to an existing customer by
//! external id, then phone, then e-mail, so that importing the same file twice changes nothing.

use super::customers::{insert_customer, load_customer, write_customer};
use super::{Pool, Tx, audit, fields_json, resolve_users};
use crate::{Actor, ImportOutcome, ImportState, StoreError, today_in_china};
use guanxi_domain::{CustomerDraft, Field, ImportRow, Lang, Validation};
use sqlx::Row as _;

async fn find_match(tx: &mut Tx<'_>, d: &CustomerDraft) -> Result<Option<i64>, StoreError> {
    let lookups: [(&str, Option<&str>); 3] = [
        (
            "SELECT id FROM customers WHERE external_id = $1 AND deleted_at IS NULL ORDER BY id LIMIT 1",
            d.external_id.as_deref(),
        ),
        (
            "SELECT id FROM customers WHERE phone = $1 AND deleted_at IS NULL ORDER BY id LIMIT 1",
            d.phone.as_ref().map(|p| p.as_str()),
        ),
        (
            "SELECT id FROM customers WHERE lower(email) = lower($1) AND deleted_at IS NULL ORDER BY id LIMIT 1",
            d.email.as_ref().map(|e| e.as_str()),
        ),
    ];
    for (sql, value) in lookups {
        if let Some(value) = value
            && let Some(r) = sqlx::query(sql)
                .bind(value)
                .fetch_optional(&mut **tx)
                .await?
        {
            return Ok(Some(r.try_get(0)?));
        }
    }
    Ok(None)
}

/// A row that fits the file's rules but not what is stored (it would give an individual an
/// organization's fields, or names an owner who was disabled meanwhile). Nothing of it was written.
pub type RowFailure = (usize, Validation);

/// Writes rows inside the import's transaction. Rows that fail are returned and skipped; the
/// caller decides whether the import as a whole is committed.
pub async fn import_rows(
    tx: &mut Tx<'_>,
    actor: Actor,
    source: &str,
    rows: &[ImportRow],
    state: &mut ImportState,
) -> Result<Vec<RowFailure>, StoreError> {
    let today = today_in_china();
    let mut failures = Vec::new();
    for row in rows {
        let owner_id = match &row.draft.owner {
            None => None,
            Some(name) => match state.owners.get(name) {
                Some(id) => Some(*id),
                None => match resolve_users(tx, Field::Owner, std::slice::from_ref(name)).await {
                    Ok(ids) => {
                        state.owners.insert(name.clone(), ids[0]);
                        Some(ids[0])
                    }
                    Err(StoreError::Invalid(v)) => {
                        failures.push((row.line, v));
                        continue;
                    }
                    Err(e) => return Err(e),
                },
            },
        };
        let matched = match row.id {
            // A row from one of our exports names its customer.
            Some(id) => {
                let live =
                    sqlx::query("SELECT id FROM customers WHERE id = $1 AND deleted_at IS NULL")
                        .bind(id)
                        .fetch_optional(&mut **tx)
                        .await?;
                if live.is_none() {
                    let mut v = Validation::default();
                    v.push(
                        Field::Id,
                        &id.to_string(),
                        guanxi_domain::Problem::NoSuchRecord,
                    );
                    failures.push((row.line, v));
                    continue;
                }
                Some(id)
            }
            None => find_match(tx, &row.draft).await?,
        };
        match matched {
            None => {
                let id = insert_customer(tx, &row.draft, owner_id).await?;
                let after = fields_json(&row.draft.to_fields());
                audit(
                    tx,
                    actor,
                    "import",
                    "customer",
                    Some(id),
                    Some(id),
                    None,
                    Some(&after),
                    Some(source),
                )
                .await?;
                state.outcome.created += 1;
            }
            Some(id) => {
                let current = load_customer(tx, id).await?;
                // Only what the file says replaces what is stored; a file without a kind column
                // does not turn an organization into an individual.
                let mut changes = row.draft.to_fields();
                if !row.kind_given {
                    changes.0.retain(|(f, _)| *f != Field::Kind);
                }
                if !row.status_given {
                    changes.0.retain(|(f, _)| *f != Field::Status);
                }
                let mut merged = match current.draft.apply(&changes, today) {
                    Ok(m) => m,
                    Err(v) => {
                        failures.push((row.line, v));
                        continue;
                    }
                };
                for t in &current.draft.tags {
                    if !merged.tags.contains(t) {
                        merged.tags.push(t.clone());
                    }
                }
                merged.tags.sort();
                if merged == current.draft {
                    state.outcome.unchanged += 1;
                    continue;
                }
                let owner_id = if merged.owner.is_some() {
                    owner_id.or(current.owner_id)
                } else {
                    None
                };
                write_customer(tx, id, &merged, owner_id).await?;
                audit(
                    tx,
                    actor,
                    "import",
                    "customer",
                    Some(id),
                    Some(id),
                    Some(&fields_json(&current.draft.to_fields())),
                    Some(&fields_json(&merged.to_fields())),
                    Some(source),
                )
                .await?;
                state.outcome.updated += 1;
            }
        }
    }
    Ok(failures)
}

/// The import's own audit record, written last in its transaction.
pub async fn finish_import(
    tx: &mut Tx<'_>,
    actor: Actor,
    source: &str,
    state: &ImportState,
    skipped: usize,
) -> Result<(), StoreError> {
    let o = &state.outcome;
    let summary = serde_json::json!({
        "created": o.created, "updated": o.updated, "unchanged": o.unchanged, "skipped": skipped,
    });
    audit(
        tx,
        actor,
        "import",
        "customers",
        None,
        None,
        None,
        Some(&summary),
        Some(source),
    )
    .await
}

/// Writes all rows or none: any row failure rolls back and comes back as an error naming
/// the row.
pub async fn import_customers(
    pool: &Pool,
    actor: Actor,
    source: &str,
    rows: &[ImportRow],
) -> Result<ImportOutcome, StoreError> {
    let mut tx = pool.begin().await?;
    let mut state = ImportState::default();
    let failures = import_rows(&mut tx, actor, source, rows, &mut state).await?;
    if let Some((line, v)) = failures.into_iter().next() {
        return Err(StoreError::conflict(
            format!("第 {line} 行：{}", v.message(Lang::ZhCn)),
            format!("row {line}: {}", v.message(Lang::En)),
        ));
    }
    finish_import(&mut tx, actor, source, &state, 0).await?;
    tx.commit().await?;
    Ok(state.outcome)
}

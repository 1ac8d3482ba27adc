//! Writing an import: all rows in one transaction, each matched to an existing customer by
//! external id, then phone, then e-mail, so that importing the same file twice changes nothing.

use super::customers::{insert_customer, load_customer, write_customer};
use super::{Pool, Tx, audit, fields_json, resolve_users};
use crate::{Actor, ImportOutcome, ImportRow, StoreError, today_in_china};
use guanxi_domain::{CustomerDraft, Field};
use sqlx::Row as _;
use std::collections::HashMap;

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
        if let Some(value) = value {
            if let Some(r) = sqlx::query(sql)
                .bind(value)
                .fetch_optional(&mut **tx)
                .await?
            {
                return Ok(Some(r.try_get(0)?));
            }
        }
    }
    Ok(None)
}

/// Writes the rows. A row that only fails against what is stored (it changes an individual
/// into having an organization's fields, names an unknown owner) is reported in the returned
/// error with its line; with `partial` such rows are skipped and the others written.
pub async fn import_customers(
    pool: &Pool,
    actor: Actor,
    source: &str,
    rows: &[ImportRow],
) -> Result<ImportOutcome, StoreError> {
    let mut tx = pool.begin().await?;
    let mut outcome = ImportOutcome::default();
    let mut owners: HashMap<String, i64> = HashMap::new();
    let today = today_in_china();
    for row in rows {
        let owner_id = match &row.draft.owner {
            None => None,
            Some(name) => match owners.get(name) {
                Some(id) => Some(*id),
                None => {
                    let id = resolve_users(&mut tx, Field::Owner, std::slice::from_ref(name))
                        .await
                        .map_err(|e| at_line(row.line, e))?[0];
                    owners.insert(name.clone(), id);
                    Some(id)
                }
            },
        };
        match find_match(&mut tx, &row.draft).await? {
            None => {
                let id = insert_customer(&mut tx, &row.draft, owner_id).await?;
                let after = fields_json(&row.draft.to_fields());
                audit(
                    &mut tx,
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
                outcome.created += 1;
            }
            Some(id) => {
                let current = load_customer(&mut tx, id).await?;
                // Only what the file says replaces what is stored; a file without a kind column
                // does not turn an organization into an individual.
                let mut changes = row.draft.to_fields();
                if !row.kind_given {
                    changes.0.retain(|(f, _)| *f != Field::Kind);
                }
                if !row.status_given {
                    changes.0.retain(|(f, _)| *f != Field::Status);
                }
                let mut merged = current
                    .draft
                    .apply(&changes, today)
                    .map_err(|v| at_line(row.line, v.into()))?;
                for t in &current.draft.tags {
                    if !merged.tags.contains(t) {
                        merged.tags.push(t.clone());
                    }
                }
                merged.tags.sort();
                if merged == current.draft {
                    outcome.unchanged += 1;
                    continue;
                }
                let owner_id = if merged.owner.is_some() {
                    owner_id.or(current.owner_id)
                } else {
                    None
                };
                write_customer(&mut tx, id, &merged, owner_id).await?;
                audit(
                    &mut tx,
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
                outcome.updated += 1;
            }
        }
    }
    let summary = serde_json::json!({
        "created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged,
    });
    audit(
        &mut tx,
        actor,
        "import",
        "customers",
        None,
        None,
        None,
        Some(&summary),
        Some(source),
    )
    .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Prefixes a row's validation errors with its line, keeping other errors as they are.
fn at_line(line: usize, e: StoreError) -> StoreError {
    match e {
        StoreError::Invalid(v) => StoreError::conflict(
            format!("第 {line} 行：{}", v.message(guanxi_domain::Lang::ZhCn)),
            format!("row {line}: {}", v.message(guanxi_domain::Lang::En)),
        ),
        other => other,
    }
}

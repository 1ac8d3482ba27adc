//! The search index: keys computed in Rust (guanxi_domain::search), matched by FTS5 on SQLite
//! and by a tsvector on PostgreSQL. Both see the same keys and the same query, so both find
//! the same customers in the same order.

use super::summaries::{SUMMARY_SELECT, summary_from_row};
use super::{DIALECT, Pool, Tx};
use crate::{CustomerSummary, Dialect, StoreError};
use guanxi_domain::CustomerDraft;
use guanxi_domain::search::{Term, customer_keys, query_terms};
use sqlx::{AssertSqlSafe, Row as _};

/// Writes the customer's keys, replacing any it had. `new` skips the removal for a customer
/// that cannot have keys yet (removing a missing row still costs FTS5 a tombstone).
pub(crate) async fn index_customer(
    tx: &mut Tx<'_>,
    id: i64,
    draft: &CustomerDraft,
    key_people: &[(String, Option<String>)],
    new: bool,
) -> Result<(), StoreError> {
    let t = customer_keys(draft, key_people).texts();
    match DIALECT {
        Dialect::Sqlite => {
            if !new {
                sqlx::query("DELETE FROM customer_search WHERE rowid = $1").bind(id).execute(&mut **tx).await?;
            }
            sqlx::query(
                "INSERT INTO customer_search (rowid, name_keys, part_keys, other_keys) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(&t.name)
            .bind(&t.parts)
            .bind(&t.other)
            .execute(&mut **tx)
            .await?;
        }
        Dialect::Postgres => {
            let (with_parts, all) = t.cumulative();
            sqlx::query(
                "INSERT INTO customer_search (customer_id, name_keys, part_keys, all_keys) \
                 VALUES ($1, array_to_tsvector(string_to_array($2, ' ')), array_to_tsvector(string_to_array($3, ' ')), \
                 array_to_tsvector(string_to_array($4, ' '))) \
                 ON CONFLICT (customer_id) DO UPDATE SET name_keys = EXCLUDED.name_keys, \
                 part_keys = EXCLUDED.part_keys, all_keys = EXCLUDED.all_keys",
            )
            .bind(id)
            .bind(&t.name)
            .bind(with_parts)
            .bind(all)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

pub(crate) async fn unindex(tx: &mut Tx<'_>, id: i64) -> Result<(), StoreError> {
    let sql = match DIALECT {
        Dialect::Sqlite => "DELETE FROM customer_search WHERE rowid = $1",
        Dialect::Postgres => "DELETE FROM customer_search WHERE customer_id = $1",
    };
    sqlx::query(sql).bind(id).execute(&mut **tx).await?;
    Ok(())
}

/// How strictly the terms must match.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tier {
    /// Every term is a whole name key.
    ExactName,
    /// Every term starts a whole-name key.
    NamePrefix,
    /// Every term starts a key of the name or of a part of it.
    NameParts,
    /// Every term starts any key (phone, e-mail, company, key people…).
    Anywhere,
}

/// The match expression of one tier, in the dialect's query language. Keys hold only
/// letters, digits and Han characters, so quoting them is all the escaping needed.
fn expression(terms: &[Term], tier: Tier) -> String {
    let exact = tier == Tier::ExactName;
    let parts: Vec<String> = terms
        .iter()
        .map(|t| match (DIALECT, t) {
            (Dialect::Sqlite, Term::Key(k)) => {
                if exact {
                    format!("\"{k}\"")
                } else {
                    format!("\"{k}\"*")
                }
            }
            (Dialect::Postgres, Term::Key(k)) => {
                if exact {
                    format!("'{k}'")
                } else {
                    format!("'{k}':*")
                }
            }
            (Dialect::Sqlite, Term::HanRun { whole, pairs }) => {
                if exact {
                    format!("\"{whole}\"")
                } else {
                    let all: Vec<String> = pairs.iter().map(|p| format!("\"{p}\"")).collect();
                    format!("(\"{whole}\" OR ({}))", all.join(" AND "))
                }
            }
            (Dialect::Postgres, Term::HanRun { whole, pairs }) => {
                if exact {
                    format!("'{whole}'")
                } else {
                    let all: Vec<String> = pairs.iter().map(|p| format!("'{p}'")).collect();
                    format!("('{whole}' | ({}))", all.join(" & "))
                }
            }
        })
        .collect();
    match DIALECT {
        Dialect::Sqlite => {
            let body = parts.join(" AND ");
            match tier {
                Tier::ExactName | Tier::NamePrefix => format!("{{name_keys}} : ({body})"),
                Tier::NameParts => format!("{{name_keys part_keys}} : ({body})"),
                Tier::Anywhere => body,
            }
        }
        Dialect::Postgres => parts.join(" & "),
    }
}

/// On PostgreSQL, a term that matches more customers than this is answered by walking the
/// customers in id order instead of collecting and sorting every match.
const BROAD: i64 = 2000;

/// The first `want` customer ids, in id order, whose keys match `expr` in the tier's columns.
async fn tier_ids(pool: &Pool, expr: &str, tier: Tier, want: i64) -> Result<Vec<i64>, StoreError> {
    fn ids(rows: Vec<super::Row>) -> Result<Vec<i64>, StoreError> {
        rows.iter().map(|r| r.try_get::<i64, _>(0).map_err(StoreError::from)).collect()
    }
    match DIALECT {
        // FTS5 yields matches in rowid order and stops after `want`.
        Dialect::Sqlite => {
            let sql = "SELECT rowid FROM customer_search WHERE customer_search MATCH $1 ORDER BY rowid LIMIT $2";
            ids(sqlx::query(sql).bind(expr).bind(want).fetch_all(pool).await?)
        }
        // A GIN index finds every match, in no useful order; the planner cannot tell a rare
        // prefix from a common one, and guessing wrong costs seconds either way. So: ask the
        // GIN index for at most BROAD matches; if that is all of them, sort them here; if not,
        // the term is common, and walking customers in id order finds the first `want` fast.
        // Each step is pinned to its plan for this transaction only.
        Dialect::Postgres => {
            let col = match tier {
                Tier::ExactName | Tier::NamePrefix => "name_keys",
                Tier::NameParts => "part_keys",
                Tier::Anywhere => "all_keys",
            };
            let mut tx = super::begin(pool).await?;
            sqlx::query("SET LOCAL enable_seqscan = off").execute(&mut *tx).await?;
            sqlx::query("SET LOCAL enable_indexscan = off").execute(&mut *tx).await?;
            let probe = format!("SELECT customer_id FROM customer_search WHERE {col} @@ $1::tsquery LIMIT $2");
            let mut found = ids(sqlx::query(AssertSqlSafe(probe)).bind(expr).bind(BROAD).fetch_all(&mut *tx).await?)?;
            if (found.len() as i64) < BROAD {
                tx.commit().await?;
                found.sort_unstable();
                found.truncate(want.max(0) as usize);
                return Ok(found);
            }
            sqlx::query("SET LOCAL enable_indexscan = on").execute(&mut *tx).await?;
            sqlx::query("SET LOCAL enable_bitmapscan = off").execute(&mut *tx).await?;
            let walk = format!(
                "SELECT customer_id FROM customer_search WHERE {col} @@ $1::tsquery ORDER BY customer_id LIMIT $2"
            );
            let found = ids(sqlx::query(AssertSqlSafe(walk)).bind(expr).bind(want).fetch_all(&mut *tx).await?)?;
            tx.commit().await?;
            Ok(found)
        }
    }
}

/// Ids of the best matches for `query`, best first (see [`search`]), at most `limit` (≤ 1000).
pub async fn search_ids(pool: &Pool, query: &str, limit: i64) -> Result<Vec<i64>, StoreError> {
    let terms = query_terms(query);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let limit = limit.clamp(1, 1000);
    let mut ids: Vec<i64> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for tier in [Tier::ExactName, Tier::NamePrefix, Tier::NameParts, Tier::Anywhere] {
        if ids.len() as i64 >= limit {
            break;
        }
        // Enough to fill the page after dropping ids found by a stricter tier.
        let want = limit + ids.len() as i64;
        let found = tier_ids(pool, &expression(&terms, tier), tier, want).await?;
        for id in found {
            if (ids.len() as i64) < limit && seen.insert(id) {
                ids.push(id);
            }
        }
    }
    Ok(ids)
}

/// The list lines of `ids` that are not in the recycle bin, in the order of `ids`.
pub(crate) async fn summaries(pool: &Pool, ids: &[i64]) -> Result<Vec<CustomerSummary>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{SUMMARY_SELECT} WHERE c.id IN ({}) AND c.deleted_at IS NULL",
        list.join(", ")
    )))
    .fetch_all(pool)
    .await?;
    let mut found = rows.iter().map(summary_from_row).collect::<Result<Vec<_>, _>>()?;
    let order: std::collections::HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    found.sort_by_key(|s| order.get(&s.id).copied().unwrap_or(usize::MAX));
    Ok(found)
}

pub async fn search(pool: &Pool, query: &str, limit: i64) -> Result<Vec<CustomerSummary>, StoreError> {
    let ids = search_ids(pool, query, limit).await?;
    summaries(pool, &ids).await
}

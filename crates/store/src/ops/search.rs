//! The search index: keys computed in Rust (guanxi_domain::search), matched by FTS5 on SQLite
//! and by a tsvector on PostgreSQL. Both see the same keys and the same query, so both find
//! the same customers in the same order.

use super::customers::{SUMMARY_SELECT, summary_from_row};
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

pub async fn search(pool: &Pool, query: &str, limit: i64) -> Result<Vec<CustomerSummary>, StoreError> {
    let terms = query_terms(query);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let limit = limit.clamp(1, 1000);
    let mut ids: Vec<i64> = Vec::new();
    for tier in [Tier::ExactName, Tier::NamePrefix, Tier::NameParts, Tier::Anywhere] {
        if ids.len() as i64 >= limit {
            break;
        }
        let sql = match (DIALECT, tier) {
            (Dialect::Sqlite, _) => {
                "SELECT rowid FROM customer_search WHERE customer_search MATCH $1 ORDER BY rowid LIMIT $2"
            }
            (Dialect::Postgres, Tier::Anywhere) => {
                "SELECT customer_id FROM customer_search WHERE all_keys @@ $1::tsquery ORDER BY customer_id LIMIT $2"
            }
            (Dialect::Postgres, Tier::NameParts) => {
                "SELECT customer_id FROM customer_search WHERE part_keys @@ $1::tsquery ORDER BY customer_id LIMIT $2"
            }
            (Dialect::Postgres, _) => {
                "SELECT customer_id FROM customer_search WHERE name_keys @@ $1::tsquery ORDER BY customer_id LIMIT $2"
            }
        };
        // Ask for enough to fill the page after dropping ids found by a stricter tier.
        let rows =
            sqlx::query(sql).bind(expression(&terms, tier)).bind(limit + ids.len() as i64).fetch_all(pool).await?;
        for r in rows {
            let id: i64 = r.try_get(0)?;
            if !ids.contains(&id) && (ids.len() as i64) < limit {
                ids.push(id);
            }
        }
    }
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
    found.sort_by_key(|s| ids.iter().position(|i| *i == s.id));
    Ok(found)
}

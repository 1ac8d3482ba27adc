//! Every operation of the store, written once against `DB` (see the crate docs).

mod approvals;
mod attachments;
mod auth;
mod cadence_steps;
mod cadences;
mod competitors;
mod consent;
mod customers;
mod deal_import;
mod deal_parts;
mod dedupe;
mod import;
mod jobs;
mod letters;
mod notifications;
mod occasions;
mod order_import;
mod orders;
mod outbox;
mod outbox_queue;
mod people;
mod relationships;
mod reminders;
mod sales;
mod sales_report;
mod search;
mod standing;
mod summaries;
mod surveys;
mod take_back;
mod tasks;
mod templates;
mod values;
mod visit_schedule;
mod winback;

pub use approvals::*;
pub use attachments::*;
pub use auth::*;
pub use cadence_steps::*;
pub use cadences::*;
pub use competitors::*;
pub use consent::*;
pub use customers::*;
pub use deal_import::*;
pub use deal_parts::*;
pub use dedupe::*;
pub use import::*;
pub use jobs::*;
pub use letters::*;
pub use notifications::*;
pub use occasions::*;
pub use order_import::*;
pub use orders::*;
pub use outbox::*;
pub use people::*;
pub use relationships::*;
pub use reminders::*;
pub use sales::*;
pub use sales_report::*;
pub use search::*;
pub use standing::*;
pub use surveys::*;
pub use take_back::*;
pub use tasks::*;
pub use templates::*;
pub use values::*;
pub use winback::*;

pub(crate) use super::{DB, DIALECT, sqlite_connection, sqlite_pooled};
use crate::{Actor, NewUser, StoreError, User};
use chrono::{DateTime, SubsecRound, Utc};
use guanxi_domain::{Field, Lang, Problem, Raw, Role, Validation};
use sqlx::Row as _;

pub(crate) type Pool = sqlx::Pool<DB>;
pub(crate) type Tx<'a> = sqlx::Transaction<'a, DB>;
pub(crate) type Row = <DB as sqlx::Database>::Row;

/// The `i`-th parameter placeholder for statements built at run time, bound in order. On
/// SQLite a named or numbered parameter (`$1`, `?1`) costs a linear search of the statement's
/// parameter names each time sqlx binds one — quadratic in a multi-row insert of thousands of
/// parameters — while an anonymous `?` is bound by position at no cost.
pub(crate) fn param(i: usize) -> String {
    match DIALECT {
        crate::Dialect::Sqlite => "?".to_string(),
        crate::Dialect::Postgres => format!("${i}"),
    }
}

/// `($1, $2, …), (…)` for `rows` rows of `cols` parameters, each wrapped by `wrap`.
pub(crate) fn values_clause(rows: usize, cols: usize, wrap: &dyn Fn(usize, String) -> String) -> String {
    let mut out = String::with_capacity(rows * cols * 6);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            out.push_str(&wrap(c, param(r * cols + c + 1)));
        }
        out.push(')');
    }
    out
}

/// A query's columns packed into one JSON array of row arrays (one row for the whole result;
/// NULL when nothing matched). Rows handed one by one from sqlx's SQLite worker thread cost more
/// than the database's own work at a million rows; one packed row a chunk of customers does not.
pub(crate) fn pack(columns: &str) -> String {
    match DIALECT {
        crate::Dialect::Sqlite => format!("json_group_array(json_array({columns}))"),
        crate::Dialect::Postgres => format!("json_agg(json_build_array({columns}))::text"),
    }
}

/// The rows of a packed JSON array (none when the query matched nothing).
pub(crate) fn unpack<T: serde::de::DeserializeOwned>(packed: Option<String>) -> Result<Vec<T>, StoreError> {
    match packed {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("packed rows: {e}"))),
    }
}

/// Now, at the precision both databases keep (microseconds), so a value reads back equal.
/// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`),
/// waiting its turn behind other writers: a deferred transaction that reads first and writes
/// later fails with "database is locked" when another connection wrote in between (the job
/// worker writes while users do).
pub(crate) async fn begin(pool: &Pool) -> Result<Tx<'static>, sqlx::Error> {
    match DIALECT {
        crate::Dialect::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        crate::Dialect::Postgres => pool.begin().await,
    }
}

/// What a `SELECT` that reads a row in order to change it ends with: `FOR UPDATE` on PostgreSQL,
/// so that a concurrent writer waits for this transaction; nothing on SQLite, where `begin`
/// already holds the only write lock.
pub(crate) fn for_update() -> &'static str {
    match DIALECT {
        crate::Dialect::Postgres => " FOR UPDATE",
        crate::Dialect::Sqlite => "",
    }
}

/// A connection for a write that may be skipped when SQLite's writer is busy (recording a
/// token's or a session's use, refreshing a customer's derived row on a page view): it waits for
/// no lock, so a read never queues behind a long import (problem 4 of the reliability review).
/// Give it back with [`give_back_eager`].
pub(crate) async fn eager_connection(pool: &Pool) -> Result<sqlx::pool::PoolConnection<DB>, StoreError> {
    let mut conn = pool.acquire().await?;
    if matches!(DIALECT, crate::Dialect::Sqlite) {
        sqlx::query("PRAGMA busy_timeout = 0").execute(&mut *conn).await?;
    }
    Ok(conn)
}

/// Restores the connection's patience; a write refused as busy counts as skipped.
pub(crate) async fn give_back_eager(
    mut conn: sqlx::pool::PoolConnection<DB>,
    written: Result<(), StoreError>,
) -> Result<(), StoreError> {
    if matches!(DIALECT, crate::Dialect::Sqlite) {
        sqlx::query("PRAGMA busy_timeout = 10000").execute(&mut *conn).await?;
    }
    match written {
        Err(StoreError::Unavailable(crate::Unavailable::Busy, _)) => Ok(()),
        other => other,
    }
}

/// The id ranges `lo..=hi` in steps of `size`: every id once, and it ends even when `hi` is
/// `i64::MAX` (a `from = to + 1` loop saturating there never did: problem 6 of the reliability
/// review).
pub(crate) fn id_chunks(lo: i64, hi: i64, size: i64) -> impl Iterator<Item = (i64, i64)> {
    let mut next = (lo <= hi).then_some(lo);
    std::iter::from_fn(move || {
        let from = next?;
        let to = hi.min(from.saturating_add(size.max(1) - 1));
        next = if to >= hi { None } else { Some(to + 1) };
        Some((from, to))
    })
}

/// The rows a page skips. A page number from a URL can be anything up to 2⁶³: the product never
/// overflows (it wrapped to page 1 on SQLite and failed on PostgreSQL), and past the last row a
/// page is simply empty.
pub(crate) fn offset(page: i64, per_page: i64) -> i64 {
    (page.max(1) - 1).saturating_mul(per_page.max(1)).min(1_000_000_000_000)
}

pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {value:?}"))
}

/// A column holding a vocabulary's code, or NULL.
pub(crate) fn opt_code<T>(r: &Row, col: &str, parse: impl Fn(&str) -> Option<T>) -> Result<Option<T>, StoreError> {
    let s: Option<String> = r.try_get(col)?;
    s.map(|s| parse(&s).ok_or_else(|| corrupt(col, &s))).transpose()
}

/// A field list as the JSON object the audit log keeps: field code → text (the same object
/// `Raw::to_json` writes as text, which imports compute ahead; a domain test keeps them equal).
pub(crate) fn fields_json(raw: &Raw) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (f, v) in &raw.0 {
        map.insert(f.code().to_string(), serde_json::Value::String(v.clone()));
    }
    serde_json::Value::Object(map)
}

/// Reads back what [`fields_json`] wrote; unknown keys (from a later version) are skipped.
/// The changes that put back what a change (fields `before` → `after`) did, for each field
/// nobody has changed again since (still `after` in `current`): undoing a merge or an import.
pub(crate) fn put_back(before: &Raw, after: &Raw, current: &Raw) -> Raw {
    let mut changes = Raw::new();
    for f in before.0.iter().chain(after.0.iter()).map(|(f, _)| *f) {
        if before.get(f) != after.get(f) && current.get(f) == after.get(f) {
            changes.set(f, before.get(f));
        }
    }
    changes
}

pub(crate) fn json_fields(value: &serde_json::Value) -> Raw {
    let mut raw = Raw::new();
    if let Some(map) = value.as_object() {
        for (k, v) in map {
            if let (Some(f), Some(s)) = (Field::from_code(k), v.as_str()) {
                raw.set(f, s);
            }
        }
    }
    raw
}

/// An update an import (or a person, `import_id` None) made to a record of `entity`, audited.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn audit_in_import(
    tx: &mut Tx<'_>,
    actor: Actor,
    entity: &str,
    id: i64,
    customer: i64,
    before: &serde_json::Value,
    after: &serde_json::Value,
    import_id: Option<i64>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, action, entity, entity_id, customer_id, before_json, after_json, \
         note, import_id) VALUES ($1, $2, 'update', $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(now())
    .bind(actor.0)
    .bind(entity)
    .bind(id)
    .bind(customer)
    .bind(before.to_string())
    .bind(after.to_string())
    .bind(import_id.map(|_| "import"))
    .bind(import_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Appends to the audit log inside the caller's transaction: the change and its record
/// commit together or not at all.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn audit(
    tx: &mut Tx<'_>,
    actor: Actor,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    customer_id: Option<i64>,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
    note: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, action, entity, entity_id, customer_id, before_json, after_json, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(now())
    .bind(actor.0)
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(customer_id)
    .bind(before.map(|v| v.to_string()))
    .bind(after.map(|v| v.to_string()))
    .bind(note)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn applied_migrations(pool: &Pool) -> Result<Vec<i64>, StoreError> {
    let rows =
        sqlx::query("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version").fetch_all(pool).await?;
    rows.iter().map(|r| r.try_get::<i64, _>(0).map_err(StoreError::from)).collect()
}

// ----- users -----

fn user_from_row(r: &Row) -> Result<User, StoreError> {
    let role: String = r.try_get("role")?;
    Ok(User {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        role: Role::parse(&role).ok_or_else(|| corrupt("role", &role))?,
        team: r.try_get("team")?,
        active: r.try_get("active")?,
        created_at: r.try_get("created_at")?,
        lang: Lang::parse(&r.try_get::<String, _>("lang")?).unwrap_or_default(),
        must_change_password: r.try_get("must_change_password")?,
    })
}

fn user_json(u: &User) -> serde_json::Value {
    serde_json::json!({
        "username": u.username, "display_name": u.display_name, "role": u.role.code(),
        "team": u.team, "active": u.active,
    })
}

pub async fn add_user(pool: &Pool, actor: Actor, user: &NewUser) -> Result<User, StoreError> {
    let mut v = Validation::default();
    let username = user.username.trim();
    if username.is_empty() {
        v.push(Field::Username, "", Problem::Required);
    } else if !guanxi_domain::values::is_username(username) {
        v.push(Field::Username, username, Problem::InvalidUsername);
    }
    let display = v.take(guanxi_domain::values::required_text(Field::DisplayName, &user.display_name, 100));
    let team = v.take(guanxi_domain::values::text(Field::Team, user.team.as_deref().unwrap_or(""), 100)).flatten();
    if !v.is_empty() {
        return Err(v.into());
    }
    let mut tx = begin(pool).await?;
    let exists = sqlx::query("SELECT id FROM users WHERE lower(username) = lower($1)")
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_some() {
        v.push(Field::Username, username, Problem::Taken);
        return Err(v.into());
    }
    let row = sqlx::query(
        "INSERT INTO users (username, display_name, role, team, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, username, display_name, role, team, active, created_at, lang, must_change_password",
    )
    .bind(username)
    .bind(display.unwrap_or_default())
    .bind(user.role.code())
    .bind(team)
    .bind(true)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    let created = user_from_row(&row)?;
    audit(&mut tx, actor, "create", "user", Some(created.id), None, None, Some(&user_json(&created)), None).await?;
    tx.commit().await?;
    Ok(created)
}

pub async fn users(pool: &Pool) -> Result<Vec<User>, StoreError> {
    let rows =
        sqlx::query("SELECT id, username, display_name, role, team, active, created_at, lang, must_change_password FROM users ORDER BY id")
            .fetch_all(pool)
            .await?;
    rows.iter().map(user_from_row).collect()
}

pub async fn user_by_username(pool: &Pool, username: &str) -> Result<Option<User>, StoreError> {
    let row = sqlx::query(
        "SELECT id, username, display_name, role, team, active, created_at, lang, must_change_password FROM users WHERE lower(username) = lower($1)",
    )
    .bind(username.trim())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(user_from_row).transpose()
}

pub async fn set_user_active(pool: &Pool, actor: Actor, username: &str, active: bool) -> Result<User, StoreError> {
    let mut tx = begin(pool).await?;
    let row = sqlx::query(
        "SELECT id, username, display_name, role, team, active, created_at, lang, must_change_password FROM users WHERE lower(username) = lower($1)",
    )
    .bind(username.trim())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::not_found("user", username))?;
    let before = user_from_row(&row)?;
    if before.id == Actor::SYSTEM.0 {
        return Err(StoreError::conflict("内置的 system 用户不能停用", "the built-in system user cannot be disabled"));
    }
    sqlx::query("UPDATE users SET active = $1 WHERE id = $2").bind(active).bind(before.id).execute(&mut *tx).await?;
    // A disabled user's ways in end with it, so that enabling them again revives none (F-13).
    let ended = if active { 0 } else { auth::end_credentials(&mut tx, before.id).await? };
    let after = User { active, ..before.clone() };
    let note = (ended > 0).then(|| format!("{ended} API tokens revoked"));
    audit(
        &mut tx,
        actor,
        "update",
        "user",
        Some(before.id),
        None,
        Some(&user_json(&before)),
        Some(&user_json(&after)),
        note.as_deref(),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Resolves usernames to active users' ids, reporting unknown ones against `field`.
pub(crate) async fn resolve_users(tx: &mut Tx<'_>, field: Field, usernames: &[String]) -> Result<Vec<i64>, StoreError> {
    let mut ids = Vec::new();
    let mut v = Validation::default();
    for name in usernames {
        let row = sqlx::query("SELECT id FROM users WHERE lower(username) = lower($1) AND active")
            .bind(name.trim())
            .fetch_optional(&mut **tx)
            .await?;
        match row {
            Some(r) => ids.push(r.try_get::<i64, _>(0)?),
            None => v.push(field, name, Problem::UnknownUser),
        }
    }
    v.into_result(ids).map_err(StoreError::from)
}

#[cfg(test)]
mod tests {
    use super::id_chunks;

    #[test]
    fn id_chunks_end_at_the_top() {
        assert_eq!(id_chunks(i64::MAX, i64::MAX, 10).collect::<Vec<_>>(), [(i64::MAX, i64::MAX)]);
        assert_eq!(id_chunks(i64::MAX - 15, i64::MAX, 10).count(), 2);
        assert_eq!(id_chunks(1, 25, 10).collect::<Vec<_>>(), [(1, 10), (11, 20), (21, 25)]);
        assert_eq!(id_chunks(5, 4, 10).count(), 0);
    }
}

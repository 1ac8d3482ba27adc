//! Signing in: passwords (hashed by the caller), sessions, API tokens, the sign-in throttle,
//! known devices, security events in the audit log, and the user's own settings. Secrets arrive
//! here already hashed; the store never sees them.

use super::*;
use crate::{ApiToken, AuditEntry, AuditFilter, SavedView, SessionInfo, SessionPolicy, TokenScope, TokenUse};
use guanxi_domain::throttle::{self, Counter, Limit, Outcome};
use sqlx::AssertSqlSafe;

pub(crate) const USER_COLUMNS: &str =
    "id, username, display_name, role, team, active, created_at, lang, must_change_password";

fn user_columns(prefix: &str) -> String {
    USER_COLUMNS.split(", ").map(|c| format!("{prefix}.{c}")).collect::<Vec<_>>().join(", ")
}

pub async fn user_by_id(pool: &Pool, id: i64) -> Result<User, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::not_found("user", id))?;
    user_from_row(&row)
}

/// The user who may sign in as `username`, and their password hash (None when no password was
/// ever set). The built-in `system` actor is never anyone's to sign in as (F-06).
pub async fn credentials(pool: &Pool, username: &str) -> Result<Option<(User, Option<String>)>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS}, password_hash FROM users WHERE lower(username) = lower($1) AND id <> $2"
    )))
    .bind(username.trim())
    .bind(Actor::SYSTEM.0)
    .fetch_optional(pool)
    .await?;
    match row {
        Some(r) => Ok(Some((user_from_row(&r)?, r.try_get("password_hash")?))),
        None => Ok(None),
    }
}

/// Ends every way a user is signed in: sessions, known devices, API tokens (revoked, kept for
/// the record). Returns how many tokens were revoked.
pub(crate) async fn end_credentials(tx: &mut Tx<'_>, user_id: i64) -> Result<u64, StoreError> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut **tx).await?;
    sqlx::query("DELETE FROM known_devices WHERE user_id = $1").bind(user_id).execute(&mut **tx).await?;
    let revoked = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now())
        .bind(user_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(revoked)
}

/// Stores a new password hash, ends the user's sessions and revokes their API tokens (a stolen
/// token must not outlive the password, F-07), audited without the hash. `generated` marks a
/// password someone else saw (a new user's, a reset): it must be changed at the next sign-in.
/// The built-in `system` actor can never have one.
pub async fn set_password_hash(
    pool: &Pool,
    actor: Actor,
    user_id: i64,
    hash: &str,
    generated: bool,
) -> Result<(), StoreError> {
    if user_id == Actor::SYSTEM.0 {
        return Err(StoreError::conflict(
            "内置的 system 用户不能登录，不能设置密码",
            "the built-in system user cannot sign in and cannot have a password",
        ));
    }
    let mut tx = super::begin(pool).await?;
    let done = sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3")
        .bind(hash)
        .bind(generated)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(StoreError::not_found("user", user_id));
    }
    let revoked = end_credentials(&mut tx, user_id).await?;
    let mut note = if generated { "password reset (to be changed at sign-in)" } else { "password changed" }.to_string();
    if revoked > 0 {
        note.push_str(&format!("; {revoked} API tokens revoked"));
    }
    audit(&mut tx, actor, "update", "user", Some(user_id), None, None, None, Some(&note)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_user_lang(pool: &Pool, user_id: i64, lang: Lang) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET lang = $1 WHERE id = $2").bind(lang.code()).bind(user_id).execute(pool).await?;
    Ok(())
}

/// Changes a user's display name, role and team (admins only; the caller checks).
pub async fn update_user(
    pool: &Pool,
    actor: Actor,
    user_id: i64,
    display_name: &str,
    role: Role,
    team: Option<&str>,
) -> Result<User, StoreError> {
    let mut v = Validation::default();
    let display = v.take(guanxi_domain::values::required_text(Field::DisplayName, display_name, 100));
    let team = v.take(guanxi_domain::values::text(Field::Team, team.unwrap_or(""), 100)).flatten();
    if !v.is_empty() {
        return Err(v.into());
    }
    let mut tx = super::begin(pool).await?;
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")))
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("user", user_id))?;
    let before = user_from_row(&row)?;
    if before.id == Actor::SYSTEM.0 {
        return Err(StoreError::conflict("内置的 system 用户不能修改", "the built-in system user cannot be changed"));
    }
    sqlx::query("UPDATE users SET display_name = $1, role = $2, team = $3 WHERE id = $4")
        .bind(display.as_deref().unwrap_or_default())
        .bind(role.code())
        .bind(&team)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let after = User { display_name: display.unwrap_or_default(), role, team, ..before.clone() };
    if after != before {
        audit(
            &mut tx,
            actor,
            "update",
            "user",
            Some(user_id),
            None,
            Some(&user_json(&before)),
            Some(&user_json(&after)),
            None,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

// ----- sessions -----

/// A new session for someone who just entered their password.
pub async fn create_session(
    pool: &Pool,
    token_hash: &str,
    user_id: i64,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let at = now();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, authenticated_at) \
         VALUES ($1, $2, $3, $3, $4, $3)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(at)
    .bind(expires_at)
    .execute(pool)
    .await?;
    // Sessions that have run out are of no use to anyone; sweep them while we are here.
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(at).execute(pool).await?;
    Ok(())
}

/// The active user a session belongs to, if the session has neither sat idle past its expiry
/// nor outlived `policy.absolute` since sign-in. Reading writes nothing (a read must not wait
/// for SQLite's writer): the caller slides the expiry with [`touch_session`] when the session
/// was last seen more than `policy.refresh_after` ago.
pub async fn session_user(
    pool: &Pool,
    token_hash: &str,
    policy: SessionPolicy,
) -> Result<Option<SessionInfo>, StoreError> {
    let at = now();
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {}, s.last_seen_at, s.created_at AS session_created, s.authenticated_at \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.created_at > $3 AND u.active",
        user_columns("u")
    )))
    .bind(token_hash)
    .bind(at)
    .bind(at - policy.absolute)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let created_at: DateTime<Utc> = row.try_get("session_created")?;
    let authenticated_at: Option<DateTime<Utc>> = row.try_get("authenticated_at")?;
    Ok(Some(SessionInfo {
        user: user_from_row(&row)?,
        created_at,
        last_seen_at: row.try_get("last_seen_at")?,
        authenticated_at: authenticated_at.unwrap_or(created_at),
    }))
}

/// The session was used now: its expiry slides to `policy.idle` from now, never past its
/// absolute end.
/// Skipped when SQLite's writer is busy (the next request tries again).
pub async fn touch_session(pool: &Pool, token_hash: &str, policy: SessionPolicy) -> Result<(), StoreError> {
    let at = now();
    let mut conn = super::eager_connection(pool).await?;
    let written = async {
        let row = sqlx::query("SELECT created_at FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(row) = row else { return Ok(()) };
        let created_at: DateTime<Utc> = row.try_get(0)?;
        let expiry = (at + policy.idle).min(created_at + policy.absolute);
        sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3")
            .bind(at)
            .bind(expiry)
            .bind(token_hash)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
    .await;
    super::give_back_eager(conn, written).await
}

/// The session's user entered their password again (before managing users).
pub async fn reauthenticate_session(pool: &Pool, token_hash: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET authenticated_at = $1 WHERE token_hash = $2")
        .bind(now())
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn delete_session(pool: &Pool, token_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
    Ok(())
}

// ----- the sign-in throttle -----

fn counter_from_row(r: &Row) -> Result<Counter, StoreError> {
    Ok(Counter {
        attempts: r.try_get("attempts")?,
        window_start: r.try_get("window_start")?,
        blocked_until: r.try_get("blocked_until")?,
        strikes: r.try_get("strikes")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// A throttle key's counter, locked until the transaction ends.
async fn read_counter(tx: &mut Tx<'_>, key: &str) -> Result<Option<Counter>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT attempts, window_start, blocked_until, strikes, updated_at FROM sign_in_throttle WHERE key = $1{}",
        super::for_update()
    )))
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(counter_from_row).transpose()
}

async fn save_counter(tx: &mut Tx<'_>, key: &str, c: &Counter) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE sign_in_throttle SET attempts = $1, window_start = $2, blocked_until = $3, strikes = $4, \
         updated_at = $5 WHERE key = $6",
    )
    .bind(c.attempts)
    .bind(c.window_start)
    .bind(c.blocked_until)
    .bind(c.strikes)
    .bind(c.updated_at)
    .bind(key)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Reads and locks the counters of `keys` (created when missing), in key order so that two
/// sign-ins never wait for each other in a circle.
async fn lock_counters(
    tx: &mut Tx<'_>,
    keys: &[(String, Limit)],
    at: DateTime<Utc>,
) -> Result<Vec<(String, Limit, Option<Counter>)>, StoreError> {
    let mut sorted: Vec<&(String, Limit)> = keys.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    for (key, limit) in sorted {
        sqlx::query(
            "INSERT INTO sign_in_throttle (key, attempts, window_start, strikes, updated_at) VALUES ($1, 0, $2, 0, $2) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(at)
        .execute(&mut **tx)
        .await?;
        let c = read_counter(tx, key).await?.ok_or_else(|| StoreError::not_found("sign_in_throttle", key))?;
        let fresh = c.attempts == 0 && c.strikes == 0 && c.blocked_until.is_none();
        out.push((key.clone(), *limit, (!fresh).then_some(c)));
    }
    Ok(out)
}

/// Reserves one sign-in attempt on every key, all or none: `Ok(())` when every key allows it,
/// else the time the longest block ends and whether this attempt started a block (the attempt
/// is then not made). Counters untouched for two days are swept.
pub async fn reserve_sign_in(
    pool: &Pool,
    keys: &[(String, Limit)],
) -> Result<Result<(), (DateTime<Utc>, bool)>, StoreError> {
    let at = now();
    let mut tx = super::begin(pool).await?;
    sqlx::query("DELETE FROM sign_in_throttle WHERE updated_at < $1")
        .bind(at - chrono::Duration::days(2))
        .execute(&mut *tx)
        .await?;
    let counters = lock_counters(&mut tx, keys, at).await?;
    let mut blocked: Option<DateTime<Utc>> = None;
    let mut started = false;
    let mut updates = Vec::new();
    for (key, limit, c) in counters {
        match throttle::reserve(c, at, limit) {
            Outcome::Allowed(c) => updates.push((key, c)),
            Outcome::Blocked { counter, until } => {
                save_counter(&mut tx, &key, &counter).await?;
                started = true;
                blocked = Some(blocked.map_or(until, |b| b.max(until)));
            }
            Outcome::StillBlocked { until } => blocked = Some(blocked.map_or(until, |b| b.max(until))),
        }
    }
    if let Some(until) = blocked {
        tx.commit().await?;
        return Ok(Err((until, started)));
    }
    for (key, c) in &updates {
        save_counter(&mut tx, key, c).await?;
    }
    tx.commit().await?;
    Ok(Ok(()))
}

/// Gives back a successful sign-in's attempt on every key; the keys in `forgive` also forget
/// their failures and blocks.
pub async fn release_sign_in(pool: &Pool, keys: &[String], forgive: &[String]) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let mut all: Vec<&String> = keys.iter().chain(forgive).collect();
    all.sort();
    all.dedup();
    for key in all {
        if let Some(c) = read_counter(&mut tx, key).await? {
            save_counter(&mut tx, key, &throttle::release(c, forgive.contains(key))).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

// ----- known devices -----

/// Remembers that the browser holding this cookie signed in as `user_id`.
pub async fn add_known_device(pool: &Pool, token_hash: &str, user_id: i64) -> Result<(), StoreError> {
    let at = now();
    sqlx::query("DELETE FROM known_devices WHERE created_at < $1")
        .bind(at - chrono::Duration::days(180))
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO known_devices (token_hash, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Did the browser holding this cookie sign in as `username` before?
pub async fn is_known_device(pool: &Pool, token_hash: &str, username: &str) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT 1 FROM known_devices d JOIN users u ON u.id = d.user_id \
         WHERE d.token_hash = $1 AND lower(u.username) = lower($2)",
    )
    .bind(token_hash)
    .bind(username.trim())
    .fetch_optional(pool)
    .await?;
    Ok(row.is_some())
}

// ----- security events -----

/// A security event in the audit log (sign-in, failure, block, sign-out, token use) with the
/// client's address. `note` carries what was typed for a username nobody has (cut to 64).
pub async fn audit_event(
    pool: &Pool,
    actor: Actor,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    note: Option<&str>,
    client: &str,
) -> Result<(), StoreError> {
    let note: Option<String> = note.map(|n| n.chars().take(64).collect());
    let client: String = client.chars().take(64).collect();
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, action, entity, entity_id, note, client) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(now())
    .bind(actor.0)
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(note)
    .bind(client)
    .execute(pool)
    .await?;
    Ok(())
}

/// The audit log, newest first, filtered (admins).
pub async fn audit_entries(pool: &Pool, f: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
    let mut sql = format!("{} WHERE 1 = 1", super::customers::AUDIT_SELECT);
    let mut n = 0;
    let mut next = |sql: &mut String, clause: &str| {
        n += 1;
        sql.push_str(&clause.replace('?', &format!("${n}")));
    };
    if f.user.is_some() {
        next(&mut sql, " AND lower(u.username) = lower(?)");
    }
    if f.action.is_some() {
        next(&mut sql, " AND a.action = ?");
    }
    if f.entity.is_some() {
        next(&mut sql, " AND a.entity = ?");
    }
    if f.from.is_some() {
        next(&mut sql, " AND a.at >= ?");
    }
    if f.until.is_some() {
        next(&mut sql, " AND a.at < ?");
    }
    if f.before_id.is_some() {
        next(&mut sql, " AND a.id < ?");
    }
    next(&mut sql, " ORDER BY a.id DESC LIMIT ?");
    let mut q = sqlx::query(AssertSqlSafe(sql));
    if let Some(u) = &f.user {
        q = q.bind(u.trim().to_string());
    }
    if let Some(a) = &f.action {
        q = q.bind(a.clone());
    }
    if let Some(e) = &f.entity {
        q = q.bind(e.clone());
    }
    if let Some(from) = f.from {
        q = q.bind(from);
    }
    if let Some(until) = f.until {
        q = q.bind(until);
    }
    if let Some(b) = f.before_id {
        q = q.bind(b);
    }
    let rows = q.bind(f.limit.clamp(1, 1000)).fetch_all(pool).await?;
    rows.iter().map(super::customers::audit_from_row).collect()
}

// ----- API tokens -----

const TOKEN_SELECT: &str = "SELECT t.id, t.user_id, u.username, t.name, t.hint, t.created_at, t.last_used_at, \
     t.revoked_at, t.expires_at, t.scope FROM api_tokens t JOIN users u ON u.id = t.user_id";

fn token_from_row(r: &Row) -> Result<ApiToken, StoreError> {
    let created_at: DateTime<Utc> = r.try_get("created_at")?;
    let expires_at: Option<DateTime<Utc>> = r.try_get("expires_at")?;
    let scope: String = r.try_get("scope")?;
    Ok(ApiToken {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        username: r.try_get("username")?,
        name: r.try_get("name")?,
        hint: r.try_get("hint")?,
        created_at,
        last_used_at: r.try_get("last_used_at")?,
        revoked_at: r.try_get("revoked_at")?,
        expires_at: expires_at.unwrap_or(created_at + ApiToken::LEGACY_LIFETIME),
        scope: TokenScope::parse(&scope).ok_or_else(|| corrupt("scope", &scope))?,
    })
}

pub async fn create_api_token(
    pool: &Pool,
    user_id: i64,
    name: &str,
    token_hash: &str,
    hint: &str,
    expires_at: DateTime<Utc>,
    scope: TokenScope,
) -> Result<ApiToken, StoreError> {
    let mut v = Validation::default();
    let name = v.take(guanxi_domain::values::required_text(Field::DisplayName, name, 100));
    if !v.is_empty() {
        return Err(v.into());
    }
    let mut tx = super::begin(pool).await?;
    let row = sqlx::query(
        "INSERT INTO api_tokens (user_id, name, token_hash, hint, created_at, expires_at, scope) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(user_id)
    .bind(name.unwrap_or_default())
    .bind(token_hash)
    .bind(hint)
    .bind(now())
    .bind(expires_at)
    .bind(scope.code())
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get(0)?;
    let row =
        sqlx::query(AssertSqlSafe(format!("{TOKEN_SELECT} WHERE t.id = $1"))).bind(id).fetch_one(&mut *tx).await?;
    let token = token_from_row(&row)?;
    let after = serde_json::json!({"name": token.name, "hint": token.hint, "scope": scope.code(),
        "expires_at": token.expires_at.to_rfc3339()});
    audit(&mut tx, Actor(user_id), "create", "api_token", Some(token.id), None, None, Some(&after), None).await?;
    tx.commit().await?;
    Ok(token)
}

/// One user's tokens, or everyone's (`None`, for admins), newest first.
pub async fn api_tokens(pool: &Pool, user_id: Option<i64>) -> Result<Vec<ApiToken>, StoreError> {
    let rows = match user_id {
        Some(u) => {
            sqlx::query(AssertSqlSafe(format!("{TOKEN_SELECT} WHERE t.user_id = $1 ORDER BY t.id DESC")))
                .bind(u)
                .fetch_all(pool)
                .await?
        }
        None => sqlx::query(AssertSqlSafe(format!("{TOKEN_SELECT} ORDER BY t.id DESC"))).fetch_all(pool).await?,
    };
    rows.iter().map(token_from_row).collect()
}

/// Revokes a token: the caller's own (`owner = Some(caller)`), or anyone's (`None`, admins).
pub async fn revoke_api_token(pool: &Pool, actor: Actor, token_id: i64, owner: Option<i64>) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND ($3 = 0 OR user_id = $3) AND revoked_at IS NULL",
    )
    .bind(now())
    .bind(token_id)
    .bind(owner.unwrap_or(0))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(StoreError::not_found("api_token", token_id));
    }
    audit(&mut tx, actor, "delete", "api_token", Some(token_id), None, None, None, None).await?;
    tx.commit().await?;
    Ok(())
}

/// The active user a live token belongs to, and the token. Reading writes nothing: use is
/// recorded by [`touch_api_token`], at most once a minute (F-?; a write per request would queue
/// every API read behind SQLite's one writer).
pub async fn api_token_user(pool: &Pool, token_hash: &str) -> Result<Option<(User, TokenUse)>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {}, t.id AS token_id, t.scope, t.last_used_at, t.created_at AS token_created, t.expires_at \
         FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active",
        user_columns("u")
    )))
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let created: DateTime<Utc> = row.try_get("token_created")?;
    let expires: Option<DateTime<Utc>> = row.try_get("expires_at")?;
    if expires.unwrap_or(created + ApiToken::LEGACY_LIFETIME) <= now() {
        return Ok(None);
    }
    let scope: String = row.try_get("scope")?;
    let token = TokenUse {
        id: row.try_get("token_id")?,
        scope: TokenScope::parse(&scope).ok_or_else(|| corrupt("scope", &scope))?,
        last_used_at: row.try_get("last_used_at")?,
    };
    Ok(Some((user_from_row(&row)?, token)))
}

/// Records that a token was used now; the first use of a China day is also a security event in
/// the audit log, with the client's address.
pub async fn touch_api_token(pool: &Pool, user_id: i64, token_id: i64, client: &str) -> Result<(), StoreError> {
    let at = now();
    let row =
        sqlx::query("SELECT last_used_at FROM api_tokens WHERE id = $1").bind(token_id).fetch_optional(pool).await?;
    let Some(row) = row else { return Ok(()) };
    let last: Option<DateTime<Utc>> = row.try_get(0)?;
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(at).bind(token_id).execute(pool).await?;
    if last.is_none_or(|l| guanxi_domain::china::day(l) != guanxi_domain::china::day(at)) {
        audit_event(pool, Actor(user_id), "token_used", "api_token", Some(token_id), None, client).await?;
    }
    Ok(())
}

// ----- saved views -----

pub async fn save_view(pool: &Pool, user_id: i64, name: &str, query: &str) -> Result<SavedView, StoreError> {
    let mut v = Validation::default();
    let name = v.take(guanxi_domain::values::required_text(Field::DisplayName, name, 60)).unwrap_or_default();
    if !v.is_empty() {
        return Err(v.into());
    }
    let mut tx = super::begin(pool).await?;
    sqlx::query("DELETE FROM saved_views WHERE user_id = $1 AND name = $2")
        .bind(user_id)
        .bind(&name)
        .execute(&mut *tx)
        .await?;
    let row = sqlx::query(
        "INSERT INTO saved_views (user_id, name, query, created_at) VALUES ($1, $2, $3, $4) RETURNING id, name, query",
    )
    .bind(user_id)
    .bind(&name)
    .bind(query)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(SavedView { id: row.try_get("id")?, name: row.try_get("name")?, query: row.try_get("query")? })
}

pub async fn saved_views(pool: &Pool, user_id: i64) -> Result<Vec<SavedView>, StoreError> {
    let rows = sqlx::query("SELECT id, name, query FROM saved_views WHERE user_id = $1 ORDER BY name")
        .bind(user_id)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| Ok(SavedView { id: r.try_get("id")?, name: r.try_get("name")?, query: r.try_get("query")? }))
        .collect()
}

pub async fn delete_view(pool: &Pool, user_id: i64, view_id: i64) -> Result<(), StoreError> {
    let done = sqlx::query("DELETE FROM saved_views WHERE id = $1 AND user_id = $2")
        .bind(view_id)
        .bind(user_id)
        .execute(pool)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(StoreError::not_found("saved_view", view_id));
    }
    Ok(())
}

// ----- uploads -----

/// Keeps an uploaded file for `user_id` and forgets those older than a day.
pub async fn save_upload(pool: &Pool, user_id: i64, file_name: &str, content: &[u8]) -> Result<i64, StoreError> {
    let at = now();
    sqlx::query("DELETE FROM uploads WHERE created_at < $1").bind(at - chrono::Duration::days(1)).execute(pool).await?;
    let row = sqlx::query(
        "INSERT INTO uploads (user_id, file_name, content, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(file_name)
    .bind(content)
    .bind(at)
    .fetch_one(pool)
    .await?;
    Ok(row.try_get(0)?)
}

/// The file `user_id` uploaded as `id`: (file name, content). Another user's upload is not found.
pub async fn upload(pool: &Pool, user_id: i64, id: i64) -> Result<(String, Vec<u8>), StoreError> {
    let row = sqlx::query("SELECT file_name, content FROM uploads WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::not_found("upload", id))?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

pub async fn delete_upload(pool: &Pool, id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM uploads WHERE id = $1").bind(id).execute(pool).await?;
    Ok(())
}

//! Signing in: passwords (hashed by the caller), sessions, API tokens, failed sign-ins, and the
//! user's own settings. Secrets arrive here already hashed; the store never sees them.

use super::*;
use crate::{ApiToken, SavedView};
use sqlx::AssertSqlSafe;

const USER_COLUMNS: &str = "id, username, display_name, role, team, active, created_at, lang";

pub async fn user_by_id(pool: &Pool, id: i64) -> Result<User, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::not_found("user", id))?;
    user_from_row(&row)
}

/// The user and their password hash (None when no password was ever set).
pub async fn credentials(pool: &Pool, username: &str) -> Result<Option<(User, Option<String>)>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS}, password_hash FROM users WHERE lower(username) = lower($1)"
    )))
    .bind(username.trim())
    .fetch_optional(pool)
    .await?;
    match row {
        Some(r) => Ok(Some((user_from_row(&r)?, r.try_get("password_hash")?))),
        None => Ok(None),
    }
}

/// Stores a new password hash and ends the user's other sessions, audited without the hash.
pub async fn set_password_hash(pool: &Pool, actor: Actor, user_id: i64, hash: &str) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(StoreError::not_found("user", user_id));
    }
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    audit(&mut tx, actor, "update", "user", Some(user_id), None, None, None, Some("password changed")).await?;
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

pub async fn create_session(
    pool: &Pool,
    token_hash: &str,
    user_id: i64,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let at = now();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)",
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

/// The active user a session belongs to, if the session exists and has not run out. When the
/// session was last seen more than `refresh_after` ago, its expiry moves to `new_expiry`.
pub async fn session_user(
    pool: &Pool,
    token_hash: &str,
    refresh_after: chrono::Duration,
    new_expiry: DateTime<Utc>,
) -> Result<Option<User>, StoreError> {
    let at = now();
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {}, s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active",
        USER_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
    )))
    .bind(token_hash)
    .bind(at)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let last_seen: DateTime<Utc> = row.try_get("last_seen_at")?;
    if at - last_seen > refresh_after {
        sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3")
            .bind(at)
            .bind(new_expiry)
            .bind(token_hash)
            .execute(pool)
            .await?;
    }
    Ok(Some(user_from_row(&row)?))
}

pub async fn delete_session(pool: &Pool, token_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
    Ok(())
}

// ----- failed sign-ins -----

pub async fn record_login_failure(pool: &Pool, username: &str) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO login_failures (username, at) VALUES ($1, $2)")
        .bind(username.trim().to_lowercase())
        .bind(now())
        .execute(pool)
        .await?;
    Ok(())
}

/// Failed sign-ins for `username` since `since`: how many, and the oldest one's time.
pub async fn login_failures_since(
    pool: &Pool,
    username: &str,
    since: DateTime<Utc>,
) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
    let row = sqlx::query("SELECT COUNT(*), MIN(at) FROM login_failures WHERE username = $1 AND at > $2")
        .bind(username.trim().to_lowercase())
        .bind(since)
        .fetch_one(pool)
        .await?;
    let count: i64 = row.try_get(0)?;
    let oldest: Option<DateTime<Utc>> = if count > 0 { row.try_get(1)? } else { None };
    Ok((count, oldest))
}

pub async fn clear_login_failures(pool: &Pool, username: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_failures WHERE username = $1")
        .bind(username.trim().to_lowercase())
        .execute(pool)
        .await?;
    Ok(())
}

// ----- API tokens -----

fn token_from_row(r: &Row) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        hint: r.try_get("hint")?,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

pub async fn create_api_token(
    pool: &Pool,
    user_id: i64,
    name: &str,
    token_hash: &str,
    hint: &str,
) -> Result<ApiToken, StoreError> {
    let mut v = Validation::default();
    let name = v.take(guanxi_domain::values::required_text(Field::DisplayName, name, 100));
    if !v.is_empty() {
        return Err(v.into());
    }
    let mut tx = super::begin(pool).await?;
    let row = sqlx::query(
        "INSERT INTO api_tokens (user_id, name, token_hash, hint, created_at) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id, name, hint, created_at, last_used_at, revoked_at",
    )
    .bind(user_id)
    .bind(name.unwrap_or_default())
    .bind(token_hash)
    .bind(hint)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    let token = token_from_row(&row)?;
    let after = serde_json::json!({"name": token.name, "hint": token.hint});
    audit(&mut tx, Actor(user_id), "create", "api_token", Some(token.id), None, None, Some(&after), None).await?;
    tx.commit().await?;
    Ok(token)
}

pub async fn api_tokens(pool: &Pool, user_id: i64) -> Result<Vec<ApiToken>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, name, hint, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id DESC",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(token_from_row).collect()
}

pub async fn revoke_api_token(pool: &Pool, user_id: i64, token_id: i64) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
            .bind(now())
            .bind(token_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if done == 0 {
        return Err(StoreError::not_found("api_token", token_id));
    }
    audit(&mut tx, Actor(user_id), "delete", "api_token", Some(token_id), None, None, None, None).await?;
    tx.commit().await?;
    Ok(())
}

/// The active user an unrevoked token belongs to; records when it was last used.
pub async fn api_token_user(pool: &Pool, token_hash: &str) -> Result<Option<User>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {}, t.id AS token_id FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active",
        USER_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
    )))
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let token_id: i64 = row.try_get("token_id")?;
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(now())
        .bind(token_id)
        .execute(pool)
        .await?;
    Ok(Some(user_from_row(&row)?))
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

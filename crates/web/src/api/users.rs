//! `/me` for everyone; `/users` for admins.

pub mod types;

use super::schema;
use super::{json, object};
use crate::AppState;
use crate::auth::{self, Action, Viewer};
use crate::error::AppError;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use guanxi_domain::Role;
use guanxi_store::{NewUser, User};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(list, create))
        .routes(routes!(update))
        .routes(routes!(tokens))
        .routes(routes!(revoke_token))
        .routes(routes!(audit))
}

fn user_json(u: &User) -> Value {
    json!({
        "id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role.code(),
        "team": u.team, "active": u.active, "lang": u.lang.code(),
    })
}

/// The caller
#[utoipa::path(get, path = "/me", tag = "users", responses((status = 200, body = types::User), (status = 401, body = schema::Problem)))]
async fn me(v: Viewer) -> Result<Response, AppError> {
    Ok(json(StatusCode::OK, user_json(&v.user)))
}

/// All users (admins)
#[utoipa::path(get, path = "/users", tag = "users", responses((status = 200, body = Vec<types::User>), (status = 403, body = schema::Problem)))]
async fn list(State(state): State<AppState>, v: Viewer) -> Result<Response, AppError> {
    v.may(Action::ManageUsers)?;
    let users: Vec<Value> =
        state.store().users().await?.iter().filter(|u| u.id != guanxi_store::Actor::SYSTEM.0).map(user_json).collect();
    Ok(json(StatusCode::OK, Value::Array(users)))
}

fn text<'a>(obj: &'a serde_json::Map<String, Value>, key: &str) -> Result<Option<&'a str>, AppError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(AppError::bad_request(format!("字段 {key} 应为文本"), format!("Field {key} must be a string"))),
    }
}

fn role(obj: &serde_json::Map<String, Value>) -> Result<Option<Role>, AppError> {
    match text(obj, "role")? {
        None => Ok(None),
        Some(r) => Role::parse(r).map(Some).ok_or_else(|| {
            let codes = Role::ALL.iter().map(|r| r.code()).collect::<Vec<_>>().join(", ");
            AppError::bad_request(
                format!("角色「{r}」无效，可选：{codes}"),
                format!("Invalid role {r:?}; one of {codes}"),
            )
        }),
    }
}

fn check_keys(obj: &serde_json::Map<String, Value>, allowed: &[&str]) -> Result<(), AppError> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(AppError::UnknownField(k.clone())),
        None => Ok(()),
    }
}

/// Add a user (admins); the response holds the initial password, once
#[utoipa::path(post, path = "/users", tag = "users", request_body = types::UserInput,
    responses((status = 201, body = types::NewUserCreated), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn create(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::ManageUsers)?;
    v.recently_authenticated()?;
    let obj = object(&body)?;
    check_keys(&obj, &["username", "display_name", "role", "team"])?;
    let new = NewUser {
        username: text(&obj, "username")?.unwrap_or("").to_string(),
        display_name: text(&obj, "display_name")?.unwrap_or("").to_string(),
        role: role(&obj)?.unwrap_or(Role::ReadOnly),
        team: text(&obj, "team")?.map(str::to_string),
    };
    let user = state.store().add_user(v.actor(), &new).await?;
    let password = auth::generated_password()?;
    let hash = auth::hash_password(password.clone()).await?;
    state.store().set_password_hash(v.actor(), user.id, &hash, true).await?;
    Ok(json(StatusCode::CREATED, json!({"user": user_json(&user), "password": password})))
}

/// Change a user (admins): display_name, role, team, active
#[utoipa::path(patch, path = "/users/{id}", tag = "users", params(("id" = i64, Path, description = "User id")),
    request_body = types::UserInput,
    responses((status = 200, body = types::User), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn update(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    v.may(Action::ManageUsers)?;
    v.recently_authenticated()?;
    let obj = object(&body)?;
    check_keys(&obj, &["display_name", "role", "team", "active"])?;
    let current = state.store().user_by_id(id).await?;
    let display = text(&obj, "display_name")?.unwrap_or(&current.display_name).to_string();
    let team = if obj.contains_key("team") { text(&obj, "team")?.map(str::to_string) } else { current.team.clone() };
    let mut user = state
        .store()
        .update_user(v.actor(), id, &display, role(&obj)?.unwrap_or(current.role), team.as_deref())
        .await?;
    match obj.get("active") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(active)) => {
            if id == v.user.id && !active {
                return Err(AppError::bad_request("不能停用自己的账号", "You cannot disable your own account"));
            }
            user = state.store().set_user_active(v.actor(), &user.username, *active).await?;
        }
        Some(_) => return Err(AppError::bad_request("active 应为 true 或 false", "active must be true or false")),
    }
    Ok(json(StatusCode::OK, user_json(&user)))
}

fn token_json(t: &guanxi_store::ApiToken) -> Value {
    json!({
        "id": t.id, "user": t.username, "name": t.name, "hint": t.hint, "scope": t.scope.code(),
        "created_at": t.created_at.to_rfc3339(), "last_used_at": t.last_used_at.map(|d| d.to_rfc3339()),
        "expires_at": t.expires_at.to_rfc3339(), "revoked_at": t.revoked_at.map(|d| d.to_rfc3339()),
    })
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
struct TokensQuery {
    /// Everyone's tokens (admins only); by default the caller's own.
    all: Option<bool>,
}

/// API tokens: the caller's own, or everyone's with `all=true` (admins)
#[utoipa::path(get, path = "/tokens", tag = "users", params(TokensQuery),
    responses((status = 200, body = Vec<types::ApiTokenInfo>), (status = 403, body = schema::Problem)))]
async fn tokens(
    State(state): State<AppState>,
    v: Viewer,
    axum::extract::Query(q): axum::extract::Query<TokensQuery>,
) -> Result<Response, AppError> {
    let owner = if q.all == Some(true) {
        v.may(Action::ManageUsers)?;
        None
    } else {
        Some(v.user.id)
    };
    let list: Vec<Value> = state.store().api_tokens(owner).await?.iter().map(token_json).collect();
    Ok(json(StatusCode::OK, Value::Array(list)))
}

/// Revoke an API token: one's own, or anyone's (admins)
#[utoipa::path(delete, path = "/tokens/{id}", tag = "users", params(("id" = i64, Path, description = "Token id")),
    responses((status = 204), (status = 404, body = schema::Problem)))]
async fn revoke_token(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    let owner = if auth::permits(&v.user, Action::ManageUsers).is_ok() { None } else { Some(v.user.id) };
    state.store().revoke_api_token(v.actor(), id, owner).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The audit log (admins), newest first
///
/// Every change with who made it and when, sign-ins (`login`, `login_failed`, `login_blocked`,
/// `logout`) and each token's first use of a day (`token_used`) with the client's address.
#[utoipa::path(get, path = "/audit", tag = "users", params(crate::pages::audit::AuditQuery),
    responses((status = 200, body = Vec<schema::AuditEntry>), (status = 400, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn audit(
    State(state): State<AppState>,
    v: Viewer,
    axum::extract::Query(q): axum::extract::Query<crate::pages::audit::AuditQuery>,
) -> Result<Response, AppError> {
    v.may(Action::ManageUsers)?;
    let entries = state.store().audit_entries(&q.filter()?).await?;
    Ok(json(StatusCode::OK, serde_json::to_value(entries).map_err(|e| AppError::Internal(e.to_string()))?))
}

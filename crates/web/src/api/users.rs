//! `/me` for everyone; `/users` for admins.

use super::schema;
use super::{json, object};
use crate::AppState;
use crate::auth::{self, Action, Viewer};
use crate::error::AppError;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use guanxi_domain::Role;
use guanxi_store::{NewUser, User};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me)).routes(routes!(list, create)).routes(routes!(update))
}

fn user_json(u: &User) -> Value {
    json!({
        "id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role.code(),
        "team": u.team, "active": u.active, "lang": u.lang.code(),
    })
}

/// The caller
#[utoipa::path(get, path = "/me", tag = "users", responses((status = 200, body = schema::User), (status = 401, body = schema::Problem)))]
async fn me(v: Viewer) -> Result<Response, AppError> {
    Ok(json(StatusCode::OK, user_json(&v.user)))
}

/// All users (admins)
#[utoipa::path(get, path = "/users", tag = "users", responses((status = 200, body = Vec<schema::User>), (status = 403, body = schema::Problem)))]
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
#[utoipa::path(post, path = "/users", tag = "users", request_body = schema::UserInput,
    responses((status = 201, body = schema::NewUserCreated), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn create(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::ManageUsers)?;
    let obj = object(&body)?;
    check_keys(&obj, &["username", "display_name", "role", "team"])?;
    let new = NewUser {
        username: text(&obj, "username")?.unwrap_or("").to_string(),
        display_name: text(&obj, "display_name")?.unwrap_or("").to_string(),
        role: role(&obj)?.unwrap_or(Role::SalesRep),
        team: text(&obj, "team")?.map(str::to_string),
    };
    let user = state.store().add_user(v.actor(), &new).await?;
    let password = auth::generated_password()?;
    let hash = auth::hash_password(password.clone()).await?;
    state.store().set_password_hash(v.actor(), user.id, &hash).await?;
    Ok(json(StatusCode::CREATED, json!({"user": user_json(&user), "password": password})))
}

/// Change a user (admins): display_name, role, team, active
#[utoipa::path(patch, path = "/users/{id}", tag = "users", params(("id" = i64, Path, description = "User id")),
    request_body = schema::UserInput,
    responses((status = 200, body = schema::User), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn update(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    v.may(Action::ManageUsers)?;
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

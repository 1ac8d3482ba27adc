//! The user's own account (language, password, API tokens) and, for admins, user management.

use crate::AppState;
use crate::auth::{self, Action, Viewer};
use crate::error::AppError;
use crate::html::{Chrome, Done, FormData, Nav, china_time, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guanxi_domain::{Field, Lang, Role, Validation};
use guanxi_store::{ApiToken, NewUser, StoreError, User};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(account))
        .route("/account/language", post(language))
        .route("/account/password", post(password))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
        .route("/users", get(users).post(add_user))
        .route("/users/{id}", post(update_user))
        .route("/users/{id}/active", post(set_active))
        .route("/users/{id}/password", post(reset_password))
}

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub hint: String,
    pub created: String,
    pub last_used: Option<String>,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    c: Chrome,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    password_error: Option<String>,
    token_error: Option<String>,
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

fn token_rows(tokens: Vec<ApiToken>) -> Vec<TokenRow> {
    tokens
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            hint: t.hint,
            created: china_time(&t.created_at),
            last_used: t.last_used_at.as_ref().map(china_time),
            revoked: t.revoked_at.is_some(),
        })
        .collect()
}

async fn account_page(
    state: &AppState,
    v: &Viewer,
    done: Option<&str>,
    new_token: Option<String>,
    password_error: Option<String>,
    token_error: Option<String>,
) -> Result<Response, AppError> {
    let tokens = token_rows(state.store().api_tokens(v.user.id).await?);
    let failed = password_error.is_some() || token_error.is_some();
    let c = Chrome::new(v, Nav::Account, done, "/account".into());
    let mut r = render(&AccountPage { c, tokens, new_token, password_error, token_error });
    if failed {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn account(State(state): State<AppState>, v: Viewer, Query(q): Query<DoneQuery>) -> Result<Response, AppError> {
    account_page(&state, &v, q.done.as_deref(), None, None, None).await
}

/// Only a path on this site, so the switch cannot send anyone elsewhere.
fn back_to(s: &str) -> String {
    if s.starts_with('/') && !s.starts_with("//") && !s.starts_with("/\\") {
        s.to_string()
    } else {
        "/customers".into()
    }
}

async fn language(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    let form = FormData::parse(&body)?;
    let lang = Lang::parse(form.get("lang")).ok_or_else(|| {
        AppError::bad_request(
            format!("不支持的语言「{}」", form.get("lang")),
            format!("Unsupported language {:?}", form.get("lang")),
        )
    })?;
    state.store().set_user_lang(v.user.id, lang).await?;
    Ok(Redirect::to(&back_to(form.get("back"))).into_response())
}

async fn password(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    let form = FormData::parse(&body)?;
    let t = T(v.lang());
    let hash = state.store().credentials(&v.user.username).await?.and_then(|(_, h)| h);
    if !auth::verify_password(form.get("current").to_string(), hash).await {
        return account_page(&state, &v, None, None, Some(t.current_password_wrong().into()), None).await;
    }
    let new = form.get("new").to_string();
    if let Err(m) = auth::check_password_rules(&new, v.lang()) {
        return account_page(&state, &v, None, None, Some(m), None).await;
    }
    let hash = auth::hash_password(new).await?;
    state.store().set_password_hash(v.actor(), v.user.id, &hash).await?;
    // Changing the password signs out every session, this one included; sign this one back in.
    let token = auth::random_secret(32)?;
    state
        .store()
        .create_session(&auth::secret_hash(&token), v.user.id, chrono::Utc::now() + auth::SESSION_IDLE)
        .await?;
    let mut r = Redirect::to(&format!("/account?done={}", Done::PasswordChanged.code())).into_response();
    r.headers_mut().append(
        axum::http::header::SET_COOKIE,
        super::session_cookie(&state, &token, auth::SESSION_IDLE.num_seconds()),
    );
    Ok(r)
}

async fn create_token(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    let form = FormData::parse(&body)?;
    let secret = format!("gx_{}", auth::random_secret(24)?);
    let hint = secret[secret.len() - 4..].to_string();
    match state.store().create_api_token(v.user.id, form.get("name"), &auth::secret_hash(&secret), &hint).await {
        Ok(_) => account_page(&state, &v, None, Some(secret), None, None).await,
        Err(StoreError::Invalid(e)) => account_page(&state, &v, None, None, None, Some(e.message(v.lang()))).await,
        Err(e) => Err(e.into()),
    }
}

async fn revoke_token(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    state.store().revoke_api_token(v.user.id, id).await?;
    Ok(Redirect::to(&format!("/account?done={}", Done::Removed.code())).into_response())
}

// ----- users (admins) -----

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    c: Chrome,
    users: Vec<User>,
    roles: Vec<(String, String)>,
    created: Option<(String, String)>,
    error: Option<String>,
    typed: (String, String, String, String),
}

async fn users_page(
    state: &AppState,
    v: &Viewer,
    done: Option<&str>,
    created: Option<(String, String)>,
    error: Option<String>,
    typed: (String, String, String, String),
) -> Result<Response, AppError> {
    let users = state.store().users().await?.into_iter().filter(|u| u.id != guanxi_store::Actor::SYSTEM.0).collect();
    let lang = v.lang();
    let roles = Role::ALL.iter().map(|r| (r.code().to_string(), r.label(lang).to_string())).collect();
    let failed = error.is_some();
    let c = Chrome::new(v, Nav::Users, done, "/users".into());
    let mut r = render(&UsersPage { c, users, roles, created, error, typed });
    if failed {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn users(State(state): State<AppState>, v: Viewer, Query(q): Query<DoneQuery>) -> Result<Response, AppError> {
    v.may(Action::ManageUsers)?;
    users_page(&state, &v, q.done.as_deref(), None, None, Default::default()).await
}

fn role_of(s: &str) -> Result<Role, Validation> {
    Role::parse(s).ok_or_else(|| {
        let mut v = Validation::default();
        v.push(guanxi_domain::Field::Role, s, guanxi_domain::Problem::Required);
        v
    })
}

async fn add_user(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::ManageUsers)?;
    let form = FormData::parse(&body)?;
    let typed = (
        form.get("username").to_string(),
        form.get("display_name").to_string(),
        form.get("role").to_string(),
        form.get("team").to_string(),
    );
    let role = match role_of(form.get("role")) {
        Ok(r) => r,
        Err(e) => return users_page(&state, &v, None, None, Some(e.message(v.lang())), typed).await,
    };
    let team = Some(form.get("team").to_string()).filter(|t| !t.trim().is_empty());
    let new = NewUser { username: typed.0.clone(), display_name: typed.1.clone(), role, team };
    match state.store().add_user(v.actor(), &new).await {
        Ok(user) => {
            let password = auth::generated_password()?;
            let hash = auth::hash_password(password.clone()).await?;
            state.store().set_password_hash(v.actor(), user.id, &hash).await?;
            users_page(&state, &v, None, Some((user.username, password)), None, Default::default()).await
        }
        Err(StoreError::Invalid(e)) => users_page(&state, &v, None, None, Some(e.message(v.lang())), typed).await,
        Err(e) => Err(e.into()),
    }
}

async fn update_user(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    v.may(Action::ManageUsers)?;
    let form = FormData::parse(&body)?;
    let role = role_of(form.get("role"))?;
    let team = Some(form.get("team")).filter(|t| !t.trim().is_empty());
    match state.store().update_user(v.actor(), id, form.get("display_name"), role, team).await {
        Ok(_) => Ok(Redirect::to(&format!("/users?done={}", Done::Saved.code())).into_response()),
        Err(StoreError::Invalid(e)) => {
            users_page(&state, &v, None, None, Some(e.message(v.lang())), Default::default()).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn set_active(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    v.may(Action::ManageUsers)?;
    let form = FormData::parse(&body)?;
    let user = state.store().user_by_id(id).await?;
    if user.id == v.user.id {
        return Err(AppError::bad_request("不能停用自己的账号", "You cannot disable your own account"));
    }
    state.store().set_user_active(v.actor(), &user.username, form.get("active") == "true").await?;
    Ok(Redirect::to(&format!("/users?done={}", Done::Saved.code())).into_response())
}

async fn reset_password(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    v.may(Action::ManageUsers)?;
    let user = state.store().user_by_id(id).await?;
    let password = auth::generated_password()?;
    let hash = auth::hash_password(password.clone()).await?;
    state.store().set_password_hash(v.actor(), user.id, &hash).await?;
    users_page(&state, &v, None, Some((user.username, password)), None, Default::default()).await
}

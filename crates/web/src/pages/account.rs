//! The user's own account (language, password, API tokens) and, for admins, user management.

use crate::AppState;
use crate::auth::{self, Action, ClientAddr, Viewer};
use crate::error::AppError;
use crate::html::{Chrome, Done, FormData, Nav, china_time, local_or_home, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guanxi_domain::{Field, Lang, Role, Validation};
use guanxi_store::{ApiToken, NewUser, StoreError, TokenScope, User};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(account))
        .route("/account/language", post(language))
        .route("/account/password", post(password))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
        .route("/reauth", get(reauth_page).post(reauth))
        .route("/users", get(users).post(add_user))
        .route("/users/{id}", post(update_user))
        .route("/users/{id}/active", post(set_active))
        .route("/users/{id}/password", post(reset_password))
        .route("/users/tokens/{id}/revoke", post(admin_revoke_token))
        .route("/settings/public-url", post(save_public_url))
}

pub struct TokenRow {
    pub id: i64,
    pub owner: String,
    pub name: String,
    pub hint: String,
    pub created: String,
    pub last_used: Option<String>,
    pub expires: String,
    pub read_only: bool,
    /// Revoked or run out: shown for the record, no longer usable.
    pub dead: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    c: Chrome,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    password_error: Option<String>,
    token_error: Option<String>,
    must_change: bool,
    lifetimes: Vec<(i64, String)>,
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

#[derive(Deserialize)]
struct AccountQuery {
    done: Option<String>,
    must_change: Option<String>,
}

/// How long a new token may live, in days; the first is the default.
pub const TOKEN_LIFETIMES: [i64; 4] = [90, 30, 180, 365];

pub fn token_rows(t: T, tokens: Vec<ApiToken>) -> Vec<TokenRow> {
    let now = chrono::Utc::now();
    tokens
        .into_iter()
        .map(|tk| TokenRow {
            dead: if tk.revoked_at.is_some() {
                Some(t.revoked())
            } else if tk.expires_at <= now {
                Some(t.expired())
            } else {
                None
            },
            id: tk.id,
            owner: tk.username,
            name: tk.name,
            hint: tk.hint,
            created: china_time(&tk.created_at),
            last_used: tk.last_used_at.as_ref().map(china_time),
            expires: china_time(&tk.expires_at),
            read_only: tk.scope == TokenScope::Read,
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
    let t = T(v.lang());
    let tokens = token_rows(t, state.store().api_tokens(Some(v.user.id)).await?);
    let failed = password_error.is_some() || token_error.is_some();
    let c = Chrome::new(v, Nav::Account, done, "/account".into());
    let lifetimes = TOKEN_LIFETIMES.iter().map(|d| (*d, t.days_n(*d))).collect();
    let must_change = v.user.must_change_password;
    let mut r = render(&AccountPage { c, tokens, new_token, password_error, token_error, must_change, lifetimes });
    if failed {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn account(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<AccountQuery>,
) -> Result<Response, AppError> {
    let _ = q.must_change;
    account_page(&state, &v, q.done.as_deref(), None, None, None).await
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
    Ok(Redirect::to(&local_or_home(form.get("back"))).into_response())
}

/// Changing one's own password: the current one first, then the rules for the new one (which
/// may not be the current one again). It ends every session and revokes every API token
/// (F-07); this browser is signed in again at once.
async fn password(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    let form = FormData::parse(&body)?;
    let t = T(v.lang());
    let hash = state.store().credentials(&v.user.username).await?.and_then(|(_, h)| h);
    if !auth::verify_password(form.get("current").to_string(), hash).await? {
        return account_page(&state, &v, None, None, Some(t.current_password_wrong().into()), None).await;
    }
    let new = form.get("new").to_string();
    if let Err(m) = auth::check_password_rules(&new, &v.user.username, v.lang()) {
        return account_page(&state, &v, None, None, Some(m), None).await;
    }
    if new == form.get("current") {
        return account_page(&state, &v, None, None, Some(t.password_same().into()), None).await;
    }
    let hash = auth::hash_password(new).await?;
    state.store().set_password_hash(v.actor(), v.user.id, &hash, false).await?;
    super::start_session(&state, v.user.id, &format!("/account?done={}", Done::PasswordChanged.code())).await
}

async fn create_token(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    let form = FormData::parse(&body)?;
    let t = T(v.lang());
    let days = match form.get("days").trim() {
        "" => TOKEN_LIFETIMES[0],
        d => match d.parse::<i64>() {
            Ok(d) if TOKEN_LIFETIMES.contains(&d) => d,
            _ => return account_page(&state, &v, None, None, None, Some(t.token_lifetime_invalid().into())).await,
        },
    };
    let scope = match form.get("scope").trim() {
        "" => TokenScope::Full,
        s => match TokenScope::parse(s) {
            Some(s) => s,
            None => return account_page(&state, &v, None, None, None, Some(t.token_scope_invalid().into())).await,
        },
    };
    let secret = format!("gx_{}", auth::random_secret(24)?);
    let hint = secret[secret.len() - 4..].to_string();
    let expires = chrono::Utc::now() + chrono::Duration::days(days);
    match state
        .store()
        .create_api_token(v.user.id, form.get("name"), &auth::secret_hash(&secret), &hint, expires, scope)
        .await
    {
        Ok(_) => account_page(&state, &v, None, Some(secret), None, None).await,
        Err(StoreError::Invalid(e)) => account_page(&state, &v, None, None, None, Some(e.message(v.lang()))).await,
        Err(e) => Err(e.into()),
    }
}

async fn revoke_token(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    state.store().revoke_api_token(v.actor(), id, Some(v.user.id)).await?;
    Ok(Redirect::to(&format!("/account?done={}", Done::Removed.code())).into_response())
}

// ----- entering the password again -----

#[derive(Template)]
#[template(path = "reauth.html")]
struct ReauthPage {
    c: Chrome,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn reauth_page(v: Viewer, Query(q): Query<NextQuery>) -> Result<Response, AppError> {
    let next = local_or_home(q.next.as_deref().unwrap_or("/users"));
    Ok(render(&ReauthPage { c: Chrome::new(&v, Nav::Users, None, "/reauth".into()), next, error: None }))
}

/// The password entered again: the session counts as freshly signed in for a few minutes.
async fn reauth(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    v: Viewer,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = FormData::parse(&body)?;
    let next = local_or_home(form.get("next"));
    let auth::Via::Session { hash: session, .. } = &v.via else { return Ok(Redirect::to(&next).into_response()) };
    let stored = state.store().credentials(&v.user.username).await?.and_then(|(_, h)| h);
    if !auth::verify_password(form.get("password").to_string(), stored).await? {
        state.store().audit_event(v.actor(), "reauth_failed", "user", Some(v.user.id), None, &client).await?;
        let error = Some(T(v.lang()).current_password_wrong().to_string());
        let mut r = render(&ReauthPage { c: Chrome::new(&v, Nav::Users, None, "/reauth".into()), next, error });
        *r.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
        return Ok(r);
    }
    state.store().reauthenticate_session(session).await?;
    Ok(Redirect::to(&next).into_response())
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
    tokens: Vec<TokenRow>,
    /// The public address now (set or this server's), whether it was set, and a refused entry
    /// with why.
    public_url: (String, bool),
    public_failed: Option<(String, String)>,
}

impl UsersPage {
    /// The public address is one customers outside the company cannot open.
    fn public_inside(&self) -> bool {
        guanxi_domain::values::is_inside_address(&self.public_url.0)
    }
}

/// Managing users: admins only, with the password entered in the last minutes (F-13).
fn may_manage_users(v: &Viewer) -> Result<(), AppError> {
    v.may(Action::ManageUsers)?;
    v.recently_authenticated()
}

async fn users_page(
    state: &AppState,
    v: &Viewer,
    done: Option<&str>,
    created: Option<(String, String)>,
    error: Option<String>,
    typed: (String, String, String, String),
) -> Result<Response, AppError> {
    users_page_with(state, v, done, created, error, typed, None).await
}

#[allow(clippy::too_many_arguments)]
async fn users_page_with(
    state: &AppState,
    v: &Viewer,
    done: Option<&str>,
    created: Option<(String, String)>,
    error: Option<String>,
    typed: (String, String, String, String),
    public_failed: Option<(String, String)>,
) -> Result<Response, AppError> {
    let users = state.store().users().await?.into_iter().filter(|u| u.id != guanxi_store::Actor::SYSTEM.0).collect();
    let lang = v.lang();
    let roles = Role::ALL.iter().map(|r| (r.code().to_string(), r.label(lang).to_string())).collect();
    let tokens = token_rows(T(lang), state.store().api_tokens(None).await?);
    let failed = error.is_some() || public_failed.is_some();
    let public_url = state.public_base().await?;
    let c = Chrome::new(v, Nav::Users, done, "/users".into());
    // A new colleague gets the least power until someone chooses more.
    let typed = if typed.2.is_empty() { (typed.0, typed.1, Role::ReadOnly.code().to_string(), typed.3) } else { typed };
    let mut r = render(&UsersPage { c, users, roles, created, error, typed, tokens, public_url, public_failed });
    if failed {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn users(State(state): State<AppState>, v: Viewer, Query(q): Query<DoneQuery>) -> Result<Response, AppError> {
    may_manage_users(&v)?;
    users_page(&state, &v, q.done.as_deref(), None, None, Default::default()).await
}

fn role_of(s: &str) -> Result<Role, Validation> {
    Role::parse(s).ok_or_else(|| {
        let mut v = Validation::default();
        let codes = Role::ALL.iter().map(|r| r.code().to_string()).collect();
        v.push(guanxi_domain::Field::Role, s, guanxi_domain::Problem::UnknownChoice { allowed: codes });
        v
    })
}

/// A new user, with a generated password shown once that they must replace at the first sign-in.
async fn add_user(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    may_manage_users(&v)?;
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
            state.store().set_password_hash(v.actor(), user.id, &hash, true).await?;
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
    may_manage_users(&v)?;
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

/// Disabling a user ends their sessions and revokes their tokens (F-13); enabling revives none.
async fn set_active(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    may_manage_users(&v)?;
    let form = FormData::parse(&body)?;
    let user = state.store().user_by_id(id).await?;
    if user.id == v.user.id {
        return Err(AppError::bad_request("不能停用自己的账号", "You cannot disable your own account"));
    }
    state.store().set_user_active(v.actor(), &user.username, form.get("active") == "true").await?;
    Ok(Redirect::to(&format!("/users?done={}", Done::Saved.code())).into_response())
}

/// A new generated password for a user (shown once, to be changed at their next sign-in); it
/// ends their sessions and revokes their tokens. Never for the built-in `system` (409).
async fn reset_password(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    may_manage_users(&v)?;
    let user = state.store().user_by_id(id).await?;
    if user.id == guanxi_store::Actor::SYSTEM.0 {
        return Err(StoreError::conflict(
            "内置的 system 用户不能登录，不能设置密码",
            "the built-in system user cannot sign in and cannot have a password",
        )
        .into());
    }
    let password = auth::generated_password()?;
    let hash = auth::hash_password(password.clone()).await?;
    state.store().set_password_hash(v.actor(), user.id, &hash, true).await?;
    users_page(&state, &v, None, Some((user.username, password)), None, Default::default()).await
}

/// An admin revokes anyone's API token.
async fn admin_revoke_token(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    may_manage_users(&v)?;
    state.store().revoke_api_token(v.actor(), id, None).await?;
    Ok(Redirect::to(&format!("/users?done={}#tokens", Done::Removed.code())).into_response())
}

/// The public address every link that leaves Guanxi starts with (issue #22), set by an admin.
async fn save_public_url(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    may_manage_users(&v)?;
    let form = FormData::parse(&body)?;
    let typed = form.get("public_url").to_string();
    match state.store().save_public_url(v.actor(), &typed).await {
        Ok(_) => Ok(Redirect::to(&format!("/users?done={}#public-url", Done::SettingsSaved.code())).into_response()),
        Err(StoreError::Invalid(e)) => {
            users_page_with(&state, &v, None, None, None, Default::default(), Some((typed, e.message(v.lang())))).await
        }
        Err(e) => Err(e.into()),
    }
}

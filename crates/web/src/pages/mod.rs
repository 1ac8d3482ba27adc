//! The HTML pages. Each works without JavaScript: links and forms, a redirect after every
//! successful post (with a one-time notice), the form shown again with its errors otherwise.

pub mod account;
pub mod competitors;
pub mod customers;
pub mod form;
pub mod health;
pub mod orders;
pub mod people;
pub mod reports;
pub mod sales;
pub mod sales_settings;
pub mod surveys;
pub mod transfer;
pub mod value;
pub mod winback;

use crate::AppState;
use crate::auth::{self, LANG_COOKIE, SESSION_COOKIE, Viewer};
use crate::error::AppError;
use crate::html::{FormData, render, url_encode};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guanxi_domain::{Field, Lang};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/customers") }))
        .route("/assets/style.css", get(style))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .merge(customers::router())
        .merge(people::router())
        .merge(health::router())
        .merge(surveys::router())
        .merge(winback::router())
        .merge(account::router())
        .merge(transfer::router())
        .merge(value::router())
        .merge(orders::router())
        .merge(sales::router())
        .merge(reports::router())
        .merge(sales_settings::router())
        .merge(competitors::router())
}

async fn style() -> Response {
    let mut r = include_str!("../../assets/style.css").into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    r
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub t: T,
    pub title: &'static str,
    pub message: String,
    pub signed_in: bool,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: T,
    message: Option<String>,
    username: String,
    next: String,
    next_encoded: String,
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
    lang: Option<String>,
    expired: Option<String>,
}

/// Only a path on this site: `next` must not send the user elsewhere after signing in.
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n.to_string(),
        _ => "/customers".to_string(),
    }
}

fn login_form(t: T, message: Option<String>, username: String, next: String) -> LoginPage {
    let next_encoded = url_encode(&next);
    LoginPage { t, message, username, next, next_encoded }
}

async fn login_page(viewer: Option<Viewer>, headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let next = local_path(q.next.as_deref());
    if viewer.is_some() {
        return Redirect::to(&next).into_response();
    }
    let chosen = q.lang.as_deref().and_then(Lang::parse);
    let lang = chosen.unwrap_or_else(|| auth::anonymous_lang(&headers));
    let t = T(lang);
    let message = q.expired.map(|_| t.session_expired().to_string());
    let mut r = render(&login_form(t, message, String::new(), next));
    if let Some(l) = chosen {
        let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", l.code());
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

pub(crate) fn session_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config().secure_cookies { "; Secure" } else { "" };
    let c = format!("{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

async fn login(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, AppError> {
    let form = FormData::parse(&body)?;
    let t = T(auth::anonymous_lang(&headers));
    let username = form.get("username").trim().to_string();
    let next = local_path(Some(form.get("next")));
    let store = state.store();
    let again = |message: String, status| {
        let mut r = render(&login_form(t, Some(message), username.clone(), next.clone()));
        *r.status_mut() = status;
        r
    };
    let (failures, oldest) = store.login_failures_since(&username, chrono::Utc::now() - auth::LOGIN_WINDOW).await?;
    if failures >= auth::LOGIN_ATTEMPTS {
        let wait = oldest.map(|o| (o + auth::LOGIN_WINDOW - chrono::Utc::now()).num_minutes() + 1).unwrap_or(15);
        let e = AppError::TooManyAttempts { minutes: wait.max(1) };
        return Ok(again(e.message(t.lang()), e.status()));
    }
    let found = store.credentials(&username).await?;
    let (user, hash) = match found {
        Some((u, h)) if u.active => (Some(u), h),
        _ => (None, None),
    };
    if !auth::verify_password(form.get("password").to_string(), hash).await {
        store.record_login_failure(&username).await?;
        return Ok(again(t.wrong_login().into(), axum::http::StatusCode::UNAUTHORIZED));
    }
    let Some(user) = user else { return Ok(again(t.wrong_login().into(), axum::http::StatusCode::UNAUTHORIZED)) };
    store.clear_login_failures(&username).await?;
    let token = auth::random_secret(32)?;
    store.create_session(&auth::secret_hash(&token), user.id, chrono::Utc::now() + auth::SESSION_IDLE).await?;
    let mut r = Redirect::to(&next).into_response();
    r.headers_mut().append(header::SET_COOKIE, session_cookie(&state, &token, auth::SESSION_IDLE.num_seconds()));
    Ok(r)
}

async fn logout(State(state): State<AppState>, viewer: Option<Viewer>) -> Result<Response, AppError> {
    if let Some(Viewer { via: auth::Via::Session(hash), .. }) = viewer {
        state.store().delete_session(&hash).await?;
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().append(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(r)
}

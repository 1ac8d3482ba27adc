//! The HTML pages. Each works without JavaScript: links and forms, a redirect after every
//! successful post (with a one-time notice), the form shown again with its errors otherwise.

pub mod account;
pub mod approvals;
pub mod archive;
pub mod audit;
pub mod cadence_pause;
pub mod cadences;
pub mod competitors;
pub mod customers;
pub mod deal;
pub mod deal_actions;
pub mod form;
pub mod greetings;
pub mod health;
pub mod history;
pub mod import;
pub mod letters;
pub mod messaging;
pub mod notifications;
pub mod optout;
pub mod orders;
pub mod outbox;
pub mod people;
pub mod referrals;
pub mod reports;
pub mod sales;
pub mod sales_settings;
pub mod surveys;
pub mod tasks;
pub mod today;
pub mod transfer;
pub mod value;
pub mod winback;

use crate::AppState;
use crate::auth::{self, ClientAddr, DEVICE_COOKIE, LANG_COOKIE, Viewer};
use crate::error::AppError;
use crate::html::{FormData, local_or_home, render, url_encode};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guanxi_domain::{Field, Lang};
use guanxi_store::Actor;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/today") }))
        .route("/assets/style.css", get(style))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .merge(customers::router())
        .merge(tasks::router())
        .merge(outbox::router())
        .merge(letters::router())
        .merge(approvals::router())
        .merge(cadences::router())
        .merge(optout::router())
        .merge(messaging::router())
        .merge(greetings::router())
        .merge(cadence_pause::router())
        .merge(notifications::router())
        .merge(today::router())
        .merge(history::router())
        .merge(people::router())
        .merge(health::router())
        .merge(surveys::router())
        .merge(winback::router())
        .merge(account::router())
        .merge(audit::router())
        .merge(import::router())
        .merge(transfer::router())
        .merge(value::router())
        .merge(orders::router())
        .merge(sales::router())
        .merge(deal_actions::router())
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

fn login_form(t: T, message: Option<String>, username: String, next: String) -> LoginPage {
    let next_encoded = url_encode(&next);
    LoginPage { t, message, username, next, next_encoded }
}

async fn login_page(viewer: Option<Viewer>, headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let next = local_or_home(q.next.as_deref().unwrap_or(""));
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

/// The session cookie: `__Host-` prefixed and Secure over HTTPS, HttpOnly, SameSite=Lax, for as
/// long as the session may last at most.
pub(crate) fn session_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let name = auth::session_cookie_name(state);
    let secure = if state.config().secure_cookies { "; Secure" } else { "" };
    let c = format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn device_cookie(state: &AppState, value: &str) -> HeaderValue {
    let secure = if state.config().secure_cookies { "; Secure" } else { "" };
    let c = format!("{DEVICE_COOKIE}={value}; Path=/login; Max-Age=15552000; HttpOnly; SameSite=Strict{secure}");
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Starts a session for `user` (who just entered their password) and answers with its cookie.
pub(crate) async fn start_session(state: &AppState, user_id: i64, to: &str) -> Result<Response, AppError> {
    let token = auth::random_secret(32)?;
    let policy = state.config().sessions;
    state.store().create_session(&auth::secret_hash(&token), user_id, chrono::Utc::now() + policy.idle).await?;
    let mut r = Redirect::to(to).into_response();
    r.headers_mut().append(header::SET_COOKIE, session_cookie(state, &token, policy.absolute.num_seconds()));
    Ok(r)
}

/// Signing in (F-04, F-05, F-12 of the security review): an impossible username or password is
/// refused before any write or hash; each attempt is reserved on three throttle keys — the
/// account and this client together, this client alone (password spraying), and the account
/// from anywhere (skipped for a browser that signed in as this user before, so strangers cannot
/// lock its owner out) — before the password is checked; the check waits for a hashing turn;
/// every outcome is a security event in the audit log with the client's address.
async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = FormData::parse(&body)?;
    let t = T(auth::anonymous_lang(&headers));
    let typed = form.get("username").trim().to_string();
    let next = local_or_home(form.get("next"));
    let store = state.store();
    let shown: String = typed.chars().take(guanxi_domain::error::USERNAME_MAX).collect();
    let again = |message: String, status| {
        let mut r = render(&login_form(t, Some(message), shown.clone(), next.clone()));
        *r.status_mut() = status;
        r
    };
    let password = form.get("password").to_string();
    if !guanxi_domain::values::is_username(&typed) || password.chars().count() > guanxi_domain::password::MAX {
        return Ok(again(t.wrong_login().into(), StatusCode::UNAUTHORIZED));
    }
    let username = typed.to_lowercase();
    let limits = &state.config().sign_in;
    let known_device = match auth::cookie(&headers, DEVICE_COOKIE) {
        Some(d) => store.is_known_device(&auth::secret_hash(d), &username).await?,
        None => false,
    };
    let pair = format!("pair:{username}|{client}");
    let mut keys = vec![(pair.clone(), limits.pair), (format!("client:{client}"), limits.client)];
    if !known_device {
        keys.push((format!("account:{username}"), limits.account));
    }
    if let Err((until, started)) = store.reserve_sign_in(&keys).await? {
        if started {
            store.audit_event(Actor::SYSTEM, "login_blocked", "user", None, Some(&username), &client).await?;
        }
        let minutes = ((until - chrono::Utc::now()).num_seconds() + 59) / 60;
        let e = AppError::TooManyAttempts { minutes: minutes.max(1) };
        let mut r = again(e.message(t.lang()), e.status());
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(minutes.max(1) * 60));
        return Ok(r);
    }
    let key_names: Vec<String> = keys.iter().map(|(k, _)| k.clone()).collect();
    let (user, hash) = match store.credentials(&username).await? {
        Some((u, h)) if u.active => (Some(u), h),
        _ => (None, None),
    };
    let ok = match auth::verify_password(password, hash).await {
        Ok(ok) => ok,
        Err(e) => {
            // No turn to check the password: the attempt was not made.
            store.release_sign_in(&key_names, &[]).await?;
            return Err(e);
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        store.audit_event(Actor::SYSTEM, "login_failed", "user", None, Some(&username), &client).await?;
        return Ok(again(t.wrong_login().into(), StatusCode::UNAUTHORIZED));
    };
    let account = format!("account:{username}");
    store.release_sign_in(&key_names, &[pair, account]).await?;
    store.audit_event(Actor(user.id), "login", "user", Some(user.id), None, &client).await?;
    let to = if user.must_change_password { "/account?must_change=1".to_string() } else { next };
    let mut r = start_session(&state, user.id, &to).await?;
    if !known_device {
        let device = auth::random_secret(24)?;
        store.add_known_device(&auth::secret_hash(&device), user.id).await?;
        r.headers_mut().append(header::SET_COOKIE, device_cookie(&state, &device));
    }
    Ok(r)
}

async fn logout(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    viewer: Option<Viewer>,
) -> Result<Response, AppError> {
    if let Some(v) = &viewer
        && let auth::Via::Session { hash, .. } = &v.via
    {
        state.store().delete_session(hash).await?;
        state.store().audit_event(v.actor(), "logout", "user", Some(v.user.id), None, &client).await?;
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().append(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(r)
}

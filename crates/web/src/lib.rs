//! The web app of Guanxi: one axum router serving the HTML pages (server-rendered, no
//! JavaScript needed) and the JSON API under `/api/v1`, with the OpenAPI document generated
//! from the API's handlers.
//!
//! Every request passes [`context`]: it refuses cross-site writes, finds out who is asking
//! (session cookie or API token), and renders any error the handler returned as a page or as
//! `application/problem+json` in the viewer's language.

pub mod api;
pub mod auth;
pub mod error;
pub mod html;
pub mod i18n;
pub mod pages;
pub mod survey_link;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use error::{AppError, Marker};
use guanxi_domain::{Lang, Role};
use guanxi_store::{Actor, NewUser, Store};
use std::sync::Arc;

/// Settings of a running server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Mark cookies `Secure` (when served over HTTPS behind a proxy).
    pub secure_cookies: bool,
    /// The largest request body accepted, in bytes (uploads included).
    pub max_body: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config { secure_cookies: false, max_body: 20 * 1024 * 1024 }
    }
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    store: Store,
    config: Config,
    openapi: String,
    /// Wakes the job worker when a job is queued (see `serve`).
    jobs: Arc<tokio::sync::Notify>,
}

impl AppState {
    pub fn store(&self) -> &Store {
        &self.0.store
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// Tells the job worker that a job is waiting.
    pub fn wake_jobs(&self) {
        self.0.jobs.notify_one();
    }
}

/// The whole app: pages, API, assets, behind the [`context`] middleware.
pub fn app(store: Store, config: Config) -> Router {
    app_with_jobs(store, config, Arc::new(tokio::sync::Notify::new()))
}

fn app_with_jobs(store: Store, config: Config, jobs: Arc<tokio::sync::Notify>) -> Router {
    let (api_router, openapi) = api::router();
    let openapi = openapi.to_pretty_json().unwrap_or_default();
    let max_body = config.max_body;
    let state = AppState(Arc::new(Inner { store, config, openapi, jobs }));
    Router::new()
        .merge(pages::router())
        .nest("/api/v1", api_router)
        .route("/api/v1/openapi.json", axum::routing::get(openapi_json))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), context))
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state)
}

async fn openapi_json(State(state): State<AppState>) -> Response {
    let mut r = state.0.openapi.clone().into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

async fn not_found() -> AppError {
    AppError::NotFound
}

/// Is this unsafe request from one of our own pages? Browsers send `Sec-Fetch-Site` (and
/// `Origin`) with every form post and fetch; a request carrying neither, with a cookie, is
/// refused, since it cannot be told apart from a forged one.
fn same_origin(req: &Request) -> bool {
    let h = req.headers();
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin" || site == "none";
    }
    let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return false };
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

/// See the crate documentation.
pub async fn context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let here = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
    let bearer = req.headers().contains_key(header::AUTHORIZATION);
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut lang = auth::anonymous_lang(req.headers());
    let mut signed_in = false;
    let result = if !safe && !bearer && !same_origin(&req) {
        Err(AppError::CrossSite)
    } else {
        match auth::identify(&state, req.headers()).await {
            Ok(Some(viewer)) => {
                lang = viewer.lang();
                signed_in = true;
                req.extensions_mut().insert(viewer);
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => Err(e),
        }
    };
    let mut response = match result {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    };
    if let Some(Marker(err)) = response.extensions_mut().remove::<Marker>() {
        // An API client may ask for its language per request.
        response =
            if api { error::api_response(&err, lang) } else { error::page_response(&err, lang, &here, signed_in) };
    }
    let h = response.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// On a database where nobody can sign in yet, creates an admin with a generated password and
/// returns (username, password) so that the caller can print them once.
pub async fn ensure_admin(store: &Store) -> Result<Option<(String, String)>, AppError> {
    for u in store.users().await? {
        if u.active && u.id != Actor::SYSTEM.0 && store.credentials(&u.username).await?.and_then(|(_, h)| h).is_some() {
            return Ok(None);
        }
    }
    let existing = store.user_by_username("admin").await?;
    let user = match existing {
        Some(u) if u.role == Role::Admin && u.active => u,
        Some(_) => {
            return Err(AppError::Internal(
                "a user named admin exists but is not an active admin; set a password with `guanxi user passwd`".into(),
            ));
        }
        None => {
            let new =
                NewUser { username: "admin".into(), display_name: "管理员".into(), role: Role::Admin, team: None };
            store.add_user(Actor::SYSTEM, &new).await?
        }
    };
    let password = auth::generated_password()?;
    let hash = auth::hash_password(password.clone()).await?;
    store.set_password_hash(Actor::SYSTEM, user.id, &hash).await?;
    Ok(Some((user.username, password)))
}

/// Sets `username`'s password (hashing it with Argon2id), for `guanxi user passwd`.
pub async fn set_password(store: &Store, actor: Actor, username: &str, password: &str) -> Result<(), AppError> {
    auth::check_password_rules(password, Lang::En).map_err(|m| AppError::bad_request(m.clone(), m))?;
    let user = store
        .user_by_username(username)
        .await?
        .ok_or_else(|| AppError::Store(guanxi_store::StoreError::not_found("user", username)))?;
    let hash = auth::hash_password(password.to_string()).await?;
    store.set_password_hash(actor, user.id, &hash).await?;
    Ok(())
}

/// Serves the app on `listener` until the process ends.
/// Serves the app on `listener`, with the job worker running beside it: it schedules the
/// nightly value recompute and runs due jobs whenever one is queued, or every 30 seconds.
pub async fn serve(listener: tokio::net::TcpListener, store: Store, config: Config) -> std::io::Result<()> {
    let jobs = Arc::new(tokio::sync::Notify::new());
    tokio::spawn(work(store.clone(), jobs.clone()));
    axum::serve(listener, app_with_jobs(store, config, jobs)).await
}

async fn work(store: Store, wake: Arc<tokio::sync::Notify>) {
    let worker = format!("guanxi-{}", std::process::id());
    loop {
        if let Err(e) = store.schedule_nightly().await {
            eprintln!("jobs: {}", e.message(guanxi_domain::Lang::En));
        }
        if let Err(e) = store.run_due_jobs(&worker).await {
            eprintln!("jobs: {}", e.message(guanxi_domain::Lang::En));
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(std::time::Duration::from_secs(30)) => {}
        }
    }
}

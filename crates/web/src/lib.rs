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
pub mod reads;
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

/// Settings of a running server. Every limit has a safe default; `guanxi serve` sets them from
/// its flags and the README lists them.
#[derive(Debug, Clone)]
pub struct Config {
    /// Mark cookies `Secure`, name the session cookie `__Host-…` and send HSTS (when users reach
    /// Guanxi over HTTPS through a proxy).
    pub secure_cookies: bool,
    /// The largest upload (an import file, a deal's attachment), in bytes.
    pub max_upload: usize,
    /// The largest body of any other request (forms, JSON), in bytes.
    pub max_body: usize,
    /// The address users reach Guanxi at (`https://crm.example.com`), for every link that leaves
    /// it (survey links); without it, links use the address the request came to.
    pub public_url: Option<String>,
    /// The header a reverse proxy puts the client's address in (`X-Forwarded-For`, `X-Real-IP`);
    /// without it, the address of the connection.
    pub client_ip_header: Option<String>,
    pub sessions: guanxi_store::SessionPolicy,
    pub sign_in: SignInLimits,
    /// The most connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers (slowloris).
    pub header_timeout: std::time::Duration,
    /// The most rows an import through the browser may have (bigger files: `guanxi import`).
    pub import_max_rows: usize,
    /// Customer records a user other than a manager or admin may read through lists in an hour.
    pub reads_per_hour: usize,
    /// Run background jobs (the nightly recompute, recomputes asked for) in this process.
    pub run_jobs: bool,
}

/// How many sign-in attempts each throttle key allows in its window.
#[derive(Debug, Clone, Copy)]
pub struct SignInLimits {
    /// One account from one client.
    pub pair: guanxi_domain::throttle::Limit,
    /// One client, whatever the accounts (password spraying).
    pub client: guanxi_domain::throttle::Limit,
    /// One account from anywhere (not counted for a browser that signed in as it before).
    pub account: guanxi_domain::throttle::Limit,
}

impl Config {
    /// The public address without a trailing slash (`https://crm.example.com`).
    pub fn public_base(&self) -> &str {
        self.public_url.as_deref().unwrap_or("http://localhost").trim_end_matches('/')
    }
}

impl Default for Config {
    fn default() -> Config {
        let window = chrono::Duration::minutes(15);
        let limit = |attempts| guanxi_domain::throttle::Limit { attempts, window };
        Config {
            secure_cookies: false,
            max_upload: 20 * 1024 * 1024,
            max_body: 1024 * 1024,
            public_url: None,
            client_ip_header: None,
            sessions: guanxi_store::SessionPolicy {
                idle: chrono::Duration::hours(12),
                absolute: chrono::Duration::days(7),
                refresh_after: chrono::Duration::minutes(10),
            },
            sign_in: SignInLimits { pair: limit(5), client: limit(30), account: limit(20) },
            max_connections: 1024,
            header_timeout: std::time::Duration::from_secs(30),
            import_max_rows: 100_000,
            reads_per_hour: 5_000,
            run_jobs: true,
        }
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
    /// Wakes the outbox's sender when a message is queued.
    outbox: Arc<tokio::sync::Notify>,
    reads: reads::ReadMeter,
    touches: auth::Touches,
}

impl AppState {
    pub fn store(&self) -> &Store {
        &self.0.store
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// The one address every link that leaves Guanxi starts with (issue #22): the public
    /// address an admin set (shared by every server on the database), else the address this
    /// server listens on. The flag says whether it was set.
    pub async fn public_base(&self) -> Result<(String, bool), guanxi_store::StoreError> {
        Ok(match self.store().public_url().await? {
            Some(url) => (url, true),
            None => (self.config().public_base().to_string(), false),
        })
    }

    pub fn reads(&self) -> &reads::ReadMeter {
        &self.0.reads
    }

    pub fn touches(&self) -> &auth::Touches {
        &self.0.touches
    }

    /// Tells the job worker that a job is waiting.
    pub fn wake_jobs(&self) {
        self.0.jobs.notify_one();
    }

    /// Tells the outbox's sender that a message is waiting.
    pub fn wake_outbox(&self) {
        self.0.outbox.notify_one();
    }
}

/// The whole app: pages, API, assets, behind the [`context`] middleware.
pub fn app(store: Store, config: Config) -> Router {
    app_with_jobs(store, config, Default::default(), Default::default())
}

fn app_with_jobs(
    store: Store,
    config: Config,
    jobs: Arc<tokio::sync::Notify>,
    outbox: Arc<tokio::sync::Notify>,
) -> Router {
    let (api_router, openapi) = api::router();
    let openapi = serde_json::to_value(&openapi).map(api::finish_document).unwrap_or_default();
    let openapi = serde_json::to_string_pretty(&openapi).unwrap_or_default();
    let state = AppState(Arc::new(Inner {
        store,
        config,
        openapi,
        jobs,
        outbox,
        reads: Default::default(),
        touches: Default::default(),
    }));
    Router::new()
        .merge(pages::router())
        .nest("/api/v1", api_router)
        .route("/api/v1/openapi.json", axum::routing::get(openapi_json))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), body_limit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), context))
        // The limit is `body_limit`'s, per route.
        .layer(DefaultBodyLimit::disable())
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

/// The largest body a request may have: uploads (an import, a deal's attachment) up to
/// `max_upload`, sign-in and providers' hooks a few kilobytes, everything else `max_body`. One place for every route.
fn body_limit_for(method: &Method, path: &str, config: &Config) -> usize {
    let upload = method == Method::POST
        && (path == "/import"
            || (path.starts_with("/opportunities/") || path.starts_with("/api/v1/opportunities/"))
                && path.ends_with("/attachments"));
    if upload {
        config.max_upload
    } else if path == "/login" || path.starts_with("/hooks/") {
        // Sign-in and a provider's hook (a reply is a few lines) need a few kilobytes.
        16 * 1024
    } else {
        config.max_body
    }
}

/// Refuses a body over its route's limit: at once when its length is announced, else when the
/// stream passes the limit (the handler's read then fails with 413).
async fn body_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = body_limit_for(req.method(), req.uri().path(), state.config());
    let announced = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return error::too_large(limit).into_response();
    }
    let (parts, body) = req.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    next.run(Request::from_parts(parts, body)).await
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

/// Pages a user whose password was generated may still open: the account page to change it,
/// signing out, the language switch and the style sheet.
fn open_before_password_change(path: &str) -> bool {
    matches!(path, "/account" | "/account/password" | "/account/language" | "/logout" | "/login" | "/api/v1/me")
        || path.starts_with("/assets/")
}

/// See the crate documentation.
pub async fn context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // Machines' callers (the API, providers' hooks) get problems as JSON, people pages.
    let api = req.uri().path().starts_with("/api/") || req.uri().path().starts_with("/hooks/");
    let get = req.method() == Method::GET;
    let here = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
    // Where to come back to after signing in: this page, or the page a form was posted from.
    let back = if get {
        here.clone()
    } else {
        req.headers()
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
            .and_then(|r| r.split_once("://").map(|(_, rest)| rest.find('/').map_or("/", |i| &rest[i..])))
            .and_then(html::local_path)
            .unwrap_or_else(|| "/".into())
    };
    let bearer = req.headers().contains_key(header::AUTHORIZATION);
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let client = auth::client_address(&state, req.extensions(), req.headers());
    req.extensions_mut().insert(auth::ClientAddr(client.clone()));
    let mut lang = auth::anonymous_lang(req.headers());
    let mut signed_in = false;
    // A NUL byte in the query string cannot be stored or searched for (PostgreSQL refuses it in
    // text): refused here for every parameter of every route (problem 9 of the reliability review).
    let nul = req.uri().query().is_some_and(|q| q.to_ascii_lowercase().contains("%00") || q.contains('\0'));
    let result = if nul {
        Err(AppError::bad_request(
            "网址的参数里不能有空字符（%00）",
            "The address's parameters may not contain a NUL character (%00)",
        ))
    } else if !safe
        && !bearer
        && !same_origin(&req)
        && !req.uri().path().starts_with("/optout/")
        && !req.uri().path().starts_with("/hooks/")
    {
        // An opt-out link's token is its own authority, and a mail program's one-click
        // unsubscribe posts from elsewhere (RFC 8058): withdrawing consent is never a forgery risk.
        // A provider's hook is signed with the gateway's secret and carries no cookie.
        Err(AppError::CrossSite)
    } else {
        match auth::identify(&state, req.headers(), &client).await {
            Ok(Some(mut viewer)) => {
                if get {
                    viewer.here = Some(html::without_notice(&here));
                }
                lang = viewer.lang();
                signed_in = true;
                let read_only = matches!(viewer.via, auth::Via::ApiToken { scope: guanxi_store::TokenScope::Read, .. });
                let path = req.uri().path();
                if read_only && !safe {
                    Err(AppError::ReadOnlyToken)
                } else if viewer.user.must_change_password && !open_before_password_change(path) {
                    Err(AppError::MustChangePassword)
                } else {
                    req.extensions_mut().insert(viewer);
                    Ok(())
                }
            }
            Ok(None) => Ok(()),
            Err(e) => Err(e),
        }
    };
    let mut response = match result {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    };
    let marker = response.extensions_mut().remove::<Marker>();
    let err = match marker {
        Some(Marker(err)) => Some(err),
        // What the framework refused before a handler ran (a bad id in a path, a query string it
        // cannot read, a wrong content type, a body over the limit) is answered like any error.
        None => error::framework_rejection(&mut response).await.map(Arc::new),
    };
    if let Some(err) = err {
        // An API client may ask for its language per request.
        response =
            if api { error::api_response(&err, lang) } else { html::page_response(&err, lang, &back, signed_in) };
    }
    let secure = state.config().secure_cookies;
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
    if secure {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
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
    store.set_password_hash(Actor::SYSTEM, user.id, &hash, true).await?;
    Ok(Some((user.username, password)))
}

/// Sets `username`'s password (hashing it with Argon2id), for `guanxi user passwd` and tests. A
/// password someone chose must pass the rules; a `generated` one must be changed at the next
/// sign-in.
pub async fn set_password(
    store: &Store,
    actor: Actor,
    username: &str,
    password: &str,
    generated: bool,
) -> Result<(), AppError> {
    if !generated {
        auth::check_password_rules(password, username, Lang::En).map_err(|m| AppError::bad_request(m.clone(), m))?;
    }
    let user = store
        .user_by_username(username)
        .await?
        .ok_or_else(|| AppError::Store(guanxi_store::StoreError::not_found("user", username)))?;
    let hash = auth::hash_password(password.to_string()).await?;
    store.set_password_hash(actor, user.id, &hash, generated).await?;
    Ok(())
}

/// Serves the app on `listener`, with the job worker running beside it: it schedules the
/// nightly value recompute and runs due jobs whenever one is queued, or every 30 seconds.
///
/// Connections are served by hyper directly rather than `axum::serve`, for what that lacks
/// (F-16): a client must send a request's headers within `header_timeout`, at most
/// `max_connections` are served at once (the rest wait in the listen queue), and each request
/// learns the address it came from.
pub async fn serve(listener: tokio::net::TcpListener, store: Store, mut config: Config) -> std::io::Result<()> {
    if config.public_url.is_none() {
        // Without a configured public address, links name the address this server listens on:
        // right on one machine, and the survey page tells an admin to set it otherwise.
        let addr = listener.local_addr()?;
        let host = if addr.ip().is_unspecified() { "127.0.0.1".to_string() } else { addr.ip().to_string() };
        config.public_url = Some(format!("http://{host}:{}", addr.port()));
    }
    let jobs = Arc::new(tokio::sync::Notify::new());
    let outbox = Arc::new(tokio::sync::Notify::new());
    if config.run_jobs {
        tokio::spawn(work(store.clone(), jobs.clone(), outbox.clone()));
        tokio::spawn(guanxi_outbox::run(store.clone(), outbox.clone(), config.public_base().to_string()));
    }
    let header_timeout = config.header_timeout;
    let slots = Arc::new(tokio::sync::Semaphore::new(config.max_connections.max(1)));
    let app = app_with_jobs(store, config, jobs, outbox);
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else { return Ok(()) };
        let (socket, peer) = match listener.accept().await {
            Ok(c) => c,
            // Out of descriptors or a connection reset before it was accepted: wait a moment
            // and go on rather than end the server.
            Err(e) => {
                eprintln!("guanxi: accepting a connection: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let app = app.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(auth::Peer(peer));
                let mut app = app.clone();
                async move { tower::Service::call(&mut app, req.map(axum::body::Body::new)).await }
            });
            let io = hyper_util::rt::TokioIo::new(socket);
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(io, service)
                .with_upgrades();
            // A client that goes away mid-request is no error of ours.
            let _ = conn.await;
            drop(slot);
        });
    }
}

async fn work(store: Store, wake: Arc<tokio::sync::Notify>, outbox: Arc<tokio::sync::Notify>) {
    let worker = format!("guanxi-{}", std::process::id());
    loop {
        // An import whose process was killed is taken back here, beside the pages (on SQLite
        // an import commits as it goes; the take-back stands aside for other writers too).
        match store.take_back_abandoned_imports().await {
            Ok(undone) => {
                for (id, u) in undone {
                    eprintln!("guanxi: {}", u.message(id, guanxi_domain::Lang::En));
                }
            }
            Err(e) => eprintln!("imports: {}", e.message(guanxi_domain::Lang::En)),
        }
        if let Err(e) = store.schedule_nightly().await {
            eprintln!("jobs: {}", e.message(guanxi_domain::Lang::En));
        }
        if let Err(e) = store.run_due_jobs(&worker).await {
            eprintln!("jobs: {}", e.message(guanxi_domain::Lang::En));
        }
        // The visit schedule My day reads: built once on a new database and again when the
        // value settings change (nightly with the value run otherwise).
        if let Err(e) = store.sweep_reminders_if_due(chrono::Utc::now()).await {
            eprintln!("reminders: {}", e.message(guanxi_domain::Lang::En));
        }
        // Cadence steps whose day has come put their messages in the outbox.
        match store.run_cadence_steps(chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(_) => outbox.notify_one(),
            Err(e) => eprintln!("cadences: {}", e.message(guanxi_domain::Lang::En)),
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(std::time::Duration::from_secs(30)) => {}
        }
    }
}

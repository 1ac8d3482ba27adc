//! Who is asking, and what they may do: passwords, session and API-token secrets, the viewer
//! extractors for pages and for the API, the client's address, and the permission rules of
//! each role.

use crate::AppState;
use crate::error::{AppError, Denied};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use guanxi_domain::{Lang, Role};
use guanxi_store::{Actor, TokenScope, User};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const SESSION_COOKIE: &str = "gx_session";
/// The session cookie's name over HTTPS (`--secure-cookies`): the `__Host-` prefix makes the
/// browser refuse it unless it is Secure, for this host only and for every path.
pub const SECURE_SESSION_COOKIE: &str = "__Host-gx_session";
pub const LANG_COOKIE: &str = "gx_lang";
/// Marks a browser that signed in before (see `known_devices`).
pub const DEVICE_COOKIE: &str = "gx_device";
/// How long a password entered in a session counts as recent, for managing users.
pub const REAUTH_WITHIN: chrono::Duration = chrono::Duration::minutes(15);
/// How often a token's use is written down (a write per request would queue API reads behind
/// SQLite's one writer).
pub const TOKEN_TOUCH_EVERY: chrono::Duration = chrono::Duration::minutes(1);

/// Random bytes from the operating system; without them no secret may be made.
fn random_bytes(buf: &mut [u8]) -> Result<(), AppError> {
    getrandom::fill(buf).map_err(|e| AppError::Internal(format!("the operating system's random source failed: {e}")))
}

/// `bytes` random bytes as hex: session cookies and API tokens.
pub fn random_secret(bytes: usize) -> Result<String, AppError> {
    let mut buf = vec![0u8; bytes];
    random_bytes(&mut buf)?;
    Ok(hex(&buf))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the database keeps of a secret: its SHA-256. Secrets are 256-bit random, so a fast hash
/// is enough; passwords, which people choose, get Argon2id instead.
pub fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// A password someone can type and read aloud: 12 characters without look-alikes. Whoever sees
/// it is told once; its owner must replace it at the first sign-in.
pub fn generated_password() -> Result<String, AppError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    loop {
        let mut buf = [0u8; 12];
        random_bytes(&mut buf)?;
        // 256 is not a multiple of the alphabet's size: drop the bytes that would favour its start.
        let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
        if buf.iter().any(|b| *b >= limit) {
            continue;
        }
        let p: String = buf.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
        if guanxi_domain::password::check(&p, "").is_ok() {
            return Ok(p);
        }
    }
}

fn argon2() -> Argon2<'static> {
    // Argon2id, version 0x13, 19 MiB, 2 passes, 1 lane: the crate's defaults, which are OWASP's
    // first recommended setting.
    Argon2::default()
}

/// Checks a new password for `username` (domain::password); the message names what is wrong.
pub fn check_password_rules(password: &str, username: &str, lang: Lang) -> Result<(), String> {
    guanxi_domain::password::check(password, username).map_err(|w| w.message(lang))
}

/// Each hash takes 19 MiB and tens of milliseconds on purpose, so only a few run at once: two
/// per core. A request that cannot get a turn within [`HASH_WAIT`] is answered 503 (F-04).
static HASH_TURNS: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(hash_turns()));
pub const HASH_WAIT: std::time::Duration = std::time::Duration::from_secs(3);
static HASHES_NOW: AtomicUsize = AtomicUsize::new(0);
static HASHES_PEAK: AtomicUsize = AtomicUsize::new(0);

/// The most hashes that ran at the same time since the process started (for tests).
pub fn hashes_peak() -> usize {
    HASHES_PEAK.load(Ordering::SeqCst)
}

/// The most hashes that may run at the same time: two per core (2 to 16).
pub fn hash_turns() -> usize {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    (2 * cores).clamp(2, 16)
}

/// Runs `f` (an Argon2 computation) on the blocking pool once a turn is free.
async fn with_hash_turn<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    let permit = tokio::time::timeout(HASH_WAIT, HASH_TURNS.acquire())
        .await
        .map_err(|_| AppError::Busy)?
        .map_err(|_| AppError::Busy)?;
    let running = HASHES_NOW.fetch_add(1, Ordering::SeqCst) + 1;
    HASHES_PEAK.fetch_max(running, Ordering::SeqCst);
    let out = tokio::task::spawn_blocking(f).await;
    HASHES_NOW.fetch_sub(1, Ordering::SeqCst);
    drop(permit);
    out.map_err(|e| AppError::Internal(e.to_string()))
}

/// Hashes with Argon2id off the async threads, behind the hashing turns.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    with_hash_turn(move || {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| AppError::Internal(e.to_string()))?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await?
}

/// True if `password` matches `hash`. Without a hash (unknown user, or no password set) a
/// dummy hash is still checked, so the answer takes as long either way.
pub async fn verify_password(password: String, hash: Option<String>) -> Result<bool, AppError> {
    with_hash_turn(move || {
        let known = hash.is_some();
        let stored = hash.or_else(|| DUMMY_HASH.clone()).unwrap_or_default();
        let ok = PasswordHash::new(&stored).is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok());
        ok && known
    })
    .await
}

/// The Argon2id hash of a random password nobody knows, with the same parameters as real ones.
/// (None only if hashing itself fails, in which case nothing verifies anyway.)
static DUMMY_HASH: std::sync::LazyLock<Option<String>> = std::sync::LazyLock::new(|| {
    let salt = SaltString::encode_b64(b"guanxi-dummy-salt").ok()?;
    let secret = random_secret(16).ok()?;
    argon2().hash_password(secret.as_bytes(), &salt).ok().map(|h| h.to_string())
});

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The session cookie's value, under whichever name this server uses.
pub fn session_token<'a>(state: &AppState, headers: &'a HeaderMap) -> Option<&'a str> {
    cookie(headers, session_cookie_name(state))
}

pub fn session_cookie_name(state: &AppState) -> &'static str {
    if state.config().secure_cookies { SECURE_SESSION_COOKIE } else { SESSION_COOKIE }
}

/// The language for someone not signed in: the language cookie, then Accept-Language.
pub fn anonymous_lang(headers: &HeaderMap) -> Lang {
    if let Some(l) = cookie(headers, LANG_COOKIE).and_then(Lang::parse) {
        return l;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(Lang::parse)
        .unwrap_or_default()
}

/// The address of the client that sent a request (the peer the server accepted, set by
/// `serve`), or, behind a reverse proxy configured with `--client-ip-header`, the last address
/// the proxy appended to that header (the one part of it a client cannot forge).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub std::net::SocketAddr);

pub fn client_address(state: &AppState, parts: &axum::http::Extensions, headers: &HeaderMap) -> String {
    if let Some(name) = &state.config().client_ip_header
        && let Some(v) = headers.get(name.as_str()).and_then(|v| v.to_str().ok())
        && let Some(last) = v.rsplit(',').map(str::trim).find(|s| !s.is_empty())
        && last.len() <= 64
        && last.chars().all(|c| c.is_ascii_hexdigit() || ".:[]".contains(c))
    {
        return last.to_string();
    }
    parts.get::<Peer>().map(|p| p.0.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

/// The client's address as [`client_address`] found it; the `context` middleware puts it on
/// every request.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<ClientAddr, Self::Rejection> {
        Ok(parts.extensions.get::<ClientAddr>().cloned().unwrap_or_else(|| ClientAddr("unknown".into())))
    }
}

/// How the viewer proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A browser session: the hash of its cookie, and when its password was last entered.
    Session {
        hash: String,
        authenticated_at: chrono::DateTime<chrono::Utc>,
    },
    ApiToken {
        id: i64,
        scope: TokenScope,
    },
}

/// The signed-in user of a request, from the session cookie or a `Bearer` API token.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: User,
    pub via: Via,
    /// The page being read (path and query, without a one-time `done` notice) on a GET, for
    /// the language switch to come back to exactly; `None` for a form post.
    pub here: Option<String>,
    /// How many of the user's notifications are unread (the bell's number; 0 over the API).
    pub unread: i64,
}

impl Viewer {
    pub fn actor(&self) -> Actor {
        Actor(self.user.id)
    }

    pub fn lang(&self) -> Lang {
        self.user.lang
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    /// Refuses with a reason unless the viewer may do `action` (on a customer owned by `owner`).
    pub fn may(&self, action: Action) -> Result<(), AppError> {
        match permits(&self.user, action) {
            Ok(()) => Ok(()),
            Err(reason) => Err(AppError::Forbidden(reason)),
        }
    }

    /// For what only a password entered in the last minutes allows (managing users): a
    /// session must have entered it recently; a token carries its own proof.
    pub fn recently_authenticated(&self) -> Result<(), AppError> {
        match &self.via {
            Via::Session { authenticated_at, .. } if chrono::Utc::now() - *authenticated_at > REAUTH_WITHIN => {
                Err(AppError::Reauthenticate)
            }
            _ => Ok(()),
        }
    }
}

/// When this server last asked for a token's or a session's use to be recorded: one request
/// asks, the others of the same minute do not (a write waiting for SQLite's writer must not be
/// asked for by every request, each holding a connection).
#[derive(Default)]
pub struct Touches(std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>);

impl Touches {
    /// True when `key` was not touched within `every` (and marks it touched now).
    fn due(&self, key: String, every: chrono::Duration) -> bool {
        let every = every.to_std().unwrap_or_default();
        let now = std::time::Instant::now();
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, at| now.duration_since(*at) < every);
        }
        match map.get(&key) {
            Some(at) if now.duration_since(*at) < every => false,
            _ => {
                map.insert(key, now);
                true
            }
        }
    }
}

/// Reads the viewer from the request: a `Bearer` token first (integrations), then the
/// session cookie. `Ok(None)` when neither is present or valid.
pub async fn identify(state: &AppState, headers: &HeaderMap, client: &str) -> Result<Option<Viewer>, AppError> {
    let store = state.store();
    if let Some(auth) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let Some(token) = auth.strip_prefix("Bearer ").map(str::trim) else {
            return Err(AppError::Unauthenticated);
        };
        return match store.api_token_user(&secret_hash(token)).await? {
            Some((user, t)) => {
                let now = chrono::Utc::now();
                if t.last_used_at.is_none_or(|l| now - l > TOKEN_TOUCH_EVERY)
                    && state.touches().due(format!("t{}", t.id), TOKEN_TOUCH_EVERY)
                {
                    // Recorded beside the request, not before it: a busy writer must not hold
                    // up a read.
                    let (store, client, uid, tid) = (store.clone(), client.to_string(), user.id, t.id);
                    tokio::spawn(async move {
                        if let Err(e) = store.touch_api_token(uid, tid, &client).await {
                            eprintln!("guanxi: recording a token's use: {}", e.message(Lang::En));
                        }
                    });
                }
                Ok(Some(Viewer { user, via: Via::ApiToken { id: t.id, scope: t.scope }, here: None, unread: 0 }))
            }
            None => Err(AppError::Unauthenticated),
        };
    }
    let Some(token) = session_token(state, headers) else { return Ok(None) };
    let hash = secret_hash(token);
    let policy = state.config().sessions;
    let Some(s) = store.session_user(&hash, policy).await? else { return Ok(None) };
    if chrono::Utc::now() - s.last_seen_at > policy.refresh_after
        && state.touches().due(format!("s{hash}"), policy.refresh_after)
    {
        // Beside the request, like a token's use: a busy writer must not hold up a page.
        let (store, hash) = (store.clone(), hash.clone());
        tokio::spawn(async move {
            if let Err(e) = store.touch_session(&hash, policy).await {
                eprintln!("guanxi: sliding a session: {}", e.message(Lang::En));
            }
        });
    }
    let unread = store.unread_notifications(s.user.id).await?;
    Ok(Some(Viewer {
        user: s.user,
        via: Via::Session { hash, authenticated_at: s.authenticated_at },
        here: None,
        unread,
    }))
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    /// The viewer the `context` middleware identified.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, AppError> {
        match parts.extensions.get::<Viewer>() {
            Some(v) => Ok(v.clone()),
            None if session_token(state, &parts.headers).is_some() => Err(AppError::SessionExpired),
            None => Err(AppError::Unauthenticated),
        }
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for Viewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Option<Viewer>, Self::Rejection> {
        Ok(parts.extensions.get::<Viewer>().cloned())
    }
}

/// The customer, if the viewer may add or change `part` of it — the one rule for every part of
/// a customer (issue #22: a rep could not edit a colleague's customer's city but could add
/// orders, contacts, competitor engagements and deals to it).
pub async fn writable_customer(
    state: &AppState,
    v: &Viewer,
    id: i64,
    part: CustomerPart,
) -> Result<guanxi_store::CustomerRecord, AppError> {
    let r = state.store().customer(id).await?;
    v.may(Action::WriteCustomer { owner: r.owner_id, part })?;
    Ok(r)
}

/// The customer, if the viewer may change it (its profile and what belongs to it).
pub async fn editable_customer(
    state: &AppState,
    v: &Viewer,
    id: i64,
) -> Result<guanxi_store::CustomerRecord, AppError> {
    let r = state.store().customer(id).await?;
    v.may(Action::EditCustomer { owner: r.owner_id })?;
    Ok(r)
}

/// The owner of a new customer or deal (F-11): whoever creates it, unless a manager or admin
/// names someone else. Anyone else naming another user is refused, not silently overruled.
pub fn owner_of_new(v: &Viewer, raw: &mut guanxi_domain::Raw) -> Result<(), AppError> {
    use guanxi_domain::Field;
    let named = raw.get(Field::Owner).trim().to_string();
    if named.is_empty() {
        raw.set(Field::Owner, v.user.username.clone());
        return Ok(());
    }
    if named.eq_ignore_ascii_case(&v.user.username) {
        return Ok(());
    }
    match permits(&v.user, Action::AssignOwner) {
        Ok(()) => Ok(()),
        Err(reason) => Err(AppError::Forbidden(reason)),
    }
}

/// The customer a key person, person around or interaction belongs to.
pub async fn customer_of(state: &AppState, part: guanxi_store::Part, id: i64) -> Result<i64, AppError> {
    state.store().customer_of(part, id).await?.ok_or(AppError::NotFound)
}

/// A part of a customer's record that someone adds to or changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerPart {
    /// The profile, key people, people around, surveys, health checks, referrals.
    Profile,
    /// A contact (call, visit, message) with the customer.
    Contact,
    /// An order (a sale).
    Order,
    /// Which competitors the customer talks to or uses.
    Engagement,
    /// A deal (opportunity) for the customer.
    Deal,
}

/// What someone wants to do. The rules are in [`permits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read any customer: the archive belongs to the company.
    Read,
    CreateCustomer,
    /// Change a customer's profile, key people or people around; `owner` is its owner's id.
    EditCustomer {
        owner: Option<i64>,
    },
    /// Move a customer to the recycle bin.
    DeleteCustomer {
        owner: Option<i64>,
    },
    /// Recycle bin restore, duplicates and merges, imports: changes across many customers.
    BulkEdit,
    Export,
    ManageUsers,
    /// Company settings (value tiers, rates, approach rules, the sales checklist).
    ManageSettings,
    /// Open an opportunity (商机) for a customer.
    CreateOpportunity,
    /// Work an opportunity: edit, move, tick, log objections, close; `owner` is the deal's owner.
    WorkOpportunity {
        owner: i64,
    },
    /// Move a deal past mandatory actions not done, with a reason.
    OverrideStage,
    /// Make someone else the owner of a customer or deal.
    AssignOwner,
    /// Add to or change `part` of a customer owned by `owner`.
    WriteCustomer {
        owner: Option<i64>,
        part: CustomerPart,
    },
    /// Give someone (oneself or a colleague) a task.
    CreateTask,
    /// Tick, put off, give to someone else or correct a task assigned to `assignee` and created
    /// by `creator`.
    ChangeTask {
        assignee: i64,
        creator: i64,
    },
    /// See how a team is doing: colleagues' tasks and days.
    SeeTeam,
    /// See every message that left or is to leave, and send a failed one again or cancel it.
    SeeOutbox,
    /// Make and change cadences and message templates, and enrol many customers at once.
    ManageCadences,
    /// Approve or reject a cadence's message to a customer owned by `owner` (none: nobody's).
    ApproveMessage {
        owner: Option<i64>,
    },
}

/// The role rules (DESIGN.md "Roles"): everyone signed in reads the whole archive; sales reps
/// edit their own customers; service agents record contacts and new customers, and correct the
/// customers they entered; managers and
/// admins edit everything, export and bulk-edit; only admins manage users.
pub fn permits(user: &User, action: Action) -> Result<(), Denied> {
    use Role::*;
    let role = user.role;
    let deny = |zh: &str, en: &str| {
        Err(Denied {
            zh: format!("{zh}（你的角色：{}）", role.label(Lang::ZhCn)),
            en: format!("{en} (your role: {})", role.label(Lang::En)),
        })
    };
    match action {
        Action::Read => Ok(()),
        Action::CreateCustomer => match role {
            ReadOnly => deny("只读用户不能修改档案", "Read-only users cannot change the archive"),
            _ => Ok(()),
        },
        // One rule for every part of a customer: managers and admins anywhere; a rep on their own
        // customers; a service agent logs contacts with any customer (answering the phone is
        // their job) and nothing else; read-only users nothing. Teams and scopes come with the
        // ownership issue.
        Action::WriteCustomer { owner, part } => match (role, part) {
            (Admin | Manager, _) => Ok(()),
            (SalesRep, _) if owner == Some(user.id) => Ok(()),
            (SalesRep, _) => deny(
                "销售代表只能为自己负责的客户记录和修改（联系、订单、商机、竞争情况、档案）",
                "Sales reps add to and change only their own customers (contacts, orders, deals, competitors, profile)",
            ),
            (ServiceAgent, CustomerPart::Contact) => Ok(()),
            // The customers an agent took in (a caller they entered) they can also correct.
            (ServiceAgent, CustomerPart::Profile) if owner == Some(user.id) => Ok(()),
            (ServiceAgent, _) => deny(
                "客服可以记录互动，也可以修改自己录入的客户档案，但不能修改别人的客户、订单或商机",
                "Service agents log contacts and correct the customers they entered, but do not change others' customers, orders or deals",
            ),
            (ReadOnly, _) => deny("只读用户不能修改档案", "Read-only users cannot change the archive"),
        },
        Action::EditCustomer { owner } | Action::DeleteCustomer { owner } => match role {
            Admin | Manager => Ok(()),
            SalesRep if owner == Some(user.id) => Ok(()),
            SalesRep => deny("销售代表只能修改自己负责的客户", "Sales reps can change only their own customers"),
            ServiceAgent if owner == Some(user.id) && matches!(action, Action::EditCustomer { .. }) => Ok(()),
            ServiceAgent => deny(
                "客服只能修改自己录入的客户档案，不能删除客户",
                "Service agents can correct the customers they entered, and cannot delete customers",
            ),
            ReadOnly => deny("只读用户不能修改档案", "Read-only users cannot change the archive"),
        },
        Action::BulkEdit | Action::Export => match role {
            Admin | Manager => Ok(()),
            _ => deny(
                "只有销售经理和管理员可以导出或批量修改",
                "Only managers and admins can export or change many customers at once",
            ),
        },
        Action::ManageUsers | Action::ManageSettings => match role {
            Admin => Ok(()),
            _ => deny("只有管理员可以管理用户和设置", "Only admins can manage users and settings"),
        },
        Action::CreateTask => match role {
            ReadOnly => deny("只读用户不能新建待办", "Read-only users cannot create tasks"),
            _ => Ok(()),
        },
        // A task is its assignee's to do and its creator's to follow up; managers and admins
        // look after everyone's.
        Action::ChangeTask { assignee, creator } => match role {
            Admin | Manager => Ok(()),
            ReadOnly => deny("只读用户不能修改待办", "Read-only users cannot change tasks"),
            _ if assignee == user.id || creator == user.id => Ok(()),
            _ => deny(
                "只能处理指派给自己或自己布置的待办",
                "You can change only the tasks assigned to you or that you gave someone",
            ),
        },
        Action::SeeTeam => match role {
            Admin | Manager => Ok(()),
            _ => deny("只有销售经理和管理员可以查看团队的待办", "Only managers and admins see the team's tasks"),
        },
        Action::ManageCadences => match role {
            Admin | Manager => Ok(()),
            _ => deny(
                "只有销售经理和管理员可以设置跟进节奏和模板",
                "Only managers and admins set up cadences and templates",
            ),
        },
        Action::SeeOutbox => match role {
            Admin | Manager => Ok(()),
            _ => deny("只有销售经理和管理员可以查看发件箱", "Only managers and admins see the outbox"),
        },
        Action::CreateOpportunity => match role {
            Admin | Manager | SalesRep => Ok(()),
            _ => deny("只有销售人员和经理可以新建商机", "Only sales reps and managers can open opportunities"),
        },
        Action::WorkOpportunity { owner } => match role {
            Admin | Manager => Ok(()),
            SalesRep if owner == user.id => Ok(()),
            SalesRep => deny("销售代表只能跟进自己负责的商机", "Sales reps can work only their own opportunities"),
            _ => deny("只有销售人员和经理可以跟进商机", "Only sales reps and managers can work opportunities"),
        },
        Action::ApproveMessage { owner } => match role {
            Admin | Manager => Ok(()),
            SalesRep if owner == Some(user.id) => Ok(()),
            _ => deny(
                "只有客户的负责人和销售经理可以审批发给客户的消息",
                "Only the customer's owner and managers approve messages to a customer",
            ),
        },
        Action::AssignOwner => match role {
            Admin | Manager => Ok(()),
            _ => deny(
                "只有销售经理和管理员可以把客户或商机分给别人",
                "Only managers and admins can give a customer or deal to someone else",
            ),
        },
        Action::OverrideStage => match role {
            Admin | Manager => Ok(()),
            _ => deny(
                "只有销售经理可以越过未完成的必做动作推进商机",
                "Only managers can move a deal past mandatory actions that are not done",
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, role: Role) -> User {
        User {
            id,
            username: format!("u{id}"),
            display_name: "U".into(),
            role,
            team: None,
            active: true,
            created_at: chrono::Utc::now(),
            lang: Lang::ZhCn,
            must_change_password: false,
        }
    }

    #[test]
    fn reps_edit_their_own_customers_only() {
        let rep = user(7, Role::SalesRep);
        assert!(permits(&rep, Action::EditCustomer { owner: Some(7) }).is_ok());
        let no = permits(&rep, Action::EditCustomer { owner: Some(8) }).unwrap_err();
        assert!(no.en.contains("only their own") && no.zh.contains("销售代表"));
        assert!(permits(&rep, Action::EditCustomer { owner: None }).is_err());
        assert!(permits(&rep, Action::Export).is_err());
        assert!(permits(&rep, Action::Read).is_ok());
    }

    #[test]
    fn roles_in_order_of_power() {
        let admin = user(1, Role::Admin);
        let manager = user(2, Role::Manager);
        let agent = user(3, Role::ServiceAgent);
        let reader = user(4, Role::ReadOnly);
        assert!(permits(&admin, Action::ManageUsers).is_ok());
        assert!(permits(&manager, Action::ManageUsers).is_err());
        assert!(permits(&manager, Action::Export).is_ok());
        assert!(permits(&manager, Action::EditCustomer { owner: Some(99) }).is_ok());
        let contact = |owner| Action::WriteCustomer { owner, part: CustomerPart::Contact };
        let order = |owner| Action::WriteCustomer { owner, part: CustomerPart::Order };
        assert!(permits(&agent, contact(Some(99))).is_ok(), "agents log contacts with anyone");
        assert!(permits(&agent, order(Some(99))).is_err(), "but record no orders");
        let rep = user(7, Role::SalesRep);
        assert!(permits(&rep, order(Some(7))).is_ok());
        assert!(permits(&rep, order(Some(8))).is_err(), "not on a colleague's customer");
        assert!(permits(&rep, contact(None)).is_err());
        // An agent corrects the customers they entered, and no one else's; deletes none.
        assert!(permits(&agent, Action::EditCustomer { owner: Some(3) }).is_ok());
        assert!(permits(&agent, Action::EditCustomer { owner: Some(99) }).is_err());
        assert!(permits(&agent, Action::DeleteCustomer { owner: Some(3) }).is_err());
        let profile = |owner| Action::WriteCustomer { owner, part: CustomerPart::Profile };
        assert!(permits(&agent, profile(Some(3))).is_ok() && permits(&agent, profile(Some(99))).is_err());
        assert!(permits(&agent, order(Some(3))).is_err(), "their own customers' orders neither");
        assert!(permits(&reader, contact(Some(4))).is_err());
        assert!(permits(&reader, Action::CreateCustomer).is_err());
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = random_secret(32).unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_secret(32).unwrap());
        assert_eq!(secret_hash("abc").len(), 64);
        assert_ne!(secret_hash(&a), a);
        let p = generated_password().unwrap();
        assert_eq!(p.chars().count(), 12);
    }

    #[tokio::test]
    async fn argon2id_round_trip() {
        let h = hash_password("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse".into(), Some(h.clone())).await.unwrap());
        assert!(!verify_password("wrong horse".into(), Some(h)).await.unwrap());
        assert!(!verify_password("anything".into(), None).await.unwrap());
    }

    #[test]
    fn cookies_and_languages() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; gx_lang=en; gx_session=xyz".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("xyz"));
        assert_eq!(anonymous_lang(&h), Lang::En);
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9".parse().unwrap());
        assert_eq!(anonymous_lang(&h), Lang::En);
        assert_eq!(anonymous_lang(&HeaderMap::new()), Lang::ZhCn);
    }
}

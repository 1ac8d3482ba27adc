//! The store's types for users, sessions and API tokens.

use chrono::{DateTime, Utc};
use guanxi_domain::{Lang, Role};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// The language the user chose for the web app.
    pub lang: Lang,
    /// The password was generated (new user, reset): it must be replaced before anything else.
    pub must_change_password: bool,
}

/// An API token as its owner sees it in the list: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    /// The owner's username (for the admins' list of everyone's tokens).
    pub username: String,
    pub name: String,
    /// The token's last four characters, to tell tokens apart.
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it stops working (tokens made before expiries existed: 90 days after creation).
    pub expires_at: DateTime<Utc>,
    pub scope: TokenScope,
}

impl ApiToken {
    /// How long a token made before expiries existed works.
    pub const LEGACY_LIFETIME: chrono::Duration = chrono::Duration::days(90);

    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

/// What an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TokenScope {
    /// Whatever its user may do.
    Full,
    /// Only read (GET); anything else is refused.
    Read,
}

impl TokenScope {
    pub fn code(self) -> &'static str {
        match self {
            TokenScope::Full => "full",
            TokenScope::Read => "read",
        }
    }

    pub fn parse(s: &str) -> Option<TokenScope> {
        match s.trim() {
            "full" => Some(TokenScope::Full),
            "read" | "read_only" => Some(TokenScope::Read),
            _ => None,
        }
    }
}

/// The token a request came with, as the server needs it: its id, scope and last use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUse {
    pub id: i64,
    pub scope: TokenScope,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A signed-in browser session as the server needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub user: User,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// When the password was last entered in this session.
    pub authenticated_at: DateTime<Utc>,
}

/// How long sessions last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session ends after this long without a request…
    pub idle: chrono::Duration,
    /// …and this long after sign-in, however busy.
    pub absolute: chrono::Duration,
    /// How stale `last_seen_at` may be before a request slides the expiry forward (saves a
    /// write per request).
    pub refresh_after: chrono::Duration,
}

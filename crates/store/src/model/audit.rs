//! The store's types for the audit log.

use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub note: Option<String>,
    /// The client's address, for sign-ins and other security events.
    pub client: Option<String>,
}

/// Which audit entries to read (admins' audit page, `GET /api/v1/audit`, `guanxi audit`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// A username (the actor).
    pub user: Option<String>,
    pub action: Option<String>,
    pub entity: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Entries older than this id (the next page).
    pub before_id: Option<i64>,
    pub limit: i64,
}

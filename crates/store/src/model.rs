//! What the store hands back: stored records around the domain's validated drafts.

use chrono::{DateTime, NaiveDate, Utc};
use guanxi_domain::dedupe::DuplicateReason;
use guanxi_domain::{
    CustomerDraft, CustomerKind, CustomerStatus, InteractionDraft, KeyPersonDraft, PersonAroundDraft, Role,
};
use serde::Serialize;

/// Who is making a change: a user id. The audit log records it with every write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Actor(pub i64);

impl Actor {
    /// The built-in `system` user (id 1), for changes made from the command line without `--as`.
    pub const SYSTEM: Actor = Actor(1);
}

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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerRecord {
    pub id: i64,
    #[serde(flatten)]
    pub draft: CustomerDraft,
    pub owner_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub merged_into_id: Option<i64>,
    pub version: i64,
}

/// A line in a list or a search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerSummary {
    pub id: i64,
    pub kind: CustomerKind,
    pub status: CustomerStatus,
    pub name: String,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub city: Option<String>,
    pub owner: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    pub kind: Option<CustomerKind>,
    pub status: Option<CustomerStatus>,
    pub owner: Option<String>,
    pub tag: Option<String>,
    /// Only the recycle bin.
    pub deleted: bool,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyPersonRecord {
    pub id: i64,
    pub customer_id: i64,
    #[serde(flatten)]
    pub draft: KeyPersonDraft,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonAroundRecord {
    pub id: i64,
    pub customer_id: i64,
    /// Set when the person is around a key person rather than the customer itself.
    pub key_person_id: Option<i64>,
    #[serde(flatten)]
    pub draft: PersonAroundDraft,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Participant {
    pub name: String,
    pub user_id: Option<i64>,
    pub key_person_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InteractionRecord {
    pub id: i64,
    pub customer_id: i64,
    #[serde(flatten)]
    pub draft: InteractionDraft,
    pub ours: Vec<Participant>,
    pub theirs: Vec<Participant>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

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
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub created: usize,
    pub updated: usize,
    /// Rows identical to what is stored already.
    pub unchanged: usize,
}

/// What an import in progress has written so far, and the owners it has looked up.
#[derive(Debug, Default)]
pub struct ImportState {
    pub outcome: ImportOutcome,
    pub(crate) owners: std::collections::HashMap<String, i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicatePair {
    pub a: CustomerSummary,
    pub b: CustomerSummary,
    pub reasons: Vec<DuplicateReason>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergeRecord {
    pub id: i64,
    pub kept_id: i64,
    pub dropped_id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub undone_at: Option<DateTime<Utc>>,
}

/// Today in China, for validating birthdays and founding dates.
pub fn today_in_china() -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(8)).date_naive()
}

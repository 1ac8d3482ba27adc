//! The store's types for key people, people around a customer and contacts.

use chrono::{DateTime, Utc};
use guanxi_domain::{InteractionDraft, KeyPersonDraft, PersonAroundDraft};
use serde::Serialize;

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

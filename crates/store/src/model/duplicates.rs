//! The store's types for duplicates and merges.

use super::customers::CustomerSummary;
use chrono::{DateTime, Utc};
use guanxi_domain::dedupe::DuplicateReason;
use serde::Serialize;

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

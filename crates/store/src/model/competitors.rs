//! The store's types for competitors and engagements.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A competitor as stored, with how many customers engage with it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompetitorRecord {
    pub id: i64,
    #[serde(flatten)]
    pub draft: guanxi_domain::competitors::CompetitorDraft,
    pub engaged_customers: i64,
    pub updated_at: DateTime<Utc>,
}

/// A customer's engagement with a competitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngagementRecord {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub competitor_id: i64,
    pub competitor: String,
    pub kind: guanxi_domain::competitors::EngagementKind,
    pub since: chrono::NaiveDate,
    pub until: Option<chrono::NaiveDate>,
    pub note: Option<String>,
}

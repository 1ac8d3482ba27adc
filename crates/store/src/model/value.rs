//! The store's types for value assessments.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// A saved value assessment: when, as of which day, and its report (fitted models).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueRun {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub as_of: NaiveDate,
    pub unit: String,
    pub customers: i64,
    pub report: serde_json::Value,
}

/// A customer whose P(alive) has fallen, with what is at stake.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChurnRow {
    pub customer_id: i64,
    pub name: String,
    pub tier: guanxi_domain::ValueTier,
    pub p_alive: f64,
    pub clv_history_fen: i64,
    pub revenue_window_fen: i64,
    pub last_order_at: Option<DateTime<Utc>>,
}

/// A customer who has not bought for much longer than they usually do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverdueRow {
    pub customer_id: i64,
    pub name: String,
    pub rhythm_days: f64,
    pub days_since: f64,
    pub revenue_fen: i64,
    pub last_order_at: Option<DateTime<Utc>>,
}

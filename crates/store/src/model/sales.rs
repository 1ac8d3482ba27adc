//! The store's types for process sales: opportunities, their stages, objections, decision chains, tasks, reports and attachments.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// An opportunity 商机 as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpportunityRecord {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub owner_id: i64,
    /// The owner's username.
    pub owner_name: String,
    #[serde(flatten)]
    pub draft: guanxi_domain::sales::OpportunityDraft,
    pub stage: guanxi_domain::sales::Stage,
    pub status: guanxi_domain::sales::DealStatus,
    /// The win probability in effect (set by hand, or the stage's).
    pub probability_pct: u8,
    pub won_amount_fen: Option<i64>,
    pub closed_on: Option<chrono::NaiveDate>,
    pub lost_reason: Option<String>,
    pub lost_to: Option<String>,
    pub stage_entered_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// One change of an opportunity's stage or status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageChange {
    pub id: i64,
    pub from_stage: Option<guanxi_domain::sales::Stage>,
    pub to_stage: guanxi_domain::sales::Stage,
    pub status: guanxi_domain::sales::DealStatus,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
    /// Set when a manager moved past missing mandatory actions.
    pub override_reason: Option<String>,
    pub skipped: Vec<String>,
}

/// A logged objection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectionRecord {
    pub id: i64,
    pub opportunity_id: i64,
    pub objection: String,
    pub cause: guanxi_domain::sales::ObjectionCause,
    pub answer: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A key person on an opportunity's decision chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainRecord {
    pub key_person_id: i64,
    #[serde(flatten)]
    pub member: guanxi_domain::sales::ChainMember,
}

/// Which opportunities a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpportunityFilter {
    pub owner_id: Option<i64>,
    pub team: Option<String>,
    pub customer_id: Option<i64>,
    pub status: Option<guanxi_domain::sales::DealStatus>,
    pub stage: Option<guanxi_domain::sales::Stage>,
    /// Words of the title or the customer's name.
    pub q: Option<String>,
    /// Open deals without activity since this moment.
    pub quiet_since: Option<DateTime<Utc>>,
    pub page: u32,
    pub per_page: u32,
}

/// A page of opportunities, with how many match and their total amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpportunityPage {
    pub items: Vec<OpportunityRecord>,
    pub total: i64,
    pub amount_fen: i64,
}

/// What the sales reports look at: whose deals, and which China days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFilter {
    pub owner_id: Option<i64>,
    pub team: Option<String>,
    pub from: NaiveDate,
    /// Inclusive.
    pub to: NaiveDate,
    /// Open deals quiet since before this moment are stalled.
    pub stalled_before: DateTime<Utc>,
}

/// One owner's pipeline (open deals now) and results (deals closed in the period).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnerLine {
    pub owner: String,
    pub open: i64,
    pub pipeline_fen: i64,
    /// Σ amount × probability.
    pub weighted_fen: i64,
    pub won: i64,
    pub lost: i64,
    pub won_fen: i64,
}

/// Open deals by the month they are expected to close (`""`: no date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthLine {
    pub month: String,
    pub open: i64,
    pub pipeline_fen: i64,
    pub weighted_fen: i64,
}

/// The sales reports (see `ops::sales_report` for what each number counts).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SalesReport {
    pub by_owner: Vec<OwnerLine>,
    pub by_month: Vec<MonthLine>,
    /// Deals opened in the period, by how far they got: (stage, how many reached it).
    pub funnel: Vec<(guanxi_domain::sales::Stage, i64)>,
    /// (stage, average days spent in it, stays counted) over stage stays that ended in the period.
    pub stage_days: Vec<(guanxi_domain::sales::Stage, f64, i64)>,
    /// Average days from opening to winning, over deals won in the period.
    pub cycle_days: Option<f64>,
    pub won: i64,
    pub lost: i64,
    pub stalled: i64,
    /// The largest stalled deals.
    pub stalled_deals: Vec<OpportunityRecord>,
    /// Objections logged in the period: (cause, logged, still open).
    pub objections: Vec<(guanxi_domain::sales::ObjectionCause, i64, i64)>,
    /// Deals lost in the period by the competitor they went to (`""`: not recorded).
    pub lost_to: Vec<(String, i64, i64)>,
}

/// A deal with its past, as an import from another system (or the demo and the benchmark)
/// gives it: opened at `created_at` at the first stage, then each stage entered and when (the
/// last is where it stands), then how it ended, if it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealImport {
    pub customer_id: i64,
    pub owner_id: i64,
    pub draft: guanxi_domain::sales::OpportunityDraft,
    pub created_at: DateTime<Utc>,
    pub moves: Vec<(guanxi_domain::sales::Stage, DateTime<Utc>)>,
    pub outcome: Option<(guanxi_domain::sales::Outcome, DateTime<Utc>)>,
    pub objections: Vec<(guanxi_domain::sales::ObjectionDraft, DateTime<Utc>)>,
}

/// A file attached to an opportunity (its proposal), without its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentInfo {
    pub id: i64,
    pub opportunity_id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

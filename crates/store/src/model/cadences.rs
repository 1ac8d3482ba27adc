//! The store's types for cadences 跟进节奏, message templates and marketing consent.

use chrono::{DateTime, Utc};
use guanxi_domain::cadences::{CadenceDraft, ConsentState, LeftBecause, TemplateDraft};
use guanxi_domain::outbox::MessageChannel;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemplateRecord {
    pub id: i64,
    #[serde(flatten)]
    pub draft: TemplateDraft,
    pub created_by: i64,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CadenceRecord {
    pub id: i64,
    #[serde(flatten)]
    pub draft: CadenceDraft,
    /// Customers in it now.
    pub active: i64,
    /// Customers ever enrolled.
    pub enrolled: i64,
    /// Paused since then: its steps do not run and nobody can be put in.
    pub paused_at: Option<DateTime<Utc>>,
    pub created_by: i64,
    pub updated_at: DateTime<Utc>,
}

/// A customer's time in a cadence, with what each step did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnrolmentRecord {
    pub id: i64,
    pub cadence_id: i64,
    pub cadence_name: String,
    pub customer_id: i64,
    pub customer_name: String,
    /// Still in it (`left_because` is `None`), or why not.
    pub left_because: Option<LeftBecause>,
    /// The position (0-based) of the next step, and when it is due.
    pub next_step: i32,
    pub next_at: Option<DateTime<Utc>>,
    pub enrolled_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub events: Vec<CadenceEvent>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CadenceEvent {
    /// The step (0-based), if the event is a step's.
    pub position: Option<i32>,
    pub at: DateTime<Utc>,
    /// `queued` (a message put in the outbox), `skipped`, `task`, `left`.
    pub what: String,
    pub detail: Option<String>,
    pub outbox_id: Option<i64>,
    pub task_id: Option<i64>,
}

/// A customer's latest answer to marketing on a channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsentRecord {
    pub channel: MessageChannel,
    pub state: ConsentState,
    pub how: String,
    pub at: DateTime<Utc>,
    pub recorded_by: i64,
}

/// What a cadence did: how many entered, are in it, left and why, and each step's messages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CadenceReport {
    pub enrolled: i64,
    pub active: i64,
    pub left: Vec<(LeftBecause, i64)>,
    /// Enrolled customers who placed an order within [`BOUGHT_WITHIN_DAYS`] of entering.
    pub bought_within: i64,
    /// Per step (0-based position): messages queued, of them sent, skipped, tasks given.
    pub steps: Vec<StepReport>,
}

pub const BOUGHT_WITHIN_DAYS: i64 = 30;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepReport {
    pub position: i32,
    pub queued: i64,
    pub sent: i64,
    pub skipped: i64,
    pub tasks: i64,
}

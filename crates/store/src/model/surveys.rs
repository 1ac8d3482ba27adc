//! The store's types for satisfaction surveys.

use chrono::{DateTime, Utc};

/// A satisfaction survey: recorded by a person, or a link waiting for (or given) an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyRecord {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub about: guanxi_domain::standing::SurveyAbout,
    pub reference: Option<String>,
    /// `form`, `api` or `link`.
    pub via: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub link_expires_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answers: Option<guanxi_domain::standing::SurveyAnswers>,
}

/// Why a survey link takes no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    /// No such link (or its signature does not match).
    Invalid,
    /// Answered already, then.
    Used(DateTime<Utc>),
    /// Expired then.
    Expired(DateTime<Utc>),
}

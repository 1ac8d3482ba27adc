//! The store's types for referrals and win-back cases.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// A referral: who brought whom, the reward, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralRecord {
    pub id: i64,
    pub referrer_id: i64,
    pub referrer_name: String,
    pub referrer_person: Option<String>,
    pub referred_id: i64,
    pub referred_name: String,
    pub referred_status: guanxi_domain::CustomerStatus,
    pub referred_on: NaiveDate,
    pub reward_kind: Option<guanxi_domain::winback::RewardKind>,
    pub reward: Option<String>,
    pub reward_fen: Option<i64>,
    pub note: Option<String>,
    pub created_by: String,
    /// What the referred customer bought since the referral.
    pub revenue_fen: i64,
}

impl ReferralRecord {
    /// The referred customer became a customer: bought, or is marked a customer.
    pub fn converted(&self) -> bool {
        self.revenue_fen > 0 || self.referred_status == guanxi_domain::CustomerStatus::Customer
    }
}

/// A referrer's line in the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TopReferrer {
    pub customer_id: i64,
    pub name: String,
    pub referred: i64,
    pub converted: i64,
    pub revenue_fen: i64,
    pub rewards_fen: i64,
}

/// The referrals report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferralReport {
    pub referrals: i64,
    pub converted: i64,
    pub revenue_fen: i64,
    pub rewards_fen: i64,
    pub top: Vec<TopReferrer>,
    pub recent: Vec<ReferralRecord>,
}

/// A win-back case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRecord {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub owner: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub opened_by: String,
    pub trigger: guanxi_domain::winback::Trigger,
    pub figure: guanxi_domain::winback::LifetimeFigure,
    pub status: guanxi_domain::winback::CaseStatus,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
    pub outcome_reason: Option<String>,
    pub attempt_count: i64,
    /// Filled when one case is read.
    pub attempts: Vec<AttemptRecord>,
}

/// One attempt to win a customer back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub channel: guanxi_domain::Channel,
    pub what: String,
    pub response: Option<String>,
    pub by: String,
}

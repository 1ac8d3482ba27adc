//! The store's types for the relationship stage and level.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// One change of a customer's relationship stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelationshipChange {
    pub from: guanxi_domain::relationship::RelationshipStage,
    pub to: guanxi_domain::relationship::RelationshipStage,
    pub why: String,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
}

/// One confirmation of a customer's relationship level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelChange {
    pub from: Option<guanxi_domain::relationship::RelationshipLevel>,
    pub to: guanxi_domain::relationship::RelationshipLevel,
    pub why: String,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
}

//! The `impl Store` of relationships (the SQL is in `ops/`).

use crate::*;

impl Store {
    /// A customer's relationship stage and its history.
    pub async fn relationship(
        &self,
        customer_id: i64,
    ) -> Result<(guanxi_domain::relationship::RelationshipStage, Vec<RelationshipChange>), StoreError> {
        dispatch!(self, relationship(customer_id))
    }

    /// Moves a customer's relationship to another stage, with why (audited).
    pub async fn set_relationship(
        &self,
        actor: Actor,
        customer_id: i64,
        m: &guanxi_domain::relationship::StageMove,
    ) -> Result<(), StoreError> {
        dispatch!(self, set_relationship(actor, customer_id, m))
    }

    /// The confirmed relationship level and its confirmations.
    pub async fn relationship_level(
        &self,
        customer_id: i64,
    ) -> Result<(Option<guanxi_domain::relationship::RelationshipLevel>, Vec<LevelChange>), StoreError> {
        dispatch!(self, relationship_level(customer_id))
    }

    /// A person confirms the relationship level (audited).
    pub async fn confirm_level(
        &self,
        actor: Actor,
        customer_id: i64,
        to: guanxi_domain::relationship::RelationshipLevel,
        why: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self, confirm_level(actor, customer_id, to, why))
    }
}

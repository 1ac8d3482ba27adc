//! The `impl Store` of competitors (the SQL is in `ops/`).

use crate::*;

impl Store {
    pub async fn create_competitor(
        &self,
        actor: Actor,
        d: &guanxi_domain::competitors::CompetitorDraft,
    ) -> Result<i64, StoreError> {
        dispatch!(self, create_competitor(actor, d))
    }

    pub async fn update_competitor(
        &self,
        actor: Actor,
        id: i64,
        d: &guanxi_domain::competitors::CompetitorDraft,
    ) -> Result<(), StoreError> {
        dispatch!(self, update_competitor(actor, id, d))
    }

    pub async fn competitors(&self) -> Result<Vec<CompetitorRecord>, StoreError> {
        dispatch!(self, competitors())
    }

    pub async fn competitor(&self, id: i64) -> Result<CompetitorRecord, StoreError> {
        dispatch!(self, competitor(id))
    }

    /// Records a customer's engagement with a competitor (audited).
    pub async fn add_engagement(
        &self,
        actor: Actor,
        customer_id: i64,
        d: &guanxi_domain::competitors::EngagementDraft,
    ) -> Result<i64, StoreError> {
        let id = dispatch!(self, add_engagement(actor, customer_id, d))?;
        self.standing(customer_id).await?;
        Ok(id)
    }

    /// Ends an engagement on a day; returns its customer.
    /// The customer an engagement belongs to.
    pub async fn engagement_customer(&self, id: i64) -> Result<i64, StoreError> {
        dispatch!(self, engagement_customer(id))
    }

    pub async fn end_engagement(&self, actor: Actor, id: i64, until: chrono::NaiveDate) -> Result<i64, StoreError> {
        let customer = dispatch!(self, end_engagement(actor, id, until))?;
        self.standing(customer).await?;
        Ok(customer)
    }

    pub async fn engagements_of(&self, customer_id: i64) -> Result<Vec<EngagementRecord>, StoreError> {
        dispatch!(self, engagements_of(customer_id))
    }

    pub async fn engagements_with(&self, competitor_id: i64) -> Result<Vec<EngagementRecord>, StoreError> {
        dispatch!(self, engagements_with(competitor_id))
    }
}

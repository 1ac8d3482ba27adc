//! The `impl Store` of process sales (the SQL is in `ops/`).

use crate::*;

impl Store {
    /// Opens an opportunity for a customer at the first stage (see `ops::create_opportunity`).
    pub async fn create_opportunity(
        &self,
        actor: Actor,
        customer_id: i64,
        d: &guanxi_domain::sales::OpportunityDraft,
    ) -> Result<i64, StoreError> {
        dispatch!(self, create_opportunity(actor, customer_id, d))
    }

    pub async fn update_opportunity(
        &self,
        actor: Actor,
        id: i64,
        changes: &guanxi_domain::Raw,
        expected_version: Option<i64>,
    ) -> Result<OpportunityRecord, StoreError> {
        dispatch!(self, update_opportunity(actor, id, changes, expected_version))
    }

    pub async fn opportunity(&self, id: i64) -> Result<OpportunityRecord, StoreError> {
        dispatch!(self, opportunity(id))
    }

    pub async fn list_opportunities(&self, f: &OpportunityFilter) -> Result<OpportunityPage, StoreError> {
        dispatch!(self, list_opportunities(f))
    }

    /// Every stage's standard actions on an opportunity, and which are done.
    pub async fn opportunity_checklist(&self, id: i64) -> Result<Vec<guanxi_domain::sales::CheckItem>, StoreError> {
        dispatch!(self, opportunity_checklist(id))
    }

    /// Moves an open deal to a stage; forward only with the mandatory actions done, or with an
    /// override reason (the caller checks the actor may override).
    pub async fn move_opportunity(
        &self,
        actor: Actor,
        id: i64,
        to: guanxi_domain::sales::Stage,
        override_reason: Option<&str>,
    ) -> Result<OpportunityRecord, StoreError> {
        dispatch!(self, move_opportunity(actor, id, to, override_reason))
    }

    /// Wins or loses an open deal (see `ops::close_opportunity`).
    /// Wins or loses a deal. A win with `record_order` records its amount as the customer's
    /// order (number `DEAL-{id}`, on the day it was won) in the same transaction.
    pub async fn close_opportunity(
        &self,
        actor: Actor,
        id: i64,
        outcome: &guanxi_domain::sales::Outcome,
        override_reason: Option<&str>,
        record_order: bool,
    ) -> Result<OpportunityRecord, StoreError> {
        let o = dispatch!(self, close_opportunity(actor, id, outcome, override_reason, record_order))?;
        // The order moves the customer's standing (first purchase, 4R phase).
        if record_order && matches!(outcome, guanxi_domain::sales::Outcome::Won { .. }) {
            self.standing(o.customer_id).await?;
        }
        Ok(o)
    }

    pub async fn tick_action(
        &self,
        actor: Actor,
        id: i64,
        stage: guanxi_domain::sales::Stage,
        key: &str,
        done: bool,
    ) -> Result<(), StoreError> {
        dispatch!(self, tick_action(actor, id, stage, key, done))
    }

    pub async fn opportunity_changes(&self, id: i64) -> Result<Vec<StageChange>, StoreError> {
        dispatch!(self, opportunity_changes(id))
    }

    pub async fn add_objection(
        &self,
        actor: Actor,
        id: i64,
        d: &guanxi_domain::sales::ObjectionDraft,
    ) -> Result<i64, StoreError> {
        dispatch!(self, add_objection(actor, id, d))
    }

    pub async fn update_objection(
        &self,
        actor: Actor,
        objection_id: i64,
        d: &guanxi_domain::sales::ObjectionDraft,
    ) -> Result<(), StoreError> {
        dispatch!(self, update_objection(actor, objection_id, d))
    }

    pub async fn objections(&self, id: i64) -> Result<Vec<ObjectionRecord>, StoreError> {
        dispatch!(self, objections(id))
    }

    pub async fn set_chain_member(
        &self,
        actor: Actor,
        id: i64,
        key_person_id: i64,
        engaged: bool,
        plan: Option<&str>,
    ) -> Result<(), StoreError> {
        dispatch!(self, set_chain_member(actor, id, key_person_id, engaged, plan))
    }

    pub async fn remove_chain_member(&self, actor: Actor, id: i64, key_person_id: i64) -> Result<(), StoreError> {
        dispatch!(self, remove_chain_member(actor, id, key_person_id))
    }

    pub async fn decision_chain(&self, id: i64) -> Result<Vec<ChainRecord>, StoreError> {
        dispatch!(self, decision_chain(id))
    }

    pub async fn opportunity_tasks(&self, id: i64) -> Result<Vec<TaskRecord>, StoreError> {
        dispatch!(self, opportunity_tasks(id))
    }

    /// Attaches a file to an opportunity (see `ops::add_attachment`).
    pub async fn add_attachment(
        &self,
        actor: Actor,
        id: i64,
        name: &str,
        content_type: &str,
        content: &[u8],
    ) -> Result<i64, StoreError> {
        dispatch!(self, add_attachment(actor, id, name, content_type, content))
    }

    pub async fn attachments(&self, id: i64) -> Result<Vec<AttachmentInfo>, StoreError> {
        dispatch!(self, attachments(id))
    }

    pub async fn attachment(&self, id: i64, attachment: i64) -> Result<(AttachmentInfo, Vec<u8>), StoreError> {
        dispatch!(self, attachment(id, attachment))
    }

    pub async fn delete_attachment(&self, actor: Actor, id: i64, attachment: i64) -> Result<(), StoreError> {
        dispatch!(self, delete_attachment(actor, id, attachment))
    }

    /// Writes deals with their past in one transaction (see `ops::import_deals`).
    pub async fn import_deals(&self, actor: Actor, source: &str, deals: &[DealImport]) -> Result<usize, StoreError> {
        dispatch!(self, import_deals(actor, source, deals))
    }

    /// The sales reports for a scope and a period (see `ops::sales_report`).
    pub async fn sales_report(&self, f: &ReportFilter) -> Result<SalesReport, StoreError> {
        dispatch!(self, sales_report(f))
    }

    /// The company's sales settings (the defaults until an admin saves some).
    pub async fn sales_settings(&self) -> Result<guanxi_domain::sales::SalesSettings, StoreError> {
        let stored = dispatch!(self, setting("sales"))?;
        Ok(match stored {
            Some(v) => serde_json::from_value(v).map_err(|e| StoreError::Corrupt(format!("sales settings: {e}")))?,
            None => guanxi_domain::sales::SalesSettings::default(),
        })
    }

    /// Saves the sales settings after checking them, audited.
    pub async fn save_sales_settings(
        &self,
        actor: Actor,
        settings: &guanxi_domain::sales::SalesSettings,
    ) -> Result<(), StoreError> {
        settings.validate().map_err(StoreError::Invalid)?;
        let value = serde_json::to_value(settings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        dispatch!(self, save_setting(actor, "sales", &value))
    }
}

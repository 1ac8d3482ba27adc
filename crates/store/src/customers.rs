//! The `impl Store` of customers (the SQL is in `ops/`).

use crate::*;

impl Store {
    pub async fn create_customer(&self, actor: Actor, draft: &guanxi_domain::CustomerDraft) -> Result<i64, StoreError> {
        dispatch!(self, create_customer(actor, draft))
    }

    /// The customer, including a soft-deleted one (see `deleted_at`).
    pub async fn customer(&self, id: i64) -> Result<CustomerRecord, StoreError> {
        dispatch!(self, customer(id))
    }

    /// Applies a partial change. With `expected_version`, refuses if someone changed the
    /// customer in between.
    pub async fn update_customer(
        &self,
        actor: Actor,
        id: i64,
        changes: &guanxi_domain::Raw,
        expected_version: Option<i64>,
    ) -> Result<CustomerRecord, StoreError> {
        let r = dispatch!(self, update_customer(actor, id, changes, expected_version))?;
        // The owner and the status feed the relationship lists.
        if changes.has(guanxi_domain::Field::Owner) || changes.has(guanxi_domain::Field::Status) {
            self.standing(id).await?;
        }
        Ok(r)
    }

    /// Moves the customer to the recycle bin.
    pub async fn delete_customer(&self, actor: Actor, id: i64) -> Result<(), StoreError> {
        dispatch!(self, delete_customer(actor, id))
    }

    pub async fn restore_customer(&self, actor: Actor, id: i64) -> Result<(), StoreError> {
        dispatch!(self, restore_customer(actor, id))
    }

    pub async fn list_customers(&self, filter: &CustomerFilter) -> Result<Page<CustomerSummary>, StoreError> {
        dispatch!(self, list_customers(filter))
    }

    /// Tags in use, with how many customers carry each, most used first.
    pub async fn tags(&self) -> Result<Vec<(String, i64)>, StoreError> {
        dispatch!(self, tags())
    }

    pub async fn count_customers(&self) -> Result<i64, StoreError> {
        dispatch!(self, count_customers())
    }
}

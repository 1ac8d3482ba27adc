//! The `impl Store` of the audit log (the SQL is in `ops/`).

use crate::*;

impl Store {
    /// The customer's history, newest first, including that of customers merged into it.
    pub async fn history(&self, customer_id: i64) -> Result<Vec<AuditEntry>, StoreError> {
        dispatch!(self, history(customer_id))
    }

    /// The newest audit entries across the archive.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        dispatch!(self, audit_log(limit))
    }
}

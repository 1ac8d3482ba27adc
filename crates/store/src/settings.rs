//! The `impl Store` of the company's settings (the SQL is in `ops/`).

use crate::*;

impl Store {
    /// The address customers reach Guanxi at, if an admin (or `serve --public-url`) set one.
    pub async fn public_url(&self) -> Result<Option<String>, StoreError> {
        Ok(dispatch!(self, setting("public_url"))?.and_then(|v| v.as_str().map(str::to_string)))
    }

    /// Sets the public address after checking it (see `values::parse_public_url`), audited;
    /// an empty one clears it (links then use each server's own address).
    pub async fn save_public_url(&self, actor: Actor, input: &str) -> Result<Option<String>, StoreError> {
        if input.trim().is_empty() {
            dispatch!(self, save_setting(actor, "public_url", &serde_json::Value::Null))?;
            return Ok(None);
        }
        let url = guanxi_domain::values::parse_public_url(input)
            .map_err(|e| StoreError::Invalid(guanxi_domain::Validation(vec![e])))?;
        dispatch!(self, save_setting(actor, "public_url", &serde_json::Value::String(url.clone())))?;
        Ok(Some(url))
    }

    /// The company's value settings (the defaults until an admin saves some).
    pub async fn value_settings(&self) -> Result<guanxi_domain::value::ValueSettings, StoreError> {
        let stored = dispatch!(self, setting("value"))?;
        Ok(match stored {
            Some(v) => serde_json::from_value(v).map_err(|e| StoreError::Corrupt(format!("value settings: {e}")))?,
            None => guanxi_domain::value::ValueSettings::default(),
        })
    }

    /// Saves the value settings, audited.
    pub async fn save_value_settings(
        &self,
        actor: Actor,
        settings: &guanxi_domain::value::ValueSettings,
    ) -> Result<(), StoreError> {
        let before = self.value_settings().await?;
        let value = serde_json::to_value(settings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        dispatch!(self, save_setting(actor, "value", &value))?;
        // New visit intervals: each customer's next visit day with them, before My day is read.
        let intervals =
            |s: &guanxi_domain::value::ValueSettings| s.rules.iter().map(|r| r.visit_days).collect::<Vec<_>>();
        if intervals(&before) != intervals(settings) {
            self.sweep_reminders(chrono::Utc::now()).await?;
        }
        Ok(())
    }

    /// Replaces the saved customer values with a new assessment; returns the run's id.
    pub async fn save_assessment(
        &self,
        actor: Actor,
        as_of: chrono::NaiveDate,
        unit: &str,
        report: &serde_json::Value,
        values: &[guanxi_domain::value::CustomerValue],
    ) -> Result<i64, StoreError> {
        dispatch!(self, save_assessment(actor, as_of, unit, report, values))
    }

    pub async fn customer_value(
        &self,
        customer_id: i64,
    ) -> Result<Option<guanxi_domain::value::CustomerValue>, StoreError> {
        dispatch!(self, customer_value(customer_id))
    }

    pub async fn latest_value_run(&self) -> Result<Option<ValueRun>, StoreError> {
        dispatch!(self, latest_value_run())
    }

    /// The names of customers by id (those that exist).
    pub async fn customer_names(&self, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>, StoreError> {
        dispatch!(self, customer_names(ids))
    }

    pub async fn churn_watch(&self, threshold: f64, limit: i64) -> Result<Vec<ChurnRow>, StoreError> {
        dispatch!(self, churn_watch(threshold, limit))
    }

    /// Customers whose last order is more than `factor` × their own rhythm ago.
    pub async fn overdue(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        factor: f64,
        limit: i64,
    ) -> Result<Vec<OverdueRow>, StoreError> {
        dispatch!(self, overdue(now, factor, limit))
    }
}

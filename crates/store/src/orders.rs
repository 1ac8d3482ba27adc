//! The `impl Store` of orders, their rollups and the customers' value (the SQL is in `ops/`).

use crate::*;

impl Store {
    /// Writes orders, all or none (see `ops::import_order_batches`); returns what was written
    /// and the rows refused by line. Without `partial`, a refused row writes nothing.
    pub async fn import_orders(
        &self,
        actor: Actor,
        source: &str,
        rows: &[(usize, guanxi_domain::orders::OrderDraft)],
        partial: bool,
    ) -> Result<(OrderOutcome, Vec<(usize, guanxi_domain::Validation)>), StoreError> {
        dispatch!(self, import_orders(actor, source, rows, partial))
    }

    /// Writes orders from a source of batches in one transaction (see
    /// `ops::import_order_batches`): what a large file's import uses.
    pub async fn import_order_batches(
        &self,
        actor: Actor,
        source: &str,
        batches: &mut dyn OrderBatches,
        partial: bool,
    ) -> Result<(OrderOutcome, Vec<(usize, guanxi_domain::Validation)>), StoreError> {
        dispatch!(self, import_order_batches(actor, source, batches, partial))
    }

    /// What importing these orders would do, row by row, without writing.
    pub async fn preview_orders(
        &self,
        rows: &[(usize, guanxi_domain::orders::OrderDraft)],
    ) -> Result<Vec<OrderPreview>, StoreError> {
        dispatch!(self, preview_orders(rows))
    }

    /// Orders across all customers, newest first (see `OrderFilter`).
    pub async fn list_orders(&self, filter: &OrderFilter) -> Result<OrderPage, StoreError> {
        dispatch!(self, list_orders(filter))
    }

    /// Records one order for a customer: creates it, or — only for this customer's own order
    /// number and with `may_update` — updates it; another customer's number is a conflict.
    /// Returns the order and whether it was created.
    pub async fn record_order(
        &self,
        actor: Actor,
        customer_id: i64,
        draft: &guanxi_domain::orders::OrderDraft,
        may_update: bool,
    ) -> Result<(OrderRecord, bool), StoreError> {
        dispatch!(self, record_order(actor, customer_id, draft, may_update))
    }

    pub async fn orders_of(&self, customer_id: i64) -> Result<Vec<OrderRecord>, StoreError> {
        dispatch!(self, orders_of(customer_id))
    }

    pub async fn rollup(&self, customer_id: i64) -> Result<Option<Rollup>, StoreError> {
        dispatch!(self, rollup(customer_id))
    }

    /// Every live customer's purchase history as of `period.as_of`, summed for the assessment.
    /// As of today (after the last purchase, at the rate of the settings' summaries) this reads
    /// one summary a customer and the window's sums; other dates aggregate every purchase day.
    pub async fn histories(
        &self,
        period: &guanxi_domain::value::Period,
    ) -> Result<Vec<guanxi_domain::value::History>, StoreError> {
        if let Some(h) = self.histories_from_summaries(period).await? {
            return Ok(h);
        }
        dispatch!(self, histories(period))
    }

    /// Histories from the purchase summaries, or None when they cannot answer for `period`.
    pub async fn histories_from_summaries(
        &self,
        period: &guanxi_domain::value::Period,
    ) -> Result<Option<Vec<guanxi_domain::value::History>>, StoreError> {
        dispatch!(self, histories_from_summaries(period))
    }

    /// Rewrites purchase summaries that are missing or at another rate (see `histories`).
    pub async fn ensure_summaries(&self, rate: f64) -> Result<usize, StoreError> {
        dispatch!(self, ensure_summaries(rate))
    }

    /// Assesses every customer with `cfg` (the models' fits run off the async threads).
    /// Returns the assessment and its report (with the holdout check when `cfg` has one).
    pub async fn assess(
        &self,
        cfg: &guanxi_domain::value::AssessConfig,
    ) -> Result<(guanxi_domain::value::Assessment, serde_json::Value), StoreError> {
        use guanxi_domain::value::{assess, holdout};
        let histories = self.histories(&cfg.period).await?;
        let cfg = cfg.clone();
        tokio::task::spawn_blocking(move || {
            let a = assess(&histories, &cfg);
            let rows = match &a.bg_nbd {
                Some(b) => holdout(&histories, &b.params, &cfg.period, cfg.unit_days),
                None => Vec::new(),
            };
            let report = a.report(&cfg, &rows);
            (a, report)
        })
        .await
        .map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// Assesses every customer as of today (China time) with the company's value settings and
    /// saves the result: what the nightly job, a manager's recompute and `serve --demo` run.
    /// Returns the run's id (None when nobody has bought yet) and how many were assessed.
    pub async fn assess_today(&self, actor: Actor) -> Result<(Option<i64>, usize), StoreError> {
        let settings = self.value_settings().await?;
        let cfg = settings.config(today_in_china());
        self.ensure_summaries(cfg.period.annual_rate).await?;
        let (a, report) = self.assess(&cfg).await?;
        if a.values.is_empty() {
            return Ok((None, 0));
        }
        let run = self.save_assessment(actor, cfg.period.as_of, settings.unit.code(), &report, &a.values).await?;
        // The tiers changed: so did each customer's next visit day.
        self.sweep_reminders(chrono::Utc::now()).await?;
        Ok((Some(run), a.values.len()))
    }
}

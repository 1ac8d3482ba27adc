//! The `impl Store` of the reminder sweep (SQL in `ops/reminders.rs`): each customer's next
//! visit day, rebuilt nightly after the value run (and whenever it is missing or the value
//! settings change), read by My day; and the morning digest notification.

use crate::*;
use chrono::{DateTime, NaiveDate, Utc};

/// The setting that says when the visit schedule was last rebuilt; removed to ask for a rebuild.
const SWEPT: &str = "reminders_swept_at";

impl Store {
    /// Rebuilds every customer's next visit day from the value settings' intervals (the value
    /// run does, and a change of the intervals); returns how many customers are scheduled.
    pub async fn sweep_reminders(&self, at: DateTime<Utc>) -> Result<u64, StoreError> {
        let value = self.value_settings().await?;
        let every: Vec<(guanxi_domain::ValueTier, u32)> = value.rules.iter().map(|r| (r.tier, r.visit_days)).collect();
        let scheduled = dispatch!(self, sweep_visits(&every))?;
        dispatch!(self, save_setting(Actor::SYSTEM, SWEPT, &serde_json::json!(at.to_rfc3339())))?;
        Ok(scheduled)
    }

    /// Tells each user what their day at `at` holds (birthdays, visits due, tasks due), once a
    /// day; returns how many were told.
    pub async fn send_reminder_digests(&self, at: DateTime<Utc>) -> Result<usize, StoreError> {
        dispatch!(self, send_reminder_digests(guanxi_domain::china::day(at), at))
    }

    /// Rebuilds the visit schedule if it never was, or was asked for since (the value settings
    /// changed); returns whether it did. The job worker calls it every round.
    pub async fn sweep_reminders_if_due(&self, at: DateTime<Utc>) -> Result<bool, StoreError> {
        if dispatch!(self, setting(SWEPT))?.is_some_and(|v| !v.is_null()) {
            return Ok(false);
        }
        self.sweep_reminders(at).await?;
        Ok(true)
    }

    /// The customers `owners` look after (`None`: everyone's) past their visit day on `today`,
    /// most overdue first, at most `limit` (see `ops::visits_due`).
    pub async fn visits_due(
        &self,
        owners: Option<&[i64]>,
        today: NaiveDate,
        limit: usize,
    ) -> Result<Vec<VisitDue>, StoreError> {
        dispatch!(self, visits_due(owners, today, limit))
    }
}

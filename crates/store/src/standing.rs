//! The `impl Store` of standing: the 4R phase, level proposal, signs, satisfaction, loyalty and quadrant (the SQL is in `ops/`).

use crate::*;

impl Store {
    /// The thresholds of the company's value settings that the lifecycle uses.
    pub async fn standing_thresholds(&self) -> Result<guanxi_domain::standing::Thresholds, StoreError> {
        let v = self.value_settings().await?;
        Ok(guanxi_domain::standing::Thresholds {
            churn_below: v.churn_below,
            overdue_factor: v.overdue_factor,
            lifetime_years: v.lifetime_years,
            annual_rate: v.annual_rate,
        })
    }

    /// One customer's standing now, with its inputs; their row in the lists is brought up to date.
    pub async fn standing(&self, customer_id: i64) -> Result<StandingRecord, StoreError> {
        let t = self.standing_thresholds().await?;
        dispatch!(self, refresh_standing(customer_id, chrono::Utc::now(), t))
    }

    /// Every customer's standing as of `now`, written where it changed; returns the run's id
    /// and how many rows changed.
    pub async fn recompute_standing(&self, now: chrono::DateTime<chrono::Utc>) -> Result<StandingRunStats, StoreError> {
        let t = self.standing_thresholds().await?;
        dispatch!(self, recompute_standing(now, t))
    }

    /// When the latest recompute ran, for how many customers, and its counts.
    pub async fn latest_standing_run(
        &self,
    ) -> Result<Option<(chrono::DateTime<chrono::Utc>, i64, StandingReport)>, StoreError> {
        dispatch!(self, latest_standing_run())
    }

    /// Records a health check (audited); the customer's health score follows it.
    pub async fn save_health_check(
        &self,
        actor: Actor,
        customer_id: i64,
        check: &guanxi_domain::health::HealthCheck,
    ) -> Result<i64, StoreError> {
        let id = dispatch!(self, save_health_check(actor, customer_id, check))?;
        self.standing(customer_id).await?;
        Ok(id)
    }

    /// A customer's health checks, newest first.
    pub async fn health_checks(&self, customer_id: i64) -> Result<Vec<HealthCheckRecord>, StoreError> {
        dispatch!(self, health_checks(customer_id))
    }

    /// A page of the relationship-health list.
    pub async fn health_list(
        &self,
        order: HealthOrder,
        owner: Option<i64>,
        team: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<HealthRow>, StoreError> {
        dispatch!(self, health_list(order, owner, team, limit, offset))
    }

    /// A page of the customers in one quadrant, least satisfied first.
    pub async fn in_quadrant(
        &self,
        quadrant: guanxi_domain::standing::Quadrant,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<HealthRow>, StoreError> {
        dispatch!(self, in_quadrant(quadrant, limit, offset))
    }

    /// Records our share of the customer's spending (audited); `None` clears it.
    pub async fn set_wallet_share(&self, actor: Actor, customer_id: i64, share: Option<u8>) -> Result<(), StoreError> {
        dispatch!(self, set_wallet_share(actor, customer_id, share))?;
        self.standing(customer_id).await.map(|_| ())
    }

    pub async fn wallet_share(&self, customer_id: i64) -> Result<Option<u8>, StoreError> {
        dispatch!(self, wallet_share(customer_id))
    }
}

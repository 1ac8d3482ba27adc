//! The `impl Store` of referrals and win-back (the SQL is in `ops/`).

use crate::*;

impl Store {
    /// Records who referred a customer (audited); both customers' standing follows.
    pub async fn add_referral(
        &self,
        actor: Actor,
        referred_id: i64,
        d: &guanxi_domain::winback::ReferralDraft,
    ) -> Result<i64, StoreError> {
        let id = dispatch!(self, add_referral(actor, referred_id, d))?;
        let (by, _) = dispatch!(self, referrals_of(referred_id))?;
        if let Some(r) = by {
            self.standing(r.referrer_id).await?;
        }
        Ok(id)
    }

    /// Takes a referral back (audited); returns the referred customer.
    /// The customer a live referral brought.
    pub async fn referred_by_referral(&self, id: i64) -> Result<i64, StoreError> {
        dispatch!(self, referred_by_referral(id))
    }

    pub async fn remove_referral(&self, actor: Actor, id: i64) -> Result<i64, StoreError> {
        let (referred, referrer) = dispatch!(self, remove_referral(actor, id))?;
        self.standing(referrer).await?;
        Ok(referred)
    }

    /// Who referred the customer, and whom they referred.
    pub async fn referrals_of(
        &self,
        customer_id: i64,
    ) -> Result<(Option<ReferralRecord>, Vec<ReferralRecord>), StoreError> {
        dispatch!(self, referrals_of(customer_id))
    }

    /// The referrals report since a day (all when `None`).
    pub async fn referral_report(&self, since: Option<chrono::NaiveDate>) -> Result<ReferralReport, StoreError> {
        dispatch!(self, referral_report(since))
    }

    /// Opens a win-back case by hand, with the customer's lifetime figure now (audited).
    pub async fn open_winback_case(&self, actor: Actor, customer_id: i64) -> Result<i64, StoreError> {
        let s = self.standing(customer_id).await?;
        let t = self.standing_thresholds().await?;
        let (Some(first), Some(last)) = (s.inputs.first_order, s.inputs.last_order) else {
            return Err(StoreError::conflict(
                "这位客户还没有购买记录，谈不上挽回",
                "the customer has never bought: there is nothing to win back",
            ));
        };
        let figure = guanxi_domain::winback::LifetimeFigure::of(
            s.inputs.revenue_fen,
            first,
            last,
            t.lifetime_years,
            t.annual_rate,
        );
        dispatch!(self, open_case(actor, customer_id, guanxi_domain::winback::Trigger::Manual, figure))
    }

    /// Win-back cases, open first, then by what is at stake.
    pub async fn winback_cases(
        &self,
        status: Option<guanxi_domain::winback::CaseStatus>,
        owner: Option<i64>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<CaseRecord>, StoreError> {
        dispatch!(self, cases(status, owner, limit, offset))
    }

    /// One win-back case with its attempts.
    pub async fn winback_case(&self, id: i64) -> Result<CaseRecord, StoreError> {
        dispatch!(self, case(id))
    }

    /// The customer's open win-back case, if any.
    pub async fn open_winback_case_of(&self, customer_id: i64) -> Result<Option<i64>, StoreError> {
        dispatch!(self, open_case_of(customer_id))
    }

    /// Records an attempt on an open case (audited).
    pub async fn add_winback_attempt(
        &self,
        actor: Actor,
        case_id: i64,
        d: &guanxi_domain::winback::AttemptDraft,
    ) -> Result<i64, StoreError> {
        dispatch!(self, add_attempt(actor, case_id, d))
    }

    /// Closes a case: won back or lost for good; the customer's status follows (audited).
    pub async fn close_winback_case(
        &self,
        actor: Actor,
        case_id: i64,
        outcome: &guanxi_domain::winback::CaseOutcome,
    ) -> Result<(), StoreError> {
        let customer = dispatch!(self, close_case(actor, case_id, outcome))?;
        self.standing(customer).await.map(|_| ())
    }
}

//! The `impl Store` of satisfaction surveys (the SQL is in `ops/`).

use crate::*;

impl Store {
    /// Records a survey a person took down (`via`: form or api), answered now (audited).
    pub async fn record_survey(
        &self,
        actor: Actor,
        customer_id: i64,
        request: &guanxi_domain::standing::SurveyRequest,
        via: &str,
        answers: &guanxi_domain::standing::SurveyAnswers,
    ) -> Result<i64, StoreError> {
        let id = dispatch!(self, record_survey(actor, customer_id, request, via, answers))?;
        self.standing(customer_id).await?;
        Ok(id)
    }

    /// A survey to be answered through a link until `expires_at` (audited).
    pub async fn create_survey_link(
        &self,
        actor: Actor,
        customer_id: i64,
        request: &guanxi_domain::standing::SurveyRequest,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<i64, StoreError> {
        dispatch!(self, create_survey_link(actor, customer_id, request, expires_at))
    }

    /// The answers given through a link, taken once and only before it expires.
    /// Withdraws an open survey link; returns the customer's id.
    pub async fn cancel_survey_link(&self, actor: Actor, id: i64) -> Result<i64, StoreError> {
        dispatch!(self, cancel_survey_link(actor, id))
    }

    pub async fn answer_survey_link(
        &self,
        id: i64,
        answers: &guanxi_domain::standing::SurveyAnswers,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Result<i64, LinkRefusal>, StoreError> {
        let taken = dispatch!(self, answer_survey_link(id, answers, at))?;
        if let Ok(customer) = taken {
            self.standing(customer).await?;
        }
        Ok(taken)
    }

    pub async fn survey(&self, id: i64) -> Result<SurveyRecord, StoreError> {
        dispatch!(self, survey(id))
    }

    /// A customer's surveys, newest first.
    pub async fn surveys(&self, customer_id: i64) -> Result<Vec<SurveyRecord>, StoreError> {
        dispatch!(self, surveys(customer_id))
    }

    /// Writes many answered surveys at once (one transaction, one audit entry); the
    /// customers' standing follows at the next recompute.
    pub async fn import_surveys(
        &self,
        actor: Actor,
        source: &str,
        rows: &[(
            i64,
            guanxi_domain::standing::SurveyRequest,
            guanxi_domain::standing::SurveyAnswers,
            chrono::DateTime<chrono::Utc>,
        )],
    ) -> Result<usize, StoreError> {
        dispatch!(self, import_surveys(actor, source, rows))
    }

    /// Writes many contacts at once (one transaction, one audit entry); the customers'
    /// standing follows at the next recompute.
    pub async fn import_interactions(
        &self,
        actor: Actor,
        source: &str,
        rows: &[(i64, guanxi_domain::InteractionDraft)],
    ) -> Result<usize, StoreError> {
        dispatch!(self, import_interactions(actor, source, rows))
    }

    /// The installation's secret `name`, made from `fresh` the first time.
    pub async fn ensure_secret(&self, name: &str, fresh: &str) -> Result<String, StoreError> {
        dispatch!(self, ensure_secret(name, fresh))
    }
}

//! The `impl Store` of cadences 跟进节奏, message templates and marketing consent (the SQL is in
//! `ops/cadences.rs`).

use crate::*;
use chrono::{DateTime, Utc};
use guanxi_domain::Lang;
use guanxi_domain::cadences::{CadenceDraft, ConsentState, TemplateDraft};
use guanxi_domain::outbox::MessageChannel;

impl Store {
    pub async fn templates(&self) -> Result<Vec<TemplateRecord>, StoreError> {
        dispatch!(self, templates())
    }

    pub async fn template(&self, id: i64) -> Result<TemplateRecord, StoreError> {
        dispatch!(self, template(id))
    }

    /// Saves a template (new when `id` is `None`), audited.
    pub async fn save_template(
        &self,
        actor: Actor,
        id: Option<i64>,
        d: &TemplateDraft,
    ) -> Result<TemplateRecord, StoreError> {
        dispatch!(self, save_template(actor, id, d))
    }

    /// A template filled in for a real customer: (subject, body).
    pub async fn preview_template(
        &self,
        d: &TemplateDraft,
        customer: i64,
        lang: Lang,
    ) -> Result<(String, String), StoreError> {
        dispatch!(self, preview_template(d, customer, lang))
    }

    pub async fn cadences(&self) -> Result<Vec<CadenceRecord>, StoreError> {
        dispatch!(self, cadences())
    }

    /// How many of the customers `filter` matches can get marketing on `channel` (address and
    /// consent); `None` for a searched list.
    pub async fn reachable(
        &self,
        filter: &CustomerFilter,
        channel: guanxi_domain::outbox::MessageChannel,
    ) -> Result<Option<i64>, StoreError> {
        dispatch!(self, reachable(filter, channel))
    }

    /// Pauses a cadence (`true`: its steps stop and nobody can be put in) or resumes it; audited.
    pub async fn pause_cadence(&self, actor: Actor, id: i64, paused: bool) -> Result<CadenceRecord, StoreError> {
        dispatch!(self, pause_cadence(actor, id, paused))
    }

    pub async fn cadence(&self, id: i64) -> Result<CadenceRecord, StoreError> {
        dispatch!(self, cadence(id))
    }

    /// Saves a cadence and its steps (new when `id` is `None`), audited.
    pub async fn save_cadence(
        &self,
        actor: Actor,
        id: Option<i64>,
        d: &CadenceDraft,
    ) -> Result<CadenceRecord, StoreError> {
        dispatch!(self, save_cadence(actor, id, d))
    }

    /// The coffee shop's example cadence with its three templates, in `lang`.
    pub async fn create_example_cadence(&self, actor: Actor, lang: Lang) -> Result<CadenceRecord, StoreError> {
        dispatch!(self, create_example_cadence(actor, lang))
    }

    /// Enrols the customers `ids` names, or every one `filter` matches: (enrolled, already in,
    /// ids that are no live customer).
    pub async fn enrol(
        &self,
        actor: Actor,
        cadence: i64,
        ids: Option<&[i64]>,
        filter: Option<&CustomerFilter>,
        at: DateTime<Utc>,
    ) -> Result<(u64, u64, u64), StoreError> {
        dispatch!(self, enrol(actor, cadence, ids, filter, at))
    }

    /// Takes a customer out of a cadence by hand.
    pub async fn leave_cadence(&self, actor: Actor, enrolment: i64) -> Result<(), StoreError> {
        dispatch!(self, leave_cadence(actor, enrolment))
    }

    /// Runs the cadence steps due at `at` (see `ops::run_cadence_steps`); how many ran.
    pub async fn run_cadence_steps(&self, at: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut total = 0;
        loop {
            let n = dispatch!(self, run_cadence_steps(at, 1000))?;
            total += n;
            if n < 1000 {
                return Ok(total);
            }
        }
    }

    /// A customer's cadences, or a cadence's customers, newest first.
    pub async fn enrolments(
        &self,
        customer: Option<i64>,
        cadence: Option<i64>,
        limit: i64,
    ) -> Result<Vec<EnrolmentRecord>, StoreError> {
        dispatch!(self, enrolments(customer, cadence, limit))
    }

    pub async fn enrolments_by_id(&self, id: i64) -> Result<EnrolmentRecord, StoreError> {
        dispatch!(self, enrolment(id))
    }

    /// The cadence steps coming up by `until` for the customers `owners` look after.
    pub async fn steps_ahead(
        &self,
        owners: Option<&[i64]>,
        until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<EnrolmentRecord>, StoreError> {
        dispatch!(self, steps_ahead(owners, until, limit))
    }

    pub async fn cadence_report(&self, cadence: i64) -> Result<CadenceReport, StoreError> {
        dispatch!(self, cadence_report(cadence))
    }

    /// Records a customer's answer to marketing on a channel; a withdrawal takes them out of
    /// every cadence and cancels their marketing messages not sent yet.
    pub async fn record_consent(
        &self,
        actor: Actor,
        customer: i64,
        channel: MessageChannel,
        state: ConsentState,
        how: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self, record_consent(actor, customer, channel, state, how))
    }

    /// The same answer for many customers at once (the demo's, an import's).
    pub async fn record_consents(
        &self,
        actor: Actor,
        customers: &[i64],
        channel: MessageChannel,
        state: ConsentState,
        how: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self, record_consents(actor, customers, channel, state, how))
    }

    pub async fn consents(&self, customer: i64) -> Result<Vec<ConsentRecord>, StoreError> {
        dispatch!(self, consents(customer))
    }
}

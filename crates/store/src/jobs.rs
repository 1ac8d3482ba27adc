//! The job queue's `impl Store` (SQL in `ops/jobs.rs`): background work such as the value and
//! relationship recomputes, in the database so that it survives a restart and any of several
//! servers may run it, never two at once.
//!
//! A running job holds a lease of [`LEASE`] that its worker renews every [`RENEW_EVERY`]; when
//! a worker dies (kill -9, a lost machine) its job is taken again once the lease runs out. What
//! makes two jobs the same job is a key: a nightly run's night (kept for good, so each night is
//! queued once whatever happens), or the kind of a job asked for by hand while one of that kind
//! is queued or running.

use crate::{Actor, Db, Job, JobKind, JobState, Store, StoreError, next_china_time, pg, sqlite};
use chrono::{DateTime, Utc};

/// How long a job stays a worker's without a renewal.
pub const LEASE: chrono::Duration = chrono::Duration::seconds(60);
/// How often a running job's worker renews its lease.
pub const RENEW_EVERY: std::time::Duration = std::time::Duration::from_secs(20);

/// The key of the nightly run at `at`.
fn night_key(at: DateTime<Utc>) -> String {
    format!("{}@{}", JobKind::NightlyValues.code(), at.to_rfc3339())
}

impl Store {
    /// Asks for a job of `kind` to run now: `(id, true)` when queued, or the job of that kind
    /// already queued or running and `false` (a second click, or a colleague's, queues nothing;
    /// F-18 of the security review). A queued one waiting for later is moved to now.
    pub async fn enqueue_job(
        &self,
        actor: Actor,
        kind: JobKind,
        run_at: DateTime<Utc>,
    ) -> Result<(i64, bool), StoreError> {
        let key = kind.code();
        let (id, new) = dispatch!(
            self,
            enqueue_job(actor, kind.code(), &serde_json::json!({}), run_at, kind.max_attempts(), Some(key))
        )?;
        if !new {
            dispatch!(self, hasten_job(id, run_at))?;
        }
        Ok((id, new))
    }

    /// The latest jobs, newest first, optionally of one kind.
    pub async fn jobs(&self, kind: Option<JobKind>, limit: i64) -> Result<Vec<Job>, StoreError> {
        dispatch!(self, jobs(kind.map(JobKind::code), limit))
    }

    /// Makes sure the nightly value recompute is scheduled at the next 02:00 China time after
    /// `now`; returns the job's id if this call queued it.
    pub async fn schedule_nightly_at(&self, now: DateTime<Utc>) -> Result<Option<i64>, StoreError> {
        let kind = JobKind::NightlyValues;
        let at = next_china_time(now, 2);
        let key = night_key(at);
        let (id, new) = dispatch!(
            self,
            enqueue_job(Actor::SYSTEM, kind.code(), &serde_json::json!({}), at, kind.max_attempts(), Some(&key))
        )?;
        Ok(new.then_some(id))
    }

    /// [`Store::schedule_nightly_at`] now.
    pub async fn schedule_nightly(&self) -> Result<Option<i64>, StoreError> {
        self.schedule_nightly_at(Utc::now()).await
    }

    /// Takes the next due job for `worker` at `at` (queued and due, or running with its lease
    /// run out), leased until `at + LEASE`.
    pub async fn claim_job(&self, worker: &str, at: DateTime<Utc>) -> Result<Option<Job>, StoreError> {
        dispatch!(self, claim_job(worker, at, at + LEASE))
    }

    /// Extends `worker`'s lease on job `id` from `at`; false if the job is no longer its own.
    pub async fn renew_job(&self, id: i64, worker: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        dispatch!(self, renew_job(id, worker, at + LEASE))
    }

    /// Records the success of `worker`'s job.
    pub async fn finish_job(&self, id: i64, worker: &str, result: &serde_json::Value) -> Result<(), StoreError> {
        dispatch!(self, finish_job(id, worker, result))
    }

    /// Records a failed attempt of `worker`'s job: queued again at `retry_at` while attempts
    /// remain, else failed; None if the job was not `worker`'s any more.
    pub async fn fail_job(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<Option<JobState>, StoreError> {
        dispatch!(self, fail_job(id, worker, error, retry_at))
    }

    /// Runs every job that is due, one after another, as `worker`; returns how many ran. The
    /// lease is renewed while a job runs; a failed attempt is retried five minutes later until
    /// the job's attempts are used up; a job whose workers died during every attempt fails.
    pub async fn run_due_jobs(&self, worker: &str) -> Result<usize, StoreError> {
        let mut ran = 0;
        loop {
            let now = Utc::now();
            let Some(job) = self.claim_job(worker, now).await? else { return Ok(ran) };
            ran += 1;
            if job.attempts > job.max_attempts {
                let error = "the worker stopped during every attempt (the server was killed or lost)";
                self.fail_job(job.id, worker, error, now).await?;
                continue;
            }
            let renewal = {
                let (store, worker, id) = (self.clone(), worker.to_string(), job.id);
                tokio::spawn(async move {
                    loop {
                        tokio::time::sleep(RENEW_EVERY).await;
                        match store.renew_job(id, &worker, Utc::now()).await {
                            Ok(true) => {}
                            Ok(false) => return,
                            Err(e) => eprintln!("jobs: renewing job {id}: {}", e.message(guanxi_domain::Lang::En)),
                        }
                    }
                })
            };
            let outcome = self.run_job(&job).await;
            renewal.abort();
            match outcome {
                Ok(result) => self.finish_job(job.id, worker, &result).await?,
                Err(e) => {
                    self.fail_job(job.id, worker, &e.to_string(), Utc::now() + chrono::Duration::minutes(5)).await?;
                }
            }
        }
    }

    async fn run_job(&self, job: &Job) -> Result<serde_json::Value, StoreError> {
        match JobKind::parse(&job.kind) {
            Some(JobKind::RecomputeValues) | Some(JobKind::NightlyValues) => {
                let (run, customers) = self.assess_today(Actor(job.created_by)).await?;
                if job.kind == JobKind::NightlyValues.code() {
                    // Queued once per night by its key, however often this runs.
                    self.schedule_nightly_at(job.run_at + chrono::Duration::minutes(1)).await?;
                }
                let standing = self.recompute_standing(Utc::now()).await?;
                // The nightly run tells each user what their day holds (the visit schedule was
                // rebuilt with the tiers).
                let told = if job.kind == JobKind::NightlyValues.code() {
                    self.send_reminder_digests(Utc::now()).await?
                } else {
                    0
                };
                Ok(serde_json::json!({"run": run, "customers": customers, "standing": standing, "digests": told}))
            }
            Some(JobKind::RecomputeStanding) => {
                Ok(serde_json::json!({"standing": self.recompute_standing(Utc::now()).await?}))
            }
            None => Err(StoreError::Corrupt(format!("unknown job kind {:?}", job.kind))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A failing job is queued again five minutes later until its attempts are used up, then
    /// fails for good with its error.
    #[tokio::test]
    async fn failed_jobs_retry_then_fail() {
        let scratch = crate::scratch::Scratch::new();
        let store = Store::open(&scratch.sqlite("guanxi-store-tests")).await.unwrap();
        let now = Utc::now();
        let (id, _) =
            dispatch!(store, enqueue_job(Actor::SYSTEM, "no.such.kind", &serde_json::json!({}), now, 2, None)).unwrap();
        assert_eq!(store.run_due_jobs("w").await.unwrap(), 1);
        let job = store.jobs(None, 5).await.unwrap().into_iter().find(|j| j.id == id).unwrap();
        assert_eq!((job.state, job.attempts), (JobState::Queued, 1));
        assert!(job.last_error.as_deref().unwrap_or("").contains("no.such.kind"));
        assert!(job.run_at > now + chrono::Duration::minutes(4), "retried later");
        // Not due again yet; when it is, the second attempt fails it for good.
        assert_eq!(store.run_due_jobs("w").await.unwrap(), 0);
        let later = job.run_at + chrono::Duration::seconds(1);
        let claimed = store.claim_job("w", later).await.unwrap().unwrap();
        assert_eq!(claimed.attempts, 2);
        let state = store.fail_job(id, "w", "again", later + chrono::Duration::minutes(5)).await.unwrap();
        assert_eq!(state, Some(JobState::Failed));
        store.close().await;
    }
}

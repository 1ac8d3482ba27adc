//! The `impl Store` of tasks 待办 (the SQL is in `ops/tasks.rs`).

use crate::*;
use guanxi_domain::tasks::{TaskDone, TaskDraft};

impl Store {
    /// Creates a task a person entered (see `ops::create_task`).
    pub async fn create_task(&self, actor: Actor, d: &TaskDraft) -> Result<TaskRecord, StoreError> {
        dispatch!(self, create_task(actor, d))
    }

    pub async fn task(&self, id: i64) -> Result<TaskRecord, StoreError> {
        dispatch!(self, task(id))
    }

    /// Changes a task: put off, given to someone else, corrected (see `ops::update_task`).
    pub async fn update_task(&self, actor: Actor, id: i64, d: &TaskDraft) -> Result<TaskRecord, StoreError> {
        dispatch!(self, update_task(actor, id, d))
    }

    /// Marks a task done, logging the contact with it if asked (see `ops::finish_task`).
    pub async fn finish_task(&self, actor: Actor, id: i64, done: &TaskDone) -> Result<TaskRecord, StoreError> {
        dispatch!(self, finish_task(actor, id, done))
    }

    /// Opens a done task again.
    pub async fn reopen_task(&self, actor: Actor, id: i64) -> Result<TaskRecord, StoreError> {
        dispatch!(self, reopen_task(actor, id))
    }

    /// Ticks a task done (nothing logged) or opens it again: the deal page's checkbox.
    pub async fn complete_task(&self, actor: Actor, id: i64, done: bool) -> Result<TaskRecord, StoreError> {
        if done {
            self.finish_task(actor, id, &TaskDone { result: None, log_contact: false, channel: None }).await
        } else {
            self.reopen_task(actor, id).await
        }
    }

    pub async fn tasks(&self, f: &TaskFilter) -> Result<Vec<TaskRecord>, StoreError> {
        dispatch!(self, list_tasks(f))
    }

    /// Birthdays in the days ahead of the customers `owners` look after (see `ops::birthdays`).
    pub async fn birthdays(
        &self,
        owners: Option<&[i64]>,
        from: chrono::NaiveDate,
        days: u32,
        limit: usize,
    ) -> Result<(Vec<Birthday>, usize), StoreError> {
        dispatch!(self, birthdays(owners, from, days, limit))
    }
}

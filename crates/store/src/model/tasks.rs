//! The store's types for tasks 待办.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use guanxi_domain::tasks::{TaskDraft, TaskKind};
use serde::Serialize;

/// A task as stored, with the names of what it is for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskRecord {
    pub id: i64,
    pub title: String,
    pub kind: TaskKind,
    pub due_on: NaiveDate,
    /// China time of day, when the hour matters.
    pub due_time: Option<NaiveTime>,
    pub assignee_id: i64,
    /// The assignee's username.
    pub assignee: String,
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    pub key_person_id: Option<i64>,
    pub key_person_name: Option<String>,
    pub opportunity_id: Option<i64>,
    pub opportunity_title: Option<String>,
    pub notes: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
    /// Who ticked it (a username).
    pub done_by: Option<String>,
    pub result: Option<String>,
    /// The contact logged when it was done.
    pub interaction_id: Option<i64>,
    /// What made it: `person`, `after_sales` (winning a deal), later `cadence` or `reminder`.
    pub origin: String,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TaskRecord {
    /// The task as a draft, for a form or a change.
    pub fn draft(&self) -> TaskDraft {
        TaskDraft {
            title: self.title.clone(),
            kind: self.kind,
            due_on: self.due_on,
            due_time: self.due_time,
            assignee: Some(self.assignee.clone()),
            customer_id: self.customer_id,
            key_person_id: self.key_person_id,
            opportunity_id: self.opportunity_id,
            notes: self.notes.clone(),
        }
    }

    /// Open and due before `today`.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.done_at.is_none() && self.due_on < today
    }
}

/// Which tasks a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TaskState {
    #[default]
    Open,
    Done,
    All,
}

/// Which tasks to list: whose (user ids; `None` for everyone's), for which customer, open or
/// done, due up to and from which China days; the earliest due first (done ones: the latest
/// done first), at most `limit`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    pub assignees: Option<Vec<i64>>,
    pub customer_id: Option<i64>,
    pub state: TaskState,
    pub due_from: Option<NaiveDate>,
    pub due_to: Option<NaiveDate>,
    pub limit: i64,
}

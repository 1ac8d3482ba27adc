//! The store's types for notifications 通知.

use chrono::{DateTime, Utc};
use guanxi_domain::notifications::NotificationKind;
use serde::Serialize;

/// A notification to one user, in their language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub id: i64,
    pub kind: NotificationKind,
    pub title: String,
    /// Where it is dealt with (a path of the web app).
    pub link: Option<String>,
    pub customer_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

//! The `impl Store` of notifications 通知 (the SQL is in `ops/notifications.rs`).

use crate::*;
use guanxi_domain::notifications::NotificationKind;

impl Store {
    /// A user's notifications, newest first: (the page, how many in all, how many unread).
    pub async fn notifications(
        &self,
        user: i64,
        page: i64,
        per_page: i64,
    ) -> Result<(Vec<Notification>, i64, i64), StoreError> {
        dispatch!(self, notifications(user, page, per_page))
    }

    /// How many of a user's notifications are unread.
    pub async fn unread_notifications(&self, user: i64) -> Result<i64, StoreError> {
        dispatch!(self, unread_count(user))
    }

    /// Marks one of the user's notifications read and returns it.
    pub async fn read_notification(&self, user: i64, id: i64) -> Result<Notification, StoreError> {
        dispatch!(self, read_notification(user, id))
    }

    /// Marks all the user's notifications read; how many were unread.
    pub async fn read_all_notifications(&self, user: i64) -> Result<u64, StoreError> {
        dispatch!(self, read_all_notifications(user))
    }

    /// Each kind of notification with whether the user gets it by e-mail.
    pub async fn notification_prefs(&self, user: i64) -> Result<Vec<(NotificationKind, bool)>, StoreError> {
        dispatch!(self, notification_prefs(user))
    }

    /// Saves which kinds come by e-mail and the user's e-mail address and phone (checked by
    /// `notifications::parse_contact`); audited.
    pub async fn save_notification_prefs(
        &self,
        user: i64,
        by_email: &[NotificationKind],
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Result<(), StoreError> {
        dispatch!(self, save_notification_prefs(user, by_email, email, phone))
    }

    /// A user's e-mail address and phone.
    pub async fn user_contact(&self, user: i64) -> Result<(Option<String>, Option<String>), StoreError> {
        dispatch!(self, user_contact(user))
    }
}

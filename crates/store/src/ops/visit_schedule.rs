//! Keeping `visit_schedule` current between sweeps (see `reminders.rs`): a visit logged moves
//! the customer's next visit day on, a new owner moves the row. Below every feature that writes
//! contacts or customers.

use super::Tx;
use crate::StoreError;
use chrono::{DateTime, Utc};
use guanxi_domain::china::day_number;

/// A face-to-face contact at `at` moves the customer's next visit day on (an older one logged
/// late changes nothing).
pub(crate) async fn visit_logged_in(tx: &mut Tx<'_>, customer: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE visit_schedule SET last_visit_at = $1, due_on = $2 + every_days \
         WHERE customer_id = $3 AND (last_visit_at IS NULL OR last_visit_at < $1)",
    )
    .bind(at)
    .bind(day_number(guanxi_domain::china::day(at)))
    .bind(customer)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A customer given to another owner is due on that owner's My day.
pub(crate) async fn owner_changed_in(tx: &mut Tx<'_>, customer: i64, owner: Option<i64>) -> Result<(), StoreError> {
    sqlx::query("UPDATE visit_schedule SET owner_id = $1 WHERE customer_id = $2")
        .bind(owner)
        .bind(customer)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A face-to-face contact corrected, deleted or restored: the customer's last visit is read
/// again (their latest face-to-face contact, else when they were entered) and their visit day
/// follows it, earlier as well as later.
pub(crate) async fn visits_changed_in(tx: &mut Tx<'_>, customer: i64) -> Result<(), StoreError> {
    let last: Option<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT occurred_at FROM interactions WHERE customer_id = $1 AND channel = 'face_to_face' \
         AND deleted_at IS NULL ORDER BY occurred_at DESC LIMIT 1",
    )
    .bind(customer)
    .fetch_optional(&mut **tx)
    .await?;
    let entered: Option<DateTime<Utc>> = sqlx::query_scalar("SELECT created_at FROM customers WHERE id = $1")
        .bind(customer)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(since) = last.or(entered) else { return Ok(()) };
    sqlx::query("UPDATE visit_schedule SET last_visit_at = $1, due_on = $2 + every_days WHERE customer_id = $3")
        .bind(last)
        .bind(day_number(guanxi_domain::china::day(since)))
        .bind(customer)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

//! Writing a message to the outbox inside the transaction of its cause — the one way anything
//! is queued to leave Guanxi (cadence steps, notifications, a person's message). A leaf: every
//! feature that sends may import it.

use super::{Tx, audit};
use crate::{Actor, StoreError};
use chrono::{DateTime, Utc};
use guanxi_domain::outbox::{MAX_ATTEMPTS, MessageDraft};

/// Writes a message to the outbox inside the transaction of what caused it. The same key
/// again writes nothing and returns the message already there: `(id, false)`.
pub(crate) async fn enqueue_message_in(
    tx: &mut Tx<'_>,
    actor: Actor,
    d: &MessageDraft,
    at: DateTime<Utc>,
) -> Result<(i64, bool), StoreError> {
    let due = d.not_before.unwrap_or(at).max(at);
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO outbox (idem_key, channel, purpose, customer_id, user_id, recipient, recipient_name, subject, \
         body, cause, cause_id, state, attempts, max_attempts, next_attempt_at, created_by, created_at, template_ref, \
         params) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'queued', 0, $12, $13, $14, $15, $16, $17) \
         ON CONFLICT (idem_key) DO NOTHING RETURNING id",
    )
    .bind(&d.key)
    .bind(d.channel.code())
    .bind(d.purpose.code())
    .bind(d.customer_id)
    .bind(d.user_id)
    .bind(d.recipient.trim())
    .bind(&d.recipient_name)
    .bind(&d.subject)
    .bind(&d.body)
    .bind(&d.cause)
    .bind(d.cause_id)
    .bind(MAX_ATTEMPTS as i32)
    .bind(due)
    .bind(actor.0)
    .bind(at)
    .bind(&d.template_ref)
    .bind((!d.params.is_empty()).then(|| serde_json::to_string(&d.params).unwrap_or_default()))
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = inserted {
        let after =
            serde_json::json!({"channel": d.channel.code(), "recipient": d.recipient.trim(), "subject": d.subject});
        audit(tx, actor, "create", "message", Some(id), d.customer_id, None, Some(&after), Some(&d.cause)).await?;
        return Ok((id, true));
    }
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM outbox WHERE idem_key = $1").bind(&d.key).fetch_one(&mut **tx).await?;
    Ok((id, false))
}

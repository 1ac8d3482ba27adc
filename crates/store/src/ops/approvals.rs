//! Messages waiting for a person's approval (a cadence step set to "sent once someone approves
//! it"): listed for the customers' owners and managers, approved — as written, or with the
//! text corrected — into the queue, or rejected (cancelled).

use super::outbox::{SELECT, load, message_from_row};
use super::{Pool, audit};
use crate::{Actor, OutboxMessage, StoreError};
use chrono::{DateTime, SubsecRound, Utc};
use guanxi_domain::outbox::{MessageChannel, MessageState};
use guanxi_domain::{Field, Validation};
use sqlx::AssertSqlSafe;

/// Messages awaiting approval, oldest first (at most `limit`), with how many there are: for
/// the customers of `owners`, or all.
pub async fn messages_to_approve(
    pool: &Pool,
    owners: Option<&[i64]>,
    limit: i64,
) -> Result<(Vec<OutboxMessage>, i64), StoreError> {
    // A customer in the bin gets nothing: their messages wait with them.
    let live = " AND NOT EXISTS (SELECT 1 FROM customers d WHERE d.id = m.customer_id AND d.deleted_at IS NOT NULL)";
    let owned = match owners {
        None => live.to_string(),
        Some([]) => " AND 1 = 0".to_string(),
        Some(ids) => {
            // Ids are numbers: written into the statement as they are.
            let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
            format!(
                " AND m.customer_id IN (SELECT id FROM customers WHERE owner_id IN ({list}) AND deleted_at IS NULL)"
            )
        }
    };
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{SELECT} WHERE m.state = 'approval'{owned} ORDER BY m.created_at, m.id LIMIT $1"
    )))
    .bind(limit.clamp(1, 500))
    .fetch_all(pool)
    .await?;
    let total: i64 =
        sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM outbox m WHERE m.state = 'approval'{owned}")))
            .fetch_one(pool)
            .await?;
    Ok((rows.iter().map(message_from_row).collect::<Result<_, _>>()?, total))
}

/// Approves a message awaiting approval: queued to go now. An e-mail's or letter's subject and
/// text may be corrected first (`edit`); an SMS or WeChat message goes as its provider's
/// template says. Audited with what changed.
pub async fn approve_message(
    pool: &Pool,
    actor: Actor,
    id: i64,
    edit: Option<(&str, &str)>,
    at: DateTime<Utc>,
) -> Result<OutboxMessage, StoreError> {
    let mut tx = super::begin(pool).await?;
    let m = load(&mut tx, id).await?;
    if m.state != MessageState::Approval {
        return Err(StoreError::conflict(
            format!("这条消息{}，不需要审批", m.state.label(guanxi_domain::Lang::ZhCn)),
            format!(
                "this message is {}; it is not awaiting approval",
                m.state.label(guanxi_domain::Lang::En).to_lowercase()
            ),
        ));
    }
    if let Some(customer) = m.customer_id {
        super::customers::load_live(&mut tx, customer).await?;
    }
    let (mut subject, mut body) = (m.subject.clone(), m.body.clone());
    if let Some((s, b)) = edit {
        if !matches!(m.channel, MessageChannel::Email | MessageChannel::Letter) && (s != m.subject || b != m.body) {
            return Err(StoreError::Invalid(Validation::one(
                Field::Body,
                b,
                guanxi_domain::outbox::fixed_by_provider(),
            )));
        }
        let mut v = Validation::default();
        subject = v
            .take(guanxi_domain::values::required_text(Field::Subject, s, guanxi_domain::outbox::MAX_SUBJECT))
            .unwrap_or_default();
        body = v
            .take(guanxi_domain::values::required_text(Field::Body, b, guanxi_domain::outbox::MAX_BODY))
            .unwrap_or_default();
        v.into_result(()).map_err(StoreError::Invalid)?;
    }
    sqlx::query("UPDATE outbox SET state = 'queued', next_attempt_at = $1, subject = $2, body = $3 WHERE id = $4")
        .bind(at.trunc_subsecs(6))
        .bind(&subject)
        .bind(&body)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let changed = subject != m.subject || body != m.body;
    let before = changed.then(|| serde_json::json!({"subject": m.subject, "body": m.body}));
    let after = changed.then(|| serde_json::json!({"subject": subject, "body": body}));
    audit(&mut tx, actor, "approve", "message", Some(id), m.customer_id, before.as_ref(), after.as_ref(), None).await?;
    let after = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(after)
}

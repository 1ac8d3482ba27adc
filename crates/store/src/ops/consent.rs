//! Marketing consent (PIPL), per customer and channel: a history whose latest row counts. A
//! withdrawal takes the customer out of every cadence that sends on that channel at once and
//! cancels their marketing messages on that channel not sent yet.

use super::cadences::end;
use super::{Pool, Tx, audit, corrupt, now};
use crate::{Actor, ConsentRecord, StoreError};
use guanxi_domain::cadences::{ConsentState, LeftBecause};
use guanxi_domain::outbox::MessageChannel;
use guanxi_domain::{Field, Problem, Validation};
use sqlx::{AssertSqlSafe, Row as _};

/// The latest consent of `customer` on `channel`, if any was recorded.
pub(crate) async fn consent_in(
    tx: &mut Tx<'_>,
    customer: i64,
    channel: MessageChannel,
) -> Result<Option<ConsentState>, StoreError> {
    let s: Option<String> = sqlx::query_scalar(
        "SELECT state FROM consents WHERE customer_id = $1 AND channel = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(customer)
    .bind(channel.code())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(s.and_then(|s| ConsentState::from_code(&s)))
}

/// Records a customer's answer to marketing on `channel`. A withdrawal takes them out of every
/// cadence that sends on that channel at once and cancels their marketing messages on that channel not sent yet.
pub async fn record_consent(
    pool: &Pool,
    actor: Actor,
    customer: i64,
    channel: MessageChannel,
    state: ConsentState,
    how: &str,
) -> Result<(), StoreError> {
    let how: String = how.trim().chars().take(200).collect();
    if how.is_empty() {
        return Err(Validation::one(Field::ConsentHow, "", Problem::Required).into());
    }
    let mut tx = super::begin(pool).await?;
    super::customers::load_live(&mut tx, customer).await?;
    record_consent_in(&mut tx, actor, customer, channel, state, &how, now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Records consent inside the caller's transaction (see [`record_consent`]).
pub(crate) async fn record_consent_in(
    tx: &mut Tx<'_>,
    actor: Actor,
    customer: i64,
    channel: MessageChannel,
    state: ConsentState,
    how: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO consents (customer_id, channel, state, how, at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(customer)
    .bind(channel.code())
    .bind(state.code())
    .bind(how)
    .bind(at)
    .bind(actor.0)
    .execute(&mut **tx)
    .await?;
    if state == ConsentState::Withdrawn {
        // Out of the cadences that send on this channel; an SMS opt-out leaves e-mail ones be.
        let active: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM cadence_enrolments WHERE customer_id = $1 AND state = 'active' \
             AND cadence_id IN (SELECT cadence_id FROM cadence_steps WHERE kind = $2)",
        )
        .bind(customer)
        .bind(channel.code())
        .fetch_all(&mut **tx)
        .await?;
        for e in active {
            end(tx, e, LeftBecause::OptedOut, at).await?;
        }
        sqlx::query(
            "UPDATE outbox SET state = 'cancelled', last_error = $1 WHERE customer_id = $2 AND channel = $3 \
             AND purpose = 'marketing' AND state IN ('queued', 'approval')",
        )
        .bind("the customer opted out")
        .bind(customer)
        .bind(channel.code())
        .execute(&mut **tx)
        .await?;
    }
    let after = serde_json::json!({"channel": channel.code(), "consent": state.code(), "how": how});
    audit(tx, actor, "consent", "customer", Some(customer), Some(customer), None, Some(&after), None).await?;
    Ok(())
}

/// What a customer's SMS reply to us did: the customers it was from (by their mobile), and
/// whether it was an opt-out ("回复TD").
pub async fn record_sms_reply(
    pool: &Pool,
    nonce: Option<&str>,
    from: &guanxi_domain::Phone,
    text: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Option<(usize, bool)>, StoreError> {
    let optout = guanxi_domain::outbox::gateway::is_opt_out_reply(text);
    let mut tx = super::begin(pool).await?;
    // The request's nonce is remembered in the same transaction as what it did: a request that
    // failed part way can be sent again; one that was recorded cannot be replayed.
    if let Some(nonce) = nonce
        && !first_use_of_nonce_in(&mut tx, nonce, at).await?
    {
        return Ok(None);
    }
    let customers: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM customers WHERE phone = $1 AND deleted_at IS NULL ORDER BY id")
            .bind(from.as_str())
            .fetch_all(&mut *tx)
            .await?;
    let text: String = text.trim().chars().take(500).collect();
    for &c in &customers {
        if optout {
            record_consent_in(
                &mut tx,
                Actor::SYSTEM,
                c,
                MessageChannel::Sms,
                ConsentState::Withdrawn,
                "回复TD / replied TD",
                at,
            )
            .await?;
        } else {
            let summary = if text.is_empty() { "（短信回复）".into() } else { text.clone() };
            let d = guanxi_domain::InteractionDraft::message(
                guanxi_domain::Channel::WechatSms,
                guanxi_domain::Direction::Inbound,
                at,
                summary,
            );
            super::people::log_interaction_in(&mut tx, Actor::SYSTEM, c, &d).await?;
        }
    }
    tx.commit().await?;
    Ok(Some((customers.len(), optout)))
}

/// A customer's latest consent on each channel where one was recorded.
pub async fn consents(pool: &Pool, customer: i64) -> Result<Vec<ConsentRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT channel, state, how, at, recorded_by FROM consents WHERE id IN \
         (SELECT MAX(id) FROM consents WHERE customer_id = $1 GROUP BY channel) ORDER BY channel",
    )
    .bind(customer)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let (c, s): (String, String) = (r.try_get(0)?, r.try_get(1)?);
            Ok(ConsentRecord {
                channel: MessageChannel::from_code(&c).ok_or_else(|| corrupt("consent channel", &c))?,
                state: ConsentState::from_code(&s).ok_or_else(|| corrupt("consent", &s))?,
                how: r.try_get(2)?,
                at: r.try_get(3)?,
                recorded_by: r.try_get(4)?,
            })
        })
        .collect()
}

/// Records consent for many customers at once (an import's or the demo's), in one transaction.
pub async fn record_consents(
    pool: &Pool,
    actor: Actor,
    customers: &[i64],
    channel: MessageChannel,
    state: ConsentState,
    how: &str,
) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let at = now();
    for chunk in customers.chunks(500) {
        let list = chunk.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO consents (customer_id, channel, state, how, at, recorded_by) \
             SELECT id, $1, $2, $3, $4, $5 FROM customers WHERE id IN ({list})"
        )))
        .bind(channel.code())
        .bind(state.code())
        .bind(how)
        .bind(at)
        .bind(actor.0)
        .execute(&mut *tx)
        .await?;
    }
    audit(&mut tx, actor, "consent", "customer", None, None, None, None, Some(&customers.len().to_string())).await?;
    tx.commit().await?;
    Ok(())
}

/// On a merge: each channel where the dropped customer's latest word is a withdrawal and the
/// kept one's latest is consent gets a withdrawal for the kept one too (an opt-out of the same
/// person always wins). Returns the rows added, for an unmerge to remove.
pub(crate) async fn carry_withdrawals(
    tx: &mut Tx<'_>,
    actor: Actor,
    drop: i64,
    keep: i64,
) -> Result<Vec<i64>, StoreError> {
    let mut added = Vec::new();
    for channel in MessageChannel::ALL {
        let (theirs, ours) = (consent_in(tx, drop, *channel).await?, consent_in(tx, keep, *channel).await?);
        if theirs == Some(ConsentState::Withdrawn) && ours == Some(ConsentState::Given) {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO consents (customer_id, channel, state, how, at, recorded_by) \
                 VALUES ($1, $2, 'withdrawn', $3, $4, $5) RETURNING id",
            )
            .bind(keep)
            .bind(channel.code())
            .bind(format!("合并时保留的退订（客户 #{drop}）"))
            .bind(now())
            .bind(actor.0)
            .fetch_one(&mut **tx)
            .await?;
            added.push(id);
        }
    }
    Ok(added)
}

/// Removes consent rows a merge added (its unmerge).
pub(crate) async fn remove_consents(tx: &mut Tx<'_>, ids: &[i64]) -> Result<(), StoreError> {
    for id in ids {
        sqlx::query("DELETE FROM consents WHERE id = $1").bind(id).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Whether a signed hook request's nonce is seen for the first time (remembered ten minutes,
/// longer than a signature's five-minute window): a replayed request is refused.
async fn first_use_of_nonce_in(
    tx: &mut Tx<'_>,
    nonce: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<bool, StoreError> {
    sqlx::query("DELETE FROM hook_nonces WHERE seen_at < $1")
        .bind(at - chrono::Duration::minutes(10))
        .execute(&mut **tx)
        .await?;
    let n = sqlx::query("INSERT INTO hook_nonces (nonce, seen_at) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING")
        .bind(nonce.chars().take(128).collect::<String>())
        .bind(at)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(n == 1)
}

//! The outbox 发件箱: messages written in the transaction of what caused them, claimed by a
//! worker with a lease, and recorded as sent (with a contact on the customer's timeline, in the
//! same transaction), retried with backoff, or failed — every attempt kept.

use super::outbox_queue::enqueue_message_in;
use super::people::log_interaction_in;
use super::{Pool, Row, Tx, audit, corrupt, for_update, now};
use crate::{
    Actor, HELD_BUSY, HELD_PAUSED, HELD_QUIET, HELD_WEEKLY_CAP, OutboxAttempt, OutboxFilter, OutboxMessage,
    SendOutcome, StoreError,
};
use chrono::{DateTime, SubsecRound, Utc};
use guanxi_domain::outbox::gateway::SendingRules;
use guanxi_domain::outbox::{MAX_ATTEMPTS, MessageChannel, MessageDraft, MessagePurpose, MessageState, backoff};
use guanxi_domain::{Direction, InteractionDraft};
use sqlx::{AssertSqlSafe, Row as _};

pub(crate) const SELECT: &str =
    "SELECT m.*, c.name AS customer_name FROM outbox m LEFT JOIN customers c ON c.id = m.customer_id";

pub(crate) fn message_from_row(r: &Row) -> Result<OutboxMessage, StoreError> {
    let channel: String = r.try_get("channel")?;
    let purpose: String = r.try_get("purpose")?;
    let state: String = r.try_get("state")?;
    Ok(OutboxMessage {
        id: r.try_get("id")?,
        key: r.try_get("idem_key")?,
        channel: MessageChannel::from_code(&channel).ok_or_else(|| corrupt("outbox channel", &channel))?,
        purpose: MessagePurpose::from_code(&purpose).ok_or_else(|| corrupt("outbox purpose", &purpose))?,
        customer_id: r.try_get("customer_id")?,
        customer_name: r.try_get("customer_name")?,
        user_id: r.try_get("user_id")?,
        recipient: r.try_get("recipient")?,
        recipient_name: r.try_get("recipient_name")?,
        subject: r.try_get("subject")?,
        body: r.try_get("body")?,
        template_ref: r.try_get("template_ref")?,
        params: match r.try_get::<Option<String>, _>("params")? {
            Some(p) => serde_json::from_str(&p).map_err(|e| corrupt("outbox params", &e.to_string()))?,
            None => Vec::new(),
        },
        cause: r.try_get("cause")?,
        cause_id: r.try_get("cause_id")?,
        state: MessageState::from_code(&state).ok_or_else(|| corrupt("outbox state", &state))?,
        attempts: r.try_get("attempts")?,
        max_attempts: r.try_get("max_attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        last_error: r.try_get("last_error")?,
        provider_ref: r.try_get("provider_ref")?,
        sent_at: r.try_get("sent_at")?,
        interaction_id: r.try_get("interaction_id")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

pub(crate) async fn load(tx: &mut Tx<'_>, id: i64) -> Result<OutboxMessage, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE m.id = $1{}", for_update_of())))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found("message", id))?;
    message_from_row(&row)
}

/// `FOR UPDATE` of the outbox row only (the join's customer is not locked).
fn for_update_of() -> &'static str {
    if for_update().is_empty() { "" } else { " FOR UPDATE OF m" }
}

/// Writes one message on its own (a person's one-off message, a notification).
pub async fn enqueue_message(pool: &Pool, actor: Actor, d: &MessageDraft) -> Result<(i64, bool), StoreError> {
    d.check()?;
    let mut tx = super::begin(pool).await?;
    if let Some(customer) = d.customer_id {
        super::customers::load_live(&mut tx, customer).await?;
    }
    let out = enqueue_message_in(&mut tx, actor, d, now()).await?;
    tx.commit().await?;
    Ok(out)
}

pub async fn message(pool: &Pool, id: i64) -> Result<OutboxMessage, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE m.id = $1")))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::not_found("message", id))?;
    message_from_row(&row)
}

pub async fn message_attempts(pool: &Pool, id: i64) -> Result<Vec<OutboxAttempt>, StoreError> {
    let rows = sqlx::query(
        "SELECT attempt, worker, started_at, finished_at, outcome, detail FROM outbox_attempts \
         WHERE outbox_id = $1 ORDER BY attempt, id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OutboxAttempt {
                attempt: r.try_get("attempt")?,
                worker: r.try_get("worker")?,
                started_at: r.try_get("started_at")?,
                finished_at: r.try_get("finished_at")?,
                outcome: r.try_get("outcome")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
}

/// Messages newest first, filtered; with the number that match.
pub async fn list_messages(pool: &Pool, f: &OutboxFilter) -> Result<(Vec<OutboxMessage>, i64), StoreError> {
    let mut clauses = Vec::new();
    let mut n = 0;
    let mut next = |c: &str| {
        n += 1;
        clauses.push(c.replace('?', &format!("${n}")));
    };
    if f.state.is_some() {
        next("m.state = ?");
    }
    if f.channel.is_some() {
        next("m.channel = ?");
    }
    if f.customer_id.is_some() {
        next("m.customer_id = ?");
    }
    let filter = if clauses.is_empty() { String::new() } else { format!(" WHERE {}", clauses.join(" AND ")) };
    let per_page = f.per_page.clamp(1, 500);
    let sql =
        format!("{SELECT}{filter} ORDER BY m.id DESC LIMIT {per_page} OFFSET {}", super::offset(f.page, per_page));
    let count_sql = format!("SELECT COUNT(*) FROM outbox m{filter}");
    macro_rules! bind_all {
        ($q:expr) => {{
            let mut q = $q;
            if let Some(s) = f.state {
                q = q.bind(s.code());
            }
            if let Some(c) = f.channel {
                q = q.bind(c.code());
            }
            if let Some(c) = f.customer_id {
                q = q.bind(c);
            }
            q
        }};
    }
    let rows = bind_all!(sqlx::query(AssertSqlSafe(sql))).fetch_all(pool).await?;
    let total: i64 = bind_all!(sqlx::query_scalar(AssertSqlSafe(count_sql))).fetch_one(pool).await?;
    Ok((rows.iter().map(message_from_row).collect::<Result<_, _>>()?, total))
}

/// Takes up to `limit` messages due at `at` for `worker`: queued ones whose time has come, and
/// ones left `sending` by a worker whose lease ran out (it died mid-send: they are sent again,
/// with the same Message-ID). Each is leased until `lease_until` and its attempt recorded as
/// under way. One whose worker died during every attempt fails.
pub async fn claim_messages(
    pool: &Pool,
    worker: &str,
    at: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<OutboxMessage>, StoreError> {
    let (at, lease_until) = (at.trunc_subsecs(6), lease_until.trunc_subsecs(6));
    let mut tx = super::begin(pool).await?;
    let rules = sending_rules_in(&mut tx).await?;
    let skip_locked = if for_update().is_empty() { "" } else { " FOR UPDATE SKIP LOCKED" };
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT id, state, attempts, max_attempts, channel, purpose, customer_id, cause, cause_id FROM outbox \
         WHERE state IN ('queued', 'sending') AND channel <> 'letter' \
         AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2{skip_locked}"
    )))
    .bind(at)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let mut claimed = Vec::new();
    for r in &rows {
        let (id, state, attempts, max): (i64, String, i32, i32) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
        if state == MessageState::Sending.code() {
            finish_attempt(&mut tx, id, attempts, "lost", Some(LOST), at).await?;
            if attempts >= max {
                set_failed(&mut tx, id, LOST, at).await?;
                continue;
            }
        } else {
            let (channel, purpose, customer): (String, String, Option<i64>) =
                (r.try_get(4)?, r.try_get(5)?, r.try_get(6)?);
            let (cause, cause_id): (String, Option<i64>) = (r.try_get(7)?, r.try_get(8)?);
            let held = match paused_cadence(&mut tx, &cause, cause_id).await? {
                true => Some((at + chrono::Duration::hours(1), HELD_PAUSED)),
                false => held(&mut tx, &rules, &channel, &purpose, customer, at).await?,
            };
            if let Some((until, why)) = held {
                sqlx::query("UPDATE outbox SET next_attempt_at = $1, last_error = $2 WHERE id = $3")
                    .bind(until.trunc_subsecs(6))
                    .bind(why)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                continue;
            }
        }
        sqlx::query(
            "UPDATE outbox SET state = 'sending', lease_owner = $1, lease_until = $2, next_attempt_at = $2, \
             attempts = attempts + 1 WHERE id = $3",
        )
        .bind(worker)
        .bind(lease_until)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        start_attempt(&mut tx, id, attempts + 1, worker, at).await?;
        claimed.push(load(&mut tx, id).await?);
    }
    tx.commit().await?;
    Ok(claimed)
}

const LOST: &str = "the worker stopped while sending (the server was killed or lost)";

/// Whether a cadence's message belongs to a cadence that is paused now (it waits, and is looked at
/// again every hour).
async fn paused_cadence(tx: &mut Tx<'_>, cause: &str, enrolment: Option<i64>) -> Result<bool, StoreError> {
    let Some(enrolment) = enrolment.filter(|_| cause == "cadence") else { return Ok(false) };
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM cadence_enrolments e JOIN cadences k ON k.id = e.cadence_id \
         WHERE e.id = $1 AND k.paused_at IS NOT NULL",
    )
    .bind(enrolment)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n > 0)
}

/// The sending rules as saved, else the defaults (21:00–08:00 quiet, three a week).
async fn sending_rules_in(tx: &mut Tx<'_>) -> Result<SendingRules, StoreError> {
    let v: Option<String> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'sending_rules'").fetch_optional(&mut **tx).await?;
    match v {
        Some(v) => serde_json::from_str(&v).map_err(|e| corrupt("sending rules", &e.to_string())),
        None => Ok(SendingRules::default()),
    }
}

/// Whether a queued message must wait at `at`, and until when: an SMS or WeChat in the quiet
/// hours until they end; a marketing message to a customer who had the week's cap of them
/// (sent in the last 7 days, or being sent now) until the oldest of those is a week old.
async fn held(
    tx: &mut Tx<'_>,
    rules: &SendingRules,
    channel: &str,
    purpose: &str,
    customer: Option<i64>,
    at: DateTime<Utc>,
) -> Result<Option<(DateTime<Utc>, &'static str)>, StoreError> {
    let channel = MessageChannel::from_code(channel).ok_or_else(|| corrupt("outbox channel", channel))?;
    if SendingRules::keeps_quiet(channel)
        && purpose != MessagePurpose::Notice.code()
        && let Some(until) = rules.quiet_until_at(at)
    {
        return Ok(Some((until, HELD_QUIET)));
    }
    let Some(customer) = customer.filter(|_| purpose == MessagePurpose::Marketing.code() && rules.weekly_cap > 0)
    else {
        return Ok(None);
    };
    // Several servers claim at once on PostgreSQL: the customer's count is taken under a lock
    // of theirs held to the end of this claim, so two claimers cannot both pass the cap. A
    // customer another claimer is counting now is left for the next round (no waiting, so no
    // two claimers wait on each other).
    if super::DIALECT == crate::Dialect::Postgres {
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(1684567, $1::int4)")
            .bind((customer % i64::from(i32::MAX)) as i32)
            .fetch_one(&mut **tx)
            .await?;
        if !got {
            return Ok(Some((at + chrono::Duration::seconds(10), HELD_BUSY)));
        }
    }
    let week = chrono::Duration::days(7);
    let row = sqlx::query(
        "SELECT COUNT(*), MIN(COALESCE(sent_at, $3)) FROM outbox WHERE customer_id = $1 \
         AND purpose = 'marketing' AND ((state = 'sent' AND sent_at > $2) OR state = 'sending')",
    )
    .bind(customer)
    .bind(at - week)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    let (count, oldest): (i64, Option<DateTime<Utc>>) = (row.try_get(0)?, row.try_get(1)?);
    if count < i64::from(rules.weekly_cap) {
        return Ok(None);
    }
    // One being sent now counts as sent now.
    let until = oldest.map_or(at + week, |o| o + week).max(at + chrono::Duration::minutes(1));
    Ok(Some((until, HELD_WEEKLY_CAP)))
}

/// Records attempt `attempt` at message `id` as under way by `worker` (a sender, or a batch of
/// letters being printed).
pub(crate) async fn start_attempt(
    tx: &mut Tx<'_>,
    id: i64,
    attempt: i32,
    worker: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox_attempts (outbox_id, attempt, worker, started_at, outcome) VALUES ($1, $2, $3, $4, 'sending')",
    )
    .bind(id)
    .bind(attempt)
    .bind(worker)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn finish_attempt(
    tx: &mut Tx<'_>,
    id: i64,
    attempt: i32,
    outcome: &str,
    detail: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let detail: Option<String> = detail.map(|d| d.chars().take(2000).collect());
    sqlx::query(
        "UPDATE outbox_attempts SET outcome = $1, detail = $2, finished_at = $3 \
         WHERE outbox_id = $4 AND attempt = $5 AND outcome = 'sending'",
    )
    .bind(outcome)
    .bind(detail)
    .bind(at)
    .bind(id)
    .bind(attempt)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn set_failed(tx: &mut Tx<'_>, id: i64, error: &str, _at: DateTime<Utc>) -> Result<(), StoreError> {
    let error: String = error.chars().take(2000).collect();
    sqlx::query(
        "UPDATE outbox SET state = 'failed', last_error = $1, lease_owner = NULL, lease_until = NULL WHERE id = $2",
    )
    .bind(error)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records how `worker`'s attempt at message `id` went. Sent: marked sent and, for a
/// customer's message, logged as a contact on their timeline in the same transaction. A
/// failure is queued again after [`backoff`] while attempts remain, else failed with the
/// server's words. Returns the message's new state; `None` when it is no longer `worker`'s
/// (its lease ran out and another worker took it). One read and two or three writes: the worker
/// records each message the moment its server answered.
pub async fn record_send(
    pool: &Pool,
    worker: &str,
    id: i64,
    outcome: &SendOutcome,
    at: DateTime<Utc>,
) -> Result<Option<MessageState>, StoreError> {
    let at = at.trunc_subsecs(6);
    let mut tx = super::begin(pool).await?;
    let row = sqlx::query(
        "SELECT state, lease_owner, attempts, max_attempts, customer_id, created_by, subject, body, channel \
         FROM outbox WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::not_found("message", id))?;
    let (state, owner): (String, Option<String>) = (row.try_get(0)?, row.try_get(1)?);
    if state != MessageState::Sending.code() || owner.as_deref() != Some(worker) {
        return Ok(None);
    }
    let (attempts, max_attempts): (i32, i32) = (row.try_get(2)?, row.try_get(3)?);
    let (customer_id, created_by): (Option<i64>, i64) = (row.try_get(4)?, row.try_get(5)?);
    let (subject, body, channel): (String, String, String) = (row.try_get(6)?, row.try_get(7)?, row.try_get(8)?);
    let channel = MessageChannel::from_code(&channel).ok_or_else(|| corrupt("outbox channel", &channel))?;
    let new_state = match outcome {
        SendOutcome::Sent(reference) => {
            let sent = Sent { id, attempt: attempts, customer_id, by: created_by, subject, body, channel };
            mark_sent_in(&mut tx, sent, reference, at).await?;
            MessageState::Sent
        }
        SendOutcome::Retry(error) if attempts < max_attempts => {
            let error: String = error.chars().take(2000).collect();
            sqlx::query(
                "UPDATE outbox SET state = 'queued', next_attempt_at = $1, last_error = $2, lease_owner = NULL, \
                 lease_until = NULL WHERE id = $3",
            )
            .bind(at + backoff(attempts.max(1) as u32))
            .bind(&error)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            finish_attempt(&mut tx, id, attempts, "retry", Some(&error), at).await?;
            MessageState::Queued
        }
        SendOutcome::Retry(error) | SendOutcome::Refused(error) => {
            set_failed(&mut tx, id, error, at).await?;
            finish_attempt(&mut tx, id, attempts, "failed", Some(error), at).await?;
            MessageState::Failed
        }
    };
    tx.commit().await?;
    Ok(Some(new_state))
}

/// A message that went out, as [`mark_sent_in`] records it.
pub(crate) struct Sent {
    pub id: i64,
    pub attempt: i32,
    pub customer_id: Option<i64>,
    /// Who the contact on the timeline is recorded by: the message's writer, or the person who
    /// posted a letter.
    pub by: i64,
    pub subject: String,
    pub body: String,
    pub channel: MessageChannel,
}

/// Marks a message sent (by a worker, or a letter posted by a person) and, for a customer's,
/// logs it as a contact on their timeline — in the caller's transaction.
pub(crate) async fn mark_sent_in(
    tx: &mut Tx<'_>,
    m: Sent,
    reference: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let interaction = match m.customer_id {
        Some(customer) if customer_is_live(tx, customer).await? => {
            let summary = if m.subject.is_empty() { m.body.chars().take(200).collect() } else { m.subject };
            let d = InteractionDraft::message(m.channel.contact_channel(), Direction::Outbound, at, summary);
            Some(log_interaction_in(tx, Actor(m.by), customer, &d).await?)
        }
        _ => None,
    };
    sqlx::query(
        "UPDATE outbox SET state = 'sent', sent_at = $1, provider_ref = $2, interaction_id = $3, \
         lease_owner = NULL, lease_until = NULL, last_error = NULL WHERE id = $4",
    )
    .bind(at)
    .bind(reference)
    .bind(interaction)
    .bind(m.id)
    .execute(&mut **tx)
    .await?;
    finish_attempt(tx, m.id, m.attempt, "sent", Some(reference), at).await
}

async fn customer_is_live(tx: &mut Tx<'_>, id: i64) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customers WHERE id = $1 AND deleted_at IS NULL")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(n > 0)
}

/// Sends a failed message again (with as many attempts again), or a queued one now; audited.
pub async fn retry_message(pool: &Pool, actor: Actor, id: i64) -> Result<OutboxMessage, StoreError> {
    let mut tx = super::begin(pool).await?;
    let m = load(&mut tx, id).await?;
    if !matches!(m.state, MessageState::Failed | MessageState::Queued) {
        return Err(StoreError::conflict(
            format!("这条消息{}，不能重发", m.state.label(guanxi_domain::Lang::ZhCn)),
            format!(
                "this message is {}; it cannot be sent again",
                m.state.label(guanxi_domain::Lang::En).to_lowercase()
            ),
        ));
    }
    if m.channel == MessageChannel::Letter && m.state == MessageState::Queued {
        return Err(StoreError::conflict(
            "信函在等待打印，不能“立即发送”：请到“待打印信函”打印一批",
            "a letter waiting to be printed is not sent now: print a batch at \"Letters to print\"",
        ));
    }
    let at = now();
    sqlx::query("UPDATE outbox SET state = 'queued', next_attempt_at = $1, max_attempts = attempts + $2 WHERE id = $3")
        .bind(at)
        .bind(MAX_ATTEMPTS as i32)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit(&mut tx, actor, "retry", "message", Some(id), m.customer_id, None, None, None).await?;
    let after = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(after)
}

/// Cancels a message that has not gone yet (one awaiting approval: rejected); audited.
pub async fn cancel_message(pool: &Pool, actor: Actor, id: i64) -> Result<OutboxMessage, StoreError> {
    let mut tx = super::begin(pool).await?;
    let m = load(&mut tx, id).await?;
    if !matches!(m.state, MessageState::Failed | MessageState::Queued | MessageState::Approval) {
        return Err(StoreError::conflict(
            format!("这条消息{}，不能取消", m.state.label(guanxi_domain::Lang::ZhCn)),
            format!(
                "this message is {}; it cannot be cancelled",
                m.state.label(guanxi_domain::Lang::En).to_lowercase()
            ),
        ));
    }
    sqlx::query("UPDATE outbox SET state = 'cancelled' WHERE id = $1").bind(id).execute(&mut *tx).await?;
    audit(&mut tx, actor, "cancel", "message", Some(id), m.customer_id, None, None, None).await?;
    let after = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(after)
}

/// How many messages are in each state.
pub async fn outbox_counts(pool: &Pool) -> Result<Vec<(MessageState, i64)>, StoreError> {
    let rows = sqlx::query("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetch_all(pool).await?;
    let mut out = Vec::new();
    for r in rows {
        let s: String = r.try_get(0)?;
        out.push((MessageState::from_code(&s).ok_or_else(|| corrupt("outbox state", &s))?, r.try_get(1)?));
    }
    Ok(out)
}

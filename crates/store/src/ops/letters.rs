//! Letters 信函: the outbox's printed channel. Queued letters due are taken into a batch (one
//! PDF of letters and address labels, printed by a person), which holds them as `sending`; when
//! the person confirms the batch was posted, its letters are sent — each a contact on its
//! customer's timeline, in one transaction — and any they say was not posted goes back to the
//! queue.

use super::outbox::{SELECT, Sent, finish_attempt, mark_sent_in, message_from_row, set_failed, start_attempt};
use super::{Pool, Tx, audit, for_update};
use crate::{
    Actor, BATCH_DISCARDED, LETTER_NOT_POSTED, LetterBatch, MAX_BATCH_LETTERS, OutboxMessage, StoreError, TOO_LATE,
};
use chrono::{DateTime, SubsecRound, Utc};
use guanxi_domain::outbox::{MessageChannel, MessagePurpose};
use sqlx::{AssertSqlSafe, Row as _};

/// Queued letters whose day has come and that no batch holds, oldest first (at most `limit`),
/// with how many there are, and how many are queued for later days.
pub async fn letters_to_print(
    pool: &Pool,
    at: DateTime<Utc>,
    limit: i64,
) -> Result<(Vec<OutboxMessage>, i64, i64), StoreError> {
    let at = at.trunc_subsecs(6);
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{SELECT} WHERE m.channel = 'letter' AND m.state = 'queued' AND m.next_attempt_at <= $1 \
         ORDER BY m.next_attempt_at, m.id LIMIT $2"
    )))
    .bind(at)
    .bind(limit.clamp(1, MAX_BATCH_LETTERS))
    .fetch_all(pool)
    .await?;
    let due: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE channel = 'letter' AND state = 'queued' AND next_attempt_at <= $1",
    )
    .bind(at)
    .fetch_one(pool)
    .await?;
    let later: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE channel = 'letter' AND state = 'queued' AND next_attempt_at > $1",
    )
    .bind(at)
    .fetch_one(pool)
    .await?;
    Ok((rows.iter().map(message_from_row).collect::<Result<_, _>>()?, due, later))
}

/// Takes the queued letters due at `at` (oldest first, at most [`MAX_BATCH_LETTERS`]) into a
/// new batch printed by `actor`: each is `sending`, its attempt "printed in batch N" under way.
/// A marketing letter more than two days past its day is not printed (failed as too late, like
/// an e-mail would be). `None` when no letter is waiting.
pub async fn make_letter_batch(pool: &Pool, actor: Actor, at: DateTime<Utc>) -> Result<Option<i64>, StoreError> {
    let at = at.trunc_subsecs(6);
    let mut tx = super::begin(pool).await?;
    let skip_locked = if for_update().is_empty() { "" } else { " FOR UPDATE SKIP LOCKED" };
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT id, attempts, purpose, created_at FROM outbox WHERE channel = 'letter' AND state = 'queued' \
         AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2{skip_locked}"
    )))
    .bind(at)
    .bind(MAX_BATCH_LETTERS)
    .fetch_all(&mut *tx)
    .await?;
    let mut take = Vec::new();
    for r in &rows {
        let (id, attempts, purpose, created): (i64, i32, String, DateTime<Utc>) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
        if purpose == MessagePurpose::Marketing.code() && at - created > guanxi_domain::cadences::LATE_AFTER {
            set_failed(&mut tx, id, TOO_LATE, at).await?;
            continue;
        }
        take.push((id, attempts));
    }
    if take.is_empty() {
        tx.commit().await?;
        return Ok(None);
    }
    let batch: i64 = sqlx::query_scalar(
        "INSERT INTO letter_batches (created_by, created_at, letters) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(actor.0)
    .bind(at)
    .bind(take.len() as i32)
    .fetch_one(&mut *tx)
    .await?;
    let worker = format!("batch {batch}");
    for (id, attempts) in &take {
        sqlx::query(
            "UPDATE outbox SET state = 'sending', batch_id = $1, lease_owner = $2, lease_until = NULL, \
             attempts = attempts + 1, last_error = NULL WHERE id = $3",
        )
        .bind(batch)
        .bind(&worker)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        start_attempt(&mut tx, *id, attempts + 1, &worker, at).await?;
    }
    let after = serde_json::json!({"letters": take.len()});
    audit(&mut tx, actor, "print", "letter_batch", Some(batch), None, None, Some(&after), None).await?;
    tx.commit().await?;
    Ok(Some(batch))
}

fn batch_from_row(r: &super::Row) -> Result<LetterBatch, StoreError> {
    Ok(LetterBatch {
        id: r.try_get("id")?,
        created_by: r.try_get("created_by")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
        letters: r.try_get("letters")?,
        posted_at: r.try_get("posted_at")?,
        posted_by_name: r.try_get("posted_by_name")?,
        posted_count: r.try_get("posted_count")?,
        discarded_at: r.try_get("discarded_at")?,
    })
}

const BATCH_SELECT: &str = "SELECT b.*, u.display_name AS created_by_name, p.display_name AS posted_by_name \
     FROM letter_batches b JOIN users u ON u.id = b.created_by LEFT JOIN users p ON p.id = b.posted_by";

/// A batch with its letters (in the order they are printed).
pub async fn letter_batch(pool: &Pool, id: i64) -> Result<(LetterBatch, Vec<OutboxMessage>), StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!("{BATCH_SELECT} WHERE b.id = $1")))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::not_found("letter batch", id))?;
    let letters = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE m.batch_id = $1 ORDER BY m.id")))
        .bind(id)
        .fetch_all(pool)
        .await?;
    Ok((batch_from_row(&row)?, letters.iter().map(message_from_row).collect::<Result<_, _>>()?))
}

/// The latest batches, newest first.
pub async fn letter_batches(pool: &Pool, limit: i64) -> Result<Vec<LetterBatch>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!("{BATCH_SELECT} ORDER BY b.id DESC LIMIT $1")))
        .bind(limit.clamp(1, 200))
        .fetch_all(pool)
        .await?;
    rows.iter().map(batch_from_row).collect()
}

/// Records that batch `id` was posted by `actor` at `at`: its letters are sent (each a contact
/// on its customer's timeline), except those in `not_posted`, which go back to the queue to be
/// printed again. All in one transaction; a batch is posted once.
pub async fn post_letter_batch(
    pool: &Pool,
    actor: Actor,
    id: i64,
    not_posted: &[i64],
    at: DateTime<Utc>,
) -> Result<LetterBatch, StoreError> {
    let at = at.trunc_subsecs(6);
    let mut tx = super::begin(pool).await?;
    still_open(&mut tx, id).await?;
    let rows = sqlx::query(
        "SELECT id, attempts, customer_id, subject, body FROM outbox WHERE batch_id = $1 AND state = 'sending' \
         ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.try_get::<i64, _>(0)).collect::<Result<_, _>>()?;
    if ids.iter().all(|l| not_posted.contains(l)) {
        return Err(StoreError::conflict(
            "没有勾选任何寄出的信函：如果这一批都没有寄出，请作废这一批",
            "No letter is marked as posted: if none of the batch was posted, throw the batch away instead",
        ));
    }
    let reference = format!("batch {id}");
    let mut count = 0;
    for r in &rows {
        let sent = Sent {
            id: r.try_get(0)?,
            attempt: r.try_get(1)?,
            customer_id: r.try_get(2)?,
            by: actor.0,
            subject: r.try_get(3)?,
            body: r.try_get(4)?,
            channel: MessageChannel::Letter,
        };
        if not_posted.contains(&sent.id) {
            back_to_queue(&mut tx, sent.id, sent.attempt, LETTER_NOT_POSTED, at).await?;
        } else {
            mark_sent_in(&mut tx, sent, &reference, at).await?;
            count += 1;
        }
    }
    sqlx::query("UPDATE letter_batches SET posted_at = $1, posted_by = $2, posted_count = $3 WHERE id = $4")
        .bind(at)
        .bind(actor.0)
        .bind(count)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let after = serde_json::json!({"posted": count, "letters": rows.len()});
    audit(&mut tx, actor, "post", "letter_batch", Some(id), None, None, Some(&after), None).await?;
    tx.commit().await?;
    Ok(letter_batch(pool, id).await?.0)
}

/// Locks batch `id`, refusing one already posted or thrown away.
async fn still_open(tx: &mut Tx<'_>, id: i64) -> Result<(), StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT posted_at, discarded_at FROM letter_batches WHERE id = $1{}",
        for_update()
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::not_found("letter batch", id))?;
    let (posted, discarded): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = (row.try_get(0)?, row.try_get(1)?);
    if posted.is_some() {
        return Err(StoreError::conflict(
            format!("第 {id} 批信函已经确认寄出"),
            format!("batch {id} of letters was already confirmed as posted"),
        ));
    }
    if discarded.is_some() {
        return Err(StoreError::conflict(
            format!("第 {id} 批信函已经作废，其中的信函已回到待打印"),
            format!("batch {id} of letters was thrown away; its letters are back in the queue"),
        ));
    }
    Ok(())
}

/// Puts a printed letter back in the queue (not posted, or its batch was thrown away).
async fn back_to_queue(tx: &mut Tx<'_>, id: i64, attempt: i32, why: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE outbox SET state = 'queued', batch_id = NULL, lease_owner = NULL, next_attempt_at = $1, \
         last_error = $2 WHERE id = $3",
    )
    .bind(at)
    .bind(why)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    finish_attempt(tx, id, attempt, "retry", Some(why), at).await
}

/// Throws a batch away before it is posted (the printer jammed, the wrong paper): every letter
/// in it goes back to the queue, to be printed in a new batch.
pub async fn discard_letter_batch(pool: &Pool, actor: Actor, id: i64, at: DateTime<Utc>) -> Result<i64, StoreError> {
    let at = at.trunc_subsecs(6);
    let mut tx = super::begin(pool).await?;
    still_open(&mut tx, id).await?;
    let rows = sqlx::query("SELECT id, attempts FROM outbox WHERE batch_id = $1 AND state = 'sending'")
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
    for r in &rows {
        back_to_queue(&mut tx, r.try_get(0)?, r.try_get(1)?, BATCH_DISCARDED, at).await?;
    }
    sqlx::query("UPDATE letter_batches SET discarded_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit(&mut tx, actor, "discard", "letter_batch", Some(id), None, None, None, None).await?;
    tx.commit().await?;
    Ok(rows.len() as i64)
}

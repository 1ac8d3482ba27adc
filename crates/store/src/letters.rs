//! The `impl Store` of letters 信函 (the SQL is in `ops/letters.rs`): printed in batches,
//! confirmed as posted.

use crate::*;
use chrono::{DateTime, Utc};

impl Store {
    /// Queued letters due at `at` that no batch holds, oldest first (at most `limit`), with how
    /// many are due and how many are queued for later days.
    pub async fn letters_to_print(
        &self,
        at: DateTime<Utc>,
        limit: i64,
    ) -> Result<(Vec<OutboxMessage>, i64, i64), StoreError> {
        dispatch!(self, letters_to_print(at, limit))
    }

    /// Takes the letters due into a new batch to print (at most [`MAX_BATCH_LETTERS`]); `None`
    /// when none is waiting. Audited.
    pub async fn make_letter_batch(&self, actor: Actor, at: DateTime<Utc>) -> Result<Option<i64>, StoreError> {
        dispatch!(self, make_letter_batch(actor, at))
    }

    /// A batch with its letters.
    pub async fn letter_batch(&self, id: i64) -> Result<(LetterBatch, Vec<OutboxMessage>), StoreError> {
        dispatch!(self, letter_batch(id))
    }

    /// The latest batches, newest first.
    pub async fn letter_batches(&self, limit: i64) -> Result<Vec<LetterBatch>, StoreError> {
        dispatch!(self, letter_batches(limit))
    }

    /// Confirms batch `id` posted: its letters sent and on their customers' timelines, except
    /// `not_posted`, which go back to the queue. Once per batch; audited.
    pub async fn post_letter_batch(
        &self,
        actor: Actor,
        id: i64,
        not_posted: &[i64],
        at: DateTime<Utc>,
    ) -> Result<LetterBatch, StoreError> {
        dispatch!(self, post_letter_batch(actor, id, not_posted, at))
    }

    /// Throws an unposted batch away: its letters go back to the queue. Returns how many.
    pub async fn discard_letter_batch(&self, actor: Actor, id: i64, at: DateTime<Utc>) -> Result<i64, StoreError> {
        dispatch!(self, discard_letter_batch(actor, id, at))
    }
}

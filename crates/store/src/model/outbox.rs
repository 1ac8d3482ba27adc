//! The store's types for the outbox 发件箱.

use chrono::{DateTime, Utc};
use guanxi_domain::outbox::{MessageChannel, MessagePurpose, MessageState};
use serde::Serialize;

/// `[(k, v), …]` as `{"k": v, …}` in its order.
fn pairs_as_object<S: serde::Serializer>(pairs: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(pairs.len()))?;
    for (k, v) in pairs {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

/// A message in the outbox, with where it is on its way out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxMessage {
    pub id: i64,
    /// The same message of the same cause is one row: this key says which.
    pub key: String,
    pub channel: MessageChannel,
    pub purpose: MessagePurpose,
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    pub user_id: Option<i64>,
    pub recipient: String,
    pub recipient_name: String,
    pub subject: String,
    pub body: String,
    /// SMS and WeChat: the provider's template id and its parameters.
    pub template_ref: Option<String>,
    #[serde(serialize_with = "pairs_as_object")]
    pub params: Vec<(String, String)>,
    pub cause: String,
    pub cause_id: Option<i64>,
    pub state: MessageState,
    /// Attempts made so far (one more while it is being sent).
    pub attempts: i32,
    pub max_attempts: i32,
    /// When it is (next) due to be sent.
    pub next_attempt_at: DateTime<Utc>,
    /// The last failure in the server's own words.
    pub last_error: Option<String>,
    /// What the server called it: an e-mail's Message-ID, a gateway's message id.
    pub provider_ref: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The contact on the customer's timeline, once sent.
    pub interaction_id: Option<i64>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

/// One attempt to send a message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxAttempt {
    pub attempt: i32,
    pub worker: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// `sending` (under way, or its worker died), `sent`, `retry` (failed, tried again later) or
    /// `failed` (for good).
    pub outcome: String,
    pub detail: Option<String>,
}

/// Which messages a list shows.
#[derive(Debug, Clone, Default)]
pub struct OutboxFilter {
    pub state: Option<MessageState>,
    pub channel: Option<MessageChannel>,
    pub customer_id: Option<i64>,
    pub page: i64,
    pub per_page: i64,
}

/// How a send went, as the worker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Accepted by the server, which called it this.
    Sent(String),
    /// Failed this time (the server is away, busy, a 4xx answer): tried again later.
    Retry(String),
    /// Refused for good (a 5xx answer, no such mailbox): not tried again.
    Refused(String),
}

/// Why a message waits: its cadence is paused.
pub const HELD_PAUSED: &str = "held: its cadence is paused";
/// Why a message waits a moment: another server is counting this customer's messages now.
pub const HELD_BUSY: &str = "held a moment: another server is sending to this customer";
/// Why a message waits: quiet hours (SMS and WeChat are not sent at night).
pub const HELD_QUIET: &str = "held for quiet hours";
/// Why a message waits: the customer had as many marketing messages this week as the cap allows.
pub const HELD_WEEKLY_CAP: &str = "held: the customer's weekly limit of marketing messages is reached";

/// A batch of letters printed together (one PDF) and posted together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LetterBatch {
    pub id: i64,
    pub created_by: i64,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    /// How many letters it was printed with.
    pub letters: i32,
    pub posted_at: Option<DateTime<Utc>>,
    pub posted_by_name: Option<String>,
    /// How many of them were posted (the rest went back to the queue).
    pub posted_count: Option<i32>,
    /// When it was thrown away instead (its letters went back to the queue).
    pub discarded_at: Option<DateTime<Utc>>,
}

/// Why a letter is back in the queue: the person who posted its batch said it was not posted.
pub const LETTER_NOT_POSTED: &str = "not posted with its batch: back in the queue to print again";
/// Why a letter is back in the queue: its batch was thrown away before it was posted.
pub const BATCH_DISCARDED: &str = "its batch was thrown away before posting: back in the queue to print again";
/// Why a marketing message was not sent (or a letter not printed): its day passed more than two
/// days ago (shown translated by the pages).
pub const TOO_LATE: &str = "too late: its day passed more than two days ago";
/// The most letters one batch takes (a PDF a printer and a person can handle; the rest wait for
/// the next batch).
pub const MAX_BATCH_LETTERS: i64 = 500;

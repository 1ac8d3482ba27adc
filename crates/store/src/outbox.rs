//! The `impl Store` of the outbox 发件箱 (the SQL is in `ops/outbox.rs`) and of the e-mail
//! server's settings it sends with.

use crate::*;
use chrono::{DateTime, Utc};
use guanxi_domain::outbox::gateway::{GatewaySettings, SendingRules, gateway_key};
use guanxi_domain::outbox::{EmailSettings, MessageChannel, MessageDraft};

impl Store {
    /// Writes a one-off message to the outbox (checked; a customer's must be live). The same
    /// key again returns the message already there with `false`.
    pub async fn enqueue_message(&self, actor: Actor, d: &MessageDraft) -> Result<(i64, bool), StoreError> {
        dispatch!(self, enqueue_message(actor, d))
    }

    pub async fn message(&self, id: i64) -> Result<OutboxMessage, StoreError> {
        dispatch!(self, message(id))
    }

    /// Every attempt to send message `id`, first first.
    pub async fn message_attempts(&self, id: i64) -> Result<Vec<OutboxAttempt>, StoreError> {
        dispatch!(self, message_attempts(id))
    }

    /// Messages newest first, filtered, with how many match.
    pub async fn messages(&self, f: &OutboxFilter) -> Result<(Vec<OutboxMessage>, i64), StoreError> {
        dispatch!(self, list_messages(f))
    }

    /// How many messages are in each state.
    pub async fn outbox_counts(&self) -> Result<Vec<(guanxi_domain::outbox::MessageState, i64)>, StoreError> {
        dispatch!(self, outbox_counts())
    }

    /// Takes up to `limit` messages due at `at` for `worker`, leased for
    /// [`guanxi_domain::outbox::SEND_LEASE`] (see `ops::claim_messages`).
    pub async fn claim_messages(
        &self,
        worker: &str,
        at: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        dispatch!(self, claim_messages(worker, at, at + guanxi_domain::outbox::SEND_LEASE, limit))
    }

    /// Records how `worker`'s attempt went (see `ops::record_send`): the message's new state;
    /// `None` if the message is no longer the worker's.
    pub async fn record_send(
        &self,
        worker: &str,
        id: i64,
        outcome: &SendOutcome,
        at: DateTime<Utc>,
    ) -> Result<Option<guanxi_domain::outbox::MessageState>, StoreError> {
        dispatch!(self, record_send(worker, id, outcome, at))
    }

    /// Queues a failed message again with a fresh set of attempts; audited.
    pub async fn retry_message(&self, actor: Actor, id: i64) -> Result<OutboxMessage, StoreError> {
        dispatch!(self, retry_message(actor, id))
    }

    /// Messages awaiting approval, oldest first, with how many: for the customers of `owners`,
    /// or all.
    pub async fn messages_to_approve(
        &self,
        owners: Option<&[i64]>,
        limit: i64,
    ) -> Result<(Vec<OutboxMessage>, i64), StoreError> {
        dispatch!(self, messages_to_approve(owners, limit))
    }

    /// Approves a message awaiting approval (an e-mail's or letter's text corrected first if
    /// `edit` says so): queued to go now. Audited.
    pub async fn approve_message(
        &self,
        actor: Actor,
        id: i64,
        edit: Option<(&str, &str)>,
        at: DateTime<Utc>,
    ) -> Result<OutboxMessage, StoreError> {
        dispatch!(self, approve_message(actor, id, edit, at))
    }

    /// Cancels a message not sent yet (rejects one awaiting approval); audited.
    pub async fn cancel_message(&self, actor: Actor, id: i64) -> Result<OutboxMessage, StoreError> {
        dispatch!(self, cancel_message(actor, id))
    }

    /// The e-mail server's settings, if an admin saved them.
    pub async fn email_settings(&self) -> Result<Option<EmailSettings>, StoreError> {
        let stored = dispatch!(self, setting("email"))?;
        stored
            .filter(|v| !v.is_null())
            .map(|v| serde_json::from_value(v).map_err(|e| StoreError::Corrupt(format!("email settings: {e}"))))
            .transpose()
    }

    /// Saves the e-mail server's settings, audited (the password recorded only as changed).
    pub async fn save_email_settings(&self, actor: Actor, s: &EmailSettings) -> Result<(), StoreError> {
        let value = serde_json::to_value(s).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        dispatch!(self, save_setting(actor, "email", &value))
    }

    /// A channel's gateway (SMS, WeChat), if an admin saved one.
    pub async fn gateway_settings(&self, channel: MessageChannel) -> Result<Option<GatewaySettings>, StoreError> {
        let Some(key) = gateway_key(channel) else { return Ok(None) };
        let stored = dispatch!(self, setting(key))?;
        stored
            .filter(|v| !v.is_null())
            .map(|v| serde_json::from_value(v).map_err(|e| StoreError::Corrupt(format!("{key}: {e}"))))
            .transpose()
    }

    /// Saves a channel's gateway, audited (the secret recorded only as changed).
    pub async fn save_gateway_settings(
        &self,
        actor: Actor,
        channel: MessageChannel,
        s: &GatewaySettings,
    ) -> Result<(), StoreError> {
        let Some(key) = gateway_key(channel) else {
            return Err(StoreError::Corrupt(format!("no gateway for {}", channel.code())));
        };
        let value = serde_json::to_value(s).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        dispatch!(self, save_setting(actor, key, &value))
    }

    /// The rules every message passes (quiet hours, the weekly cap): as saved, else the defaults.
    pub async fn sending_rules(&self) -> Result<SendingRules, StoreError> {
        match dispatch!(self, setting("sending_rules"))?.filter(|v| !v.is_null()) {
            Some(v) => serde_json::from_value(v).map_err(|e| StoreError::Corrupt(format!("sending rules: {e}"))),
            None => Ok(SendingRules::default()),
        }
    }

    pub async fn save_sending_rules(&self, actor: Actor, r: &SendingRules) -> Result<(), StoreError> {
        let value = serde_json::to_value(r).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        dispatch!(self, save_setting(actor, "sending_rules", &value))
    }

    /// A customer's SMS reply as the gateway forwards it: "回复TD" withdraws their SMS consent
    /// (out of every cadence, queued marketing SMS cancelled); anything else is an inbound
    /// contact on their timeline (which takes them out of cadences that stop on a reply).
    /// Returns how many customers have that mobile, and whether it was an opt-out; `None` when
    /// `nonce` was seen before (a replay: nothing done).
    pub async fn record_sms_reply(
        &self,
        nonce: Option<&str>,
        from: &guanxi_domain::Phone,
        text: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<(usize, bool)>, StoreError> {
        dispatch!(self, record_sms_reply(nonce, from, text, at))
    }
}

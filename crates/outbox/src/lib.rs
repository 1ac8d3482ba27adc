//! Sends what the outbox holds. The store keeps the messages (written in the transaction of
//! what caused them) and their attempts; this crate talks to the outside: e-mail over SMTP, and
//! drains the outbox — claim what is due with a lease, send, record how it went (sent with its
//! contact on the timeline, retried with backoff, or failed in the server's words).
//!
//! SMS and WeChat go through a provider ([`gateway::Provider`]; the built-in one is an HTTP
//! gateway). Letters are not sent here: they are printed and marked sent by the person who posted them.

mod email;
pub mod font;
pub mod gateway;
mod http;
pub mod letters;
pub mod links;

pub use email::Smtp;

use chrono::{DateTime, Utc};
use guanxi_domain::outbox::MessageChannel;
use guanxi_store::{OutboxMessage, SendOutcome, Store, StoreError};
use std::sync::Arc;

pub use guanxi_store::TOO_LATE;
/// Why messages wait: no e-mail server is set up.
pub const NO_EMAIL_SERVER: &str = "no e-mail server is set up";
/// Why marketing messages wait: no public address for their opt-out link.
pub const NO_PUBLIC_ADDRESS: &str = "no public address is set, so the opt-out link cannot be made";

/// Why SMS wait: no SMS gateway is set up.
pub const NO_SMS_GATEWAY: &str = "no SMS gateway is set up";
/// Why WeChat messages wait: no WeChat gateway is set up.
pub const NO_WECHAT_GATEWAY: &str = "no WeChat gateway is set up";

/// How many messages a worker takes at a time.
const BATCH: i64 = 50;
/// How many it sends at once.
const AT_ONCE: usize = 32;

/// What the outbox sends with, made from the settings at the start of each round (an admin's
/// change applies at the next round).
pub struct Channels {
    email: Option<Result<Smtp, String>>,
    sms: Option<Box<dyn gateway::Provider>>,
    wechat: Option<Box<dyn gateway::Provider>>,
    /// The public address and the signing secret, for opt-out links.
    links: Option<(String, String)>,
}

impl Channels {
    /// `default_base` is where links point when no public address is set (a server's own).
    pub async fn from_settings(store: &Store, default_base: Option<&str>) -> Result<Channels, StoreError> {
        let email = store.email_settings().await?.map(|s| Smtp::new(&s));
        let base = store.public_url().await?.or_else(|| default_base.map(str::to_string));
        let links = match base {
            Some(b) => Some((b, links::secret(store).await?)),
            None => None,
        };
        let sms =
            store.gateway_settings(MessageChannel::Sms).await?.and_then(|g| gateway::provider(MessageChannel::Sms, g));
        let wechat = store
            .gateway_settings(MessageChannel::Wechat)
            .await?
            .and_then(|g| gateway::provider(MessageChannel::Wechat, g));
        Ok(Channels { email, sms, wechat, links })
    }

    /// A marketing e-mail or WeChat message to a customer carries its opt-out link (PIPL);
    /// without a public address there is none to give, and the message waits. (A marketing SMS
    /// says 回复TD退订 instead.)
    fn optout(&self, m: &OutboxMessage) -> Result<Option<String>, SendOutcome> {
        let Some(customer) = m.customer_id.filter(|_| {
            m.purpose == guanxi_domain::outbox::MessagePurpose::Marketing && m.channel != MessageChannel::Sms
        }) else {
            return Ok(None);
        };
        match &self.links {
            Some((base, secret)) => Ok(Some(links::optout_url(base, secret, customer, m.channel))),
            None => Err(SendOutcome::Retry(NO_PUBLIC_ADDRESS.into())),
        }
    }

    async fn send(&self, m: &OutboxMessage, at: DateTime<Utc>) -> SendOutcome {
        // A greeting that says "a week ago" is not sent a month on (the server was away, no
        // e-mail server was set up): past its day by more than LATE_AFTER, it is not sent.
        if m.purpose == guanxi_domain::outbox::MessagePurpose::Marketing
            && at - m.created_at > guanxi_domain::cadences::LATE_AFTER
        {
            return SendOutcome::Refused(TOO_LATE.into());
        }
        let optout = match self.optout(m) {
            Ok(link) => link,
            Err(wait) => return wait,
        };
        match m.channel {
            MessageChannel::Email => match &self.email {
                Some(Ok(smtp)) => smtp.send(m, optout.as_deref()).await,
                Some(Err(e)) => SendOutcome::Retry(format!("the e-mail settings cannot be used: {e}")),
                None => SendOutcome::Retry(NO_EMAIL_SERVER.into()),
            },
            MessageChannel::Sms | MessageChannel::Wechat => {
                let provider = if m.channel == MessageChannel::Sms { &self.sms } else { &self.wechat };
                let Some(provider) = provider else {
                    return SendOutcome::Retry(if m.channel == MessageChannel::Sms {
                        NO_SMS_GATEWAY.into()
                    } else {
                        NO_WECHAT_GATEWAY.into()
                    });
                };
                // Marketing SMS and WeChat carry the way to stop them (回复TD退订), and the
                // signed link where there is room for one.
                let text = match (&optout, m.purpose) {
                    (_, p) if p != guanxi_domain::outbox::MessagePurpose::Marketing => m.body.clone(),
                    (Some(link), _) if m.channel == MessageChannel::Wechat => format!("{}\n退订：{link}", m.body),
                    _ => format!("{} {}", m.body, guanxi_domain::outbox::gateway::SMS_OPT_OUT),
                };
                provider.send(m, &text).await
            }
            MessageChannel::Letter => SendOutcome::Retry("letters are printed, not sent".into()),
        }
    }
}

/// Sends every message due at `at` as `worker`, a batch at a time; returns how many were
/// claimed. Each message's outcome is recorded as soon as it is known, so a worker killed part
/// way leaves at most the messages it was sending to be sent again (same Message-ID).
pub async fn send_due(
    store: &Store,
    worker: &str,
    at: DateTime<Utc>,
    default_base: Option<&str>,
) -> Result<usize, StoreError> {
    let channels = Arc::new(Channels::from_settings(store, default_base).await?);
    // The senders record one at a time: on SQLite, writers that meet wait in the busy handler's
    // sleeps (milliseconds to tens of them) while the write itself takes well under one.
    let recorder = Arc::new(tokio::sync::Mutex::new(()));
    let mut total = 0;
    loop {
        let batch = store.claim_messages(worker, at, BATCH).await?;
        if batch.is_empty() {
            return Ok(total);
        }
        total += batch.len();
        // AT_ONCE senders, each with its share of the batch in turn.
        let mut shares: Vec<Vec<OutboxMessage>> = vec![Vec::new(); AT_ONCE.min(batch.len())];
        for (i, m) in batch.into_iter().enumerate() {
            shares[i % AT_ONCE].push(m);
        }
        let results = futures_util::future::join_all(shares.iter().map(|chunk| {
            let (store, channels, recorder) = (store.clone(), channels.clone(), recorder.clone());
            let chunk = chunk.to_vec();
            let worker = worker.to_string();
            async move {
                for m in chunk {
                    let outcome = channels.send(&m, at).await;
                    let _turn = recorder.lock().await;
                    store.record_send(&worker, m.id, &outcome, Utc::now().max(at)).await?;
                }
                Ok::<_, StoreError>(())
            }
        }))
        .await;
        results.into_iter().collect::<Result<Vec<_>, _>>()?;
    }
}

/// The sender beside a server: sends what is due whenever a message is queued (`wake`), or every
/// 10 seconds (a retry's time coming, another server's message whose worker died). Links in
/// marketing e-mails point at `base` unless a public address is set.
pub async fn run(store: Store, wake: Arc<tokio::sync::Notify>, base: String) {
    let worker = format!("guanxi-{}-outbox", std::process::id());
    loop {
        if let Err(e) = send_due(&store, &worker, Utc::now(), Some(&base)).await {
            eprintln!("outbox: {}", e.message(guanxi_domain::Lang::En));
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(std::time::Duration::from_secs(10)) => {}
        }
    }
}

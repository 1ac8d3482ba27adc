//! The outbox end to end, on SQLite and PostgreSQL, against the real SMTP server the test
//! command starts (scripts/with-smtp.sh): messages are delivered once with their UTF-8 text,
//! land on the customer's timeline, are retried with backoff when the server is away or busy,
//! fail in the server's words when it refuses, and are sent again — as the same message — when
//! the worker that held them died.

mod mailbox;

use chrono::{Duration, Utc};
use guanxi_domain::outbox::{
    EmailSettings, MessageChannel, MessageDraft, MessagePurpose, MessageState, SEND_LEASE, SmtpSecurity,
};
use guanxi_domain::{CustomerDraft, Field, Raw};
use guanxi_store::scratch::Scratch;
use guanxi_store::today_in_china;
use guanxi_store::{Actor, OutboxFilter, Store};
use mailbox::Mailbox;

/// A fresh store per backend, each with its scratch (removed when the test ends).
async fn stores() -> Vec<(&'static str, Store, Scratch)> {
    let mut out = Vec::new();
    let s = Scratch::new();
    out.push(("sqlite", Store::open(&s.sqlite("guanxi-outbox-tests")).await.expect("sqlite"), s));
    let s = Scratch::new();
    if let Some(url) = s.postgres("guanxi_outbox").await {
        out.push(("postgres", Store::open(&url).await.expect("postgres"), s));
    }
    out
}

fn settings(addr: &str) -> EmailSettings {
    let (host, port) = addr.rsplit_once(':').expect("host:port");
    EmailSettings {
        host: host.into(),
        port: port.parse().expect("port"),
        security: SmtpSecurity::Plain,
        username: None,
        password: None,
        from_address: "sales@guanxi.example".into(),
        from_name: Some("关系咖啡".into()),
    }
}

async fn customer(store: &Store, name: &str) -> i64 {
    let raw = Raw::new().with(Field::Name, name).with(Field::Kind, "individual");
    store.create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw, today_in_china()).unwrap()).await.unwrap()
}

fn email(customer: Option<i64>, to: &str, key: &str) -> MessageDraft {
    MessageDraft {
        channel: MessageChannel::Email,
        purpose: MessagePurpose::Service,
        customer_id: customer,
        user_id: None,
        recipient: to.into(),
        recipient_name: "王小明".into(),
        subject: "您的咖啡豆到了 — 关系咖啡".into(),
        body: "王先生您好：\n\n您订的耶加雪菲已经到店，欢迎来取。☕\n".into(),
        cause: "manual".into(),
        cause_id: None,
        key: key.into(),
        not_before: None,
        template_ref: None,
        params: Vec::new(),
    }
}

fn unique(prefix: &str) -> String {
    guanxi_store::scratch::unique(prefix).replace('_', ".")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_is_delivered_once_and_lands_on_the_timeline() {
    let Some(mail) = Mailbox::from_env() else { return };
    for (backend, store, _scratch) in stores().await {
        store.save_email_settings(Actor::SYSTEM, &settings(&mail.addr)).await.unwrap();
        let c = customer(&store, "王小明").await;
        let to = format!("{}@example.com", unique("wang"));
        let key = unique("k");
        let (id, new) = store.enqueue_message(Actor::SYSTEM, &email(Some(c), &to, &key)).await.unwrap();
        assert!(new, "{backend}");
        let (again, new) = store.enqueue_message(Actor::SYSTEM, &email(Some(c), &to, &key)).await.unwrap();
        assert_eq!((again, new), (id, false), "{backend}: the same key is the same message");

        assert_eq!(guanxi_outbox::send_due(&store, "w1", Utc::now(), None).await.unwrap(), 1, "{backend}");
        assert_eq!(
            guanxi_outbox::send_due(&store, "w1", Utc::now(), None).await.unwrap(),
            0,
            "{backend}: nothing twice"
        );
        let got = mail.wait_for(&to, 1).await;
        assert_eq!(got.len(), 1, "{backend}: delivered once");
        let m = &got[0];
        assert_eq!(m.header("subject"), "您的咖啡豆到了 — 关系咖啡", "{backend}");
        assert!(m.header("from").contains("sales@guanxi.example"), "{backend}: {}", m.header("from"));
        assert!(m.body.contains("耶加雪菲已经到店") && m.body.contains('☕'), "{backend}: {}", m.body);

        let sent = store.message(id).await.unwrap();
        assert_eq!(sent.state, MessageState::Sent, "{backend}");
        assert_eq!(sent.provider_ref.as_deref(), Some(m.header("message-id").as_str()), "{backend}");
        let contact = store.interactions(c).await.unwrap();
        let logged = contact.iter().find(|i| Some(i.id) == sent.interaction_id).expect("on the timeline");
        assert_eq!(logged.draft.summary, "您的咖啡豆到了 — 关系咖啡", "{backend}");
        assert_eq!(logged.draft.channel, guanxi_domain::Channel::Email, "{backend}");
        let attempts = store.message_attempts(id).await.unwrap();
        assert_eq!(attempts.len(), 1, "{backend}");
        assert_eq!(attempts[0].outcome, "sent", "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_is_away_is_tried_again_with_backoff_then_failed() {
    for (backend, store, _scratch) in stores().await {
        // Nothing listens on this port.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
        store.save_email_settings(Actor::SYSTEM, &settings(&closed)).await.unwrap();
        let (id, _) = store.enqueue_message(Actor::SYSTEM, &email(None, "a@example.com", &unique("k"))).await.unwrap();
        let mut at = Utc::now();
        let mut waits = Vec::new();
        for _ in 0..guanxi_domain::outbox::MAX_ATTEMPTS {
            assert_eq!(guanxi_outbox::send_due(&store, "w", at, None).await.unwrap(), 1, "{backend}");
            let m = store.message(id).await.unwrap();
            if m.state == MessageState::Failed {
                break;
            }
            assert_eq!(m.state, MessageState::Queued, "{backend}");
            assert_eq!(
                guanxi_outbox::send_due(&store, "w", at, None).await.unwrap(),
                0,
                "{backend}: not before its time"
            );
            waits.push((m.next_attempt_at - at).num_minutes());
            at = m.next_attempt_at;
        }
        assert_eq!(waits, vec![1, 5, 25, 125, 625], "{backend}: backoff");
        let m = store.message(id).await.unwrap();
        assert_eq!((m.state, m.attempts), (MessageState::Failed, 6), "{backend}");
        assert!(m.last_error.as_deref().unwrap_or("").to_lowercase().contains("connect"), "{backend}: {m:?}");
        let attempts = store.message_attempts(id).await.unwrap();
        let outcomes: Vec<&str> = attempts.iter().map(|a| a.outcome.as_str()).collect();
        assert_eq!(outcomes, ["retry", "retry", "retry", "retry", "retry", "failed"], "{backend}");

        // Retried by hand: queued now with a fresh set of attempts.
        let again = store.retry_message(Actor::SYSTEM, id).await.unwrap();
        assert_eq!(again.state, MessageState::Queued, "{backend}");
        assert!(store.cancel_message(Actor::SYSTEM, id).await.is_ok(), "{backend}");
        assert!(store.retry_message(Actor::SYSTEM, id).await.is_err(), "{backend}: a cancelled one stays so");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_server_is_tried_again_and_a_refusal_fails_at_once_in_its_words() {
    let Some(mail) = Mailbox::from_env() else { return };
    for (backend, store, _scratch) in stores().await {
        store.save_email_settings(Actor::SYSTEM, &settings(&mail.addr)).await.unwrap();
        let busy = format!("{}@example.com", unique("busy"));
        let refuse = format!("{}@example.com", unique("refuse"));
        let (b, _) = store.enqueue_message(Actor::SYSTEM, &email(None, &busy, &unique("k"))).await.unwrap();
        let (r, _) = store.enqueue_message(Actor::SYSTEM, &email(None, &refuse, &unique("k"))).await.unwrap();
        guanxi_outbox::send_due(&store, "w", Utc::now(), None).await.unwrap();
        let b = store.message(b).await.unwrap();
        assert_eq!((b.state, b.attempts), (MessageState::Queued, 1), "{backend}: {b:?}");
        assert!(b.last_error.as_deref().unwrap_or("").contains("try again later"), "{backend}: {b:?}");
        let r = store.message(r).await.unwrap();
        assert_eq!((r.state, r.attempts), (MessageState::Failed, 1), "{backend}: {r:?}");
        assert!(r.last_error.as_deref().unwrap_or("").contains("mailbox unavailable"), "{backend}: {r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_whose_worker_died_is_sent_again_as_the_same_message() {
    let Some(mail) = Mailbox::from_env() else { return };
    for (backend, store, _scratch) in stores().await {
        store.save_email_settings(Actor::SYSTEM, &settings(&mail.addr)).await.unwrap();
        let to = format!("{}@example.com", unique("li"));
        let (id, _) = store.enqueue_message(Actor::SYSTEM, &email(None, &to, &unique("k"))).await.unwrap();
        let now = Utc::now();
        // Worker A takes it and dies before saying how it went.
        let taken = store.claim_messages("a", now, 10).await.unwrap();
        assert_eq!(taken.iter().map(|m| m.id).collect::<Vec<_>>(), vec![id], "{backend}");
        assert!(store.claim_messages("b", now, 10).await.unwrap().is_empty(), "{backend}: leased to A");
        assert_eq!(guanxi_outbox::send_due(&store, "b", now + Duration::seconds(30), None).await.unwrap(), 0);
        // Once A's lease has run out, B sends it.
        let later = now + SEND_LEASE + Duration::seconds(1);
        assert_eq!(guanxi_outbox::send_due(&store, "b", later, None).await.unwrap(), 1, "{backend}");
        let m = store.message(id).await.unwrap();
        assert_eq!((m.state, m.attempts), (MessageState::Sent, 2), "{backend}");
        let outcomes: Vec<String> = store.message_attempts(id).await.unwrap().into_iter().map(|a| a.outcome).collect();
        assert_eq!(outcomes, ["lost", "sent"], "{backend}");
        // A late word from A changes nothing.
        let late = store.record_send("a", id, &guanxi_store::SendOutcome::Retry("late".into()), later).await.unwrap();
        assert!(late.is_none(), "{backend}");
        let got = mail.wait_for(&to, 1).await;
        assert_eq!(got.len(), 1, "{backend}");
        assert_eq!(Some(got[0].header("message-id")), m.provider_ref, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_email_server_messages_wait_and_say_why() {
    for (backend, store, _scratch) in stores().await {
        let (id, _) = store.enqueue_message(Actor::SYSTEM, &email(None, "a@example.com", &unique("k"))).await.unwrap();
        guanxi_outbox::send_due(&store, "w", Utc::now(), None).await.unwrap();
        let m = store.message(id).await.unwrap();
        assert_eq!(m.state, MessageState::Queued, "{backend}");
        assert!(m.last_error.as_deref().unwrap_or("").contains("no e-mail server"), "{backend}: {m:?}");
        let (list, total) = store
            .messages(&OutboxFilter { state: Some(MessageState::Queued), per_page: 10, ..Default::default() })
            .await
            .unwrap();
        assert_eq!((list.len(), total), (1, 1), "{backend}");
        // A bad message is refused before it is written, naming the fields.
        let mut bad = email(None, "not an address", &unique("k"));
        bad.subject.clear();
        let e = store.enqueue_message(Actor::SYSTEM, &bad).await.unwrap_err();
        let text = e.message(guanxi_domain::Lang::En);
        assert!(text.contains("To") && text.contains("Subject"), "{backend}: {text}");
    }
}

/// An SMTP server of the test's own that closes each connection after one message (as servers
/// do with connections left idle): it counts the messages it accepted.
async fn one_message_a_connection() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let accepted = std::sync::Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let (read, mut write) = tcp.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 test ESMTP\r\n").await;
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    let answer: &[u8] = match (in_data, line.as_str()) {
                        (true, ".") => {
                            count.fetch_add(1, Ordering::SeqCst);
                            let _ = write.write_all(b"250 2.0.0 queued\r\n").await;
                            // Done with this one: the connection is closed, not kept.
                            return;
                        }
                        (true, _) => continue,
                        (false, l) if l.starts_with("DATA") => {
                            in_data = true;
                            b"354 go ahead\r\n"
                        }
                        (false, l) if l.starts_with("QUIT") => b"221 bye\r\n",
                        _ => b"250 OK\r\n",
                    };
                    let _ = write.write_all(answer).await;
                }
            });
        }
    });
    (addr, accepted)
}

#[tokio::test]
async fn a_connection_the_server_closed_is_replaced_and_the_message_sent() {
    for (backend, store, _scratch) in stores().await {
        let (addr, accepted) = one_message_a_connection().await;
        let smtp = guanxi_outbox::Smtp::new(&settings(&addr)).unwrap();
        for i in 0..3 {
            let (id, _) =
                store.enqueue_message(Actor::SYSTEM, &email(None, "wang@example.com", &format!("k{i}"))).await.unwrap();
            let m = store.message(id).await.unwrap();
            let outcome = smtp.send(&m, None).await;
            assert!(matches!(outcome, guanxi_store::SendOutcome::Sent(_)), "{backend}: message {i}: {outcome:?}");
        }
        // The kept connection was closed each time: a new one took the message, sent once.
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 3, "{backend}");
    }
}

//! SMS and WeChat through the HTTP gateway, on SQLite and PostgreSQL, against a local HTTP
//! receiver each test starts (in the shape of a Chinese SMS gateway): requests are signed, carry
//! the provider's template id and parameters, are retried when the gateway is away or busy and
//! fail in its words when it refuses; quiet hours and the weekly cap hold messages until they
//! may go; a "回复TD" reply withdraws consent.

use chrono::{Duration, Utc};
use guanxi_domain::outbox::gateway::{GatewaySettings, SendingRules};
use guanxi_domain::outbox::{MessageChannel, MessageDraft, MessagePurpose, MessageState};
use guanxi_domain::{CustomerDraft, Field, Raw};
use guanxi_outbox::gateway::{HttpGateway, Provider, verify};
use guanxi_store::scratch::Scratch;
use guanxi_store::{Actor, SendOutcome, Store, today_in_china};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use std::sync::{Arc, Mutex};

const SECRET: &str = "test-secret-密钥";

/// What the receiver got: each request's JSON and whether its signature held.
#[derive(Default)]
struct Received {
    requests: Vec<(serde_json::Value, bool)>,
    /// Answer 503 to this many requests first.
    busy: usize,
}

/// A gateway on 127.0.0.1: numbers ending 02 are refused (illegal number), 04 answer after
/// 3 s; the first `busy` requests get 503; the rest are accepted with an id.
async fn receiver(busy: usize) -> (String, Arc<Mutex<Received>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let got = Arc::new(Mutex::new(Received { busy, ..Default::default() }));
    let state = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let state = state.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let state = state.clone();
                    async move {
                        let h = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
                        let (ts, nonce, sig) = (h("x-guanxi-timestamp"), h("x-guanxi-nonce"), h("x-guanxi-signature"));
                        let key_ok = h("x-guanxi-key").as_deref() == Some("LTAI-test");
                        let body =
                            String::from_utf8(req.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
                        let signed = key_ok
                            && verify(
                                SECRET,
                                ts.as_deref(),
                                nonce.as_deref(),
                                sig.as_deref(),
                                &body,
                                Utc::now().timestamp(),
                            )
                            .is_ok();
                        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
                        let to = json["to"].as_str().unwrap_or("").to_string();
                        let (status, answer) = {
                            let mut s = state.lock().unwrap();
                            s.requests.push((json, signed));
                            let n = s.requests.len();
                            if s.busy > 0 {
                                s.busy -= 1;
                                (503, "gateway busy".to_string())
                            } else if to.ends_with("02") {
                                (200, r#"{"code":"isv.MOBILE_NUMBER_ILLEGAL","message":"非法手机号"}"#.to_string())
                            } else {
                                (200, format!(r#"{{"code":"OK","biz_id":"BIZ-{n}"}}"#))
                            }
                        };
                        if to.ends_with("04") {
                            tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                        }
                        Ok::<_, std::convert::Infallible>(
                            hyper::Response::builder().status(status).body(Full::new(Bytes::from(answer))).unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
                    .await;
            });
        }
    });
    (format!("http://{addr}/v1/send"), got)
}

fn gateway(url: &str) -> GatewaySettings {
    GatewaySettings {
        url: url.into(),
        key_id: "LTAI-test".into(),
        secret: Some(SECRET.into()),
        sign_name: Some("关系咖啡".into()),
    }
}

async fn stores() -> Vec<(&'static str, Store, Scratch)> {
    let mut out = Vec::new();
    let s = Scratch::new();
    out.push(("sqlite", Store::open(&s.sqlite("guanxi-gateway-tests")).await.expect("sqlite"), s));
    let s = Scratch::new();
    if let Some(url) = s.postgres("guanxi_gateway").await {
        out.push(("postgres", Store::open(&url).await.expect("postgres"), s));
    }
    out
}

/// No quiet hours and no cap, unless a test sets them.
async fn open_rules(store: &Store) {
    let rules = SendingRules { quiet_from: None, quiet_until: None, weekly_cap: 0 };
    store.save_sending_rules(Actor::SYSTEM, &rules).await.unwrap();
}

async fn customer(store: &Store, name: &str, phone: &str) -> i64 {
    let raw = Raw::new().with(Field::Name, name).with(Field::Kind, "individual").with(Field::Phone, phone);
    store.create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw, today_in_china()).unwrap()).await.unwrap()
}

fn sms(customer: i64, to: &str, purpose: MessagePurpose, key: &str) -> MessageDraft {
    MessageDraft {
        channel: MessageChannel::Sms,
        purpose,
        customer_id: Some(customer),
        user_id: None,
        recipient: to.into(),
        recipient_name: "王小明".into(),
        subject: String::new(),
        body: "王先生您好，新到的耶加雪菲给您留了一包。".into(),
        cause: "manual".into(),
        cause_id: None,
        key: key.into(),
        not_before: None,
        template_ref: Some("SMS_100".into()),
        params: vec![("honorific".into(), "王先生".into())],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sms_goes_through_the_gateway_signed_once_and_lands_on_the_timeline() {
    for (backend, store, _scratch) in stores().await {
        let (url, got) = receiver(1).await;
        open_rules(&store).await;
        // No gateway yet: it waits and says so.
        let c = customer(&store, "王小明", "13800000001").await;
        let (id, _) = store
            .enqueue_message(Actor::SYSTEM, &sms(c, "13800000001", MessagePurpose::Marketing, "m1"))
            .await
            .unwrap();
        let at = Utc::now();
        guanxi_outbox::send_due(&store, "w", at, None).await.unwrap();
        let m = store.message(id).await.unwrap();
        assert_eq!(
            (m.state, m.last_error.as_deref()),
            (MessageState::Queued, Some(guanxi_outbox::NO_SMS_GATEWAY)),
            "{backend}"
        );

        store.save_gateway_settings(Actor::SYSTEM, MessageChannel::Sms, &gateway(&url)).await.unwrap();
        // The gateway is busy (503) the first time: tried again after a minute.
        let at = m.next_attempt_at;
        assert_eq!(guanxi_outbox::send_due(&store, "w", at, None).await.unwrap(), 1, "{backend}");
        let m = store.message(id).await.unwrap();
        assert_eq!(m.state, MessageState::Queued, "{backend}");
        assert_eq!(m.last_error.as_deref(), Some("HTTP 503: gateway busy"), "{backend}");
        assert_eq!(guanxi_outbox::send_due(&store, "w", m.next_attempt_at, None).await.unwrap(), 1, "{backend}");
        assert_eq!(guanxi_outbox::send_due(&store, "w", m.next_attempt_at, None).await.unwrap(), 0, "{backend}: once");
        let m = store.message(id).await.unwrap();
        assert_eq!(m.state, MessageState::Sent, "{backend}: {m:?}");
        assert_eq!(m.provider_ref.as_deref(), Some("BIZ-2"), "{backend}: the gateway's id kept");

        let requests = got.lock().unwrap().requests.clone();
        assert_eq!(requests.len(), 2, "{backend}");
        for (r, signed) in &requests {
            assert!(signed, "{backend}: every request signed with the secret: {r}");
            assert_eq!(r["message_id"], requests[0].0["message_id"], "{backend}: the same id on every attempt");
        }
        let r = &requests[1].0;
        assert_eq!((r["channel"].as_str(), r["to"].as_str()), (Some("sms"), Some("13800000001")), "{backend}");
        assert_eq!(
            (r["template_id"].as_str(), r["sign_name"].as_str()),
            (Some("SMS_100"), Some("关系咖啡")),
            "{backend}"
        );
        assert_eq!(r["params"]["honorific"], "王先生", "{backend}");
        assert!(r["text"].as_str().unwrap().ends_with("回复TD退订"), "{backend}: marketing says how to stop: {r}");

        let contacts = store.interactions(c).await.unwrap();
        let logged = contacts.iter().find(|i| Some(i.id) == m.interaction_id).expect("on the timeline");
        assert_eq!(logged.draft.channel, guanxi_domain::Channel::WechatSms, "{backend}");

        // A number the gateway calls illegal: failed at once in its words.
        let c2 = customer(&store, "李小红", "13800000002").await;
        let (id2, _) =
            store.enqueue_message(Actor::SYSTEM, &sms(c2, "13800000002", MessagePurpose::Service, "m2")).await.unwrap();
        guanxi_outbox::send_due(&store, "w", Utc::now(), None).await.unwrap();
        let m2 = store.message(id2).await.unwrap();
        assert_eq!(m2.state, MessageState::Failed, "{backend}");
        assert_eq!(m2.last_error.as_deref(), Some("isv.MOBILE_NUMBER_ILLEGAL: 非法手机号 (HTTP 200)"), "{backend}");
        let service_text = got.lock().unwrap().requests.last().unwrap().0["text"].as_str().unwrap().to_string();
        assert!(!service_text.contains("回复TD"), "{backend}: a service message is not marketing");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_that_does_not_answer_in_time_is_tried_again() {
    let (url, _got) = receiver(0).await;
    let provider = HttpGateway::with_timeout(gateway(&url), std::time::Duration::from_millis(500));
    for (backend, store, _scratch) in stores().await {
        let c = customer(&store, "张慢", "13800000004").await;
        let (id, _) = store
            .enqueue_message(Actor::SYSTEM, &sms(c, "13800000004", MessagePurpose::Service, "slow"))
            .await
            .unwrap();
        let m = store.message(id).await.unwrap();
        match provider.send(&m, &m.body).await {
            SendOutcome::Retry(why) => assert!(why.contains("no answer within"), "{backend}: {why}"),
            other => panic!("{backend}: {other:?}"),
        }
    }
    // Nobody listening: tried again, saying so.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let away = HttpGateway::new(gateway(&format!("http://{closed}/send")));
    let (_, store, _s) = stores().await.into_iter().next().unwrap();
    let c = customer(&store, "赵离线", "13800000005").await;
    let (id, _) =
        store.enqueue_message(Actor::SYSTEM, &sms(c, "13800000005", MessagePurpose::Service, "away")).await.unwrap();
    let m = store.message(id).await.unwrap();
    assert!(matches!(away.send(&m, &m.body).await, SendOutcome::Retry(w) if w.contains("cannot connect")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_hours_and_the_weekly_cap_hold_messages_until_they_may_go() {
    for (backend, store, _scratch) in stores().await {
        let (url, got) = receiver(0).await;
        store.save_gateway_settings(Actor::SYSTEM, MessageChannel::Sms, &gateway(&url)).await.unwrap();
        // Quiet from an hour ago until an hour from now (China time), at most 2 a week.
        let now = Utc::now();
        let local = |d: Duration| {
            let t = guanxi_domain::china::local(now + d).time();
            chrono::NaiveTime::from_hms_opt(chrono::Timelike::hour(&t), chrono::Timelike::minute(&t), 0).unwrap()
        };
        let rules = SendingRules {
            quiet_from: Some(local(Duration::hours(-1))),
            quiet_until: Some(local(Duration::hours(1))),
            weekly_cap: 2,
        };
        store.save_sending_rules(Actor::SYSTEM, &rules).await.unwrap();
        let c = customer(&store, "王小明", "13800000001").await;
        let mut ids = Vec::new();
        for k in ["q1", "q2", "q3"] {
            ids.push(
                store
                    .enqueue_message(Actor::SYSTEM, &sms(c, "13800000001", MessagePurpose::Marketing, k))
                    .await
                    .unwrap()
                    .0,
            );
        }
        let now = Utc::now();
        assert_eq!(guanxi_outbox::send_due(&store, "w", now, None).await.unwrap(), 0, "{backend}: nothing at night");
        let held = store.message(ids[0]).await.unwrap();
        assert_eq!((held.state, held.attempts), (MessageState::Queued, 0), "{backend}: held is not an attempt");
        assert_eq!(held.last_error.as_deref(), Some(guanxi_store::HELD_QUIET), "{backend}");
        let morning = held.next_attempt_at;
        let expected = guanxi_domain::china::from_local(
            guanxi_domain::china::local(now).date().and_time(rules.quiet_until.unwrap()),
        );
        let expected = if expected <= now { expected + Duration::days(1) } else { expected };
        assert_eq!(morning.timestamp(), expected.timestamp(), "{backend}: held until the quiet hours end");
        assert!(got.lock().unwrap().requests.is_empty(), "{backend}");

        // In the morning: two go, the third waits for a week after the first.
        assert_eq!(guanxi_outbox::send_due(&store, "w", morning, None).await.unwrap(), 2, "{backend}");
        let third = store.message(ids[2]).await.unwrap();
        assert_eq!(third.last_error.as_deref(), Some(guanxi_store::HELD_WEEKLY_CAP), "{backend}");
        let first = store.message(ids[0]).await.unwrap();
        assert_eq!(third.next_attempt_at, first.sent_at.unwrap() + Duration::days(7), "{backend}");
        // A service message is not capped.
        let (service, _) =
            store.enqueue_message(Actor::SYSTEM, &sms(c, "13800000001", MessagePurpose::Service, "s1")).await.unwrap();
        guanxi_outbox::send_due(&store, "w", morning, None).await.unwrap();
        assert_eq!(store.message(service).await.unwrap().state, MessageState::Sent, "{backend}");
        guanxi_outbox::send_due(&store, "w", third.next_attempt_at, None).await.unwrap();
        // A week on, the cadence's "too late" rule has its say; with a fresh message the cap lets it go.
        let late = store.message(ids[2]).await.unwrap();
        assert_eq!(
            late.state,
            MessageState::Failed,
            "{backend}: a marketing message a week late is not sent: {late:?}"
        );
        assert_eq!(got.lock().unwrap().requests.len(), 3, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_td_reply_withdraws_consent_and_another_reply_is_a_contact() {
    for (backend, store, _scratch) in stores().await {
        open_rules(&store).await;
        let c = customer(&store, "王小明", "138 0000 0001").await;
        let (queued, _) = store
            .enqueue_message(Actor::SYSTEM, &sms(c, "13800000001", MessagePurpose::Marketing, "td1"))
            .await
            .unwrap();
        let from = guanxi_domain::Phone::parse("+86 138-0000-0001").unwrap();
        let (n, optout) =
            store.record_sms_reply(None, &from, "好的，谢谢！周六来取", Utc::now()).await.unwrap().unwrap();
        assert_eq!((n, optout), (1, false), "{backend}");
        let contacts = store.interactions(c).await.unwrap();
        assert!(
            contacts
                .iter()
                .any(|i| i.draft.summary == "好的，谢谢！周六来取"
                    && i.draft.direction == guanxi_domain::Direction::Inbound),
            "{backend}"
        );
        assert_eq!(store.message(queued).await.unwrap().state, MessageState::Queued, "{backend}");

        let (n, optout) = store.record_sms_reply(Some("n-1"), &from, " td ", Utc::now()).await.unwrap().unwrap();
        assert_eq!((n, optout), (1, true), "{backend}");
        let consent = store.consents(c).await.unwrap();
        let sms_consent = consent.iter().find(|r| r.channel == MessageChannel::Sms).expect("recorded");
        assert_eq!(sms_consent.state, guanxi_domain::cadences::ConsentState::Withdrawn, "{backend}");
        assert_eq!(store.message(queued).await.unwrap().state, MessageState::Cancelled, "{backend}: at once");
        let stranger = guanxi_domain::Phone::parse("13900000000").unwrap();
        assert_eq!(
            store.record_sms_reply(None, &stranger, "TD", Utc::now()).await.unwrap(),
            Some((0, true)),
            "{backend}"
        );
        // The same nonce again: a replay, nothing done.
        assert_eq!(store.record_sms_reply(Some("n-1"), &from, "TD", Utc::now()).await.unwrap(), None, "{backend}");
    }
}

//! Letters 信函 (issue #16), on every backend: a cadence's "post a letter" step queues a letter
//! to the customer's postal address (skipped without one or without consent); the e-mail
//! worker never takes it; a person prints the waiting letters as a batch and confirms it posted —
//! each letter then sent and on its customer's timeline, one not posted back in the queue; a
//! batch thrown away puts all its letters back; a marketing letter past its day is not printed.

use crate::kit;
use chrono::{Duration, Utc};
use guanxi_domain::cadences::{CadenceDraft, ConsentState, StepDraft, StepKind, TemplateDraft};
use guanxi_domain::outbox::{MessageChannel, MessageState};
use guanxi_domain::*;
use guanxi_store::*;

async fn customer(store: &Store, name: &str, address: Option<&str>, consent: bool) -> i64 {
    let mut raw = Raw::new().with(Field::Name, name).with(Field::Kind, "individual").with(Field::City, "上海");
    if let Some(a) = address {
        raw = raw.with(Field::Address, a);
    }
    let id =
        store.create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw, today_in_china()).unwrap()).await.unwrap();
    if consent {
        store.record_consent(Actor::SYSTEM, id, MessageChannel::Letter, ConsentState::Given, "门店登记").await.unwrap();
    }
    id
}

/// A one-step cadence that posts a letter at once.
async fn letter_cadence(store: &Store) -> i64 {
    let t = TemplateDraft {
        name: "手写感谢信".into(),
        channel: MessageChannel::Letter,
        subject: "致{{称呼}}的一封信".into(),
        body: "{{称呼}}：\n感谢您的光临。".into(),
        provider_template: None,
    };
    let t = store.save_template(Actor::SYSTEM, None, &t).await.unwrap();
    let c = CadenceDraft {
        name: "感谢信".into(),
        description: None,
        exit_on_reply: false,
        exit_on_buy: false,
        exit_on_visit: false,
        steps: vec![StepDraft {
            delay_days: 0,
            kind: StepKind::Letter,
            template_id: Some(t.id),
            task_title: None,
            approve: false,
        }],
        starts_on: None,
        enrol_on: None,
    };
    store.save_cadence(Actor::SYSTEM, None, &c).await.unwrap().id
}

#[tokio::test]
async fn letters_are_printed_in_batches_and_sent_when_posted() {
    for (backend, store) in kit::stores().await {
        let cadence = letter_cadence(&store).await;
        let a = customer(&store, "王小明", Some("徐汇区漕溪北路 88 号"), true).await;
        let b = customer(&store, "李四", None, true).await;
        let c = customer(&store, "赵五", Some("上海市静安区南京西路 1 号"), false).await;
        let d = customer(&store, "钱六", Some("上海市黄浦区中山东一路 2 号"), true).await;
        let t0 = Utc::now();
        assert_eq!(store.enrol(Actor::SYSTEM, cadence, Some(&[a, b, c, d]), None, t0).await.unwrap().0, 4, "{backend}");
        store.run_cadence_steps(t0).await.unwrap();
        let skipped = |id| {
            let store = &store;
            async move {
                let e = &store.enrolments(Some(id), Some(cadence), 5).await.unwrap()[0];
                e.events.iter().find(|e| e.what == "skipped").and_then(|e| e.detail.clone())
            }
        };
        assert_eq!(skipped(b).await.as_deref(), Some("no_address"), "{backend}");
        assert_eq!(skipped(c).await.as_deref(), Some("no_consent"), "{backend}");

        // The e-mail worker does not take letters.
        assert!(store.claim_messages("w", t0 + Duration::minutes(1), 50).await.unwrap().is_empty(), "{backend}");
        let (waiting, due, later) = store.letters_to_print(t0 + Duration::minutes(1), 100).await.unwrap();
        assert_eq!((waiting.len(), due, later), (2, 2, 0), "{backend}");
        let to_a = waiting.iter().find(|m| m.customer_id == Some(a)).unwrap();
        // The city goes in front of an address that lacks it; the merge fields are filled.
        assert_eq!(to_a.recipient, "上海 徐汇区漕溪北路 88 号", "{backend}");
        assert_eq!((to_a.recipient_name.as_str(), to_a.subject.as_str()), ("王小明", "致王小明的一封信"), "{backend}");

        let batch = store.make_letter_batch(Actor::SYSTEM, t0 + Duration::minutes(2)).await.unwrap().unwrap();
        assert_eq!(store.make_letter_batch(Actor::SYSTEM, t0).await.unwrap(), None, "nothing else waits: {backend}");
        assert_eq!(store.letters_to_print(t0 + Duration::minutes(2), 100).await.unwrap().1, 0, "{backend}");
        let (b1, printed) = store.letter_batch(batch).await.unwrap();
        assert_eq!((b1.letters, printed.len()), (2, 2), "{backend}");
        assert!(printed.iter().all(|m| m.state == MessageState::Sending && m.attempts == 1), "{backend}");

        // Posted, except 钱六's (spoilt): 王小明's is sent and on his timeline; 钱六's waits again.
        let to_d = printed.iter().find(|m| m.customer_id == Some(d)).unwrap().id;
        let posted = store.post_letter_batch(Actor::SYSTEM, batch, &[to_d], t0 + Duration::hours(1)).await.unwrap();
        assert_eq!((posted.posted_count, posted.posted_at.is_some()), (Some(1), true), "{backend}");
        let sent = store.message(to_a.id).await.unwrap();
        assert_eq!(
            (sent.state, sent.provider_ref.as_deref()),
            (MessageState::Sent, Some(format!("batch {batch}").as_str())),
            "{backend}"
        );
        let timeline = store.interactions(a).await.unwrap();
        let contact = timeline.iter().find(|i| Some(i.id) == sent.interaction_id).expect("on the timeline");
        assert_eq!(
            (contact.draft.channel, contact.draft.direction),
            (Channel::Letter, Direction::Outbound),
            "{backend}"
        );
        let spoilt = store.message(to_d).await.unwrap();
        assert_eq!(
            (spoilt.state, spoilt.last_error.as_deref()),
            (MessageState::Queued, Some(LETTER_NOT_POSTED)),
            "{backend}"
        );
        // A batch is posted once, and a posted one cannot be thrown away.
        let again = store.post_letter_batch(Actor::SYSTEM, batch, &[], t0).await.unwrap_err();
        assert!(matches!(again, StoreError::Conflict { .. }), "{backend}: {again:?}");
        assert!(store.discard_letter_batch(Actor::SYSTEM, batch, t0).await.is_err(), "{backend}");

        // The spoilt letter goes in the next batch; that batch is thrown away (the printer
        // jammed), so it waits once more, and a third batch takes it.
        let second = store.make_letter_batch(Actor::SYSTEM, t0 + Duration::hours(2)).await.unwrap().unwrap();
        assert_eq!(store.letter_batch(second).await.unwrap().1.iter().map(|m| m.id).collect::<Vec<_>>(), [to_d]);
        assert_eq!(store.discard_letter_batch(Actor::SYSTEM, second, t0 + Duration::hours(2)).await.unwrap(), 1);
        let back = store.message(to_d).await.unwrap();
        assert_eq!(
            (back.state, back.last_error.as_deref()),
            (MessageState::Queued, Some(BATCH_DISCARDED)),
            "{backend}"
        );
        assert!(
            store.post_letter_batch(Actor::SYSTEM, second, &[], t0).await.is_err(),
            "a thrown-away batch: {backend}"
        );
        let third = store.make_letter_batch(Actor::SYSTEM, t0 + Duration::hours(3)).await.unwrap().unwrap();
        store.post_letter_batch(Actor::SYSTEM, third, &[], t0 + Duration::hours(4)).await.unwrap();
        let done = store.message(to_d).await.unwrap();
        assert_eq!((done.state, done.attempts), (MessageState::Sent, 3), "{backend}");
        let attempts: Vec<String> =
            store.message_attempts(to_d).await.unwrap().into_iter().map(|a| a.outcome).collect();
        assert_eq!(attempts, ["retry", "retry", "sent"], "{backend}");
        let batches = store.letter_batches(10).await.unwrap();
        assert_eq!(batches.iter().map(|b| b.id).collect::<Vec<_>>(), [third, second, batch], "{backend}");
        assert!(batches[1].discarded_at.is_some() && batches[1].posted_at.is_none(), "{backend}");
    }
}

#[tokio::test]
async fn a_marketing_letter_past_its_day_is_not_printed() {
    for (backend, store) in kit::stores().await {
        let cadence = letter_cadence(&store).await;
        let a = customer(&store, "王小明", Some("上海市徐汇区漕溪北路 88 号"), true).await;
        let t0 = Utc::now();
        store.enrol(Actor::SYSTEM, cadence, Some(&[a]), None, t0).await.unwrap();
        store.run_cadence_steps(t0).await.unwrap();
        // Nobody printed for three days: the letter "for this week" is not printed a week late.
        assert_eq!(store.make_letter_batch(Actor::SYSTEM, t0 + Duration::days(3)).await.unwrap(), None, "{backend}");
        let m =
            &store.messages(&OutboxFilter { customer_id: Some(a), per_page: 5, ..Default::default() }).await.unwrap().0
                [0];
        assert_eq!((m.state, m.last_error.as_deref()), (MessageState::Failed, Some(TOO_LATE)), "{backend}");
    }
}

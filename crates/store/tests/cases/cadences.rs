//! Cadences 跟进节奏, templates and consent (issue #16), on every backend: the coffee shop's
//! example runs on its days with an injected clock; a customer without an address or consent is
//! skipped with the reason and the cadence goes on; a step run twice sends once; nobody is in a
//! cadence twice at once; a reply takes them out; an opt-out takes them out of everything and
//! cancels what was not sent; the report counts it all.

use crate::kit;
use chrono::{Duration, Utc};
use guanxi_domain::cadences::{ConsentState, LeftBecause, StepKind};
use guanxi_domain::outbox::{MessageChannel, MessageState};
use guanxi_domain::*;
use guanxi_store::*;

async fn person(store: &Store, name: &str, gender: &str, email: Option<&str>, tag: &str) -> i64 {
    let mut raw = Raw::new().with(Field::Name, name).with(Field::Kind, "individual").with(Field::Gender, gender);
    raw.set(Field::Tags, tag);
    if let Some(e) = email {
        raw.set(Field::Email, e);
    }
    store.create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw, today_in_china()).unwrap()).await.unwrap()
}

fn outbox_of(list: &[OutboxMessage], customer: i64) -> Vec<&OutboxMessage> {
    list.iter().filter(|m| m.customer_id == Some(customer)).collect()
}

#[tokio::test]
async fn the_coffee_shop_cadence_runs_on_its_days() {
    for (backend, store) in kit::stores().await {
        let c = store.create_example_cadence(Actor::SYSTEM, Lang::ZhCn).await.unwrap();
        assert_eq!(c.draft.steps.iter().map(|s| s.delay_days).collect::<Vec<_>>(), vec![7, 20, 18], "{backend}");
        assert!(c.draft.steps.iter().all(|s| s.kind == StepKind::Email && s.template_id.is_some()), "{backend}");
        let wang = person(&store, "王小明", "male", Some("wang@example.com"), "新客").await;
        let li = person(&store, "李丽", "female", Some("li@example.com"), "新客").await;
        let zhao = person(&store, "赵六", "male", None, "新客").await;
        let old = person(&store, "钱七", "male", Some("qian@example.com"), "老客").await;
        for who in [wang, zhao, old] {
            store
                .record_consent(Actor::SYSTEM, who, MessageChannel::Email, ConsentState::Given, "门店登记表")
                .await
                .unwrap();
        }
        // Enrolled from a list's filter: the tag 新客 matches three.
        let t0 = chrono::SubsecRound::trunc_subsecs(Utc::now() - Duration::days(100), 6);
        let filter = CustomerFilter { tag: Some("新客".into()), page: 1, per_page: 50, ..Default::default() };
        assert_eq!(store.enrol(Actor::SYSTEM, c.id, None, Some(&filter), t0).await.unwrap(), (3, 0, 0), "{backend}");
        // Again: nobody twice at once.
        assert_eq!(
            store.enrol(Actor::SYSTEM, c.id, Some(&[wang, old]), None, t0).await.unwrap(),
            (1, 1, 0),
            "{backend}"
        );
        // Ids that are no customer are counted, not enrolled.
        assert_eq!(store.enrol(Actor::SYSTEM, c.id, Some(&[wang, 99_999, 99_999]), None, t0).await.unwrap(), (0, 1, 1));

        assert_eq!(store.run_cadence_steps(t0 + Duration::days(6)).await.unwrap(), 0, "{backend}: not yet");
        assert_eq!(store.run_cadence_steps(t0 + Duration::days(7)).await.unwrap(), 4, "{backend}: day 7");
        assert_eq!(store.run_cadence_steps(t0 + Duration::days(7)).await.unwrap(), 0, "{backend}: once");
        let (list, _) = store.messages(&OutboxFilter { per_page: 100, ..Default::default() }).await.unwrap();
        let to_wang = outbox_of(&list, wang);
        assert_eq!(to_wang.len(), 1, "{backend}");
        assert_eq!(to_wang[0].subject, "王先生，这一周的咖啡还合口味吗？", "{backend}: merge fields filled in");
        assert_eq!(to_wang[0].recipient, "wang@example.com", "{backend}");
        assert_eq!(to_wang[0].purpose, guanxi_domain::outbox::MessagePurpose::Marketing, "{backend}");
        assert!(outbox_of(&list, li).is_empty(), "{backend}: no consent, no message");
        assert!(outbox_of(&list, zhao).is_empty(), "{backend}: no address, no message");
        let skipped = |who: i64| {
            let store = store.clone();
            async move {
                let e = store.enrolments(Some(who), Some(c.id), 10).await.unwrap();
                e[0].events
                    .iter()
                    .filter(|ev| ev.what == "skipped")
                    .map(|ev| ev.detail.clone().unwrap())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(skipped(li).await, vec!["no_consent"], "{backend}");
        assert_eq!(skipped(zhao).await, vec!["no_email"], "{backend}");
        let e = &store.enrolments(Some(wang), Some(c.id), 10).await.unwrap()[0];
        assert_eq!((e.next_step, e.left_because), (1, None), "{backend}: the cadence goes on");
        assert_eq!(e.next_at, Some(t0 + Duration::days(27)), "{backend}: 20 days after the greeting's day");

        // 王 replies: at the handbook's day he leaves (the example leaves on a reply).
        let reply = InteractionDraft::parse(
            &Raw::new()
                .with(Field::Channel, "email")
                .with(Field::Direction, "inbound")
                .with(Field::Summary, "回复：咖啡很好喝")
                .with(Field::OccurredAt, (t0 + Duration::days(8)).to_rfc3339()),
            Utc::now(),
            8,
        )
        .unwrap();
        store.add_interaction(Actor::SYSTEM, wang, &reply).await.unwrap();
        assert_eq!(store.run_cadence_steps(t0 + Duration::days(27)).await.unwrap(), 4, "{backend}");
        let e = &store.enrolments(Some(wang), Some(c.id), 10).await.unwrap()[0];
        assert_eq!(e.left_because, Some(LeftBecause::Replied), "{backend}");
        let (list, _) = store.messages(&OutboxFilter { per_page: 100, ..Default::default() }).await.unwrap();
        assert_eq!(outbox_of(&list, wang).len(), 1, "{backend}: no handbook after the reply");
        let to_old = outbox_of(&list, old);
        assert_eq!(to_old.len(), 2, "{backend}: greeting and handbook");

        // 钱 opts out: out of the cadence at once, and the handbook not sent yet is cancelled.
        store
            .record_consent(Actor::SYSTEM, old, MessageChannel::Email, ConsentState::Withdrawn, "退订链接")
            .await
            .unwrap();
        let e = &store.enrolments(Some(old), Some(c.id), 10).await.unwrap()[0];
        assert_eq!(e.left_because, Some(LeftBecause::OptedOut), "{backend}");
        let (list, _) = store.messages(&OutboxFilter { per_page: 100, ..Default::default() }).await.unwrap();
        assert!(outbox_of(&list, old).iter().all(|m| m.state == MessageState::Cancelled), "{backend}");
        let consent = store.consents(old).await.unwrap();
        assert_eq!((consent[0].state, consent[0].how.as_str()), (ConsentState::Withdrawn, "退订链接"), "{backend}");
        // Enrolled again, the withdrawal stands: at its day the step takes them out.
        store.enrol(Actor::SYSTEM, c.id, Some(&[old]), None, t0 + Duration::days(30)).await.unwrap();
        store.run_cadence_steps(t0 + Duration::days(37)).await.unwrap();
        let e = &store.enrolments(Some(old), Some(c.id), 10).await.unwrap()[0];
        assert_eq!(e.left_because, Some(LeftBecause::OptedOut), "{backend}");

        // The rest finish.
        for day in [45, 60] {
            store.run_cadence_steps(t0 + Duration::days(day)).await.unwrap();
        }
        let report = store.cadence_report(c.id).await.unwrap();
        assert_eq!((report.enrolled, report.active), (5, 0), "{backend}: {report:?}");
        let left: std::collections::HashMap<LeftBecause, i64> = report.left.iter().copied().collect();
        assert_eq!(left.get(&LeftBecause::Finished), Some(&2), "{backend}: {report:?}");
        assert_eq!(left.get(&LeftBecause::Replied), Some(&1), "{backend}");
        assert_eq!(left.get(&LeftBecause::OptedOut), Some(&2), "{backend}");
        assert_eq!(report.steps[0].queued, 2, "{backend}: {report:?}");
        assert_eq!(report.steps[0].skipped, 2, "{backend}");
    }
}

#[tokio::test]
async fn cadences_and_consent_are_checked() {
    for (backend, store) in kit::stores().await {
        let c = store.create_example_cadence(Actor::SYSTEM, Lang::En).await.unwrap();
        // A step whose template is none.
        let mut d = c.draft.clone();
        d.steps[0].template_id = Some(99_999);
        let e = store.save_cadence(Actor::SYSTEM, None, &d).await.unwrap_err();
        assert!(e.message(Lang::En).contains("Template"), "{backend}: {}", e.message(Lang::En));
        // Consent needs to say how; for a customer that exists.
        let who = person(&store, "孙八", "female", Some("sun@example.com"), "x").await;
        let e = store
            .record_consent(Actor::SYSTEM, who, MessageChannel::Email, ConsentState::Given, " ")
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{backend}");
        assert!(
            store.record_consent(Actor::SYSTEM, 77_777, MessageChannel::Email, ConsentState::Given, "x").await.is_err()
        );
        // A template previewed with a real customer.
        let t = store.templates().await.unwrap().into_iter().next().unwrap();
        let (subject, _) = store.preview_template(&t.draft, who, Lang::En).await.unwrap();
        assert!(subject.contains("孙女士"), "{backend}: {subject}");
        assert!(store.preview_template(&t.draft, 77_777, Lang::En).await.is_err(), "{backend}");
    }
}

/// A merge takes the dropped customer's messages, cadences and consent along (an opt-out of
/// either stands for the kept customer); an unmerge puts them back.
#[tokio::test]
async fn merges_carry_messages_cadences_and_opt_outs() {
    for (backend, store) in kit::stores().await {
        let c = store.create_example_cadence(Actor::SYSTEM, Lang::ZhCn).await.unwrap();
        let keep = person(&store, "王小明", "male", Some("wang@example.com"), "x").await;
        let drop = person(&store, "王晓明", "male", Some("wang2@example.com"), "x").await;
        store.record_consent(Actor::SYSTEM, keep, MessageChannel::Email, ConsentState::Given, "登记表").await.unwrap();
        store.record_consent(Actor::SYSTEM, drop, MessageChannel::Sms, ConsentState::Given, "电话").await.unwrap();
        store.enrol(Actor::SYSTEM, c.id, Some(&[drop]), None, Utc::now()).await.unwrap();
        store
            .record_consent(Actor::SYSTEM, drop, MessageChannel::Email, ConsentState::Withdrawn, "退订链接")
            .await
            .unwrap();
        let merge = store.merge(Actor::SYSTEM, keep, drop, &[]).await.unwrap();
        let consent = store.consents(keep).await.unwrap();
        let email = consent.iter().find(|r| r.channel == MessageChannel::Email).unwrap();
        assert_eq!(email.state, ConsentState::Withdrawn, "{backend}: the opt-out stands for the kept customer");
        assert!(consent.iter().any(|r| r.channel == MessageChannel::Sms), "{backend}: the SMS consent moved");
        assert_eq!(store.enrolments(Some(keep), None, 10).await.unwrap().len(), 1, "{backend}: the cadence moved");
        store.unmerge(Actor::SYSTEM, merge).await.unwrap();
        let consent = store.consents(keep).await.unwrap();
        assert_eq!(consent.len(), 1, "{backend}: {consent:?}");
        assert_eq!(consent[0].state, ConsentState::Given, "{backend}");
        assert_eq!(store.enrolments(Some(drop), None, 10).await.unwrap().len(), 1, "{backend}: moved back");
    }
}

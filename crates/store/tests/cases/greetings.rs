//! Festival greetings 节日问候 (issue #16), on every backend: a greeting is a one-step cadence
//! that starts on the festival's day (worked out from the lunar calendar), so customers put in
//! weeks before get it that morning at 09:00 China time, ones put in within two days after the
//! day get it at once, and later nobody can be put in.

use crate::kit;
use chrono::{Duration, NaiveDate};
use guanxi_domain::cadences::{ConsentState, TemplateDraft};
use guanxi_domain::festivals::{Festival, greeting};
use guanxi_domain::outbox::MessageChannel;
use guanxi_domain::*;
use guanxi_store::*;

/// 王小明 (a man, so 王先生), with an e-mail address and consent to marketing by e-mail.
async fn wang_with_consent(store: &Store) -> i64 {
    let raw = Raw::new()
        .with(Field::Name, "王小明")
        .with(Field::Kind, "individual")
        .with(Field::Gender, "male")
        .with(Field::Email, "wang@example.com");
    let wang =
        store.create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw, today_in_china()).unwrap()).await.unwrap();
    store.record_consent(Actor::SYSTEM, wang, MessageChannel::Email, ConsentState::Given, "门店登记").await.unwrap();
    wang
}

#[tokio::test]
async fn a_spring_festival_greeting_goes_out_that_morning() {
    for (backend, store) in kit::stores().await {
        let t = TemplateDraft {
            name: "春节问候".into(),
            channel: MessageChannel::Email,
            subject: "{{称呼}}，新春快乐".into(),
            body: "{{称呼}}：祝您新春快乐，万事如意！".into(),
            provider_template: None,
        };
        let t = store.save_template(Actor::SYSTEM, None, &t).await.unwrap();
        let day = Festival::SpringFestival.date_in(2027).unwrap();
        assert_eq!(day, NaiveDate::from_ymd_opt(2027, 2, 6).unwrap(), "{backend}");
        let c = store
            .save_cadence(
                Actor::SYSTEM,
                None,
                &greeting(Festival::SpringFestival, day, (t.id, t.draft.channel), Lang::ZhCn),
            )
            .await
            .unwrap();
        assert_eq!((c.draft.name.as_str(), c.draft.starts_on), ("春节问候（2027）", Some(day)), "{backend}");

        let wang = wang_with_consent(&store).await;
        // Put in two months before: due at 09:00 China time (01:00 UTC) on the day.
        let before = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap().and_hms_opt(8, 0, 0).unwrap().and_utc();
        assert_eq!(
            store.enrol(Actor::SYSTEM, c.id, Some(&[wang]), None, before).await.unwrap(),
            (1, 0, 0),
            "{backend}"
        );
        let morning = day.and_hms_opt(1, 0, 0).unwrap().and_utc();
        let e = &store.enrolments(Some(wang), Some(c.id), 5).await.unwrap()[0];
        assert_eq!(e.next_at, Some(morning), "{backend}");
        // The start day moved (a typo fixed) moves those waiting for it; moved back, back again.
        let mut moved = c.draft.clone();
        moved.starts_on = Some(day + Duration::days(1));
        store.save_cadence(Actor::SYSTEM, Some(c.id), &moved).await.unwrap();
        let e = &store.enrolments(Some(wang), Some(c.id), 5).await.unwrap()[0];
        assert_eq!(e.next_at, Some(morning + Duration::days(1)), "{backend}: moved with the day");
        store.save_cadence(Actor::SYSTEM, Some(c.id), &c.draft).await.unwrap();
        let e = &store.enrolments(Some(wang), Some(c.id), 5).await.unwrap()[0];
        assert_eq!(e.next_at, Some(morning), "{backend}");
        assert_eq!(store.run_cadence_steps(morning - Duration::minutes(1)).await.unwrap(), 0, "{backend}: not before");
        assert_eq!(store.run_cadence_steps(morning).await.unwrap(), 1, "{backend}");
        let (list, _) = store
            .messages(&OutboxFilter { customer_id: Some(wang), per_page: 10, page: 1, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(list.len(), 1, "{backend}");
        assert_eq!(list[0].subject, "王先生，新春快乐", "{backend}");

        // Put in after the day: counts from when they were put in.
        let raw =
            Raw::new().with(Field::Name, "李丽").with(Field::Kind, "individual").with(Field::Email, "li@example.com");
        let li =
            store.create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw, today_in_china()).unwrap()).await.unwrap();
        let after = morning + Duration::days(1);
        store.enrol(Actor::SYSTEM, c.id, Some(&[li]), None, after).await.unwrap();
        let e = &store.enrolments(Some(li), Some(c.id), 5).await.unwrap()[0];
        assert_eq!(e.next_at, Some(after), "{backend}");
        // More than two days after the day: nobody (no "新春快乐" in March).
        let raw = Raw::new().with(Field::Name, "赵六").with(Field::Kind, "individual");
        let zhao =
            store.create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw, today_in_china()).unwrap()).await.unwrap();
        let err = store.enrol(Actor::SYSTEM, c.id, Some(&[zhao]), None, morning + Duration::days(3)).await.unwrap_err();
        assert!(err.message(Lang::ZhCn).contains("已过去两天以上"), "{backend}: {}", err.message(Lang::ZhCn));
        assert!(store.enrolments(Some(zhao), Some(c.id), 5).await.unwrap().is_empty(), "{backend}");
    }
}

#[tokio::test]
async fn a_paused_cadence_runs_nothing_and_takes_nobody() {
    for (backend, store) in kit::stores().await {
        let c = store.create_example_cadence(Actor::SYSTEM, Lang::ZhCn).await.unwrap();
        let wang = wang_with_consent(&store).await;
        let t0 = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now() - Duration::days(10), 6);
        store.enrol(Actor::SYSTEM, c.id, Some(&[wang]), None, t0).await.unwrap();
        let paused = store.pause_cadence(Actor::SYSTEM, c.id, true).await.unwrap();
        assert!(paused.paused_at.is_some(), "{backend}");
        // Day 7 passes while paused: nothing runs, My day lists nothing, nobody can be put in.
        assert_eq!(store.run_cadence_steps(t0 + Duration::days(7)).await.unwrap(), 0, "{backend}");
        assert!(store.steps_ahead(None, t0 + Duration::days(30), 20).await.unwrap().is_empty(), "{backend}");
        let err = store.enrol(Actor::SYSTEM, c.id, Some(&[wang]), None, t0).await.unwrap_err();
        assert!(err.message(Lang::ZhCn).contains("已暂停"), "{backend}: {}", err.message(Lang::ZhCn));
        // Resumed three days after the step's day: the greeting is skipped as late, the next one waits.
        assert!(store.pause_cadence(Actor::SYSTEM, c.id, false).await.unwrap().paused_at.is_none(), "{backend}");
        assert_eq!(store.run_cadence_steps(t0 + Duration::days(10)).await.unwrap(), 1, "{backend}");
        let e = &store.enrolments(Some(wang), Some(c.id), 5).await.unwrap()[0];
        assert_eq!(e.next_step, 1, "{backend}");
        let (list, _) = store
            .messages(&OutboxFilter { customer_id: Some(wang), per_page: 10, page: 1, ..Default::default() })
            .await
            .unwrap();
        assert!(list.is_empty(), "{backend}: a week-old greeting is not sent late");
    }
}

#[tokio::test]
async fn a_paused_cadences_queued_message_waits() {
    for (backend, store) in kit::stores().await {
        let c = store.create_example_cadence(Actor::SYSTEM, Lang::ZhCn).await.unwrap();
        let wang = wang_with_consent(&store).await;
        let t0 = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now() - Duration::days(7), 6);
        store.enrol(Actor::SYSTEM, c.id, Some(&[wang]), None, t0).await.unwrap();
        assert_eq!(store.run_cadence_steps(chrono::Utc::now()).await.unwrap(), 1, "{backend}: the greeting queued");
        store.pause_cadence(Actor::SYSTEM, c.id, true).await.unwrap();
        assert!(store.claim_messages("w", chrono::Utc::now(), 10).await.unwrap().is_empty(), "{backend}: held");
        let (list, _) = store
            .messages(&OutboxFilter { customer_id: Some(wang), per_page: 10, page: 1, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(list[0].last_error.as_deref(), Some(HELD_PAUSED), "{backend}");
        assert_eq!(list[0].attempts, 0, "{backend}");
    }
}

//! Tasks 待办 (issue #16), on every backend.

use crate::kit;
use chrono::Datelike;
use guanxi_domain::tasks::{TaskDone, TaskDraft, TaskKind};
use guanxi_domain::*;
use guanxi_store::*;

async fn customer(store: &Store, name: &str) -> i64 {
    let today = today_in_china();
    let raw = Raw::new().with(Field::Name, name).with(Field::Kind, "organization");
    store.create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw, today).unwrap()).await.unwrap()
}

async fn user(store: &Store, name: &str) -> User {
    let u = NewUser { username: name.into(), display_name: name.into(), role: Role::SalesRep, team: None };
    store.add_user(Actor::SYSTEM, &u).await.unwrap()
}

fn draft(pairs: &[(Field, &str)]) -> TaskDraft {
    let mut raw = Raw::new();
    for (f, v) in pairs {
        raw.set(*f, *v);
    }
    TaskDraft::parse(&raw, today_in_china()).unwrap()
}

#[tokio::test]
async fn a_task_is_created_put_off_reassigned_and_done_with_its_contact_once() {
    for (backend, store) in kit::stores().await {
        let today = today_in_china();
        let c = customer(&store, "吴老板").await;
        let li = user(&store, "li.na").await;
        let wang = user(&store, "wang.qiang").await;
        let me = Actor(li.id);
        let t = store
            .create_task(
                me,
                &draft(&[
                    (Field::TaskTitle, "电话回访"),
                    (Field::TaskKind, "call"),
                    (Field::Customer, &c.to_string()),
                    (Field::DueTime, "10:30"),
                ]),
            )
            .await
            .unwrap();
        assert_eq!(
            (t.assignee.as_str(), t.kind, t.due_on, t.customer_name.as_deref()),
            ("li.na", TaskKind::Call, today, Some("吴老板")),
            "{backend}"
        );
        assert_eq!(t.origin, "person", "{backend}");

        // Put off three days and given to a colleague.
        let mut d = t.draft();
        d.due_on = today + chrono::Duration::days(3);
        d.assignee = Some("wang.qiang".into());
        let t = store.update_task(me, t.id, &d).await.unwrap();
        assert_eq!((t.assignee_id, t.due_on), (wang.id, today + chrono::Duration::days(3)), "{backend}");
        let mine = TaskFilter { assignees: Some(vec![li.id]), limit: 50, ..Default::default() };
        assert!(store.tasks(&mine).await.unwrap().is_empty(), "{backend}");
        let theirs = TaskFilter { assignees: Some(vec![wang.id]), limit: 50, ..Default::default() };
        assert_eq!(store.tasks(&theirs).await.unwrap().len(), 1, "{backend}");

        // Done, logged as a contact in the same step; a second tick logs nothing twice.
        let done = TaskDone { result: Some("约好下周面谈".into()), log_contact: true, channel: None };
        let t = store.finish_task(Actor(wang.id), t.id, &done).await.unwrap();
        let again = store.finish_task(Actor(wang.id), t.id, &done).await.unwrap();
        assert_eq!(again.interaction_id, t.interaction_id, "{backend}");
        let contacts = store.interactions(c).await.unwrap();
        assert_eq!(contacts.len(), 1, "{backend}");
        assert_eq!(contacts[0].draft.summary, "电话回访：约好下周面谈", "{backend}");
        assert_eq!(contacts[0].draft.channel, Channel::Phone, "{backend}");
        assert_eq!(
            (t.done_by.as_deref(), t.result.as_deref()),
            (Some("wang.qiang"), Some("约好下周面谈")),
            "{backend}"
        );
        assert!(store.tasks(&theirs).await.unwrap().is_empty(), "{backend}: done tasks leave the open list");
        let done_list =
            TaskFilter { assignees: Some(vec![wang.id]), state: TaskState::Done, limit: 50, ..Default::default() };
        assert_eq!(store.tasks(&done_list).await.unwrap().len(), 1, "{backend}");

        // Opened again; the contact stays.
        let t = store.reopen_task(Actor(wang.id), t.id).await.unwrap();
        assert!(t.done_at.is_none(), "{backend}");
        assert_eq!(store.interactions(c).await.unwrap().len(), 1, "{backend}");
        let history = store.history(c).await.unwrap();
        assert!(
            history.iter().filter(|e| e.entity == "task").count() >= 4,
            "{backend}: created, changed, done, reopened"
        );
    }
}

#[tokio::test]
async fn what_a_task_is_for_is_checked() {
    for (backend, store) in kit::stores().await {
        let a = customer(&store, "甲公司").await;
        let b = customer(&store, "乙公司").await;
        let kp = store
            .add_key_person(
                Actor::SYSTEM,
                b,
                &KeyPersonDraft::parse(&Raw::new().with(Field::Name, "刘总"), today_in_china()).unwrap(),
            )
            .await
            .unwrap();
        // A key person of another customer, a customer that does not exist, an unknown assignee:
        // each named, nothing written.
        let bad = draft(&[
            (Field::TaskTitle, "拜访"),
            (Field::Customer, &a.to_string()),
            (Field::KeyPerson, &kp.to_string()),
            (Field::Assignee, "nobody"),
        ]);
        match store.create_task(Actor::SYSTEM, &bad).await {
            Err(StoreError::Invalid(v)) => {
                let got: Vec<(Field, Problem)> = v.0.iter().map(|e| (e.field, e.problem.clone())).collect();
                assert_eq!(
                    got,
                    [(Field::Assignee, Problem::UnknownUser), (Field::KeyPerson, Problem::OtherCustomer)],
                    "{backend}"
                );
            }
            other => panic!("{backend}: {other:?}"),
        }
        let missing = draft(&[(Field::TaskTitle, "拜访"), (Field::Customer, "999999")]);
        assert!(matches!(store.create_task(Actor::SYSTEM, &missing).await, Err(StoreError::Invalid(_))), "{backend}");
        // The key person alone names their customer.
        let t = store
            .create_task(
                Actor::SYSTEM,
                &draft(&[
                    (Field::TaskTitle, "送生日礼物"),
                    (Field::TaskKind, "gift"),
                    (Field::KeyPerson, &kp.to_string()),
                ]),
            )
            .await
            .unwrap();
        assert_eq!((t.customer_id, t.key_person_name.as_deref()), (Some(b), Some("刘总")), "{backend}");
        // A task on its own cannot be logged as a contact: there is nobody to log it with.
        let alone = store.create_task(Actor::SYSTEM, &draft(&[(Field::TaskTitle, "准备季度总结")])).await.unwrap();
        let done = TaskDone { result: None, log_contact: true, channel: None };
        match store.finish_task(Actor::SYSTEM, alone.id, &done).await {
            Err(StoreError::Invalid(v)) => assert_eq!(v.0[0].field, Field::Customer, "{backend}"),
            other => panic!("{backend}: {other:?}"),
        }
        assert!(store.task(alone.id).await.unwrap().done_at.is_none(), "{backend}: nothing half done");
        let customer_list = TaskFilter { customer_id: Some(b), limit: 50, ..Default::default() };
        assert_eq!(store.tasks(&customer_list).await.unwrap().len(), 1, "{backend}");
    }
}

/// Birthdays of the days ahead, Gregorian and lunar (农历): a lunar birthday is found on the
/// day its lunar month and day fall this year, not on its Gregorian day of birth.
#[tokio::test]
async fn birthdays_ahead_by_either_calendar() {
    use guanxi_domain::lunar::{Lunar, lunar_of, solar_of};
    for (backend, store) in kit::stores().await {
        let today = today_in_china();
        // The first day of the week ahead that is not in a leap month.
        let (day, l) = (1..7)
            .map(|i| today + chrono::Duration::days(i))
            .find_map(|d| lunar_of(d).filter(|l| !l.leap && l.day < 30).map(|l| (d, l)))
            .unwrap();
        let born = solar_of(Lunar { year: 1985, month: l.month, leap: false, day: l.day }).unwrap();
        let typed = format!("农历1985-{:02}-{:02}", l.month, l.day);
        let raw = Raw::new().with(Field::Name, "农历寿星").with(Field::Birthday, typed.as_str());
        let c = store.create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw, today).unwrap()).await.unwrap();
        let stored = store.customer(c).await.unwrap();
        assert_eq!(stored.draft.individual().unwrap().birthday, Some(born), "{backend}");
        assert_eq!(stored.draft.to_fields().get(Field::Birthday), typed, "{backend}: written back as typed");
        // A Gregorian birthday on the same Gregorian day of birth is found on that day instead.
        let raw = Raw::new().with(Field::Name, "公历寿星").with(Field::Birthday, born.to_string());
        store.create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw, today).unwrap()).await.unwrap();
        let (found, total) = store.birthdays(None, today, 7, 100).await.unwrap();
        assert_eq!(total, found.len(), "{backend}");
        let (first, total_again) = store.birthdays(None, today, 7, 1).await.unwrap();
        assert_eq!((first.len(), total_again), (1, total), "{backend}: the soonest one, and how many in all");
        assert!(first[0].on <= found.iter().map(|b| b.on).max().unwrap_or(first[0].on), "{backend}");
        let lunar_one = found.iter().find(|b| b.name == "农历寿星").unwrap_or_else(|| panic!("{backend}: {found:?}"));
        assert_eq!(lunar_one.on, day, "{backend}");
        assert_eq!(lunar_one.lunar.as_deref(), Some(guanxi_domain::lunar::say(l).as_str()), "{backend}");
        let in_window = |d: chrono::NaiveDate| {
            (0..7).any(|i| today + chrono::Duration::days(i) == d.with_year(today.year()).unwrap_or(d))
        };
        assert_eq!(found.iter().any(|b| b.name == "公历寿星"), in_window(born), "{backend}");
        // A bad lunar date is named.
        let bad = Raw::new().with(Field::Name, "x").with(Field::Birthday, "农历1985-13-01");
        let e = CustomerDraft::parse(&bad, today).unwrap_err();
        assert_eq!(e.0[0].problem, Problem::InvalidLunarDate, "{backend}");
    }
}

/// A key person's and a person around's lunar birthday are found on their day too, and a
/// birthday changed back to a Gregorian one is no longer kept by the lunar calendar.
#[tokio::test]
async fn people_keep_lunar_birthdays_too() {
    use guanxi_domain::lunar::{Lunar, lunar_of, solar_of};
    for (backend, store) in kit::stores().await {
        let today = today_in_china();
        let (day, l) = (1..7)
            .map(|i| today + chrono::Duration::days(i))
            .find_map(|d| lunar_of(d).filter(|l| !l.leap && l.day < 30).map(|l| (d, l)))
            .unwrap();
        let typed = format!("农历1975-{:02}-{:02}", l.month, l.day);
        let org = customer(&store, "寿宴公司").await;
        let kp_raw = Raw::new().with(Field::Name, "钱总").with(Field::Birthday, typed.as_str());
        let kp =
            store.add_key_person(Actor::SYSTEM, org, &KeyPersonDraft::parse(&kp_raw, today).unwrap()).await.unwrap();
        let around_raw = Raw::new()
            .with(Field::Name, "钱夫人")
            .with(Field::Relation, "spouse")
            .with(Field::Birthday, typed.as_str());
        let around = PersonAroundDraft::parse(&around_raw, today).unwrap();
        store.add_person_around(Actor::SYSTEM, org, Some(kp), &around).await.unwrap();
        let (found, _) = store.birthdays(None, today, 7, 100).await.unwrap();
        for name in ["钱总", "钱夫人"] {
            let b = found.iter().find(|b| b.name == name).unwrap_or_else(|| panic!("{backend}: {name} in {found:?}"));
            assert_eq!((b.on, b.lunar.is_some()), (day, true), "{backend}: {name}");
        }
        let stored = store.key_people(org).await.unwrap();
        assert_eq!(stored[0].draft.to_fields().get(Field::Birthday), typed, "{backend}");
        // Changed to a Gregorian birthday outside the week: no longer found.
        let born = solar_of(Lunar { year: 1975, month: l.month, leap: false, day: l.day }).unwrap();
        let far = born + chrono::Duration::days(60);
        let kp_raw = Raw::new().with(Field::Name, "钱总").with(Field::Birthday, far.to_string());
        store.update_key_person(Actor::SYSTEM, kp, &KeyPersonDraft::parse(&kp_raw, today).unwrap()).await.unwrap();
        let (found, _) = store.birthdays(None, today, 7, 100).await.unwrap();
        assert!(!found.iter().any(|b| b.name == "钱总"), "{backend}: {found:?}");
        assert!(!store.key_people(org).await.unwrap()[0].draft.birthday_lunar, "{backend}");
    }
}

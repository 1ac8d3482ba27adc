//! Cadences that put customers in by themselves (issue #16), on every backend: the coffee shop's
//! example takes a customer on their first purchase (not on the second, nor on a first order typed
//! in a month late), a paused one takes nobody, and a customer is never in one twice at once. A
//! cadence's task step gives the owner a task without ringing their bell.

use crate::kit;
use guanxi_domain::cadences::EnrolRule;
use guanxi_domain::*;
use guanxi_store::*;

fn order(customer: i64, no: &str) -> guanxi_domain::orders::OrderDraft {
    guanxi_domain::orders::OrderDraft {
        customer: guanxi_domain::orders::CustomerRef::Id(customer),
        ordered_at: chrono::Utc::now() - chrono::Duration::hours(1),
        amount_fen: 3_800,
        cost_fen: None,
        category: Some("咖啡".into()),
        channel: None,
        branch: None,
        order_no: Some(no.into()),
    }
}

#[tokio::test]
async fn a_first_purchase_puts_the_customer_in_the_coffee_shop_cadence() {
    for (backend, store) in kit::stores().await {
        let c = store.create_example_cadence(Actor::SYSTEM, Lang::ZhCn).await.unwrap();
        assert_eq!(c.draft.enrol_on, Some(EnrolRule::FirstPurchase), "{backend}");
        let raw = Raw::new().with(Field::Name, "王小明").with(Field::Kind, "individual");
        let wang =
            store.create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw, today_in_china()).unwrap()).await.unwrap();
        let raw = Raw::new().with(Field::Name, "李丽").with(Field::Kind, "individual");
        let li =
            store.create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw, today_in_china()).unwrap()).await.unwrap();

        store.record_order(Actor::SYSTEM, wang, &order(wang, "A-1"), false).await.unwrap();
        let e = store.enrolments(Some(wang), Some(c.id), 5).await.unwrap();
        assert_eq!(e.len(), 1, "{backend}: put in on the first purchase");
        let day7 = e[0].next_at.unwrap() - e[0].enrolled_at;
        assert_eq!(day7.num_days(), 7, "{backend}: the greeting on day 7");
        // Taken out by hand, a second purchase does not put them back: it is not their first.
        store.leave_cadence(Actor::SYSTEM, e[0].id).await.unwrap();
        store.record_order(Actor::SYSTEM, wang, &order(wang, "A-2"), false).await.unwrap();
        assert_eq!(store.enrolments(Some(wang), Some(c.id), 5).await.unwrap().len(), 1, "{backend}");

        // A first order typed in long after it was made puts nobody in (a "welcome" a month late).
        let raw = Raw::new().with(Field::Name, "赵六").with(Field::Kind, "individual");
        let zhao =
            store.create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw, today_in_china()).unwrap()).await.unwrap();
        let old = guanxi_domain::orders::OrderDraft {
            ordered_at: chrono::Utc::now() - chrono::Duration::days(30),
            ..order(zhao, "Z-1")
        };
        store.record_order(Actor::SYSTEM, zhao, &old, false).await.unwrap();
        assert!(store.enrolments(Some(zhao), Some(c.id), 5).await.unwrap().is_empty(), "{backend}: not a late welcome");

        // Paused: a first purchase puts nobody in.
        store.pause_cadence(Actor::SYSTEM, c.id, true).await.unwrap();
        store.record_order(Actor::SYSTEM, li, &order(li, "B-1"), false).await.unwrap();
        assert!(store.enrolments(Some(li), Some(c.id), 5).await.unwrap().is_empty(), "{backend}");
    }
}

#[tokio::test]
async fn a_cadence_task_is_on_the_owners_day_without_a_notification_each() {
    for (backend, store) in kit::stores().await {
        let li = NewUser { username: "li.na".into(), display_name: "李娜".into(), role: Role::SalesRep, team: None };
        let li = store.add_user(Actor::SYSTEM, &li).await.unwrap();
        let raw = Raw::new().with(Field::Name, "王小明").with(Field::Kind, "individual").with(Field::Owner, "li.na");
        let wang =
            store.create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw, today_in_china()).unwrap()).await.unwrap();
        let call = guanxi_domain::cadences::CadenceDraft {
            name: "回访".into(),
            description: None,
            exit_on_reply: false,
            exit_on_buy: false,
            exit_on_visit: false,
            steps: vec![guanxi_domain::cadences::StepDraft {
                delay_days: 0,
                kind: guanxi_domain::cadences::StepKind::Task,
                template_id: None,
                task_title: Some("给{{称呼}}打电话".into()),
                approve: false,
            }],
            starts_on: None,
            enrol_on: None,
        };
        let call = store.save_cadence(Actor::SYSTEM, None, &call).await.unwrap();
        let bell = |store: &Store| {
            let store = store.clone();
            async move {
                let (n, _, _) = store.notifications(li.id, 1, 50).await.unwrap();
                n.iter().filter(|n| n.kind == guanxi_domain::notifications::NotificationKind::TaskAssigned).count()
            }
        };
        store.enrol(Actor::SYSTEM, call.id, Some(&[wang]), None, chrono::Utc::now()).await.unwrap();
        assert_eq!(store.run_cadence_steps(chrono::Utc::now()).await.unwrap(), 1, "{backend}");
        let open = TaskFilter { assignees: Some(vec![li.id]), limit: 10, ..Default::default() };
        assert_eq!(store.tasks(&open).await.unwrap().len(), 1, "{backend}: the owner's task");
        assert_eq!(bell(&store).await, 0, "{backend}: no bell for a cadence's task");
        // A colleague's task for her does ring it.
        let raw = Raw::new().with(Field::TaskTitle, "准备报价").with(Field::Assignee, "li.na");
        let d = guanxi_domain::tasks::TaskDraft::parse(&raw, today_in_china()).unwrap();
        store.create_task(Actor::SYSTEM, &d).await.unwrap();
        assert_eq!(bell(&store).await, 1, "{backend}");
    }
}

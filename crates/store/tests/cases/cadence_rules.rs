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

/// A one-step task cadence that takes customers by itself on `rule`.
async fn cadence_on(store: &Store, rule: EnrolRule) -> i64 {
    let d = guanxi_domain::cadences::CadenceDraft {
        name: format!("自动 {}", rule.code()),
        description: None,
        exit_on_reply: false,
        exit_on_buy: false,
        exit_on_visit: false,
        steps: vec![guanxi_domain::cadences::StepDraft {
            delay_days: 1,
            kind: guanxi_domain::cadences::StepKind::Task,
            template_id: None,
            task_title: Some("关照{{称呼}}".into()),
            approve: false,
        }],
        starts_on: None,
        enrol_on: Some(rule),
    };
    store.save_cadence(Actor::SYSTEM, None, &d).await.unwrap().id
}

async fn person(store: &Store, name: &str) -> i64 {
    let raw = Raw::new().with(Field::Name, name).with(Field::Kind, "individual");
    store.create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw, today_in_china()).unwrap()).await.unwrap()
}

#[tokio::test]
async fn an_imported_first_order_puts_the_customer_in() {
    for (backend, store) in kit::stores().await {
        let c = cadence_on(&store, EnrolRule::FirstPurchase).await;
        let (new, regular, late) =
            (person(&store, "王小明").await, person(&store, "李丽").await, person(&store, "赵六").await);
        store.record_order(Actor::SYSTEM, regular, &order(regular, "R-1"), false).await.unwrap();
        store
            .leave_cadence(Actor::SYSTEM, store.enrolments(Some(regular), Some(c), 5).await.unwrap()[0].id)
            .await
            .unwrap();
        let month_ago = guanxi_domain::orders::OrderDraft {
            ordered_at: chrono::Utc::now() - chrono::Duration::days(30),
            ..order(late, "L-1")
        };
        let rows = vec![(2, order(new, "I-1")), (3, order(new, "I-2")), (4, order(regular, "I-3")), (5, month_ago)];
        let (_, refused) = store.import_orders(Actor::SYSTEM, "orders.csv", &rows, false).await.unwrap();
        assert!(refused.is_empty(), "{backend}");
        assert_eq!(store.enrolments(Some(new), Some(c), 5).await.unwrap().len(), 1, "{backend}: their first purchase");
        assert_eq!(store.enrolments(Some(regular), Some(c), 5).await.unwrap().len(), 1, "{backend}: not a first");
        assert!(store.enrolments(Some(late), Some(c), 5).await.unwrap().is_empty(), "{backend}: not a month late");
    }
}

#[tokio::test]
async fn a_win_back_case_opened_puts_the_customer_in() {
    for (backend, store) in kit::stores().await {
        let c = cadence_on(&store, EnrolRule::WinbackOpened).await;
        let wang = person(&store, "王小明").await;
        let old = guanxi_domain::orders::OrderDraft {
            ordered_at: chrono::Utc::now() - chrono::Duration::days(400),
            ..order(wang, "W-1")
        };
        store.record_order(Actor::SYSTEM, wang, &old, false).await.unwrap();
        assert!(store.enrolments(Some(wang), Some(c), 5).await.unwrap().is_empty(), "{backend}");
        store.open_winback_case(Actor::SYSTEM, wang).await.unwrap();
        let e = store.enrolments(Some(wang), Some(c), 5).await.unwrap();
        assert_eq!((e.len(), e[0].left_because), (1, None), "{backend}");
    }
}

#[tokio::test]
async fn becoming_a_key_account_puts_the_customer_in() {
    use guanxi_domain::value::CustomerValue;
    use guanxi_domain::value::nonmonetary::NonMonetary;
    for (backend, store) in kit::stores().await {
        let c = cadence_on(&store, EnrolRule::BecameKey).await;
        let (rising, staying, small) =
            (person(&store, "甲").await, person(&store, "乙").await, person(&store, "丙").await);
        let value = |customer_id, tier| CustomerValue {
            customer_id,
            tier,
            abc: None,
            revenue_window_fen: 0,
            rfm: None,
            segment: None,
            p_alive: None,
            expected_purchases: None,
            expected_spend_fen: None,
            clv_history_fen: 0,
            clv_projected_fen: None,
            non_monetary: NonMonetary::default(),
            key_score: 0.0,
        };
        let save = |values: Vec<CustomerValue>| {
            let store = &store;
            async move {
                store
                    .save_assessment(Actor::SYSTEM, today_in_china(), "week", &serde_json::json!({}), &values)
                    .await
                    .unwrap();
            }
        };
        // The first run: nobody *becomes* a key account, they are found to be one.
        save(vec![value(rising, ValueTier::Regular), value(staying, ValueTier::Key), value(small, ValueTier::Small)])
            .await;
        assert!(store.enrolments(None, Some(c), 10).await.unwrap().is_empty(), "{backend}");
        // The next: 甲 rises to key; 乙 stays key; 丙 becomes major (another rule).
        save(vec![value(rising, ValueTier::Key), value(staying, ValueTier::Key), value(small, ValueTier::Major)]).await;
        let e = store.enrolments(None, Some(c), 10).await.unwrap();
        assert_eq!(e.iter().map(|e| e.customer_id).collect::<Vec<_>>(), [rising], "{backend}");
        // Staying key at the run after does not put them in again.
        save(vec![value(rising, ValueTier::Key), value(staying, ValueTier::Key)]).await;
        assert_eq!(store.enrolments(None, Some(c), 10).await.unwrap().len(), 1, "{backend}");
    }
}

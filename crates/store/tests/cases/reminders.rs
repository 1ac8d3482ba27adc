//! The reminder sweep (issue #16), on every backend: after the value run each customer's next
//! visit day is its tier's interval after the last face-to-face contact; a visit logged since
//! moves it on at once, a late-logged older one does not; a customer given to another owner is
//! due on theirs; a deleted customer is not listed; the morning digest tells each user once.

use crate::kit;
use chrono::{Duration, Utc};
use guanxi_domain::notifications::NotificationKind;
use guanxi_domain::*;
use guanxi_store::*;

async fn user(store: &Store, username: &str, name: &str) -> User {
    let u = NewUser { username: username.into(), display_name: name.into(), role: Role::SalesRep, team: None };
    store.add_user(Actor::SYSTEM, &u).await.unwrap()
}

async fn company(store: &Store, name: &str, owner: &str) -> i64 {
    let raw = Raw::new().with(Field::Name, name).with(Field::Kind, "organization").with(Field::Owner, owner);
    let id =
        store.create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw, today_in_china()).unwrap()).await.unwrap();
    let order = guanxi_domain::orders::OrderDraft {
        customer: guanxi_domain::orders::CustomerRef::Id(id),
        ordered_at: Utc::now() - Duration::days(200),
        amount_fen: 5_000_000,
        cost_fen: None,
        category: None,
        channel: None,
        branch: None,
        order_no: None,
    };
    store.record_order(Actor::SYSTEM, id, &order, false).await.unwrap();
    id
}

async fn visit(store: &Store, customer: i64, days_ago: i64) {
    let d = InteractionDraft::message(
        Channel::FaceToFace,
        Direction::Outbound,
        Utc::now() - Duration::days(days_ago),
        "拜访".into(),
    );
    store.add_interaction(Actor::SYSTEM, customer, &d).await.unwrap();
}

fn names(due: &[VisitDue]) -> Vec<&str> {
    due.iter().map(|d| d.customer_name.as_str()).collect()
}

#[tokio::test]
async fn each_customers_next_visit_day_is_kept_and_read_per_owner() {
    for (backend, store) in kit::stores().await {
        let li = user(&store, "li.na", "李娜").await;
        let wang = user(&store, "wang.fang", "王芳").await;
        // Every tier visited every 30 days.
        let mut settings = store.value_settings().await.unwrap();
        settings.window_days = 800;
        for r in settings.rules.iter_mut() {
            r.visit_days = 30;
        }
        store.save_value_settings(Actor::SYSTEM, &settings).await.unwrap();
        let long_ago = company(&store, "久未拜访公司", "li.na").await;
        let lately = company(&store, "刚见过公司", "li.na").await;
        let never = company(&store, "从未拜访公司", "li.na").await;
        visit(&store, long_ago, 100).await;
        visit(&store, lately, 1).await;
        store.assess_today(Actor::SYSTEM).await.unwrap();
        let today = today_in_china();

        let due = store.visits_due(Some(&[li.id]), today, 20).await.unwrap();
        assert_eq!(names(&due), ["久未拜访公司"], "{backend}");
        assert_eq!((due[0].days_over, due[0].every_days), (70, 30), "{backend}");
        // Never met: counted from when it was entered (today), due after 30 days.
        let due = store.visits_due(Some(&[li.id]), today + Duration::days(31), 20).await.unwrap();
        assert_eq!(names(&due), ["久未拜访公司", "刚见过公司", "从未拜访公司"], "{backend}: most overdue first");
        assert!(store.visits_due(Some(&[wang.id]), today, 20).await.unwrap().is_empty(), "{backend}");

        // A visit today moves it on at once; one logged late, from before, does not move it back.
        visit(&store, long_ago, 0).await;
        visit(&store, long_ago, 50).await;
        let due = store.visits_due(Some(&[li.id]), today, 20).await.unwrap();
        assert!(due.is_empty(), "{backend}: {due:?}");
        // Today's visit deleted (logged on the wrong customer): due again at once, counted from
        // the one 50 days ago; restored, not due.
        let today_visit = store
            .interactions(long_ago)
            .await
            .unwrap()
            .into_iter()
            .filter(|i| i.draft.channel == Channel::FaceToFace)
            .max_by_key(|i| i.draft.occurred_at)
            .unwrap()
            .id;
        store.delete_interaction(Actor::SYSTEM, today_visit).await.unwrap();
        let due = store.visits_due(Some(&[li.id]), today, 20).await.unwrap();
        assert_eq!((names(&due), due.first().map(|d| d.days_over)), (vec!["久未拜访公司"], Some(20)), "{backend}");
        store.restore_part(Actor::SYSTEM, Part::Interaction, today_visit).await.unwrap();
        assert!(store.visits_due(Some(&[li.id]), today, 20).await.unwrap().is_empty(), "{backend}");
        // Given to 王芳: due on her day, not on 李娜's.
        store.update_customer(Actor::SYSTEM, never, &Raw::new().with(Field::Owner, "wang.fang"), None).await.unwrap();
        let later = today + Duration::days(31);
        assert_eq!(names(&store.visits_due(Some(&[wang.id]), later, 20).await.unwrap()), ["从未拜访公司"], "{backend}");
        assert!(
            !names(&store.visits_due(Some(&[li.id]), later, 20).await.unwrap()).contains(&"从未拜访公司"),
            "{backend}"
        );
        // A manager's day: the team's, by one call (李娜's two — the one visited today is due
        // again a month on — and 王芳's one), most overdue first.
        let team = store.visits_due(Some(&[li.id, wang.id]), later, 2).await.unwrap();
        assert_eq!(names(&team), ["刚见过公司", "久未拜访公司"], "{backend}");
        // Deleted: not listed.
        store.delete_customer(Actor::SYSTEM, lately).await.unwrap();
        assert!(!names(&store.visits_due(None, later, 20).await.unwrap()).contains(&"刚见过公司"), "{backend}");

        // The morning digest: once a day, in each user's language, only to those with something.
        let at = Utc::now() + Duration::days(31);
        assert_eq!(store.send_reminder_digests(at).await.unwrap(), 2, "{backend}");
        assert_eq!(store.send_reminder_digests(at).await.unwrap(), 0, "{backend}: once a day");
        let (notes, _, _) = store.notifications(li.id, 1, 10).await.unwrap();
        let notes: Vec<_> = notes.into_iter().filter(|n| n.kind == NotificationKind::Reminder).collect();
        assert_eq!(notes.len(), 1, "{backend}");
        assert_eq!(notes[0].title, "今天：1 位客户该拜访了", "{backend}");
        assert_eq!(notes[0].link.as_deref(), Some("/today"), "{backend}");
    }
}

//! Cadences that put customers in by themselves (issue #16), on every backend: the coffee shop's
//! example takes a customer on their first purchase (not on the second), a paused one takes
//! nobody, and a customer is never in one twice at once.

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

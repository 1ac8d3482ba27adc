//! Competitors and engagements over the pages.

use crate::kit::{self, apps};
use guanxi_domain::Role;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn competitors_and_a_customers_engagements_on_the_pages() {
    for app in apps().await {
        let b = app.backend;
        app.user("rep", Role::SalesRep).await;
        app.user("viewer", Role::ReadOnly).await;
        let mut rep = app.signed_in("rep").await;
        let r = rep.post("/competitors", &[("name", ""), ("intent", "低价抢市场")]).await;
        assert_eq!(r.status, 422, "{b}");
        assert!(kit::decoded(&r.text()).contains("低价抢市场"), "{b}: what was typed stays");
        let r = rep
            .post("/competitors", &[("name", "恒通股份"), ("intent", "低价抢市场"), ("evidence", "三次投标报价")])
            .await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());
        let id: i64 = r.location().trim_start_matches("/competitors/").split('?').next().unwrap().parse().unwrap();
        assert_eq!(rep.post("/competitors", &[("name", "恒通股份")]).await.status, 422, "{b}: one record a name");
        let r = rep
            .post(
                &format!("/competitors/{id}"),
                &[("name", "恒通股份"), ("situation", "新建华东工厂"), ("intent", "低价抢市场")],
            )
            .await;
        assert_eq!(r.status, 303, "{b}");

        let customer = kit::customer(&mut rep, json!({"kind": "organization", "name": "海宁纺织有限公司"})).await;
        let r = rep
            .post(&format!("/customers/{customer}/engagements"), &[("competitor", ""), ("engagement", "trial")])
            .await;
        assert_eq!(r.status, 422, "{b}");
        let r = rep
            .post(
                &format!("/customers/{customer}/engagements"),
                &[("competitor", &id.to_string()), ("engagement", "trial"), ("notes", "试用三个月")],
            )
            .await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());
        let page = kit::decoded(&rep.get(&format!("/customers/{customer}")).await.text());
        assert!(page.contains("恒通股份") && page.contains("试用中"), "{b}");
        let list = kit::decoded(&rep.get("/competitors").await.text());
        assert!(list.contains("恒通股份") && list.contains("2 / 6"), "{b}");
        let detail = kit::decoded(&rep.get(&format!("/competitors/{id}")).await.text());
        assert!(detail.contains("海宁纺织有限公司") && detail.contains("新建华东工厂"), "{b}");
        let engagement = app.store.engagements_of(customer).await.unwrap()[0].id;
        assert_eq!(rep.post(&format!("/engagements/{engagement}/end"), &[]).await.status, 303, "{b}");
        assert!(app.store.engagements_of(customer).await.unwrap()[0].until.is_some(), "{b}");
        // The same through the API.
        let r =
            rep.api("POST", "/api/v1/competitors", Some(json!({"name": "远航贸易", "steer": "合作做售后外包"}))).await;
        assert_eq!(r.status, 201, "{b}: {}", r.text());
        let other = r.json()["id"].as_i64().unwrap();
        let r = rep
            .api(
                "POST",
                &format!("/api/v1/customers/{customer}/competitor-engagements"),
                Some(json!({"competitor": other, "engagement": "using"})),
            )
            .await;
        assert_eq!((r.status, r.json()["engagement"].as_str()), (201, Some("using")), "{b}: {}", r.text());
        let r = rep
            .api(
                "POST",
                &format!("/api/v1/customers/{customer}/competitor-engagements"),
                Some(json!({"competitor": other, "engagement": "dating"})),
            )
            .await;
        assert_eq!(r.status, 422, "{b}");
        let list = rep.api("GET", &format!("/api/v1/customers/{customer}/competitor-engagements"), None).await.json();
        assert_eq!(list.as_array().map(Vec::len), Some(2), "{b}");
        let r = rep.api("PATCH", &format!("/api/v1/competitors/{other}"), Some(json!({"intent": "做大华南"}))).await;
        assert_eq!((r.status, r.json()["levels_known"].as_i64()), (200, Some(2)), "{b}");

        // Read-only users read but do not record.
        let mut viewer = app.signed_in("viewer").await;
        assert_eq!(viewer.get("/competitors").await.status, 200, "{b}");
        assert_eq!(viewer.post("/competitors", &[("name", "x")]).await.status, 403, "{b}");
    }
}

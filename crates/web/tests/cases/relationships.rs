//! Relationship stages over HTTP: the customer page's form and the API.

use crate::kit::{self, apps};
use guanxi_domain::Role;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relationship_stage_on_the_page_and_through_the_api() {
    for app in apps().await {
        let b = app.backend;
        app.user("rep", Role::SalesRep).await;
        app.user("desk", Role::ServiceAgent).await;
        let mut rep = app.signed_in("rep").await;
        let id = kit::customer(&mut rep, json!({"kind": "organization", "name": "华南物流有限公司"})).await;
        let page = kit::decoded(&rep.get(&format!("/customers/{id}")).await.text());
        assert!(page.contains("局外人") && page.contains("私人信任") && page.contains("最优方案"), "{b}");
        // Outsider straight to partner: refused on the page, named.
        let r = rep
            .post(&format!("/customers/{id}/relationship"), &[("relationship_stage", "partner"), ("why", "大单")])
            .await;
        assert_eq!(r.status, 422, "{b}");
        assert!(kit::decoded(&r.text()).contains("先成为朋友或供应商"), "{b}");
        let r =
            rep.post(&format!("/customers/{id}/relationship"), &[("relationship_stage", "friend"), ("why", "")]).await;
        assert_eq!(r.status, 422, "{b}: why is required");
        let r = rep
            .post(
                &format!("/customers/{id}/relationship"),
                &[("relationship_stage", "friend"), ("why", "周末一起打球")],
            )
            .await;
        assert_eq!(r.status, 303, "{b}");
        let page = kit::decoded(&rep.get(&format!("/customers/{id}")).await.text());
        assert!(
            page.contains("周末一起打球") && page.contains("最优方案"),
            "{b}: the friend still needs the best offer"
        );

        let r = rep
            .api(
                "POST",
                &format!("/api/v1/customers/{id}/relationship"),
                Some(json!({"relationship_stage": "partner", "why": "中标三年框架协议"})),
            )
            .await;
        assert_eq!(r.status, 200, "{b}: {}", r.text());
        let v = r.json();
        assert_eq!(
            (v["relationship_stage"].as_str(), v["history"].as_array().map(Vec::len)),
            (Some("partner"), Some(2)),
            "{b}"
        );
        assert_eq!(v["missing"], json!([]), "{b}");
        let r = rep
            .api(
                "POST",
                &format!("/api/v1/customers/{id}/relationship"),
                Some(json!({"relationship_stage": "enemy", "why": "x"})),
            )
            .await;
        assert_eq!(r.status, 422, "{b}");
        // The level: proposed from the contacts (none yet: brand), confirmed by a person.
        assert_eq!((v["level"]["proposed"].as_str(), v["level"]["confirmed"].as_str()), (Some("brand"), None), "{b}");
        let r = rep
            .api(
                "POST",
                &format!("/api/v1/customers/{id}/interactions"),
                Some(json!({"channel": "face_to_face", "summary": "上门拜访"})),
            )
            .await;
        assert_eq!(r.status, 201, "{b}");
        let r = rep
            .api(
                "POST",
                &format!("/api/v1/customers/{id}/relationship/level"),
                Some(json!({"relationship_level": "intimate", "why": "两家人常来往"})),
            )
            .await;
        assert_eq!(r.status, 200, "{b}: {}", r.text());
        let v = r.json();
        assert_eq!(
            (v["level"]["proposed"].as_str(), v["level"]["confirmed"].as_str()),
            (Some("face_to_face"), Some("intimate")),
            "{b}"
        );
        let r = rep
            .post(&format!("/customers/{id}/relationship/level"), &[("relationship_level", "closest"), ("why", "")])
            .await;
        assert_eq!(r.status, 422, "{b}");
        let page = kit::decoded(&rep.get(&format!("/customers/{id}")).await.text());
        assert!(page.contains("亲密关系") && page.contains("面对面关系"), "{b}");

        // A service agent reads but does not change it.
        let mut desk = app.signed_in("desk").await;
        assert_eq!(desk.api("GET", &format!("/api/v1/customers/{id}/relationship"), None).await.status, 200, "{b}");
        let r = desk
            .api(
                "POST",
                &format!("/api/v1/customers/{id}/relationship"),
                Some(json!({"relationship_stage": "supplier", "why": "x"})),
            )
            .await;
        assert_eq!(r.status, 403, "{b}");
    }
}

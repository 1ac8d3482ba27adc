//! The JSON API: CRUD, filters, pages, problem documents, tokens, the OpenAPI document.

use crate::kit::{self, apps, token_call};
use guanxi_domain::Role;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_round_trip_through_the_api() {
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        let mut c = app.signed_in("boss").await;
        let id = kit::customer(
            &mut c,
            json!({
                "kind": "individual", "name": "张三丰", "phone": "138 0013 8000", "tags": ["VIP", "老客户"],
                "preferences": [{"category": "饮品", "value": "冰摩卡，两块糖两块冰"}, "座位: 角落"],
                "needs_orientation": "value", "city": "杭州"
            }),
        )
        .await;
        let r = c.api("GET", &format!("/api/v1/customers/{id}"), None).await;
        assert_eq!(r.status, 200, "{b}");
        let v = r.json();
        assert_eq!(v["name"], "张三丰", "{b}");
        assert_eq!(v["phone"], "13800138000", "{b}");
        assert_eq!(v["tags"], json!(["VIP", "老客户"]), "{b}");
        assert_eq!(v["preferences"][0], json!({"category": "饮品", "value": "冰摩卡，两块糖两块冰"}), "{b}");
        assert_eq!(v["preferences"][1]["category"], "座位", "{b}");
        assert_eq!(v["owner"], "boss", "{b}");
        let version = v["version"].as_i64().unwrap();

        // Partial update: only the given fields change; a stale version is refused.
        let r =
            c.api("PATCH", &format!("/api/v1/customers/{id}"), Some(json!({"city": "上海", "version": version}))).await;
        assert_eq!(r.status, 200, "{b}: {}", r.text());
        assert_eq!(r.json()["city"], "上海");
        assert_eq!(r.json()["name"], "张三丰");
        let r =
            c.api("PATCH", &format!("/api/v1/customers/{id}"), Some(json!({"city": "北京", "version": version}))).await;
        assert_eq!(r.status, 409, "{b}: {}", r.text());
        assert_eq!(r.json()["code"], "conflict");

        // Filters, search and pages.
        kit::customer(&mut c, json!({"kind": "organization", "name": "华为技术有限公司", "status": "customer"})).await;
        let r = c.api("GET", "/api/v1/customers?q=zsf", None).await;
        assert_eq!(r.json()["items"][0]["id"], id, "{b}: {}", r.text());
        let r = c.api("GET", "/api/v1/customers?kind=organization&per_page=1", None).await;
        let page = r.json();
        assert_eq!(page["total"], 1, "{b}");
        assert_eq!(page["items"][0]["name"], "华为技术有限公司");
        let r = c.api("GET", "/api/v1/customers?tag=VIP&sort=name", None).await;
        assert_eq!(r.json()["total"], 1, "{b}");
        let r = c.api("GET", "/api/v1/customers?status=nonsense", None).await;
        assert_eq!(r.status, 400, "{b}");
        assert!(r.json()["detail"].as_str().unwrap().contains("nonsense"));
        let r = c.api("GET", "/api/v1/tags", None).await;
        assert!(r.json().as_array().unwrap().iter().any(|t| t["tag"] == "VIP" && t["count"] == 1), "{b}");

        // Key people, people around, interactions.
        let org = c.api("GET", "/api/v1/customers?q=华为", None).await.json()["items"][0]["id"].as_i64().unwrap();
        let r = c
            .api("POST", &format!("/api/v1/customers/{org}/key-people"), Some(json!({
                "name": "刘总", "decision_role": "decision_maker", "attitude": "supporter", "preferences": ["茶: 龙井"]
            })))
            .await;
        assert_eq!(r.status, 201, "{b}: {}", r.text());
        let kp = r.json()["id"].as_i64().unwrap();
        let r = c.api("GET", &format!("/api/v1/key-people/{kp}"), None).await;
        assert_eq!(r.json()["preferences"][0], json!({"category": "茶", "value": "龙井"}), "{b}: {}", r.text());
        let r = c.api("PATCH", &format!("/api/v1/key-people/{kp}"), Some(json!({"attitude": "neutral"}))).await;
        assert_eq!(r.json()["attitude"], "neutral", "{b}: {}", r.text());
        assert_eq!(r.json()["decision_role"], "decision_maker");
        let r = c
            .api(
                "POST",
                &format!("/api/v1/customers/{org}/people-around"),
                Some(json!({
                    "name": "刘太太", "relation": "spouse", "key_person_id": kp, "preferences": ["花: 百合"]
                })),
            )
            .await;
        assert_eq!(r.status, 201, "{b}: {}", r.text());
        assert_eq!(r.json()["key_person_id"], kp);
        let r = c
            .api(
                "POST",
                &format!("/api/v1/customers/{org}/interactions"),
                Some(json!({
                    "channel": "face_to_face", "summary": "拜访刘总，谈年度采购", "their_participants": "刘总",
                    "next_step": "寄样品", "next_step_on": "2030-01-05"
                })),
            )
            .await;
        assert_eq!(r.status, 201, "{b}: {}", r.text());
        let i = r.json();
        assert_eq!(i["our_participants"][0]["name"], "boss");
        assert_eq!(i["their_participants"][0]["key_person_id"], kp, "{b}: matched to the key person");
        let r = c.api("GET", &format!("/api/v1/customers/{org}/interactions"), None).await;
        assert_eq!(r.json().as_array().unwrap().len(), 1);
        let iid = i["id"].as_i64().unwrap();
        let r = c
            .api(
                "PATCH",
                &format!("/api/v1/interactions/{iid}"),
                Some(json!({"summary": "拜访刘总，谈年度采购与售后"})),
            )
            .await;
        assert_eq!(r.status, 200, "{b}: {}", r.text());
        assert_eq!(r.json()["summary"], "拜访刘总，谈年度采购与售后");
        assert_eq!(r.json()["next_step"], "寄样品", "{b}: untouched fields stay");
        assert_eq!(r.json()["their_participants"][0]["key_person_id"], kp, "{b}");
        let r =
            c.api("PATCH", &format!("/api/v1/interactions/{iid}"), Some(json!({"channel": "carrier pigeon"}))).await;
        assert_eq!(r.status, 422, "{b}");
        let pid = c.api("GET", &format!("/api/v1/customers/{org}/people-around"), None).await.json()[0]["id"]
            .as_i64()
            .unwrap();
        assert_eq!(
            c.api("GET", &format!("/api/v1/people-around/{pid}"), None).await.json()["relation"],
            "spouse",
            "{b}"
        );
        assert_eq!(
            c.api("GET", &format!("/api/v1/interactions/{iid}"), None).await.json()["channel"],
            "face_to_face",
            "{b}"
        );
        let r = c.api("PATCH", &format!("/api/v1/people-around/{pid}"), Some(json!({"interests": "插花"}))).await;
        assert_eq!(r.json()["interests"], "插花", "{b}: {}", r.text());
        assert_eq!(r.json()["name"], "刘太太");
        // Removed parts come back.
        for (path, list) in
            [("key-people", "key-people"), ("people-around", "people-around"), ("interactions", "interactions")]
        {
            let id =
                c.api("GET", &format!("/api/v1/customers/{org}/{list}"), None).await.json()[0]["id"].as_i64().unwrap();
            assert_eq!(c.api("DELETE", &format!("/api/v1/{path}/{id}"), None).await.status, 204, "{b}: {path}");
            assert_eq!(
                c.api("GET", &format!("/api/v1/customers/{org}/{list}"), None).await.json().as_array().unwrap().len(),
                0,
                "{b}: {path}"
            );
            assert_eq!(c.api("POST", &format!("/api/v1/{path}/{id}/restore"), None).await.status, 204, "{b}: {path}");
            assert_eq!(
                c.api("GET", &format!("/api/v1/customers/{org}/{list}"), None).await.json().as_array().unwrap().len(),
                1,
                "{b}: {path}"
            );
            assert_eq!(
                c.api("POST", &format!("/api/v1/{path}/{id}/restore"), None).await.status,
                409,
                "{b}: {path} not deleted"
            );
        }

        // Soft delete, restore, history.
        let r = c.api("DELETE", &format!("/api/v1/customers/{id}"), None).await;
        assert_eq!(r.status, 204, "{b}");
        let r = c.api("GET", "/api/v1/customers?deleted=true", None).await;
        assert_eq!(r.json()["items"][0]["id"], id, "{b}");
        let r = c.api("POST", &format!("/api/v1/customers/{id}/restore"), None).await;
        assert_eq!(r.status, 200, "{b}: {}", r.text());
        assert_eq!(r.json()["deleted_at"], Value::Null);
        let r = c.api("GET", &format!("/api/v1/customers/{id}/history"), None).await;
        let h = r.json();
        let actions: Vec<&str> = h.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["restore", "delete", "update", "create"], "{b}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_problem_documents_with_field_messages() {
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        let mut c = app.signed_in("boss").await;
        let r = c
            .api(
                "POST",
                "/api/v1/customers",
                Some(json!({"kind": "individual", "name": "", "phone": "12", "email": "x@"})),
            )
            .await;
        assert_eq!(r.status, 422, "{b}");
        assert_eq!(r.header("content-type"), Some("application/problem+json"));
        let p = r.json();
        assert_eq!(p["code"], "validation_failed");
        let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&"name") && fields.contains(&"phone") && fields.contains(&"email"), "{b}: {p}");
        assert!(p["errors"].as_array().unwrap().iter().all(|e| !e["message"].as_str().unwrap().is_empty()));
        // Chinese for a Chinese user by default; English when the user chose it.
        assert!(p["detail"].as_str().unwrap().contains("手机"), "{b}: {p}");
        c.post("/account/language", &[("lang", "en"), ("back", "/account")]).await;
        let r = c.api("POST", "/api/v1/customers", Some(json!({"kind": "individual", "name": ""}))).await;
        assert!(r.json()["detail"].as_str().unwrap().contains("Name"), "{b}: {}", r.text());

        // Unknown fields are named, not ignored.
        let r = c
            .api("POST", "/api/v1/customers", Some(json!({"kind": "individual", "name": "王五", "shoe_size": "42"})))
            .await;
        assert_eq!(r.status, 422, "{b}");
        assert_eq!(r.json()["code"], "unknown_field");
        assert!(r.json()["detail"].as_str().unwrap().contains("shoe_size"));
        // Not JSON, not an object, wrong types.
        let r = c
            .send(
                "POST",
                "/api/v1/customers",
                &[("Content-Type", "application/json"), ("Sec-Fetch-Site", "same-origin")],
                b"{oops",
            )
            .await;
        assert_eq!(r.status, 400, "{b}");
        assert_eq!(r.json()["code"], "bad_request");
        let r = c.api("POST", "/api/v1/customers", Some(json!(["a"]))).await;
        assert_eq!(r.status, 400, "{b}");
        let r = c.api("POST", "/api/v1/customers", Some(json!({"kind": "individual", "name": {"x": 1}}))).await;
        assert_eq!(r.status, 400, "{b}");
        // Missing things.
        let r = c.api("GET", "/api/v1/customers/999999", None).await;
        assert_eq!(r.status, 404, "{b}");
        assert_eq!(r.json()["code"], "not_found");
        let r = c.api("GET", "/api/v1/nothing-here", None).await;
        assert_eq!(r.status, 404, "{b}");
        assert_eq!(r.header("content-type"), Some("application/problem+json"));
        // Without credentials.
        let r = kit::http(&app.addr, "GET", "/api/v1/customers", &[], b"").await;
        assert_eq!(r.status, 401, "{b}");
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_tokens_are_shown_once_work_and_can_be_revoked() {
    for app in apps().await {
        let b = app.backend;
        app.user("li.na", Role::SalesRep).await;
        let mut c = app.signed_in("li.na").await;
        let r = c.post("/account/tokens", &[("name", "ERP 同步")]).await;
        assert_eq!(r.status, 200, "{b}");
        let page = r.text();
        let start = page.find("gx_").expect("token shown");
        let token: String = page[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        assert_eq!(token.len(), 51, "{b}: {token}");
        // Shown once: the account page afterwards lists only its last characters.
        let again = c.get("/account").await.text();
        assert!(!again.contains(&token) && again.contains(&token[token.len() - 4..]), "{b}");

        let r = token_call(&app.addr, &token, "GET", "/api/v1/me", None).await;
        assert_eq!(r.status, 200, "{b}");
        assert_eq!(r.json()["username"], "li.na");
        // A token needs no Origin: it is not sent by browsers on their own.
        let r = token_call(
            &app.addr,
            &token,
            "POST",
            "/api/v1/customers",
            Some(json!({"kind": "individual", "name": "赵六"})),
        )
        .await;
        assert_eq!(r.status, 201, "{b}: {}", r.text());
        assert_eq!(r.json()["owner"], "li.na");
        let r = token_call(&app.addr, "gx_not-a-token", "GET", "/api/v1/me", None).await;
        assert_eq!(r.status, 401, "{b}");

        let id =
            app.store.api_tokens(Some(app.store.user_by_username("li.na").await.unwrap().unwrap().id)).await.unwrap()
                [0]
            .id;
        let r = c.post(&format!("/account/tokens/{id}/revoke"), &[]).await;
        assert_eq!(r.status, 303, "{b}");
        let r = token_call(&app.addr, &token, "GET", "/api/v1/me", None).await;
        assert_eq!(r.status, 401, "{b}: revoked");
    }
}

/// Every route in the OpenAPI document answers (no 404/405), and the document lists every
/// endpoint this issue asks for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_matches_the_routes() {
    let app = apps().await.into_iter().next().unwrap();
    let r = kit::http(&app.addr, "GET", "/api/v1/openapi.json", &[], b"").await;
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/customers", "get"),
        ("/customers", "post"),
        ("/customers/{id}", "get"),
        ("/customers/{id}", "patch"),
        ("/customers/{id}", "delete"),
        ("/customers/{id}/restore", "post"),
        ("/customers/{id}/history", "get"),
        ("/customers/{id}/key-people", "get"),
        ("/customers/{id}/key-people", "post"),
        ("/key-people/{id}", "patch"),
        ("/key-people/{id}", "delete"),
        ("/customers/{id}/people-around", "get"),
        ("/customers/{id}/people-around", "post"),
        ("/people-around/{id}", "delete"),
        ("/people-around/{id}", "patch"),
        ("/people-around/{id}", "get"),
        ("/key-people/{id}", "get"),
        ("/interactions/{id}", "get"),
        ("/people-around/{id}/restore", "post"),
        ("/key-people/{id}/restore", "post"),
        ("/interactions/{id}", "patch"),
        ("/interactions/{id}/restore", "post"),
        ("/customers/{id}/interactions", "get"),
        ("/customers/{id}/interactions", "post"),
        ("/interactions/{id}", "delete"),
        ("/tags", "get"),
        ("/customers/{id}/orders", "get"),
        ("/customers/{id}/value", "get"),
        ("/value", "get"),
        ("/customers/{id}/orders", "post"),
        ("/users", "get"),
        ("/users", "post"),
        ("/users/{id}", "patch"),
        ("/me", "get"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} missing from the document");
    }
    assert!(doc["components"]["schemas"]["Customer"]["properties"]["preferences"].is_object());
    assert!(doc["components"]["schemas"]["CustomerSummary"].is_object());
    app.user("root", Role::Admin).await;
    let mut c = app.signed_in("root").await;
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let real = format!("/api/v1{}", path.replace("{id}", "999999"));
            let body = if method == "get" || method == "delete" { None } else { Some(json!({})) };
            let r = c.api(&method.to_uppercase(), &real, body).await;
            assert!(
                r.status != 405 && (r.status != 404 || r.json()["code"] == "not_found"),
                "{method} {real}: {}",
                r.status
            );
            if r.status == 404 {
                assert!(path.contains("{id}"), "{method} {path} is in the document but not routed");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_users_through_the_api() {
    for app in apps().await {
        let b = app.backend;
        app.user("root", Role::Admin).await;
        let mut c = app.signed_in("root").await;
        let r = c
            .api(
                "POST",
                "/api/v1/users",
                Some(json!({"username": "wang.fang", "display_name": "王芳", "role": "service_agent", "team": "华东"})),
            )
            .await;
        assert_eq!(r.status, 201, "{b}: {}", r.text());
        let created = r.json();
        let password = created["password"].as_str().unwrap().to_string();
        let id = created["user"]["id"].as_i64().unwrap();
        let mut agent = app.client();
        assert_eq!(agent.login("wang.fang", &password).await.status, 303, "{b}: the initial password works");
        let r =
            c.api("PATCH", &format!("/api/v1/users/{id}"), Some(json!({"role": "read_only", "active": false}))).await;
        assert_eq!(r.json()["role"], "read_only", "{b}: {}", r.text());
        assert_eq!(r.json()["active"], false);
        // A disabled user's session ends with the account.
        let r = agent.get("/customers").await;
        assert_eq!(r.status, 303, "{b}");
        let r = c.api("POST", "/api/v1/users", Some(json!({"username": "wang.fang", "display_name": "又一个"}))).await;
        assert_eq!(r.status, 422, "{b}");
        assert_eq!(r.json()["errors"][0]["field"], "username");
        let r = c.api("PATCH", &format!("/api/v1/users/{id}"), Some(json!({"role": "emperor"}))).await;
        assert_eq!(r.status, 400, "{b}");
        let r = c.api("GET", "/api/v1/users", None).await;
        assert!(r.json().as_array().unwrap().iter().any(|u| u["username"] == "wang.fang"), "{b}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_through_the_api() {
    for app in apps().await {
        let b = app.backend;
        app.user("li.na", Role::SalesRep).await;
        let mut c = app.signed_in("li.na").await;
        let id = kit::customer(&mut c, json!({"kind": "individual", "name": "张三"})).await;
        let r = c.api("POST", &format!("/api/v1/customers/{id}/orders"), Some(json!({"amount": "1,234.50", "ordered_at": "2026-03-01 10:00", "sales_channel": "store", "order_no": "SO-9", "cost": 800}))).await;
        assert_eq!(r.status, 201, "{b}: {}", r.text());
        assert_eq!(r.json()["amount_fen"], 123_450);
        assert_eq!(r.json()["sales_channel"], "store");
        let r = c.api("POST", &format!("/api/v1/customers/{id}/orders"), Some(json!({"amount": -200}))).await;
        assert_eq!(r.status, 201, "{b}: a refund, now: {}", r.text());
        let r = c
            .api(
                "POST",
                &format!("/api/v1/customers/{id}/orders"),
                Some(json!({"amount": "12.345", "sales_channel": "mars"})),
            )
            .await;
        assert_eq!(r.status, 422, "{b}");
        let fields: Vec<String> =
            r.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect();
        assert_eq!(fields, ["amount", "sales_channel"], "{b}");
        let r =
            c.api("POST", &format!("/api/v1/customers/{id}/orders"), Some(json!({"amount": "1", "customer": 5}))).await;
        assert_eq!(r.json()["code"], "unknown_field", "{b}");
        let r = c.api("GET", &format!("/api/v1/customers/{id}/orders"), None).await;
        let v = r.json();
        assert_eq!(v["orders"].as_array().unwrap().len(), 2, "{b}");
        assert_eq!(v["rollup"]["revenue_fen"], 103_450, "{b}");
        assert_eq!(v["rollup"]["margin_fen"], 43_450, "{b}: margin only where the cost is known");
        assert_eq!(c.api("GET", "/api/v1/customers/999999/orders", None).await.status, 404, "{b}");
    }
}

/// Problem 10 of the reliability review: every GET operation of the document is called on a
/// small archive with one of everything, and each answer must fit the document (the kit checks
/// every `/api/v1` answer of every test); operation ids are unique and every error is a problem
/// document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_fits_the_openapi_document() {
    for app in apps().await {
        let b = app.backend;
        app.user("root", Role::Admin).await;
        let mut c = app.signed_in("root").await;
        let doc = c.api("GET", "/api/v1/openapi.json", None).await.json();
        let mut ids = std::collections::HashSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let id = op["operationId"].as_str().unwrap_or_default().to_string();
                assert!(ids.insert(id.clone()), "{b}: operationId {id} used twice ({method} {path})");
                for (status, r) in op["responses"].as_object().unwrap() {
                    if status.starts_with('4') || status.starts_with('5') {
                        assert!(
                            r["content"].get("application/problem+json").is_some(),
                            "{b}: {method} {path} {status}"
                        );
                    }
                }
            }
        }
        // One of everything.
        let org = kit::customer(&mut c, json!({"kind": "organization", "name": "样本公司", "tags": ["VIP"]})).await;
        let other =
            kit::customer(&mut c, json!({"kind": "individual", "name": "样本个人", "phone": "13800001111"})).await;
        let kp = c
            .api(
                "POST",
                &format!("/api/v1/customers/{org}/key-people"),
                Some(json!({"name": "刘总", "decision_role": "decision_maker"})),
            )
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        let pa = c
            .api(
                "POST",
                &format!("/api/v1/customers/{org}/people-around"),
                Some(json!({"name": "陈丽", "relation": "spouse"})),
            )
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        let it = c
            .api(
                "POST",
                &format!("/api/v1/customers/{org}/interactions"),
                Some(json!({"channel": "phone", "summary": "回访"})),
            )
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        let r = c
            .api(
                "POST",
                &format!("/api/v1/customers/{org}/orders"),
                Some(json!({"amount": "1200", "ordered_at": "2026-10-01"})),
            )
            .await;
        assert!(r.status < 300, "{b}: {}", r.text());
        let comp = c.api("POST", "/api/v1/competitors", Some(json!({"name": "恒通股份"}))).await.json()["id"]
            .as_i64()
            .unwrap();
        let r = c
            .api(
                "POST",
                &format!("/api/v1/customers/{org}/competitor-engagements"),
                Some(json!({"competitor": comp, "engagement": "talking"})),
            )
            .await;
        assert!(r.status < 300, "{b}: {}", r.text());
        let r = c
            .api("POST", &format!("/api/v1/customers/{org}/health-checks"), Some(json!({"points_out_flaws": "yes"})))
            .await;
        assert!(r.status < 300, "{b}: {}", r.text());
        let r = c
            .api(
                "POST",
                &format!("/api/v1/customers/{org}/surveys"),
                Some(json!({"about": "order", "satisfied": "yes", "expectation": 3, "experience": 4})),
            )
            .await;
        assert!(r.status < 300, "{b}: {}", r.text());
        let r = c.api("POST", &format!("/api/v1/customers/{other}/referrals"), Some(json!({"referrer": org}))).await;
        assert!(r.status < 300, "{b}: {}", r.text());
        let case = c.api("POST", &format!("/api/v1/customers/{org}/winback-cases"), None).await;
        assert_eq!(case.status, 201, "{b}: {}", case.text());
        let case = case.json()["id"].as_i64().unwrap();
        let deal = c
            .api(
                "POST",
                &format!("/api/v1/customers/{org}/opportunities"),
                Some(json!({"title": "样本商机", "amount": "50000", "competitors": "恒通股份"})),
            )
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        let r = c
            .api(
                "POST",
                &format!("/api/v1/opportunities/{deal}/objections"),
                Some(json!({"objection": "太贵", "cause": "price"})),
            )
            .await;
        assert!(r.status < 300, "{b}: {}", r.text());
        let r = c.api("PUT", &format!("/api/v1/opportunities/{deal}/chain/{kp}"), Some(json!({"engaged": true}))).await;
        assert!(r.status < 300, "{b}: {}", r.text());
        let file = c
            .send(
                "POST",
                &format!("/api/v1/opportunities/{deal}/attachments?name=a.txt"),
                &[("Content-Type", "text/plain"), ("Sec-Fetch-Site", "same-origin")],
                b"x",
            )
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        c.api("POST", "/api/v1/value/recompute", None).await;
        kit::wait_for_job(&mut c, 1).await;
        let mut called = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            if item.get("get").is_none() {
                continue;
            }
            let id = if path.starts_with("/customers/") {
                org
            } else if path.starts_with("/key-people/") {
                kp
            } else if path.starts_with("/people-around/") {
                pa
            } else if path.starts_with("/interactions/") {
                it
            } else if path.starts_with("/opportunities/") {
                deal
            } else if path.starts_with("/competitors/") {
                comp
            } else if path.starts_with("/winback-cases/") {
                case
            } else {
                0
            };
            let concrete = path.replace("{id}", &id.to_string()).replace("{file}", &file.to_string());
            assert!(!concrete.contains('{'), "{b}: the tour does not know how to fill {path}; add it here");
            let r = c.api("GET", &format!("/api/v1{concrete}"), None).await;
            assert!(r.status < 500, "{b}: GET {concrete}: {}", r.status);
            called += 1;
        }
        assert!(called >= 30, "{b}: only {called} reads");
    }
}

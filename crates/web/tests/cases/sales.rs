//! Process sales over HTTP: the API and the pages, with the checklist enforced.

use crate::kit::{self, apps};
use guanxi_domain::Role;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deal_through_the_api() {
    for app in apps().await {
        let b = app.backend;
        app.user("rep", Role::SalesRep).await;
        app.user("boss", Role::Manager).await;
        app.user("desk", Role::ServiceAgent).await;
        let mut rep = app.signed_in("rep").await;
        let mut boss = app.signed_in("boss").await;
        let customer = kit::customer(&mut rep, json!({"kind": "organization", "name": "宏达机械有限公司"})).await;
        let other = kit::customer(&mut rep, json!({"kind": "organization", "name": "远方贸易公司"})).await;
        let kp =
            |name: &str, role: &str, attitude: &str| json!({"name": name, "decision_role": role, "attitude": attitude});
        let r = rep
            .api(
                "POST",
                &format!("/api/v1/customers/{customer}/key-people"),
                Some(kp("王总", "decision_maker", "supporter")),
            )
            .await;
        assert_eq!(r.status, 201, "{b}: {}", r.text());
        let boss_kp = r.json()["id"].as_i64().unwrap();
        let r = rep
            .api("POST", &format!("/api/v1/customers/{other}/key-people"), Some(kp("钱工", "influencer", "opponent")))
            .await;
        let stranger = r.json()["id"].as_i64().unwrap();

        // Bad input is named, field by field; nothing is created.
        let r = rep
            .api(
                "POST",
                &format!("/api/v1/customers/{customer}/opportunities"),
                Some(json!({"amount": "-5", "probability": 120})),
            )
            .await;
        assert_eq!(r.status, 422, "{b}: {}", r.text());
        let fields: Vec<String> =
            r.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect();
        assert_eq!(fields, ["title", "amount", "probability"], "{b}");
        // A service agent may not open deals.
        let mut desk = app.signed_in("desk").await;
        let r =
            desk.api("POST", &format!("/api/v1/customers/{customer}/opportunities"), Some(json!({"title": "x"}))).await;
        assert_eq!(r.status, 403, "{b}");

        let r = rep
            .api(
                "POST",
                &format!("/api/v1/customers/{customer}/opportunities"),
                Some(json!({"title": "二期产线", "amount": "500000", "expected_close": "2027-03-31", "competitors": ["甲公司", "乙公司"]})),
            )
            .await;
        assert_eq!(r.status, 201, "{b}: {}", r.text());
        let deal = r.json();
        let id = deal["id"].as_i64().unwrap();
        assert_eq!(
            (deal["stage"].as_str(), deal["probability_pct"].as_i64(), deal["owner"].as_str()),
            (Some("qualify"), Some(10), Some("rep"))
        );
        assert_eq!(deal["competitors"], json!(["甲公司", "乙公司"]), "{b}");
        let path = format!("/api/v1/opportunities/{id}");

        // Blocked: 422 naming the missing actions; an unknown stage is named too.
        let r = rep.api("POST", &format!("{path}/move"), Some(json!({"stage": "approach"}))).await;
        assert_eq!(r.status, 422, "{b}: {}", r.text());
        assert!(r.text().contains("确认购买能力"), "{b}: {}", r.text());
        let r = rep.api("POST", &format!("{path}/move"), Some(json!({"stage": "winning"}))).await;
        assert_eq!(r.status, 422, "{b}");
        assert!(r.text().contains("winning"), "{b}: {}", r.text());
        // Only managers override.
        let r = rep
            .api("POST", &format!("{path}/move"), Some(json!({"stage": "approach", "override_reason": "我说行"})))
            .await;
        assert_eq!(r.status, 403, "{b}: {}", r.text());
        let r = boss
            .api(
                "POST",
                &format!("{path}/move"),
                Some(json!({"stage": "approach", "override_reason": "老客户，已知有预算"})),
            )
            .await;
        assert_eq!(r.status, 200, "{b}: {}", r.text());
        assert_eq!(r.json()["stage"], "approach");

        // Approach: the facts are recorded, then the move goes through.
        let r = rep
            .api(
                "PATCH",
                &path,
                Some(json!({"appointment": "visit", "preparation": "带样机上门", "probability": "abc"})),
            )
            .await;
        assert_eq!(r.status, 422, "{b}: {}", r.text());
        let r = rep.api("PATCH", &path, Some(json!({"appointment": "visit", "preparation": "带样机上门"}))).await;
        assert_eq!(r.status, 200, "{b}: {}", r.text());
        assert_eq!(
            rep.api("POST", &format!("{path}/move"), Some(json!({"stage": "negotiation"}))).await.status,
            200,
            "{b}"
        );

        // Negotiation: a contact for the deal and the decision maker engaged.
        let r = rep
            .api(
                "POST",
                &format!("/api/v1/customers/{customer}/interactions"),
                Some(
                    json!({"channel": "face_to_face", "summary": "方案交流", "place": "客户会议室", "opportunity": id}),
                ),
            )
            .await;
        assert_eq!(r.status, 201, "{b}: {}", r.text());
        assert_eq!((r.json()["opportunity"].as_i64(), r.json()["place"].as_str()), (Some(id), Some("客户会议室")));
        let r = rep.api("PUT", &format!("{path}/chain/{stranger}"), Some(json!({"engaged": true}))).await;
        assert_eq!(r.status, 422, "{b}: {}", r.text());
        assert!(r.text().contains("属于另一位客户") || r.text().contains("another customer"), "{b}: {}", r.text());
        assert_eq!(
            rep.api("PUT", &format!("{path}/chain/{boss_kp}"), Some(json!({"engaged": true}))).await.status,
            204
        );
        let chain = rep.api("GET", &format!("{path}/chain"), None).await.json();
        assert_eq!(chain["members"][0]["decision_role"], "decision_maker", "{b}");
        assert_eq!(chain["warnings"], json!([]), "{b}");
        assert_eq!(rep.api("POST", &format!("{path}/move"), Some(json!({"stage": "objections"}))).await.status, 200);

        // Objections: open ones hold the deal.
        let r = rep
            .api("POST", &format!("{path}/objections"), Some(json!({"objection": "比竞品贵", "cause": "price"})))
            .await;
        assert_eq!(r.status, 201, "{b}: {}", r.text());
        assert_eq!(r.json()["ours"], true);
        let oid = r.json()["id"].as_i64().unwrap();
        assert_eq!(rep.api("POST", &format!("{path}/move"), Some(json!({"stage": "closing"}))).await.status, 422);
        let r = rep.api("PATCH", &format!("{path}/objections/{oid}"), Some(json!({"resolved": "yes"}))).await;
        assert_eq!(r.status, 422, "{b}: resolving needs an answer");
        let r = rep
            .api("PATCH", &format!("{path}/objections/{oid}"), Some(json!({"answer": "含三年维保", "resolved": "yes"})))
            .await;
        assert_eq!((r.status, r.json()["resolved"].as_bool()), (200, Some(true)), "{b}");
        assert_eq!(rep.api("POST", &format!("{path}/move"), Some(json!({"stage": "closing"}))).await.status, 200);

        // Closing: lost needs a reason; the terms are ticked; won creates the after-sales tasks.
        let r = rep.api("POST", &format!("{path}/close"), Some(json!({"status": "lost"}))).await;
        assert_eq!(r.status, 422, "{b}");
        assert!(r.text().contains("lost_reason"), "{b}: {}", r.text());
        let r = rep.api("POST", &format!("{path}/close"), Some(json!({"status": "won"}))).await;
        assert_eq!(r.status, 422, "{b}: the closing checklist");
        let r = rep.api("PUT", &format!("{path}/checklist/closing/terms"), Some(json!({"done": true}))).await;
        assert_eq!(r.status, 204, "{b}: {}", r.text());
        let got = rep.api("GET", &path, None).await.json();
        let terms = got["checklist"].as_array().unwrap().iter().find(|c| c["action"] == "terms").unwrap().clone();
        assert_eq!(terms["done"], true, "{b}");
        let r = rep.api("POST", &format!("{path}/close"), Some(json!({"status": "won", "amount": "480000"}))).await;
        assert_eq!(r.status, 200, "{b}: {}", r.text());
        assert_eq!((r.json()["status"].as_str(), r.json()["won_amount_fen"].as_i64()), (Some("won"), Some(48_000_000)));
        let tasks = rep.api("GET", &format!("{path}/tasks"), None).await.json();
        assert_eq!(tasks.as_array().unwrap().len(), 3, "{b}");
        let task = tasks[0]["id"].as_i64().unwrap();
        let r = rep.api("PATCH", &format!("{path}/tasks/{task}"), Some(json!({"done": true}))).await;
        assert!(r.json()["done_at"].is_string(), "{b}");
        // Closed: no more moves.
        let r = rep.api("POST", &format!("{path}/move"), Some(json!({"stage": "qualify"}))).await;
        assert_eq!(r.status, 422, "{b}");

        let history = rep.api("GET", &format!("{path}/history"), None).await.json();
        let steps: Vec<&str> = history.as_array().unwrap().iter().map(|h| h["to_stage"].as_str().unwrap()).collect();
        assert_eq!(steps, ["qualify", "approach", "negotiation", "objections", "closing", "after_sales"], "{b}");
        assert_eq!(history[1]["override_reason"], "老客户，已知有预算", "{b}");
        assert_eq!(history[1]["changed_by"], "boss", "{b}");

        // The list: filters, and a bad one named.
        let r = rep.api("GET", "/api/v1/opportunities?owner=me&status=won", None).await;
        assert_eq!((r.json()["total"].as_i64(), r.json()["amount_fen"].as_i64()), (Some(1), Some(50_000_000)), "{b}");
        let r = rep.api("GET", "/api/v1/opportunities?stage=nowhere", None).await;
        assert_eq!(r.status, 400, "{b}");
        assert!(r.text().contains("nowhere"), "{b}");

        // Files: the proposal as a PDF; downloaded as it was, never inline; an empty one is named.
        let pdf = b"%PDF-1.4 proposal".to_vec();
        let r = rep
            .send(
                "POST",
                &format!("{path}/attachments?name=%E6%96%B9%E6%A1%88.pdf"),
                &[("Content-Type", "application/pdf"), ("Sec-Fetch-Site", "same-origin")],
                &pdf,
            )
            .await;
        assert_eq!(r.status, 201, "{b}: {}", r.text());
        assert_eq!((r.json()["name"].as_str(), r.json()["size"].as_i64()), (Some("方案.pdf"), Some(17)), "{b}");
        let file = r.json()["id"].as_i64().unwrap();
        let r = rep.get(&format!("{path}/attachments/{file}")).await;
        assert_eq!((r.status, r.body.clone()), (200, pdf), "{b}");
        assert_eq!(r.header("content-type"), Some("application/octet-stream"), "{b}");
        assert!(r.header("content-disposition").is_some_and(|d| d.starts_with("attachment")), "{b}");
        let r = rep
            .send(
                "POST",
                &format!("{path}/attachments?name=x.pdf"),
                &[("Content-Type", "application/pdf"), ("Sec-Fetch-Site", "same-origin")],
                b"",
            )
            .await;
        assert_eq!(r.status, 422, "{b}");
        assert!(r.text().contains("attachment"), "{b}: {}", r.text());
        assert_eq!(rep.api("GET", &format!("{path}/attachments"), None).await.json().as_array().unwrap().len(), 1);
        assert_eq!(rep.api("DELETE", &format!("{path}/attachments/{file}"), None).await.status, 204, "{b}");
        assert!(rep.api("GET", &format!("{path}/attachments"), None).await.json().as_array().unwrap().is_empty());

        // The reports: the won deal, its funnel, the objection; a bad date is named.
        let r = boss.api("GET", "/api/v1/sales/report?team=", None).await;
        assert_eq!(r.status, 200, "{b}: {}", r.text());
        let rep_json = r.json();
        assert_eq!((rep_json["won"].as_i64(), rep_json["funnel"][5]["reached"].as_i64()), (Some(1), Some(1)), "{b}");
        assert_eq!(rep_json["objections"][0]["cause"], "price", "{b}");
        let r = boss.api("GET", "/api/v1/sales/report?from=2026-13-01", None).await;
        assert_eq!(r.status, 400, "{b}");
        assert!(r.text().contains("2026-13-01"), "{b}");
        let page = boss.get("/opportunities/reports").await;
        assert_eq!(page.status, 200, "{b}");
        let html = kit::decoded(&page.text());
        assert!(html.contains("销售漏斗") && html.contains("<svg") && html.contains("100%"), "{b}");
        // A team with nothing: the charts say so instead of drawing empty boxes.
        let html = kit::decoded(&boss.get("/opportunities/reports?team=nobody").await.text());
        assert!(html.contains("这段时间里没有可画的数据"), "{b}");

        // Another rep's deal cannot be worked by this rep.
        app.user("rep2", Role::SalesRep).await;
        let mut rep2 = app.signed_in("rep2").await;
        let r = rep2.api("PATCH", &path, Some(json!({"title": "抢单"}))).await;
        assert_eq!(r.status, 403, "{b}");

        // Settings: admins only, checked.
        let r = boss.api("GET", "/api/v1/settings/sales", None).await;
        assert_eq!(r.json()["stalled_days"], 14, "{b}");
        let mut s = r.json();
        s["stalled_days"] = json!(0);
        assert_eq!(boss.api("PUT", "/api/v1/settings/sales", Some(s)).await.status, 403, "{b}");

        // The OpenAPI document has it all.
        let doc = rep.api("GET", "/api/v1/openapi.json", None).await.json();
        for p in ["/opportunities", "/opportunities/{id}/move", "/opportunities/{id}/close", "/settings/sales"] {
            assert!(doc["paths"][p].is_object(), "{b}: {p} missing");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_and_the_deal_page_work_without_javascript() {
    for app in apps().await {
        let b = app.backend;
        app.user("rep", Role::SalesRep).await;
        app.user("boss", Role::Manager).await;
        let mut rep = app.signed_in("rep").await;
        let customer = kit::customer(&mut rep, json!({"kind": "individual", "name": "孙七"})).await;
        let r = rep.post(&format!("/customers/{customer}/opportunities/new"), &[("title", ""), ("amount", "-1")]).await;
        assert_eq!(r.status, 422, "{b}");
        let page = kit::decoded(&r.text());
        assert!(page.contains("商机名称：不能为空") && page.contains("金额"), "{b}");
        let r = rep
            .post(&format!("/customers/{customer}/opportunities/new"), &[("title", "全屋定制"), ("amount", "88000")])
            .await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());
        let at = r.location().to_string();
        let id: i64 = at.trim_start_matches("/opportunities/").split('?').next().unwrap().parse().unwrap();

        let board = rep.get("/opportunities/board").await;
        assert_eq!(board.status, 200, "{b}");
        assert!(board.text().contains("全屋定制") && board.text().contains("/assets/board.js"), "{b}");
        assert_eq!(rep.get("/assets/board.js").await.status, 200);

        // A blocked move from the board shows the deal with what is missing.
        let r = rep
            .post(&format!("/opportunities/{id}/move"), &[("stage", "approach"), ("back", "/opportunities/board")])
            .await;
        assert_eq!(r.status, 422, "{b}");
        assert!(kit::decoded(&r.text()).contains("确认购买决策权"), "{b}");
        // A rep's override reason is refused; a manager's goes through and back to the board.
        let r =
            rep.post(&format!("/opportunities/{id}/move"), &[("stage", "approach"), ("override_reason", "急")]).await;
        assert_eq!(r.status, 403, "{b}");
        let mut boss = app.signed_in("boss").await;
        let r = boss
            .post(
                &format!("/opportunities/{id}/move"),
                &[("stage", "approach"), ("override_reason", "客户已签意向书"), ("back", "/opportunities/board")],
            )
            .await;
        assert_eq!((r.status, r.location()), (303, "/opportunities/board?done=moved"), "{b}");

        // The qualification form, then a lost deal with its reason.
        let r = rep.post(&format!("/opportunities/{id}"), &[("purchasing_power", "yes"), ("need", "maybe")]).await;
        assert_eq!(r.status, 422, "{b}");
        assert!(kit::decoded(&r.text()).contains("maybe"), "{b}");
        let r = rep.post(&format!("/opportunities/{id}/close"), &[("outcome", "lost"), ("lost_reason", "")]).await;
        assert_eq!(r.status, 422, "{b}");
        let r = rep
            .post(
                &format!("/opportunities/{id}/close"),
                &[("outcome", "lost"), ("lost_reason", "选了别家"), ("lost_to", "甲公司")],
            )
            .await;
        assert_eq!(r.status, 303, "{b}");
        let page = kit::decoded(&rep.get(&format!("/opportunities/{id}")).await.text());
        assert!(page.contains("输单") && page.contains("选了别家") && page.contains("客户已签意向书"), "{b}");
        let list = kit::decoded(&rep.get("/opportunities?status=lost").await.text());
        assert!(list.contains("全屋定制"), "{b}");
        // A file through the page's form (multipart), then listed on the deal.
        let boundary = "gx-boundary-1";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"报价单.xlsx\"\r\nContent-Type: application/vnd.ms-excel\r\n\r\nPK-fake\r\n--{boundary}--\r\n"
        );
        let ct = format!("multipart/form-data; boundary={boundary}");
        let r = rep
            .send(
                "POST",
                &format!("/opportunities/{id}/attachments"),
                &[("Content-Type", ct.as_str()), ("Sec-Fetch-Site", "same-origin")],
                body.as_bytes(),
            )
            .await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());
        let page = kit::decoded(&rep.get(&format!("/opportunities/{id}")).await.text());
        assert!(page.contains("报价单.xlsx"), "{b}");
        let archive = kit::decoded(&rep.get(&format!("/customers/{customer}")).await.text());
        assert!(archive.contains("全屋定制") && archive.contains("新建商机"), "{b}");
    }
}

fn as_refs(pairs: &[(String, String)]) -> Vec<(&str, String)> {
    pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_shape_the_process_on_the_settings_page() {
    for app in apps().await {
        let b = app.backend;
        app.user("chief", Role::Admin).await;
        app.user("boss", Role::Manager).await;
        let mut boss = app.signed_in("boss").await;
        let page = boss.get("/settings/sales").await;
        assert_eq!(page.status, 200, "{b}");
        assert!(kit::decoded(&page.text()).contains("确认购买能力"), "{b}");
        assert_eq!(boss.post("/settings/sales", &[("stalled_days", "7")]).await.status, 403, "{b}");

        let mut chief = app.signed_in("chief").await;
        // The form as it comes, with a new closing action, a changed probability and a bad number.
        let mut pairs: Vec<(String, String)> = vec![("stalled_days".into(), "两周".into())];
        let current = app.store.sales_settings().await.unwrap();
        for st in &current.stages {
            let code = st.stage.code();
            let p = if st.stage == guanxi_domain::sales::Stage::Negotiation { 45 } else { st.probability };
            pairs.push((format!("{code}_probability"), p.to_string()));
            for (i, a) in st.actions.iter().enumerate() {
                let row = format!("{code}_{i}");
                pairs.push((format!("{row}_key"), a.key.clone()));
                pairs.push((format!("{row}_title"), a.title.clone()));
                pairs.push((format!("{row}_why"), a.why.clone()));
                pairs.push((format!("{row}_requires"), a.requires.code().into()));
                if a.mandatory {
                    pairs.push((format!("{row}_mandatory"), "yes".into()));
                }
            }
        }
        pairs.push(("closing_new_title".into(), "法务审核合同".into()));
        pairs.push(("closing_new_requires".into(), "tick".into()));
        pairs.push(("closing_new_mandatory".into(), "yes".into()));
        pairs.push(("task_0_title".into(), "确认交付与安装".into()));
        pairs.push(("task_0_days".into(), "3".into()));
        let r = chief.post_pairs("/settings/sales", &as_refs(&pairs)).await;
        assert_eq!(r.status, 422, "{b}");
        assert!(kit::decoded(&r.text()).contains("两周"), "{b}: the bad value is named");
        assert_eq!(app.store.sales_settings().await.unwrap(), current, "{b}: nothing saved");
        pairs[0].1 = "10".into();
        let r = chief.post_pairs("/settings/sales", &as_refs(&pairs)).await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());
        let s = app.store.sales_settings().await.unwrap();
        assert_eq!((s.stalled_days, s.probability(guanxi_domain::sales::Stage::Negotiation)), (10, 45), "{b}");
        let closing = s.actions(guanxi_domain::sales::Stage::Closing);
        assert_eq!(closing.last().map(|a| (a.title.as_str(), a.mandatory)), Some(("法务审核合同", true)), "{b}");
        assert_eq!(s.after_sales_tasks.len(), 1, "{b}: the other tasks were not sent, so they are gone");
    }
}

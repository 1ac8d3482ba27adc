//! Messages that wait for a person's approval (issue #16): a cadence step set to "sent once
//! someone approves it" holds its message; the customer's owner sees it on My day and at
//! /approvals, corrects the text and approves it (it is queued to go), or rejects it; a rep
//! cannot approve a colleague's customer's message, and nothing is approved twice.

use crate::kit::{self, apps};
use guanxi_domain::Role;
use guanxi_domain::outbox::MessageState;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cadence_message_waits_for_the_owner_to_approve_it() {
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        app.user("li.na", Role::SalesRep).await;
        app.user("wang.qiang", Role::SalesRep).await;
        let mut boss = app.signed_in("boss").await;
        let mut li = app.signed_in("li.na").await;
        let mut wang = app.signed_in("wang.qiang").await;
        let r = boss
            .post(
                "/templates",
                &[
                    ("template_name", "回访问候"),
                    ("message_channel", "email"),
                    ("subject", "{{称呼}}，好久不见"),
                    ("body", "{{称呼}}：最近好吗？"),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(r.location(), "/templates?done=template_saved", "{b}");
        let tid = app.store.templates().await.unwrap()[0].id.to_string();
        let r = boss
            .post(
                "/cadences",
                &[
                    ("cadence_name", "回访"),
                    ("delay_days", "0"),
                    ("step_action", "email"),
                    ("template", &tid),
                    ("step_send", "approve"),
                    ("step_task_title", ""),
                    ("delay_days", "0"),
                    ("step_action", "email"),
                    ("template", &tid),
                    ("step_send", ""),
                    ("step_task_title", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());
        let cadence = r.location().split('?').next().unwrap().to_string();
        let page = kit::decoded(&boss.get(&cadence).await.text());
        assert!(page.contains("审批后发送"), "{b}: the step says it waits");
        let edit = kit::decoded(&boss.get(&format!("{cadence}/edit")).await.text());
        assert!(
            edit.contains("id=\"f-step_send-1\"") && edit.contains("id=\"f-template-2\""),
            "{b}: rows have their own ids"
        );

        let mut customers = Vec::new();
        for (name, owner, email) in
            [("王小明", "li.na", "wang@example.com"), ("赵五", "wang.qiang", "zhao@example.com")]
        {
            let id = kit::customer(
                &mut boss,
                json!({"kind": "individual", "name": name, "gender": "male", "email": email, "owner": owner}),
            )
            .await;
            boss.api(
                "POST",
                &format!("/api/v1/customers/{id}/consent"),
                Some(json!({"channel": "email", "consent": "given", "consent_how": "门店登记"})),
            )
            .await;
            customers.push(id);
        }
        let list = format!("{},{}", customers[0], customers[1]);
        assert!(
            boss.post(&format!("{cadence}/enrol"), &[("customers", &list)]).await.location().contains("enrolled=2")
        );
        app.store.run_cadence_steps(chrono::Utc::now()).await.unwrap();
        // Step 2 (sent by itself, the same day) waits while step 1 awaits approval: the
        // customer gets them in order.
        app.store.run_cadence_steps(chrono::Utc::now()).await.unwrap();
        let (all, _) = app
            .store
            .messages(&guanxi_store::OutboxFilter { per_page: 50, page: 1, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(all.len(), 2, "{b}: only step 1's messages: {all:?}");
        let (waiting, total) = app.store.messages_to_approve(None, 10).await.unwrap();
        assert_eq!((waiting.len(), total), (2, 2), "{b}");
        assert!(waiting.iter().all(|m| m.state == MessageState::Approval), "{b}");
        // The sender does not take them.
        assert!(app.store.claim_messages("w", chrono::Utc::now(), 10).await.unwrap().is_empty(), "{b}");
        let mine = waiting.iter().find(|m| m.customer_id == Some(customers[0])).unwrap().id;
        let theirs = waiting.iter().find(|m| m.customer_id == Some(customers[1])).unwrap().id;

        // li.na: My day says so; the list has her customer's only.
        let day = kit::decoded(&li.get("/today").await.text());
        assert!(day.contains("1 条消息等你审批") && day.contains("/approvals"), "{b}: {day}");
        let page = kit::decoded(&li.get("/approvals").await.text());
        assert!(page.contains("王先生，好久不见") && !page.contains("赵五"), "{b}: {page}");
        assert_eq!(li.post(&format!("/approvals/{theirs}/approve"), &[]).await.status, 403, "{b}: not her customer");
        // A subject too long is refused on the page, her edited text kept.
        let long = "长".repeat(201);
        let r = li.post(&format!("/approvals/{mine}/approve"), &[("subject", &long), ("body", "改过的正文")]).await;
        assert_eq!(r.status, 422, "{b}");
        let page = kit::decoded(&r.text());
        assert!(page.contains("改过的正文") && page.contains("主题"), "{b}: {page}");
        // Corrected, then approved: queued with her words.
        let r = li
            .post(
                &format!("/approvals/{mine}/approve"),
                &[("subject", "王先生，好久不见"), ("body", "王先生：最近好吗？新豆到了，给您留了一包。")],
            )
            .await;
        assert_eq!(r.location(), "/approvals?done=message_approved", "{b}: {}", r.text());
        let m = app.store.message(mine).await.unwrap();
        assert_eq!(
            (m.state, m.body.as_str()),
            (MessageState::Queued, "王先生：最近好吗？新豆到了，给您留了一包。"),
            "{b}"
        );
        assert_eq!(li.post(&format!("/approvals/{mine}/approve"), &[]).await.status, 409, "{b}: once");
        let r = li.post(&format!("/approvals/{mine}/reject"), &[]).await;
        assert_eq!(r.status, 409, "{b}");
        assert!(kit::decoded(&r.text()).contains("不需要审批"), "{b}");
        // An empty body is refused, naming it.
        assert!(kit::decoded(&li.get("/approvals").await.text()).contains("没有等待审批的消息"), "{b}");

        // wang.qiang over the API: an empty subject is named; then he rejects it.
        let r = wang.api("GET", "/api/v1/approvals", None).await;
        assert_eq!((r.json()["total"].as_i64(), r.json()["items"][0]["id"].as_i64()), (Some(1), Some(theirs)), "{b}");
        let r = wang.api("POST", &format!("/api/v1/approvals/{theirs}/approve"), Some(json!({"subject": " "}))).await;
        assert_eq!(r.status, 422, "{b}: {}", r.text());
        assert!(r.text().contains("subject"), "{b}");
        let r = wang.api("POST", &format!("/api/v1/approvals/{theirs}/approve"), Some(json!({"to": "x"}))).await;
        assert_eq!(r.status, 422, "{b}: unknown field");
        let r = wang.api("POST", &format!("/api/v1/approvals/{theirs}/reject"), None).await;
        assert_eq!((r.status, r.json()["state"].as_str()), (200, Some("cancelled")), "{b}: {}", r.text());
        let r = boss.api("POST", &format!("/api/v1/approvals/{theirs}/approve"), None).await;
        assert_eq!(r.status, 409, "{b}");

        // li.na's customer's step 2 goes once step 1 is approved.
        app.store.run_cadence_steps(chrono::Utc::now() + chrono::Duration::hours(2)).await.unwrap();
        let (all, _) = app
            .store
            .messages(&guanxi_store::OutboxFilter {
                customer_id: Some(customers[0]),
                per_page: 50,
                page: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(all.len(), 2, "{b}: step 2 follows: {all:?}");

        // An opt-out cancels a message still awaiting approval.
        let third = kit::customer(
            &mut boss,
            json!({"kind": "individual", "name": "钱六", "email": "qian@example.com", "owner": "li.na"}),
        )
        .await;
        let consent = format!("/api/v1/customers/{third}/consent");
        boss.api("POST", &consent, Some(json!({"channel": "email", "consent": "given", "consent_how": "门店登记"})))
            .await;
        assert!(
            boss.post(&format!("{cadence}/enrol"), &[("customers", &third.to_string())])
                .await
                .location()
                .contains("enrolled=1")
        );
        app.store.run_cadence_steps(chrono::Utc::now()).await.unwrap();
        let held = app.store.messages_to_approve(None, 10).await.unwrap().0;
        let held = held.iter().find(|m| m.customer_id == Some(third)).unwrap().id;
        let r = boss
            .api(
                "POST",
                &consent,
                Some(json!({"channel": "email", "consent": "withdrawn", "consent_how": "电话里说不要了"})),
            )
            .await;
        assert!(r.status < 300, "{b}: {}", r.text());
        assert_eq!(app.store.message(held).await.unwrap().state, MessageState::Cancelled, "{b}");
    }
}

//! Notifications on the web (issue #16): a task or a customer given by someone else rings the
//! bell; opening the notification marks it read and goes to the task; each user chooses which
//! kinds also come by e-mail (through the outbox, in the same transaction), with their address
//! checked; nobody opens another's notification; the same over the API.

use crate::kit::{self, apps};
use guanxi_domain::Role;
use guanxi_domain::outbox::{MessageChannel, MessagePurpose};
use serde_json::json;

fn bell(page: &str) -> Option<String> {
    let at = page.find("id=\"bell\"")?;
    let rest = &page[at..page[at..].find("</a>").map_or(page.len(), |e| at + e)];
    Some(
        rest.split("class=\"count\">")
            .nth(1)
            .map(|c| c.split('<').next().unwrap_or("").to_string())
            .unwrap_or_default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_given_rings_the_bell_and_comes_by_email_as_chosen() {
    for app in apps().await {
        let b = app.backend;
        app.named_user("boss", "赵经理", Role::Manager).await;
        app.named_user("li.na", "李娜", Role::SalesRep).await;
        let mut boss = app.signed_in("boss").await;
        let mut li = app.signed_in("li.na").await;
        assert_eq!(bell(&li.get("/today").await.text()).as_deref(), Some(""), "{b}: no number while nothing is unread");

        // Her own task tells her nothing; the manager's does.
        li.post("/tasks", &[("task_title", "自己的事")]).await;
        let r = boss.post("/tasks", &[("task_title", "回访王先生"), ("assignee", "li.na")]).await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());
        let page = kit::decoded(&li.get("/today").await.text());
        assert_eq!(bell(&page).as_deref(), Some("1"), "{b}");
        let list = kit::decoded(&li.get("/notifications").await.text());
        assert!(list.contains("赵经理给你分配了待办：回访王先生") && !list.contains("自己的事"), "{b}: {list}");
        let (items, _, _) = app
            .store
            .notifications(app.store.user_by_username("li.na").await.unwrap().unwrap().id, 1, 10)
            .await
            .unwrap();
        let id = items[0].id;
        // Nobody else opens it.
        assert_eq!(boss.get(&format!("/notifications/{id}")).await.status, 404, "{b}");
        let r = li.get(&format!("/notifications/{id}")).await;
        assert!(r.location().starts_with("/tasks#task-"), "{b}: {}", r.location());
        let anchor = r.location().trim_start_matches("/tasks#").to_string();
        assert!(li.get("/tasks").await.text().contains(&format!("id=\"{anchor}\"")), "{b}: the task is in her list");
        assert_eq!(bell(&li.get("/today").await.text()).as_deref(), Some(""), "{b}: read");
        // No address yet: nothing by e-mail.
        let (queued, _) = app
            .store
            .messages(&guanxi_store::OutboxFilter { per_page: 50, page: 1, ..Default::default() })
            .await
            .unwrap();
        assert!(queued.is_empty(), "{b}: {queued:?}");

        // Her settings: a wrong address named; then an address, and customers given by e-mail too.
        let r = li
            .post(
                "/notifications/settings",
                &[("email", "li.na"), ("phone", "138 0013 8000"), ("by_email", "task_assigned")],
            )
            .await;
        assert_eq!(r.status, 422, "{b}");
        let text = kit::decoded(&r.text());
        assert!(
            text.contains("li.na") && text.contains("value=\"138 0013 8000\""),
            "{b}: what she typed stays: {text}"
        );
        let r = li
            .post(
                "/notifications/settings",
                &[
                    ("email", "li.na@example.com"),
                    ("phone", "138 0013 8000"),
                    ("by_email", "task_assigned"),
                    ("by_email", "customer_assigned"),
                ],
            )
            .await;
        assert_eq!(r.location(), "/notifications?done=saved", "{b}");
        let page = kit::decoded(&li.get("/notifications").await.text());
        assert!(page.contains("value=\"li.na@example.com\"") && page.contains("value=\"13800138000\""), "{b}");

        // The e-mails link back to the public address.
        app.store.save_public_url(guanxi_store::Actor::SYSTEM, "https://crm.example.com").await.unwrap();
        boss.post("/tasks", &[("task_title", "准备报价"), ("assignee", "li.na")]).await;
        let wang = kit::customer(&mut boss, json!({"kind": "individual", "name": "王小明", "owner": "li.na"})).await;
        let (queued, _) = app
            .store
            .messages(&guanxi_store::OutboxFilter { per_page: 50, page: 1, ..Default::default() })
            .await
            .unwrap();
        let mut subjects: Vec<&str> = queued.iter().map(|m| m.subject.as_str()).collect();
        subjects.sort();
        assert_eq!(subjects, ["赵经理把客户“王小明”交给你负责", "赵经理给你分配了待办：准备报价"], "{b}");
        for m in &queued {
            assert_eq!(
                (m.channel, m.purpose, m.recipient.as_str()),
                (MessageChannel::Email, MessagePurpose::Notice, "li.na@example.com"),
                "{b}"
            );
            assert!(
                m.body.contains("https://crm.example.com/tasks#task-")
                    || m.body.contains(&format!("https://crm.example.com/customers/{wang}")),
                "{b}: the link: {}",
                m.body
            );
            assert_eq!(m.customer_id, None, "{b}: not a contact with the customer");
        }

        // The API: hers, newest first; all read at once.
        let r = li.api("GET", "/api/v1/notifications", None).await;
        assert_eq!((r.json()["total"].as_i64(), r.json()["unread"].as_i64()), (Some(3), Some(2)), "{b}: {}", r.text());
        assert_eq!(r.json()["items"][0]["kind"], "customer_assigned", "{b}");
        let r = li.api("POST", "/api/v1/notifications/read", None).await;
        assert_eq!(r.json()["read"], 2, "{b}");
        assert_eq!(boss.api("POST", &format!("/api/v1/notifications/{id}/read"), None).await.status, 404, "{b}");
        let page = kit::decoded(&li.get("/notifications").await.text());
        assert!(!page.contains("全部标为已读"), "{b}: nothing left to mark");
    }
}

//! The outbox 发件箱 and the e-mail server's settings on the web (issue #16): an admin sets the
//! server up (wrong values named, the password never shown back or written to the audit log),
//! sends a test e-mail that the running server's worker delivers to the real SMTP server of the
//! test command; managers see the outbox and send a failed message again; others may not.

use crate::kit::mailbox::Mailbox;
use crate::kit::{self, apps};
use guanxi_domain::Role;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_up_email_and_a_test_email_arrives() {
    let mail = Mailbox::from_env();
    for app in apps().await {
        let b = app.backend;
        app.user("root", Role::Admin).await;
        app.user("boss", Role::Manager).await;
        app.user("li.na", Role::SalesRep).await;
        let mut admin = app.signed_in("root").await;

        // Before any server: the outbox says so and links to the settings.
        let page = kit::decoded(&admin.get("/outbox").await.text());
        assert!(page.contains("还没有设置邮件服务器") && page.contains("/settings/email"), "{b}: {page}");

        // Wrong values, each named; nothing saved.
        let bad = admin
            .post(
                "/settings/email",
                &[
                    ("smtp_host", "smtp example"),
                    ("smtp_port", "70000"),
                    ("smtp_security", "rot13"),
                    ("from_address", "nobody"),
                ],
            )
            .await;
        assert_eq!(bad.status, 422, "{b}");
        let text = kit::decoded(&bad.text());
        for named in ["邮件服务器", "端口", "加密方式", "发件地址", "65535"] {
            assert!(text.contains(named), "{b}: {named} in {text}");
        }
        assert!(app.store.email_settings().await.unwrap().is_none(), "{b}");

        let (host, port) = match &mail {
            Some(m) => m.addr.rsplit_once(':').map(|(h, p)| (h.to_string(), p.to_string())).unwrap(),
            None => ("127.0.0.1".into(), "9".into()),
        };
        let saved = admin
            .post(
                "/settings/email",
                &[
                    ("smtp_host", &host),
                    ("smtp_port", &port),
                    ("smtp_security", "none"),
                    ("smtp_username", "sales"),
                    ("smtp_password", "pa55-word"),
                    ("from_address", "sales@guanxi.example"),
                    ("from_name", "关系咖啡"),
                ],
            )
            .await;
        assert_eq!((saved.status, saved.location()), (303, "/settings/email?done=email_settings"), "{b}");
        let page = admin.get("/settings/email").await.text();
        assert!(!page.contains("pa55-word"), "{b}: the password is never shown back");
        assert!(kit::decoded(&page).contains("已保存密码"), "{b}");
        // Saved again without a password: the saved one is kept. (No sign-in name: the test
        // server takes none.)
        admin
            .post(
                "/settings/email",
                &[
                    ("smtp_host", &host),
                    ("smtp_port", &port),
                    ("smtp_security", "none"),
                    ("from_address", "sales@guanxi.example"),
                ],
            )
            .await;
        let s = app.store.email_settings().await.unwrap().unwrap();
        assert_eq!(s.password.as_deref(), Some("pa55-word"), "{b}");
        let audit = admin.api("GET", "/api/v1/audit?entity=settings", None).await.text();
        assert!(!audit.contains("pa55-word"), "{b}: the audit log never holds the password: {audit}");

        // A test e-mail to a wrong address is refused on the page; to a right one it is sent.
        let r = admin.post("/settings/email/test", &[("to", "not an address")]).await;
        assert_eq!(r.status, 422, "{b}");
        assert!(kit::decoded(&r.text()).contains("不是有效的邮箱地址"), "{b}");
        let to = format!("{}@example.com", guanxi_store::scratch::unique("boss").replace('_', "."));
        let r = admin.post("/settings/email/test", &[("to", &to)]).await;
        assert_eq!(r.status, 303, "{b}");
        let at = r.location().to_string();
        assert!(at.starts_with("/outbox/") && at.ends_with("?done=test_email"), "{b}: {at}");
        let id: i64 = at.trim_start_matches("/outbox/").split('?').next().unwrap().parse().unwrap();
        if let Some(mail) = &mail {
            let got = mail.wait_for(&to, 1).await;
            let m = admin.api("GET", &format!("/api/v1/outbox/{id}"), None).await.text();
            assert_eq!(got.len(), 1, "{b}: delivered once by the server's worker: {m}");
            assert_eq!(got[0].header("subject"), "关系系统测试邮件", "{b}");
            let mut state = String::new();
            for _ in 0..50 {
                state = admin.api("GET", &format!("/api/v1/outbox/{id}"), None).await.json()["state"].to_string();
                if state == "\"sent\"" {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert_eq!(state, "\"sent\"", "{b}");
            let page = kit::decoded(&admin.get(&format!("/outbox/{id}")).await.text());
            assert!(page.contains("已发送") && page.contains("guanxi."), "{b}: the attempt and its Message-ID: {page}");
        }

        // Who may see it.
        let mut boss = app.signed_in("boss").await;
        assert_eq!(boss.get("/outbox").await.status, 200, "{b}");
        assert_eq!(boss.get("/settings/email").await.status, 403, "{b}: settings are for admins");
        let mut li = app.signed_in("li.na").await;
        assert_eq!(li.get("/outbox").await.status, 403, "{b}");
        assert_eq!(li.api("GET", "/api/v1/outbox", None).await.status, 403, "{b}");
        let r = boss.api("GET", "/api/v1/outbox?state=lost", None).await;
        assert_eq!(r.status, 400, "{b}");
        assert!(r.text().contains("queued"), "{b}: the allowed states are named: {}", r.text());
        let list = boss.api("GET", "/api/v1/outbox?channel=email", None).await.json();
        assert_eq!(list["total"], json!(1), "{b}: {list}");
    }
}

/// A message the server refused is failed with its words; a manager sends it again from the
/// page and it is queued with a fresh set of attempts; a sent one cannot be.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_message_is_sent_again_by_a_manager() {
    let Some(mail) = Mailbox::from_env() else { return };
    for app in apps().await {
        let b = app.backend;
        app.user("root", Role::Admin).await;
        let mut admin = app.signed_in("root").await;
        let (host, port) = mail.addr.rsplit_once(':').unwrap();
        admin
            .post(
                "/settings/email",
                &[
                    ("smtp_host", host),
                    ("smtp_port", port),
                    ("smtp_security", "none"),
                    ("from_address", "sales@guanxi.example"),
                ],
            )
            .await;
        let to = format!("{}@example.com", guanxi_store::scratch::unique("refuse").replace('_', "."));
        let r = admin.post("/settings/email/test", &[("to", &to)]).await;
        let id: i64 = r.location().trim_start_matches("/outbox/").split('?').next().unwrap().parse().unwrap();
        let mut m = json!(null);
        for _ in 0..50 {
            m = admin.api("GET", &format!("/api/v1/outbox/{id}"), None).await.json();
            if m["state"] == json!("failed") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(m["state"], json!("failed"), "{b}: {m}");
        assert!(m["last_error"].as_str().unwrap_or("").contains("mailbox unavailable"), "{b}: {m}");
        let page = kit::decoded(&admin.get("/outbox?state=failed").await.text());
        assert!(page.contains("mailbox unavailable") && page.contains(&to), "{b}");
        let r = admin.post(&format!("/outbox/{id}/cancel"), &[]).await;
        assert_eq!(r.status, 303, "{b}");
        let r = admin.post(&format!("/outbox/{id}/retry"), &[]).await;
        assert_eq!(r.status, 409, "{b}: a cancelled message stays cancelled");
        assert!(kit::decoded(&r.text()).contains("已取消"), "{b}: {}", r.text());
    }
}

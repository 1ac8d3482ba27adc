//! Issue #16's "done when", in a real browser on the demo, on SQLite and PostgreSQL: an admin
//! sets up the e-mail server; a manager opens My day, ticks a task, enrols a list in the coffee
//! shop's cadence; on day 7 (the clock moved on for the cadence and the outbox) the greeting
//! arrives in the test SMTP server's mailbox and is on the customer's timeline; the customer
//! opts out through the link in that e-mail, and is out of the cadence with consent withdrawn.

use super::{databases, ok, workdir};
use crate::webkit::browser::Browser;
use crate::webkit::mailbox::Mailbox;
use chrono::{Duration, Utc};
use guanxi_store::Store;
use std::io::Write;
use std::process::{Command, Stdio};

const PASSWORD: &str = "Keep-in-touch-2026";

fn set_password(db: &str, dir: &std::path::Path, user: &str) {
    let mut set = Command::new(env!("CARGO_BIN_EXE_guanxi"))
        .args(["--database", db, "user", "passwd", user, "--password-stdin"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("passwd");
    set.stdin.take().expect("stdin").write_all(format!("{PASSWORD}\n").as_bytes()).expect("write");
    assert!(set.wait().expect("wait").success());
}

async fn sign_in(br: &Browser, base: &str, user: &str) {
    br.delete_cookies().await;
    br.goto(&format!("{base}/login")).await;
    br.type_into("#username", user).await;
    br.type_into("#password", PASSWORD).await;
    br.follow("button[type=submit]").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeping_in_touch_on_the_demo_in_a_browser() {
    let Some(mail) = Mailbox::from_env() else { return };
    let Some(br) = Browser::start().await else { return };
    let dir = workdir();
    for (backend, db) in databases(&dir).await {
        let shot = |name: &str| format!("{backend}-keeping-in-touch-{name}");
        ok(&db, &dir, &["demo", "--customers", "150"]);
        ok(&db, &dir, &["user", "add", "admin", "--name", "管理员", "--role", "admin"]);
        set_password(&db, &dir, "admin");
        set_password(&db, &dir, "zhang.wei");
        let store = Store::open(&db).await.expect("open");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(guanxi_web::serve(listener, store.clone(), guanxi_web::Config::default()));

        // The admin sets up the company's e-mail server.
        sign_in(&br, &base, "admin").await;
        br.goto(&format!("{base}/settings/email")).await;
        let (host, port) = mail.addr.rsplit_once(':').expect("host:port");
        br.type_into("#f-smtp_host", host).await;
        br.type_into("#f-smtp_port", port).await;
        br.select("#f-smtp_security", "none").await;
        br.type_into("#f-from_address", "hello@coffee.example.com").await;
        br.type_into("#f-from_name", "关系咖啡").await;
        br.follow("#email-settings button[type=submit]").await;
        assert!(br.text().await.contains("邮件服务器设置已保存"), "{backend}: {}", br.text().await);

        // The manager: My day, and a task ticked done.
        sign_in(&br, &base, "zhang.wei").await;
        assert!(br.url().await.ends_with("/today"), "{backend}: {}", br.url().await);
        let day = br.text().await;
        assert!(day.contains("今天要做"), "{backend}: {day}");
        br.screenshot(&shot("01-my-day")).await;
        br.click("li.task details.task-done summary").await;
        br.type_into("li.task textarea[name=result]", "已电话确认").await;
        br.follow("li.task details.task-done button[type=submit]").await;
        assert!(br.text().await.contains("待办已完成"), "{backend}: {}", br.text().await);

        // A list — li.na's individual customers — enrolled in the coffee shop's cadence.
        br.goto(&format!("{base}/customers?kind=individual&owner=li.na")).await;
        br.click("details.enrol-list summary").await;
        br.screenshot(&shot("02-enrol-list")).await;
        br.follow("#enrol-list button[type=submit]").await;
        let confirm = br.text().await;
        assert!(
            confirm.contains("将把") && confirm.contains("负责人"),
            "{backend}: the count and the filter asked: {confirm}"
        );
        assert!(
            confirm.contains("有电子邮件地址并同意接收营销消息"),
            "{backend}: how many the e-mail can reach: {confirm}"
        );
        br.follow("#enrol-confirm button[type=submit]").await;
        let text = br.text().await;
        assert!(text.contains("加入了") && text.contains("位客户"), "{backend}: {text}");
        let cadence: i64 = br
            .url()
            .await
            .split("/cadences/")
            .nth(1)
            .and_then(|r| r.split('?').next())
            .and_then(|i| i.parse().ok())
            .expect("the cadence's page");
        br.screenshot(&shot("03-enrolled")).await;

        // Day 7: the greetings go out (the clock moved on for the cadence and the outbox).
        let now = Utc::now();
        let day7 = now + Duration::days(7) + Duration::minutes(1);
        store.run_cadence_steps(day7).await.expect("steps");
        let enrolled_today: Vec<_> = store
            .enrolments(None, Some(cadence), 1000)
            .await
            .expect("enrolments")
            .into_iter()
            .filter(|e| e.enrolled_at > now - Duration::hours(1))
            .collect();
        let greeted: Vec<i64> =
            enrolled_today.iter().flat_map(|e| e.events.iter().filter_map(|ev| ev.outbox_id)).collect();
        assert!(!greeted.is_empty(), "{backend}: someone of the list has an address and consent: {enrolled_today:?}");
        guanxi_outbox::send_due(&store, "day-7", day7, Some(&base)).await.expect("send");
        let message = store.message(greeted[0]).await.expect("message");
        assert_eq!(message.state, guanxi_domain::outbox::MessageState::Sent, "{backend}: {message:?}");
        // The demo is the same on both backends, and so are its addresses: the message is told
        // by its Message-ID.
        let mut greeting = None;
        for _ in 0..100 {
            greeting =
                mail.to(&message.recipient).into_iter().find(|m| Some(m.header("message-id")) == message.provider_ref);
            if greeting.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let greeting = greeting.expect("the greeting arrived");
        assert!(greeting.header("subject").contains("这一周的咖啡还合口味吗"), "{backend}");
        assert!(greeting.body.contains("您好"), "{backend}: {}", greeting.body);
        let customer = message.customer_id.expect("a customer's");

        // On the customer's timeline.
        br.goto(&format!("{base}/customers/{customer}")).await;
        let page = br.text().await;
        assert!(page.contains(&message.subject), "{backend}: the greeting on the timeline: {page}");
        br.screenshot(&shot("04-timeline")).await;

        // The customer opts out through the link in the e-mail.
        let link = greeting
            .body
            .split_whitespace()
            .find(|w| w.contains("/optout/"))
            .and_then(|w| w.find("http").map(|i| w[i..].to_string()))
            .expect("an opt-out link in the e-mail");
        assert!(link.starts_with(&base), "{backend}: {link} is not under {base}");
        assert!(greeting.header("list-unsubscribe").contains("/optout/"), "{backend}: one-click unsubscribe");
        br.delete_cookies().await;
        br.goto(&link).await;
        assert!(br.text().await.contains("您将不再收到我们发给您的营销邮件"), "{backend}: {}", br.text().await);
        br.follow("#optout-confirm").await;
        assert!(br.text().await.contains("已退订"), "{backend}");
        br.screenshot(&shot("05-opted-out")).await;

        sign_in(&br, &base, "zhang.wei").await;
        br.goto(&format!("{base}/customers/{customer}")).await;
        let consent = br.script("return document.querySelector('#consent-email').textContent").await.to_string();
        assert!(consent.contains("已退订") && consent.contains("退订链接"), "{backend}: {consent}");
        assert!(br.text().await.contains("客户退订了"), "{backend}: out of the cadence");
        br.screenshot(&shot("06-customer-after")).await;
    }
    br.quit().await;
}

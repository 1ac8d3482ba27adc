//! Cadences, templates, consent and opting out on the web (issue #16): wrong input named on
//! each form, nobody enrolled twice, who may do what, and the opt-out link refusing a forged
//! token and taking a mail program's one-click post.

use crate::kit::{self, apps};
use guanxi_domain::Role;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cadences_and_templates_name_what_is_wrong() {
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        app.user("li.na", Role::SalesRep).await;
        let mut boss = app.signed_in("boss").await;
        let wang = kit::customer(
            &mut boss,
            json!({"kind": "individual", "name": "王小明", "gender": "male", "email": "wang@example.com", "owner": "li.na"}),
        )
        .await;
        let zhao = kit::customer(&mut boss, json!({"kind": "individual", "name": "赵六"})).await;

        let r = boss.post("/cadences/example", &[]).await;
        assert_eq!(r.status, 303, "{b}");
        let cadence = r.location().trim_start_matches("/cadences/").split('?').next().unwrap().to_string();
        let page = kit::decoded(&boss.get(&format!("/cadences/{cadence}")).await.text());
        assert!(page.contains("第 7 天") && page.contains("第 27 天") && page.contains("第 45 天"), "{b}: {page}");
        assert!(page.contains("首次购买后自动加入：符合条件的客户会自动加入"), "{b}: its rule said");
        let form = kit::decoded(&boss.get(&format!("/cadences/{cadence}/edit")).await.text());
        assert!(form.contains("只手动加入") && form.contains("value=\"first_purchase\" selected"), "{b}");

        // Enrolling by ID: garbage named; the same customer not twice.
        let r = boss.post(&format!("/cadences/{cadence}/enrol"), &[("customers", "12, abc")]).await;
        assert_eq!(r.status, 422, "{b}: shown on the cadence's page");
        let text = kit::decoded(&r.text());
        assert!(text.contains("“abc” 不是") && text.contains("value=\"12, abc\""), "{b}: {text}");
        let r = boss.post(&format!("/cadences/{cadence}/enrol"), &[("customers", "99999999")]).await;
        let page = kit::decoded(&boss.get(r.location()).await.text());
        assert!(page.contains("1 个编号没有对应的客户"), "{b}: {page}");
        let ids = format!("{wang}，{zhao}");
        let r = boss.post(&format!("/cadences/{cadence}/enrol"), &[("customers", &ids)]).await;
        assert_eq!(r.location(), format!("/cadences/{cadence}?enrolled=2&already=0&unknown=0"), "{b}");
        let r = boss.post(&format!("/cadences/{cadence}/enrol"), &[("customers", &ids)]).await;
        assert_eq!(r.location(), format!("/cadences/{cadence}?enrolled=0&already=2&unknown=0"), "{b}");
        let page = kit::decoded(&boss.get(r.location()).await.text());
        assert!(page.contains("2 位已在其中，没有重复加入"), "{b}");

        // A cadence without steps, with a negative delay, a message step without its template.
        let r = boss.post("/cadences", &[("cadence_name", "回访")]).await;
        assert_eq!(r.status, 422, "{b}");
        assert!(kit::decoded(&r.text()).contains("步骤"), "{b}");
        let r = boss
            .post(
                "/cadences",
                &[
                    ("cadence_name", "回访"),
                    ("delay_days", "-3"),
                    ("step_action", "email"),
                    ("template", "1"),
                    ("step_task_title", ""),
                    ("delay_days", "5"),
                    ("step_action", "email"),
                    ("template", ""),
                    ("step_task_title", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{b}");
        let text = kit::decoded(&r.text());
        assert!(
            text.contains("间隔天数") && text.contains("第 1 步：间隔天数：“-3”") && text.contains("消息模板"),
            "{b}: {text}"
        );
        // A task step with merge fields is fine.
        let r = boss
            .post(
                "/cadences",
                &[
                    ("cadence_name", "大客户回访"),
                    ("exit_on_visit", "yes"),
                    ("delay_days", "3"),
                    ("step_action", "task"),
                    ("template", ""),
                    ("step_task_title", "给{{称呼}}打电话"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());

        // A template with an unknown merge field is refused, naming it; a preview fills one in.
        let r = boss
            .post(
                "/templates",
                &[
                    ("template_name", "生日"),
                    ("message_channel", "email"),
                    ("subject", "生日快乐"),
                    ("body", "{{生日}}快乐"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{b}");
        let text = kit::decoded(&r.text());
        assert!(text.contains("{{生日}}") && text.contains("{{称呼}}"), "{b}: {text}");
        let fields = [
            ("template_name", "问候"),
            ("message_channel", "email"),
            ("subject", "{{称呼}}，您好"),
            ("body", "{{称呼}}您好，我是{{负责人}}。"),
        ];
        let mut preview = fields.to_vec();
        preview.extend([("action", "preview"), ("preview_with", "999999")]);
        let r = boss.post("/templates", &preview).await;
        assert_eq!(r.status, 422, "{b}: a customer that is none");
        let wang_id = wang.to_string();
        let mut preview = fields.to_vec();
        preview.extend([("action", "preview"), ("preview_with", wang_id.as_str())]);
        let r = boss.post("/templates", &preview).await;
        assert_eq!(r.status, 200, "{b}");
        let text = kit::decoded(&r.text());
        assert!(text.contains("王先生您好，我是li.na 用户。"), "{b}: {text}");
        let mut save = fields.to_vec();
        save.push(("action", "save"));
        assert_eq!(boss.post("/templates", &save).await.location(), "/templates?done=template_saved", "{b}");

        // A rep reads cadences, puts their own customer in one, records consent; sets up none.
        let mut li = app.signed_in("li.na").await;
        // Her My day says what her customers' cadences will send this week (王 is hers: day 7).
        let day = kit::decoded(&li.get("/today").await.text());
        let section = day.split("跟进节奏：接下来 7 天").nth(1).unwrap_or("");
        assert!(section.contains("王小明") && section.contains("第 1 步"), "{b}: {day}");
        assert!(!section.split("商机").next().unwrap_or("").contains("赵六"), "{b}: 赵六 is nobody's, not hers");
        assert_eq!(li.get("/cadences").await.status, 200, "{b}");
        assert_eq!(li.post("/cadences/example", &[]).await.status, 403, "{b}");
        assert_eq!(li.get("/templates/new").await.status, 403, "{b}");
        let r = li
            .post(
                &format!("/customers/{wang}/consent"),
                &[("channel", "email"), ("consent", "given"), ("consent_how", " ")],
            )
            .await;
        assert_eq!(r.status, 422, "{b}: how it was given is required");
        let r = li
            .post(
                &format!("/customers/{wang}/consent"),
                &[("channel", "email"), ("consent", "given"), ("consent_how", "门店登记表")],
            )
            .await;
        assert_eq!(r.status, 303, "{b}");
        let page = kit::decoded(&li.get(&format!("/customers/{wang}")).await.text());
        assert!(page.contains("已同意（门店登记表"), "{b}");
        assert_eq!(
            li.post(
                &format!("/customers/{zhao}/consent"),
                &[("channel", "email"), ("consent", "given"), ("consent_how", "x")]
            )
            .await
            .status,
            403,
            "{b}: not hers"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opt_out_link_is_checked_and_takes_one_click() {
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        let mut boss = app.signed_in("boss").await;
        let wang =
            kit::customer(&mut boss, json!({"kind": "individual", "name": "王小明", "email": "wang@example.com"}))
                .await;
        let secret = guanxi_outbox::links::secret(&app.store).await.unwrap();
        let token = guanxi_outbox::links::optout_token(&secret, wang, guanxi_domain::outbox::MessageChannel::Email);
        let mut stranger = app.client();
        // A forged token: refused before anything is done.
        let forged =
            guanxi_outbox::links::optout_token("not our secret", wang, guanxi_domain::outbox::MessageChannel::Email);
        let r = stranger.get(&format!("/optout/{forged}")).await;
        assert_eq!(r.status, 404, "{b}");
        assert!(kit::decoded(&r.text()).contains("这个退订链接无效"), "{b}");
        assert_eq!(stranger.get("/optout/%E9%80%80%E8%AE%A2").await.status, 404, "{b}");
        // The page asks; a mail program's one-click post (no Origin, from elsewhere) does it.
        let page = kit::decoded(&stranger.get(&format!("/optout/{token}")).await.text());
        assert!(page.contains("您将不再收到我们发给您的营销邮件"), "{b}: {page}");
        let r = stranger
            .send(
                "POST",
                &format!("/optout/{token}"),
                &[("Content-Type", "application/x-www-form-urlencoded")],
                b"List-Unsubscribe=One-Click",
            )
            .await;
        assert_eq!(r.status, 200, "{b}: {}", r.text());
        let consent = app.store.consents(wang).await.unwrap();
        assert_eq!(consent[0].state, guanxi_domain::cadences::ConsentState::Withdrawn, "{b}");
    }
}

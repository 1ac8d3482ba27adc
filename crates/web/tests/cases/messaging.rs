//! SMS and WeChat on the web (issue #16): an admin sets up a gateway and the sending rules (each
//! wrong value named, the secret never shown back or audited); a template for SMS needs the
//! provider's template id; a cadence's SMS step queues an SMS with its template id and
//! parameters; the gateway's reply hook refuses what is not signed with the secret, and a signed
//! "TD" withdraws the customer's consent.

use crate::kit::{self, apps, raw_http};
use guanxi_domain::Role;
use guanxi_domain::outbox::MessageChannel;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_up_sms_and_the_rules_and_replies_come_back() {
    for app in apps().await {
        let b = app.backend;
        app.user("root", Role::Admin).await;
        app.user("boss", Role::Manager).await;
        let mut admin = app.signed_in("root").await;
        let mut boss = app.signed_in("boss").await;
        assert_eq!(boss.get("/settings/messaging").await.status, 403, "{b}: admins only");
        assert_eq!(boss.get("/settings/messaging/sms").await.status, 403, "{b}");

        // The overview: e-mail, SMS and WeChat not set up; the default rules.
        let page = kit::decoded(&admin.get("/settings/messaging").await.text());
        assert!(page.contains("未设置") && page.contains("/settings/messaging/sms"), "{b}: {page}");
        assert!(
            page.contains("value=\"21:00\"") && page.contains("value=\"08:00\"") && page.contains("value=\"3\""),
            "{b}"
        );
        assert!(page.contains("/hooks/sms/reply"), "{b}: where replies go");
        assert_eq!(admin.get("/settings/messaging/letter").await.status, 404, "{b}: letters have no gateway");

        // Wrong rules, each named.
        let r = admin
            .post("/settings/messaging", &[("quiet_from", "25:00"), ("quiet_until", "08:00"), ("weekly_cap", "500")])
            .await;
        assert_eq!(r.status, 422, "{b}");
        let text = kit::decoded(&r.text());
        assert!(
            text.contains("免打扰开始") && text.contains("每位客户每周最多") && text.contains("100"),
            "{b}: {text}"
        );
        let r = admin
            .post("/settings/messaging", &[("quiet_from", "22:00"), ("quiet_until", "07:30"), ("weekly_cap", "2")])
            .await;
        assert_eq!(r.location(), "/settings/messaging?done=saved", "{b}");
        let rules = app.store.sending_rules().await.unwrap();
        assert_eq!((rules.quiet_from.unwrap().to_string(), rules.weekly_cap), ("22:00:00".to_string(), 2), "{b}");
        // The same over the API.
        let r = admin.api("GET", "/api/v1/settings/sending", None).await;
        assert_eq!(r.json(), json!({"quiet_from": "22:00", "quiet_until": "07:30", "weekly_cap": "2"}), "{b}");
        let r = admin.api("PUT", "/api/v1/settings/sending", Some(json!({"weekly_cap": "abc"}))).await;
        assert_eq!(r.status, 422, "{b}");
        assert!(r.text().contains("weekly_cap"), "{b}: {}", r.text());
        let r = admin.api("PUT", "/api/v1/settings/sending", Some(json!({"weekly_cap": "4"}))).await;
        assert_eq!(r.json()["weekly_cap"], "4", "{b}");
        assert_eq!(boss.api("GET", "/api/v1/settings/sending", None).await.status, 403, "{b}");

        // A gateway: wrong values named, then saved; the secret never shown back.
        let r = admin.post("/settings/messaging/sms", &[("gateway_url", "sms.example.com"), ("gateway_key", "")]).await;
        assert_eq!(r.status, 422, "{b}");
        let text = kit::decoded(&r.text());
        for named in ["接口地址", "不是接口网址", "AccessKey ID", "AccessKey 密钥"] {
            assert!(text.contains(named), "{b}: {named} in {text}");
        }
        let fields = [
            ("gateway_url", "https://sms.example.com/v1/send"),
            ("gateway_key", "LTAI-web"),
            ("gateway_secret", "hook-s3cret"),
            ("sign_name", "【关系咖啡】"),
        ];
        assert_eq!(
            admin.post("/settings/messaging/sms", &fields).await.location(),
            "/settings/messaging/sms?done=saved",
            "{b}"
        );
        let page = admin.get("/settings/messaging/sms").await.text();
        assert!(!page.contains("hook-s3cret") && kit::decoded(&page).contains("已保存（留空则保留）"), "{b}");
        let saved = app.store.gateway_settings(MessageChannel::Sms).await.unwrap().unwrap();
        assert_eq!(
            (saved.sign_name.as_deref(), saved.secret.as_deref()),
            (Some("关系咖啡"), Some("hook-s3cret")),
            "{b}"
        );
        let audit = admin.api("GET", "/api/v1/audit?entity=settings", None).await.text();
        assert!(!audit.contains("hook-s3cret") && audit.contains("********"), "{b}: {audit}");

        // An SMS template needs the provider's template id; no subject.
        let r = boss
            .post(
                "/templates",
                &[
                    ("template_name", "到货提醒"),
                    ("message_channel", "sms"),
                    ("body", "{{称呼}}您好，您的豆子到了"),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{b}");
        assert!(kit::decoded(&r.text()).contains("服务商模板编号"), "{b}");
        let r = boss
            .post(
                "/templates",
                &[
                    ("template_name", "到货提醒"),
                    ("message_channel", "sms"),
                    ("provider_template", "SMS_100"),
                    ("body", "{{称呼}}您好，您的豆子到了"),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(r.location(), "/templates?done=template_saved", "{b}");
        let template = app.store.templates().await.unwrap().into_iter().find(|t| t.draft.name == "到货提醒").unwrap();
        assert_eq!(
            (template.draft.channel, template.draft.provider_template.as_deref()),
            (MessageChannel::Sms, Some("SMS_100")),
            "{b}"
        );

        // A cadence whose first step is that SMS, on the day of enrolment.
        let tid = template.id.to_string();
        let r = boss
            .post(
                "/cadences",
                &[
                    ("cadence_name", "到货短信"),
                    ("delay_days", "0"),
                    ("step_action", "sms"),
                    ("template", &tid),
                    ("step_task_title", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());
        let cadence = r.location().trim_start_matches("/cadences/").split('?').next().unwrap().to_string();
        let wang = kit::customer(
            &mut boss,
            json!({"kind": "individual", "name": "王小明", "gender": "male", "phone": "13800138000"}),
        )
        .await;
        boss.api(
            "POST",
            &format!("/api/v1/customers/{wang}/consent"),
            Some(json!({"channel": "sms", "consent": "given", "consent_how": "门店登记"})),
        )
        .await;
        let r = boss.post(&format!("/cadences/{cadence}/enrol"), &[("customers", &wang.to_string())]).await;
        assert!(r.location().contains("enrolled=1"), "{b}: {}", r.location());
        app.store.run_cadence_steps(chrono::Utc::now()).await.unwrap();
        let (messages, _) = app
            .store
            .messages(&guanxi_store::OutboxFilter {
                customer_id: Some(wang),
                per_page: 10,
                page: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(messages.len(), 1, "{b}");
        let m = &messages[0];
        assert_eq!(
            (m.channel, m.recipient.as_str(), m.template_ref.as_deref()),
            (MessageChannel::Sms, "13800138000", Some("SMS_100")),
            "{b}"
        );
        assert_eq!(m.params, vec![("honorific".to_string(), "王先生".to_string())], "{b}");
        assert_eq!(m.body, "王先生您好，您的豆子到了", "{b}");

        // The reply hook: unsigned or wrongly signed refused; a signed TD withdraws consent.
        let body = json!({"from": "+86 138 0013 8000", "text": "TD"}).to_string();
        // A gateway stored without a secret (written by hand into the database) checks nothing:
        // refused rather than checked against an empty key.
        let keyless = guanxi_domain::outbox::gateway::GatewaySettings { secret: None, ..saved.clone() };
        app.store.save_gateway_settings(guanxi_store::Actor::SYSTEM, MessageChannel::Sms, &keyless).await.unwrap();
        let mut empty_key = guanxi_outbox::gateway::sign("LTAI-web", "", &body);
        let hdrs: Vec<(String, String)> = empty_key.drain(..).map(|(k, v)| (k.to_string(), v)).collect();
        let r = raw_http(&app.addr, "POST", "/hooks/sms/reply", &hdrs, body.as_bytes()).await;
        assert_eq!(r.status, 503, "{b}: {}", r.text());
        app.store.save_gateway_settings(guanxi_store::Actor::SYSTEM, MessageChannel::Sms, &saved).await.unwrap();
        let r = raw_http(
            &app.addr,
            "POST",
            "/hooks/sms/reply",
            &[("Content-Type".into(), "application/json".into())],
            body.as_bytes(),
        )
        .await;
        assert_eq!(r.status, 401, "{b}: {}", r.text());
        let mut wrong = guanxi_outbox::gateway::sign("LTAI-web", "not-the-secret", &body);
        let headers = |h: &mut Vec<(&str, String)>| -> Vec<(String, String)> {
            let mut out: Vec<(String, String)> = h.drain(..).map(|(k, v)| (k.to_string(), v)).collect();
            out.push(("Content-Type".into(), "application/json".into()));
            out
        };
        let r = raw_http(&app.addr, "POST", "/hooks/sms/reply", &headers(&mut wrong), body.as_bytes()).await;
        assert_eq!(r.status, 401, "{b}");
        assert!(r.text().contains("does not match"), "{b}: {}", r.text());
        // A hook's body is a few lines: a large one is refused before it is read, in JSON.
        let big = "x".repeat(20_000);
        let r = raw_http(&app.addr, "POST", "/hooks/sms/reply", &headers(&mut Vec::new()), big.as_bytes()).await;
        assert_eq!((r.status, r.header("content-type")), (413, Some("application/problem+json")), "{b}: {}", r.text());
        let bad = json!({"from": "hello", "text": "TD"}).to_string();
        let mut signed = guanxi_outbox::gateway::sign("LTAI-web", "hook-s3cret", &bad);
        let r = raw_http(&app.addr, "POST", "/hooks/sms/reply", &headers(&mut signed), bad.as_bytes()).await;
        assert_eq!(r.status, 400, "{b}");
        assert!(r.text().contains("from"), "{b}: the field is named: {}", r.text());
        let mut signed = guanxi_outbox::gateway::sign("LTAI-web", "hook-s3cret", &body);
        let r_headers = signed.clone();
        let r = raw_http(&app.addr, "POST", "/hooks/sms/reply", &headers(&mut signed), body.as_bytes()).await;
        assert_eq!(r.status, 200, "{b}: {}", r.text());
        assert_eq!(r.json(), json!({"code": "OK", "customers": 1, "opted_out": true}), "{b}");
        // The same request again (its nonce seen): refused as a replay.
        let mut again: Vec<(&str, String)> = r_headers.clone();
        let r = raw_http(&app.addr, "POST", "/hooks/sms/reply", &headers(&mut again), body.as_bytes()).await;
        assert_eq!(r.status, 409, "{b}: {}", r.text());
        let consent = app.store.consents(wang).await.unwrap();
        let sms = consent.iter().find(|c| c.channel == MessageChannel::Sms).unwrap();
        assert_eq!(sms.state, guanxi_domain::cadences::ConsentState::Withdrawn, "{b}");
        assert!(sms.how.contains("TD"), "{b}: {}", sms.how);
    }
}

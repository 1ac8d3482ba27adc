//! Bad input and security: CSRF, XSS, SQL metacharacters, sessions, sizes, rate limits, and the
//! authorization matrix (every route × every role).

use crate::kit::{self, App, Client, apps};
use guanxi_domain::Role;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsafe_requests_need_our_own_origin() {
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        let mut c = app.signed_in("boss").await;
        let body = kit::form_encode(&[("kind", "individual"), ("name", "伪造")]);
        let form = ("Content-Type", "application/x-www-form-urlencoded");
        for (why, headers) in [
            ("no Origin at all", vec![form]),
            ("another site's Origin", vec![form, ("Origin", "http://evil.example")]),
            ("a cross-site fetch", vec![form, ("Sec-Fetch-Site", "cross-site")]),
            ("a same-site but other-origin fetch", vec![form, ("Sec-Fetch-Site", "same-site")]),
        ] {
            let r = c.send("POST", "/customers", &headers, body.as_bytes()).await;
            assert_eq!(r.status, 403, "{b}: {why}");
            assert!(r.text().contains("跨站"), "{b}: {why}: {}", r.text());
        }
        let r = c.send("DELETE", "/api/v1/customers/1", &[], b"").await;
        assert_eq!(r.status, 403, "{b}: API with a cookie and no Origin");
        assert_eq!(r.json()["code"], "cross_site_request");
        assert_eq!(app.store.count_customers().await.unwrap(), 0, "{b}: nothing was written");
        let origin = format!("http://{}", app.addr);
        let r = c.send("POST", "/customers", &[form, ("Origin", &origin)], body.as_bytes()).await;
        assert_eq!(r.status, 303, "{b}: our own Origin is fine");
    }
}

const XSS: &str = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_typed_into_any_field_is_shown_as_text() {
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        let mut c = app.signed_in("boss").await;
        let mut body = serde_json::Map::new();
        body.insert("kind".into(), json!("individual"));
        for f in [
            "name",
            "address",
            "notes",
            "preferences_note",
            "family",
            "employer",
            "job_title",
            "motives",
            "personality",
            "beliefs",
            "attitudes",
            "interests",
        ] {
            body.insert(f.into(), json!(format!("{f}{XSS}")));
        }
        // Fields with a short limit get the short form.
        for f in ["source", "wechat", "city", "external_id"] {
            body.insert(f.into(), json!("<script>alert(1)</script>"));
        }
        body.insert("tags".into(), json!([format!("t<b>{}</b>", "x")]));
        body.insert("preferences".into(), json!([{"category": "<i>饮品</i>", "value": XSS}]));
        let id = kit::customer(&mut c, serde_json::Value::Object(body)).await;
        let org =
            kit::customer(&mut c, json!({"kind": "organization", "name": format!("org{XSS}"), "industry": XSS})).await;
        let kp = c
            .api(
                "POST",
                &format!("/api/v1/customers/{org}/key-people"),
                Some(json!({"name": XSS, "interests": XSS, "preferences": [format!("茶: {XSS}")]})),
            )
            .await;
        assert_eq!(kp.status, 201, "{b}: {}", kp.text());
        let r = c
            .api(
                "POST",
                &format!("/api/v1/customers/{org}/people-around"),
                Some(json!({"name": XSS, "relation": "friend", "notes": XSS})),
            )
            .await;
        assert_eq!(r.status, 201, "{b}: {}", r.text());
        let r = c
            .api(
                "POST",
                &format!("/api/v1/customers/{org}/interactions"),
                Some(json!({"channel": "phone", "summary": XSS, "next_step": XSS, "their_participants": XSS})),
            )
            .await;
        assert_eq!(r.status, 201, "{b}: {}", r.text());
        for page in [
            format!("/customers/{org}"),
            format!("/customers/{id}"),
            format!("/customers/{id}/edit"),
            "/customers".into(),
            format!("/customers/{id}/history"),
            format!("/customers?q={}", kit::form_encode(&[("x", XSS)])),
        ] {
            let html = c.get(&page).await.text();
            assert!(!html.contains("<script>alert"), "{b}: {page} has a live script");
            assert!(!html.contains("<img src=x"), "{b}: {page} has a live img");
            assert!(!html.contains("<i>饮品</i>") && !html.contains("<b>x</b>"), "{b}: {page}");
        }
        let html = c.get(&format!("/customers/{id}")).await.text();
        assert!(kit::decoded(&html).contains(&format!("name{XSS}")), "{b}: the text is shown as typed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_metacharacters_in_search_and_filters_are_just_text() {
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        let mut c = app.signed_in("boss").await;
        kit::customer(&mut c, json!({"kind": "individual", "name": "O'Brien", "tags": ["a'b"]})).await;
        for q in [
            "' OR 1=1 --",
            "\"; DROP TABLE customers; --",
            "%",
            "_",
            "\\",
            "*",
            "张' UNION SELECT * FROM users --",
            "(",
            "NEAR(",
            "a OR b",
            "\"unterminated",
        ] {
            let enc = kit::form_encode(&[("q", q), ("tag", q), ("owner", q)]);
            let r = c.get(&format!("/customers?{enc}")).await;
            assert_eq!(r.status, 200, "{b}: {q}");
            let r = c.api("GET", &format!("/api/v1/customers?{enc}"), None).await;
            assert_eq!(r.status, 200, "{b}: {q}: {}", r.text());
            assert_eq!(r.json()["total"], 0, "{b}: {q}");
        }
        let r = c.api("GET", &format!("/api/v1/customers?{}", kit::form_encode(&[("q", "O'Brien")])), None).await;
        assert_eq!(r.json()["total"], 1, "{b}: the apostrophe is searchable");
        let r = c.api("GET", &format!("/api/v1/customers?{}", kit::form_encode(&[("tag", "a'b")])), None).await;
        assert_eq!(r.json()["total"], 1, "{b}");
        assert_eq!(app.store.count_customers().await.unwrap(), 1, "{b}: the table is still there");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_on_sign_out_and_expiry() {
    for app in apps().await {
        let b = app.backend;
        let u = app.user("boss", Role::Manager).await;
        let mut c = app.signed_in("boss").await;
        let cookie = c.cookies.clone();
        assert!(c.get("/customers").await.status == 200);
        let r = c.post("/logout", &[]).await;
        assert_eq!(r.status, 303, "{b}");
        // The old cookie no longer works: the user is sent to sign in, told why.
        let mut stale = app.client();
        stale.cookies = cookie;
        let r = stale.get("/customers/new").await;
        assert_eq!(r.status, 303, "{b}");
        assert!(r.location().starts_with("/login?next=%2Fcustomers%2Fnew&expired=1"), "{b}: {}", r.location());
        let r = stale.get(r.location()).await;
        assert!(r.text().contains("会话已过期"), "{b}");
        let r = stale.api("GET", "/api/v1/me", None).await;
        assert_eq!(r.status, 401, "{b}");
        assert_eq!(r.json()["code"], "session_expired");

        // A session past its expiry is not accepted.
        let token = "expired-session-token";
        let hash = guanxi_web::auth::secret_hash(token);
        app.store.create_session(&hash, u.id, chrono::Utc::now() - chrono::Duration::minutes(1)).await.unwrap();
        let mut old = app.client();
        old.cookies = vec![("gx_session".into(), token.into())];
        assert_eq!(old.get("/customers").await.status, 303, "{b}");

        // `next` only leads back into Guanxi.
        let mut c = app.client();
        let r =
            c.post("/login", &[("username", "boss"), ("password", kit::PASSWORD), ("next", "//evil.example/")]).await;
        assert_eq!(r.location(), "/today", "{b}");
        let cookie = r.header("set-cookie").unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{b}: {cookie}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_wrong_passwords_are_slowed_down() {
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        let mut c = app.client();
        for _ in 0..5 {
            let r = c.login("boss", "wrong-password").await;
            assert_eq!(r.status, 401, "{b}");
            assert!(r.text().contains("用户名或密码不正确"), "{b}");
        }
        let r = c.login("boss", kit::PASSWORD).await;
        assert_eq!(r.status, 429, "{b}: even the right password waits");
        assert!(r.text().contains("分钟后再试"), "{b}: {}", r.text());
        // Another account is not affected.
        app.user("li.na", Role::SalesRep).await;
        assert_eq!(app.client().login("li.na", kit::PASSWORD).await.status, 303, "{b}");
        // Unknown users get the same answer as wrong passwords.
        let r = app.client().login("nobody", "whatever").await;
        assert_eq!(r.status, 401, "{b}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_refused() {
    let app = apps().await.into_iter().next().unwrap();
    app.user("boss", Role::Manager).await;
    let mut c = app.signed_in("boss").await;
    let big = format!("{{\"kind\":\"individual\",\"name\":\"{}\"}}", "长".repeat(1_000_000));
    let r = c
        .send(
            "POST",
            "/api/v1/customers",
            &[("Content-Type", "application/json"), ("Sec-Fetch-Site", "same-origin")],
            big.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 413, "{}", r.text());
    // Within the limit but over a field's own limit: a field-level message.
    let r = c.api("POST", "/api/v1/customers", Some(json!({"kind": "individual", "name": "长".repeat(500)}))).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["errors"][0]["field"], "name");
}

/// Who may: a group of roles, written out here independently of the code's own rules.
/// The value settings form as saved, every field filled with its default.
fn settings_form() -> Vec<(&'static str, String)> {
    guanxi_domain::value::ValueSettings::default().to_fields().0.into_iter().map(|(f, v)| (f.code(), v)).collect()
}

#[derive(Clone, Copy, Debug)]
enum May {
    /// Everyone signed in.
    All,
    /// Everyone but read-only users.
    Writers,
    /// Admins, managers, and the rep who owns the customer.
    Editors,
    /// Editors, and service agents (who log contacts with any customer).
    Loggers,
    Managers,
    Admins,
}

const ROLES: &[(&str, Role)] = &[
    ("root", Role::Admin),
    ("boss", Role::Manager),
    ("rep1", Role::SalesRep),
    ("rep2", Role::SalesRep),
    ("agent", Role::ServiceAgent),
    ("reader", Role::ReadOnly),
];

fn allowed(may: May, who: &str) -> bool {
    match may {
        May::All => true,
        May::Writers => who != "reader",
        May::Editors => matches!(who, "root" | "boss" | "rep1"),
        May::Loggers => matches!(who, "root" | "boss" | "rep1" | "agent"),
        May::Managers => matches!(who, "root" | "boss"),
        May::Admins => who == "root",
    }
}

struct Fixture {
    a: i64,
    kp: i64,
    around: i64,
    interaction: i64,
    b: i64,
    c: i64,
    dummy: i64,
}

async fn fixture(app: &App) -> Fixture {
    for (name, role) in ROLES {
        app.user(name, *role).await;
    }
    app.user("dummy", Role::ReadOnly).await;
    let mut boss = app.signed_in("boss").await;
    let a = kit::customer(&mut boss, json!({"kind": "organization", "name": "甲公司", "owner": "rep1"})).await;
    let b = kit::customer(&mut boss, json!({"kind": "individual", "name": "乙", "phone": "13900000001"})).await;
    let c =
        kit::customer(&mut boss, json!({"kind": "individual", "name": "乙", "phone": "13900000001", "city": "杭州"}))
            .await;
    let kp = boss.api("POST", &format!("/api/v1/customers/{a}/key-people"), Some(json!({"name": "刘总"}))).await.json()
        ["id"]
        .as_i64()
        .unwrap();
    let around = boss
        .api(
            "POST",
            &format!("/api/v1/customers/{a}/people-around"),
            Some(json!({"name": "刘太太", "relation": "spouse"})),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let interaction = boss
        .api(
            "POST",
            &format!("/api/v1/customers/{a}/interactions"),
            Some(json!({"channel": "phone", "summary": "电话"})),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let dummy = app.store.user_by_username("dummy").await.unwrap().unwrap().id;
    Fixture { a, kp, around, interaction, b, c, dummy }
}

/// (method, path, form fields, who may)
type PageCheck = (&'static str, String, Vec<(&'static str, String)>, May);
/// (method, path, JSON body, who may)
type ApiCheck = (&'static str, String, Option<serde_json::Value>, May);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_matrix_every_route_and_role() {
    for app in apps().await {
        let be = app.backend;
        let f = fixture(&app).await;
        let (a, kp, around, i, b, c, d) = (f.a, f.kp, f.around, f.interaction, f.b, f.c, f.dummy);
        let pages: Vec<PageCheck> = vec![
            ("GET", "/customers".into(), vec![], May::All),
            ("GET", format!("/customers/{a}"), vec![], May::All),
            ("GET", format!("/customers/{a}/history"), vec![], May::All),
            ("GET", "/account".into(), vec![], May::All),
            ("GET", "/value".into(), vec![], May::All),
            ("GET", "/settings/value".into(), vec![], May::All),
            ("GET", "/orders".into(), vec![], May::All),
            ("GET", "/customers/new".into(), vec![], May::Writers),
            ("GET", format!("/customers/{a}/edit"), vec![], May::Editors),
            ("GET", "/bin".into(), vec![], May::Managers),
            ("GET", "/import".into(), vec![], May::Managers),
            ("GET", "/export".into(), vec![], May::Managers),
            ("GET", "/duplicates".into(), vec![], May::Managers),
            ("GET", "/users".into(), vec![], May::Admins),
            ("POST", "/customers".into(), vec![("kind", "individual".into()), ("name", "新客户".into())], May::Writers),
            ("POST", format!("/customers/{a}"), vec![("name", "甲公司".into()), ("city", "北京".into())], May::Editors),
            ("POST", format!("/customers/{a}/key-people"), vec![("name", "王经理".into())], May::Editors),
            (
                "POST",
                format!("/customers/{a}/people-around"),
                vec![("name", "小王".into()), ("relation", "friend".into())],
                May::Editors,
            ),
            (
                "POST",
                format!("/customers/{a}/interactions"),
                vec![("channel", "phone".into()), ("summary", "回访".into())],
                May::Loggers,
            ),
            ("GET", format!("/key-people/{kp}/edit"), vec![], May::Editors),
            (
                "POST",
                format!("/key-people/{kp}"),
                vec![("name", "刘总".into()), ("attitude", "neutral".into())],
                May::Editors,
            ),
            ("GET", format!("/people-around/{around}/edit"), vec![], May::Editors),
            (
                "POST",
                format!("/people-around/{around}"),
                vec![("name", "刘太太".into()), ("relation", "spouse".into())],
                May::Editors,
            ),
            ("GET", format!("/interactions/{i}/edit"), vec![], May::Editors),
            (
                "POST",
                format!("/interactions/{i}"),
                vec![("channel", "phone".into()), ("summary", "电话，已改".into())],
                May::Editors,
            ),
            ("POST", format!("/key-people/{kp}/delete"), vec![], May::Editors),
            ("POST", format!("/people-around/{around}/delete"), vec![], May::Editors),
            ("POST", format!("/interactions/{i}/delete"), vec![], May::Editors),
            ("POST", format!("/key-people/{kp}/restore"), vec![], May::Editors),
            ("POST", format!("/people-around/{around}/restore"), vec![], May::Editors),
            ("POST", format!("/interactions/{i}/restore"), vec![], May::Editors),
            (
                "POST",
                "/customers/views".into(),
                vec![("name", "我的视图".into()), ("query", "status=customer".into())],
                May::All,
            ),
            ("POST", "/account/language".into(), vec![("lang", "zh-CN".into()), ("back", "/account".into())], May::All),
            ("POST", "/export".into(), vec![("format", "csv".into())], May::Managers),
            ("POST", "/value/recompute".into(), vec![], May::Managers),
            ("POST", "/settings/value".into(), settings_form(), May::Admins),
            ("POST", "/duplicates/dismiss".into(), vec![("a", b.to_string()), ("b", c.to_string())], May::Managers),
            (
                "POST",
                "/merge".into(),
                vec![("keep", b.to_string()), ("drop", c.to_string()), ("confirm", "yes".into())],
                May::Managers,
            ),
            (
                "POST",
                "/users".into(),
                vec![("username", "x".into()), ("display_name", "X".into()), ("role", "read_only".into())],
                May::Admins,
            ),
            (
                "POST",
                format!("/users/{d}"),
                vec![("display_name", "D".into()), ("role", "read_only".into())],
                May::Admins,
            ),
            ("POST", format!("/users/{d}/password"), vec![], May::Admins),
            ("POST", format!("/users/{d}/active"), vec![("active", "true".into())], May::Admins),
            ("POST", format!("/customers/{a}/delete"), vec![], May::Editors),
            ("POST", format!("/customers/{a}/restore"), vec![], May::Managers),
        ];
        let api: Vec<ApiCheck> = vec![
            ("GET", "/api/v1/customers".into(), None, May::All),
            ("GET", format!("/api/v1/customers/{a}"), None, May::All),
            ("GET", format!("/api/v1/customers/{a}/history"), None, May::All),
            ("GET", format!("/api/v1/customers/{a}/key-people"), None, May::All),
            ("GET", format!("/api/v1/customers/{a}/people-around"), None, May::All),
            ("GET", format!("/api/v1/customers/{a}/interactions"), None, May::All),
            ("GET", "/api/v1/tags".into(), None, May::All),
            ("GET", format!("/api/v1/customers/{a}/orders"), None, May::All),
            ("GET", format!("/api/v1/customers/{a}/value"), None, May::All),
            ("GET", "/api/v1/value".into(), None, May::All),
            ("GET", "/api/v1/settings/value".into(), None, May::All),
            ("GET", "/api/v1/orders".into(), None, May::All),
            ("PUT", "/api/v1/settings/value".into(), Some(json!({"top_n": "40"})), May::Admins),
            ("POST", "/api/v1/value/recompute".into(), None, May::Managers),
            ("GET", "/api/v1/value/jobs".into(), None, May::All),
            ("POST", format!("/api/v1/customers/{a}/orders"), Some(json!({"amount": "99"})), May::Editors),
            ("GET", format!("/api/v1/key-people/{kp}"), None, May::All),
            ("GET", format!("/api/v1/people-around/{around}"), None, May::All),
            ("GET", format!("/api/v1/interactions/{i}"), None, May::All),
            ("GET", "/api/v1/me".into(), None, May::All),
            ("GET", "/api/v1/customers?deleted=true".into(), None, May::Managers),
            ("POST", "/api/v1/customers".into(), Some(json!({"kind": "individual", "name": "接口客户"})), May::Writers),
            ("PATCH", format!("/api/v1/customers/{a}"), Some(json!({"city": "上海"})), May::Editors),
            ("POST", format!("/api/v1/customers/{a}/key-people"), Some(json!({"name": "赵工"})), May::Editors),
            ("PATCH", format!("/api/v1/key-people/{kp}"), Some(json!({"attitude": "supporter"})), May::Editors),
            (
                "POST",
                format!("/api/v1/customers/{a}/people-around"),
                Some(json!({"name": "赵太太", "relation": "spouse"})),
                May::Editors,
            ),
            (
                "POST",
                format!("/api/v1/customers/{a}/interactions"),
                Some(json!({"channel": "wechat", "summary": "微信"})),
                May::Loggers,
            ),
            ("PATCH", format!("/api/v1/people-around/{around}"), Some(json!({"notes": "记下"})), May::Editors),
            ("PATCH", format!("/api/v1/interactions/{i}"), Some(json!({"summary": "电话回访"})), May::Editors),
            ("DELETE", format!("/api/v1/key-people/{kp}"), None, May::Editors),
            ("DELETE", format!("/api/v1/people-around/{around}"), None, May::Editors),
            ("DELETE", format!("/api/v1/interactions/{i}"), None, May::Editors),
            ("POST", format!("/api/v1/key-people/{kp}/restore"), None, May::Editors),
            ("POST", format!("/api/v1/people-around/{around}/restore"), None, May::Editors),
            ("POST", format!("/api/v1/interactions/{i}/restore"), None, May::Editors),
            ("GET", "/api/v1/users".into(), None, May::Admins),
            (
                "POST",
                "/api/v1/users".into(),
                Some(json!({"username": "y", "display_name": "Y", "role": "read_only"})),
                May::Admins,
            ),
            ("PATCH", format!("/api/v1/users/{d}"), Some(json!({"team": "T"})), May::Admins),
            ("DELETE", format!("/api/v1/customers/{a}"), None, May::Editors),
            ("POST", format!("/api/v1/customers/{a}/restore"), None, May::Managers),
        ];
        let mut clients: Vec<(&str, Client)> = Vec::new();
        for (name, _) in ROLES {
            clients.push((name, app.signed_in(name).await));
        }
        let mut anonymous = app.client();
        for (method, path, form, may) in &pages {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            for (who, client) in clients.iter_mut() {
                let r = if *method == "GET" { client.get(path).await } else { client.post(path, &pairs).await };
                let ok = allowed(*may, who);
                if ok {
                    assert!(r.status != 403 && r.status != 401, "{be}: {who} {method} {path} refused: {}", r.status);
                } else {
                    assert_eq!(r.status, 403, "{be}: {who} {method} {path} should be refused");
                    assert!(r.text().contains("你的角色"), "{be}: {who} {method} {path}: the reason is given");
                }
            }
            let r = if *method == "GET" { anonymous.get(path).await } else { anonymous.post(path, &pairs).await };
            assert_eq!(r.status, 303, "{be}: anonymous {method} {path}");
            assert!(r.location().starts_with("/login"), "{be}: anonymous {method} {path}");
        }
        for (method, path, body, may) in &api {
            for (who, client) in clients.iter_mut() {
                let r = client.api(method, path, body.clone()).await;
                let ok = allowed(*may, who);
                if ok {
                    assert!(r.status != 403 && r.status != 401, "{be}: {who} {method} {path} refused: {}", r.text());
                } else {
                    assert_eq!(r.status, 403, "{be}: {who} {method} {path} should be refused: {}", r.text());
                    assert_eq!(r.json()["code"], "forbidden");
                    assert!(r.json()["detail"].as_str().unwrap().contains("你的角色"), "{be}");
                }
            }
            let r = anonymous.api(method, path, body.clone()).await;
            assert_eq!(r.status, 401, "{be}: anonymous {method} {path}");
        }
    }
}

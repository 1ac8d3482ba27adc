//! The security review's findings (../shared/reviews/security-review.md), each turned into a
//! test that failed on the code the review read: sign-in, sessions, tokens, redirects, the
//! audit of security events, slow clients.

use crate::kit::{self, Client, apps, apps_with, token_call};
use guanxi_domain::Role;
use guanxi_store::{Actor, TokenScope};
use serde_json::json;

async fn token_of(app: &kit::App, c: &mut Client, scope: &str) -> String {
    let r = c.post("/account/tokens", &[("name", "集成"), ("days", "30"), ("scope", scope)]).await;
    assert_eq!(r.status, 200, "{}: {}", app.backend, r.text());
    let html = r.text();
    html.split("id=\"new-token\">").nth(1).and_then(|s| s.split('<').next()).expect("token shown").to_string()
}

/// F-04: an impossible username costs neither a write nor a hash; sign-in bodies are small;
/// hashes wait for a turn, a few at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_refuses_impossible_input_before_any_work() {
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Admin).await;
        let big = "A".repeat(1_000_000);
        let r = app.client().login(&big, "x").await;
        assert_eq!(r.status, 413, "{b}: a megabyte of username is refused unread");
        let r = app.client().login(&"A".repeat(10_000), "x").await;
        assert_eq!(r.status, 401, "{b}");
        assert!(!r.text().contains(&"A".repeat(100)), "{b}: the page does not echo it back");
        let r = app.client().login("has space", "x").await;
        assert_eq!(r.status, 401, "{b}");
        let mut admin = app.signed_in("boss").await;
        let audit = admin.api("GET", "/api/v1/audit?action=login_failed", None).await.json();
        assert_eq!(audit.as_array().map(Vec::len), Some(0), "{b}: nothing written for impossible names: {audit}");

        // Sixty sign-ins at once from sixty clients: every one answered, never more hashes at
        // once than there are turns.
        let mut tasks = Vec::new();
        for i in 0..60 {
            let mut c = app.client();
            c.from = Some(format!("10.9.{}.{}", i / 200, i % 200));
            tasks.push(tokio::spawn(async move { c.login(&format!("nobody{i}"), "wrong password!").await.status }));
        }
        for t in tasks {
            let status = t.await.unwrap();
            assert!(status == 401 || status == 503, "{b}: {status}");
        }
        let peak = guanxi_web::auth::hashes_peak();
        assert!(peak <= guanxi_web::auth::hash_turns(), "{b}: {peak} hashes at once");
    }
}

/// F-05: parallel guesses all count — at most five password checks per account and client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_count_against_the_limit() {
    for app in apps().await {
        let b = app.backend;
        app.user("victim", Role::SalesRep).await;
        let mut tasks = Vec::new();
        for i in 0..20 {
            let mut c = app.client();
            c.from = Some("10.0.0.5".into());
            tasks.push(tokio::spawn(async move { c.login("victim", &format!("wrong guess {i}")).await.status }));
        }
        let mut checked = 0;
        for t in tasks {
            match t.await.unwrap() {
                401 => checked += 1,
                429 => {}
                other => panic!("{b}: unexpected {other}"),
            }
        }
        assert!(checked <= 5, "{b}: {checked} passwords were checked");
        assert!(checked >= 1, "{b}");
    }
}

/// F-12: a stranger's failures do not lock the owner out, and one client cannot spray
/// passwords over many accounts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_cannot_lock_an_account_and_spraying_is_throttled() {
    for app in apps().await {
        let b = app.backend;
        app.user("li.na", Role::SalesRep).await;
        let mut attacker = app.client();
        attacker.from = Some("203.0.113.7".into());
        for _ in 0..5 {
            assert_eq!(attacker.login("li.na", "not her password").await.status, 401, "{b}");
        }
        assert_eq!(attacker.login("li.na", kit::PASSWORD).await.status, 429, "{b}: the attacker's client waits");
        let mut owner = app.client();
        owner.from = Some("198.51.100.2".into());
        assert_eq!(owner.login("li.na", kit::PASSWORD).await.status, 303, "{b}: the owner signs in from elsewhere");

        // Many accounts from one client: blocked after the client's limit.
        let mut sprayer = app.client();
        sprayer.from = Some("203.0.113.99".into());
        let mut blocked = 0;
        for i in 0..40 {
            if sprayer.login(&format!("user{i}"), "Summer2026!").await.status == 429 {
                blocked += 1;
            }
        }
        assert!(blocked >= 10, "{b}: only {blocked} of 40 refused");
        // A browser that signed in before is not held back by failures elsewhere on its account.
        let mut crowd = Vec::new();
        for i in 0..25 {
            let mut c = app.client();
            c.from = Some(format!("192.0.2.{i}"));
            crowd.push(c);
        }
        for c in &mut crowd {
            c.login("li.na", "wrong again").await;
        }
        let mut stranger = app.client();
        stranger.from = Some("192.0.2.200".into());
        assert_eq!(stranger.login("li.na", kit::PASSWORD).await.status, 429, "{b}: the account is held back…");
        assert_eq!(owner.login("li.na", kit::PASSWORD).await.status, 303, "{b}: …but not for its own browser");
    }
}

/// F-06: the built-in `system` actor never signs in and never gets a password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_system_user_can_never_sign_in() {
    for app in apps().await {
        let b = app.backend;
        app.user("root", Role::Admin).await;
        let mut admin = app.signed_in("root").await;
        let r = admin.post("/users/1/password", &[]).await;
        assert_eq!(r.status, 409, "{b}: {}", r.text());
        let e = app.store.set_password_hash(Actor::SYSTEM, 1, "$argon2id$whatever", false).await.unwrap_err();
        assert!(e.message(guanxi_domain::Lang::En).contains("cannot sign in"), "{b}");
        assert!(
            guanxi_web::set_password(&app.store, Actor::SYSTEM, "system", "a long enough phrase", false).await.is_err()
        );
        assert_eq!(app.client().login("system", "a long enough phrase").await.status, 401, "{b}");
    }
}

/// F-07: tokens end with the password, with the user, at their expiry, and by an admin's hand;
/// a read-only token reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_do_not_outlive_the_credentials() {
    for app in apps().await {
        let b = app.backend;
        app.user("root", Role::Admin).await;
        let victim = app.user("victim", Role::SalesRep).await;
        let mut v = app.signed_in("victim").await;
        let me = |t: String| {
            let addr = app.addr.clone();
            async move { token_call(&addr, &t, "GET", "/api/v1/me", None).await.status }
        };
        // Changing one's password revokes one's tokens.
        let t = token_of(&app, &mut v, "full").await;
        assert_eq!(me(t.clone()).await, 200, "{b}");
        let r = v.post("/account/password", &[("current", kit::PASSWORD), ("new", "a brand new phrase")]).await;
        assert_eq!(r.status, 303, "{b}");
        assert_eq!(me(t).await, 401, "{b}: after a password change");
        // An admin's reset too.
        let t = token_of(&app, &mut v, "full").await;
        let mut admin = app.signed_in("root").await;
        assert_eq!(admin.post(&format!("/users/{}/password", victim.id), &[]).await.status, 200, "{b}");
        assert_eq!(me(t).await, 401, "{b}: after a reset");
        // Disabling and enabling again revives nothing.
        guanxi_web::set_password(&app.store, Actor::SYSTEM, "victim", kit::PASSWORD, false).await.unwrap();
        let mut v = app.signed_in("victim").await;
        let t = token_of(&app, &mut v, "full").await;
        app.store.set_user_active(Actor::SYSTEM, "victim", false).await.unwrap();
        app.store.set_user_active(Actor::SYSTEM, "victim", true).await.unwrap();
        assert_eq!(me(t).await, 401, "{b}: after disable and enable");
        // An admin revokes anyone's token from the users page.
        let mut v = app.signed_in("victim").await;
        let t = token_of(&app, &mut v, "read").await;
        let id = app.store.api_tokens(Some(victim.id)).await.unwrap()[0].id;
        let all = admin.api("GET", "/api/v1/tokens?all=true", None).await.json();
        assert!(all.as_array().unwrap().iter().any(|x| x["id"] == id && x["scope"] == "read"), "{b}: {all}");
        assert!(admin.get("/users").await.text().contains(&format!("/users/tokens/{id}/revoke")), "{b}");
        // A read-only token reads and cannot write.
        assert_eq!(me(t.clone()).await, 200, "{b}");
        let r = token_call(&app.addr, &t, "POST", "/api/v1/customers", Some(json!({"name": "x"}))).await;
        assert_eq!((r.status, r.json()["code"].as_str()), (403, Some("read_only_token")), "{b}");
        assert_eq!(admin.post(&format!("/users/tokens/{id}/revoke"), &[]).await.status, 303, "{b}");
        assert_eq!(me(t).await, 401, "{b}: revoked by an admin");
        // A token past its expiry.
        let hash = guanxi_web::auth::secret_hash("gx_expired");
        let past = chrono::Utc::now() - chrono::Duration::minutes(1);
        app.store.create_api_token(victim.id, "old", &hash, "ired", past, TokenScope::Full).await.unwrap();
        assert_eq!(me("gx_expired".into()).await, 401, "{b}: expired");
        // A lifetime that is not offered is refused by name.
        let r = v.post("/account/tokens", &[("name", "x"), ("days", "100000")]).await;
        assert_eq!(r.status, 422, "{b}");
    }
}

/// F-08 and F-19: `next` and `back` lead only into Guanxi, whatever characters they carry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_never_leave_the_site() {
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        let mut c = app.signed_in("boss").await;
        for next in ["/%09/evil.example/", "/%0A/evil.example", "/%5Cevil.example", "//evil.example"] {
            let r = c.get(&format!("/login?next={next}")).await;
            assert_eq!((r.status, r.location()), (303, "/customers"), "{b}: {next}");
        }
        let r = c.post("/account/language", &[("lang", "en"), ("back", "/\t/evil.example/")]).await;
        assert_eq!(r.location(), "/customers", "{b}");
        // A line break in `next` after signing in: no 500, no header injection.
        let r = app
            .client()
            .post("/login", &[("username", "boss"), ("password", kit::PASSWORD), ("next", "/x\r\nSet-Cookie: a=b")])
            .await;
        assert_eq!((r.status, r.location()), (303, "/customers"), "{b}");
    }
}

/// F-13: a session ends at its absolute lifetime however busy, managing users needs the
/// password again after a while, and a disabled user's sessions do not come back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_have_an_absolute_end_and_user_management_asks_again() {
    // An absolute lifetime of zero: every session is past it the moment after sign-in.
    for app in apps_with(|c| c.sessions.absolute = chrono::Duration::zero()).await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        let mut c = app.signed_in("boss").await;
        let r = c.get("/customers").await;
        assert_eq!(r.status, 303, "{b}: used a moment ago, but past the absolute end");
        assert!(r.location().starts_with("/login"), "{b}");
    }
    for app in apps().await {
        let b = app.backend;
        let root = app.user("root", Role::Admin).await;
        let mut c = app.signed_in("root").await;
        assert_eq!(c.get("/users").await.status, 200, "{b}: just signed in");
        // A session whose password was entered long ago is asked for it again.
        let token = "an-old-session";
        let hash = guanxi_web::auth::secret_hash(token);
        app.store.create_session(&hash, root.id, chrono::Utc::now() + chrono::Duration::hours(1)).await.unwrap();
        let mut old = app.client();
        old.cookies = vec![("gx_session".into(), token.into())];
        assert_eq!(old.get("/users").await.status, 200, "{b}: a new session counts as fresh");
        app.store.reauthenticate_session(&hash).await.unwrap();
        // Age the proof: nothing but a new session or re-entry refreshes it, so check the rule
        // through the viewer instead of waiting.
        let stale = guanxi_web::auth::Viewer {
            user: root.clone(),
            via: guanxi_web::auth::Via::Session {
                hash: hash.clone(),
                authenticated_at: chrono::Utc::now() - chrono::Duration::minutes(16),
            },
        };
        assert!(stale.recently_authenticated().is_err(), "{b}");
        let r = old.get("/reauth?next=/users").await;
        assert!(r.text().contains("再输入一次你的密码"), "{b}");
        let r = old.post("/reauth", &[("password", "wrong"), ("next", "/users")]).await;
        assert_eq!(r.status, 401, "{b}");
        let r = old.post("/reauth", &[("password", kit::PASSWORD), ("next", "/users")]).await;
        assert_eq!((r.status, r.location()), (303, "/users"), "{b}");
    }
}

/// F-15: sign-ins, failures, blocks and sign-outs are in the audit log with the client's
/// address, for admins to read on a page, through the API and on the command line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_events_are_audited_for_admins() {
    for app in apps().await {
        let b = app.backend;
        app.user("root", Role::Admin).await;
        app.user("mgr", Role::Manager).await;
        let mut c = app.client();
        c.from = Some("198.51.100.23".into());
        assert_eq!(c.login("mgr", "not the password").await.status, 401, "{b}");
        assert_eq!(c.login("mgr", kit::PASSWORD).await.status, 303, "{b}");
        c.post("/logout", &[]).await;
        let mut admin = app.signed_in("root").await;
        let entries = admin.api("GET", "/api/v1/audit?limit=20", None).await.json();
        let find = |action: &str| {
            let who = if action == "login_failed" { "system" } else { "mgr" };
            entries
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["action"] == action && e["actor"] == who)
                .cloned()
                .unwrap_or_default()
        };
        assert_eq!(find("login_failed")["note"], "mgr", "{b}: {entries}");
        assert_eq!(find("login_failed")["client"], "198.51.100.23", "{b}");
        assert_eq!(find("login")["actor"], "mgr", "{b}");
        assert_eq!(find("login")["client"], "198.51.100.23", "{b}");
        assert_eq!(find("logout")["actor"], "mgr", "{b}");
        let only = admin.api("GET", "/api/v1/audit?user=mgr&action=login", None).await.json();
        assert!(only.as_array().unwrap().iter().all(|e| e["action"] == "login" && e["actor"] == "mgr"), "{b}");
        let page = admin.get("/audit?action=login_failed").await.text();
        assert!(page.contains("登录失败") && page.contains("198.51.100.23"), "{b}");
        let bad = admin.api("GET", "/api/v1/audit?from=yesterday", None).await;
        assert_eq!(bad.status, 400, "{b}");
        let mut mgr = app.signed_in("mgr").await;
        assert_eq!(mgr.api("GET", "/api/v1/audit", None).await.status, 403, "{b}");
        assert_eq!(mgr.get("/audit").await.status, 403, "{b}");
    }
}

/// F-16: a client that never finishes its headers is cut off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = apps_with(|c| c.header_timeout = std::time::Duration::from_secs(1)).await.into_iter().next().unwrap();
    let mut s = tokio::net::TcpStream::connect(&app.addr).await.unwrap();
    s.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\nX-a: ").await.unwrap();
    let mut buf = [0u8; 1024];
    let closed = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the connection was still open after 10 s");
    // Others are served as before.
    assert_eq!(app.client().get("/login").await.status, 200);
}

/// F-19: over HTTPS the session cookie carries the `__Host-` prefix and responses HSTS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_deployments_get_host_cookies_and_hsts() {
    let app = apps_with(|c| c.secure_cookies = true).await.into_iter().next().unwrap();
    app.user("boss", Role::Manager).await;
    let r = app.client().login("boss", kit::PASSWORD).await;
    let cookie = r.headers.iter().find(|(k, v)| k.eq_ignore_ascii_case("set-cookie") && v.contains("gx_session"));
    let cookie = &cookie.expect("a session cookie").1;
    assert!(
        cookie.starts_with("__Host-gx_session=") && cookie.contains("Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(r.header("strict-transport-security").is_some_and(|h| h.contains("max-age=")));
}

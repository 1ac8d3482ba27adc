//! The web test kit: a real server on a free loopback port over a fresh database per backend
//! (SQLite always; PostgreSQL when `GUANXI_TEST_PG` is set, required under `CI=true`), a small
//! HTTP/1.1 client with a cookie jar that behaves like a browser's form posts, and a WebDriver
//! client for headless Chromium (see `browser`).

#![allow(dead_code)]

pub mod browser;
/// The messages the test SMTP server received (shared with the outbox crate's tests).
#[path = "../../../outbox/tests/mailbox/mod.rs"]
pub mod mailbox;
pub mod openapi;

use guanxi_domain::Role;
use guanxi_store::{Actor, NewUser, Store};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use guanxi_store::scratch::Scratch;

/// A running Guanxi on one backend.
pub struct App {
    pub backend: &'static str,
    pub addr: String,
    pub store: Store,
    /// The database behind it, removed when the app is dropped.
    pub scratch: Scratch,
}

pub const PASSWORD: &str = "correct-horse-42";

/// One running app per backend under test.
pub async fn apps() -> Vec<App> {
    apps_with(|_| {}).await
}

/// The same with settings changed: short limits make a test of them quick.
pub async fn apps_with(configure: impl Fn(&mut guanxi_web::Config)) -> Vec<App> {
    let mut stores = Vec::new();
    let scratch = Scratch::new();
    stores.push(("sqlite", Store::open(&scratch.sqlite("guanxi-web-tests")).await.expect("open sqlite"), scratch));
    let scratch = Scratch::new();
    if let Some(url) = scratch.postgres("guanxi_web").await {
        stores.push(("postgres", Store::open(&url).await.expect("open postgres"), scratch));
    }
    let mut out = Vec::new();
    for (backend, store, scratch) in stores {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        // Tests stand for several clients by the address a proxy would put in X-Forwarded-For.
        let mut config = guanxi_web::Config {
            max_upload: 2 * 1024 * 1024,
            client_ip_header: Some("X-Forwarded-For".into()),
            ..Default::default()
        };
        configure(&mut config);
        tokio::spawn(guanxi_web::serve(listener, store.clone(), config));
        out.push(App { backend, addr, store, scratch });
    }
    out
}

impl App {
    /// Adds a user with [`PASSWORD`].
    pub async fn user(&self, username: &str, role: Role) -> guanxi_store::User {
        self.named_user(username, &format!("{username} 用户"), role).await
    }

    /// A user who goes by `display_name`.
    pub async fn named_user(&self, username: &str, display_name: &str, role: Role) -> guanxi_store::User {
        let u = self
            .store
            .add_user(
                Actor::SYSTEM,
                &NewUser { username: username.into(), display_name: display_name.into(), role, team: None },
            )
            .await
            .expect("add user");
        guanxi_web::set_password(&self.store, Actor::SYSTEM, username, PASSWORD, false).await.expect("set password");
        u
    }

    pub fn client(&self) -> Client {
        Client { addr: self.addr.clone(), cookies: Vec::new(), lang: None, from: None }
    }

    /// A client signed in as `username`.
    pub async fn signed_in(&self, username: &str) -> Client {
        let mut c = self.client();
        let r = c.login(username, PASSWORD).await;
        assert_eq!(r.status, 303, "sign-in as {username} failed: {}", r.text());
        c
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = body.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&body[..eol]).trim(), 16).unwrap_or(0);
        body = &body[eol + 2..];
        if size == 0 || body.len() < size {
            break;
        }
        out.extend_from_slice(&body[..size]);
        body = &body[(size + 2).min(body.len())..];
    }
    out
}

/// One HTTP/1.1 request on its own connection. An answer from `/api/v1` must be what the
/// OpenAPI document says it can be (see `openapi`), or the test fails here.
pub async fn http(addr: &str, method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> Resp {
    let r = raw_http(addr, method, path, headers, body).await;
    if path.starts_with("/api/v1/") && !path.starts_with("/api/v1/openapi.json") {
        let doc = openapi::document(addr).await;
        if let Err(e) = openapi::check(doc, method, path, r.status, r.header("content-type"), &r.body) {
            panic!("the API answered differently from its OpenAPI document: {e}\nbody: {}", r.text());
        }
    }
    r
}

/// [`http`] without the check against the document.
pub async fn raw_http(addr: &str, method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> Resp {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    // A server may answer (413) before reading a large body; a failed write is then expected.
    let _ = s.write_all(body).await;
    // Read the head, then exactly the body it announces: a WebDriver server may keep the
    // connection open despite `Connection: close`.
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 16384];
    let split = loop {
        if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = s.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            panic!("no response head from {addr} for {method} {path}: {:?}", String::from_utf8_lossy(&raw));
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("status");
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let header = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    let length = header("content-length").and_then(|v| v.parse::<usize>().ok());
    let chunked = header("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    loop {
        let have = raw.len() - split - 4;
        let done = match length {
            Some(l) => have >= l,
            None if chunked => raw.ends_with(b"0\r\n\r\n"),
            None => false,
        };
        if done || method == "HEAD" || status == 204 || status == 304 {
            break;
        }
        let n = s.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let mut body = raw[split + 4..].to_vec();
    if chunked {
        body = dechunk(&body);
    }
    Resp { status, headers, body }
}

pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).expect("encode")
}

/// HTML text as a reader sees it: character references decoded.
pub fn decoded(html: &str) -> String {
    let mut out = html.to_string();
    for (entity, ch) in [
        ("&lt;", "<"),
        ("&#60;", "<"),
        ("&gt;", ">"),
        ("&#62;", ">"),
        ("&quot;", "\""),
        ("&#34;", "\""),
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&amp;", "&"),
        ("&#38;", "&"),
    ] {
        out = out.replace(entity, ch);
    }
    out
}

/// A browser-like client: keeps cookies, sends `Origin` and `Sec-Fetch-Site` with posts.
pub struct Client {
    pub addr: String,
    pub cookies: Vec<(String, String)>,
    /// Sent as Accept-Language.
    pub lang: Option<String>,
    /// The client's address, sent as a proxy would in X-Forwarded-For.
    pub from: Option<String>,
}

impl Client {
    fn headers(&self, extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut h: Vec<(String, String)> = extra.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        if !self.cookies.is_empty() {
            let c = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            h.push(("Cookie".into(), c));
        }
        if let Some(l) = &self.lang {
            h.push(("Accept-Language".into(), l.clone()));
        }
        if let Some(a) = &self.from {
            h.push(("X-Forwarded-For".into(), a.clone()));
        }
        h
    }

    fn keep_cookies(&mut self, r: &Resp) {
        for (k, v) in &r.headers {
            if k.eq_ignore_ascii_case("set-cookie")
                && let Some((name, rest)) = v.split_once('=')
            {
                let value = rest.split(';').next().unwrap_or("").to_string();
                self.cookies.retain(|(n, _)| n != name);
                if !value.is_empty() && !v.contains("Max-Age=0") {
                    self.cookies.push((name.to_string(), value));
                }
            }
        }
    }

    pub async fn send(&mut self, method: &str, path: &str, extra: &[(&str, &str)], body: &[u8]) -> Resp {
        let r = http(&self.addr, method, path, &self.headers(extra), body).await;
        self.keep_cookies(&r);
        r
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.send("GET", path, &[], b"").await
    }

    /// A form post as a browser sends it from one of our pages.
    /// `post` with owned values.
    pub async fn post_pairs(&mut self, path: &str, pairs: &[(&str, String)]) -> Resp {
        let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.post(path, &borrowed).await
    }

    pub async fn post(&mut self, path: &str, pairs: &[(&str, &str)]) -> Resp {
        let origin = format!("http://{}", self.addr);
        let body = form_encode(pairs);
        self.send(
            "POST",
            path,
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Origin", &origin),
                ("Sec-Fetch-Site", "same-origin"),
            ],
            body.as_bytes(),
        )
        .await
    }

    pub async fn login(&mut self, username: &str, password: &str) -> Resp {
        self.post("/login", &[("username", username), ("password", password), ("next", "/customers")]).await
    }

    /// A JSON API call with the session cookie (and the browser's same-origin headers).
    pub async fn api(&mut self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let origin = format!("http://{}", self.addr);
        let bytes = body.map(|b| b.to_string()).unwrap_or_default();
        self.send(
            method,
            path,
            &[("Content-Type", "application/json"), ("Origin", &origin), ("Sec-Fetch-Site", "same-origin")],
            bytes.as_bytes(),
        )
        .await
    }
}

/// A JSON API call with a bearer token and no cookies, as an integration makes it.
pub async fn token_call(addr: &str, token: &str, method: &str, path: &str, body: Option<Value>) -> Resp {
    let bytes = body.map(|b| b.to_string()).unwrap_or_default();
    let headers = vec![
        ("Authorization".to_string(), format!("Bearer {token}")),
        ("Content-Type".to_string(), "application/json".to_string()),
    ];
    http(addr, method, path, &headers, bytes.as_bytes()).await
}

/// Creates a customer through the API and returns its id.
pub async fn customer(c: &mut Client, body: Value) -> i64 {
    let r = c.api("POST", "/api/v1/customers", Some(body)).await;
    assert_eq!(r.status, 201, "create customer: {}", r.text());
    r.json()["id"].as_i64().expect("id")
}

/// Waits (polling, up to a minute) until `n` value recomputes someone asked for are done;
/// returns the latest. A failed one fails the test with its error.
pub async fn wait_for_job(c: &mut Client, n: usize) -> serde_json::Value {
    for _ in 0..1200 {
        let jobs = c.api("GET", "/api/v1/value/jobs", None).await.json();
        let asked: Vec<&serde_json::Value> =
            jobs.as_array().into_iter().flatten().filter(|j| j["kind"] == "value.recompute").collect();
        assert!(!asked.iter().any(|j| j["state"] == "failed"), "a job failed: {jobs}");
        if asked.len() >= n && asked.iter().all(|j| j["state"] == "done") {
            return asked[0].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the recompute did not finish within a minute");
}

//! Headless Chromium driven over WebDriver (Debian's `chromium` and `chromium-driver`).
//!
//! The protocol is JSON over HTTP, so the kit's own HTTP client is all it takes. Without
//! chromedriver the browser tests are skipped with a message, except under `CI=true`, where
//! that is a failure.

use super::http;
use base64::Engine;
use serde_json::{Value, json};
use std::path::PathBuf;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    driver: String,
    session: String,
    child: tokio::process::Child,
    /// The browser's profile folder, removed with the browser.
    _profile: guanxi_store::scratch::Scratch,
}

/// Where screenshots go: `target/screenshots`, beside the rest of the test output.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target")));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

impl Browser {
    /// Starts chromedriver and a headless Chromium; `None` (with a message) when they are not
    /// installed outside CI.
    pub async fn start() -> Option<Browser> {
        let driver_bin = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let Some(driver_bin) = driver_bin else {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "CI=true but chromedriver is missing (scripts/test.sh installs chromium and chromium-driver)"
            );
            eprintln!(
                "skipping browser tests: chromedriver is not installed (apt-get install chromium chromium-driver)"
            );
            return None;
        };
        let port = free_port();
        let child = tokio::process::Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let driver = format!("127.0.0.1:{port}");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(&driver).await.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let scratch = guanxi_store::scratch::Scratch::new();
        let profile = scratch.folder("guanxi-chromium-profiles");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--no-first-run", "--disable-quic", "--lang=zh-CN", "--window-size=1280,900",
                         format!("--user-data-dir={}", profile.display())],
                "prefs": {"intl.accept_languages": "zh-CN,zh"}
            }
        }}});
        let mut b = Browser { driver, session: String::new(), child, _profile: scratch };
        let v = b.call("POST", "/session", Some(caps)).await;
        b.session = v["sessionId"].as_str().unwrap_or_else(|| panic!("no WebDriver session: {v}")).to_string();
        Some(b)
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let bytes =
            body.map(|b| b.to_string()).unwrap_or_else(|| if method == "POST" { "{}".into() } else { String::new() });
        let headers = vec![("Content-Type".to_string(), "application/json".to_string())];
        let r = http(&self.driver, method, path, &headers, bytes.as_bytes()).await;
        let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        assert!(r.status < 400, "WebDriver {method} {path}: {}", r.text());
        v["value"].clone()
    }

    async fn s(&self, method: &str, rest: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{rest}", self.session);
        self.call(method, &path, body).await
    }

    pub async fn goto(&self, url: &str) {
        self.s("POST", "/url", Some(json!({"url": url}))).await;
    }

    pub async fn url(&self) -> String {
        self.s("GET", "/url", None).await.as_str().unwrap_or("").to_string()
    }

    pub async fn source(&self) -> String {
        self.s("GET", "/source", None).await.as_str().unwrap_or("").to_string()
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        self.script("return document.body.innerText").await.as_str().unwrap_or("").to_string()
    }

    pub async fn script(&self, js: &str) -> Value {
        self.s("POST", "/execute/sync", Some(json!({"script": js, "args": []}))).await
    }

    /// The element matching `css`, waiting up to 5 s for it to appear.
    pub async fn find(&self, css: &str) -> String {
        for _ in 0..50 {
            let path = format!("/session/{}/element", self.session);
            let headers = vec![("Content-Type".to_string(), "application/json".to_string())];
            let body = json!({"using": "css selector", "value": css}).to_string();
            let r = http(&self.driver, "POST", &path, &headers, body.as_bytes()).await;
            if r.status == 200 {
                let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
                if let Some(id) = v["value"][ELEMENT].as_str() {
                    return id.to_string();
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no element {css} on {}:\n{}", self.url().await, self.text().await);
    }

    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.s("POST", &format!("/element/{el}/click"), Some(json!({}))).await;
    }

    /// Clicks something that loads a new page (a link, a submit button) and waits for it.
    pub async fn follow(&self, css: &str) {
        self.script("window.__guanxi_old_page = true").await;
        self.click(css).await;
        self.wait_for_new_page(css).await;
    }

    /// Runs `js`, which loads a new page (a drop that submits a form), and waits for it.
    pub async fn follow_script(&self, js: &str) {
        self.script("window.__guanxi_old_page = true").await;
        self.script(js).await;
        self.wait_for_new_page(js).await;
    }

    async fn wait_for_new_page(&self, what: &str) {
        for _ in 0..200 {
            let v = self
                .script("return window.__guanxi_old_page === undefined && document.readyState === 'complete'")
                .await;
            if v.as_bool() == Some(true) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("{what} did not load a page (still on {})", self.url().await);
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.s("POST", &format!("/element/{el}/clear"), Some(json!({}))).await;
        self.s("POST", &format!("/element/{el}/value"), Some(json!({"text": text}))).await;
    }

    /// Chooses the option with `value` in a select.
    pub async fn select(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value=\"{value}\"]")).await;
    }

    pub async fn resize(&self, width: u32, height: u32) {
        self.s("POST", "/window/rect", Some(json!({"width": width, "height": height}))).await;
    }

    /// Saves a full-page screenshot as `target/screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) {
        let width = self.script("return window.outerWidth").await.as_u64().unwrap_or(1280) as u32;
        let height = self.script("return document.documentElement.scrollHeight").await.as_u64().unwrap_or(900) as u32;
        self.resize(width, height.clamp(600, 5000)).await;
        let png = self.s("GET", "/screenshot", None).await;
        let bytes = base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap_or("")).expect("base64");
        std::fs::write(screenshot_dir().join(format!("{name}.png")), bytes).expect("write screenshot");
        self.resize(width, 900).await;
    }

    pub async fn delete_cookies(&self) {
        self.s("DELETE", "/cookie", None).await;
    }

    pub async fn quit(mut self) {
        let path = format!("/session/{}", self.session);
        let _ = http(&self.driver, "DELETE", &path, &[], b"").await;
        let _ = self.child.kill().await;
    }
}

//! `guanxi bench web`: a load generator over loopback against the web app serving the open
//! database. It starts the server in this process on a free port, signs a benchmark user in
//! (a session made directly, so that password hashing is not what gets measured), and keeps
//! `concurrency` HTTP/1.1 connections busy per endpoint, bounded by a request count and a time.

use crate::{Ctx, UserError, store_err};
use anyhow::{Context, Result};
use guanxi_domain::Role;
use guanxi_store::{Actor, NewUser};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BENCH_USER: &str = "bench.admin";

/// One keep-alive connection.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(addr: &str) -> Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn { stream, buf: Vec::with_capacity(64 * 1024) })
    }

    /// Sends a GET and reads the whole response; returns the status.
    async fn get(&mut self, host: &str, path: &str, cookie: &str) -> Result<u16> {
        let req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nAccept-Language: zh-CN\r\n\r\n");
        self.stream.write_all(req.as_bytes()).await?;
        self.buf.clear();
        let mut chunk = [0u8; 16 * 1024];
        let (head_end, length) = loop {
            if let Some(p) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..p]).context("response head")?;
                let length = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length").then(|| v.trim().parse::<usize>().ok()).flatten()
                    })
                    .context("the benchmark needs responses with Content-Length")?;
                break (p + 4, length);
            }
            let n = self.stream.read(&mut chunk).await?;
            anyhow::ensure!(n > 0, "connection closed");
            self.buf.extend_from_slice(&chunk[..n]);
        };
        while self.buf.len() < head_end + length {
            let n = self.stream.read(&mut chunk).await?;
            anyhow::ensure!(n > 0, "connection closed");
            self.buf.extend_from_slice(&chunk[..n]);
        }
        let status = std::str::from_utf8(&self.buf[9..12]).ok().and_then(|s| s.parse().ok()).unwrap_or(0);
        Ok(status)
    }
}

/// Runs `paths` (cycled) on `concurrency` connections until `requests` are done or `limit`
/// has passed; returns (requests done, seconds, sorted latencies in ms).
async fn hammer(
    addr: &str,
    cookie: &str,
    paths: Arc<Vec<String>>,
    requests: usize,
    limit: Duration,
    concurrency: usize,
) -> Result<(usize, f64, Vec<f64>)> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (addr, cookie, paths, next) = (addr.to_string(), cookie.to_string(), paths.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut conn = Conn::open(&addr).await?;
            let mut times = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests || started.elapsed() >= limit {
                    break;
                }
                let path = &paths[i % paths.len()];
                let t = Instant::now();
                let status = conn.get(&addr, path, &cookie).await?;
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                anyhow::ensure!(status == 200, "GET {path} answered {status}");
            }
            anyhow::Ok(times)
        }));
    }
    let mut times = Vec::new();
    for w in workers {
        times.extend(w.await??);
    }
    let secs = started.elapsed().as_secs_f64();
    times.sort_by(|a, b| a.total_cmp(b));
    Ok((times.len(), secs, times))
}

/// The web app serving the open database in this process, and a signed-in benchmark user.
pub struct Served {
    addr: String,
    cookie: String,
    token: String,
}

impl Served {
    pub async fn start(ctx: &Ctx) -> Result<Served> {
        let err = store_err(ctx.lang);
        let user = match ctx.store.user_by_username(BENCH_USER).await.map_err(&err)? {
            Some(u) => u,
            None => ctx
                .store
                .add_user(
                    Actor::SYSTEM,
                    &NewUser {
                        username: BENCH_USER.into(),
                        display_name: "基准测试".into(),
                        role: Role::Admin,
                        team: None,
                    },
                )
                .await
                .map_err(&err)?,
        };
        Served::start_as(ctx, &user).await
    }

    /// The web app, with `user` signed in (a rep's or a manager's pages).
    pub async fn start_as(ctx: &Ctx, user: &guanxi_store::User) -> Result<Served> {
        let err = store_err(ctx.lang);
        let token = guanxi_web::auth::random_secret(32).map_err(|e| UserError(e.message(ctx.lang)))?;
        let expires = chrono::Utc::now() + chrono::Duration::hours(1);
        ctx.store.create_session(&guanxi_web::auth::secret_hash(&token), user.id, expires).await.map_err(&err)?;
        let cookie = format!("{}={token}", guanxi_web::auth::SESSION_COOKIE);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?.to_string();
        tokio::spawn(guanxi_web::serve(listener, ctx.store.clone(), guanxi_web::Config::default()));
        Ok(Served { addr, cookie, token })
    }

    /// Warms up on `paths`, then measures them and prints one JSON line named `name` with
    /// `extra` merged in.
    pub async fn measure(
        &self,
        name: &str,
        paths: Vec<String>,
        requests: usize,
        limit: Duration,
        concurrency: usize,
        extra: serde_json::Value,
    ) -> Result<()> {
        let paths = Arc::new(paths);
        // Warm up: the first requests of each kind fill caches that every later one shares.
        hammer(&self.addr, &self.cookie, paths.clone(), 50.min(requests), limit, concurrency).await?;
        let (n, secs, times) = hammer(&self.addr, &self.cookie, paths, requests, limit, concurrency).await?;
        let pct = |p: f64| times.get(((times.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(0.0);
        let mut line = serde_json::json!({
            "bench": "web", "endpoint": name, "concurrency": concurrency,
            "requests": n, "seconds": secs, "requests_per_second": n as f64 / secs,
            "p50_ms": pct(0.5), "p99_ms": pct(0.99), "max_ms": pct(1.0),
        });
        if let (Some(l), Some(e)) = (line.as_object_mut(), extra.as_object()) {
            l.extend(e.clone());
        }
        println!("{line}");
        Ok(())
    }

    pub async fn finish(self, ctx: &Ctx) -> Result<()> {
        ctx.store.delete_session(&guanxi_web::auth::secret_hash(&self.token)).await.map_err(store_err(ctx.lang))?;
        Ok(())
    }
}

pub async fn run(ctx: &Ctx, requests: usize, limit: Duration, concurrency: usize, seed: u64) -> Result<()> {
    let err = store_err(ctx.lang);
    let total = crate::generate::customers_to_measure(ctx).await?;
    let served = Served::start(ctx).await?;
    let queries = crate::generate::mixed_queries(ctx, 500, seed, total).await?;
    let mut rng = crate::generate::Rng::new(seed);
    let first = ctx.store.export_batch(0, 1).await.map_err(&err)?.first().map(|c| c.id).unwrap_or(1);
    let ids: Vec<i64> = (0..500).map(|_| first + rng.below(total as usize) as i64).collect();
    let enc = |q: &str| guanxi_web::html::url_encode(q);
    let endpoints: Vec<(&str, Vec<String>)> = vec![
        ("list_page", (1..=20).map(|p| format!("/customers?page={p}")).collect()),
        ("list_page_search", queries.iter().map(|(q, _)| format!("/customers?q={}", enc(q))).collect()),
        ("customer_page", ids.iter().map(|id| format!("/customers/{id}")).collect()),
        ("api_list", (1..=20).map(|p| format!("/api/v1/customers?page={p}")).collect()),
        ("api_search", queries.iter().map(|(q, _)| format!("/api/v1/customers?q={}", enc(q))).collect()),
        ("api_get", ids.iter().map(|id| format!("/api/v1/customers/{id}")).collect()),
    ];
    for (name, paths) in endpoints {
        served.measure(name, paths, requests, limit, concurrency, serde_json::json!({"customers": total})).await?;
    }
    served.finish(ctx).await
}

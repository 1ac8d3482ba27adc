//! The test kit: a fresh, migrated database on every backend under test.
//!
//! SQLite always; PostgreSQL when `GUANXI_TEST_PG` names a server (the test command starts
//! one). Under `CI=true` a missing PostgreSQL fails the test instead of skipping it.

use guanxi_store::Store;
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{n}_{}", std::process::id(), nanos % 1_000_000_000)
}

/// A fresh store per backend: ("sqlite", store), ("postgres", store).
pub async fn stores() -> Vec<(&'static str, Store)> {
    let mut out = Vec::new();
    let dir = std::env::temp_dir().join("guanxi-store-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{}.db", unique("t")));
    out.push(("sqlite", Store::open(path.to_str().expect("utf-8 path")).await.expect("open sqlite")));
    match std::env::var("GUANXI_TEST_PG") {
        Ok(admin) if !admin.is_empty() => {
            let url =
                guanxi_store::create_postgres_database(&admin, &unique("guanxi_test")).await.expect("create database");
            out.push(("postgres", Store::open(&url).await.expect("open postgres")));
        }
        _ => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("CI=true but GUANXI_TEST_PG is not set: the PostgreSQL half of the suite cannot be skipped");
            }
        }
    }
    out
}

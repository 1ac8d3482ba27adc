//! The test kit: a fresh, migrated database on every backend under test.
//!
//! SQLite always; PostgreSQL when `GUANXI_TEST_PG` names a server (the test command starts
//! one). Under `CI=true` a missing PostgreSQL fails the test instead of skipping it. Each
//! database is removed again when the test ends ([`guanxi_store::scratch`]).

use guanxi_store::Store;
use guanxi_store::scratch::Scratch;

/// A store under test; the database behind it is removed when it is dropped.
pub struct TestStore {
    store: Store,
    /// The database's path or URL (for a second connection of a test's own).
    pub url: String,
    _scratch: Scratch,
}

impl std::ops::Deref for TestStore {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

/// A fresh store per backend: ("sqlite", store), ("postgres", store).
pub async fn stores() -> Vec<(&'static str, TestStore)> {
    let mut out = Vec::new();
    let scratch = Scratch::new();
    let url = scratch.sqlite("guanxi-store-tests");
    let store = Store::open(&url).await.expect("open sqlite");
    out.push(("sqlite", TestStore { store, url, _scratch: scratch }));
    let scratch = Scratch::new();
    if let Some(url) = scratch.postgres("guanxi_test").await {
        let store = Store::open(&url).await.expect("open postgres");
        out.push(("postgres", TestStore { store, url, _scratch: scratch }));
    }
    out
}

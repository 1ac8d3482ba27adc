//! Guanxi's storage: the only crate with SQL in it.
//!
//! One [`Store`] over either an embedded SQLite file or a PostgreSQL server. Each operation is
//! written once, in `ops/`, against a type alias `DB`; that module is compiled twice — once
//! with `DB = Sqlite`, once with `DB = Postgres` — so every query body is checked against both
//! drivers without generic bounds, and nothing above this crate knows which database is there.
//! Where the dialects differ (full-text search, a few functions) `ops` asks `DIALECT`.

mod error;
mod migrations;
mod model;
pub mod scratch;

pub use error::{StoreError, Unavailable};
pub use guanxi_domain::ImportRow;
pub use model::*;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

mod pg;
mod sqlite;
mod sqlite_raw;

#[derive(Clone, Debug)]
enum Db {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// Runs the same operation on whichever backend is open.
macro_rules! dispatch {
    ($self:ident, $f:ident ( $($arg:expr),* $(,)? )) => {
        match &$self.db {
            Db::Sqlite(pool) => sqlite::ops::$f(pool, $($arg),*).await,
            Db::Pg(pool) => pg::ops::$f(pool, $($arg),*).await,
        }
    };
}

// Each feature's `impl Store` block, beside its SQL in `ops/`.
mod audit;
mod auth;
mod cadences;
mod competitors;
mod customers;
mod duplicates;
mod imports;
mod jobs;
mod letters;
mod notifications;
mod orders;
mod outbox;
mod people;
mod relationships;
mod reminders;
mod sales;
mod search;
mod settings;
mod standing;
mod surveys;
mod tasks;
mod winback;

pub use imports::ImportSession;

/// The next instant after `now` when it is `hour`:00 in China.
pub fn next_china_time(now: chrono::DateTime<chrono::Utc>, hour: u32) -> chrono::DateTime<chrono::Utc> {
    let today = guanxi_domain::china::day(now);
    let at = |d: chrono::NaiveDate| end_of_china_day(d) - chrono::Duration::hours(24 - hour as i64);
    if at(today) > now { at(today) } else { at(today + chrono::Duration::days(1)) }
}

/// What background jobs there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// A recompute of every customer's value that someone asked for.
    RecomputeValues,
    /// The same every night; each run schedules the next. Value runs recompute every
    /// customer's relationship standing after them (it uses their tiers and P(alive)).
    NightlyValues,
    /// A recompute of every customer's relationship standing that someone asked for.
    RecomputeStanding,
}

impl JobKind {
    pub fn code(self) -> &'static str {
        match self {
            JobKind::RecomputeValues => "value.recompute",
            JobKind::NightlyValues => "value.nightly",
            JobKind::RecomputeStanding => "relationships.recompute",
        }
    }

    pub fn parse(s: &str) -> Option<JobKind> {
        [JobKind::RecomputeValues, JobKind::NightlyValues, JobKind::RecomputeStanding]
            .into_iter()
            .find(|k| k.code() == s)
    }

    pub(crate) fn max_attempts(self) -> u32 {
        3
    }
}

/// Why a SQLite file may not open, in words (problem 12 of the reliability review: "unable to
/// open database file (code 14)" said nothing of a read-only file or file system). SQLite writes
/// its journal (`-wal`, `-shm`) beside the file, so the folder must be writable too.
/// Why a SQLite file cannot be written, in Chinese and English, if it cannot.
fn unwritable(path: &str) -> Option<(String, String)> {
    let file = std::path::Path::new(path);
    if std::fs::metadata(file).is_ok_and(|m| m.permissions().readonly()) {
        return Some((
            format!("数据库文件 {path} 是只读的，Guanxi 需要写入它"),
            format!("the file {path} is read-only; Guanxi needs to write to it"),
        ));
    }
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let probe = dir.join(format!(".guanxi-write-test-{}", std::process::id()));
    match std::fs::write(&probe, b"") {
        Ok(()) => {
            let _ = std::fs::remove_file(&probe);
            None
        }
        Err(e) => Some((
            format!("文件夹 {} 无法写入（{e}；只读的文件系统？）：SQLite 要在数据库文件旁边写日志", dir.display()),
            format!(
                "the folder {} cannot be written ({e}; a read-only file system?): SQLite keeps its journal beside the file",
                dir.display()
            ),
        )),
    }
}

/// The database, opened and migrated.
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
}

impl Store {
    /// Opens `url` and applies pending migrations. `postgres://…` (or `postgresql://…`) is
    /// PostgreSQL; anything else is a SQLite file path or `sqlite:` URL, created if missing.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens without migrating (for `guanxi migrate --status`).
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url).map_err(|e| StoreError::Connect(e.to_string()))?;
            // While PostgreSQL is away a request waits three seconds at most, then the user is
            // told to try again (503) rather than kept ten seconds for "internal error".
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(3))
                .after_release(|conn, _| Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) }))
                .before_acquire(|conn, _| Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) }))
                .connect_with(opts)
                .await
                .map_err(|e| StoreError::Connect(e.to_string()))?;
            Ok(Store { db: Db::Pg(pool) })
        } else {
            let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
            let opts = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", "-65536")
                .pragma("temp_store", "memory");
            // A connection whose COMMIT failed (a full disk) still counts itself inside a
            // transaction and would refuse every later BEGIN: it is closed instead of reused
            // (problem 5 of the reliability review).
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .after_release(|conn, _| Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) }))
                .before_acquire(|conn, _| Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) }))
                .connect_with(opts)
                .await
                .map_err(|e| match unwritable(path) {
                    Some((zh, en)) => StoreError::Unwritable {
                        zh: format!("{path}：{e}——{zh}"),
                        en: format!("{path}: {e} — {en}"),
                    },
                    None => StoreError::Connect(format!("{path}: {e}")),
                })?;
            Ok(Store { db: Db::Sqlite(pool) })
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self.db {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Pg(_) => Dialect::Postgres,
        }
    }

    /// Applies every migration not yet applied; returns the versions it applied.
    pub async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        let before = self.applied_migrations().await.unwrap_or_default();
        match &self.db {
            Db::Sqlite(pool) => migrations::migrator(Dialect::Sqlite).run(pool).await?,
            Db::Pg(pool) => migrations::migrator(Dialect::Postgres).run(pool).await?,
        }
        let after = self.applied_migrations().await?;
        Ok(after.into_iter().filter(|v| !before.contains(v)).collect())
    }

    /// Versions applied to this database.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>, StoreError> {
        dispatch!(self, applied_migrations())
    }

    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite(p) => p.close().await,
            Db::Pg(p) => p.close().await,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_read_only_file_is_named() {
        let path = std::env::temp_dir().join(format!("guanxi-ro-{}.db", std::process::id()));
        std::fs::write(&path, b"").unwrap();
        let mut p = std::fs::metadata(&path).unwrap().permissions();
        p.set_readonly(true);
        std::fs::set_permissions(&path, p.clone()).unwrap();
        let (zh, en) = super::unwritable(path.to_str().unwrap()).expect("a read-only file is named");
        assert!(en.contains("read-only") && zh.contains("只读"), "{en} / {zh}");
        #[allow(clippy::permissions_set_readonly_false)]
        p.set_readonly(false);
        std::fs::set_permissions(&path, p).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(super::unwritable(path.to_str().unwrap()), None, "a writable folder says nothing");
    }
}

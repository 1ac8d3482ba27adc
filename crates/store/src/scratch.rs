//! Throwaway databases and folders for the test kits of every crate, and for benchmarks.
//!
//! A [`Scratch`] hands out fresh SQLite files, PostgreSQL databases and working folders and
//! removes every one of them when it is dropped — at the end of the test that made it, also
//! when the test panics. A whole run of the suite creates more than a thousand databases; kept,
//! they filled a CI machine's disk. What a killed test process left behind is removed by the
//! next process that makes a scratch (names carry the process id; a process that is gone
//! keeps nothing). Only tests and benchmarks use it: a folder or database it cannot make
//! stops the test with why (`expect`), as a test fixture should.

use crate::StoreError;
use sqlx::PgPool;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);
static SWEPT_DATABASES: AtomicBool = AtomicBool::new(false);
static SWEPT_FOLDERS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A name no other test of this or another process uses: `prefix_PID_N_NANOS`.
pub fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{n}_{}", std::process::id(), nanos % 1_000_000_000)
}

/// The process id in a name made by [`unique`] (a file's extension and a `-wal` suffix aside).
fn owner_pid(name: &str) -> Option<u32> {
    let stem = name.split(['.', '-']).next()?;
    let mut parts = stem.rsplit('_');
    let (nanos, n, pid) = (parts.next()?, parts.next()?, parts.next()?);
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (numeric(nanos) && numeric(n) && parts.next().is_some()).then(|| pid.parse().ok()).flatten()
}

/// Whether the process that made `name` is gone (never true where that cannot be told).
fn left_behind(name: &str) -> bool {
    let Some(pid) = owner_pid(name) else { return false };
    Path::new("/proc/self").exists() && pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists()
}

/// Fresh databases and folders, removed when this is dropped.
#[derive(Default)]
pub struct Scratch {
    paths: Mutex<Vec<PathBuf>>,
    databases: Mutex<Vec<(String, String)>>,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch::default()
    }

    /// The folder `group` under the system's temporary folder, with what dead processes left
    /// in it removed the first time this process asks for it.
    fn group(group: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(group);
        let mut swept = SWEPT_FOLDERS.lock().unwrap_or_else(|e| e.into_inner());
        if !swept.iter().any(|g| g == group) {
            swept.push(group.to_string());
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                if left_behind(&entry.file_name().to_string_lossy()) {
                    let p = entry.path();
                    let _ = if p.is_dir() { std::fs::remove_dir_all(&p) } else { std::fs::remove_file(&p) };
                }
            }
        }
        std::fs::create_dir_all(&dir).expect("create the test folder");
        dir
    }

    fn keep(&self, path: PathBuf) -> PathBuf {
        self.paths.lock().unwrap_or_else(|e| e.into_inner()).push(path.clone());
        path
    }

    /// A new empty folder under `group`.
    pub fn folder(&self, group: &str) -> PathBuf {
        let dir = Scratch::group(group).join(unique("w"));
        std::fs::create_dir_all(&dir).expect("create a test folder");
        self.keep(dir)
    }

    /// A path for a file under `group` (not created), removed with its SQLite journals.
    pub fn file(&self, group: &str, prefix: &str, extension: &str) -> PathBuf {
        self.keep(Scratch::group(group).join(format!("{}.{extension}", unique(prefix))))
    }

    /// A new SQLite database's path under `group`.
    pub fn sqlite(&self, group: &str) -> String {
        self.file(group, "t", "db").to_str().expect("a UTF-8 temporary folder").to_string()
    }

    /// A new empty PostgreSQL database on the server `GUANXI_TEST_PG` names, as a URL; `None`
    /// when it names none — which fails under `CI=true`, where the PostgreSQL half of the
    /// suite cannot be skipped.
    pub async fn postgres(&self, prefix: &str) -> Option<String> {
        let admin = std::env::var("GUANXI_TEST_PG").ok().filter(|a| !a.is_empty());
        let Some(admin) = admin else {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "CI=true but GUANXI_TEST_PG is not set: the PostgreSQL half of the suite cannot be skipped"
            );
            return None;
        };
        if !SWEPT_DATABASES.swap(true, Ordering::SeqCst) {
            let _ = drop_left_behind(&admin).await;
        }
        let name = unique(prefix);
        let url = create_postgres_database(&admin, &name).await.expect("create a PostgreSQL test database");
        self.databases.lock().unwrap_or_else(|e| e.into_inner()).push((admin, name));
        Some(url)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for path in self.paths.get_mut().unwrap_or_else(|e| e.into_inner()).drain(..) {
            if path.is_dir() {
                let _ = std::fs::remove_dir_all(&path);
            } else {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
        }
        let databases: Vec<_> = self.databases.get_mut().unwrap_or_else(|e| e.into_inner()).drain(..).collect();
        if databases.is_empty() {
            return;
        }
        // Drop may run inside the test's runtime, which cannot be blocked on: a thread of its
        // own with a runtime of its own drops the databases.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async {
                for (admin, name) in databases {
                    let _ = drop_postgres_database(&admin, &name).await;
                }
            });
        })
        .join();
    }
}

/// Creates an empty PostgreSQL database `name` through `admin_url` (a URL of the server's
/// maintenance database) and returns the new database's URL.
pub async fn create_postgres_database(admin_url: &str, name: &str) -> Result<String, StoreError> {
    check_name(name)?;
    let pool = PgPool::connect(admin_url).await.map_err(|e| StoreError::Connect(e.to_string()))?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&pool).await?;
    pool.close().await;
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin_url);
    Ok(format!("{base}/{name}"))
}

/// Drops the database `name`, closing whatever connections are still open to it.
pub async fn drop_postgres_database(admin_url: &str, name: &str) -> Result<(), StoreError> {
    check_name(name)?;
    let pool = PgPool::connect(admin_url).await.map_err(|e| StoreError::Connect(e.to_string()))?;
    let dropped =
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&pool).await;
    pool.close().await;
    dropped.map(|_| ())?;
    Ok(())
}

/// Drops the test databases of processes that are gone.
async fn drop_left_behind(admin_url: &str) -> Result<(), StoreError> {
    let pool = PgPool::connect(admin_url).await.map_err(|e| StoreError::Connect(e.to_string()))?;
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database").fetch_all(&pool).await?;
    pool.close().await;
    for name in names.iter().filter(|n| left_behind(n)) {
        drop_postgres_database(admin_url, name).await?;
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), StoreError> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::Connect(format!("invalid database name {name:?}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_of_a_name_is_read_back() {
        let name = unique("guanxi_test");
        assert_eq!(owner_pid(&name), Some(std::process::id()));
        assert_eq!(owner_pid(&format!("{name}.db-wal")), Some(std::process::id()));
        assert_eq!(owner_pid("t_12_3_456.db"), Some(12));
        assert_eq!(owner_pid("guanxi"), None);
        assert_eq!(owner_pid("postgres"), None);
        assert_eq!(owner_pid("12_3_456"), None, "a prefix is required");
        assert!(!left_behind(&name), "this process is alive");
    }

    #[test]
    fn a_scratch_removes_its_files_and_folders() {
        let s = Scratch::new();
        let db = s.sqlite("guanxi-scratch-test");
        std::fs::write(&db, b"x").unwrap();
        std::fs::write(format!("{db}-wal"), b"x").unwrap();
        let dir = s.folder("guanxi-scratch-test");
        std::fs::write(dir.join("f"), b"x").unwrap();
        drop(s);
        assert!(!Path::new(&db).exists() && !Path::new(&format!("{db}-wal")).exists() && !dir.exists());
    }
}

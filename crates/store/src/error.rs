use guanxi_domain::{Lang, Validation};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database: {0}")]
    Connect(String),
    /// A SQLite file, or the folder it is in, that cannot be written, with why.
    #[error("cannot open the database: {en}")]
    Unwritable { zh: String, en: String },
    #[error("{0}")]
    Invalid(Validation),
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    /// The record changed since the caller read it, or the operation does not fit its state.
    #[error("conflict: {en}")]
    Conflict { zh: String, en: String },
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// The database cannot take the request now (disk full, busy with a long write, away);
    /// nothing was saved, and the request may be tried again.
    #[error("database unavailable ({0:?}): {1}")]
    Unavailable(Unavailable, String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
}

/// Why the database cannot take a request now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// No room left on the disk.
    DiskFull,
    /// Another write holds SQLite's one writer longer than we wait (a long import).
    Busy,
    /// The database file or file system is read-only.
    ReadOnly,
    /// The database server does not answer (PostgreSQL stopped, restarting, unreachable).
    Away,
}

impl From<sqlx::Error> for StoreError {
    /// Sorts the driver's errors: what a user can wait out or an admin must fix (problems 5 and 11
    /// of the reliability review: a full disk and a stopped PostgreSQL answered "internal error").
    fn from(e: sqlx::Error) -> StoreError {
        let kind = match &e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => Some(Unavailable::Away),
            // SQLite's (extended) result codes: the primary code is the low byte — SQLITE_FULL
            // 13, SQLITE_BUSY 5, SQLITE_LOCKED 6, SQLITE_READONLY 8.
            sqlx::Error::Database(d) if d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() => {
                match d.code().and_then(|c| c.parse::<i32>().ok()).map(|c| c & 0xff) {
                    Some(13) => Some(Unavailable::DiskFull),
                    Some(5 | 6) => Some(Unavailable::Busy),
                    Some(8) => Some(Unavailable::ReadOnly),
                    _ => None,
                }
            }
            // PostgreSQL's SQLSTATE: disk_full, and the server going away or starting up.
            sqlx::Error::Database(d) => match d.code().as_deref() {
                Some("53100") => Some(Unavailable::DiskFull),
                Some("25006") => Some(Unavailable::ReadOnly),
                Some(c) if c.starts_with("08") || c.starts_with("57P") => Some(Unavailable::Away),
                _ => None,
            },
            _ => None,
        };
        match kind {
            Some(k) => StoreError::Unavailable(k, e.to_string()),
            None => StoreError::Database(e),
        }
    }
}

impl StoreError {
    pub fn conflict(zh: impl Into<String>, en: impl Into<String>) -> StoreError {
        StoreError::Conflict { zh: zh.into(), en: en.into() }
    }

    pub fn not_found(entity: &'static str, id: impl ToString) -> StoreError {
        StoreError::NotFound { entity, id: id.to_string() }
    }

    /// What to tell the user, in their language.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            StoreError::Invalid(v) => v.message(lang),
            StoreError::NotFound { entity, id } => {
                let name = match (*entity, lang) {
                    ("customer", Lang::ZhCn) => "客户",
                    ("key_person", Lang::ZhCn) => "关键人物",
                    ("person_around", Lang::ZhCn) => "周围人",
                    ("interaction", Lang::ZhCn) => "互动记录",
                    ("user", Lang::ZhCn) => "用户",
                    ("merge", Lang::ZhCn) => "合并记录",
                    ("notification", Lang::ZhCn) => "通知",
                    ("message", Lang::ZhCn) => "消息",
                    ("template", Lang::ZhCn) => "消息模板",
                    ("cadence", Lang::ZhCn) => "跟进节奏",
                    ("key_person", Lang::En) => "key person",
                    ("person_around", Lang::En) => "person around",
                    ("message", Lang::En) => "message",
                    (e, _) => e,
                };
                match lang {
                    Lang::ZhCn => format!("找不到{name} {id}"),
                    Lang::En => format!("{name} {id} not found"),
                }
            }
            StoreError::Conflict { zh, en } => lang.pick(zh, en).to_string(),
            StoreError::Unwritable { zh, en } => lang.pick(zh, en).to_string(),
            StoreError::Unavailable(k, _) => k.message(lang).to_string(),
            other => other.to_string(),
        }
    }
}

impl From<Validation> for StoreError {
    fn from(v: Validation) -> StoreError {
        StoreError::Invalid(v)
    }
}

impl Unavailable {
    pub fn message(self, lang: Lang) -> &'static str {
        match self {
            Unavailable::DiskFull => lang.pick(
                "磁盘已满，这次没有保存任何内容。请让管理员腾出空间后再试。",
                "The disk is full; nothing was saved. Ask an admin to free some space, then try again.",
            ),
            Unavailable::Busy => lang.pick(
                "数据库正忙（可能正在导入大文件），这次没有保存。请稍后再试。",
                "The database is busy (perhaps with a large import); nothing was saved. Please try again shortly.",
            ),
            Unavailable::ReadOnly => lang.pick(
                "数据库是只读的（文件或磁盘不可写），这次没有保存。请联系管理员。",
                "The database is read-only (the file or disk cannot be written); nothing was saved. Please tell an admin.",
            ),
            Unavailable::Away => lang.pick(
                "暂时连不上数据库，请稍后再试。",
                "The database cannot be reached right now; please try again shortly.",
            ),
        }
    }

    /// Seconds a client should wait before trying again.
    pub fn retry_after(self) -> u32 {
        match self {
            Unavailable::Busy | Unavailable::Away => 5,
            Unavailable::DiskFull | Unavailable::ReadOnly => 60,
        }
    }
}

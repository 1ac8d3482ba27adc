use guanxi_domain::{Lang, Validation};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database: {0}")]
    Connect(String),
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
    Database(#[from] sqlx::Error),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
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
                    (e, _) => e,
                };
                match lang {
                    Lang::ZhCn => format!("找不到{name} {id}"),
                    Lang::En => format!("{name} {id} not found"),
                }
            }
            StoreError::Conflict { zh, en } => lang.pick(zh, en).to_string(),
            other => other.to_string(),
        }
    }
}

impl From<Validation> for StoreError {
    fn from(v: Validation) -> StoreError {
        StoreError::Invalid(v)
    }
}

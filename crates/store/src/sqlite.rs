//! The operations compiled for SQLite.
pub type DB = sqlx::Sqlite;
pub const DIALECT: super::Dialect = super::Dialect::Sqlite;
#[path = "ops/mod.rs"]
pub mod ops;

//! The operations compiled for SQLite.
pub type DB = sqlx::Sqlite;
pub const DIALECT: super::Dialect = super::Dialect::Sqlite;
// The same operations compiled once per backend is the point (see lib.rs).
#[allow(clippy::duplicate_mod)]
#[path = "ops/mod.rs"]
pub mod ops;

//! The operations compiled for PostgreSQL.
pub type DB = sqlx::Postgres;
pub const DIALECT: super::Dialect = super::Dialect::Postgres;
// The same operations compiled once per backend is the point (see lib.rs).
#[allow(clippy::duplicate_mod)]
#[path = "ops/mod.rs"]
pub mod ops;

/// PostgreSQL has no SQLite connection: its imports write with multi-row statements.
pub(crate) fn sqlite_connection<'c>(_: &'c mut sqlx::Transaction<'_, DB>) -> Option<&'c mut sqlx::SqliteConnection> {
    None
}

/// PostgreSQL has no SQLite connection: its reads go through sqlx.
pub(crate) fn sqlite_pooled(_: &mut sqlx::pool::PoolConnection<DB>) -> Option<&mut sqlx::SqliteConnection> {
    None
}

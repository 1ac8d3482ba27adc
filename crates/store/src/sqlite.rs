//! The operations compiled for SQLite.
pub type DB = sqlx::Sqlite;
pub const DIALECT: super::Dialect = super::Dialect::Sqlite;
// The same operations compiled once per backend is the point (see lib.rs).
#[allow(clippy::duplicate_mod)]
#[path = "ops/mod.rs"]
pub mod ops;

/// The connection under a transaction, for the bulk writer of imports (`crate::sqlite_raw`).
pub(crate) fn sqlite_connection<'c>(tx: &'c mut sqlx::Transaction<'_, DB>) -> Option<&'c mut sqlx::SqliteConnection> {
    Some(&mut **tx)
}

/// A pooled connection as SQLite's own, for reading with `crate::sqlite_raw`.
pub(crate) fn sqlite_pooled(c: &mut sqlx::pool::PoolConnection<DB>) -> Option<&mut sqlx::SqliteConnection> {
    Some(&mut **c)
}

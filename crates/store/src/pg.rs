//! The operations compiled for PostgreSQL.
pub type DB = sqlx::Postgres;
pub const DIALECT: super::Dialect = super::Dialect::Postgres;
#[path = "ops/mod.rs"]
pub mod ops;

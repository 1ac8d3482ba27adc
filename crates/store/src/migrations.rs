//! Migrations, embedded in the binary. Each version has a SQLite and a PostgreSQL script;
//! listing them side by side here is what keeps the two in step.

use crate::Dialect;
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use std::borrow::Cow;

/// (version, description, SQLite script, PostgreSQL script)
pub const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "archive",
        include_str!("../../../migrations/sqlite/0001_archive.sql"),
        include_str!("../../../migrations/postgres/0001_archive.sql"),
    ),
    (
        2,
        "web",
        include_str!("../../../migrations/sqlite/0002_web.sql"),
        include_str!("../../../migrations/postgres/0002_web.sql"),
    ),
    (
        3,
        "orders",
        include_str!("../../../migrations/sqlite/0003_orders.sql"),
        include_str!("../../../migrations/postgres/0003_orders.sql"),
    ),
    (
        4,
        "values",
        include_str!("../../../migrations/sqlite/0004_values.sql"),
        include_str!("../../../migrations/postgres/0004_values.sql"),
    ),
    (
        5,
        "purchase_days",
        include_str!("../../../migrations/sqlite/0005_purchase_days.sql"),
        include_str!("../../../migrations/postgres/0005_purchase_days.sql"),
    ),
    (
        6,
        "settings_jobs",
        include_str!("../../../migrations/sqlite/0006_settings_jobs.sql"),
        include_str!("../../../migrations/postgres/0006_settings_jobs.sql"),
    ),
    (
        7,
        "purchase_summaries",
        include_str!("../../../migrations/sqlite/0007_purchase_summaries.sql"),
        include_str!("../../../migrations/postgres/0007_purchase_summaries.sql"),
    ),
    (
        8,
        "rollups_revenue",
        include_str!("../../../migrations/sqlite/0008_rollups_revenue.sql"),
        include_str!("../../../migrations/postgres/0008_rollups_revenue.sql"),
    ),
    (
        9,
        "sales",
        include_str!("../../../migrations/sqlite/0009_sales.sql"),
        include_str!("../../../migrations/postgres/0009_sales.sql"),
    ),
    (
        10,
        "relationships",
        include_str!("../../../migrations/sqlite/0010_relationships.sql"),
        include_str!("../../../migrations/postgres/0010_relationships.sql"),
    ),
    (
        11,
        "relationship health",
        include_str!("../../../migrations/sqlite/0011_relationship_health.sql"),
        include_str!("../../../migrations/postgres/0011_relationship_health.sql"),
    ),
    (
        12,
        "values without foreign keys",
        include_str!("../../../migrations/sqlite/0012_values_without_keys.sql"),
        include_str!("../../../migrations/postgres/0012_values_without_keys.sql"),
    ),
    (
        13,
        "security",
        include_str!("../../../migrations/sqlite/0013_security.sql"),
        include_str!("../../../migrations/postgres/0013_security.sql"),
    ),
    (
        14,
        "job_leases",
        include_str!("../../../migrations/sqlite/0014_job_leases.sql"),
        include_str!("../../../migrations/postgres/0014_job_leases.sql"),
    ),
    (
        15,
        "import_batches",
        include_str!("../../../migrations/sqlite/0015_import_batches.sql"),
        include_str!("../../../migrations/postgres/0015_import_batches.sql"),
    ),
    (
        16,
        "health_known",
        include_str!("../../../migrations/sqlite/0016_health_known.sql"),
        include_str!("../../../migrations/postgres/0016_health_known.sql"),
    ),
    (
        17,
        "import_runs",
        include_str!("../../../migrations/sqlite/0017_import_runs.sql"),
        include_str!("../../../migrations/postgres/0017_import_runs.sql"),
    ),
    (
        18,
        "order_imports",
        include_str!("../../../migrations/sqlite/0018_order_imports.sql"),
        include_str!("../../../migrations/postgres/0018_order_imports.sql"),
    ),
    (
        19,
        "tasks",
        include_str!("../../../migrations/sqlite/0019_tasks.sql"),
        include_str!("../../../migrations/postgres/0019_tasks.sql"),
    ),
    (
        20,
        "lunar_birthdays",
        include_str!("../../../migrations/sqlite/0020_lunar_birthdays.sql"),
        include_str!("../../../migrations/postgres/0020_lunar_birthdays.sql"),
    ),
    (
        21,
        "birthday_days",
        include_str!("../../../migrations/sqlite/0021_birthday_days.sql"),
        include_str!("../../../migrations/postgres/0021_birthday_days.sql"),
    ),
    (
        22,
        "outbox",
        include_str!("../../../migrations/sqlite/0022_outbox.sql"),
        include_str!("../../../migrations/postgres/0022_outbox.sql"),
    ),
    (
        23,
        "cadences",
        include_str!("../../../migrations/sqlite/0023_cadences.sql"),
        include_str!("../../../migrations/postgres/0023_cadences.sql"),
    ),
    (
        24,
        "gateways",
        include_str!("../../../migrations/sqlite/0024_gateways.sql"),
        include_str!("../../../migrations/postgres/0024_gateways.sql"),
    ),
    (
        25,
        "notifications",
        include_str!("../../../migrations/sqlite/0025_notifications.sql"),
        include_str!("../../../migrations/postgres/0025_notifications.sql"),
    ),
    (
        26,
        "visit schedule",
        include_str!("../../../migrations/sqlite/0026_visit_schedule.sql"),
        include_str!("../../../migrations/postgres/0026_visit_schedule.sql"),
    ),
    (
        27,
        "cadence start",
        include_str!("../../../migrations/sqlite/0027_cadence_start.sql"),
        include_str!("../../../migrations/postgres/0027_cadence_start.sql"),
    ),
    (
        28,
        "cadence pause",
        include_str!("../../../migrations/sqlite/0028_cadence_pause.sql"),
        include_str!("../../../migrations/postgres/0028_cadence_pause.sql"),
    ),
    (
        29,
        "hook nonces",
        include_str!("../../../migrations/sqlite/0029_hook_nonces.sql"),
        include_str!("../../../migrations/postgres/0029_hook_nonces.sql"),
    ),
    (
        30,
        "cadence rules",
        include_str!("../../../migrations/sqlite/0030_cadence_rules.sql"),
        include_str!("../../../migrations/postgres/0030_cadence_rules.sql"),
    ),
    (
        31,
        "letter batches",
        include_str!("../../../migrations/sqlite/0031_letter_batches.sql"),
        include_str!("../../../migrations/postgres/0031_letter_batches.sql"),
    ),
    (
        32,
        "step approval",
        include_str!("../../../migrations/sqlite/0032_step_approval.sql"),
        include_str!("../../../migrations/postgres/0032_step_approval.sql"),
    ),
];

pub fn migrator(dialect: Dialect) -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|(version, description, sqlite, pg)| {
            let sql = match dialect {
                Dialect::Sqlite => *sqlite,
                Dialect::Postgres => *pg,
            };
            Migration::new(*version, Cow::Borrowed(*description), MigrationType::Simple, sql.into_sql_str(), false)
        })
        .collect::<Vec<_>>();
    Migrator { migrations: Cow::Owned(migrations), ..Migrator::DEFAULT }
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;

    /// Every script in either folder is embedded, under the same version for both backends.
    #[test]
    fn both_backends_have_the_same_versions() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations");
        let versions = |dir: &str| {
            let mut v: Vec<i64> = std::fs::read_dir(format!("{root}/{dir}"))
                .unwrap()
                .map(|e| {
                    let name = e.unwrap().file_name().into_string().unwrap();
                    name.split('_').next().unwrap().parse::<i64>().unwrap()
                })
                .collect();
            v.sort();
            v
        };
        let embedded: Vec<i64> = MIGRATIONS.iter().map(|m| m.0).collect();
        assert_eq!(versions("sqlite"), embedded);
        assert_eq!(versions("postgres"), embedded);
    }
}

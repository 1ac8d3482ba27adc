//! The reminder sweep: each customer's next visit day (their value tier's interval after their
//! last face-to-face contact, or after they were entered) rebuilt into `visit_schedule` in one
//! statement, kept current between sweeps when a visit is logged or the owner changes; My day
//! reads the overdue ones per owner from its index. And each user's morning digest of the day's
//! birthdays, visits due and tasks, as a notification.

use super::notifications::{Note, notify_in};
use super::{DIALECT, Pool, corrupt};
use crate::{Dialect, StoreError, VisitDue};
use chrono::{DateTime, NaiveDate, Utc};
use guanxi_domain::china::day_number;
use guanxi_domain::notifications::NotificationKind;
use guanxi_domain::{Lang, ValueTier};
use sqlx::{AssertSqlSafe, Row as _};

/// The China day number of a timestamp column, in SQL.
fn day_of(column: &str) -> String {
    match DIALECT {
        Dialect::Sqlite => format!("CAST(julianday({column}) + 8.0 / 24 - 2440587.5 AS INTEGER)"),
        Dialect::Postgres => format!("(({column} AT TIME ZONE 'Asia/Shanghai')::date - DATE '1970-01-01')"),
    }
}

/// Rebuilds the visit schedule of every live customer whose tier has an interval (`every`: days
/// per tier, 0 for none) in one statement; returns how many customers it holds.
pub async fn sweep_visits(pool: &Pool, every: &[(ValueTier, u32)]) -> Result<u64, StoreError> {
    let tiers: Vec<(ValueTier, u32)> = every.iter().copied().filter(|(_, d)| *d > 0).collect();
    let mut tx = super::begin(pool).await?;
    sqlx::query("DELETE FROM visit_schedule").execute(&mut *tx).await?;
    if tiers.is_empty() {
        tx.commit().await?;
        return Ok(0);
    }
    let case = format!(
        "CASE v.tier {} END",
        tiers.iter().map(|(t, d)| format!("WHEN '{}' THEN {d}", t.code())).collect::<Vec<_>>().join(" ")
    );
    let tier_list = tiers.iter().map(|(t, _)| format!("'{}'", t.code())).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "INSERT INTO visit_schedule (customer_id, owner_id, tier, every_days, last_visit_at, due_on) \
         SELECT c.id, c.owner_id, v.tier, {case}, lv.last, {since} + {case} \
         FROM customers c JOIN customer_values v ON v.customer_id = c.id \
         LEFT JOIN (SELECT customer_id, MAX(occurred_at) AS last FROM interactions \
                    WHERE channel = 'face_to_face' AND deleted_at IS NULL GROUP BY customer_id) lv \
           ON lv.customer_id = c.id \
         WHERE c.deleted_at IS NULL AND c.merged_into_id IS NULL AND v.tier IN ({tier_list})",
        since = day_of("COALESCE(lv.last, c.created_at)"),
    );
    let n = sqlx::query(AssertSqlSafe(sql)).execute(&mut *tx).await?.rows_affected();
    tx.commit().await?;
    Ok(n)
}

/// The customers `owners` look after (`None`: everyone's) past their visit day on `today`, the
/// most overdue first, at most `limit`. Each owner's are read from the schedule's index in day
/// order, so a rep with a quarter of a million customers costs `limit` rows, not a walk through
/// them.
pub async fn visits_due(
    pool: &Pool,
    owners: Option<&[i64]>,
    today: NaiveDate,
    limit: usize,
) -> Result<Vec<VisitDue>, StoreError> {
    let today = day_number(today);
    let select = "SELECT s.customer_id, c.name, s.tier, s.every_days, s.last_visit_at, s.due_on FROM visit_schedule s \
                  JOIN customers c ON c.id = s.customer_id AND c.deleted_at IS NULL AND c.merged_into_id IS NULL";
    let read = |r: &super::Row| -> Result<VisitDue, StoreError> {
        let code: String = r.try_get(2)?;
        let due_on: i32 = r.try_get(5)?;
        Ok(VisitDue {
            customer_id: r.try_get(0)?,
            customer_name: r.try_get(1)?,
            tier: ValueTier::from_code(&code).ok_or_else(|| corrupt("tier", &code))?,
            every_days: r.try_get::<i32, _>(3)?.max(0) as u32,
            last_visit: r.try_get(4)?,
            days_over: i64::from(today - due_on),
        })
    };
    let mut rows = Vec::new();
    let owners: Vec<Option<i64>> = match owners {
        Some(ids) => ids.iter().map(|i| Some(*i)).collect(),
        None => vec![None],
    };
    for owner in owners {
        let found = match owner {
            Some(o) => {
                let q = format!(
                    "{select} WHERE s.owner_id = $1 AND s.due_on < $2 ORDER BY s.due_on, s.customer_id LIMIT $3"
                );
                sqlx::query(AssertSqlSafe(q)).bind(o).bind(today).bind(limit as i64).fetch_all(pool).await?
            }
            None => {
                let q = format!("{select} WHERE s.due_on < $1 ORDER BY s.due_on, s.customer_id LIMIT $2");
                sqlx::query(AssertSqlSafe(q)).bind(today).bind(limit as i64).fetch_all(pool).await?
            }
        };
        for r in &found {
            rows.push(read(r)?);
        }
    }
    rows.sort_by_key(|v| (std::cmp::Reverse(v.days_over), v.customer_id));
    rows.truncate(limit);
    Ok(rows)
}

/// How many of `owner`'s live customers are past their visit day on `today`.
pub async fn count_visits_due(pool: &Pool, owner: i64, today: NaiveDate) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM visit_schedule s JOIN customers c ON c.id = s.customer_id \
         AND c.deleted_at IS NULL AND c.merged_into_id IS NULL WHERE s.owner_id = $1 AND s.due_on < $2",
    )
    .bind(owner)
    .bind(day_number(today))
    .fetch_one(pool)
    .await?)
}

/// Tells each active user with customers what their day holds on `today` — birthdays, visits
/// due, tasks due — in one notification (once a day; by e-mail if they chose reminders so).
/// Returns how many users were told.
pub async fn send_reminder_digests(pool: &Pool, today: NaiveDate, at: DateTime<Utc>) -> Result<usize, StoreError> {
    // Everyone who may have customers or tasks: not the system itself, not read-only users.
    let users: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE active = TRUE AND id <> $1 AND role <> $2 ORDER BY id")
            .bind(crate::Actor::SYSTEM.0)
            .bind(guanxi_domain::Role::ReadOnly.code())
            .fetch_all(pool)
            .await?;
    let mut told = 0;
    for user in users {
        let (_, birthdays) = super::occasions::birthdays(pool, Some(&[user]), today, 1, 1).await?;
        let visits = count_visits_due(pool, user, today).await?;
        let tasks: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM tasks WHERE assignee_id = $1 AND done_at IS NULL AND due_on <= $2",
        )
        .bind(user)
        .bind(today)
        .fetch_one(pool)
        .await?;
        if birthdays == 0 && visits == 0 && tasks == 0 {
            continue;
        }
        let text = |lang: Lang| guanxi_domain::notifications::day_digest(lang, birthdays, visits, tasks);
        let note = Note {
            kind: NotificationKind::Reminder,
            title: &text,
            link: Some("/today".into()),
            customer_id: None,
            key: format!("reminder:{user}:{today}"),
        };
        let mut tx = super::begin(pool).await?;
        if notify_in(&mut tx, user, &note, at).await?.is_some() {
            told += 1;
        }
        tx.commit().await?;
    }
    Ok(told)
}

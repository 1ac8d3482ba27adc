//! Saved customer-value assessments: the run and every assessed customer's figures.

use super::{Pool, Row, Tx, corrupt, now, param, values_clause};
use crate::sqlite_raw::RawConnection;
use crate::{Actor, StoreError, ValueRun};
use chrono::NaiveDate;
use guanxi_domain::CustomerKind;
use guanxi_domain::ValueTier;
use guanxi_domain::china::{day_number, from_day_number};
use guanxi_domain::value::nonmonetary::NonMonetary;
use guanxi_domain::value::{
    AbcClass, CustomerValue, Day, History, Period, RfmScore, RfmSegment, Summary, ValueSettings, WindowSums,
};
use sqlx::{AssertSqlSafe, Row as _};
use std::collections::HashMap;

const COLUMNS: &str = "customer_id, run_id, tier, abc, revenue_window_fen, rfm_r, rfm_f, rfm_m, rfm_segment, \
     p_alive, expected_purchases, expected_spend_fen, clv_history_fen, loyalty, stability, key_score, clv_projected_fen";

fn abc_code(a: AbcClass) -> &'static str {
    match a {
        AbcClass::A => "A",
        AbcClass::B => "B",
        AbcClass::C => "C",
    }
}

/// The annual rate of the saved value settings (10% until some are saved).
pub(crate) async fn annual_rate(tx: &mut Tx<'_>) -> Result<f64, StoreError> {
    let row = sqlx::query("SELECT value FROM settings WHERE key = 'value'").fetch_optional(&mut **tx).await?;
    let stored: Option<String> = row.map(|r| r.try_get(0)).transpose()?;
    let settings: ValueSettings = match stored {
        Some(s) => serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(format!("value settings: {e}")))?,
        None => ValueSettings::default(),
    };
    Ok(settings.annual_rate)
}

/// Rewrites the purchase summaries of `customers` from their purchase days at `rate`.
pub(crate) async fn write_summaries(tx: &mut Tx<'_>, customers: &[i64], rate: f64) -> Result<(), StoreError> {
    for chunk in customers.chunks(500) {
        let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let sql = format!("DELETE FROM purchase_summaries WHERE customer_id IN ({list})");
        sqlx::query(AssertSqlSafe(sql)).execute(&mut **tx).await?;
        let sql = format!(
            "SELECT customer_id, day, amount_fen, costed_fen, margin_fen FROM purchase_days \
             WHERE customer_id IN ({list}) ORDER BY customer_id, day"
        );
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&mut **tx).await?;
        let mut summaries = Vec::new();
        let mut days: Vec<Day> = Vec::new();
        let mut current: Option<i64> = None;
        for r in rows.iter().map(Some).chain([None]) {
            let id: Option<i64> = r.map(|r| r.try_get(0)).transpose()?;
            if id != current {
                if let Some(c) = current {
                    summaries.extend(Summary::of(c, &days, rate));
                }
                days.clear();
                current = id;
            }
            if let Some(r) = r {
                days.push(Day {
                    day: from_day_number(r.try_get::<i32, _>(1)?),
                    amount_fen: r.try_get(2)?,
                    costed_fen: r.try_get(3)?,
                    margin_fen: r.try_get(4)?,
                });
            }
        }
        for part in summaries.chunks(1000) {
            let sql = format!(
                "INSERT INTO purchase_summaries (customer_id, first_day, last_day, days, revenue_fen, first_day_fen, \
                 costed_fen, margin_fen, gap_squares, discounted_margin, discounted_uncosted, rate) VALUES {}",
                values_clause(part.len(), 12, &|_, p| p)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for s in part {
                q = q
                    .bind(s.customer_id)
                    .bind(day_number(s.first))
                    .bind(day_number(s.last))
                    .bind(s.days)
                    .bind(s.revenue_fen)
                    .bind(s.first_day_fen)
                    .bind(s.costed_fen)
                    .bind(s.margin_fen)
                    .bind(s.gap_squares)
                    .bind(s.discounted_margin)
                    .bind(s.discounted_uncosted)
                    .bind(s.rate);
            }
            q.execute(&mut **tx).await?;
        }
    }
    Ok(())
}

/// Makes every purchase summary current at `rate`: after the rate was changed, or on a database
/// from before the summaries existed, rewrites them 2,000 customers a transaction. Returns how
/// many were rewritten.
pub async fn ensure_summaries(pool: &Pool, rate: f64) -> Result<usize, StoreError> {
    let stale: Vec<i64> = sqlx::query(
        "SELECT r.customer_id FROM customer_rollups r LEFT JOIN purchase_summaries s ON s.customer_id = r.customer_id \
         WHERE s.customer_id IS NULL OR s.rate <> $1 ORDER BY r.customer_id",
    )
    .bind(rate)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<_, _>>()?;
    for chunk in stale.chunks(2000) {
        let mut tx = super::begin(pool).await?;
        write_summaries(&mut tx, chunk, rate).await?;
        tx.commit().await?;
    }
    Ok(stale.len())
}

/// Today's histories, the fast way: every customer's summary (one row each), their sums in the
/// window and the live customers' kinds. None when the summaries cannot answer: a rate
/// other than theirs, a holdout, a summary not current at `period.annual_rate`, or purchases
/// after `period.as_of`.
pub async fn histories_from_summaries(pool: &Pool, period: &Period) -> Result<Option<Vec<History>>, StoreError> {
    if period.holdout_until.is_some() {
        return Ok(None);
    }
    let as_of = day_number(period.as_of);
    let check = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM customer_rollups), \
         (SELECT COUNT(*) FROM purchase_summaries WHERE rate = $1), (SELECT MAX(last_day) FROM purchase_summaries)",
    )
    .bind(period.annual_rate)
    .fetch_one(pool)
    .await?;
    let (customers, current, last): (i64, i64, Option<i32>) = (check.try_get(0)?, check.try_get(1)?, check.try_get(2)?);
    if customers != current || last.is_some_and(|l| l > as_of) {
        return Ok(None);
    }
    let window = (day_number(period.window_start()), as_of);
    let bounds =
        sqlx::query("SELECT MIN(customer_id), MAX(customer_id) FROM purchase_summaries").fetch_one(pool).await?;
    let (lo, hi): (Option<i64>, Option<i64>) = (bounds.try_get(0)?, bounds.try_get(1)?);
    let (lo, hi) = (lo.unwrap_or(0), hi.unwrap_or(-1));
    // Two halves at once, one a core.
    let mid = lo + (hi - lo) / 2;
    let (mut out, upper) = if super::DIALECT == crate::Dialect::Sqlite {
        let (mut a, mut b) = (pool.acquire().await?, pool.acquire().await?);
        match (super::sqlite_pooled(&mut a), super::sqlite_pooled(&mut b)) {
            (Some(a), Some(b)) => {
                let (a, b) = (RawConnection::lock(a).await?, RawConnection::lock(b).await?);
                crate::sqlite_raw::blocking(|| {
                    std::thread::scope(|s| {
                        let lower = s.spawn(|| summary_histories_sqlite(a, period, window, lo, mid));
                        let upper = summary_histories_sqlite(b, period, window, mid + 1, hi);
                        let lower = lower.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
                        Ok::<_, StoreError>((lower?, upper?))
                    })
                })?
            }
            _ => return Err(StoreError::Corrupt("a SQLite store without SQLite connections".into())),
        }
    } else {
        tokio::try_join!(
            summary_histories(pool, period, window, lo, mid),
            summary_histories(pool, period, window, mid + 1, hi)
        )?
    };
    out.extend(upper);
    Ok(Some(out))
}

/// SQLite: the histories of the live customers with purchases whose ids are in `lo..=hi`, in
/// id order, stepped straight off two statements on this thread (`crate::sqlite_raw`): the
/// summaries with the customers' kinds, and the window's sums, merged here by id. (As one
/// query SQLite materializes the sums and builds an index on them first; through sqlx the
/// rows cost more in hand-offs, or as JSON in printing and parsing, than in SQLite.)
fn summary_histories_sqlite(
    raw: RawConnection<'_>,
    period: &Period,
    (window_start, as_of): (i32, i32),
    lo: i64,
    hi: i64,
) -> Result<Vec<History>, StoreError> {
    let mut sums = raw.prepare(
        "SELECT s.customer_id, c.kind, s.first_day, s.last_day, s.days, s.revenue_fen, s.first_day_fen, \
         s.costed_fen, s.margin_fen, s.gap_squares, s.discounted_margin, s.discounted_uncosted \
         FROM purchase_summaries s JOIN customers c ON c.id = s.customer_id \
         WHERE c.deleted_at IS NULL AND s.customer_id BETWEEN ?1 AND ?2 ORDER BY s.customer_id",
    )?;
    sums.int(1, Some(lo))?;
    sums.int(2, Some(hi))?;
    let mut window = raw.prepare(
        "SELECT customer_id, SUM(amount_fen), SUM(costed_fen), SUM(margin_fen), COUNT(*) FROM purchase_days \
         WHERE customer_id BETWEEN ?1 AND ?2 AND day >= ?3 AND day <= ?4 \
         GROUP BY customer_id ORDER BY customer_id",
    )?;
    window.int(1, Some(lo))?;
    window.int(2, Some(hi))?;
    window.int(3, Some(window_start.into()))?;
    window.int(4, Some(as_of.into()))?;
    let mut next_window = || -> Result<Option<(i64, WindowSums)>, StoreError> {
        Ok(window.next_row()?.then(|| {
            let sums = WindowSums {
                revenue_fen: window.int_at(1),
                costed_fen: window.int_at(2),
                margin_fen: window.int_at(3),
                days: window.int_at(4),
            };
            (window.int_at(0), sums)
        }))
    };
    let mut pending = next_window()?;
    let mut out = Vec::with_capacity((hi - lo + 1).clamp(0, 1 << 20) as usize);
    while sums.next_row()? {
        let customer_id = sums.int_at(0);
        // The window's sums come in id order too: skip those of customers not read here
        // (deleted ones), take this customer's if it has any.
        let mut in_window = WindowSums::default();
        while let Some((id, w)) = pending {
            if id > customer_id {
                break;
            }
            if id == customer_id {
                in_window = w;
            }
            pending = next_window()?;
        }
        let kind = sums.text_at(1)?;
        let kind = CustomerKind::parse(kind).ok_or_else(|| corrupt("kind", kind))?;
        let day =
            |i: usize| i32::try_from(sums.int_at(i)).map(from_day_number).map_err(|_| corrupt("day", "out of range"));
        let summary = Summary {
            customer_id,
            first: day(2)?,
            last: day(3)?,
            days: sums.int_at(4),
            revenue_fen: sums.int_at(5),
            first_day_fen: sums.int_at(6),
            costed_fen: sums.int_at(7),
            margin_fen: sums.int_at(8),
            gap_squares: sums.int_at(9),
            discounted_margin: sums.real_at(10),
            discounted_uncosted: sums.real_at(11),
            // Every summary is at the period's rate (checked before reading).
            rate: period.annual_rate,
        };
        out.push(summary.history(kind, period, in_window));
    }
    Ok(out)
}

/// A live customer's summary as the packed query gives it: id, kind, the summary's columns
/// (but its rate),
/// then the window's revenue, costed revenue, margin and purchase days (none outside it).
#[derive(serde::Deserialize)]
#[allow(clippy::type_complexity)]
struct SummaryRow(
    i64,
    String,
    (i32, i32, i64, i64, i64, i64, i64, i64, f64, f64),
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// Customers read a query at a time, packed into one row.
const CHUNK: i64 = 20_000;

/// The histories of the live customers with purchases whose ids are in `lo..=hi`, in id order.
async fn summary_histories(
    pool: &Pool,
    period: &Period,
    (window_start, as_of): (i32, i32),
    lo: i64,
    hi: i64,
) -> Result<Vec<History>, StoreError> {
    // The summary's columns nested in one array: SQLite allows at most 100 arguments to a
    // function. (Joining the window's days by the primary key from each summary instead of
    // summing them per customer below read no faster.)
    let array = match super::DIALECT {
        crate::Dialect::Sqlite => "json_array",
        crate::Dialect::Postgres => "json_build_array",
    };
    let sql = format!(
        "SELECT {} FROM purchase_summaries s JOIN customers c ON c.id = s.customer_id \
         LEFT JOIN (SELECT customer_id, SUM(amount_fen) AS revenue, SUM(costed_fen) AS costed, \
           SUM(margin_fen) AS margin, COUNT(*) AS days FROM purchase_days \
           WHERE customer_id BETWEEN $3 AND $4 AND day >= $1 AND day <= $2 GROUP BY customer_id) w \
           ON w.customer_id = s.customer_id \
         WHERE c.deleted_at IS NULL AND s.customer_id BETWEEN $3 AND $4",
        super::pack(&format!(
            "s.customer_id, c.kind, {array}(s.first_day, s.last_day, s.days, s.revenue_fen, s.first_day_fen, \
             s.costed_fen, s.margin_fen, s.gap_squares, s.discounted_margin, s.discounted_uncosted), \
             w.revenue, w.costed, w.margin, w.days"
        ))
    );
    let mut out = Vec::with_capacity((hi - lo + 1).clamp(0, 1 << 20) as usize);
    for (from, to) in super::id_chunks(lo, hi, CHUNK) {
        let packed: Option<String> = sqlx::query(AssertSqlSafe(sql.as_str()))
            .bind(window_start)
            .bind(as_of)
            .bind(from)
            .bind(to)
            .fetch_one(pool)
            .await?
            .try_get(0)?;
        let mut rows: Vec<SummaryRow> = super::unpack(packed)?;
        rows.sort_unstable_by_key(|r| r.0);
        for SummaryRow(customer_id, kind, s, revenue, costed, margin, days) in rows {
            let kind = CustomerKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?;
            let summary = Summary {
                customer_id,
                first: from_day_number(s.0),
                last: from_day_number(s.1),
                days: s.2,
                revenue_fen: s.3,
                first_day_fen: s.4,
                costed_fen: s.5,
                margin_fen: s.6,
                gap_squares: s.7,
                discounted_margin: s.8,
                discounted_uncosted: s.9,
                // Every summary is at the period's rate (checked before reading).
                rate: period.annual_rate,
            };
            let sums = WindowSums {
                revenue_fen: revenue.unwrap_or(0),
                costed_fen: costed.unwrap_or(0),
                margin_fen: margin.unwrap_or(0),
                days: days.unwrap_or(0),
            };
            out.push(summary.history(kind, period, sums));
        }
    }
    Ok(out)
}

/// Every live customer's `History` as of `period.as_of` (see `guanxi_domain::value::assess`):
/// one aggregate query over the purchase days, in customer order. Realized margin is
/// compounded with a table of each age's factor joined in, since SQLite has no `pow`.
pub async fn histories(pool: &Pool, period: &Period) -> Result<Vec<History>, StoreError> {
    let as_of = day_number(period.as_of);
    let first: Option<i32> = sqlx::query("SELECT MIN(day) FROM purchase_days").fetch_one(pool).await?.try_get(0)?;
    let Some(first) = first.filter(|f| *f <= as_of) else { return Ok(Vec::new()) };
    let factors: Vec<String> =
        (0..=(as_of - first)).map(|age| format!("({age}, {:e})", period.compounding(age as i64))).collect();
    let window_start = day_number(period.window_start());
    let sql = format!(
        "WITH f (age, factor) AS (VALUES {}) \
         SELECT a.*, c.kind FROM ( \
           SELECT p.customer_id, MIN(p.day) AS first, MAX(p.day) AS last, COUNT(*) AS days, \
             CAST(SUM(p.amount_fen) AS BIGINT) AS revenue, \
             CAST(SUM(CASE WHEN p.gap_days IS NULL THEN p.amount_fen ELSE 0 END) AS BIGINT) AS first_day, \
             CAST(SUM(p.costed_fen) AS BIGINT) AS costed, CAST(SUM(p.margin_fen) AS BIGINT) AS margin, \
             CAST(SUM(COALESCE(CAST(p.gap_days AS BIGINT) * p.gap_days, 0)) AS BIGINT) AS gap_squares, \
             CAST(SUM(CASE WHEN p.day >= $2 THEN p.amount_fen ELSE 0 END) AS BIGINT) AS w_revenue, \
             CAST(SUM(CASE WHEN p.day >= $2 THEN p.costed_fen ELSE 0 END) AS BIGINT) AS w_costed, \
             CAST(SUM(CASE WHEN p.day >= $2 THEN p.margin_fen ELSE 0 END) AS BIGINT) AS w_margin, \
             CAST(SUM(CASE WHEN p.day >= $2 THEN 1 ELSE 0 END) AS BIGINT) AS w_days, \
             SUM(p.margin_fen * CAST(f.factor AS DOUBLE PRECISION)) AS c_margin, \
             SUM((p.amount_fen - p.costed_fen) * CAST(f.factor AS DOUBLE PRECISION)) AS c_uncosted \
           FROM purchase_days p JOIN f ON f.age = $1 - p.day WHERE p.day <= $1 GROUP BY p.customer_id \
         ) a JOIN customers c ON c.id = a.customer_id WHERE c.deleted_at IS NULL ORDER BY a.customer_id",
        factors.join(", ")
    );
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(as_of).bind(window_start).fetch_all(pool).await?;
    let mut later: HashMap<i64, i64> = HashMap::new();
    if let Some(until) = period.holdout_until {
        let rows = sqlx::query(
            "SELECT customer_id, COUNT(*) FROM purchase_days WHERE day > $1 AND day <= $2 GROUP BY customer_id",
        )
        .bind(as_of)
        .bind(day_number(until))
        .fetch_all(pool)
        .await?;
        for r in rows {
            later.insert(r.try_get(0)?, r.try_get(1)?);
        }
    }
    rows.iter()
        .map(|r| {
            let customer_id: i64 = r.try_get("customer_id")?;
            let kind: String = r.try_get("kind")?;
            Ok(History {
                customer_id,
                kind: CustomerKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
                first: from_day_number(r.try_get::<i32, _>("first")?),
                last: from_day_number(r.try_get::<i32, _>("last")?),
                days: r.try_get("days")?,
                revenue_fen: r.try_get("revenue")?,
                first_day_fen: r.try_get("first_day")?,
                costed_fen: r.try_get("costed")?,
                margin_fen: r.try_get("margin")?,
                gap_squares: r.try_get("gap_squares")?,
                window_revenue_fen: r.try_get("w_revenue")?,
                window_costed_fen: r.try_get("w_costed")?,
                window_margin_fen: r.try_get("w_margin")?,
                window_days: r.try_get("w_days")?,
                compounded_margin_fen: r.try_get("c_margin")?,
                compounded_uncosted_fen: r.try_get("c_uncosted")?,
                later_days: later.get(&customer_id).copied().unwrap_or(0),
            })
        })
        .collect()
}

/// Replaces the saved values with a new assessment, in one transaction; returns the run's id.
pub async fn save_assessment(
    pool: &Pool,
    actor: Actor,
    as_of: NaiveDate,
    unit: &str,
    report: &serde_json::Value,
    values: &[CustomerValue],
) -> Result<i64, StoreError> {
    let mut tx = super::begin(pool).await?;
    let run: i64 = sqlx::query(
        "INSERT INTO value_runs (at, as_of, unit, customers, report, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(now())
    .bind(as_of)
    .bind(unit)
    .bind(values.len() as i64)
    .bind(report.to_string())
    .bind(actor.0)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    // Emptied at once (no foreign keys keep SQLite from it, migration 12) and filled in id
    // order. The two indexes stay: with a few distinct tiers and segments each new entry lands
    // at the end of its value's run, cheaper than building them again (1.2 s at a million).
    let before = tiers_that_enrol(&mut tx).await?;
    sqlx::query("DELETE FROM customer_values").execute(&mut *tx).await?;
    if let Some(conn) = super::sqlite_connection(&mut tx) {
        insert_values_sqlite(conn, run, values).await?;
    }
    for chunk in values.chunks(500).filter(|_| super::DIALECT == crate::Dialect::Postgres) {
        let mut n = 0;
        let rows: Vec<String> = chunk
            .iter()
            .map(|_| {
                let ps: Vec<String> = (0..17)
                    .map(|_| {
                        n += 1;
                        param(n)
                    })
                    .collect();
                format!("({})", ps.join(", "))
            })
            .collect();
        let sql = format!("INSERT INTO customer_values ({COLUMNS}) VALUES {}", rows.join(", "));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for v in chunk {
            q = q
                .bind(v.customer_id)
                .bind(run)
                .bind(v.tier.code())
                .bind(v.abc.map(abc_code))
                .bind(v.revenue_window_fen)
                .bind(v.rfm.map(|s| s.r as i32))
                .bind(v.rfm.map(|s| s.f as i32))
                .bind(v.rfm.map(|s| s.m as i32))
                .bind(v.segment.map(|s| s.code()))
                .bind(v.p_alive)
                .bind(v.expected_purchases)
                .bind(v.expected_spend_fen)
                .bind(v.clv_history_fen)
                .bind(v.non_monetary.loyalty)
                .bind(v.non_monetary.stability)
                .bind(v.key_score)
                .bind(v.clv_projected_fen);
        }
        q.execute(&mut *tx).await?;
    }
    if let Some(before) = before {
        enrol_new_in_tier(&mut tx, actor, &before, values).await?;
    }
    tx.commit().await?;
    if super::DIALECT == crate::Dialect::Sqlite {
        // A million rows leave a large write-ahead log that every later read must look pages up
        // in until it is checkpointed: fold it into the database now.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
    }
    Ok(run)
}

/// SQLite: one prepared single-row insert stepped on this thread for every customer (see
/// `crate::sqlite_raw`); through sqlx a million rows of 17 values cost more in binding and
/// hand-offs than in SQLite.
async fn insert_values_sqlite(
    conn: &mut sqlx::SqliteConnection,
    run: i64,
    values: &[CustomerValue],
) -> Result<(), StoreError> {
    let raw = crate::sqlite_raw::RawConnection::lock(conn).await?;
    let mut insert =
        raw.prepare(&format!("INSERT INTO customer_values ({COLUMNS}) VALUES ({})", ["?"; 17].join(", ")))?;
    let small = |n: Option<u8>| n.map(i64::from);
    crate::sqlite_raw::blocking(|| {
        for v in values {
            insert.int(1, Some(v.customer_id))?;
            insert.int(2, Some(run))?;
            insert.text(3, Some(v.tier.code()))?;
            insert.text(4, v.abc.map(abc_code))?;
            insert.int(5, Some(v.revenue_window_fen))?;
            insert.int(6, small(v.rfm.map(|s| s.r)))?;
            insert.int(7, small(v.rfm.map(|s| s.f)))?;
            insert.int(8, small(v.rfm.map(|s| s.m)))?;
            insert.text(9, v.segment.map(|s| s.code()))?;
            insert.real(10, v.p_alive)?;
            insert.real(11, v.expected_purchases)?;
            insert.int(12, v.expected_spend_fen)?;
            insert.int(13, Some(v.clv_history_fen))?;
            insert.real(14, v.non_monetary.loyalty)?;
            insert.real(15, v.non_monetary.stability)?;
            insert.real(16, Some(v.key_score))?;
            insert.int(17, v.clv_projected_fen)?;
            insert.run()?;
        }
        Ok(())
    })
}

fn value_from_row(r: &Row) -> Result<CustomerValue, StoreError> {
    let tier: String = r.try_get("tier")?;
    let abc: Option<String> = r.try_get("abc")?;
    let segment: Option<String> = r.try_get("rfm_segment")?;
    let (rr, ff, mm): (Option<i32>, Option<i32>, Option<i32>) =
        (r.try_get("rfm_r")?, r.try_get("rfm_f")?, r.try_get("rfm_m")?);
    Ok(CustomerValue {
        customer_id: r.try_get("customer_id")?,
        tier: ValueTier::parse(&tier).ok_or_else(|| corrupt("tier", &tier))?,
        abc: match abc.as_deref() {
            Some("A") => Some(AbcClass::A),
            Some("B") => Some(AbcClass::B),
            Some("C") => Some(AbcClass::C),
            Some(other) => return Err(corrupt("abc", other)),
            None => None,
        },
        revenue_window_fen: r.try_get("revenue_window_fen")?,
        rfm: match (rr, ff, mm) {
            (Some(r), Some(f), Some(m)) => Some(RfmScore { r: r as u8, f: f as u8, m: m as u8 }),
            _ => None,
        },
        segment: segment.map(|s| RfmSegment::parse(&s).ok_or_else(|| corrupt("rfm_segment", &s))).transpose()?,
        p_alive: r.try_get("p_alive")?,
        expected_purchases: r.try_get("expected_purchases")?,
        expected_spend_fen: r.try_get("expected_spend_fen")?,
        clv_history_fen: r.try_get("clv_history_fen")?,
        clv_projected_fen: r.try_get("clv_projected_fen")?,
        non_monetary: NonMonetary {
            loyalty: r.try_get("loyalty")?,
            stability: r.try_get("stability")?,
            tolerance: None,
            feedback: None,
            referrals: None,
            credit: None,
        },
        key_score: r.try_get("key_score")?,
    })
}

/// The customer's figures from the latest assessment, if it was assessed.
pub async fn customer_value(pool: &Pool, customer_id: i64) -> Result<Option<CustomerValue>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM customer_values WHERE customer_id = $1")))
        .bind(customer_id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(value_from_row).transpose()
}

pub async fn latest_value_run(pool: &Pool) -> Result<Option<ValueRun>, StoreError> {
    let row = sqlx::query("SELECT id, at, as_of, unit, customers, report FROM value_runs ORDER BY id DESC LIMIT 1")
        .fetch_optional(pool)
        .await?;
    let Some(r) = row else { return Ok(None) };
    let report: String = r.try_get("report")?;
    Ok(Some(ValueRun {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        as_of: r.try_get("as_of")?,
        unit: r.try_get("unit")?,
        customers: r.try_get("customers")?,
        report: serde_json::from_str(&report).map_err(|_| corrupt("report", &report))?,
    }))
}

/// The names of customers by id (those that exist).
pub async fn customer_names(pool: &Pool, ids: &[i64]) -> Result<HashMap<i64, String>, StoreError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT id, name FROM customers WHERE id IN ({list})");
        for r in sqlx::query(AssertSqlSafe(sql)).fetch_all(pool).await? {
            out.insert(r.try_get(0)?, r.try_get(1)?);
        }
    }
    Ok(out)
}

/// Valuable customers (key and major) whose P(alive) is below `threshold`, most realized value
/// first: the churn watch list.
pub async fn churn_watch(pool: &Pool, threshold: f64, limit: i64) -> Result<Vec<crate::ChurnRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT v.customer_id, c.name, v.tier, v.p_alive, v.clv_history_fen, v.revenue_window_fen, r.last_order_at \
         FROM customer_values v JOIN customers c ON c.id = v.customer_id \
         LEFT JOIN customer_rollups r ON r.customer_id = v.customer_id \
         WHERE c.deleted_at IS NULL AND v.p_alive < $1 AND v.tier IN ('key', 'major') \
         ORDER BY v.clv_history_fen DESC LIMIT $2",
    )
    .bind(threshold)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let tier: String = r.try_get(2)?;
            Ok(crate::ChurnRow {
                customer_id: r.try_get(0)?,
                name: r.try_get(1)?,
                tier: ValueTier::parse(&tier).ok_or_else(|| corrupt("tier", &tier))?,
                p_alive: r.try_get(3)?,
                clv_history_fen: r.try_get(4)?,
                revenue_window_fen: r.try_get(5)?,
                last_order_at: r.try_get(6)?,
            })
        })
        .collect()
}

/// Before a value run replaces the values: the tier of every customer in a tier that a running
/// cadence takes by itself (key accounts, major customers) — `None` when no cadence does, or
/// there was no run before (on the first run nobody *becomes* anything).
async fn tiers_that_enrol(tx: &mut Tx<'_>) -> Result<Option<HashMap<i64, String>>, StoreError> {
    use guanxi_domain::cadences::EnrolRule;
    let rules = [EnrolRule::BecameKey.code(), EnrolRule::BecameMajor.code()];
    let wanted: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM cadences WHERE enrol_on IN ($1, $2) AND paused_at IS NULL")
            .bind(rules[0])
            .bind(rules[1])
            .fetch_one(&mut **tx)
            .await?;
    let assessed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customer_values").fetch_one(&mut **tx).await?;
    if wanted == 0 || assessed == 0 {
        return Ok(None);
    }
    let rows = sqlx::query("SELECT customer_id, tier FROM customer_values WHERE tier IN ('key', 'major')")
        .fetch_all(&mut **tx)
        .await?;
    Ok(Some(rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect::<Result<_, StoreError>>()?))
}

/// Puts the customers who reached a tier at this run (key accounts, major customers) in the
/// cadences that take that tier's newcomers by themselves.
async fn enrol_new_in_tier(
    tx: &mut Tx<'_>,
    actor: Actor,
    before: &HashMap<i64, String>,
    values: &[CustomerValue],
) -> Result<(), StoreError> {
    let at = now();
    for v in values {
        let Some(rule) = guanxi_domain::cadences::EnrolRule::for_tier(v.tier) else { continue };
        if before.get(&v.customer_id).map(String::as_str) != Some(v.tier.code()) {
            super::cadences::enrol_by_rule_in(tx, rule, v.customer_id, actor, at).await?;
        }
    }
    Ok(())
}

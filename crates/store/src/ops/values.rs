//! Saved customer-value assessments: the run and every assessed customer's figures.

use super::{Pool, Row, corrupt, now, param};
use crate::{Actor, StoreError, ValueRun};
use chrono::NaiveDate;
use guanxi_domain::ValueTier;
use guanxi_domain::value::nonmonetary::NonMonetary;
use guanxi_domain::value::{AbcClass, CustomerValue, RfmScore, RfmSegment};
use sqlx::{AssertSqlSafe, Row as _};

const COLUMNS: &str = "customer_id, run_id, tier, abc, revenue_window_fen, rfm_r, rfm_f, rfm_m, rfm_segment, \
     p_alive, expected_purchases, expected_spend_fen, clv_history_fen, loyalty, stability, key_score, clv_projected_fen";

fn abc_code(a: AbcClass) -> &'static str {
    match a {
        AbcClass::A => "A",
        AbcClass::B => "B",
        AbcClass::C => "C",
    }
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
    let mut tx = pool.begin().await?;
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
    sqlx::query("DELETE FROM customer_values").execute(&mut *tx).await?;
    for chunk in values.chunks(500) {
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
    tx.commit().await?;
    Ok(run)
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

/// Per tier: customers and revenue in the window.
pub async fn tier_summary(pool: &Pool) -> Result<Vec<(ValueTier, i64, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT tier, COUNT(*), CAST(SUM(revenue_window_fen) AS BIGINT) FROM customer_values GROUP BY tier",
    )
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let tier: String = r.try_get(0)?;
        let revenue: Option<i64> = r.try_get(2)?;
        out.push((ValueTier::parse(&tier).ok_or_else(|| corrupt("tier", &tier))?, r.try_get(1)?, revenue.unwrap_or(0)));
    }
    out.sort_by_key(|(t, _, _)| ValueTier::ALL.iter().position(|x| x == t));
    Ok(out)
}

/// Customers by RFM recency score and the mean of frequency and monetary (rounded down).
pub async fn rfm_grid(pool: &Pool) -> Result<Vec<(i32, i32, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT rfm_r, (rfm_f + rfm_m) / 2 AS fm, COUNT(*) FROM customer_values WHERE rfm_r IS NOT NULL GROUP BY rfm_r, fm",
    )
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| Ok((r.try_get::<i32, _>(0)?, r.try_get::<i32, _>(1)?, r.try_get(2)?))).collect()
}

/// Every assessed customer's revenue in the window, largest first (for the Pareto curve).
pub async fn window_revenues(pool: &Pool) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query("SELECT revenue_window_fen FROM customer_values ORDER BY revenue_window_fen DESC")
        .fetch_all(pool)
        .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
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

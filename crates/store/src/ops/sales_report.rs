//! The sales reports: pipeline and results by owner, open deals by month, the funnel, days in each
//! stage, stalled deals, objections by cause and deals lost by competitor.

use super::Pool;
use super::sales::{SELECT, code, opportunity_from_row};
use crate::StoreError;
use guanxi_domain::china::day_number;
use guanxi_domain::sales::*;
use sqlx::{AssertSqlSafe, Row as _};

/// The scope's condition on `o.owner_id`, its parameter numbered `n` (none without a scope).
fn scope_sql(f: &crate::ReportFilter, n: usize) -> String {
    match (&f.owner_id, &f.team) {
        (Some(_), _) => format!("o.owner_id = ${n}"),
        (None, Some(_)) => format!("o.owner_id IN (SELECT id FROM users WHERE team = ${n})"),
        (None, None) => "1 = 1".into(),
    }
}

/// The sales reports for a scope and a period:
/// - by owner and by expected-close month: open deals now (count, amount, amount × probability);
///   per owner also the deals won and lost with a close date in the period;
/// - the funnel: of the deals opened in the period, how many reached each stage;
/// - average days in each stage, over stays that ended in the period; the cycle time (days
///   from opening to winning) over deals won in the period;
/// - stalled: open deals without a change or contact since `stalled_before`;
/// - objections logged in the period by cause; deals lost in the period by competitor.
pub async fn sales_report(pool: &Pool, f: &crate::ReportFilter) -> Result<crate::SalesReport, StoreError> {
    let start = guanxi_domain::china::end_of_day(f.from) - chrono::Duration::days(1);
    let end = guanxi_domain::china::end_of_day(f.to);
    macro_rules! scoped {
        ($q:expr) => {{
            let q = $q;
            match (&f.owner_id, &f.team) {
                (Some(id), _) => q.bind(*id),
                (None, Some(team)) => q.bind(team.clone()),
                (None, None) => q,
            }
        }};
    }
    // Three groups of queries, each on its own connection, at once.
    let part_a = async {
        let mut conn = pool.acquire().await?;

        // Pipeline (open now) and results (closed in the period) by owner, each from its index.
        // One pass over the open deals' index, by owner and expected-close month (in that order,
        // so no sort); summed here both ways.
        let sql = format!(
            "SELECT o.owner_id, COALESCE(SUBSTR(CAST(o.expected_close AS TEXT), 1, 7), ''), COUNT(*), \
         CAST(SUM(o.amount_fen) AS BIGINT), CAST(SUM(o.amount_fen * o.probability) AS BIGINT) FROM opportunities o \
         WHERE o.status = 'open' AND o.deleted_at IS NULL AND {} GROUP BY o.owner_id, 2",
            scope_sql(f, 1)
        );
        let open_rows = scoped!(sqlx::query(AssertSqlSafe(sql))).fetch_all(&mut *conn).await?;
        let sql = format!(
            "SELECT o.owner_id, SUM(CASE WHEN o.status = 'won' THEN 1 ELSE 0 END), \
         SUM(CASE WHEN o.status = 'lost' THEN 1 ELSE 0 END), \
         CAST(SUM(CASE WHEN o.status = 'won' THEN o.won_amount_fen ELSE 0 END) AS BIGINT) FROM opportunities o \
         WHERE o.status IN ('won', 'lost') AND o.closed_on >= $1 AND o.closed_on <= $2 AND o.deleted_at IS NULL \
         AND {} GROUP BY o.owner_id",
            scope_sql(f, 3)
        );
        let closed_rows =
            scoped!(sqlx::query(AssertSqlSafe(sql)).bind(f.from).bind(f.to)).fetch_all(&mut *conn).await?;
        let names: std::collections::HashMap<i64, String> = sqlx::query("SELECT id, username FROM users")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, StoreError>>()?;
        let mut owners: std::collections::BTreeMap<i64, crate::OwnerLine> = std::collections::BTreeMap::new();
        let line = |id: i64| crate::OwnerLine {
            owner: names.get(&id).cloned().unwrap_or_else(|| id.to_string()),
            open: 0,
            pipeline_fen: 0,
            weighted_fen: 0,
            won: 0,
            lost: 0,
            won_fen: 0,
        };
        // Σ amount × probability stays in fen·% until the end, so rounding happens once.
        let mut months: std::collections::BTreeMap<String, (i64, i64, i64)> = std::collections::BTreeMap::new();
        let mut weighted: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
        for r in &open_rows {
            let id: i64 = r.try_get(0)?;
            let month: String = r.try_get(1)?;
            let (n, fen, pct_fen): (i64, i64, i64) = (r.try_get(2)?, r.try_get(3)?, r.try_get(4)?);
            let l = owners.entry(id).or_insert_with(|| line(id));
            (l.open, l.pipeline_fen) = (l.open + n, l.pipeline_fen + fen);
            *weighted.entry(id).or_default() += pct_fen;
            let m = months.entry(month).or_default();
            (m.0, m.1, m.2) = (m.0 + n, m.1 + fen, m.2 + pct_fen);
        }
        for (id, pct_fen) in weighted {
            if let Some(l) = owners.get_mut(&id) {
                l.weighted_fen = pct_fen / 100;
            }
        }
        let by_month: Vec<crate::MonthLine> = months
            .into_iter()
            .map(|(month, (open, pipeline_fen, pct_fen))| crate::MonthLine {
                month,
                open,
                pipeline_fen,
                weighted_fen: pct_fen / 100,
            })
            .collect();
        for r in &closed_rows {
            let id: i64 = r.try_get(0)?;
            let l = owners.entry(id).or_insert_with(|| line(id));
            (l.won, l.lost, l.won_fen) = (r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
        }
        let mut by_owner: Vec<crate::OwnerLine> = owners.into_values().collect();
        by_owner.sort_by(|a, b| b.weighted_fen.cmp(&a.weighted_fen).then_with(|| a.owner.cmp(&b.owner)));
        let (won, lost) = by_owner.iter().fold((0, 0), |(w, l), o| (w + o.won, l + o.lost));

        Ok::<_, StoreError>((by_owner, by_month, won, lost))
    };
    let part_b = async {
        let mut conn = pool.acquire().await?;
        // The funnel of deals opened in the period: how far each got.
        let sql = format!(
            "SELECT o.furthest_stage, COUNT(*) FROM opportunities o WHERE o.created_at >= $1 AND o.created_at < $2 \
         AND o.deleted_at IS NULL AND {} GROUP BY o.furthest_stage",
            scope_sql(f, 3)
        );
        let rows = scoped!(sqlx::query(AssertSqlSafe(sql)).bind(start).bind(end)).fetch_all(&mut *conn).await?;
        let mut at_most = [0i64; 6];
        for r in &rows {
            let i: i32 = r.try_get(0)?;
            at_most[(i.clamp(0, 5)) as usize] += r.try_get::<i64, _>(1)?;
        }
        let funnel = Stage::ALL.iter().map(|s| (*s, at_most[s.index()..].iter().sum::<i64>())).collect();

        // Days in each stage, over stays that ended in the period (a stay ends with the next change).
        let sql = format!(
            "SELECT o.stage, SUM(o.days), CAST(SUM(o.stays) AS BIGINT) FROM stage_stays o WHERE o.day >= $1 AND o.day <= $2 AND {} \
         GROUP BY o.stage",
            scope_sql(f, 3)
        );
        let rows = scoped!(sqlx::query(AssertSqlSafe(sql)).bind(day_number(f.from)).bind(day_number(f.to)))
            .fetch_all(&mut *conn)
            .await?;
        let mut stage_days: Vec<(Stage, f64, i64)> = Vec::new();
        for r in &rows {
            let days: f64 = r.try_get(1)?;
            let n: i64 = r.try_get(2)?;
            stage_days.push((code(r, "stage", Stage::parse)?, if n > 0 { days / n as f64 } else { 0.0 }, n));
        }
        stage_days.sort_by_key(|(s, _, _)| s.index());

        let sql = format!(
            "SELECT AVG(o.cycle_days) FROM opportunities o WHERE o.status = 'won' AND o.closed_on >= $1 AND o.closed_on <= $2 \
         AND o.deleted_at IS NULL AND {}",
            scope_sql(f, 3)
        );
        let cycle_days: Option<f64> =
            scoped!(sqlx::query(AssertSqlSafe(sql)).bind(f.from).bind(f.to)).fetch_one(&mut *conn).await?.try_get(0)?;

        Ok::<_, StoreError>((funnel, stage_days, cycle_days))
    };
    let part_c = async {
        let mut conn = pool.acquire().await?;
        // Stalled: open and quiet; the count, and the largest ones.
        let sql = format!(
            "SELECT COUNT(*) FROM opportunities o WHERE o.status = 'open' AND o.last_activity_at < $1 AND o.deleted_at IS NULL AND {}",
            scope_sql(f, 2)
        );
        let stalled: i64 =
            scoped!(sqlx::query(AssertSqlSafe(sql)).bind(f.stalled_before)).fetch_one(&mut *conn).await?.try_get(0)?;
        // The largest stalled deals: walk open deals from the largest (an index), keep the quiet ones.
        let sql = format!(
            "SELECT o.id FROM opportunities o WHERE o.status = 'open' AND o.last_activity_at < $1 AND o.deleted_at IS NULL \
         AND {} ORDER BY o.amount_fen DESC LIMIT 10",
            scope_sql(f, 2)
        );
        let ids: Vec<i64> = scoped!(sqlx::query(AssertSqlSafe(sql)).bind(f.stalled_before))
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        let list = if ids.is_empty() {
            "0".to_string()
        } else {
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
        };
        let sql = format!("{SELECT} WHERE o.id IN ({list}) ORDER BY o.amount_fen DESC, o.id");
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&mut *conn).await?;
        let stalled_deals = rows.iter().map(opportunity_from_row).collect::<Result<Vec<_>, _>>()?;

        let scope_objections = match (&f.owner_id, &f.team) {
            (None, None) => String::new(),
            _ => format!("AND b.opportunity_id IN (SELECT o.id FROM opportunities o WHERE {})", scope_sql(f, 3)),
        };
        let sql = format!(
            "SELECT b.cause, COUNT(*), SUM(CASE WHEN b.resolved_at IS NULL THEN 1 ELSE 0 END) FROM objections b \
         WHERE b.created_at >= $1 AND b.created_at < $2 AND b.deleted_at IS NULL {scope_objections} \
         GROUP BY b.cause ORDER BY 2 DESC, 1"
        );
        let rows = scoped!(sqlx::query(AssertSqlSafe(sql)).bind(start).bind(end)).fetch_all(&mut *conn).await?;
        let mut objections = Vec::new();
        for r in &rows {
            objections.push((code(r, "cause", ObjectionCause::parse)?, r.try_get(1)?, r.try_get(2)?));
        }

        let sql = format!(
            "SELECT COALESCE(o.lost_to, ''), COUNT(*), CAST(SUM(o.amount_fen) AS BIGINT) FROM opportunities o \
         WHERE o.status = 'lost' AND o.closed_on >= $1 AND o.closed_on <= $2 AND o.deleted_at IS NULL AND {} \
         GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20",
            scope_sql(f, 3)
        );
        let rows = scoped!(sqlx::query(AssertSqlSafe(sql)).bind(f.from).bind(f.to)).fetch_all(&mut *conn).await?;
        let mut lost_to = Vec::new();
        for r in &rows {
            lost_to.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
        }
        Ok::<_, StoreError>((stalled, stalled_deals, objections, lost_to))
    };
    let (
        (by_owner, by_month, won, lost),
        (funnel, stage_days, cycle_days),
        (stalled, stalled_deals, objections, lost_to),
    ) = tokio::try_join!(part_a, part_b, part_c)?;
    Ok(crate::SalesReport {
        by_owner,
        by_month,
        funnel,
        stage_days,
        cycle_days,
        won,
        lost,
        stalled,
        stalled_deals,
        objections,
        lost_to,
    })
}

//! Where each customer's relationship stands (issue #6): the inputs counted from the archive —
//! contacts, responses, criticism and complaints, competitor engagements, orders, value,
//! surveys, referrals — the recompute that derives every customer's standing and writes what
//! changed, the one-customer refresh after a write, and the health checks and the health list.

use super::{DIALECT, Pool, Row, audit, corrupt, now, pack, param, unpack};
use crate::{
    Actor, Dialect, HealthCheckRecord, HealthOrder, HealthRow, StandingRecord, StandingReport, StandingRunStats,
    StoreError,
};
use chrono::{DateTime, Duration, Utc};
use guanxi_domain::china;
use guanxi_domain::health::{Answer, Evidence, HealthCheck, Score, Sign, SignAnswer, Source};
use guanxi_domain::relationship::{ContactEvidence, RelationshipLevel};
use guanxi_domain::standing::{self, Inputs, Phase, Quadrant, SurveyAnswers, Thresholds};
use guanxi_domain::{CustomerStatus, ValueTier};
use sqlx::{AssertSqlSafe, Row as _};

/// `AND <column> BETWEEN $n AND $n+1`: the customers counted, bound after the statement's
/// other parameters. (Numbered like them: SQLite numbers an anonymous `?` after the named ones,
/// which sqlx does not follow.)
fn within(column: &str, n: usize) -> String {
    format!(" AND {column} BETWEEN ${n} AND ${}", n + 1)
}

/// A customer's inputs, owner, and what the facts table holds for them now.
type Entry = (i64, Inputs, Option<Facts>, Option<i64>);

fn at(v: &mut [Entry], id: i64) -> Option<&mut Inputs> {
    v.binary_search_by_key(&id, |e| e.0).ok().map(|k| &mut v[k].1)
}

/// Customers read a query at a time, packed into one row.
const CHUNK: i64 = 20_000;

/// A customer as the packed base query gives it: id, status, wallet share, first and last
/// purchase, purchase days, rhythm, tier, P(alive), revenue, then the stored facts.
#[derive(serde::Deserialize)]
#[allow(clippy::type_complexity)]
struct BaseRow(
    i64,
    String,
    Option<i32>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<i64>,
    Option<f64>,
    Option<String>,
    Option<f64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    i32,
    Option<i32>,
    Option<i32>,
    Option<DateTime<Utc>>,
    Option<i32>,
    Option<i32>,
    Option<String>,
    Option<i32>,
    Option<i64>,
    Option<i64>,
);

/// A customer's contacts of the last year as the packed query counts them.
#[derive(serde::Deserialize)]
struct ContactRow(
    i64,
    Option<i64>,
    Option<DateTime<Utc>>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

fn count(r: &Row, i: usize) -> Result<u32, StoreError> {
    Ok(r.try_get::<Option<i64>, _>(i)?.unwrap_or(0).max(0) as u32)
}

/// The inputs of the live customers whose ids are in `lo..=hi` (one customer: `lo == hi`),
/// sorted by id, as of `now`, each with its stored facts.
async fn standing_inputs(pool: &Pool, lo: i64, hi: i64, now: DateTime<Utc>) -> Result<Vec<Entry>, StoreError> {
    let today = china::day(now);
    let year_ago = now - Duration::days(365);
    let half_year_ago = now - Duration::days(180);
    let mut out: Vec<Entry> = Vec::new();

    // The two large reads come back packed: a JSON array of a whole chunk of customers in one
    // row. Rows handed one by one from the driver's thread cost more than the database's work
    // (11 s of a 14 s read at a million customers; packed, the same read takes a few seconds).
    let base = format!(
        "SELECT {} \
         FROM customers c LEFT JOIN customer_rollups r ON r.customer_id = c.id \
         LEFT JOIN customer_values v ON v.customer_id = c.id LEFT JOIN relationship_facts f ON f.customer_id = c.id \
         WHERE c.deleted_at IS NULL AND c.merged_into_id IS NULL{}",
        pack(
            "c.id, c.status, c.wallet_share, r.first_order_at, r.last_order_at, r.purchase_days, \
             r.rhythm_days, v.tier, v.p_alive, r.revenue_fen, f.level_proposed, f.lifecycle, f.signs, \
             CASE WHEN f.watched THEN 1 ELSE 0 END, f.health_score, f.health_change, f.health_checked_at, \
             f.satisfaction, f.loyalty, f.quadrant, f.health_known, c.owner_id, f.owner_id"
        ),
        within("c.id", 1)
    );
    let contacts = format!(
        "SELECT {} FROM (SELECT customer_id, \
         SUM(CASE WHEN channel IN ('face_to_face', 'event') THEN 1 ELSE 0 END) AS met, \
         MAX(CASE WHEN channel IN ('face_to_face', 'event') THEN occurred_at END) AS latest_met, \
         SUM(CASE WHEN channel IN ('phone', 'letter', 'email', 'website', 'wechat_sms') THEN 1 ELSE 0 END) AS remote, \
         SUM(CASE WHEN channel NOT IN ('media', 'store_environment') THEN 1 ELSE 0 END) AS year, \
         SUM(CASE WHEN channel NOT IN ('media', 'store_environment') AND occurred_at >= $2 THEN 1 ELSE 0 END) AS half, \
         SUM(CASE WHEN direction = 'inbound' AND occurred_at >= $2 THEN 1 ELSE 0 END) AS inbound, \
         SUM(CASE WHEN direction = 'outbound' AND channel IN ('phone', 'wechat_sms') AND response IS NOT NULL \
             AND occurred_at >= $2 THEN 1 ELSE 0 END) AS recorded, \
         SUM(CASE WHEN direction = 'outbound' AND channel IN ('phone', 'wechat_sms') AND response = 'answered' \
             AND occurred_at >= $2 THEN 1 ELSE 0 END) AS answered, \
         SUM(CASE WHEN feedback = 'criticism' THEN 1 ELSE 0 END) AS criticism, \
         SUM(CASE WHEN feedback = 'complaint' THEN 1 ELSE 0 END) AS complaints \
         FROM interactions WHERE deleted_at IS NULL AND occurred_at >= $1{} GROUP BY customer_id) counted",
        pack("customer_id, met, latest_met, remote, year, half, inbound, recorded, answered, criticism, complaints"),
        within("customer_id", 3)
    );
    for (from, to) in super::id_chunks(lo, hi, CHUNK) {
        let packed: Option<String> =
            sqlx::query(AssertSqlSafe(base.as_str())).bind(from).bind(to).fetch_one(pool).await?.try_get(0)?;
        let mut rows: Vec<BaseRow> = unpack(packed)?;
        rows.sort_unstable_by_key(|r| r.0);
        let first_new = out.len();
        for r in rows {
            let facts = facts_from_parts(r.10, r.11, r.12, r.13, (r.14, r.15, r.16), (r.17, r.18, r.19, r.20), r.22)?;
            out.push((
                r.0,
                Inputs {
                    status: Some(CustomerStatus::from_code(&r.1).ok_or_else(|| corrupt("status", &r.1))?),
                    wallet_share: r.2.map(|w| w.clamp(0, 100) as u8),
                    first_order: r.3.map(china::day),
                    last_order: r.4.map(china::day),
                    purchase_days: r.5.unwrap_or(0).max(0) as u32,
                    rhythm_days: r.6,
                    tier: r.7.map(|t| ValueTier::from_code(&t).ok_or_else(|| corrupt("tier", &t))).transpose()?,
                    p_alive: r.8,
                    revenue_fen: r.9.unwrap_or(0),
                    ..Inputs::default()
                },
                facts,
                r.21,
            ));
        }
        let packed: Option<String> = sqlx::query(AssertSqlSafe(contacts.as_str()))
            .bind(year_ago)
            .bind(half_year_ago)
            .bind(from)
            .bind(to)
            .fetch_one(pool)
            .await?
            .try_get(0)?;
        let chunk = &mut out[first_new..];
        for r in unpack::<ContactRow>(packed)? {
            let Some(i) = at(chunk, r.0) else { continue };
            let n = |x: Option<i64>| x.unwrap_or(0).max(0) as u32;
            i.contacts = ContactEvidence {
                face_to_face: (n(r.1) as usize, r.2.map(|m| (now - m).num_days().max(0))),
                remote: (n(r.3) as usize, None),
            };
            let s = &mut i.signals;
            s.contacts_365 = n(r.4);
            s.contacts_180 = n(r.5);
            s.inbound_180 = n(r.6);
            s.calls_recorded = n(r.7);
            s.calls_answered = n(r.8);
            s.criticism_365 = n(r.9);
            s.complaints_365 = n(r.10);
        }
    }

    // Objections whose cause is on our side: the customer pointed out a flaw.
    let sql = format!(
        "SELECT o.customer_id, COUNT(*) FROM objections j JOIN opportunities o ON o.id = j.opportunity_id \
         WHERE j.cause IN ('product', 'price', 'service', 'delivery') AND j.created_at >= $1{} GROUP BY o.customer_id",
        within("o.customer_id", 2)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(year_ago);
    q = q.bind(lo).bind(hi);
    for r in q.fetch_all(pool).await? {
        if let Some(i) = at(&mut out, r.try_get(0)?) {
            i.signals.criticism_365 += count(&r, 1)?;
        }
    }

    // Competitor engagements: ever, and signed / in use / in talks now, and talks that ended.
    let sql = format!(
        "SELECT customer_id, COUNT(*), \
         SUM(CASE WHEN kind = 'signed' AND (until IS NULL OR until >= $1) THEN 1 ELSE 0 END), \
         SUM(CASE WHEN kind = 'using' AND (until IS NULL OR until >= $1) THEN 1 ELSE 0 END), \
         SUM(CASE WHEN kind IN ('talking', 'trial') AND (until IS NULL OR until >= $1) THEN 1 ELSE 0 END), \
         SUM(CASE WHEN kind IN ('talking', 'trial') AND until < $1 THEN 1 ELSE 0 END) \
         FROM competitor_engagements WHERE 1 = 1{} GROUP BY customer_id",
        within("customer_id", 2)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(today);
    q = q.bind(lo).bind(hi);
    for r in q.fetch_all(pool).await? {
        if let Some(i) = at(&mut out, r.try_get(0)?) {
            let s = &mut i.signals;
            s.engagements = count(&r, 1)?;
            s.signed_now = count(&r, 2)?;
            s.using_now = count(&r, 3)?;
            s.talking_now = count(&r, 4)?;
            s.talks_ended = count(&r, 5)?;
        }
    }

    // Surveys of the last two years: the latest answer, and criticism in the last year.
    let sql = format!(
        "SELECT customer_id, answered_at, satisfied, buy_again, recommend, expectation, experience, comment \
         FROM surveys WHERE answered_at >= $1{} ORDER BY customer_id, answered_at, id",
        within("customer_id", 2)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(now - Duration::days(730));
    q = q.bind(lo).bind(hi);
    for r in q.fetch_all(pool).await? {
        let Some(i) = at(&mut out, r.try_get(0)?) else { continue };
        let answered: DateTime<Utc> = r.try_get(1)?;
        let a = survey_answers(&r, 2)?;
        if answered >= year_ago && a.is_criticism() {
            i.signals.criticism_365 += 1;
        }
        i.survey = Some(a);
    }

    // Customers each one brought.
    let sql = format!(
        "SELECT referrer_id, COUNT(*) FROM referrals WHERE deleted_at IS NULL{} GROUP BY referrer_id",
        within("referrer_id", 1)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    q = q.bind(lo).bind(hi);
    for r in q.fetch_all(pool).await? {
        if let Some(i) = at(&mut out, r.try_get(0)?) {
            i.referred = count(&r, 1)?;
        }
    }
    Ok(out)
}

/// A survey's answers from `satisfied, buy_again, recommend, expectation, experience, comment`
/// starting at column `from`.
fn survey_answers(r: &Row, from: usize) -> Result<SurveyAnswers, StoreError> {
    let small = |i: usize| -> Result<u8, StoreError> { Ok(r.try_get::<i32, _>(from + i)?.clamp(1, 5) as u8) };
    Ok(SurveyAnswers {
        satisfied: r.try_get(from)?,
        buy_again: r.try_get(from + 1)?,
        recommend: r.try_get(from + 2)?,
        expectation: small(3)?,
        experience: small(4)?,
        comment: r.try_get(from + 5)?,
        respondent: None,
    })
}

/// What the facts table keeps of a customer.
#[derive(Debug, Clone, PartialEq)]
struct Facts {
    level: RelationshipLevel,
    phase: Phase,
    signs: String,
    watched: bool,
    health_score: Option<i32>,
    health_change: Option<i32>,
    /// How many of the ten signs the score stands on.
    health_known: Option<i32>,
    health_checked_at: Option<DateTime<Utc>>,
    satisfaction: Option<i32>,
    loyalty: Option<i32>,
    quadrant: Option<Quadrant>,
    /// The customer's owner, copied for the health list of one owner.
    owner_id: Option<i64>,
}

const FACT_COLUMNS: &str = "customer_id, computed_at, level_proposed, lifecycle, signs, watched, health_score, \
     health_change, health_checked_at, satisfaction, loyalty, quadrant, health_known, owner_id";

/// The stored facts from their columns (none when the customer has no row yet): level, phase,
/// signs, watched, (score, change, checked at), (satisfaction, loyalty, quadrant, known), owner.
#[allow(clippy::type_complexity)]
fn facts_from_parts(
    level: Option<String>,
    phase: Option<String>,
    signs: Option<String>,
    watched: i32,
    (health_score, health_change, health_checked_at): (Option<i32>, Option<i32>, Option<DateTime<Utc>>),
    (satisfaction, loyalty, quadrant, health_known): (Option<i32>, Option<i32>, Option<String>, Option<i32>),
    owner_id: Option<i64>,
) -> Result<Option<Facts>, StoreError> {
    let (Some(level), Some(phase), Some(signs)) = (level, phase, signs) else { return Ok(None) };
    Ok(Some(Facts {
        level: RelationshipLevel::from_code(&level).ok_or_else(|| corrupt("level_proposed", &level))?,
        phase: Phase::from_code(&phase).ok_or_else(|| corrupt("lifecycle", &phase))?,
        signs,
        watched: watched != 0,
        health_score,
        health_change,
        health_known,
        health_checked_at,
        satisfaction,
        loyalty,
        quadrant: quadrant.map(|q| Quadrant::from_code(&q).ok_or_else(|| corrupt("quadrant", &q))).transpose()?,
        owner_id,
    }))
}

/// The facts a standing gives, keeping the health score of the latest check when there is one
/// (`previous`), else scoring the data's signs — the change then is against the data's score
/// at the last recompute.
fn facts_of(s: &standing::Standing, previous: Option<&Facts>, owner_id: Option<i64>) -> Facts {
    let data = Score::of_marks(&s.signs);
    let data_score = data.percent();
    let data_known = Some(data.known() as i32);
    let (health_score, health_change, health_known, health_checked_at) = match previous {
        Some(p) if p.health_checked_at.is_some() => {
            (p.health_score, p.health_change, p.health_known, p.health_checked_at)
        }
        Some(p) => {
            let change = match (data_score, p.health_score) {
                (Some(new), Some(old)) if new != old => Some(new - old),
                _ => p.health_change.or(Some(0)),
            };
            (data_score, change, data_known, None)
        }
        // No change yet is a change of 0, so that the list's orders follow its indexes on both
        // databases (which sort NULLs differently).
        None => (data_score, Some(0), data_known, None),
    };
    Facts {
        level: s.level,
        phase: s.phase,
        signs: s.signs.clone(),
        watched: s.watched || health_checked_at.is_some(),
        health_score,
        health_change,
        health_known,
        health_checked_at,
        satisfaction: s.satisfaction.map(i32::from),
        loyalty: s.loyalty.map(i32::from),
        quadrant: s.quadrant,
        owner_id,
    }
}

/// Writes facts rows (insert or replace), 500 a statement.
async fn write_facts(pool: &Pool, rows: &[(i64, Facts)], at: DateTime<Utc>) -> Result<(), StoreError> {
    for chunk in rows.chunks(500) {
        let mut tx = super::begin(pool).await?;
        upsert_facts(&mut *tx, chunk, at).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Writes one customer's facts if the writer is free at once, else leaves them for the next
/// view or the nightly recompute: a page read never waits behind a long import for SQLite's
/// one writer (problem 4 of the reliability review).
async fn write_facts_if_free(pool: &Pool, rows: &[(i64, Facts)], at: DateTime<Utc>) -> Result<(), StoreError> {
    let mut conn = super::eager_connection(pool).await?;
    let written = upsert_facts(&mut *conn, rows, at).await;
    super::give_back_eager(conn, written).await
}

async fn upsert_facts<'e, E: sqlx::Executor<'e, Database = super::DB>>(
    e: E,
    chunk: &[(i64, Facts)],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    const COLS: usize = 14;
    let values = super::values_clause(chunk.len(), COLS, &|_, p| p);
    let sql = format!(
        "INSERT INTO relationship_facts ({FACT_COLUMNS}) VALUES {values} ON CONFLICT (customer_id) DO UPDATE SET \
         computed_at = excluded.computed_at, level_proposed = excluded.level_proposed, \
         lifecycle = excluded.lifecycle, signs = excluded.signs, watched = excluded.watched, \
         health_score = excluded.health_score, health_change = excluded.health_change, \
         health_checked_at = excluded.health_checked_at, satisfaction = excluded.satisfaction, \
         loyalty = excluded.loyalty, quadrant = excluded.quadrant, health_known = excluded.health_known, \
         owner_id = excluded.owner_id"
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for (id, f) in chunk {
        q = q
            .bind(*id)
            .bind(at)
            .bind(f.level.code())
            .bind(f.phase.code())
            .bind(f.signs.as_str())
            .bind(f.watched)
            .bind(f.health_score)
            .bind(f.health_change)
            .bind(f.health_checked_at)
            .bind(f.satisfaction)
            .bind(f.loyalty)
            .bind(f.quadrant.map(|q| q.code()))
            .bind(f.health_known)
            .bind(f.owner_id);
    }
    q.execute(e).await?;
    Ok(())
}

/// Recomputes every customer's standing as of `now` and writes the rows that changed (each
/// batch its own short transaction, so people keep working meanwhile); opens win-back cases
/// for lapsed valuable customers; keeps the run's counts.
pub async fn recompute_standing(
    pool: &Pool,
    now: DateTime<Utc>,
    thresholds: Thresholds,
) -> Result<StandingRunStats, StoreError> {
    let today = china::day(now);
    let clock = std::time::Instant::now();
    // Two halves of the customers read at once, one a core: reading rows through the driver,
    // not the database's work, is what takes the time.
    let bounds = sqlx::query("SELECT MIN(id), MAX(id) FROM customers").fetch_one(pool).await?;
    let (lo, hi): (Option<i64>, Option<i64>) = (bounds.try_get(0)?, bounds.try_get(1)?);
    let (lo, hi) = (lo.unwrap_or(0), hi.unwrap_or(-1));
    let mid = lo + (hi - lo) / 2;
    let (mut inputs, upper) =
        tokio::try_join!(standing_inputs(pool, lo, mid, now), standing_inputs(pool, mid + 1, hi, now))?;
    inputs.extend(upper);
    let read_ms = clock.elapsed().as_secs_f64() * 1000.0;
    let clock = std::time::Instant::now();
    let mut report = StandingReport::default();
    let mut changed: Vec<(i64, Facts)> = Vec::new();
    let mut winback = Vec::new();
    for (id, i, previous, owner) in &inputs {
        let previous = previous.as_ref();
        let s = standing::assess(i, today, thresholds);
        if let Some((trigger, figure)) = standing::winback_case(i, s.why, thresholds) {
            winback.push((*id, trigger, figure));
        }
        let f = facts_of(&s, previous, *owner);
        report.add(&f.level, f.phase, f.quadrant, f.satisfaction, f.loyalty, f.watched, f.health_score);
        if previous != Some(&f) {
            changed.push((*id, f));
        }
    }
    let compute_ms = clock.elapsed().as_secs_f64() * 1000.0;
    let clock = std::time::Instant::now();
    write_facts(pool, &changed, now).await?;
    // Rows of customers deleted or merged since.
    sqlx::query(
        "DELETE FROM relationship_facts WHERE customer_id IN \
         (SELECT id FROM customers WHERE deleted_at IS NOT NULL OR merged_into_id IS NOT NULL)",
    )
    .execute(pool)
    .await?;
    let write_ms = clock.elapsed().as_secs_f64() * 1000.0;
    let clock = std::time::Instant::now();
    report.winback_opened = super::winback::open_cases_for(pool, &winback).await? as i64;
    let run: i64 =
        sqlx::query("INSERT INTO relationship_runs (at, customers, report) VALUES ($1, $2, $3) RETURNING id")
            .bind(now)
            .bind(inputs.len() as i64)
            .bind(serde_json::to_string(&report).map_err(|e| StoreError::Corrupt(e.to_string()))?)
            .fetch_one(pool)
            .await?
            .try_get(0)?;
    if DIALECT == Dialect::Sqlite && changed.len() > 100_000 {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
    }
    Ok(StandingRunStats {
        run,
        customers: inputs.len(),
        changed: changed.len(),
        winback_opened: report.winback_opened,
        read_ms,
        compute_ms,
        write_ms,
        open_ms: clock.elapsed().as_secs_f64() * 1000.0,
    })
}

/// The latest recompute's counts.
pub async fn latest_standing_run(pool: &Pool) -> Result<Option<(DateTime<Utc>, i64, StandingReport)>, StoreError> {
    let row = sqlx::query("SELECT at, customers, report FROM relationship_runs ORDER BY id DESC LIMIT 1")
        .fetch_optional(pool)
        .await?;
    let Some(r) = row else { return Ok(None) };
    let report: String = r.try_get(2)?;
    Ok(Some((
        r.try_get(0)?,
        r.try_get(1)?,
        serde_json::from_str(&report).map_err(|_| corrupt("relationship run report", &report))?,
    )))
}

/// One customer's standing computed now, with the inputs it came from (their page shows why),
/// and their facts row brought up to date.
pub async fn refresh_standing(
    pool: &Pool,
    customer_id: i64,
    now: DateTime<Utc>,
    thresholds: Thresholds,
) -> Result<StandingRecord, StoreError> {
    let mut inputs = standing_inputs(pool, customer_id, customer_id, now).await?;
    let Some((_, inputs, stored, owner)) = inputs.pop() else {
        return Err(StoreError::not_found("customer", customer_id));
    };
    let s = standing::assess(&inputs, china::day(now), thresholds);
    // The health score: the latest check's (and the change from the last one before it that had
    // a score), else the data's.
    let checks = sqlx::query(
        "SELECT score, checked_at, yes_count + no_count FROM health_checks WHERE customer_id = $1 \
         AND (id = (SELECT MAX(id) FROM health_checks WHERE customer_id = $1) OR score IS NOT NULL) \
         ORDER BY id DESC LIMIT 2",
    )
    .bind(customer_id)
    .fetch_all(pool)
    .await?;
    let mut f = facts_of(&s, stored.as_ref().filter(|p| p.health_checked_at.is_none()), owner);
    if let Some(latest) = checks.first() {
        let score: Option<i32> = latest.try_get(0)?;
        let before: Option<i32> = checks.get(1).map(|r| r.try_get(0)).transpose()?.flatten();
        f.health_score = score;
        f.health_change = Some(score.zip(before).map_or(0, |(a, b)| a - b));
        f.health_checked_at = Some(latest.try_get(1)?);
        f.health_known = Some(latest.try_get(2)?);
        f.watched = true;
    }
    if stored.as_ref() != Some(&f) {
        write_facts_if_free(pool, &[(customer_id, f.clone())], now).await?;
    }
    Ok(StandingRecord {
        standing: s,
        inputs,
        health_score: f.health_score,
        health_change: f.health_change,
        health_known: f.health_known,
        health_checked_at: f.health_checked_at,
    })
}

/// Saves a health check (audited) and returns its id. The caller refreshes the standing.
pub async fn save_health_check(
    pool: &Pool,
    actor: Actor,
    customer_id: i64,
    check: &HealthCheck,
) -> Result<i64, StoreError> {
    let mut tx = super::begin(pool).await?;
    super::customers::load_live(&mut tx, customer_id).await?;
    let score = check.score();
    let id: i64 = sqlx::query(
        "INSERT INTO health_checks (customer_id, checked_at, checked_by, yes_count, no_count, score, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(customer_id)
    .bind(now())
    .bind(actor.0)
    .bind(score.yes as i32)
    .bind(score.no as i32)
    .bind(score.percent())
    .bind(&check.note)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    for s in &check.signs {
        sqlx::query(
            "INSERT INTO health_check_signs (check_id, sign, answer, source, evidence, note) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(s.sign.code())
        .bind(s.answer.code())
        .bind(s.source.code())
        .bind(s.evidence.map(|e| e.code()))
        .bind(&s.note)
        .execute(&mut *tx)
        .await?;
    }
    let after: serde_json::Map<String, serde_json::Value> =
        check.signs.iter().map(|s| (s.sign.code().to_string(), s.answer.code().into())).collect();
    audit(
        &mut tx,
        actor,
        "create",
        "health_check",
        Some(id),
        Some(customer_id),
        None,
        Some(&serde_json::Value::Object(after)),
        check.note.as_deref(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A customer's health checks, newest first, each with its ten answers.
pub async fn health_checks(pool: &Pool, customer_id: i64) -> Result<Vec<HealthCheckRecord>, StoreError> {
    let checks = sqlx::query(
        "SELECT h.id, h.checked_at, u.username, h.yes_count, h.no_count, h.score, h.note FROM health_checks h \
         JOIN users u ON u.id = h.checked_by WHERE h.customer_id = $1 ORDER BY h.id DESC",
    )
    .bind(customer_id)
    .fetch_all(pool)
    .await?;
    let signs = sqlx::query(
        "SELECT s.check_id, s.sign, s.answer, s.source, s.evidence, s.note FROM health_check_signs s \
         JOIN health_checks h ON h.id = s.check_id WHERE h.customer_id = $1",
    )
    .bind(customer_id)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(checks.len());
    for c in &checks {
        let id: i64 = c.try_get(0)?;
        let mut answers = Vec::new();
        for s in signs.iter().filter(|s| s.try_get::<i64, _>(0).ok() == Some(id)) {
            let (sign, answer, source): (String, String, String) = (s.try_get(1)?, s.try_get(2)?, s.try_get(3)?);
            let evidence: Option<String> = s.try_get(4)?;
            answers.push(SignAnswer {
                sign: Sign::from_code(&sign).ok_or_else(|| corrupt("sign", &sign))?,
                answer: Answer::from_code(&answer).ok_or_else(|| corrupt("answer", &answer))?,
                source: Source::from_code(&source).ok_or_else(|| corrupt("source", &source))?,
                evidence: evidence.as_deref().and_then(Evidence::parse),
                note: s.try_get(5)?,
            });
        }
        answers.sort_by_key(|a| a.sign);
        out.push(HealthCheckRecord {
            id,
            customer_id,
            checked_at: c.try_get(1)?,
            checked_by: c.try_get(2)?,
            score: Score { yes: c.try_get::<i32, _>(3)?.max(0) as u32, no: c.try_get::<i32, _>(4)?.max(0) as u32 },
            note: c.try_get(6)?,
            signs: answers,
        });
    }
    Ok(out)
}

/// The relationship-health list: key and major customers and anyone checked, a page of them.
/// `owner` / `team` narrow it to one person's or one team's customers.
pub async fn health_list(
    pool: &Pool,
    order: HealthOrder,
    owner: Option<i64>,
    team: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<HealthRow>, StoreError> {
    let (filter, sort) = match order {
        HealthOrder::Worst => {
            ("f.health_score IS NOT NULL", "f.health_score, f.health_change, f.health_known DESC, f.customer_id")
        }
        HealthOrder::Falling => ("f.health_change < 0", "f.health_change, f.health_score, f.customer_id"),
        HealthOrder::Unknown => ("f.health_score IS NULL", "f.customer_id"),
    };
    // Everyone's list walks the order's index and stops at the page; one owner's walks the
    // owner's part of `relationship_facts_owner`; one team's reads its owners' and sorts them.
    let index = match (DIALECT, owner.is_some(), order) {
        (Dialect::Sqlite, true, HealthOrder::Worst) => " INDEXED BY relationship_facts_owner",
        (Dialect::Sqlite, false, HealthOrder::Unknown) if team.is_none() => " INDEXED BY relationship_facts_unknown",
        _ => "",
    };
    let mut sql = format!(
        "{HEALTH_COLUMNS} FROM relationship_facts f{index} JOIN customers c ON c.id = f.customer_id {HEALTH_JOINS} \
         WHERE f.watched AND c.deleted_at IS NULL AND {filter}"
    );
    let mut n = 0;
    let mut next = || {
        n += 1;
        param(n)
    };
    if owner.is_some() {
        sql.push_str(&format!(" AND f.owner_id = {} AND c.owner_id = {}", next(), next()));
    }
    if team.is_some() {
        sql.push_str(&format!(" AND f.owner_id IN (SELECT id FROM users WHERE team = {})", next()));
    }
    sql.push_str(&format!(" ORDER BY {sort} LIMIT {} OFFSET {}", next(), next()));
    let mut q = sqlx::query(AssertSqlSafe(sql));
    if let Some(o) = owner {
        q = q.bind(o).bind(o);
    }
    if let Some(t) = team {
        q = q.bind(t);
    }
    let rows = q.bind(limit).bind(offset).fetch_all(pool).await?;
    rows.iter().map(health_row).collect()
}

const HEALTH_COLUMNS: &str = "SELECT f.customer_id, c.name, u.username, v.tier, f.health_score, f.health_change, \
     f.health_checked_at, f.signs, f.lifecycle, f.quadrant, f.satisfaction, f.loyalty, f.health_known";

/// The other tables a health line reads.
const HEALTH_JOINS: &str =
    "LEFT JOIN users u ON u.id = c.owner_id LEFT JOIN customer_values v ON v.customer_id = f.customer_id";

fn health_row(r: &Row) -> Result<HealthRow, StoreError> {
    let tier: Option<String> = r.try_get(3)?;
    let phase: String = r.try_get(8)?;
    let quadrant: Option<String> = r.try_get(9)?;
    Ok(HealthRow {
        customer_id: r.try_get(0)?,
        name: r.try_get(1)?,
        owner: r.try_get(2)?,
        tier: tier.and_then(|t| ValueTier::from_code(&t)),
        score: r.try_get(4)?,
        change: r.try_get(5)?,
        checked_at: r.try_get(6)?,
        signs: r.try_get(7)?,
        phase: Phase::from_code(&phase).ok_or_else(|| corrupt("lifecycle", &phase))?,
        quadrant: quadrant.and_then(|q| Quadrant::from_code(&q)),
        satisfaction: r.try_get(10)?,
        loyalty: r.try_get(11)?,
        known: r.try_get(12)?,
    })
}

/// Customers in one quadrant (destroyers first of all: they need a call), a page of them,
/// least satisfied first.
pub async fn in_quadrant(
    pool: &Pool,
    quadrant: Quadrant,
    limit: i64,
    offset: i64,
) -> Result<Vec<HealthRow>, StoreError> {
    let sql = format!(
        "{HEALTH_COLUMNS} FROM relationship_facts f JOIN customers c ON c.id = f.customer_id {HEALTH_JOINS} \
         WHERE f.quadrant = $1 AND c.deleted_at IS NULL ORDER BY f.satisfaction, f.loyalty, f.customer_id LIMIT $2 OFFSET $3"
    );
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(quadrant.code()).bind(limit).bind(offset).fetch_all(pool).await?;
    rows.iter().map(health_row).collect()
}

/// Our share of the customer's spending, as a person knows it (audited); `None` clears it.
pub async fn set_wallet_share(
    pool: &Pool,
    actor: Actor,
    customer_id: i64,
    share: Option<u8>,
) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    super::customers::load_live(&mut tx, customer_id).await?;
    let before: Option<i32> = sqlx::query("SELECT wallet_share FROM customers WHERE id = $1")
        .bind(customer_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    sqlx::query("UPDATE customers SET wallet_share = $1 WHERE id = $2")
        .bind(share.map(i32::from))
        .bind(customer_id)
        .execute(&mut *tx)
        .await?;
    audit(
        &mut tx,
        actor,
        "update",
        "wallet_share",
        Some(customer_id),
        Some(customer_id),
        Some(&serde_json::json!({ "wallet_share": before })),
        Some(&serde_json::json!({ "wallet_share": share })),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The share of spending recorded for a customer.
pub async fn wallet_share(pool: &Pool, customer_id: i64) -> Result<Option<u8>, StoreError> {
    let r = sqlx::query("SELECT wallet_share FROM customers WHERE id = $1")
        .bind(customer_id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::not_found("customer", customer_id))?;
    Ok(r.try_get::<Option<i32>, _>(0)?.map(|w| w.clamp(0, 100) as u8))
}

//! Where each customer's relationship stands (issue #6): the inputs counted from the archive —
//! contacts, responses, criticism and complaints, competitor engagements, orders, value,
//! surveys, referrals — the recompute that derives every customer's standing and writes what
//! changed, the one-customer refresh after a write, and the health checks and the health list.

use super::{DIALECT, Pool, Row, audit, corrupt, now, param};
use crate::{Actor, Dialect, HealthCheckRecord, HealthOrder, HealthRow, StandingRecord, StandingReport, StoreError};
use chrono::{DateTime, Duration, Utc};
use guanxi_domain::china;
use guanxi_domain::health::{Answer, Evidence, HealthCheck, Score, Sign, SignAnswer, Source};
use guanxi_domain::relationship::{ContactEvidence, RelationshipLevel};
use guanxi_domain::standing::{self, Inputs, Phase, Quadrant, SurveyAnswers, Thresholds};
use guanxi_domain::{CustomerStatus, ValueTier};
use sqlx::{AssertSqlSafe, Row as _};

/// `AND <column> = $n` when counting for one customer, nothing when counting for everyone.
/// (Numbered like the statement's other parameters: SQLite numbers an anonymous `?` after
/// the named ones, which sqlx does not follow.)
fn only(column: &str, id: Option<i64>, n: usize) -> String {
    match id {
        Some(_) => format!(" AND {column} = ${n}"),
        None => String::new(),
    }
}

fn at(v: &mut [(i64, Inputs)], id: i64) -> Option<&mut Inputs> {
    v.binary_search_by_key(&id, |(i, _)| *i).ok().map(|k| &mut v[k].1)
}

fn count(r: &Row, i: usize) -> Result<u32, StoreError> {
    Ok(r.try_get::<Option<i64>, _>(i)?.unwrap_or(0).max(0) as u32)
}

/// The inputs of every live customer (or of one), sorted by customer id, as of `now`.
pub async fn standing_inputs(
    pool: &Pool,
    one: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Vec<(i64, Inputs)>, StoreError> {
    let today = china::day(now);
    let year_ago = now - Duration::days(365);
    let half_year_ago = now - Duration::days(180);
    let mut out: Vec<(i64, Inputs)> = Vec::new();

    let sql = format!(
        "SELECT c.id, c.status, c.wallet_share, r.first_order_at, r.last_order_at, r.purchase_days, r.rhythm_days, \
         v.tier, v.p_alive, r.revenue_fen FROM customers c LEFT JOIN customer_rollups r ON r.customer_id = c.id \
         LEFT JOIN customer_values v ON v.customer_id = c.id \
         WHERE c.deleted_at IS NULL AND c.merged_into_id IS NULL{} ORDER BY c.id",
        only("c.id", one, 1)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    if let Some(id) = one {
        q = q.bind(id);
    }
    let mut rows = q.fetch(pool);
    use futures_util::TryStreamExt as _;
    while let Some(r) = rows.try_next().await? {
        let status: String = r.try_get(1)?;
        let tier: Option<String> = r.try_get(7)?;
        let first: Option<DateTime<Utc>> = r.try_get(3)?;
        let last: Option<DateTime<Utc>> = r.try_get(4)?;
        out.push((
            r.try_get(0)?,
            Inputs {
                status: Some(CustomerStatus::from_code(&status).ok_or_else(|| corrupt("status", &status))?),
                wallet_share: r.try_get::<Option<i32>, _>(2)?.map(|w| w.clamp(0, 100) as u8),
                first_order: first.map(china::day),
                last_order: last.map(china::day),
                purchase_days: r.try_get::<Option<i64>, _>(5)?.unwrap_or(0).max(0) as u32,
                rhythm_days: r.try_get(6)?,
                tier: tier.map(|t| ValueTier::from_code(&t).ok_or_else(|| corrupt("tier", &t))).transpose()?,
                p_alive: r.try_get(8)?,
                revenue_fen: r.try_get::<Option<i64>, _>(9)?.unwrap_or(0),
                ..Inputs::default()
            },
        ));
    }
    drop(rows);

    // Contacts of the last year: the level's evidence and the signs' counts.
    let sql = format!(
        "SELECT customer_id, \
         SUM(CASE WHEN channel IN ('face_to_face', 'event') THEN 1 ELSE 0 END), \
         MAX(CASE WHEN channel IN ('face_to_face', 'event') THEN occurred_at END), \
         SUM(CASE WHEN channel IN ('phone', 'letter', 'email', 'website', 'wechat_sms') THEN 1 ELSE 0 END), \
         SUM(CASE WHEN channel NOT IN ('media', 'store_environment') THEN 1 ELSE 0 END), \
         SUM(CASE WHEN channel NOT IN ('media', 'store_environment') AND occurred_at >= $2 THEN 1 ELSE 0 END), \
         SUM(CASE WHEN direction = 'inbound' AND occurred_at >= $2 THEN 1 ELSE 0 END), \
         SUM(CASE WHEN direction = 'outbound' AND channel IN ('phone', 'wechat_sms') AND response IS NOT NULL \
             AND occurred_at >= $2 THEN 1 ELSE 0 END), \
         SUM(CASE WHEN direction = 'outbound' AND channel IN ('phone', 'wechat_sms') AND response = 'answered' \
             AND occurred_at >= $2 THEN 1 ELSE 0 END), \
         SUM(CASE WHEN feedback = 'criticism' THEN 1 ELSE 0 END), \
         SUM(CASE WHEN feedback = 'complaint' THEN 1 ELSE 0 END) \
         FROM interactions WHERE deleted_at IS NULL AND occurred_at >= $1{} GROUP BY customer_id",
        only("customer_id", one, 3)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(year_ago).bind(half_year_ago);
    if let Some(id) = one {
        q = q.bind(id);
    }
    let mut rows = q.fetch(pool);
    while let Some(r) = rows.try_next().await? {
        let Some(i) = at(&mut out, r.try_get(0)?) else { continue };
        let latest_met: Option<DateTime<Utc>> = r.try_get(2)?;
        i.contacts = ContactEvidence {
            face_to_face: (count(&r, 1)? as usize, latest_met.map(|m| (now - m).num_days().max(0))),
            remote: (count(&r, 3)? as usize, None),
        };
        let s = &mut i.signals;
        s.contacts_365 = count(&r, 4)?;
        s.contacts_180 = count(&r, 5)?;
        s.inbound_180 = count(&r, 6)?;
        s.calls_recorded = count(&r, 7)?;
        s.calls_answered = count(&r, 8)?;
        s.criticism_365 = count(&r, 9)?;
        s.complaints_365 = count(&r, 10)?;
    }
    drop(rows);

    // Objections whose cause is on our side: the customer pointed out a flaw.
    let sql = format!(
        "SELECT o.customer_id, COUNT(*) FROM objections j JOIN opportunities o ON o.id = j.opportunity_id \
         WHERE j.cause IN ('product', 'price', 'service', 'delivery') AND j.created_at >= $1{} GROUP BY o.customer_id",
        only("o.customer_id", one, 2)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(year_ago);
    if let Some(id) = one {
        q = q.bind(id);
    }
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
        only("customer_id", one, 2)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(today);
    if let Some(id) = one {
        q = q.bind(id);
    }
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
        only("customer_id", one, 2)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(now - Duration::days(730));
    if let Some(id) = one {
        q = q.bind(id);
    }
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
        only("referrer_id", one, 1)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    if let Some(id) = one {
        q = q.bind(id);
    }
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
}

const FACT_COLUMNS: &str = "customer_id, computed_at, level_proposed, lifecycle, signs, watched, health_score, \
     health_change, health_checked_at, satisfaction, loyalty, quadrant, health_known";

fn facts_from(r: &Row, from: usize) -> Result<Option<Facts>, StoreError> {
    let level: Option<String> = r.try_get(from)?;
    let Some(level) = level else { return Ok(None) };
    let phase: String = r.try_get(from + 1)?;
    let quadrant: Option<String> = r.try_get(from + 9)?;
    Ok(Some(Facts {
        level: RelationshipLevel::from_code(&level).ok_or_else(|| corrupt("level_proposed", &level))?,
        phase: Phase::from_code(&phase).ok_or_else(|| corrupt("lifecycle", &phase))?,
        signs: r.try_get(from + 2)?,
        watched: r.try_get(from + 3)?,
        health_score: r.try_get(from + 4)?,
        health_change: r.try_get(from + 5)?,
        health_checked_at: r.try_get(from + 6)?,
        satisfaction: r.try_get(from + 7)?,
        loyalty: r.try_get(from + 8)?,
        quadrant: quadrant.map(|q| Quadrant::from_code(&q).ok_or_else(|| corrupt("quadrant", &q))).transpose()?,
        health_known: r.try_get(from + 10)?,
    }))
}

/// The facts a standing gives, keeping the health score of the latest check when there is one
/// (`previous`), else scoring the data's signs — the change then is against the data's score
/// at the last recompute.
fn facts_of(s: &standing::Standing, previous: Option<&Facts>) -> Facts {
    let data = Score::of_marks(&s.signs);
    let data_score = data.percent();
    let data_known = Some(data.known() as i32);
    let (health_score, health_change, health_known, health_checked_at) = match previous {
        Some(p) if p.health_checked_at.is_some() => {
            (p.health_score, p.health_change, p.health_known, p.health_checked_at)
        }
        Some(p) => (data_score, data_score.zip(p.health_score).map(|(new, old)| new - old), data_known, None),
        None => (data_score, None, data_known, None),
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
    }
}

/// Writes facts rows (insert or replace), 500 a statement.
async fn write_facts(pool: &Pool, rows: &[(i64, Facts)], at: DateTime<Utc>) -> Result<(), StoreError> {
    const COLS: usize = 13;
    for chunk in rows.chunks(500) {
        let values = super::values_clause(chunk.len(), COLS, &|_, p| p);
        let sql = format!(
            "INSERT INTO relationship_facts ({FACT_COLUMNS}) VALUES {values} ON CONFLICT (customer_id) DO UPDATE SET \
             computed_at = excluded.computed_at, level_proposed = excluded.level_proposed, \
             lifecycle = excluded.lifecycle, signs = excluded.signs, watched = excluded.watched, \
             health_score = excluded.health_score, health_change = excluded.health_change, \
             health_checked_at = excluded.health_checked_at, satisfaction = excluded.satisfaction, \
             loyalty = excluded.loyalty, quadrant = excluded.quadrant, health_known = excluded.health_known"
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
                .bind(f.health_known);
        }
        let mut tx = super::begin(pool).await?;
        q.execute(&mut *tx).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Recomputes every customer's standing as of `now` and writes the rows that changed (each
/// batch its own short transaction, so people keep working meanwhile); keeps the run's counts.
/// Returns the run's id and how many rows were written.
pub async fn recompute_standing(
    pool: &Pool,
    now: DateTime<Utc>,
    thresholds: Thresholds,
) -> Result<(i64, usize), StoreError> {
    let today = china::day(now);
    let inputs = standing_inputs(pool, None, now).await?;
    // What is stored now, in customer order.
    let mut stored: Vec<(i64, Facts)> = Vec::with_capacity(inputs.len());
    {
        use futures_util::TryStreamExt as _;
        let mut rows = sqlx::query(
            "SELECT customer_id, level_proposed, lifecycle, signs, watched, health_score, health_change, \
             health_checked_at, satisfaction, loyalty, quadrant, health_known FROM relationship_facts ORDER BY customer_id",
        )
        .fetch(pool);
        while let Some(r) = rows.try_next().await? {
            if let Some(f) = facts_from(&r, 1)? {
                stored.push((r.try_get(0)?, f));
            }
        }
    }
    let mut report = StandingReport::default();
    let mut changed: Vec<(i64, Facts)> = Vec::new();
    let mut winback = Vec::new();
    let mut k = 0;
    for (id, i) in &inputs {
        while k < stored.len() && stored[k].0 < *id {
            k += 1;
        }
        let previous = stored.get(k).filter(|(s, _)| s == id).map(|(_, f)| f);
        let s = standing::assess(i, today, thresholds);
        if let Some((trigger, figure)) = standing::winback_case(i, s.why, thresholds) {
            winback.push((*id, trigger, figure));
        }
        let f = facts_of(&s, previous);
        report.add(&f.level, f.phase, f.quadrant, f.satisfaction, f.loyalty, f.watched, f.health_score);
        if previous != Some(&f) {
            changed.push((*id, f));
        }
    }
    write_facts(pool, &changed, now).await?;
    // Rows of customers deleted or merged since.
    sqlx::query(
        "DELETE FROM relationship_facts WHERE customer_id IN \
         (SELECT id FROM customers WHERE deleted_at IS NOT NULL OR merged_into_id IS NOT NULL)",
    )
    .execute(pool)
    .await?;
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
    Ok((run, changed.len()))
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
    let mut inputs = standing_inputs(pool, Some(customer_id), now).await?;
    let Some((_, inputs)) = inputs.pop() else { return Err(StoreError::not_found("customer", customer_id)) };
    let s = standing::assess(&inputs, china::day(now), thresholds);
    // The health score: the latest check's (and the change from the one before), else the data's.
    let checks = sqlx::query(
        "SELECT score, checked_at, yes_count + no_count FROM health_checks WHERE customer_id = $1 ORDER BY id DESC LIMIT 2",
    )
    .bind(customer_id)
    .fetch_all(pool)
    .await?;
    let stored = sqlx::query(
        "SELECT customer_id, level_proposed, lifecycle, signs, watched, health_score, health_change, \
         health_checked_at, satisfaction, loyalty, quadrant, health_known FROM relationship_facts WHERE customer_id = $1",
    )
    .bind(customer_id)
    .fetch_optional(pool)
    .await?;
    let stored = stored.as_ref().map(|r| facts_from(r, 1)).transpose()?.flatten();
    let mut f = facts_of(&s, stored.as_ref().filter(|p| p.health_checked_at.is_none()));
    if let Some(latest) = checks.first() {
        let score: Option<i32> = latest.try_get(0)?;
        let before: Option<i32> = checks.get(1).map(|r| r.try_get(0)).transpose()?.flatten();
        f.health_score = score;
        f.health_change = score.zip(before).map(|(a, b)| a - b);
        f.health_checked_at = Some(latest.try_get(1)?);
        f.health_known = Some(latest.try_get(2)?);
        f.watched = true;
    }
    if stored.as_ref() != Some(&f) {
        write_facts(pool, &[(customer_id, f.clone())], now).await?;
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
        HealthOrder::Worst => (
            "f.health_score IS NOT NULL",
            "f.health_score, COALESCE(f.health_change, 0), f.health_known DESC, f.customer_id",
        ),
        HealthOrder::Falling => ("f.health_change < 0", "f.health_change, f.health_score, f.customer_id"),
        HealthOrder::Unknown => ("f.health_score IS NULL", "f.customer_id"),
    };
    let mut sql = format!("{HEALTH_ROW} WHERE f.watched AND c.deleted_at IS NULL AND {filter}");
    let mut n = 0;
    let mut next = || {
        n += 1;
        param(n)
    };
    if owner.is_some() {
        sql.push_str(&format!(" AND c.owner_id = {}", next()));
    }
    if team.is_some() {
        sql.push_str(&format!(" AND u.team = {}", next()));
    }
    sql.push_str(&format!(" ORDER BY {sort} LIMIT {} OFFSET {}", next(), next()));
    let mut q = sqlx::query(AssertSqlSafe(sql));
    if let Some(o) = owner {
        q = q.bind(o);
    }
    if let Some(t) = team {
        q = q.bind(t);
    }
    let rows = q.bind(limit).bind(offset).fetch_all(pool).await?;
    rows.iter().map(health_row).collect()
}

const HEALTH_ROW: &str = "SELECT f.customer_id, c.name, u.username, v.tier, f.health_score, f.health_change, \
     f.health_checked_at, f.signs, f.lifecycle, f.quadrant, f.satisfaction, f.loyalty, f.health_known \
     FROM relationship_facts f \
     JOIN customers c ON c.id = f.customer_id LEFT JOIN users u ON u.id = c.owner_id \
     LEFT JOIN customer_values v ON v.customer_id = f.customer_id";

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
        "{HEALTH_ROW} WHERE f.quadrant = $1 AND c.deleted_at IS NULL ORDER BY f.satisfaction, f.loyalty, f.customer_id LIMIT $2 OFFSET $3"
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

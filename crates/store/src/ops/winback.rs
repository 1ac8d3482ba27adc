//! Referrals (who brought whom, the reward, what came of it) and win-back cases (the lifetime
//! figure, the attempts, the outcome).

use super::customers::load_live;
use super::{DIALECT, Pool, Row, Tx, audit, corrupt, now, opt_code};
use crate::{Actor, AttemptRecord, CaseRecord, ReferralRecord, ReferralReport, StoreError, TopReferrer};
use chrono::NaiveDate;
use guanxi_domain::winback::{
    AttemptDraft, CaseOutcome, CaseStatus, LifetimeFigure, ReferralDraft, RewardKind, Trigger,
};
use guanxi_domain::{Channel, CustomerStatus, Field, Problem, Validation};
use sqlx::{AssertSqlSafe, Row as _};

/// The referrer a person named: a Guanxi ID, or the exact name of one live customer.
async fn resolve_referrer(tx: &mut Tx<'_>, named: &str) -> Result<i64, StoreError> {
    let rows = match named.trim().parse::<i64>() {
        Ok(id) => {
            sqlx::query("SELECT id FROM customers WHERE id = $1 AND deleted_at IS NULL AND merged_into_id IS NULL")
                .bind(id)
                .fetch_all(&mut **tx)
                .await?
        }
        Err(_) => {
            sqlx::query("SELECT id FROM customers WHERE name = $1 AND deleted_at IS NULL AND merged_into_id IS NULL")
                .bind(named.trim())
                .fetch_all(&mut **tx)
                .await?
        }
    };
    match rows.len() {
        0 => Err(Validation::one(Field::Referrer, named, Problem::NoSuchRecord).into()),
        1 => Ok(rows[0].try_get(0)?),
        n => Err(Validation::one(Field::Referrer, named, Problem::Ambiguous { count: n }).into()),
    }
}

/// Records who referred `referred_id` (audited). One referral a customer.
pub async fn add_referral(pool: &Pool, actor: Actor, referred_id: i64, d: &ReferralDraft) -> Result<i64, StoreError> {
    let mut tx = super::begin(pool).await?;
    load_live(&mut tx, referred_id).await?;
    let referrer = resolve_referrer(&mut tx, &d.referrer).await?;
    if referrer == referred_id {
        return Err(Validation::one(Field::Referrer, &d.referrer, Problem::SameCustomer).into());
    }
    let existing = sqlx::query(
        "SELECT c.name FROM referrals r JOIN customers c ON c.id = r.referrer_id WHERE r.referred_id = $1 AND r.deleted_at IS NULL",
    )
    .bind(referred_id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(r) = existing {
        let name: String = r.try_get(0)?;
        return Err(Validation::one(Field::Referrer, &name, Problem::Taken).into());
    }
    let person: Option<i64> = match &d.referrer_person {
        Some(name) => Some(
            sqlx::query("SELECT id FROM key_people WHERE customer_id = $1 AND name = $2 AND deleted_at IS NULL")
                .bind(referrer)
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::from(Validation::one(Field::ReferrerPerson, name, Problem::NoSuchRecord)))?
                .try_get(0)?,
        ),
        None => None,
    };
    let id: i64 = sqlx::query(
        "INSERT INTO referrals (referrer_id, referrer_person_id, referred_id, referred_on, reward_kind, reward, reward_fen, \
         note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(referrer)
    .bind(person)
    .bind(referred_id)
    .bind(d.referred_on)
    .bind(d.reward_kind.map(|k| k.code()))
    .bind(&d.reward)
    .bind(d.reward_fen)
    .bind(&d.note)
    .bind(actor.0)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    let after = serde_json::json!({"referrer": referrer, "referred_on": d.referred_on, "reward_kind": d.reward_kind.map(|k| k.code()),
                                   "reward": d.reward, "reward_fen": d.reward_fen});
    audit(&mut tx, actor, "create", "referral", Some(id), Some(referred_id), None, Some(&after), None).await?;
    audit(
        &mut tx,
        actor,
        "create",
        "referral",
        Some(id),
        Some(referrer),
        None,
        Some(&after),
        Some("referred another customer"),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Takes a referral back (audited); returns the referred customer and the referrer.
/// The customer a live referral brought (whose record it belongs to).
pub async fn referred_by_referral(pool: &Pool, id: i64) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT referred_id FROM referrals WHERE id = $1 AND deleted_at IS NULL")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::not_found("referral", id))?;
    Ok(row.try_get(0)?)
}

pub async fn remove_referral(pool: &Pool, actor: Actor, id: i64) -> Result<(i64, i64), StoreError> {
    let mut tx = super::begin(pool).await?;
    let row = sqlx::query("SELECT referred_id, referrer_id FROM referrals WHERE id = $1 AND deleted_at IS NULL")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("referral", id))?;
    let (referred, referrer): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    sqlx::query("UPDATE referrals SET deleted_at = $1 WHERE id = $2").bind(now()).bind(id).execute(&mut *tx).await?;
    audit(&mut tx, actor, "delete", "referral", Some(id), Some(referred), None, None, None).await?;
    tx.commit().await?;
    Ok((referred, referrer))
}

/// A referral with the names it points at and the referred customer's revenue since the China
/// day of the referral (orders carry their China day as a day number).
fn referral_select() -> String {
    let referred_day = match DIALECT {
        crate::Dialect::Sqlite => "CAST(julianday(r.referred_on) - 2440587.5 AS INTEGER)",
        crate::Dialect::Postgres => "(r.referred_on - DATE '1970-01-01')",
    };
    format!(
        "SELECT r.id, r.referrer_id, a.name AS referrer_name, k.name AS person_name, r.referred_id, \
         b.name AS referred_name, b.status AS referred_status, r.referred_on, r.reward_kind, r.reward, r.reward_fen, \
         r.note, u.username, (SELECT CAST(COALESCE(SUM(o.amount_fen), 0) AS BIGINT) FROM orders o \
         WHERE o.customer_id = r.referred_id AND o.deleted_at IS NULL AND o.day >= {referred_day}) AS revenue_fen \
         FROM referrals r JOIN customers a ON a.id = r.referrer_id JOIN customers b ON b.id = r.referred_id \
         LEFT JOIN key_people k ON k.id = r.referrer_person_id JOIN users u ON u.id = r.created_by \
         WHERE r.deleted_at IS NULL"
    )
}

fn referral_from(r: &Row) -> Result<ReferralRecord, StoreError> {
    let status: String = r.try_get("referred_status")?;
    Ok(ReferralRecord {
        id: r.try_get("id")?,
        referrer_id: r.try_get("referrer_id")?,
        referrer_name: r.try_get("referrer_name")?,
        referrer_person: r.try_get("person_name")?,
        referred_id: r.try_get("referred_id")?,
        referred_name: r.try_get("referred_name")?,
        referred_status: CustomerStatus::from_code(&status).ok_or_else(|| corrupt("status", &status))?,
        referred_on: r.try_get("referred_on")?,
        reward_kind: opt_code(r, "reward_kind", RewardKind::from_code)?,
        reward: r.try_get("reward")?,
        reward_fen: r.try_get("reward_fen")?,
        note: r.try_get("note")?,
        created_by: r.try_get("username")?,
        revenue_fen: r.try_get("revenue_fen")?,
    })
}

/// Who referred the customer, and whom the customer referred (newest first).
pub async fn referrals_of(
    pool: &Pool,
    customer_id: i64,
) -> Result<(Option<ReferralRecord>, Vec<ReferralRecord>), StoreError> {
    let by = sqlx::query(AssertSqlSafe(format!("{} AND r.referred_id = $1", referral_select())))
        .bind(customer_id)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(referral_from)
        .transpose()?;
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{} AND r.referrer_id = $1 ORDER BY r.referred_on DESC, r.id DESC",
        referral_select()
    )))
    .bind(customer_id)
    .fetch_all(pool)
    .await?;
    Ok((by, rows.iter().map(referral_from).collect::<Result<_, _>>()?))
}

/// The referrals report for referrals made on or after `since` (all when `None`): totals, the
/// top referrers by revenue from the customers they brought, and the latest referrals.
pub async fn referral_report(pool: &Pool, since: Option<NaiveDate>) -> Result<ReferralReport, StoreError> {
    let since = since.unwrap_or(NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default());
    let sql = format!("{} AND r.referred_on >= $1 ORDER BY r.referred_on DESC, r.id DESC", referral_select());
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(since).fetch_all(pool).await?;
    let all: Vec<ReferralRecord> = rows.iter().map(referral_from).collect::<Result<_, _>>()?;
    let mut report = ReferralReport::default();
    let mut top: std::collections::BTreeMap<i64, TopReferrer> = Default::default();
    for r in &all {
        let converted = r.converted();
        report.referrals += 1;
        report.converted += converted as i64;
        report.revenue_fen += r.revenue_fen;
        report.rewards_fen += r.reward_fen.unwrap_or(0);
        let t = top.entry(r.referrer_id).or_insert_with(|| TopReferrer {
            customer_id: r.referrer_id,
            name: r.referrer_name.clone(),
            ..TopReferrer::default()
        });
        t.referred += 1;
        t.converted += converted as i64;
        t.revenue_fen += r.revenue_fen;
        t.rewards_fen += r.reward_fen.unwrap_or(0);
    }
    let mut top: Vec<TopReferrer> = top.into_values().collect();
    top.sort_by(|a, b| {
        b.revenue_fen.cmp(&a.revenue_fen).then(b.referred.cmp(&a.referred)).then(a.customer_id.cmp(&b.customer_id))
    });
    top.truncate(20);
    report.top = top;
    report.recent = all.into_iter().take(50).collect();
    Ok(report)
}

const CASE: &str = "SELECT w.*, c.name AS customer_name, u.username AS owner_name, o.username AS opened_by_name, \
     x.username AS closed_by_name, (SELECT COUNT(*) FROM winback_attempts a WHERE a.case_id = w.id) AS attempts \
     FROM winback_cases w JOIN customers c ON c.id = w.customer_id LEFT JOIN users u ON u.id = c.owner_id \
     JOIN users o ON o.id = w.opened_by LEFT JOIN users x ON x.id = w.closed_by";

fn case_from(r: &Row) -> Result<CaseRecord, StoreError> {
    let trigger: String = r.try_get("trigger")?;
    let status: String = r.try_get("status")?;
    Ok(CaseRecord {
        id: r.try_get("id")?,
        customer_id: r.try_get("customer_id")?,
        customer_name: r.try_get("customer_name")?,
        owner: r.try_get("owner_name")?,
        opened_at: r.try_get("opened_at")?,
        opened_by: r.try_get("opened_by_name")?,
        trigger: Trigger::from_code(&trigger).ok_or_else(|| corrupt("trigger", &trigger))?,
        figure: LifetimeFigure {
            yearly_fen: r.try_get("yearly_value_fen")?,
            years: r.try_get("lifetime_years")?,
            loss_fen: r.try_get("lifetime_loss_fen")?,
        },
        status: CaseStatus::from_code(&status).ok_or_else(|| corrupt("status", &status))?,
        closed_at: r.try_get("closed_at")?,
        closed_by: r.try_get("closed_by_name")?,
        outcome_reason: r.try_get("outcome_reason")?,
        attempt_count: r.try_get("attempts")?,
        attempts: Vec::new(),
    })
}

/// Opens a win-back case (audited); a customer has one open case at a time.
pub async fn open_case(
    pool: &Pool,
    actor: Actor,
    customer_id: i64,
    trigger: Trigger,
    figure: LifetimeFigure,
) -> Result<i64, StoreError> {
    let mut tx = super::begin(pool).await?;
    load_live(&mut tx, customer_id).await?;
    let open = sqlx::query("SELECT id FROM winback_cases WHERE customer_id = $1 AND status = 'open'")
        .bind(customer_id)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(r) = open {
        let id: i64 = r.try_get(0)?;
        return Err(StoreError::conflict(
            format!("这位客户已有进行中的挽回案例（{id}）"),
            format!("the customer already has an open win-back case ({id})"),
        ));
    }
    let id = insert_case(&mut tx, actor, customer_id, trigger, figure).await?;
    tx.commit().await?;
    Ok(id)
}

async fn insert_case(
    tx: &mut Tx<'_>,
    actor: Actor,
    customer_id: i64,
    trigger: Trigger,
    figure: LifetimeFigure,
) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query(
        "INSERT INTO winback_cases (customer_id, opened_at, opened_by, trigger, yearly_value_fen, lifetime_years, \
         lifetime_loss_fen, status) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open') RETURNING id",
    )
    .bind(customer_id)
    .bind(now())
    .bind(actor.0)
    .bind(trigger.code())
    .bind(figure.yearly_fen)
    .bind(figure.years)
    .bind(figure.loss_fen)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    let after = serde_json::json!({"trigger": trigger.code(), "yearly_value_fen": figure.yearly_fen, "lifetime_loss_fen": figure.loss_fen});
    audit(tx, actor, "create", "winback_case", Some(id), Some(customer_id), None, Some(&after), None).await?;
    let rule = guanxi_domain::cadences::EnrolRule::WinbackOpened;
    super::cadences::enrol_by_rule_in(tx, rule, customer_id, actor, now()).await?;
    Ok(id)
}

/// Opens cases for the customers the recompute found lapsed and valuable, skipping those with
/// a case open or closed in the last year. Returns how many opened.
pub async fn open_cases_for(pool: &Pool, candidates: &[(i64, Trigger, LifetimeFigure)]) -> Result<usize, StoreError> {
    if candidates.is_empty() {
        return Ok(0);
    }
    let busy: std::collections::HashSet<i64> =
        sqlx::query("SELECT customer_id FROM winback_cases WHERE status = 'open' OR closed_at >= $1")
            .bind(now() - chrono::Duration::days(365))
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
    let mut opened = 0;
    for chunk in candidates.chunks(500) {
        let mut tx = super::begin(pool).await?;
        for (customer, trigger, figure) in chunk.iter().filter(|(c, _, _)| !busy.contains(c)) {
            insert_case(&mut tx, Actor::SYSTEM, *customer, *trigger, *figure).await?;
            opened += 1;
        }
        tx.commit().await?;
    }
    Ok(opened)
}

/// Win-back cases, open first then newest, optionally of one status and one owner.
pub async fn cases(
    pool: &Pool,
    status: Option<CaseStatus>,
    owner: Option<i64>,
    limit: i64,
    offset: i64,
) -> Result<Vec<CaseRecord>, StoreError> {
    let mut sql = format!("{CASE} WHERE 1 = 1");
    let mut n = 0;
    if status.is_some() {
        n += 1;
        sql.push_str(&format!(" AND w.status = ${n}"));
    }
    if owner.is_some() {
        n += 1;
        sql.push_str(&format!(" AND c.owner_id = ${n}"));
    }
    sql.push_str(&format!(
        " ORDER BY CASE WHEN w.status = 'open' THEN 0 ELSE 1 END, w.lifetime_loss_fen DESC, w.id DESC LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    ));
    let mut q = sqlx::query(AssertSqlSafe(sql));
    if let Some(s) = status {
        q = q.bind(s.code());
    }
    if let Some(o) = owner {
        q = q.bind(o);
    }
    let rows = q.bind(limit).bind(offset).fetch_all(pool).await?;
    rows.iter().map(case_from).collect()
}

/// One case with its attempts, oldest first.
pub async fn case(pool: &Pool, id: i64) -> Result<CaseRecord, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!("{CASE} WHERE w.id = $1")))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::not_found("winback_case", id))?;
    let mut c = case_from(&row)?;
    let rows = sqlx::query(
        "SELECT a.id, a.at, a.channel, a.what, a.response, u.username FROM winback_attempts a \
         JOIN users u ON u.id = a.created_by WHERE a.case_id = $1 ORDER BY a.id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    c.attempts = rows
        .iter()
        .map(|r| {
            let channel: String = r.try_get(2)?;
            Ok(AttemptRecord {
                id: r.try_get(0)?,
                at: r.try_get(1)?,
                channel: Channel::from_code(&channel).ok_or_else(|| corrupt("channel", &channel))?,
                what: r.try_get(3)?,
                response: r.try_get(4)?,
                by: r.try_get(5)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(c)
}

/// The customer's open case, if any.
pub async fn open_case_of(pool: &Pool, customer_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query("SELECT id FROM winback_cases WHERE customer_id = $1 AND status = 'open'")
        .bind(customer_id)
        .fetch_optional(pool)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?)
}

async fn open_for_change(tx: &mut Tx<'_>, id: i64) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT customer_id, status FROM winback_cases WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found("winback_case", id))?;
    let status: String = row.try_get(1)?;
    if status != "open" {
        return Err(StoreError::conflict("这个挽回案例已经结束", "the win-back case is closed"));
    }
    Ok(row.try_get(0)?)
}

/// Records an attempt on an open case (audited).
pub async fn add_attempt(pool: &Pool, actor: Actor, case_id: i64, d: &AttemptDraft) -> Result<i64, StoreError> {
    let mut tx = super::begin(pool).await?;
    let customer = open_for_change(&mut tx, case_id).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO winback_attempts (case_id, at, channel, what, response, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(case_id)
    .bind(now())
    .bind(d.channel.code())
    .bind(&d.what)
    .bind(&d.response)
    .bind(actor.0)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    let after = serde_json::json!({"channel": d.channel.code(), "what": d.what, "response": d.response});
    audit(&mut tx, actor, "create", "winback_attempt", Some(id), Some(customer), None, Some(&after), None).await?;
    tx.commit().await?;
    Ok(id)
}

/// Closes a case: won back (the customer is a customer again) or lost for good (marked lost),
/// both audited.
pub async fn close_case(pool: &Pool, actor: Actor, case_id: i64, outcome: &CaseOutcome) -> Result<i64, StoreError> {
    let mut tx = super::begin(pool).await?;
    let customer = open_for_change(&mut tx, case_id).await?;
    sqlx::query(
        "UPDATE winback_cases SET status = $1, closed_at = $2, closed_by = $3, outcome_reason = $4 WHERE id = $5",
    )
    .bind(outcome.status.code())
    .bind(now())
    .bind(actor.0)
    .bind(&outcome.reason)
    .bind(case_id)
    .execute(&mut *tx)
    .await?;
    let status = match outcome.status {
        CaseStatus::WonBack => CustomerStatus::Customer,
        _ => CustomerStatus::Lost,
    };
    let before: String = sqlx::query("SELECT status FROM customers WHERE id = $1")
        .bind(customer)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    if before != status.code() {
        sqlx::query("UPDATE customers SET status = $1, version = version + 1, updated_at = $2 WHERE id = $3")
            .bind(status.code())
            .bind(now())
            .bind(customer)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            actor,
            "update",
            "customer",
            Some(customer),
            Some(customer),
            Some(&serde_json::json!({"status": before})),
            Some(&serde_json::json!({"status": status.code()})),
            Some("win-back case closed"),
        )
        .await?;
    }
    let after = serde_json::json!({"status": outcome.status.code(), "outcome_reason": outcome.reason});
    audit(&mut tx, actor, "update", "winback_case", Some(case_id), Some(customer), None, Some(&after), None).await?;
    tx.commit().await?;
    Ok(customer)
}

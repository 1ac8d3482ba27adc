//! Cadences 跟进节奏: cadences and their steps saved and checked (each message step's template
//! for its channel); customers enrolled by hand or from a list's filter (never twice at once);
//! taken out by hand; a customer's time in them with each step's event; the report. Running the
//! steps is in `cadence_steps.rs`, consent in `consent.rs`, templates in `templates.rs`.

use super::customers::filter_conditions;
use super::templates::insert_template;
use super::{Pool, Row, Tx, audit, corrupt, now};
use crate::{
    Actor, CadenceEvent, CadenceRecord, CadenceReport, CustomerFilter, EnrolmentRecord, StepReport, StoreError,
};
use chrono::{DateTime, Duration, Utc};
use guanxi_domain::cadences::{CadenceDraft, LeftBecause, StepDraft, StepKind};
use guanxi_domain::{Field, Lang, Problem, Validation};
use sqlx::{AssertSqlSafe, Row as _};

fn bool_of(r: &Row, col: &str) -> Result<bool, StoreError> {
    Ok(r.try_get::<bool, _>(col)?)
}

async fn steps_of(pool: &Pool, cadence: i64) -> Result<Vec<StepDraft>, StoreError> {
    let rows = sqlx::query(
        "SELECT delay_days, kind, template_id, task_title, approve FROM cadence_steps WHERE cadence_id = $1 \
         ORDER BY position",
    )
    .bind(cadence)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(StepDraft {
                delay_days: r.try_get::<i32, _>("delay_days")? as i64,
                kind: StepKind::from_code(&kind).ok_or_else(|| corrupt("step kind", &kind))?,
                template_id: r.try_get("template_id")?,
                task_title: r.try_get("task_title")?,
                approve: r.try_get::<i32, _>("approve")? != 0,
            })
        })
        .collect()
}

const CADENCE_SELECT: &str = "SELECT k.*, \
     (SELECT COUNT(*) FROM cadence_enrolments e WHERE e.cadence_id = k.id AND e.state = 'active') AS active_n, \
     (SELECT COUNT(*) FROM cadence_enrolments e WHERE e.cadence_id = k.id) AS enrolled_n FROM cadences k";

async fn cadence_from_row(pool: &Pool, r: &Row) -> Result<CadenceRecord, StoreError> {
    let id: i64 = r.try_get("id")?;
    Ok(CadenceRecord {
        id,
        draft: CadenceDraft {
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            exit_on_reply: bool_of(r, "exit_on_reply")?,
            exit_on_buy: bool_of(r, "exit_on_buy")?,
            exit_on_visit: bool_of(r, "exit_on_visit")?,
            steps: steps_of(pool, id).await?,
            starts_on: r.try_get("starts_on")?,
            enrol_on: match r.try_get::<Option<String>, _>("enrol_on")? {
                Some(code) => Some(
                    guanxi_domain::cadences::EnrolRule::from_code(&code).ok_or_else(|| corrupt("enrol rule", &code))?,
                ),
                None => None,
            },
        },
        active: r.try_get("active_n")?,
        enrolled: r.try_get("enrolled_n")?,
        paused_at: r.try_get("paused_at")?,
        created_by: r.try_get("created_by")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn cadences(pool: &Pool) -> Result<Vec<CadenceRecord>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!("{CADENCE_SELECT} ORDER BY k.name, k.id"))).fetch_all(pool).await?;
    let mut out = Vec::new();
    for r in &rows {
        out.push(cadence_from_row(pool, r).await?);
    }
    Ok(out)
}

pub async fn cadence(pool: &Pool, id: i64) -> Result<CadenceRecord, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!("{CADENCE_SELECT} WHERE k.id = $1")))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::not_found("cadence", id))?;
    cadence_from_row(pool, &row).await
}

/// Each message step's template must exist and be for the step's channel.
async fn check_steps(tx: &mut Tx<'_>, d: &CadenceDraft) -> Result<(), StoreError> {
    let mut v = Validation::default();
    for (i, s) in d.steps.iter().enumerate() {
        let (Some(channel), Some(template)) = (s.kind.channel(), s.template_id) else { continue };
        let found = sqlx::query("SELECT channel, name FROM message_templates WHERE id = $1")
            .bind(template)
            .fetch_optional(&mut **tx)
            .await?;
        match found {
            None => v.push_step(i + 1, Field::Template, &template.to_string(), Problem::NoSuchRecord),
            Some(r) => {
                let (c, name): (String, String) = (r.try_get(0)?, r.try_get(1)?);
                if c != channel.code() {
                    let is = guanxi_domain::outbox::MessageChannel::from_code(&c)
                        .ok_or_else(|| super::corrupt("template channel", &c))?;
                    let problem = guanxi_domain::cadences::template_for_other_channel(is, channel);
                    v.push_step(i + 1, Field::Template, &name, problem);
                }
            }
        }
    }
    v.into_result(()).map_err(StoreError::Invalid)
}

async fn write_steps(tx: &mut Tx<'_>, id: i64, steps: &[StepDraft]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM cadence_steps WHERE cadence_id = $1").bind(id).execute(&mut **tx).await?;
    for (i, s) in steps.iter().enumerate() {
        sqlx::query(
            "INSERT INTO cadence_steps (cadence_id, position, delay_days, kind, template_id, task_title, approve) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(i as i32)
        .bind(s.delay_days as i32)
        .bind(s.kind.code())
        .bind(s.template_id)
        .bind(&s.task_title)
        .bind(i32::from(s.approve && s.kind.channel().is_some()))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Saves a cadence and its steps (new when `id` is `None`). Changed steps apply to the
/// customers in it from their next step on.
pub async fn save_cadence(
    pool: &Pool,
    actor: Actor,
    id: Option<i64>,
    d: &CadenceDraft,
) -> Result<CadenceRecord, StoreError> {
    let mut tx = super::begin(pool).await?;
    check_steps(&mut tx, d).await?;
    let at = now();
    let id = match id {
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO cadences (name, description, exit_on_reply, exit_on_buy, exit_on_visit, created_by, \
                 created_at, updated_at, starts_on, enrol_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9) RETURNING id",
            )
            .bind(&d.name)
            .bind(&d.description)
            .bind(d.exit_on_reply)
            .bind(d.exit_on_buy)
            .bind(d.exit_on_visit)
            .bind(actor.0)
            .bind(at)
            .bind(d.starts_on)
            .bind(d.enrol_on.map(|r| r.code()))
            .fetch_one(&mut *tx)
            .await?;
            write_steps(&mut tx, id, &d.steps).await?;
            id
        }
        Some(id) => {
            let before = first_step_timing(&mut tx, id).await?;
            let n = sqlx::query(
                "UPDATE cadences SET name = $1, description = $2, exit_on_reply = $3, exit_on_buy = $4, \
                 exit_on_visit = $5, updated_at = $6, starts_on = $8, enrol_on = $9 WHERE id = $7",
            )
            .bind(&d.name)
            .bind(&d.description)
            .bind(d.exit_on_reply)
            .bind(d.exit_on_buy)
            .bind(d.exit_on_visit)
            .bind(at)
            .bind(id)
            .bind(d.starts_on)
            .bind(d.enrol_on.map(|r| r.code()))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::not_found("cadence", id));
            }
            write_steps(&mut tx, id, &d.steps).await?;
            if first_step_timing(&mut tx, id).await? != before {
                move_first_steps(&mut tx, id, d).await?;
            }
            id
        }
    };
    audit(&mut tx, actor, "save", "cadence", Some(id), None, None, Some(&audit_fields(d)), None).await?;
    tx.commit().await?;
    cadence(pool, id).await
}

/// A cadence's start day and its first step's delay: what the first step's day depends on.
async fn first_step_timing(tx: &mut Tx<'_>, id: i64) -> Result<(Option<chrono::NaiveDate>, Option<i32>), StoreError> {
    let starts: Option<Option<chrono::NaiveDate>> =
        sqlx::query_scalar("SELECT starts_on FROM cadences WHERE id = $1").bind(id).fetch_optional(&mut **tx).await?;
    let delay: Option<i32> =
        sqlx::query_scalar("SELECT delay_days FROM cadence_steps WHERE cadence_id = $1 AND position = 0")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok((starts.flatten(), delay))
}

/// After a cadence's start day or first delay changed: everyone still waiting for the first
/// step gets its new day (the start day's 09:00 for those put in before it, else the day they
/// were put in, plus the first delay).
async fn move_first_steps(tx: &mut Tx<'_>, id: i64, d: &CadenceDraft) -> Result<(), StoreError> {
    let Some(first) = d.steps.first() else { return Ok(()) };
    let start = d
        .starts_on
        .and_then(|day| day.and_hms_opt(guanxi_domain::cadences::START_HOUR, 0, 0))
        .map(guanxi_domain::china::from_local);
    let waiting = sqlx::query(
        "SELECT id, enrolled_at FROM cadence_enrolments WHERE cadence_id = $1 AND state = 'active' AND next_step = 0",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    for r in &waiting {
        let (enrolment, enrolled_at): (i64, DateTime<Utc>) = (r.try_get(0)?, r.try_get(1)?);
        let from = start.filter(|s| *s > enrolled_at).unwrap_or(enrolled_at);
        sqlx::query("UPDATE cadence_enrolments SET next_at = $1 WHERE id = $2")
            .bind(from + Duration::days(first.delay_days))
            .bind(enrolment)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A cadence as the audit log keeps it: its fields by code, its steps as one line (days after
/// the previous step · the template's number or the task).
fn audit_fields(d: &CadenceDraft) -> serde_json::Value {
    let yes = |b: bool| if b { "yes" } else { "no" };
    let steps: Vec<String> = d
        .steps
        .iter()
        .map(|s| match (s.template_id, &s.task_title) {
            (Some(t), _) => format!("{} · #{t}", s.delay_days),
            (None, Some(title)) => format!("{} · {title}", s.delay_days),
            (None, None) => s.delay_days.to_string(),
        })
        .collect();
    let raw = guanxi_domain::Raw::new()
        .with(Field::CadenceName, d.name.clone())
        .with(Field::Description, d.description.clone().unwrap_or_default())
        .with(Field::ExitOnReply, yes(d.exit_on_reply))
        .with(Field::ExitOnBuy, yes(d.exit_on_buy))
        .with(Field::ExitOnVisit, yes(d.exit_on_visit))
        .with(Field::Steps, steps.join("；"));
    super::fields_json(&raw)
}

/// The coffee shop's example (its three templates and the cadence), in `lang`.
pub async fn create_example_cadence(pool: &Pool, actor: Actor, lang: Lang) -> Result<CadenceRecord, StoreError> {
    let (mut c, templates) = guanxi_domain::cadences::coffee_shop_example(lang);
    let mut tx = super::begin(pool).await?;
    for (step, t) in c.steps.iter_mut().zip(&templates) {
        step.template_id = Some(insert_template(&mut tx, actor, t).await?);
    }
    tx.commit().await?;
    save_cadence(pool, actor, None, &c).await
}

/// When the first step of a customer enrolled at `at` is due: its delay after enrolment, or
/// after the cadence's start day (09:00 China time) when that is still to come.
pub(crate) async fn first_due(tx: &mut Tx<'_>, cadence: i64, at: DateTime<Utc>) -> Result<DateTime<Utc>, StoreError> {
    let d: Option<i32> =
        sqlx::query_scalar("SELECT delay_days FROM cadence_steps WHERE cadence_id = $1 AND position = 0")
            .bind(cadence)
            .fetch_optional(&mut **tx)
            .await?;
    let delay = d
        .map(i64::from)
        .ok_or_else(|| StoreError::Invalid(Validation::one(Field::Steps, &cadence.to_string(), Problem::Required)))?;
    let row = sqlx::query("SELECT starts_on, paused_at FROM cadences WHERE id = $1")
        .bind(cadence)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found("cadence", cadence))?;
    let (starts, paused): (Option<chrono::NaiveDate>, Option<DateTime<Utc>>) = (row.try_get(0)?, row.try_get(1)?);
    if paused.is_some() {
        return Err(StoreError::conflict(
            "这个跟进节奏已暂停：恢复后才能加入客户",
            "this cadence is paused: resume it before putting customers in",
        ));
    }
    let start = starts
        .and_then(|d| d.and_hms_opt(guanxi_domain::cadences::START_HOUR, 0, 0))
        .map(guanxi_domain::china::from_local);
    // A cadence for a day (a festival's greeting) takes nobody once that day is more than two
    // days past: a "新春快乐" in March helps nobody.
    if let (Some(day), Some(s)) = (starts, start)
        && at > s + guanxi_domain::cadences::LATE_AFTER
    {
        return Err(StoreError::conflict(
            format!("这个跟进节奏从 {day} 开始，已过去两天以上：不再加入客户"),
            format!("this cadence started on {day}, more than two days ago: nobody can be put in any more"),
        ));
    }
    let start = start.filter(|s| *s > at).unwrap_or(at);
    Ok(start + Duration::days(delay))
}

/// Enrols customers in a cadence: those `ids` name, or every live customer `filter` matches
/// (a list's filter, searched ones included). Those already in it are left as they are.
/// Returns (enrolled, already in it, ids that are no live customer).
pub async fn enrol(
    pool: &Pool,
    actor: Actor,
    cadence: i64,
    ids: Option<&[i64]>,
    filter: Option<&CustomerFilter>,
    at: DateTime<Utc>,
) -> Result<(u64, u64, u64), StoreError> {
    let at = chrono::SubsecRound::trunc_subsecs(at, 6);
    let mut tx = super::begin(pool).await?;
    let next_at = first_due(&mut tx, cadence, at).await?;
    let insert = "INSERT INTO cadence_enrolments (cadence_id, customer_id, state, next_step, next_at, enrolled_by, \
                  enrolled_at)";
    let (mut enrolled, mut considered) = (0u64, 0u64);
    let searched = match filter {
        Some(f) if f.query.as_deref().is_some_and(|q| !q.trim().is_empty()) => {
            let mut all = Vec::new();
            let mut page = 1;
            loop {
                let p = super::customers::list_customers(pool, &CustomerFilter { page, per_page: 500, ..f.clone() })
                    .await?;
                let n = p.items.len();
                all.extend(p.items.into_iter().map(|c| c.id));
                if n < 500 {
                    break;
                }
                page += 1;
            }
            Some(all)
        }
        _ => None,
    };
    let id_list: Option<Vec<i64>> = ids.map(<[i64]>::to_vec).or(searched);
    if let Some(ids) = id_list {
        for chunk in ids.chunks(500) {
            let list = chunk.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
            let sql = format!(
                "{insert} SELECT $1, c.id, 'active', 0, $2, $3, $4 FROM customers c \
                 WHERE c.id IN ({list}) AND c.deleted_at IS NULL ON CONFLICT DO NOTHING"
            );
            enrolled += sqlx::query(AssertSqlSafe(sql))
                .bind(cadence)
                .bind(next_at)
                .bind(actor.0)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let live: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM customers c WHERE c.id IN ({list}) AND c.deleted_at IS NULL"
            )))
            .fetch_one(&mut *tx)
            .await?;
            considered += live as u64;
        }
    } else if let Some(f) = filter {
        let (where_, args) = filter_conditions(f);
        let n = args.len();
        let sql = format!(
            "{insert} SELECT ${}, c.id, 'active', 0, ${}, ${}, ${} FROM customers c WHERE {where_} ON CONFLICT DO NOTHING",
            n + 1,
            n + 2,
            n + 3,
            n + 4
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for a in &args {
            q = q.bind(a.clone());
        }
        enrolled = q.bind(cadence).bind(next_at).bind(actor.0).bind(at).execute(&mut *tx).await?.rows_affected();
        let mut q = sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM customers c WHERE {where_}")));
        for a in &args {
            q = q.bind(a.clone());
        }
        let n: i64 = q.fetch_one(&mut *tx).await?;
        considered = n as u64;
    }
    let note = format!("{enrolled}");
    audit(&mut tx, actor, "enrol", "cadence", Some(cadence), None, None, None, Some(&note)).await?;
    tx.commit().await?;
    let asked = ids.map_or(considered, |i| {
        let mut unique = i.to_vec();
        unique.sort_unstable();
        unique.dedup();
        unique.len() as u64
    });
    Ok((enrolled, considered.saturating_sub(enrolled), asked.saturating_sub(considered)))
}

pub(crate) async fn event(
    tx: &mut Tx<'_>,
    enrolment: i64,
    position: Option<i32>,
    at: DateTime<Utc>,
    what: &str,
    detail: Option<&str>,
    (outbox, task): (Option<i64>, Option<i64>),
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO cadence_events (enrolment_id, position, at, what, detail, outbox_id, task_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(enrolment)
    .bind(position)
    .bind(at)
    .bind(what)
    .bind(detail)
    .bind(outbox)
    .bind(task)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn end(
    tx: &mut Tx<'_>,
    enrolment: i64,
    because: LeftBecause,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE cadence_enrolments SET state = 'ended', left_because = $1, ended_at = $2, next_at = NULL WHERE id = $3",
    )
    .bind(because.code())
    .bind(at)
    .bind(enrolment)
    .execute(&mut **tx)
    .await?;
    event(tx, enrolment, None, at, "left", Some(because.code()), (None, None)).await
}

/// Takes a customer out of a cadence by hand.
pub async fn leave_cadence(pool: &Pool, actor: Actor, enrolment: i64) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let row = sqlx::query("SELECT customer_id, state FROM cadence_enrolments WHERE id = $1")
        .bind(enrolment)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("enrolment", enrolment))?;
    let (customer, state): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
    if state == "active" {
        end(&mut tx, enrolment, LeftBecause::ByHand, now()).await?;
        audit(&mut tx, actor, "leave", "cadence", Some(enrolment), Some(customer), None, None, None).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A customer's cadences (or a cadence's customers), newest first, with their events.
pub async fn enrolments(
    pool: &Pool,
    customer: Option<i64>,
    cadence: Option<i64>,
    limit: i64,
) -> Result<Vec<EnrolmentRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT e.*, k.name AS cadence_name, c.name AS customer_name FROM cadence_enrolments e \
         JOIN cadences k ON k.id = e.cadence_id JOIN customers c ON c.id = e.customer_id \
         WHERE ($1 IS NULL OR e.customer_id = $1) AND ($2 IS NULL OR e.cadence_id = $2) ORDER BY e.id DESC LIMIT $3",
    )
    .bind(customer)
    .bind(cadence)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let left: Option<String> = r.try_get("left_because")?;
        let events = sqlx::query(
            "SELECT position, at, what, detail, outbox_id, task_id FROM cadence_events WHERE enrolment_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|e| {
            Ok(CadenceEvent {
                position: e.try_get(0)?,
                at: e.try_get(1)?,
                what: e.try_get(2)?,
                detail: e.try_get(3)?,
                outbox_id: e.try_get(4)?,
                task_id: e.try_get(5)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        out.push(EnrolmentRecord {
            id,
            cadence_id: r.try_get("cadence_id")?,
            cadence_name: r.try_get("cadence_name")?,
            customer_id: r.try_get("customer_id")?,
            customer_name: r.try_get("customer_name")?,
            left_because: left
                .map(|l| LeftBecause::from_code(&l).ok_or_else(|| corrupt("left_because", &l)))
                .transpose()?,
            next_step: r.try_get("next_step")?,
            next_at: r.try_get("next_at")?,
            enrolled_at: r.try_get("enrolled_at")?,
            ended_at: r.try_get("ended_at")?,
            events,
        });
    }
    Ok(out)
}

/// What a cadence did (see [`CadenceReport`]).
pub async fn cadence_report(pool: &Pool, cadence: i64) -> Result<CadenceReport, StoreError> {
    let count = |sql: &'static str| async move {
        let n: i64 = sqlx::query_scalar(sql).bind(cadence).fetch_one(pool).await?;
        Ok::<_, StoreError>(n)
    };
    let enrolled = count("SELECT COUNT(*) FROM cadence_enrolments WHERE cadence_id = $1").await?;
    let active = count("SELECT COUNT(*) FROM cadence_enrolments WHERE cadence_id = $1 AND state = 'active'").await?;
    let mut left = Vec::new();
    for r in sqlx::query(
        "SELECT left_because, COUNT(*) FROM cadence_enrolments WHERE cadence_id = $1 AND state = 'ended' \
         GROUP BY left_because",
    )
    .bind(cadence)
    .fetch_all(pool)
    .await?
    {
        let why: String = r.try_get(0)?;
        left.push((LeftBecause::from_code(&why).ok_or_else(|| corrupt("left_because", &why))?, r.try_get(1)?));
    }
    left.sort();
    let within = match super::DIALECT {
        crate::Dialect::Sqlite => {
            format!("julianday(o.ordered_at) <= julianday(e.enrolled_at) + {}", crate::BOUGHT_WITHIN_DAYS)
        }
        crate::Dialect::Postgres => {
            format!("o.ordered_at <= e.enrolled_at + interval '{} days'", crate::BOUGHT_WITHIN_DAYS)
        }
    };
    let bought: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM cadence_enrolments e WHERE e.cadence_id = $1 AND EXISTS (SELECT 1 FROM orders o \
         WHERE o.customer_id = e.customer_id AND o.deleted_at IS NULL AND o.ordered_at >= e.enrolled_at AND {within})"
    )))
    .bind(cadence)
    .fetch_one(pool)
    .await?;
    let rows = sqlx::query(
        "SELECT v.position, v.what, COUNT(*), SUM(CASE WHEN m.state = 'sent' THEN 1 ELSE 0 END) \
         FROM cadence_events v JOIN cadence_enrolments e ON e.id = v.enrolment_id \
         LEFT JOIN outbox m ON m.id = v.outbox_id \
         WHERE e.cadence_id = $1 AND v.position IS NOT NULL GROUP BY v.position, v.what ORDER BY v.position",
    )
    .bind(cadence)
    .fetch_all(pool)
    .await?;
    let mut steps: Vec<StepReport> = Vec::new();
    for r in rows {
        let (position, what, n, sent): (i32, String, i64, Option<i64>) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
        let s = match steps.last_mut() {
            Some(s) if s.position == position => s,
            _ => {
                steps.push(StepReport { position, queued: 0, sent: 0, skipped: 0, tasks: 0 });
                let last = steps.len() - 1;
                &mut steps[last]
            }
        };
        match what.as_str() {
            "queued" => {
                s.queued += n;
                s.sent += sent.unwrap_or(0);
            }
            "skipped" => s.skipped += n,
            "task" => s.tasks += n,
            _ => {}
        }
    }
    Ok(CadenceReport { enrolled, active, left, bought_within: bought, steps })
}

/// One customer's time in a cadence.
pub async fn enrolment(pool: &Pool, id: i64) -> Result<EnrolmentRecord, StoreError> {
    let row = sqlx::query("SELECT customer_id, cadence_id FROM cadence_enrolments WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::not_found("enrolment", id))?;
    let (customer, cadence): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    enrolments(pool, Some(customer), Some(cadence), 10_000)
        .await?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or_else(|| StoreError::not_found("enrolment", id))
}

/// The cadence steps coming up by `until` for the customers `owners` look after (everyone's
/// when `None`), the soonest first: what My day shows is about to go out.
pub async fn steps_ahead(
    pool: &Pool,
    owners: Option<&[i64]>,
    until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<EnrolmentRecord>, StoreError> {
    let owned = match owners {
        Some([]) => return Ok(Vec::new()),
        Some(ids) => {
            format!(" AND c.owner_id IN ({})", ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(","))
        }
        None => String::new(),
    };
    // The enrolments due soon drive the query (CROSS JOIN keeps SQLite from walking the
    // owners' customers first: a rep's quarter of a million, to find a handful of steps).
    let ids: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT e.id FROM cadence_enrolments e CROSS JOIN customers c WHERE c.id = e.customer_id \
         AND e.state = 'active' AND e.next_at <= $1 AND c.deleted_at IS NULL{owned} \
         AND e.cadence_id NOT IN (SELECT id FROM cadences WHERE paused_at IS NOT NULL) ORDER BY e.next_at, e.id LIMIT $2"
    )))
    .bind(until)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for id in ids {
        out.push(enrolment(pool, id).await?);
    }
    Ok(out)
}

/// Pauses a cadence (its steps stop, nobody can be put in) or resumes it; audited. Returns it.
pub async fn pause_cadence(pool: &Pool, actor: Actor, id: i64, paused: bool) -> Result<CadenceRecord, StoreError> {
    let mut tx = super::begin(pool).await?;
    let n = if paused {
        sqlx::query("UPDATE cadences SET paused_at = $1 WHERE id = $2 AND paused_at IS NULL").bind(now()).bind(id)
    } else {
        sqlx::query("UPDATE cadences SET paused_at = NULL WHERE id = $1 AND paused_at IS NOT NULL").bind(id)
    }
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n > 0 {
        audit(&mut tx, actor, if paused { "pause" } else { "resume" }, "cadence", Some(id), None, None, None, None)
            .await?;
    }
    tx.commit().await?;
    cadence(pool, id).await
}

/// How many of the customers `filter` matches can get a marketing message on `channel`: they
/// have the address (a mobile for SMS) and their latest consent on it is "given". `None` for a
/// searched list (counted only when enrolled).
pub async fn reachable(
    pool: &Pool,
    filter: &CustomerFilter,
    channel: guanxi_domain::outbox::MessageChannel,
) -> Result<Option<i64>, StoreError> {
    use guanxi_domain::outbox::MessageChannel;
    if filter.query.as_deref().is_some_and(|q| !q.trim().is_empty()) {
        return Ok(None);
    }
    let (where_, args) = filter_conditions(filter);
    let address = match channel {
        MessageChannel::Email => "c.email IS NOT NULL",
        MessageChannel::Sms => "c.phone IS NOT NULL AND c.phone NOT LIKE '%-%'",
        MessageChannel::Wechat => "c.wechat IS NOT NULL",
        MessageChannel::Letter => "c.address IS NOT NULL",
    };
    let sql = format!(
        "SELECT COUNT(*) FROM customers c WHERE {where_} AND {address} AND (SELECT k.state FROM consents k \
         WHERE k.customer_id = c.id AND k.channel = ${} ORDER BY k.id DESC LIMIT 1) = 'given'",
        args.len() + 1
    );
    let mut q = sqlx::query_scalar(AssertSqlSafe(sql));
    for a in &args {
        q = q.bind(a.clone());
    }
    Ok(Some(q.bind(channel.code()).fetch_one(pool).await?))
}

/// Puts `customer` in every running cadence that takes customers by itself on `rule`, inside
/// the transaction of what happened (an order, a won deal); a cadence they are in already, or
/// one whose day has passed, is left as it is. Returns how many took them.
pub(crate) async fn enrol_by_rule_in(
    tx: &mut Tx<'_>,
    rule: guanxi_domain::cadences::EnrolRule,
    customer: i64,
    actor: Actor,
    at: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let at = chrono::SubsecRound::trunc_subsecs(at, 6);
    let cadences: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM cadences WHERE enrol_on = $1 AND paused_at IS NULL ORDER BY id")
            .bind(rule.code())
            .fetch_all(&mut **tx)
            .await?;
    let mut enrolled = 0;
    for cadence in cadences {
        let Ok(next_at) = first_due(tx, cadence, at).await else { continue };
        enrolled += sqlx::query(
            "INSERT INTO cadence_enrolments (cadence_id, customer_id, state, next_step, next_at, enrolled_by, \
             enrolled_at) VALUES ($1, $2, 'active', 0, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(cadence)
        .bind(customer)
        .bind(next_at)
        .bind(actor.0)
        .bind(at)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    }
    Ok(enrolled)
}

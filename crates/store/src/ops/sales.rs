//! Opportunities through the standard stages: every write checks the deal's state, records the
//! stage change (who, when, and an override's reason), and is audited under the customer.

use super::customers::{Q, load_live};
use super::{Pool, Row, Tx, audit, corrupt, now, opt_code, resolve_users};
use crate::{
    Actor, ChainRecord, ObjectionRecord, OpportunityFilter, OpportunityPage, OpportunityRecord, StageChange,
    StoreError, TaskRecord,
};
use chrono::{DateTime, NaiveDate, Utc};
use guanxi_domain::china::{day as china_day, day_number};
use guanxi_domain::sales::*;
use guanxi_domain::value::settings::Approach;
use guanxi_domain::{Attitude, DecisionRole, Field, Problem, Raw, Validation};
use sqlx::{AssertSqlSafe, Row as _};

/// The company's sales settings as stored (the defaults until an admin saves some).
pub(crate) async fn load_settings(tx: &mut Tx<'_>) -> Result<SalesSettings, StoreError> {
    let row = sqlx::query("SELECT value FROM settings WHERE key = 'sales'").fetch_optional(&mut **tx).await?;
    match row {
        None => Ok(SalesSettings::default()),
        Some(r) => {
            let text: String = r.try_get(0)?;
            serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("sales settings: {e}")))
        }
    }
}

fn code<T>(r: &Row, col: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, StoreError> {
    let s: String = r.try_get(col)?;
    parse(&s).ok_or_else(|| corrupt(col, &s))
}

const SELECT: &str = "SELECT o.*, c.name AS customer_name, u.username AS owner_name FROM opportunities o \
     JOIN customers c ON c.id = o.customer_id JOIN users u ON u.id = o.owner_id";

fn opportunity_from_row(r: &Row) -> Result<OpportunityRecord, StoreError> {
    let competitors: String = r.try_get("competitors")?;
    let probability: i32 = r.try_get("probability")?;
    let probability_set: bool = r.try_get("probability_set")?;
    let owner_name: String = r.try_get("owner_name")?;
    Ok(OpportunityRecord {
        id: r.try_get("id")?,
        customer_id: r.try_get("customer_id")?,
        customer_name: r.try_get("customer_name")?,
        owner_id: r.try_get("owner_id")?,
        draft: OpportunityDraft {
            title: r.try_get("title")?,
            amount_fen: r.try_get("amount_fen")?,
            expected_close: r.try_get("expected_close")?,
            owner: Some(owner_name.clone()),
            probability: probability_set.then_some(probability.clamp(0, 100) as u8),
            source: r.try_get("source")?,
            competitors: serde_json::from_str(&competitors).map_err(|_| corrupt("competitors", &competitors))?,
            proposal: r.try_get("proposal")?,
            next_step: r.try_get("next_step")?,
            next_step_on: r.try_get("next_step_on")?,
            purchasing_power: code(r, "purchasing_power", Qualification::parse)?,
            power_evidence: r.try_get("power_evidence")?,
            decision_authority: code(r, "decision_authority", Qualification::parse)?,
            authority_evidence: r.try_get("authority_evidence")?,
            need: code(r, "need", Qualification::parse)?,
            need_evidence: r.try_get("need_evidence")?,
            appointment: opt_code(r, "appointment", Approach::parse)?,
            preparation: r.try_get("preparation")?,
        },
        owner_name,
        stage: code(r, "stage", Stage::parse)?,
        status: code(r, "status", DealStatus::parse)?,
        probability_pct: probability.clamp(0, 100) as u8,
        won_amount_fen: r.try_get("won_amount_fen")?,
        closed_on: r.try_get("closed_on")?,
        lost_reason: r.try_get("lost_reason")?,
        lost_to: r.try_get("lost_to")?,
        stage_entered_at: r.try_get("stage_entered_at")?,
        last_activity_at: r.try_get("last_activity_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

/// A deal about to be changed, its row locked until the transaction ends (see
/// `customers::load_customer`).
async fn load(tx: &mut Tx<'_>, id: i64) -> Result<OpportunityRecord, StoreError> {
    let lock = if super::for_update().is_empty() { "" } else { " FOR UPDATE OF o" };
    let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE o.id = $1 AND o.deleted_at IS NULL{lock}")))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found("opportunity", id))?;
    opportunity_from_row(&row)
}

/// An open deal, for a write that only open deals take.
async fn load_open(tx: &mut Tx<'_>, id: i64) -> Result<OpportunityRecord, StoreError> {
    let o = load(tx, id).await?;
    if o.status != DealStatus::Open {
        return Err(Validation::one(Field::Status, o.status.code(), Problem::Closed).into());
    }
    Ok(o)
}

async fn owner_id(tx: &mut Tx<'_>, actor: Actor, d: &OpportunityDraft) -> Result<i64, StoreError> {
    match &d.owner {
        Some(name) => {
            Ok(resolve_users(tx, Field::Owner, std::slice::from_ref(name)).await?.first().copied().unwrap_or(actor.0))
        }
        None => Ok(actor.0),
    }
}

/// Binds the draft's columns in the order both the insert and the update name them.
fn bind_draft<'a>(q: Q<'a>, d: &'a OpportunityDraft, owner: i64, probability: u8) -> Q<'a> {
    q.bind(&d.title)
        .bind(d.amount_fen)
        .bind(d.expected_close)
        .bind(owner)
        .bind(probability as i32)
        .bind(d.probability.is_some())
        .bind(&d.source)
        .bind(serde_json::to_string(&d.competitors).unwrap_or_else(|_| "[]".into()))
        .bind(&d.proposal)
        .bind(&d.next_step)
        .bind(d.next_step_on)
        .bind(d.purchasing_power.code())
        .bind(&d.power_evidence)
        .bind(d.decision_authority.code())
        .bind(&d.authority_evidence)
        .bind(d.need.code())
        .bind(&d.need_evidence)
        .bind(d.appointment.map(|a| a.code()))
        .bind(&d.preparation)
}

fn draft_json(d: &OpportunityDraft) -> serde_json::Value {
    super::fields_json(&d.to_fields())
}

/// Ended stage stays of one China day number, stage and owner: (how many, days in all).
type Stays = ((i32, Stage, i64), (i64, f64));

/// Adds ended stage stays to the daily sums.
async fn add_stays(tx: &mut Tx<'_>, stays: &[Stays]) -> Result<(), StoreError> {
    for chunk in stays.chunks(200) {
        let sql = format!(
            "INSERT INTO stage_stays (day, stage, owner_id, stays, days) VALUES {} ON CONFLICT (day, stage, owner_id) \
             DO UPDATE SET stays = stage_stays.stays + excluded.stays, days = stage_stays.days + excluded.days",
            super::values_clause(chunk.len(), 5, &|_, p| p)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for ((day, stage, owner), (n, days)) in chunk {
            q = q.bind(*day).bind(stage.code()).bind(*owner).bind(*n).bind(*days);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Marks activity on a deal at `at` (a contact, a tick, an objection, a file), so that it is not
/// stalled; an earlier moment (a contact logged late) leaves a later one in place.
pub(crate) async fn touch(tx: &mut Tx<'_>, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query("UPDATE opportunities SET last_activity_at = $1 WHERE id = $2 AND last_activity_at < $1")
        .bind(at)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Days from `from` to `to`, with fractions.
pub(crate) fn days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds().max(0) as f64 / 86_400.0
}

/// A change of stage or status as `opportunity_changes` keeps it.
struct Change<'a> {
    /// The deal's owner, to whom the stay that ends is counted.
    owner: i64,
    from: Option<Stage>,
    to: Stage,
    status: DealStatus,
    at: DateTime<Utc>,
    override_reason: Option<&'a str>,
    skipped: &'a [CheckItem],
}

async fn record_change(tx: &mut Tx<'_>, actor: Actor, id: i64, c: Change<'_>) -> Result<(), StoreError> {
    let Change { owner, from, to, status, at, override_reason, skipped } = c;
    // The stage being left gets the days spent in it (the report's average days a stage).
    let last = sqlx::query(
        "SELECT id, changed_at, to_stage FROM opportunity_changes WHERE opportunity_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(r) = last {
        let since: DateTime<Utc> = r.try_get(1)?;
        let days = days_between(since, at);
        sqlx::query("UPDATE opportunity_changes SET days_in = $1 WHERE id = $2")
            .bind(days)
            .bind(r.try_get::<i64, _>(0)?)
            .execute(&mut **tx)
            .await?;
        let left = code(&r, "to_stage", Stage::parse)?;
        add_stays(tx, &[((day_number(china_day(at)), left, owner), (1, days))]).await?;
    }
    let skipped = (!skipped.is_empty()).then(|| {
        serde_json::to_string(&skipped.iter().map(|c| &c.action.title).collect::<Vec<_>>()).unwrap_or_default()
    });
    sqlx::query(
        "INSERT INTO opportunity_changes (opportunity_id, from_stage, to_stage, status, changed_by, changed_at, \
         override_reason, skipped) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(from.map(|s| s.code()))
    .bind(to.code())
    .bind(status.code())
    .bind(actor.0)
    .bind(at)
    .bind(override_reason)
    .bind(skipped)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Opens an opportunity for a live customer at the first stage.
pub async fn create_opportunity(
    pool: &Pool,
    actor: Actor,
    customer_id: i64,
    d: &OpportunityDraft,
) -> Result<i64, StoreError> {
    let mut tx = super::begin(pool).await?;
    let customer = load_live(&mut tx, customer_id).await?;
    let settings = load_settings(&mut tx).await?;
    let owner = owner_id(&mut tx, actor, d).await?;
    let at = now();
    let stage = Stage::Qualify;
    let probability = d.probability.unwrap_or(settings.probability(stage));
    let q = sqlx::query(
        "INSERT INTO opportunities (customer_id, stage, status, stage_entered_at, last_activity_at, created_by, \
         created_at, updated_at, title, amount_fen, expected_close, owner_id, probability, probability_set, source, \
         competitors, proposal, next_step, next_step_on, purchasing_power, power_evidence, decision_authority, \
         authority_evidence, need, need_evidence, appointment, preparation) VALUES ($1, $2, 'open', $3, $3, $4, $3, \
         $3, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) RETURNING id",
    )
    .bind(customer_id)
    .bind(stage.code())
    .bind(at)
    .bind(actor.0);
    let id: i64 = bind_draft(q, d, owner, probability).fetch_one(&mut *tx).await?.try_get(0)?;
    let change =
        Change { owner, from: None, to: stage, status: DealStatus::Open, at, override_reason: None, skipped: &[] };
    record_change(&mut tx, actor, id, change).await?;
    let note = format!("{}：{}", customer.draft.name, d.title);
    audit(
        &mut tx,
        actor,
        "create",
        "opportunity",
        Some(id),
        Some(customer_id),
        None,
        Some(&draft_json(d)),
        Some(&note),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes an open opportunity's fields (`changes` names only what changes); with
/// `expected_version`, refuses when someone else changed it since.
pub async fn update_opportunity(
    pool: &Pool,
    actor: Actor,
    id: i64,
    changes: &Raw,
    expected_version: Option<i64>,
) -> Result<OpportunityRecord, StoreError> {
    let mut tx = super::begin(pool).await?;
    let before = load_open(&mut tx, id).await?;
    if expected_version.is_some_and(|v| v != before.version) {
        return Err(StoreError::conflict(
            "该商机已被他人修改，请刷新后再改",
            "someone else changed this opportunity in the meantime; reload and try again",
        ));
    }
    let d = before.draft.apply(changes).map_err(StoreError::Invalid)?;
    let owner = owner_id(&mut tx, actor, &d).await?;
    let settings = load_settings(&mut tx).await?;
    let probability = d.probability.unwrap_or(settings.probability(before.stage));
    let at = now();
    let q = sqlx::query(
        "UPDATE opportunities SET title = $1, amount_fen = $2, expected_close = $3, owner_id = $4, probability = $5, \
         probability_set = $6, source = $7, competitors = $8, proposal = $9, next_step = $10, next_step_on = $11, \
         purchasing_power = $12, power_evidence = $13, decision_authority = $14, authority_evidence = $15, need = $16, \
         need_evidence = $17, appointment = $18, preparation = $19, updated_at = $20, last_activity_at = $20, \
         version = version + 1 WHERE id = $21",
    );
    bind_draft(q, &d, owner, probability).bind(at).bind(id).execute(&mut *tx).await?;
    audit(
        &mut tx,
        actor,
        "update",
        "opportunity",
        Some(id),
        Some(before.customer_id),
        Some(&draft_json(&before.draft)),
        Some(&draft_json(&d)),
        None,
    )
    .await?;
    let after = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn opportunity(pool: &Pool, id: i64) -> Result<OpportunityRecord, StoreError> {
    let mut conn = pool.acquire().await?;
    let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE o.id = $1 AND o.deleted_at IS NULL")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("opportunity", id))?;
    opportunity_from_row(&row)
}

/// What the checklist looks at for one opportunity, and the ticks.
async fn facts(tx: &mut Tx<'_>, o: &OpportunityRecord) -> Result<(Facts, Vec<(Stage, String)>), StoreError> {
    let mut f = Facts::of(&o.draft);
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM interactions WHERE opportunity_id = $1 AND deleted_at IS NULL), \
         (SELECT COUNT(*) FROM decision_chain d JOIN key_people k ON k.id = d.key_person_id \
          WHERE d.opportunity_id = $1 AND d.engaged AND k.decision_role = 'decision_maker' AND k.deleted_at IS NULL), \
         (SELECT COUNT(*) FROM objections WHERE opportunity_id = $1 AND resolved_at IS NULL AND deleted_at IS NULL)",
    )
    .bind(o.id)
    .fetch_one(&mut **tx)
    .await?;
    f.interactions = row.try_get::<i64, _>(0)? as usize;
    f.decision_maker_engaged = row.try_get::<i64, _>(1)? > 0;
    f.open_objections = row.try_get::<i64, _>(2)? as usize;
    let ticks = sqlx::query("SELECT stage, action_key FROM opportunity_ticks WHERE opportunity_id = $1")
        .bind(o.id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| Ok((code(r, "stage", Stage::parse)?, r.try_get("action_key")?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok((f, ticks))
}

/// The checklist of every stage for an opportunity: each standard action and whether it is done.
pub async fn opportunity_checklist(pool: &Pool, id: i64) -> Result<Vec<CheckItem>, StoreError> {
    let mut tx = pool.begin().await?;
    let o = load(&mut tx, id).await?;
    let settings = load_settings(&mut tx).await?;
    let (facts, ticks) = facts(&mut tx, &o).await?;
    tx.rollback().await?;
    Ok(checklist(&settings, Stage::ALL, &facts, &ticks))
}

/// The mandatory actions not done on the way from `o`'s stage to `to`; refused unless an
/// override reason is given (the caller has checked that the actor may override).
fn gate(
    settings: &SalesSettings,
    o: &OpportunityRecord,
    to: Stage,
    facts: &Facts,
    ticks: &[(Stage, String)],
    override_reason: Option<&str>,
) -> Result<Vec<CheckItem>, StoreError> {
    let missing = missing_for_move(settings, o.stage, to, facts, ticks);
    if missing.is_empty() {
        return Ok(missing);
    }
    match override_reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(_) => Ok(missing),
        None => Err(Validation(vec![actions_missing(to, &missing)]).into()),
    }
}

/// Moves an open opportunity to another stage (not after-sales: that is reached by winning).
/// Forward moves need the mandatory actions of every stage passed, or an override reason;
/// backward moves are always allowed. The deal takes the new stage's probability unless a
/// person set one.
pub async fn move_opportunity(
    pool: &Pool,
    actor: Actor,
    id: i64,
    to: Stage,
    override_reason: Option<&str>,
) -> Result<OpportunityRecord, StoreError> {
    let mut tx = super::begin(pool).await?;
    let o = load_open(&mut tx, id).await?;
    if to == Stage::AfterSales {
        return Err(Validation::one(Field::Stage, to.code(), Problem::WinToEnter).into());
    }
    if to == o.stage {
        tx.rollback().await?;
        return Ok(o);
    }
    let settings = load_settings(&mut tx).await?;
    let (facts, ticks) = facts(&mut tx, &o).await?;
    let skipped = gate(&settings, &o, to, &facts, &ticks, override_reason)?;
    let reason = (!skipped.is_empty()).then_some(override_reason).flatten();
    let at = now();
    let probability = o.draft.probability.unwrap_or(settings.probability(to));
    sqlx::query(
        "UPDATE opportunities SET stage = $1, probability = $2, stage_entered_at = $3, last_activity_at = $3, \
         updated_at = $3, version = version + 1, \
         furthest_stage = CASE WHEN furthest_stage < $5 THEN $5 ELSE furthest_stage END WHERE id = $4",
    )
    .bind(to.code())
    .bind(probability as i32)
    .bind(at)
    .bind(id)
    .bind(to.index() as i32)
    .execute(&mut *tx)
    .await?;
    let change = Change {
        owner: o.owner_id,
        from: Some(o.stage),
        to,
        status: DealStatus::Open,
        at,
        override_reason: reason,
        skipped: &skipped,
    };
    record_change(&mut tx, actor, id, change).await?;
    let note = match reason {
        Some(r) => format!("{} → {}（越过：{r}）", o.stage.code(), to.code()),
        None => format!("{} → {}", o.stage.code(), to.code()),
    };
    audit(
        &mut tx,
        actor,
        "move",
        "opportunity",
        Some(id),
        Some(o.customer_id),
        Some(&serde_json::json!({ "stage": o.stage.code() })),
        Some(&serde_json::json!({ "stage": to.code() })),
        Some(&note),
    )
    .await?;
    let after = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(after)
}

/// Closes an open opportunity. Winning passes the gate to after-sales (the mandatory actions
/// up to closing, or an override), moves the deal there and creates the after-sales tasks for
/// its owner; losing keeps the stage it was lost at, with the reason.
pub async fn close_opportunity(
    pool: &Pool,
    actor: Actor,
    id: i64,
    outcome: &Outcome,
    override_reason: Option<&str>,
    record_order: bool,
) -> Result<OpportunityRecord, StoreError> {
    let mut tx = super::begin(pool).await?;
    let o = load_open(&mut tx, id).await?;
    let settings = load_settings(&mut tx).await?;
    let at = now();
    let (status, to, skipped) = match outcome {
        Outcome::Won { amount_fen, closed_on } => {
            let (facts, ticks) = facts(&mut tx, &o).await?;
            let skipped = gate(&settings, &o, Stage::AfterSales, &facts, &ticks, override_reason)?;
            sqlx::query(
                "UPDATE opportunities SET status = 'won', stage = 'after_sales', probability = 100, won_amount_fen = $1, \
                 closed_on = $2, stage_entered_at = $3, last_activity_at = $3, updated_at = $3, version = version + 1, \
                 furthest_stage = $5, cycle_days = $6 WHERE id = $4",
            )
            .bind(amount_fen)
            .bind(closed_on)
            .bind(at)
            .bind(id)
            .bind(Stage::AfterSales.index() as i32)
            .bind(days_between(o.created_at, at))
            .execute(&mut *tx)
            .await?;
            for t in &settings.after_sales_tasks {
                sqlx::query(
                    "INSERT INTO tasks (customer_id, opportunity_id, title, due_on, assignee_id, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(o.customer_id)
                .bind(id)
                .bind(&t.title)
                .bind(*closed_on + chrono::Duration::days(t.due_in_days as i64))
                .bind(o.owner_id)
                .bind(actor.0)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            // A won deal is a sale: recorded as the customer's order in the same transaction,
            // so value, RFM and the 4R phase count it (issue #22: winning ¥1.15M left the
            // customer at "no purchase yet") — unless its orders were recorded already.
            if record_order && *amount_fen > 0 {
                let noon = guanxi_domain::china::end_of_day(*closed_on) - chrono::Duration::hours(12);
                let draft = guanxi_domain::orders::OrderDraft {
                    customer: guanxi_domain::orders::CustomerRef::Id(o.customer_id),
                    ordered_at: noon.min(at),
                    amount_fen: *amount_fen,
                    cost_fen: None,
                    category: None,
                    channel: None,
                    branch: None,
                    order_no: Some(format!("DEAL-{id}")),
                };
                let order = super::orders::insert_order(&mut tx, actor, o.customer_id, &draft, at).await?;
                let after = super::orders::order_fields(o.customer_id, &draft);
                let note = format!("won deal {id}");
                audit(
                    &mut tx,
                    actor,
                    "create",
                    "order",
                    Some(order),
                    Some(o.customer_id),
                    None,
                    Some(&after),
                    Some(&note),
                )
                .await?;
                super::orders::refresh_customers(&mut tx, &[o.customer_id]).await?;
            }
            (DealStatus::Won, Stage::AfterSales, skipped)
        }
        Outcome::Lost { reason, lost_to, closed_on } => {
            sqlx::query(
                "UPDATE opportunities SET status = 'lost', probability = 0, lost_reason = $1, lost_to = $2, \
                 closed_on = $3, last_activity_at = $4, updated_at = $4, version = version + 1 WHERE id = $5",
            )
            .bind(reason)
            .bind(lost_to)
            .bind(closed_on)
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            (DealStatus::Lost, o.stage, Vec::new())
        }
    };
    let reason = (!skipped.is_empty()).then_some(override_reason).flatten();
    let change =
        Change { owner: o.owner_id, from: Some(o.stage), to, status, at, override_reason: reason, skipped: &skipped };
    record_change(&mut tx, actor, id, change).await?;
    audit(
        &mut tx,
        actor,
        "close",
        "opportunity",
        Some(id),
        Some(o.customer_id),
        Some(&serde_json::json!({ "status": "open", "stage": o.stage.code() })),
        Some(&serde_json::to_value(outcome).unwrap_or_default()),
        reason.map(|r| format!("越过：{r}")).as_deref(),
    )
    .await?;
    let after = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(after)
}

/// Ticks (or unticks) a standard action that a person marks done.
pub async fn tick_action(
    pool: &Pool,
    actor: Actor,
    id: i64,
    stage: Stage,
    key: &str,
    done: bool,
) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let o = load_open(&mut tx, id).await?;
    let settings = load_settings(&mut tx).await?;
    let tickable: Vec<&str> =
        settings.actions(stage).iter().filter(|a| a.requires == Requirement::Tick).map(|a| a.key.as_str()).collect();
    if !tickable.contains(&key) {
        let allowed = tickable.iter().map(|k| k.to_string()).collect();
        return Err(Validation::one(Field::Action, key, Problem::UnknownChoice { allowed }).into());
    }
    sqlx::query("DELETE FROM opportunity_ticks WHERE opportunity_id = $1 AND stage = $2 AND action_key = $3")
        .bind(id)
        .bind(stage.code())
        .bind(key)
        .execute(&mut *tx)
        .await?;
    let at = now();
    if done {
        sqlx::query(
            "INSERT INTO opportunity_ticks (opportunity_id, stage, action_key, done_by, done_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(stage.code())
        .bind(key)
        .bind(actor.0)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    }
    touch(&mut tx, id, at).await?;
    let note = format!("{}/{key}: {}", stage.code(), if done { "done" } else { "not done" });
    audit(&mut tx, actor, "tick", "opportunity", Some(id), Some(o.customer_id), None, None, Some(&note)).await?;
    tx.commit().await?;
    Ok(())
}

/// Every stage change of an opportunity, oldest first.
pub async fn opportunity_changes(pool: &Pool, id: i64) -> Result<Vec<StageChange>, StoreError> {
    let rows = sqlx::query(
        "SELECT h.*, u.username FROM opportunity_changes h JOIN users u ON u.id = h.changed_by \
         WHERE h.opportunity_id = $1 ORDER BY h.id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let skipped: Option<String> = r.try_get("skipped")?;
            Ok(StageChange {
                id: r.try_get("id")?,
                from_stage: opt_code(r, "from_stage", Stage::parse)?,
                to_stage: code(r, "to_stage", Stage::parse)?,
                status: code(r, "status", DealStatus::parse)?,
                changed_by: r.try_get("username")?,
                changed_at: r.try_get("changed_at")?,
                override_reason: r.try_get("override_reason")?,
                skipped: skipped.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default(),
            })
        })
        .collect()
}

/// Logs an objection on an open opportunity.
pub async fn add_objection(pool: &Pool, actor: Actor, id: i64, d: &ObjectionDraft) -> Result<i64, StoreError> {
    let mut tx = super::begin(pool).await?;
    let o = load_open(&mut tx, id).await?;
    let at = now();
    let oid: i64 = sqlx::query(
        "INSERT INTO objections (opportunity_id, objection, cause, answer, resolved_at, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(id)
    .bind(&d.objection)
    .bind(d.cause.code())
    .bind(&d.answer)
    .bind(d.resolved.then_some(at))
    .bind(actor.0)
    .bind(at)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    touch(&mut tx, id, at).await?;
    let after = serde_json::to_value(d).unwrap_or_default();
    audit(&mut tx, actor, "create", "objection", Some(oid), Some(o.customer_id), None, Some(&after), None).await?;
    tx.commit().await?;
    Ok(oid)
}

/// Answers or resolves a logged objection (its text and cause may be corrected too).
pub async fn update_objection(
    pool: &Pool,
    actor: Actor,
    objection_id: i64,
    d: &ObjectionDraft,
) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let row = sqlx::query(
        "SELECT opportunity_id, objection, cause, answer, resolved_at FROM objections WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(objection_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::not_found("objection", objection_id))?;
    let id: i64 = row.try_get(0)?;
    let o = load_open(&mut tx, id).await?;
    let was_resolved: Option<DateTime<Utc>> = row.try_get(4)?;
    let before = serde_json::json!({
        "objection": row.try_get::<String, _>(1)?,
        "cause": row.try_get::<String, _>(2)?,
        "answer": row.try_get::<Option<String>, _>(3)?,
        "resolved": was_resolved.is_some(),
    });
    let at = now();
    let resolved_at = if d.resolved { Some(was_resolved.unwrap_or(at)) } else { None };
    sqlx::query("UPDATE objections SET objection = $1, cause = $2, answer = $3, resolved_at = $4 WHERE id = $5")
        .bind(&d.objection)
        .bind(d.cause.code())
        .bind(&d.answer)
        .bind(resolved_at)
        .bind(objection_id)
        .execute(&mut *tx)
        .await?;
    touch(&mut tx, id, at).await?;
    let after = serde_json::to_value(d).unwrap_or_default();
    audit(
        &mut tx,
        actor,
        "update",
        "objection",
        Some(objection_id),
        Some(o.customer_id),
        Some(&before),
        Some(&after),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn objections(pool: &Pool, id: i64) -> Result<Vec<ObjectionRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT b.*, u.username FROM objections b JOIN users u ON u.id = b.created_by \
         WHERE b.opportunity_id = $1 AND b.deleted_at IS NULL ORDER BY b.id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ObjectionRecord {
                id: r.try_get("id")?,
                opportunity_id: r.try_get("opportunity_id")?,
                objection: r.try_get("objection")?,
                cause: code(r, "cause", ObjectionCause::parse)?,
                answer: r.try_get("answer")?,
                resolved_at: r.try_get("resolved_at")?,
                created_by: r.try_get("username")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// Puts a key person of the deal's customer on its decision chain (or updates how they are
/// engaged and addressed).
pub async fn set_chain_member(
    pool: &Pool,
    actor: Actor,
    id: i64,
    key_person_id: i64,
    engaged: bool,
    plan: Option<&str>,
) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let o = load_open(&mut tx, id).await?;
    let owner: Option<i64> = sqlx::query("SELECT customer_id FROM key_people WHERE id = $1 AND deleted_at IS NULL")
        .bind(key_person_id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    match owner {
        None => return Err(Validation::one(Field::KeyPerson, &key_person_id.to_string(), Problem::NoSuchRecord).into()),
        Some(c) if c != o.customer_id => {
            return Err(Validation::one(Field::KeyPerson, &key_person_id.to_string(), Problem::OtherCustomer).into());
        }
        Some(_) => {}
    }
    let plan = match guanxi_domain::text(Field::Plan, plan.unwrap_or(""), 2000) {
        Ok(p) => p,
        Err(e) => return Err(Validation(vec![e]).into()),
    };
    sqlx::query("DELETE FROM decision_chain WHERE opportunity_id = $1 AND key_person_id = $2")
        .bind(id)
        .bind(key_person_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO decision_chain (opportunity_id, key_person_id, engaged, plan) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(key_person_id)
        .bind(engaged)
        .bind(&plan)
        .execute(&mut *tx)
        .await?;
    let after = serde_json::json!({ "key_person_id": key_person_id, "engaged": engaged, "plan": plan });
    audit(&mut tx, actor, "update", "decision_chain", Some(id), Some(o.customer_id), None, Some(&after), None).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a key person off a deal's decision chain.
pub async fn remove_chain_member(pool: &Pool, actor: Actor, id: i64, key_person_id: i64) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let o = load_open(&mut tx, id).await?;
    let done = sqlx::query("DELETE FROM decision_chain WHERE opportunity_id = $1 AND key_person_id = $2")
        .bind(id)
        .bind(key_person_id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::not_found("decision_chain", key_person_id));
    }
    let before = serde_json::json!({ "key_person_id": key_person_id });
    audit(&mut tx, actor, "delete", "decision_chain", Some(id), Some(o.customer_id), Some(&before), None, None).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn decision_chain(pool: &Pool, id: i64) -> Result<Vec<ChainRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT d.key_person_id, d.engaged, d.plan, k.name, k.decision_role, k.attitude FROM decision_chain d \
         JOIN key_people k ON k.id = d.key_person_id WHERE d.opportunity_id = $1 AND k.deleted_at IS NULL ORDER BY k.name",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ChainRecord {
                key_person_id: r.try_get("key_person_id")?,
                member: ChainMember {
                    name: r.try_get("name")?,
                    role: opt_code(r, "decision_role", DecisionRole::parse)?,
                    attitude: opt_code(r, "attitude", Attitude::parse)?,
                    engaged: r.try_get("engaged")?,
                    plan: r.try_get("plan")?,
                },
            })
        })
        .collect()
}

fn task_from_row(r: &Row) -> Result<TaskRecord, StoreError> {
    Ok(TaskRecord {
        id: r.try_get("id")?,
        customer_id: r.try_get("customer_id")?,
        opportunity_id: r.try_get("opportunity_id")?,
        title: r.try_get("title")?,
        due_on: r.try_get::<NaiveDate, _>("due_on")?,
        assignee: r.try_get("username")?,
        done_at: r.try_get("done_at")?,
    })
}

pub async fn opportunity_tasks(pool: &Pool, id: i64) -> Result<Vec<TaskRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT t.*, u.username FROM tasks t JOIN users u ON u.id = t.assignee_id WHERE t.opportunity_id = $1 \
         ORDER BY t.due_on, t.id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(task_from_row).collect()
}

/// Marks a task done (or not done again).
pub async fn complete_task(pool: &Pool, actor: Actor, task_id: i64, done: bool) -> Result<TaskRecord, StoreError> {
    let mut tx = super::begin(pool).await?;
    let row = sqlx::query("SELECT t.*, u.username FROM tasks t JOIN users u ON u.id = t.assignee_id WHERE t.id = $1")
        .bind(task_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("task", task_id))?;
    let task = task_from_row(&row)?;
    let at = done.then(|| task.done_at.unwrap_or_else(now));
    sqlx::query("UPDATE tasks SET done_at = $1 WHERE id = $2").bind(at).bind(task_id).execute(&mut *tx).await?;
    let note = format!("{}: {}", task.title, if done { "done" } else { "not done" });
    audit(&mut tx, actor, "update", "task", Some(task_id), Some(task.customer_id), None, None, Some(&note)).await?;
    tx.commit().await?;
    Ok(TaskRecord { done_at: at, ..task })
}

/// Opportunities matching `f`, the most recently active first, with how many match and their
/// total amount.
pub async fn list_opportunities(pool: &Pool, f: &OpportunityFilter) -> Result<OpportunityPage, StoreError> {
    let mut conds = vec!["o.deleted_at IS NULL".to_string()];
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    if f.owner_id.is_some() {
        conds.push(format!("o.owner_id = {}", next()));
    }
    if f.team.is_some() {
        conds.push(format!("o.owner_id IN (SELECT id FROM users WHERE team = {})", next()));
    }
    if f.customer_id.is_some() {
        conds.push(format!("o.customer_id = {}", next()));
    }
    if f.status.is_some() {
        conds.push(format!("o.status = {}", next()));
    }
    if f.stage.is_some() {
        conds.push(format!("o.stage = {}", next()));
    }
    let like = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(|q| {
        let escaped = q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        format!("%{escaped}%")
    });
    if like.is_some() {
        let p = next();
        conds.push(format!("(o.title LIKE {p} ESCAPE '\\' OR c.name LIKE {p} ESCAPE '\\')"));
    }
    if f.quiet_since.is_some() {
        conds.push(format!("o.status = 'open' AND o.last_activity_at < {}", next()));
    }
    let (limit, offset) = (next(), next());
    let filter = conds.join(" AND ");
    macro_rules! bind_filter {
        ($q:expr) => {{
            let mut q = $q;
            if let Some(v) = f.owner_id {
                q = q.bind(v);
            }
            if let Some(v) = &f.team {
                q = q.bind(v);
            }
            if let Some(v) = f.customer_id {
                q = q.bind(v);
            }
            if let Some(v) = f.status {
                q = q.bind(v.code());
            }
            if let Some(v) = f.stage {
                q = q.bind(v.code());
            }
            if let Some(v) = &like {
                q = q.bind(v);
            }
            if let Some(v) = f.quiet_since {
                q = q.bind(v);
            }
            q
        }};
    }
    let per_page = f.per_page.clamp(1, 500);
    let page = f.page.max(1);
    let sql =
        format!("{SELECT} WHERE {filter} ORDER BY o.last_activity_at DESC, o.id DESC LIMIT {limit} OFFSET {offset}");
    let rows = bind_filter!(sqlx::query(AssertSqlSafe(sql)))
        .bind(per_page as i64)
        .bind(super::offset(page as i64, per_page as i64))
        .fetch_all(pool)
        .await?;
    let items = rows.iter().map(opportunity_from_row).collect::<Result<Vec<_>, _>>()?;
    let join = if like.is_some() { "JOIN customers c ON c.id = o.customer_id" } else { "" };
    let sql = format!(
        "SELECT COUNT(*), CAST(COALESCE(SUM(o.amount_fen), 0) AS BIGINT) FROM opportunities o {join} WHERE {filter}"
    );
    let row = bind_filter!(sqlx::query(AssertSqlSafe(sql))).fetch_one(pool).await?;
    Ok(OpportunityPage { items, total: row.try_get(0)?, amount_fen: row.try_get(1)? })
}

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

/// Writes deals with their past (see `DealImport`) in one transaction, audited as one import:
/// each deal's row as it stands now, every stage change with the days spent in each stage,
/// its objections. Moves are taken as they happened, without the checklist (the past is not
/// re-judged). Returns how many were written.
pub async fn import_deals(
    pool: &Pool,
    actor: Actor,
    source: &str,
    deals: &[crate::DealImport],
) -> Result<usize, StoreError> {
    let mut tx = super::begin(pool).await?;
    let settings = load_settings(&mut tx).await?;
    let mut stays: std::collections::HashMap<(i32, Stage, i64), (i64, f64)> = std::collections::HashMap::new();
    for d in deals {
        let mut path: Vec<(Stage, DealStatus, DateTime<Utc>)> = vec![(Stage::Qualify, DealStatus::Open, d.created_at)];
        path.extend(d.moves.iter().map(|(s, at)| (*s, DealStatus::Open, *at)));
        let (mut stage, _, mut entered) = *path.last().unwrap_or(&(Stage::Qualify, DealStatus::Open, d.created_at));
        let mut furthest = path.iter().map(|(s, _, _)| s.index()).max().unwrap_or(0);
        let mut last = entered;
        let (mut status, mut won, mut closed_on, mut lost_reason, mut lost_to, mut cycle) =
            (DealStatus::Open, None, None, None, None, None);
        match &d.outcome {
            None => {}
            Some((Outcome::Won { amount_fen, closed_on: on }, at)) => {
                path.push((Stage::AfterSales, DealStatus::Won, *at));
                (stage, entered, last, status) = (Stage::AfterSales, *at, *at, DealStatus::Won);
                (won, closed_on, furthest) = (Some(*amount_fen), Some(*on), Stage::AfterSales.index());
                cycle = Some(days_between(d.created_at, *at));
            }
            Some((Outcome::Lost { reason, lost_to: to, closed_on: on }, at)) => {
                path.push((stage, DealStatus::Lost, *at));
                (last, status, closed_on) = (*at, DealStatus::Lost, Some(*on));
                (lost_reason, lost_to) = (Some(reason.clone()), to.clone());
            }
        }
        let probability = match status {
            DealStatus::Won => 100,
            DealStatus::Lost => 0,
            DealStatus::Open => d.draft.probability.unwrap_or(settings.probability(stage)),
        };
        let last = d.objections.iter().map(|(_, at)| *at).fold(last, DateTime::max);
        let q = sqlx::query(
            "INSERT INTO opportunities (customer_id, stage, status, stage_entered_at, last_activity_at, created_by, \
             created_at, updated_at, title, amount_fen, expected_close, owner_id, probability, probability_set, source, \
             competitors, proposal, next_step, next_step_on, purchasing_power, power_evidence, decision_authority, \
             authority_evidence, need, need_evidence, appointment, preparation, won_amount_fen, closed_on, lost_reason, \
             lost_to, furthest_stage, cycle_days) VALUES ($1, $2, $3, $4, $5, $6, $7, $5, $8, $9, $10, $11, $12, $13, \
             $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32) RETURNING id",
        )
        .bind(d.customer_id)
        .bind(stage.code())
        .bind(status.code())
        .bind(entered)
        .bind(last)
        .bind(actor.0)
        .bind(d.created_at);
        let id: i64 = bind_draft(q, &d.draft, d.owner_id, probability)
            .bind(won)
            .bind(closed_on)
            .bind(lost_reason)
            .bind(lost_to)
            .bind(furthest as i32)
            .bind(cycle)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        // Every change in one statement; each stay's days are known from the next change.
        let sql = format!(
            "INSERT INTO opportunity_changes (opportunity_id, from_stage, to_stage, status, changed_by, changed_at, days_in) \
             VALUES {}",
            super::values_clause(path.len(), 7, &|_, p| p)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (i, (to, status, at)) in path.iter().enumerate() {
            let from = (i > 0).then(|| path[i - 1].0.code());
            let days_in = path.get(i + 1).map(|(_, _, next)| days_between(*at, *next));
            if let (Some(days), Some((_, _, left_at))) = (days_in, path.get(i + 1)) {
                let sum = stays.entry((day_number(china_day(*left_at)), *to, d.owner_id)).or_default();
                (sum.0, sum.1) = (sum.0 + 1, sum.1 + days);
            }
            q = q.bind(id).bind(from).bind(to.code()).bind(status.code()).bind(actor.0).bind(*at).bind(days_in);
        }
        q.execute(&mut *tx).await?;
        for (o, at) in &d.objections {
            sqlx::query(
                "INSERT INTO objections (opportunity_id, objection, cause, answer, resolved_at, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(&o.objection)
            .bind(o.cause.code())
            .bind(&o.answer)
            .bind(o.resolved.then_some(*at))
            .bind(actor.0)
            .bind(*at)
            .execute(&mut *tx)
            .await?;
        }
    }
    let mut stays: Vec<_> = stays.into_iter().collect();
    stays.sort_by_key(|((day, stage, owner), _)| (*day, stage.index(), *owner));
    add_stays(&mut tx, &stays).await?;
    let note = format!("{source}: {} deals", deals.len());
    audit(&mut tx, actor, "import", "opportunities", None, None, None, None, Some(&note)).await?;
    tx.commit().await?;
    if super::DIALECT == crate::Dialect::Postgres {
        sqlx::query("ANALYZE opportunities, opportunity_changes, objections").execute(pool).await?;
    }
    Ok(deals.len())
}

/// The largest file an opportunity takes.
pub const MAX_ATTACHMENT_MB: u32 = 10;
/// The most files one deal keeps.
pub const MAX_ATTACHMENTS_PER_DEAL: i64 = 20;
/// The most megabytes of files one person keeps on deals.
pub const MAX_ATTACHMENT_MB_PER_USER: i64 = 500;

/// Attaches a file to an opportunity (open or closed: a signed contract comes after winning).
/// The name is required (at most 200 characters, no path); the file at most 10 MB and not empty.
pub async fn add_attachment(
    pool: &Pool,
    actor: Actor,
    id: i64,
    name: &str,
    content_type: &str,
    content: &[u8],
) -> Result<i64, StoreError> {
    let name = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let mut v = Validation::default();
    if name.is_empty() || content.is_empty() {
        v.push(Field::Attachment, name, Problem::Required);
    } else if name.chars().count() > 200 {
        v.push(Field::Attachment, name, Problem::TooLong { max: 200 });
    } else if name.chars().any(char::is_control) {
        v.push(Field::Attachment, name, Problem::InvalidCharacters);
    }
    if content.len() > MAX_ATTACHMENT_MB as usize * 1024 * 1024 {
        v.push(Field::Attachment, name, Problem::FileTooLarge { max_mb: MAX_ATTACHMENT_MB });
    }
    if !v.is_empty() {
        return Err(v.into());
    }
    let content_type = match content_type.trim() {
        t if t.is_empty() || t.len() > 100 => "application/octet-stream",
        t => t,
    };
    let mut tx = super::begin(pool).await?;
    let o = load(&mut tx, id).await?;
    // Limits per deal and per person (F-19): a file's size is checked above, before any of it
    // was kept; these are checked before it is stored.
    let row = sqlx::query("SELECT COUNT(*) FROM attachments WHERE opportunity_id = $1 AND deleted_at IS NULL")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    if row.try_get::<i64, _>(0)? >= MAX_ATTACHMENTS_PER_DEAL {
        v.push(Field::Attachment, name, Problem::TooMany { max: MAX_ATTACHMENTS_PER_DEAL as usize });
    }
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM attachments WHERE created_by = $1 AND deleted_at IS NULL",
    )
    .bind(actor.0)
    .fetch_one(&mut *tx)
    .await?;
    if row.try_get::<i64, _>(0)? + content.len() as i64 > MAX_ATTACHMENT_MB_PER_USER * 1024 * 1024 {
        v.push(Field::Attachment, name, Problem::QuotaFull { max_mb: MAX_ATTACHMENT_MB_PER_USER as u32 });
    }
    if !v.is_empty() {
        return Err(v.into());
    }
    let at = now();
    let aid: i64 = sqlx::query(
        "INSERT INTO attachments (opportunity_id, name, content_type, size, content, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(id)
    .bind(name)
    .bind(content_type)
    .bind(content.len() as i64)
    .bind(content)
    .bind(actor.0)
    .bind(at)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    touch(&mut tx, id, at).await?;
    let after = serde_json::json!({ "name": name, "size": content.len(), "content_type": content_type });
    audit(&mut tx, actor, "create", "attachment", Some(aid), Some(o.customer_id), None, Some(&after), None).await?;
    tx.commit().await?;
    Ok(aid)
}

/// An opportunity's files, newest first (without their content).
pub async fn attachments(pool: &Pool, id: i64) -> Result<Vec<crate::AttachmentInfo>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.id, a.opportunity_id, a.name, a.content_type, a.size, u.username, a.created_at FROM attachments a \
         JOIN users u ON u.id = a.created_by WHERE a.opportunity_id = $1 AND a.deleted_at IS NULL ORDER BY a.id DESC",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(crate::AttachmentInfo {
                id: r.try_get(0)?,
                opportunity_id: r.try_get(1)?,
                name: r.try_get(2)?,
                content_type: r.try_get(3)?,
                size: r.try_get(4)?,
                created_by: r.try_get(5)?,
                created_at: r.try_get(6)?,
            })
        })
        .collect()
}

/// One file of an opportunity with its content.
pub async fn attachment(pool: &Pool, id: i64, attachment: i64) -> Result<(crate::AttachmentInfo, Vec<u8>), StoreError> {
    let info = attachments(pool, id)
        .await?
        .into_iter()
        .find(|a| a.id == attachment)
        .ok_or_else(|| StoreError::not_found("attachment", attachment))?;
    let content: Vec<u8> = sqlx::query("SELECT content FROM attachments WHERE id = $1")
        .bind(attachment)
        .fetch_one(pool)
        .await?
        .try_get(0)?;
    Ok((info, content))
}

/// Removes a file from an opportunity (kept, marked deleted, as everything else).
pub async fn delete_attachment(pool: &Pool, actor: Actor, id: i64, attachment: i64) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let o = load(&mut tx, id).await?;
    // A removed file's content goes at once (a deletion request under the PIPL means it); the
    // row stays for the history.
    let done = sqlx::query(
        "UPDATE attachments SET deleted_at = $1, content = $4, size = 0 \
         WHERE id = $2 AND opportunity_id = $3 AND deleted_at IS NULL",
    )
    .bind(now())
    .bind(attachment)
    .bind(id)
    .bind(Vec::<u8>::new())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::not_found("attachment", attachment));
    }
    audit(&mut tx, actor, "delete", "attachment", Some(attachment), Some(o.customer_id), None, None, None).await?;
    tx.commit().await?;
    Ok(())
}

//! Opportunities through the standard stages: every write checks the deal's state, records the
//! stage change (who, when, and an override's reason), and is audited under the customer.

use super::customers::{Q, load_live};
use super::{Pool, Row, Tx, audit, corrupt, now, opt_code, resolve_users};
use crate::{Actor, OpportunityFilter, OpportunityPage, OpportunityRecord, StageChange, StoreError};
use chrono::{DateTime, Utc};
use guanxi_domain::china::{day as china_day, day_number};
use guanxi_domain::sales::*;
use guanxi_domain::value::settings::Approach;
use guanxi_domain::{Field, Problem, Raw, Validation};
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

pub(crate) fn code<T>(r: &Row, col: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, StoreError> {
    let s: String = r.try_get(col)?;
    parse(&s).ok_or_else(|| corrupt(col, &s))
}

pub(crate) const SELECT: &str = "SELECT o.*, c.name AS customer_name, u.username AS owner_name FROM opportunities o \
     JOIN customers c ON c.id = o.customer_id JOIN users u ON u.id = o.owner_id";

pub(crate) fn opportunity_from_row(r: &Row) -> Result<OpportunityRecord, StoreError> {
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
pub(crate) async fn load(tx: &mut Tx<'_>, id: i64) -> Result<OpportunityRecord, StoreError> {
    let lock = if super::for_update().is_empty() { "" } else { " FOR UPDATE OF o" };
    let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE o.id = $1 AND o.deleted_at IS NULL{lock}")))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found("opportunity", id))?;
    opportunity_from_row(&row)
}

/// An open deal, for a write that only open deals take.
pub(crate) async fn load_open(tx: &mut Tx<'_>, id: i64) -> Result<OpportunityRecord, StoreError> {
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
pub(crate) fn bind_draft<'a>(q: Q<'a>, d: &'a OpportunityDraft, owner: i64, probability: u8) -> Q<'a> {
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
pub(crate) type Stays = ((i32, Stage, i64), (i64, f64));

/// Adds ended stage stays to the daily sums.
pub(crate) async fn add_stays(tx: &mut Tx<'_>, stays: &[Stays]) -> Result<(), StoreError> {
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
            let rule = guanxi_domain::cadences::EnrolRule::DealWon;
            super::cadences::enrol_by_rule_in(&mut tx, rule, o.customer_id, actor, at).await?;
            for t in &settings.after_sales_tasks {
                sqlx::query(
                    "INSERT INTO tasks (customer_id, opportunity_id, title, due_on, assignee_id, created_by, created_at, \
                     updated_at, origin) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 'after_sales')",
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
                super::orders::first_purchase_in(&mut tx, o.customer_id, draft.ordered_at, actor, at).await?;
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

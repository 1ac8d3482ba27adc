//! Tasks 待办: created by a person (for themselves or a colleague), by winning a deal, later by
//! cadences and reminders; changed (put off, given to someone else); done with what came of it
//! and, in the same transaction, logged as a contact with the customer.

use super::customers::Q;
use super::people::log_interaction_in;
use super::{Pool, Row, Tx, audit, corrupt, now};
use crate::{Actor, StoreError, TaskFilter, TaskRecord, TaskState};
use chrono::{NaiveDate, NaiveTime};
use guanxi_domain::tasks::{TaskDone, TaskDraft, TaskKind};
use guanxi_domain::{Direction, Field, InteractionDraft, Problem, Validation};
use sqlx::{AssertSqlSafe, Row as _};

/// A task with the names of whom and what it is for.
pub(crate) const SELECT: &str = "SELECT t.*, u.username AS assignee_name, c.name AS customer_name, \
     k.name AS key_person_name, o.title AS opportunity_title, d.username AS done_by_name \
     FROM tasks t JOIN users u ON u.id = t.assignee_id \
     LEFT JOIN customers c ON c.id = t.customer_id \
     LEFT JOIN key_people k ON k.id = t.key_person_id \
     LEFT JOIN opportunities o ON o.id = t.opportunity_id \
     LEFT JOIN users d ON d.id = t.done_by";

pub(crate) fn task_from_row(r: &Row) -> Result<TaskRecord, StoreError> {
    let kind: String = r.try_get("kind")?;
    let due_time: Option<String> = r.try_get("due_time")?;
    Ok(TaskRecord {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        kind: TaskKind::from_code(&kind).ok_or_else(|| corrupt("task kind", &kind))?,
        due_on: r.try_get::<NaiveDate, _>("due_on")?,
        due_time: match due_time {
            Some(t) => Some(NaiveTime::parse_from_str(&t, "%H:%M").map_err(|_| corrupt("due_time", &t))?),
            None => None,
        },
        assignee_id: r.try_get("assignee_id")?,
        assignee: r.try_get("assignee_name")?,
        customer_id: r.try_get("customer_id")?,
        customer_name: r.try_get("customer_name")?,
        key_person_id: r.try_get("key_person_id")?,
        key_person_name: r.try_get("key_person_name")?,
        opportunity_id: r.try_get("opportunity_id")?,
        opportunity_title: r.try_get("opportunity_title")?,
        notes: r.try_get("notes")?,
        done_at: r.try_get("done_at")?,
        done_by: r.try_get("done_by_name")?,
        result: r.try_get("result")?,
        interaction_id: r.try_get("interaction_id")?,
        origin: r.try_get("origin")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

async fn load(tx: &mut Tx<'_>, id: i64) -> Result<TaskRecord, StoreError> {
    let sql = format!("{SELECT} WHERE t.id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found("task", id))?;
    task_from_row(&row)
}

pub async fn task(pool: &Pool, id: i64) -> Result<TaskRecord, StoreError> {
    let sql = format!("{SELECT} WHERE t.id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::not_found("task", id))?;
    task_from_row(&row)
}

/// What a task is for, checked: the customer live, the key person and the deal the customer's
/// (either names the customer when none is given). Returns (assignee, customer).
async fn check(tx: &mut Tx<'_>, actor: Actor, d: &TaskDraft) -> Result<(i64, Option<i64>), StoreError> {
    let mut v = Validation::default();
    let assignee = match &d.assignee {
        Some(name) => {
            let row = sqlx::query("SELECT id FROM users WHERE lower(username) = lower($1) AND active")
                .bind(name.trim())
                .fetch_optional(&mut **tx)
                .await?;
            match row {
                Some(r) => r.try_get::<i64, _>(0)?,
                None => {
                    v.push(Field::Assignee, name, Problem::UnknownUser);
                    actor.0
                }
            }
        }
        None => actor.0,
    };
    let mut customer = d.customer_id;
    if let Some(id) = d.customer_id {
        let live = sqlx::query("SELECT 1 FROM customers WHERE id = $1 AND deleted_at IS NULL")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
        if live.is_none() {
            v.push(Field::Customer, &id.to_string(), Problem::NoSuchRecord);
        }
    }
    for (field, id, sql) in [
        (Field::KeyPerson, d.key_person_id, "SELECT customer_id FROM key_people WHERE id = $1 AND deleted_at IS NULL"),
        (
            Field::Opportunity,
            d.opportunity_id,
            "SELECT customer_id FROM opportunities WHERE id = $1 AND deleted_at IS NULL",
        ),
    ] {
        let Some(id) = id else { continue };
        let row = sqlx::query(sql).bind(id).fetch_optional(&mut **tx).await?;
        match row.map(|r| r.try_get::<i64, _>(0)).transpose()? {
            None => v.push(field, &id.to_string(), Problem::NoSuchRecord),
            Some(owner) if customer.is_some_and(|c| c != owner) => {
                v.push(field, &id.to_string(), Problem::OtherCustomer)
            }
            Some(owner) => customer = Some(owner),
        }
    }
    v.into_result((assignee, customer)).map_err(StoreError::from)
}

fn fields_json(d: &TaskDraft) -> serde_json::Value {
    super::fields_json(&d.to_fields())
}

fn time_text(t: Option<NaiveTime>) -> Option<String> {
    t.map(|t| t.format("%H:%M").to_string())
}

/// Binds a draft's columns $1–$9 in the order both the insert and the update name them.
fn bind_draft<'a>(q: Q<'a>, d: &'a TaskDraft, customer: Option<i64>, assignee: i64) -> Q<'a> {
    q.bind(customer)
        .bind(d.key_person_id)
        .bind(d.opportunity_id)
        .bind(&d.title)
        .bind(d.kind.code())
        .bind(d.due_on)
        .bind(time_text(d.due_time))
        .bind(assignee)
        .bind(&d.notes)
}

/// Creates a task (`origin`: `person`, `after_sales`, …); the assignee is the actor unless the
/// draft names someone.
pub(crate) async fn insert_task(tx: &mut Tx<'_>, actor: Actor, d: &TaskDraft, origin: &str) -> Result<i64, StoreError> {
    let (assignee, customer) = check(tx, actor, d).await?;
    let at = now();
    let id: i64 = bind_draft(
        sqlx::query(
        "INSERT INTO tasks (customer_id, key_person_id, opportunity_id, title, kind, due_on, due_time, assignee_id, \
         notes, origin, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
        ),
        d,
        customer,
        assignee,
    )
    .bind(origin)
    .bind(actor.0)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    audit(tx, actor, "create", "task", Some(id), customer, None, Some(&fields_json(d)), None).await?;
    // A cadence's task comes from a plan, not from a colleague: it is on the owner's My day
    // (telling them of each would flood them when thousands are enrolled).
    if origin != "cadence" {
        super::notifications::task_assigned_in(tx, actor, assignee, id, &d.title, customer, at).await?;
    }
    Ok(id)
}

pub async fn create_task(pool: &Pool, actor: Actor, d: &TaskDraft) -> Result<TaskRecord, StoreError> {
    let mut tx = super::begin(pool).await?;
    let id = insert_task(&mut tx, actor, d, "person").await?;
    let t = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(t)
}

/// Changes a task: its text, kind, day and time (putting it off), assignee (giving it to
/// someone else), what it is for, its notes.
pub async fn update_task(pool: &Pool, actor: Actor, id: i64, d: &TaskDraft) -> Result<TaskRecord, StoreError> {
    let mut tx = super::begin(pool).await?;
    let before = load(&mut tx, id).await?;
    let (assignee, customer) = check(&mut tx, actor, d).await?;
    bind_draft(
        sqlx::query(
            "UPDATE tasks SET customer_id = $1, key_person_id = $2, opportunity_id = $3, title = $4, kind = $5, \
         due_on = $6, due_time = $7, assignee_id = $8, notes = $9, updated_at = $10 WHERE id = $11",
        ),
        d,
        customer,
        assignee,
    )
    .bind(now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let after = load(&mut tx, id).await?;
    if after.assignee_id != before.assignee_id {
        let at = now();
        super::notifications::task_assigned_in(&mut tx, actor, assignee, id, &d.title, after.customer_id, at).await?;
    }
    audit(
        &mut tx,
        actor,
        "update",
        "task",
        Some(id),
        after.customer_id.or(before.customer_id),
        Some(&fields_json(&before.draft())),
        Some(&fields_json(&after.draft())),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Marks a task done with what came of it and, if asked, logs the contact in the same
/// transaction (on the task's customer, the deal it is for, the actor taking part). A task
/// already done is left as it is: a second click logs nothing twice.
pub async fn finish_task(pool: &Pool, actor: Actor, id: i64, done: &TaskDone) -> Result<TaskRecord, StoreError> {
    let mut tx = super::begin(pool).await?;
    let task = load(&mut tx, id).await?;
    if task.done_at.is_some() {
        return Ok(task);
    }
    let mut interaction = None;
    if done.log_contact {
        let Some(customer) = task.customer_id else {
            return Err(Validation::one(Field::Customer, "", Problem::Required).into());
        };
        let actor_name: String = sqlx::query("SELECT username FROM users WHERE id = $1")
            .bind(actor.0)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        let summary = match &done.result {
            Some(r) => format!("{}：{r}", task.title),
            None => task.title.clone(),
        };
        let contact = InteractionDraft {
            channel: done.channel.unwrap_or(task.kind.channel()),
            direction: Direction::Outbound,
            occurred_at: now(),
            summary,
            next_step: None,
            next_step_on: None,
            our_participants: if actor == Actor::SYSTEM { Vec::new() } else { vec![actor_name] },
            their_participants: task.key_person_name.iter().cloned().collect(),
            place: None,
            opportunity_id: task.opportunity_id,
            response: None,
            feedback: None,
        };
        interaction = Some(log_interaction_in(&mut tx, actor, customer, &contact).await?);
    }
    let at = now();
    sqlx::query(
        "UPDATE tasks SET done_at = $1, done_by = $2, result = $3, interaction_id = $4, updated_at = $1 WHERE id = $5",
    )
    .bind(at)
    .bind(actor.0)
    .bind(&done.result)
    .bind(interaction)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let note = format!("{}: done", task.title);
    audit(&mut tx, actor, "update", "task", Some(id), task.customer_id, None, None, Some(&note)).await?;
    let t = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(t)
}

/// Opens a done task again (ticked by mistake); a contact logged from it stays.
pub async fn reopen_task(pool: &Pool, actor: Actor, id: i64) -> Result<TaskRecord, StoreError> {
    let mut tx = super::begin(pool).await?;
    let task = load(&mut tx, id).await?;
    if task.done_at.is_none() {
        return Ok(task);
    }
    sqlx::query("UPDATE tasks SET done_at = NULL, done_by = NULL, updated_at = $1 WHERE id = $2")
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let note = format!("{}: not done", task.title);
    audit(&mut tx, actor, "update", "task", Some(id), task.customer_id, None, None, Some(&note)).await?;
    let t = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(t)
}

/// Tasks matching `f`: open ones the earliest due first (a time before none), done ones the
/// latest done first.
pub async fn list_tasks(pool: &Pool, f: &TaskFilter) -> Result<Vec<TaskRecord>, StoreError> {
    let mut conds: Vec<String> = Vec::new();
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    match f.state {
        TaskState::Open => conds.push("t.done_at IS NULL".into()),
        TaskState::Done => conds.push("t.done_at IS NOT NULL".into()),
        TaskState::All => {}
    }
    if let Some(ids) = &f.assignees {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        conds.push(format!("t.assignee_id IN ({})", list.join(", ")));
    }
    let customer = f.customer_id.map(|c| (c, next()));
    if let Some((_, i)) = customer {
        conds.push(format!("t.customer_id = ${i}"));
    }
    let from = f.due_from.map(|d| (d, next()));
    if let Some((_, i)) = from {
        conds.push(format!("t.due_on >= ${i}"));
    }
    let to = f.due_to.map(|d| (d, next()));
    if let Some((_, i)) = to {
        conds.push(format!("t.due_on <= ${i}"));
    }
    let order = match f.state {
        TaskState::Done => "t.done_at DESC, t.id DESC",
        _ => "t.due_on, COALESCE(t.due_time, '99:99'), t.id",
    };
    let filter = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
    let sql = format!("{SELECT}{filter} ORDER BY {order} LIMIT {}", f.limit.clamp(1, 1000));
    let mut q = sqlx::query(AssertSqlSafe(sql));
    if let Some((c, _)) = customer {
        q = q.bind(c);
    }
    if let Some((d, _)) = from {
        q = q.bind(d);
    }
    if let Some((d, _)) = to {
        q = q.bind(d);
    }
    let rows = q.fetch_all(pool).await?;
    rows.iter().map(task_from_row).collect()
}

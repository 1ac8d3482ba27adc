//! Key people, people around a customer, and interactions: each belongs to one customer,
//! each write is audited under that customer.

use super::customers::{load_live, preferences_from, reindex};
use super::{Pool, Row, Tx, audit, corrupt, fields_json, now, opt_code, resolve_users};
use crate::{Actor, InteractionRecord, KeyPersonRecord, Participant, PersonAroundRecord, StoreError};
use guanxi_domain::*;
use sqlx::{AssertSqlSafe, Row as _};

fn prefs_json(p: &[Preference]) -> String {
    serde_json::to_string(p).unwrap_or_else(|_| "[]".into())
}

fn key_person_from_row(r: &Row) -> Result<KeyPersonRecord, StoreError> {
    Ok(KeyPersonRecord {
        id: r.try_get("id")?,
        customer_id: r.try_get("customer_id")?,
        draft: KeyPersonDraft {
            name: r.try_get("name")?,
            gender: opt_code(r, "gender", Gender::parse)?,
            job_title: r.try_get("job_title")?,
            department: r.try_get("department")?,
            decision_role: opt_code(r, "decision_role", DecisionRole::parse)?,
            attitude: opt_code(r, "attitude", Attitude::parse)?,
            phone: r.try_get::<Option<String>, _>("phone")?.map(Phone::from_stored),
            email: r.try_get::<Option<String>, _>("email")?.map(Email::from_stored),
            wechat: r.try_get("wechat")?,
            birthday: r.try_get("birthday")?,
            birthday_lunar: r.try_get::<Option<String>, _>("birthday_lunar_md")?.is_some(),
            personality: r.try_get("personality")?,
            interests: r.try_get("interests")?,
            preferences: preferences_from(r)?,
            preferences_note: r.try_get("preferences_note")?,
            notes: r.try_get("notes")?,
        },
    })
}

async fn load_key_person(tx: &mut Tx<'_>, id: i64) -> Result<KeyPersonRecord, StoreError> {
    let row = sqlx::query("SELECT * FROM key_people WHERE id = $1 AND deleted_at IS NULL")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found("key_person", id))?;
    key_person_from_row(&row)
}

pub async fn add_key_person(
    pool: &Pool,
    actor: Actor,
    customer_id: i64,
    d: &KeyPersonDraft,
) -> Result<i64, StoreError> {
    let mut tx = super::begin(pool).await?;
    let customer = load_live(&mut tx, customer_id).await?;
    let at = now();
    let id: i64 = sqlx::query(
        "INSERT INTO key_people (customer_id, name, gender, job_title, department, decision_role, attitude, phone, \
         email, wechat, birthday, personality, interests, preferences, preferences_note, notes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
    )
    .bind(customer_id)
    .bind(&d.name)
    .bind(d.gender.map(|g| g.code()))
    .bind(&d.job_title)
    .bind(&d.department)
    .bind(d.decision_role.map(|x| x.code()))
    .bind(d.attitude.map(|x| x.code()))
    .bind(d.phone.as_ref().map(Phone::as_str))
    .bind(d.email.as_ref().map(Email::as_str))
    .bind(&d.wechat)
    .bind(d.birthday)
    .bind(&d.personality)
    .bind(&d.interests)
    .bind(prefs_json(&d.preferences))
    .bind(&d.preferences_note)
    .bind(&d.notes)
    .bind(at)
    .bind(at)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    set_lunar_key(&mut tx, "key_people", id, d.birthday, d.birthday_lunar).await?;
    reindex(&mut tx, customer_id, &customer.draft).await?;
    audit(
        &mut tx,
        actor,
        "create",
        "key_person",
        Some(id),
        Some(customer_id),
        None,
        Some(&fields_json(&d.to_fields())),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update_key_person(pool: &Pool, actor: Actor, id: i64, d: &KeyPersonDraft) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let before = load_key_person(&mut tx, id).await?;
    let customer = load_live(&mut tx, before.customer_id).await?;
    sqlx::query(
        "UPDATE key_people SET name = $1, gender = $2, job_title = $3, department = $4, decision_role = $5, \
         attitude = $6, phone = $7, email = $8, wechat = $9, birthday = $10, personality = $11, interests = $12, \
         preferences = $13, preferences_note = $14, notes = $15, updated_at = $16 WHERE id = $17",
    )
    .bind(&d.name)
    .bind(d.gender.map(|g| g.code()))
    .bind(&d.job_title)
    .bind(&d.department)
    .bind(d.decision_role.map(|x| x.code()))
    .bind(d.attitude.map(|x| x.code()))
    .bind(d.phone.as_ref().map(Phone::as_str))
    .bind(d.email.as_ref().map(Email::as_str))
    .bind(&d.wechat)
    .bind(d.birthday)
    .bind(&d.personality)
    .bind(&d.interests)
    .bind(prefs_json(&d.preferences))
    .bind(&d.preferences_note)
    .bind(&d.notes)
    .bind(now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    set_lunar_key(&mut tx, "key_people", id, d.birthday, d.birthday_lunar).await?;
    reindex(&mut tx, customer.id, &customer.draft).await?;
    audit(
        &mut tx,
        actor,
        "update",
        "key_person",
        Some(id),
        Some(customer.id),
        Some(&fields_json(&before.draft.to_fields())),
        Some(&fields_json(&d.to_fields())),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_key_person(pool: &Pool, actor: Actor, id: i64) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let before = load_key_person(&mut tx, id).await?;
    sqlx::query("UPDATE key_people SET deleted_at = $1 WHERE id = $2").bind(now()).bind(id).execute(&mut *tx).await?;
    let customer = load_live(&mut tx, before.customer_id).await?;
    reindex(&mut tx, customer.id, &customer.draft).await?;
    audit(
        &mut tx,
        actor,
        "delete",
        "key_person",
        Some(id),
        Some(customer.id),
        Some(&fields_json(&before.draft.to_fields())),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn key_people(pool: &Pool, customer_id: i64) -> Result<Vec<KeyPersonRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM key_people WHERE customer_id = $1 AND deleted_at IS NULL ORDER BY id")
        .bind(customer_id)
        .fetch_all(pool)
        .await?;
    rows.iter().map(key_person_from_row).collect()
}

fn person_around_from_row(r: &Row) -> Result<PersonAroundRecord, StoreError> {
    let relation: String = r.try_get("relation")?;
    Ok(PersonAroundRecord {
        id: r.try_get("id")?,
        customer_id: r.try_get("customer_id")?,
        key_person_id: r.try_get("key_person_id")?,
        draft: PersonAroundDraft {
            name: r.try_get("name")?,
            relation: Relation::parse(&relation).ok_or_else(|| corrupt("relation", &relation))?,
            phone: r.try_get::<Option<String>, _>("phone")?.map(Phone::from_stored),
            birthday: r.try_get("birthday")?,
            birthday_lunar: r.try_get::<Option<String>, _>("birthday_lunar_md")?.is_some(),
            interests: r.try_get("interests")?,
            preferences: preferences_from(r)?,
            preferences_note: r.try_get("preferences_note")?,
            notes: r.try_get("notes")?,
        },
    })
}

pub async fn add_person_around(
    pool: &Pool,
    actor: Actor,
    customer_id: i64,
    key_person_id: Option<i64>,
    d: &PersonAroundDraft,
) -> Result<i64, StoreError> {
    let mut tx = super::begin(pool).await?;
    load_live(&mut tx, customer_id).await?;
    if let Some(kp) = key_person_id {
        let owner = load_key_person(&mut tx, kp).await?;
        if owner.customer_id != customer_id {
            return Err(StoreError::conflict(
                format!("关键人物 {kp} 不属于客户 {customer_id}"),
                format!("key person {kp} does not belong to customer {customer_id}"),
            ));
        }
    }
    let at = now();
    let id: i64 = sqlx::query(
        "INSERT INTO people_around (customer_id, key_person_id, name, relation, phone, birthday, interests, \
         preferences, preferences_note, notes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(customer_id)
    .bind(key_person_id)
    .bind(&d.name)
    .bind(d.relation.code())
    .bind(d.phone.as_ref().map(Phone::as_str))
    .bind(d.birthday)
    .bind(&d.interests)
    .bind(prefs_json(&d.preferences))
    .bind(&d.preferences_note)
    .bind(&d.notes)
    .bind(at)
    .bind(at)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    set_lunar_key(&mut tx, "people_around", id, d.birthday, d.birthday_lunar).await?;
    audit(
        &mut tx,
        actor,
        "create",
        "person_around",
        Some(id),
        Some(customer_id),
        None,
        Some(&fields_json(&d.to_fields())),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn delete_person_around(pool: &Pool, actor: Actor, id: i64) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let row = sqlx::query("SELECT * FROM people_around WHERE id = $1 AND deleted_at IS NULL")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("person_around", id))?;
    let p = person_around_from_row(&row)?;
    sqlx::query("UPDATE people_around SET deleted_at = $1 WHERE id = $2")
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit(
        &mut tx,
        actor,
        "delete",
        "person_around",
        Some(id),
        Some(p.customer_id),
        Some(&fields_json(&p.draft.to_fields())),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn people_around(pool: &Pool, customer_id: i64) -> Result<Vec<PersonAroundRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM people_around WHERE customer_id = $1 AND deleted_at IS NULL ORDER BY id")
        .bind(customer_id)
        .fetch_all(pool)
        .await?;
    rows.iter().map(person_around_from_row).collect()
}

/// Keeps `table`'s row `id` findable by its lunar birthday (or not, for a Gregorian one).
async fn set_lunar_key(
    tx: &mut Tx<'_>,
    table: &str,
    id: i64,
    birthday: Option<chrono::NaiveDate>,
    lunar: bool,
) -> Result<(), StoreError> {
    let sql = format!("UPDATE {table} SET birthday_lunar_md = $1 WHERE id = $2");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(super::customers::lunar_key(birthday, lunar))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn interaction_json(d: &InteractionDraft) -> serde_json::Value {
    serde_json::to_value(d).unwrap_or(serde_json::Value::Null)
}

/// One contact's row; participants are written by the caller.
async fn insert_interaction(
    tx: &mut Tx<'_>,
    actor: Actor,
    customer_id: i64,
    d: &InteractionDraft,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<i64, StoreError> {
    if d.channel == guanxi_domain::Channel::FaceToFace {
        super::visit_schedule::visit_logged_in(tx, customer_id, d.occurred_at).await?;
    }
    Ok(sqlx::query(
        "INSERT INTO interactions (customer_id, channel, direction, occurred_at, summary, next_step, next_step_on, \
         created_by, created_at, place, opportunity_id, response, feedback) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(customer_id)
    .bind(d.channel.code())
    .bind(d.direction.code())
    .bind(d.occurred_at)
    .bind(&d.summary)
    .bind(&d.next_step)
    .bind(d.next_step_on)
    .bind(actor.0)
    .bind(at)
    .bind(&d.place)
    .bind(d.opportunity_id)
    .bind(d.response.map(|r| r.code()))
    .bind(d.feedback.map(|f| f.code()))
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?)
}

pub async fn add_interaction(
    pool: &Pool,
    actor: Actor,
    customer_id: i64,
    d: &InteractionDraft,
) -> Result<i64, StoreError> {
    let mut tx = super::begin(pool).await?;
    let id = log_interaction_in(&mut tx, actor, customer_id, d).await?;
    tx.commit().await?;
    Ok(id)
}

/// Logs a contact inside a transaction the caller commits (a task done and logged in one step):
/// the customer live, our participants active users, the deal this customer's; audited.
pub(crate) async fn log_interaction_in(
    tx: &mut Tx<'_>,
    actor: Actor,
    customer_id: i64,
    d: &InteractionDraft,
) -> Result<i64, StoreError> {
    load_live(tx, customer_id).await?;
    let ours = resolve_users(tx, Field::OurParticipants, &d.our_participants).await?;
    check_opportunity(tx, customer_id, d).await?;
    let id = insert_interaction(tx, actor, customer_id, d, now()).await?;
    write_participants(tx, id, customer_id, &ours, d).await?;
    audit(tx, actor, "create", "interaction", Some(id), Some(customer_id), None, Some(&interaction_json(d)), None)
        .await?;
    Ok(id)
}

/// A contact logged for an opportunity must be for one of this customer's open or closed
/// deals; it counts as the deal's latest activity.
async fn check_opportunity(tx: &mut Tx<'_>, customer_id: i64, d: &InteractionDraft) -> Result<(), StoreError> {
    let Some(opportunity) = d.opportunity_id else { return Ok(()) };
    let row = sqlx::query("SELECT customer_id FROM opportunities WHERE id = $1 AND deleted_at IS NULL")
        .bind(opportunity)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else {
        return Err(Validation::one(Field::Opportunity, &opportunity.to_string(), Problem::NoSuchRecord).into());
    };
    if row.try_get::<i64, _>(0)? != customer_id {
        return Err(Validation::one(Field::Opportunity, &opportunity.to_string(), Problem::OtherCustomer).into());
    }
    super::sales::touch(tx, opportunity, d.occurred_at).await
}

/// Records who took part: our users by id, their people linked to key people by name.
/// Writes many contacts at once (a call centre's log, the demo, the benchmark), in one
/// transaction with one audit entry: participants as [`add_interaction`] resolves them, the
/// deal each was for checked. The customers' standing follows at the next recompute (or when
/// their page is read).
pub async fn import_interactions(
    pool: &Pool,
    actor: Actor,
    source: &str,
    rows: &[(i64, InteractionDraft)],
) -> Result<usize, StoreError> {
    let mut tx = super::begin(pool).await?;
    let at = now();
    let mut users: std::collections::HashMap<String, i64> = Default::default();
    let mut live: std::collections::HashSet<i64> = Default::default();
    for (customer_id, d) in rows {
        if !live.contains(customer_id) {
            let row = sqlx::query("SELECT deleted_at IS NULL FROM customers WHERE id = $1")
                .bind(customer_id)
                .fetch_optional(&mut *tx)
                .await?;
            match row.map(|r| r.try_get::<bool, _>(0)).transpose()? {
                Some(true) => {
                    live.insert(*customer_id);
                }
                _ => return Err(StoreError::not_found("customer", *customer_id)),
            }
        }
        let mut ours = Vec::with_capacity(d.our_participants.len());
        for name in &d.our_participants {
            let id = match users.get(name) {
                Some(id) => *id,
                None => {
                    let id = resolve_users(&mut tx, Field::OurParticipants, std::slice::from_ref(name)).await?[0];
                    users.insert(name.clone(), id);
                    id
                }
            };
            ours.push(id);
        }
        check_opportunity(&mut tx, *customer_id, d).await?;
        let id = insert_interaction(&mut tx, actor, *customer_id, d, at).await?;
        write_participants(&mut tx, id, *customer_id, &ours, d).await?;
    }
    let note = serde_json::json!({ "source": source, "interactions": rows.len() });
    audit(&mut tx, actor, "import", "interaction", None, None, None, Some(&note), Some(source)).await?;
    tx.commit().await?;
    Ok(rows.len())
}

async fn write_participants(
    tx: &mut Tx<'_>,
    id: i64,
    customer_id: i64,
    ours: &[i64],
    d: &InteractionDraft,
) -> Result<(), StoreError> {
    for (user_id, name) in ours.iter().zip(&d.our_participants) {
        sqlx::query(
            "INSERT INTO interaction_participants (interaction_id, side, user_id, name) VALUES ($1, 'ours', $2, $3)",
        )
        .bind(id)
        .bind(user_id)
        .bind(name)
        .execute(&mut **tx)
        .await?;
    }
    for name in &d.their_participants {
        let kp: Option<i64> = sqlx::query(
            "SELECT id FROM key_people WHERE customer_id = $1 AND name = $2 AND deleted_at IS NULL ORDER BY id LIMIT 1",
        )
        .bind(customer_id)
        .bind(name)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
        sqlx::query(
            "INSERT INTO interaction_participants (interaction_id, side, key_person_id, name) VALUES ($1, 'theirs', $2, $3)",
        )
        .bind(id)
        .bind(kp)
        .bind(name)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Corrects a logged interaction: its fields and who took part. The deal it was for stays unless
/// another one is named.
pub async fn update_interaction(pool: &Pool, actor: Actor, id: i64, d: &InteractionDraft) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let row = sqlx::query(
        "SELECT customer_id, channel, direction, occurred_at, summary, next_step, next_step_on FROM interactions \
         WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::not_found("interaction", id))?;
    let customer_id: i64 = row.try_get(0)?;
    let before = Some(serde_json::json!({
        "channel": row.try_get::<String, _>(1)?,
        "direction": row.try_get::<String, _>(2)?,
        "occurred_at": row.try_get::<chrono::DateTime<chrono::Utc>, _>(3)?,
        "summary": row.try_get::<String, _>(4)?,
        "next_step": row.try_get::<Option<String>, _>(5)?,
        "next_step_on": row.try_get::<Option<chrono::NaiveDate>, _>(6)?,
    }));
    load_live(&mut tx, customer_id).await?;
    let ours = resolve_users(&mut tx, Field::OurParticipants, &d.our_participants).await?;
    check_opportunity(&mut tx, customer_id, d).await?;
    sqlx::query(
        "UPDATE interactions SET channel = $1, direction = $2, occurred_at = $3, summary = $4, next_step = $5, \
         next_step_on = $6, place = $8, opportunity_id = COALESCE($9, opportunity_id), response = $10, \
         feedback = $11 WHERE id = $7",
    )
    .bind(d.channel.code())
    .bind(d.direction.code())
    .bind(d.occurred_at)
    .bind(&d.summary)
    .bind(&d.next_step)
    .bind(d.next_step_on)
    .bind(id)
    .bind(&d.place)
    .bind(d.opportunity_id)
    .bind(d.response.map(|r| r.code()))
    .bind(d.feedback.map(|f| f.code()))
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM interaction_participants WHERE interaction_id = $1").bind(id).execute(&mut *tx).await?;
    write_participants(&mut tx, id, customer_id, &ours, d).await?;
    super::visit_schedule::visits_changed_in(&mut tx, customer_id).await?;
    audit(
        &mut tx,
        actor,
        "update",
        "interaction",
        Some(id),
        Some(customer_id),
        before.as_ref(),
        Some(&interaction_json(d)),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn update_person_around(pool: &Pool, actor: Actor, id: i64, d: &PersonAroundDraft) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let row = sqlx::query("SELECT * FROM people_around WHERE id = $1 AND deleted_at IS NULL")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("person_around", id))?;
    let before = person_around_from_row(&row)?;
    load_live(&mut tx, before.customer_id).await?;
    sqlx::query(
        "UPDATE people_around SET name = $1, relation = $2, phone = $3, birthday = $4, interests = $5,          preferences = $6, preferences_note = $7, notes = $8, updated_at = $9 WHERE id = $10",
    )
    .bind(&d.name)
    .bind(d.relation.code())
    .bind(d.phone.as_ref().map(Phone::as_str))
    .bind(d.birthday)
    .bind(&d.interests)
    .bind(prefs_json(&d.preferences))
    .bind(&d.preferences_note)
    .bind(&d.notes)
    .bind(now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    set_lunar_key(&mut tx, "people_around", id, d.birthday, d.birthday_lunar).await?;
    audit(
        &mut tx,
        actor,
        "update",
        "person_around",
        Some(id),
        Some(before.customer_id),
        Some(&fields_json(&before.draft.to_fields())),
        Some(&fields_json(&d.to_fields())),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Brings back a removed key person, person around or interaction.
pub async fn restore_part(pool: &Pool, actor: Actor, part: crate::Part, id: i64) -> Result<(), StoreError> {
    let table = part.table();
    let mut tx = super::begin(pool).await?;
    let row = sqlx::query(AssertSqlSafe(format!("SELECT customer_id, deleted_at FROM {table} WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found(part.entity(), id))?;
    let customer_id: i64 = row.try_get(0)?;
    let deleted: Option<chrono::DateTime<chrono::Utc>> = row.try_get(1)?;
    if deleted.is_none() {
        return Err(StoreError::conflict("这条记录没有被删除", "this record is not deleted"));
    }
    let customer = load_live(&mut tx, customer_id).await?;
    sqlx::query(AssertSqlSafe(format!("UPDATE {table} SET deleted_at = NULL WHERE id = $1")))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if part == crate::Part::KeyPerson {
        reindex(&mut tx, customer.id, &customer.draft).await?;
    }
    if part == crate::Part::Interaction {
        super::visit_schedule::visits_changed_in(&mut tx, customer_id).await?;
    }
    audit(&mut tx, actor, "restore", part.entity(), Some(id), Some(customer_id), None, None, None).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_interaction(pool: &Pool, actor: Actor, id: i64) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let row = sqlx::query("SELECT customer_id, summary FROM interactions WHERE id = $1 AND deleted_at IS NULL")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("interaction", id))?;
    let customer_id: i64 = row.try_get(0)?;
    let summary: String = row.try_get(1)?;
    sqlx::query("UPDATE interactions SET deleted_at = $1 WHERE id = $2").bind(now()).bind(id).execute(&mut *tx).await?;
    super::visit_schedule::visits_changed_in(&mut tx, customer_id).await?;
    audit(
        &mut tx,
        actor,
        "delete",
        "interaction",
        Some(id),
        Some(customer_id),
        Some(&serde_json::json!({ "summary": summary })),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn interactions(pool: &Pool, customer_id: i64) -> Result<Vec<InteractionRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM interactions WHERE customer_id = $1 AND deleted_at IS NULL ORDER BY occurred_at DESC, id DESC",
    )
    .bind(customer_id)
    .fetch_all(pool)
    .await?;
    let parts = sqlx::query(
        "SELECT p.interaction_id, p.side, p.user_id, p.key_person_id, p.name FROM interaction_participants p \
         JOIN interactions i ON i.id = p.interaction_id WHERE i.customer_id = $1",
    )
    .bind(customer_id)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let channel: String = r.try_get("channel")?;
        let direction: String = r.try_get("direction")?;
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for p in &parts {
            if p.try_get::<i64, _>(0)? != id {
                continue;
            }
            let side: String = p.try_get(1)?;
            let part = Participant { name: p.try_get(4)?, user_id: p.try_get(2)?, key_person_id: p.try_get(3)? };
            if side == "ours" { ours.push(part) } else { theirs.push(part) }
        }
        out.push(InteractionRecord {
            id,
            customer_id,
            draft: InteractionDraft {
                channel: Channel::parse(&channel).ok_or_else(|| corrupt("channel", &channel))?,
                direction: Direction::parse(&direction).ok_or_else(|| corrupt("direction", &direction))?,
                occurred_at: r.try_get("occurred_at")?,
                summary: r.try_get("summary")?,
                next_step: r.try_get("next_step")?,
                next_step_on: r.try_get("next_step_on")?,
                our_participants: ours.iter().map(|p| p.name.clone()).collect(),
                their_participants: theirs.iter().map(|p| p.name.clone()).collect(),
                place: r.try_get("place")?,
                opportunity_id: r.try_get("opportunity_id")?,
                response: opt_code(&r, "response", guanxi_domain::Response::from_code)?,
                feedback: opt_code(&r, "feedback", guanxi_domain::Feedback::from_code)?,
            },
            ours,
            theirs,
            created_by: r.try_get("created_by")?,
            created_at: r.try_get("created_at")?,
        });
    }
    Ok(out)
}

/// The customer a key person, person around or interaction belongs to (None if there is none).
pub async fn customer_of(pool: &Pool, part: crate::Part, id: i64) -> Result<Option<i64>, StoreError> {
    let sql = format!("SELECT customer_id FROM {} WHERE id = $1", part.table());
    let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?;
    Ok(match row {
        Some(r) => Some(sqlx::Row::try_get::<i64, _>(&r, 0)?),
        None => None,
    })
}

//! Running cadence steps: each due step in one transaction with what it causes — the exits
//! checked first (a reply, an order, a visit, an opt-out), then a message put in the outbox
//! (keyed by enrolment and step, so a step run twice sends once) or skipped with the reason, or
//! a task for the owner — and the next step scheduled. Templates are filled in here too.

use super::cadences::{cadence, end, event};
use super::consent::consent_in;
use super::outbox_queue::enqueue_message_in;
use super::templates::template_from_row;
use super::{Pool, Row, Tx};
use crate::{Actor, CadenceRecord, StoreError};
use chrono::{DateTime, Duration, Utc};
use guanxi_domain::Lang;
use guanxi_domain::cadences::{
    CadenceDraft, ConsentState, LeftBecause, MergeData, TemplateDraft, render, task_kind_of,
};
use guanxi_domain::outbox::{MessageChannel, MessageDraft, MessagePurpose};
use guanxi_domain::tasks::TaskDraft;
use sqlx::{AssertSqlSafe, Row as _};

/// Why a customer leaves before step `position`, if they do: a reply, an order or a visit
/// since they entered (as the cadence asks), or an opt-out of every channel it sends on.
async fn exit_reason(
    tx: &mut Tx<'_>,
    cadence: &CadenceDraft,
    customer: i64,
    since: DateTime<Utc>,
) -> Result<Option<LeftBecause>, StoreError> {
    if cadence.exit_on_reply
        && count_since(
            tx,
            customer,
            since,
            "SELECT COUNT(*) FROM interactions WHERE customer_id = $1 AND occurred_at > $2 AND direction = 'inbound' \
             AND deleted_at IS NULL",
        )
        .await?
            > 0
    {
        return Ok(Some(LeftBecause::Replied));
    }
    if cadence.exit_on_buy
        && count_since(
            tx,
            customer,
            since,
            "SELECT COUNT(*) FROM orders WHERE customer_id = $1 AND ordered_at > $2 AND deleted_at IS NULL",
        )
        .await?
            > 0
    {
        return Ok(Some(LeftBecause::Bought));
    }
    if cadence.exit_on_visit
        && count_since(
            tx,
            customer,
            since,
            "SELECT COUNT(*) FROM interactions WHERE customer_id = $1 AND occurred_at > $2 \
             AND channel = 'face_to_face' AND deleted_at IS NULL",
        )
        .await?
            > 0
    {
        return Ok(Some(LeftBecause::Visited));
    }
    Ok(None)
}

async fn count_since(
    tx: &mut Tx<'_>,
    customer: i64,
    since: DateTime<Utc>,
    sql: &'static str,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(sql).bind(customer).bind(since).fetch_one(&mut **tx).await?)
}

/// Where a customer's messages go, and who looks after them.
struct Addresses {
    email: Option<String>,
    /// A mobile number (an SMS cannot go to a landline).
    mobile: Option<String>,
    wechat: Option<String>,
    /// The postal address, for letters.
    address: Option<String>,
    /// The owner's username.
    owner: Option<String>,
}

impl Addresses {
    fn of(&self, channel: MessageChannel) -> Result<String, &'static str> {
        let (to, missing) = match channel {
            MessageChannel::Email => (&self.email, "no_email"),
            MessageChannel::Sms => (&self.mobile, "no_phone"),
            MessageChannel::Wechat => (&self.wechat, "no_wechat"),
            MessageChannel::Letter => (&self.address, "no_address"),
        };
        to.clone().ok_or(missing)
    }
}

/// What a template is filled in with for `customer`, and where its messages go.
async fn merge_data(tx: &mut Tx<'_>, customer: i64) -> Result<(MergeData, Addresses), StoreError> {
    let c = super::customers::load_customer(tx, customer).await?;
    let owner: Option<(String, String, Option<String>)> = match c.owner_id {
        Some(o) => sqlx::query("SELECT username, display_name, phone FROM users WHERE id = $1")
            .bind(o)
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| Ok::<_, StoreError>((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .transpose()?,
        None => None,
    };
    let last: Option<Row> = sqlx::query(
        "SELECT ordered_at, amount_fen, category FROM orders WHERE customer_id = $1 AND deleted_at IS NULL \
         ORDER BY ordered_at DESC, id DESC LIMIT 1",
    )
    .bind(customer)
    .fetch_optional(&mut **tx)
    .await?;
    let last_order = match last {
        Some(r) => {
            let at: DateTime<Utc> = r.try_get(0)?;
            let fen: i64 = r.try_get(1)?;
            let category: Option<String> = r.try_get(2)?;
            let day = guanxi_domain::china::day(at);
            Some(match category {
                Some(cat) => format!("{day} {cat} ¥{}.{:02}", fen / 100, (fen % 100).abs()),
                None => format!("{day} ¥{}.{:02}", fen / 100, (fen % 100).abs()),
            })
        }
        None => None,
    };
    let d = &c.draft;
    let (gender, company, job_title, is_person) = match &d.profile {
        guanxi_domain::Profile::Individual(p) => (p.gender, p.employer.clone(), p.job_title.clone(), true),
        guanxi_domain::Profile::Organization(_) => (None, Some(d.name.clone()), None, false),
    };
    let preferences = (!d.preferences.is_empty())
        .then(|| d.preferences.iter().map(|p| format!("{}：{}", p.category, p.value)).collect::<Vec<_>>().join("、"));
    let data = MergeData {
        name: d.name.clone(),
        gender,
        is_person,
        company,
        job_title,
        preferences,
        owner_name: owner.as_ref().map(|o| o.1.clone()),
        owner_phone: owner.as_ref().and_then(|o| o.2.clone()),
        last_order,
    };
    let addresses = Addresses {
        email: d.email.as_ref().map(|e| e.as_str().to_string()),
        mobile: d.phone.as_ref().filter(|p| p.is_mobile()).map(|p| p.as_str().to_string()),
        wechat: d.wechat.clone(),
        // A letter goes to the address, with the city in front when the address lacks it.
        address: match (&d.city, &d.address) {
            (Some(city), Some(a)) if !a.contains(city.as_str()) => Some(format!("{city} {a}")),
            (_, a) => a.clone(),
        },
        owner: owner.map(|o| o.0),
    };
    Ok((data, addresses))
}

/// A template filled in for a customer: (subject, body). For previews.
pub async fn preview_template(
    pool: &Pool,
    d: &TemplateDraft,
    customer: i64,
    lang: Lang,
) -> Result<(String, String), StoreError> {
    let mut tx = pool.begin().await?;
    let (data, _) = merge_data(&mut tx, customer).await?;
    tx.rollback().await?;
    Ok((render(&d.subject, &data, lang), render(&d.body, &data, lang)))
}

/// Runs every cadence step due at `at` (at most `limit`); returns how many steps ran. Each in
/// one transaction: the exits checked first; a message step puts its message in the outbox
/// (keyed by enrolment and step, so a step run twice sends once) or is skipped with the
/// reason (no address, no consent); a task step gives the owner a task; then the next step is
/// scheduled, or the customer has finished.
pub async fn run_cadence_steps(pool: &Pool, at: DateTime<Utc>, limit: i64) -> Result<usize, StoreError> {
    let at = chrono::SubsecRound::trunc_subsecs(at, 6);
    let due: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM cadence_enrolments WHERE state = 'active' AND next_at <= $1 \
         AND cadence_id NOT IN (SELECT id FROM cadences WHERE paused_at IS NOT NULL) ORDER BY next_at, id LIMIT $2",
    )
    .bind(at)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut cache: std::collections::HashMap<i64, CadenceRecord> = Default::default();
    let mut ran = 0;
    for id in due {
        let mut tx = super::begin(pool).await?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT cadence_id, customer_id, next_step, next_at, enrolled_at, enrolled_by, state \
             FROM cadence_enrolments WHERE id = $1{}",
            super::for_update()
        )))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let (cadence_id, customer, position, next_at, enrolled_at, enrolled_by, state): (
            i64,
            i64,
            i32,
            Option<DateTime<Utc>>,
            DateTime<Utc>,
            i64,
            String,
        ) = (
            row.try_get(0)?,
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
            row.try_get(4)?,
            row.try_get(5)?,
            row.try_get(6)?,
        );
        // Another worker ran it meanwhile.
        if state != "active" || next_at.is_none_or(|n| n > at) {
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = cache.entry(cadence_id) {
            slot.insert(cadence(pool, cadence_id).await?);
        }
        let c = &cache[&cadence_id];
        ran += 1;
        let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customers WHERE id = $1 AND deleted_at IS NULL")
            .bind(customer)
            .fetch_one(&mut *tx)
            .await?;
        if live == 0 {
            end(&mut tx, id, LeftBecause::ByHand, at).await?;
            tx.commit().await?;
            continue;
        }
        if let Some(why) = exit_reason(&mut tx, &c.draft, customer, enrolled_at).await? {
            end(&mut tx, id, why, at).await?;
            tx.commit().await?;
            continue;
        }
        // An earlier step's message still awaits approval: this step waits (looked at again in
        // an hour), so that the customer gets the messages in their order.
        let awaiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE cause = 'cadence' AND cause_id = $1 AND state = 'approval'",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if awaiting > 0 {
            sqlx::query("UPDATE cadence_enrolments SET next_at = $1 WHERE id = $2")
                .bind(at + Duration::hours(1))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            continue;
        }
        let Some(step) = c.draft.steps.get(position as usize) else {
            end(&mut tx, id, LeftBecause::Finished, at).await?;
            tx.commit().await?;
            continue;
        };
        let (data, to) = merge_data(&mut tx, customer).await?;
        // A message whose day passed long ago (the worker was down, the cadence was enrolled
        // in the past) would arrive saying "a week ago" a month on: it is skipped, not sent.
        let late = next_at.is_some_and(|n| at - n > guanxi_domain::cadences::LATE_AFTER);
        match step.kind.channel() {
            Some(_) if late => {
                event(&mut tx, id, Some(position), at, "skipped", Some("late"), (None, None)).await?;
            }
            Some(channel) => {
                let to = to.of(channel);
                let template = match step.template_id {
                    Some(t) => Some(template_from_row(
                        &sqlx::query("SELECT * FROM message_templates WHERE id = $1")
                            .bind(t)
                            .fetch_one(&mut *tx)
                            .await?,
                    )?),
                    None => None,
                };
                let consent = consent_in(&mut tx, customer, channel).await?;
                let skipped = match (&to, &template, consent) {
                    (Err(missing), _, _) => Some(*missing),
                    (_, None, _) => Some("no_template"),
                    (_, _, Some(ConsentState::Withdrawn)) => {
                        end(&mut tx, id, LeftBecause::OptedOut, at).await?;
                        tx.commit().await?;
                        continue;
                    }
                    (_, _, None) => Some("no_consent"),
                    _ => None,
                };
                match (skipped, to, template) {
                    (None, Ok(to), Some(t)) => {
                        let lang = Lang::ZhCn;
                        let draft = MessageDraft {
                            channel,
                            purpose: MessagePurpose::Marketing,
                            customer_id: Some(customer),
                            user_id: None,
                            recipient: to,
                            recipient_name: data.name.clone(),
                            subject: render(&t.draft.subject, &data, lang),
                            body: render(&t.draft.body, &data, lang),
                            cause: "cadence".into(),
                            cause_id: Some(id),
                            key: format!("cadence:{id}:{position}"),
                            not_before: None,
                            template_ref: t.draft.provider_template.clone(),
                            params: if matches!(channel, MessageChannel::Email | MessageChannel::Letter) {
                                Vec::new()
                            } else {
                                t.draft.params(&data, lang)
                            },
                        };
                        let (outbox, new) = enqueue_message_in(&mut tx, Actor(enrolled_by), &draft, at).await?;
                        if new && step.approve {
                            // Held until a person approves it (the owner, or a manager).
                            sqlx::query("UPDATE outbox SET state = 'approval' WHERE id = $1")
                                .bind(outbox)
                                .execute(&mut *tx)
                                .await?;
                        }
                        event(&mut tx, id, Some(position), at, "queued", None, (Some(outbox), None)).await?;
                    }
                    (why, _, _) => {
                        event(&mut tx, id, Some(position), at, "skipped", why, (None, None)).await?;
                    }
                }
            }
            None => {
                let title = render(step.task_title.as_deref().unwrap_or(""), &data, Lang::ZhCn);
                let draft = TaskDraft {
                    title: title.chars().take(200).collect(),
                    kind: task_kind_of(&title),
                    due_on: guanxi_domain::china::day(at),
                    due_time: None,
                    assignee: to.owner,
                    customer_id: Some(customer),
                    key_person_id: None,
                    opportunity_id: None,
                    notes: Some(c.draft.name.clone()),
                };
                let task = super::tasks::insert_task(&mut tx, Actor(enrolled_by), &draft, "cadence").await?;
                event(&mut tx, id, Some(position), at, "task", None, (None, Some(task))).await?;
            }
        }
        let next = position + 1;
        match c.draft.steps.get(next as usize) {
            Some(s) => {
                sqlx::query("UPDATE cadence_enrolments SET next_step = $1, next_at = $2 WHERE id = $3")
                    .bind(next)
                    .bind(next_at.unwrap_or(at) + Duration::days(s.delay_days))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            None => {
                sqlx::query("UPDATE cadence_enrolments SET next_step = $1 WHERE id = $2")
                    .bind(next)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                end(&mut tx, id, LeftBecause::Finished, at).await?;
            }
        }
        tx.commit().await?;
    }
    Ok(ran)
}

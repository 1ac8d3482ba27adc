//! Satisfaction surveys: recorded by a person (the form or the API), or sent as a one-use link
//! that the customer answers without signing in.

use super::{Pool, Row, audit, corrupt, now};
use crate::{Actor, LinkRefusal, StoreError, SurveyRecord};
use chrono::{DateTime, Utc};
use guanxi_domain::standing::{SurveyAbout, SurveyAnswers, SurveyRequest};
use sqlx::Row as _;

fn survey_from(r: &Row) -> Result<SurveyRecord, StoreError> {
    let about: String = r.try_get("about")?;
    let answered_at: Option<DateTime<Utc>> = r.try_get("answered_at")?;
    let answers = match answered_at {
        Some(_) => Some(SurveyAnswers {
            satisfied: r.try_get("satisfied")?,
            buy_again: r.try_get("buy_again")?,
            recommend: r.try_get("recommend")?,
            expectation: r.try_get::<i32, _>("expectation")?.clamp(1, 5) as u8,
            experience: r.try_get::<i32, _>("experience")?.clamp(1, 5) as u8,
            comment: r.try_get("comment")?,
            respondent: r.try_get("respondent")?,
        }),
        None => None,
    };
    Ok(SurveyRecord {
        id: r.try_get("id")?,
        customer_id: r.try_get("customer_id")?,
        customer_name: r.try_get("customer_name")?,
        about: SurveyAbout::from_code(&about).ok_or_else(|| corrupt("about", &about))?,
        reference: r.try_get("reference")?,
        via: r.try_get("via")?,
        created_by: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
        link_expires_at: r.try_get("link_expires_at")?,
        answered_at,
        answers,
    })
}

const SELECT: &str = "SELECT s.*, c.name AS customer_name, u.username AS created_by_name FROM surveys s \
     JOIN customers c ON c.id = s.customer_id JOIN users u ON u.id = s.created_by";

/// Records a survey a person took down (the form, the API, a phone call): answered now.
pub async fn record_survey(
    pool: &Pool,
    actor: Actor,
    customer_id: i64,
    request: &SurveyRequest,
    via: &str,
    a: &SurveyAnswers,
) -> Result<i64, StoreError> {
    let mut tx = super::begin(pool).await?;
    super::customers::load_live(&mut tx, customer_id).await?;
    let at = now();
    let id: i64 = sqlx::query(
        "INSERT INTO surveys (customer_id, about, reference, via, created_by, created_at, answered_at, satisfied, \
         buy_again, recommend, expectation, experience, comment, respondent) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(customer_id)
    .bind(request.about.code())
    .bind(&request.reference)
    .bind(via)
    .bind(actor.0)
    .bind(at)
    .bind(a.satisfied)
    .bind(a.buy_again)
    .bind(a.recommend)
    .bind(a.expectation as i32)
    .bind(a.experience as i32)
    .bind(&a.comment)
    .bind(&a.respondent)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    audit(&mut tx, actor, "create", "survey", Some(id), Some(customer_id), None, Some(&answers_json(a)), Some(via))
        .await?;
    tx.commit().await?;
    Ok(id)
}

fn answers_json(a: &SurveyAnswers) -> serde_json::Value {
    serde_json::json!({
        "satisfied": a.satisfied, "buy_again": a.buy_again, "recommend": a.recommend,
        "expectation": a.expectation, "experience": a.experience, "comment": a.comment,
    })
}

/// Creates a survey to be answered through a link until `expires_at`; returns its id.
pub async fn create_survey_link(
    pool: &Pool,
    actor: Actor,
    customer_id: i64,
    request: &SurveyRequest,
    expires_at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let mut tx = super::begin(pool).await?;
    super::customers::load_live(&mut tx, customer_id).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO surveys (customer_id, about, reference, via, created_by, created_at, link_expires_at) \
         VALUES ($1, $2, $3, 'link', $4, $5, $6) RETURNING id",
    )
    .bind(customer_id)
    .bind(request.about.code())
    .bind(&request.reference)
    .bind(actor.0)
    .bind(now())
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    audit(
        &mut tx,
        actor,
        "create",
        "survey_link",
        Some(id),
        Some(customer_id),
        None,
        Some(&serde_json::json!({ "expires_at": expires_at })),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Withdraws an open survey link (sent to the wrong person, say): it stops working at once.
/// Returns the customer's id.
pub async fn cancel_survey_link(pool: &Pool, actor: Actor, id: i64) -> Result<i64, StoreError> {
    let mut tx = super::begin(pool).await?;
    let at = now();
    let row = sqlx::query(
        "UPDATE surveys SET link_expires_at = $1 WHERE id = $2 AND via = 'link' AND answered_at IS NULL \
         AND link_expires_at > $1 RETURNING customer_id",
    )
    .bind(at)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::not_found("survey_link", id))?;
    let customer: i64 = row.try_get(0)?;
    audit(&mut tx, actor, "delete", "survey_link", Some(id), Some(customer), None, None, Some("withdrawn")).await?;
    tx.commit().await?;
    Ok(customer)
}

/// Takes the answers given through a link: once, before it expires. Nothing is written when
/// the link is refused.
pub async fn answer_survey_link(
    pool: &Pool,
    id: i64,
    a: &SurveyAnswers,
    at: DateTime<Utc>,
) -> Result<Result<i64, LinkRefusal>, StoreError> {
    let mut tx = super::begin(pool).await?;
    let done = sqlx::query(
        "UPDATE surveys SET answered_at = $2, satisfied = $3, buy_again = $4, recommend = $5, expectation = $6, \
         experience = $7, comment = $8, respondent = $9 \
         WHERE id = $1 AND via = 'link' AND answered_at IS NULL AND link_expires_at > $2",
    )
    .bind(id)
    .bind(at)
    .bind(a.satisfied)
    .bind(a.buy_again)
    .bind(a.recommend)
    .bind(a.expectation as i32)
    .bind(a.experience as i32)
    .bind(&a.comment)
    .bind(&a.respondent)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let row =
        sqlx::query("SELECT customer_id, answered_at, link_expires_at FROM surveys WHERE id = $1 AND via = 'link'")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(row) = row else { return Ok(Err(LinkRefusal::Invalid)) };
    let customer: i64 = row.try_get(0)?;
    if done == 0 {
        let answered: Option<DateTime<Utc>> = row.try_get(1)?;
        let expires: Option<DateTime<Utc>> = row.try_get(2)?;
        return Ok(Err(match (answered, expires) {
            (Some(on), _) => LinkRefusal::Used(on),
            (None, Some(on)) => LinkRefusal::Expired(on),
            (None, None) => LinkRefusal::Invalid,
        }));
    }
    audit(
        &mut tx,
        Actor::SYSTEM,
        "update",
        "survey",
        Some(id),
        Some(customer),
        None,
        Some(&answers_json(a)),
        Some("answered through the link"),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(customer))
}

pub async fn survey(pool: &Pool, id: i64) -> Result<SurveyRecord, StoreError> {
    let sql = format!("{SELECT} WHERE s.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::not_found("survey", id))?;
    survey_from(&row)
}

/// A customer's surveys, newest first.
pub async fn surveys(pool: &Pool, customer_id: i64) -> Result<Vec<SurveyRecord>, StoreError> {
    let sql = format!("{SELECT} WHERE s.customer_id = $1 ORDER BY s.id DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(customer_id).fetch_all(pool).await?;
    rows.iter().map(survey_from).collect()
}

/// Writes many answered surveys at once (a survey tool's export, the demo, the benchmark): one
/// transaction, one audit entry. Each row: the customer, what the survey followed, the answers
/// and when they were given.
pub async fn import_surveys(
    pool: &Pool,
    actor: Actor,
    source: &str,
    rows: &[(i64, SurveyRequest, SurveyAnswers, DateTime<Utc>)],
) -> Result<usize, StoreError> {
    const COLS: usize = 14;
    let mut tx = super::begin(pool).await?;
    let at = now();
    for chunk in rows.chunks(1_000) {
        let values = super::values_clause(chunk.len(), COLS, &|_, p| p);
        let sql = format!(
            "INSERT INTO surveys (customer_id, about, reference, via, created_by, created_at, answered_at, satisfied, \
             buy_again, recommend, expectation, experience, comment, respondent) VALUES {values}"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (customer, request, a, answered_at) in chunk {
            q = q
                .bind(customer)
                .bind(request.about.code())
                .bind(&request.reference)
                .bind("import")
                .bind(actor.0)
                .bind(at)
                .bind(answered_at)
                .bind(a.satisfied)
                .bind(a.buy_again)
                .bind(a.recommend)
                .bind(a.expectation as i32)
                .bind(a.experience as i32)
                .bind(&a.comment)
                .bind(&a.respondent);
        }
        q.execute(&mut *tx).await?;
    }
    let note = serde_json::json!({ "source": source, "surveys": rows.len() });
    audit(&mut tx, actor, "import", "survey", None, None, None, Some(&note), Some(source)).await?;
    tx.commit().await?;
    Ok(rows.len())
}

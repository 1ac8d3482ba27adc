//! Where relationships stand: a customer's 4R phase, signs, satisfaction, loyalty and quadrant;
//! ten-signs health checks; satisfaction surveys and survey links; the health list and the
//! quadrant overview; the recompute.

use super::{json, object, raw_fields, schema};
use crate::AppState;
use crate::auth::{Action, Viewer, editable_customer};
use crate::error::AppError;
use crate::pages::form::{SURVEY_ANSWER_FIELDS, SURVEY_REQUEST_FIELDS};
use crate::pages::health::{HealthQuery, check_fields};
use crate::pages::surveys::{link_secret, link_url, parse_days, parse_recorded, token_of};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use guanxi_domain::health::{HealthCheck, Sign};
use guanxi_domain::standing::{Quadrant, SurveyRequest};
use guanxi_domain::{Field, Lang, Validation};
use guanxi_store::{HealthCheckRecord, HealthRow, JobKind, StandingRecord, SurveyRecord};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_standing))
        .routes(routes!(put_wallet_share))
        .routes(routes!(list_checks, create_check))
        .routes(routes!(list_surveys, record_survey))
        .routes(routes!(create_link))
        .routes(routes!(health_list))
        .routes(routes!(quadrant))
        .routes(routes!(recompute))
}

fn standing_json(s: &StandingRecord, wallet_share: Option<u8>, lang: Lang) -> Value {
    let signs: Vec<Value> = Sign::ALL
        .iter()
        .map(|sign| {
            let p = s.inputs.signals.prefill(*sign);
            json!({"sign": sign.code(), "answer": p.map(|p| p.answer.code()),
                   "evidence": p.map(|p| p.evidence.describe(lang))})
        })
        .collect();
    json!({
        "lifecycle": s.standing.phase.code(),
        "lifecycle_reason": s.standing.why.describe(lang),
        "level_proposed": s.standing.level.code(),
        "level_reason": s.inputs.contacts.reason(lang),
        "signs_from_data": signs,
        "satisfaction": s.standing.satisfaction,
        "loyalty": s.standing.loyalty,
        "quadrant": s.standing.quadrant.map(|q| q.code()),
        "quadrant_advice": s.standing.quadrant.map(|q| q.advice(lang)),
        "watched": s.standing.watched,
        "health": {"score": s.health_score, "change": s.health_change, "checked_at": s.health_checked_at},
        "wallet_share": wallet_share,
    })
}

async fn live(state: &AppState, id: i64) -> Result<StandingRecord, AppError> {
    crate::pages::people::live_standing(state, id).await?.ok_or(AppError::NotFound)
}

/// Where the relationship with a customer stands now: the 4R lifecycle phase and why, the level
/// proposed from the contacts, the signs the data answers (null: unknown), satisfaction and
/// loyalty (0–100, null when unknown), the quadrant, the health score
#[utoipa::path(get, path = "/customers/{id}/standing", tag = "relationships", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 200, body = schema::Standing), (status = 404, body = schema::Problem)))]
async fn get_standing(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    let s = live(&state, id).await?;
    Ok(json(StatusCode::OK, standing_json(&s, state.store().wallet_share(id).await?, v.lang())))
}

/// Record our share of the customer's spending in %, where known (`{"wallet_share": 30}`; null clears it)
#[utoipa::path(put, path = "/customers/{id}/wallet-share", tag = "relationships", params(("id" = i64, Path, description = "Guanxi ID")),
    request_body = schema::WalletShareInput,
    responses((status = 200, body = schema::Standing), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn put_wallet_share(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let raw = raw_fields(&object(&body)?, &[Field::WalletShare], &[])?;
    let share = guanxi_domain::sales::parse_percent(Field::WalletShare, raw.get(Field::WalletShare))
        .map_err(|e| Validation(vec![e]))?;
    state.store().set_wallet_share(v.actor(), id, share).await?;
    let s = live(&state, id).await?;
    Ok(json(StatusCode::OK, standing_json(&s, share, v.lang())))
}

fn check_json(c: &HealthCheckRecord, lang: Lang) -> Value {
    let signs: Vec<Value> = c
        .signs
        .iter()
        .map(|a| {
            json!({"sign": a.sign.code(), "answer": a.answer.code(), "source": a.source.code(),
                   "evidence": a.evidence.map(|e| e.describe(lang)), "note": a.note})
        })
        .collect();
    json!({"id": c.id, "customer_id": c.customer_id, "checked_at": c.checked_at, "checked_by": c.checked_by,
           "yes": c.score.yes, "no": c.score.no, "unknown": 10 - c.score.known(), "score": c.score.percent(),
           "notes": c.note, "signs": signs})
}

/// A customer's ten-signs health checks, newest first
#[utoipa::path(get, path = "/customers/{id}/health-checks", tag = "relationships", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 200, body = Vec<schema::HealthCheck>), (status = 404, body = schema::Problem)))]
async fn list_checks(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    state.store().customer(id).await?;
    let list: Vec<Value> = state.store().health_checks(id).await?.iter().map(|c| check_json(c, v.lang())).collect();
    Ok(json(StatusCode::OK, json!(list)))
}

/// Record a ten-signs health check
///
/// Each sign by its code (`points_out_flaws`, `likes_business_talk`, `thinks_we_are_best`,
/// `no_competitor_contract`, `puts_off_competitors`, `believes_we_help`,
/// `no_competitor_products`, `needs_us`, `answers_calls`, `scolds_us`): `yes`, `no` or
/// `unknown`, with `<sign>_note`; `notes` for the check. A sign left out takes the data's answer
/// when there is one, else unknown. The score is the share of known signs that hold.
#[utoipa::path(post, path = "/customers/{id}/health-checks", tag = "relationships", params(("id" = i64, Path, description = "Guanxi ID")),
    request_body = schema::HealthCheckInput,
    responses((status = 201, body = schema::HealthCheck), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn create_check(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let raw = raw_fields(&object(&body)?, &check_fields(), &[])?;
    let s = live(&state, id).await?;
    let check = HealthCheck::parse(&raw, &s.inputs.signals)?;
    let cid = state.store().save_health_check(v.actor(), id, &check).await?;
    let saved = state.store().health_checks(id).await?.into_iter().find(|c| c.id == cid).ok_or(AppError::NotFound)?;
    Ok(json(StatusCode::CREATED, check_json(&saved, v.lang())))
}

fn survey_json(s: &SurveyRecord, url: Option<String>) -> Value {
    let a = s.answers.as_ref();
    json!({"id": s.id, "customer_id": s.customer_id, "about": s.about.code(), "reference": s.reference, "via": s.via,
           "created_by": s.created_by, "created_at": s.created_at, "link_expires_at": s.link_expires_at,
           "link": url, "answered_at": s.answered_at,
           "satisfied": a.map(|a| a.satisfied), "buy_again": a.and_then(|a| a.buy_again),
           "recommend": a.and_then(|a| a.recommend), "expectation": a.map(|a| a.expectation),
           "experience": a.map(|a| a.experience), "comment": a.and_then(|a| a.comment.clone()),
           "respondent": a.and_then(|a| a.respondent.clone()),
           "level": a.map(|a| a.level()), "satisfaction": a.map(|a| a.index())})
}

/// A customer's satisfaction surveys, newest first; links still open carry their address
#[utoipa::path(get, path = "/customers/{id}/surveys", tag = "relationships", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 200, body = Vec<schema::Survey>), (status = 404, body = schema::Problem)))]
async fn list_surveys(
    State(state): State<AppState>,
    _v: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    state.store().customer(id).await?;
    let secret = link_secret(&state).await?;
    let now = chrono::Utc::now();
    let list: Vec<Value> = state
        .store()
        .surveys(id)
        .await?
        .iter()
        .map(|s| {
            let open = s.answered_at.is_none() && s.link_expires_at.is_some_and(|e| e > now);
            let url = open.then(|| token_of(&secret, s).map(|t| link_url(&state, &headers, &t))).flatten();
            survey_json(s, url)
        })
        .collect();
    Ok(json(StatusCode::OK, json!(list)))
}

/// Record a survey the customer answered to a person (after an order, a visit or a ticket)
///
/// `about` (order, visit, ticket, other), `reference`, `satisfied` (yes/no, required),
/// `buy_again` and `recommend` (yes/no, or leave out), `expectation` and `experience` (1–5,
/// required), `comment`, `respondent`.
#[utoipa::path(post, path = "/customers/{id}/surveys", tag = "relationships", params(("id" = i64, Path, description = "Guanxi ID")),
    request_body = schema::SurveyInput,
    responses((status = 201, body = schema::Survey), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn record_survey(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let fields: Vec<Field> = SURVEY_REQUEST_FIELDS.iter().chain(SURVEY_ANSWER_FIELDS).copied().collect();
    let (request, answers) = parse_recorded(&raw_fields(&object(&body)?, &fields, &[])?)?;
    let sid = state.store().record_survey(v.actor(), id, &request, "api", &answers).await?;
    Ok(json(StatusCode::CREATED, survey_json(&state.store().survey(sid).await?, None)))
}

/// Make a survey link for the customer: signed, answered once, open for `days` (1–90, default 14)
#[utoipa::path(post, path = "/customers/{id}/survey-links", tag = "relationships", params(("id" = i64, Path, description = "Guanxi ID")),
    request_body = schema::SurveyLinkInput,
    responses((status = 201, body = schema::Survey), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn create_link(
    State(state): State<AppState>,
    v: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let obj = object(&body)?;
    let request = SurveyRequest::parse(&raw_fields(&obj, SURVEY_REQUEST_FIELDS, &["days"])?)?;
    let days_text = match obj.get("days") {
        None | Some(Value::Null) => String::new(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => "?".to_string(),
    };
    let days = parse_days(&days_text, v.lang()).map_err(|m| AppError::bad_request(m.clone(), m))?;
    let expires = chrono::DateTime::from_timestamp((chrono::Utc::now() + chrono::Duration::days(days)).timestamp(), 0)
        .ok_or(AppError::NotFound)?;
    let sid = state.store().create_survey_link(v.actor(), id, &request, expires).await?;
    let s = state.store().survey(sid).await?;
    let secret = link_secret(&state).await?;
    let url = token_of(&secret, &s).map(|t| link_url(&state, &headers, &t));
    Ok(json(StatusCode::CREATED, survey_json(&s, url)))
}

fn row_json(r: &HealthRow) -> Value {
    json!({"customer_id": r.customer_id, "name": r.name, "owner": r.owner, "tier": r.tier.map(|t| t.code()),
           "score": r.score, "change": r.change, "checked_at": r.checked_at, "signs_from_data": r.signs,
           "lifecycle": r.phase.code(), "quadrant": r.quadrant.map(|q| q.code()),
           "satisfaction": r.satisfaction, "loyalty": r.loyalty})
}

/// The relationship-health list: key and major accounts and anyone checked, worst (or falling)
/// first, 50 a page; `signs_from_data` is ten marks (y, n, ?) in the signs' order
#[utoipa::path(get, path = "/relationships/health", tag = "relationships", params(HealthQuery),
    responses((status = 200, body = Vec<schema::HealthRow>), (status = 400, body = schema::Problem)))]
async fn health_list(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<HealthQuery>,
) -> Result<Response, AppError> {
    let (order, owner, team, page) = q.parse(&state, &v).await?;
    let rows = state.store().health_list(order, owner, team.as_deref(), 50, (page as i64 - 1) * 50).await?;
    Ok(json(StatusCode::OK, json!(rows.iter().map(row_json).collect::<Vec<_>>())))
}

/// The satisfaction × loyalty quadrant from the latest recompute: counts, the 10 × 10 grid
/// (satisfaction rows, loyalty columns, by tens), and the first 50 customers of `quadrant`
/// (destroyer by default)
#[utoipa::path(get, path = "/relationships/quadrant", tag = "relationships",
    params(("quadrant" = Option<String>, Query, description = "destroyer, profiteer, prisoner or apostle")),
    responses((status = 200, body = schema::QuadrantReport), (status = 400, body = schema::Problem)))]
async fn quadrant(
    State(state): State<AppState>,
    _v: Viewer,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let chosen =
        crate::html::query_choice("quadrant", "象限", &q.get("quadrant").cloned(), Quadrant::parse, Quadrant::codes())?
            .unwrap_or(Quadrant::Destroyer);
    let run = state.store().latest_standing_run().await?;
    let rows = state.store().in_quadrant(chosen, 50, 0).await?;
    Ok(json(
        StatusCode::OK,
        json!({"computed_at": run.as_ref().map(|r| r.0), "customers": run.as_ref().map(|r| r.1),
               "report": run.as_ref().map(|r| &r.2), "quadrant": chosen.code(),
               "in_quadrant": rows.iter().map(row_json).collect::<Vec<_>>()}),
    ))
}

/// Recompute every customer's standing now, in the background (managers and admins); it also
/// runs every night after the value recompute
#[utoipa::path(post, path = "/relationships/recompute", tag = "relationships",
    responses((status = 202, body = schema::Job), (status = 403, body = schema::Problem)))]
async fn recompute(State(state): State<AppState>, v: Viewer) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    let id = state.store().enqueue_job(v.actor(), JobKind::RecomputeStanding, chrono::Utc::now()).await?;
    state.wake_jobs();
    Ok(json(StatusCode::ACCEPTED, json!({"id": id, "kind": JobKind::RecomputeStanding.code(), "state": "queued"})))
}

//! Where relationships stand: a customer's 4R phase, signs, satisfaction, loyalty and quadrant;
//! ten-signs health checks; satisfaction surveys and survey links; the health list and the
//! quadrant overview; the recompute.

pub mod types;

use super::{json, object, raw_fields, schema};
use crate::AppState;
use crate::auth::{Action, Viewer, editable_customer};
use crate::error::AppError;
use crate::pages::form::{SURVEY_ANSWER_FIELDS, SURVEY_REQUEST_FIELDS};
use crate::pages::health::{HealthQuery, check_fields};
use crate::pages::surveys::{link_secret, link_url, parse_days, parse_recorded, token_of};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
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
        .routes(routes!(cancel_link))
        .routes(routes!(create_link))
        .routes(routes!(health_list))
        .routes(routes!(quadrant))
        .routes(routes!(recompute))
        .routes(routes!(customer_referrals, add_referral))
        .routes(routes!(remove_referral))
        .routes(routes!(referral_report))
        .routes(routes!(list_cases))
        .routes(routes!(open_case))
        .routes(routes!(get_case))
        .routes(routes!(add_attempt))
        .routes(routes!(close_case))
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
        "health": {"score": s.health_score, "change": s.health_change, "known": s.health_known,
                   "checked_at": s.health_checked_at},
        "wallet_share": wallet_share,
    })
}

async fn live(state: &AppState, id: i64) -> Result<StandingRecord, AppError> {
    crate::pages::archive::live_standing(state, id).await?.ok_or(AppError::NotFound)
}

/// Where the relationship with a customer stands now: the 4R lifecycle phase and why, the level
/// proposed from the contacts, the signs the data answers (null: unknown), satisfaction and
/// loyalty (0–100, null when unknown), the quadrant, the health score
#[utoipa::path(get, path = "/customers/{id}/standing", tag = "relationships", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 200, body = types::Standing), (status = 404, body = schema::Problem)))]
async fn get_standing(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    let s = live(&state, id).await?;
    Ok(json(StatusCode::OK, standing_json(&s, state.store().wallet_share(id).await?, v.lang())))
}

/// Record our share of the customer's spending in %, where known (`{"wallet_share": 30}`; null clears it)
#[utoipa::path(put, path = "/customers/{id}/wallet-share", tag = "relationships", params(("id" = i64, Path, description = "Guanxi ID")),
    request_body = types::WalletShareInput,
    responses((status = 200, body = types::Standing), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
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
    responses((status = 200, body = Vec<types::HealthCheck>), (status = 404, body = schema::Problem)))]
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
    request_body = types::HealthCheckInput,
    responses((status = 201, body = types::HealthCheck), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
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
    responses((status = 200, body = Vec<types::Survey>), (status = 404, body = schema::Problem)))]
async fn list_surveys(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    let r = state.store().customer(id).await?;
    // An open link is answered by whoever holds it: only those who may act for the customer get
    // its address (F-19).
    let can_edit = v.may(Action::EditCustomer { owner: r.owner_id }).is_ok();
    let secret = link_secret(&state).await?;
    let base = state.public_base().await?.0;
    let now = chrono::Utc::now();
    let list: Vec<Value> = state
        .store()
        .surveys(id)
        .await?
        .iter()
        .map(|s| {
            let open = can_edit && s.answered_at.is_none() && s.link_expires_at.is_some_and(|e| e > now);
            let url = open.then(|| token_of(&secret, s).map(|t| link_url(&base, &t))).flatten();
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
    request_body = types::SurveyInput,
    responses((status = 201, body = types::Survey), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
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
    request_body = types::SurveyLinkInput,
    responses((status = 201, body = types::Survey), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn create_link(
    State(state): State<AppState>,
    v: Viewer,
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
    let base = state.public_base().await?.0;
    let url = token_of(&secret, &s).map(|t| link_url(&base, &t));
    Ok(json(StatusCode::CREATED, survey_json(&s, url)))
}

/// Withdraw an open survey link: it stops working at once
#[utoipa::path(delete, path = "/survey-links/{id}", tag = "relationships", params(("id" = i64, Path, description = "Survey id")),
    responses((status = 204), (status = 404, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn cancel_link(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    let s = state.store().survey(id).await?;
    editable_customer(&state, &v, s.customer_id).await?;
    state.store().cancel_survey_link(v.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn row_json(r: &HealthRow) -> Value {
    json!({"customer_id": r.customer_id, "name": r.name, "owner": r.owner, "tier": r.tier.map(|t| t.code()),
           "score": r.score, "change": r.change, "known": r.known, "checked_at": r.checked_at, "signs_from_data": r.signs,
           "lifecycle": r.phase.code(), "quadrant": r.quadrant.map(|q| q.code()),
           "satisfaction": r.satisfaction, "loyalty": r.loyalty})
}

/// The relationship-health list: key and major accounts and anyone checked, worst (or falling)
/// first, 50 a page; `signs_from_data` is ten marks (y, n, ?) in the signs' order
#[utoipa::path(get, path = "/relationships/health", tag = "relationships", params(HealthQuery),
    responses((status = 200, body = Vec<types::HealthRow>), (status = 400, body = schema::Problem)))]
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
    responses((status = 200, body = types::QuadrantReport), (status = 400, body = schema::Problem)))]
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
    // One at a time: a request while one is queued or running answers with that one (F-18).
    let (id, _) = state.store().enqueue_job(v.actor(), JobKind::RecomputeStanding, chrono::Utc::now()).await?;
    state.wake_jobs();
    let job = state.store().jobs(Some(JobKind::RecomputeStanding), 20).await?.into_iter().find(|j| j.id == id);
    let state_code = job.map(|j| j.state.code()).unwrap_or("queued");
    Ok(json(StatusCode::ACCEPTED, json!({"id": id, "kind": JobKind::RecomputeStanding.code(), "state": state_code})))
}

fn referral_json(r: &guanxi_store::ReferralRecord) -> Value {
    json!({"id": r.id, "referrer_id": r.referrer_id, "referrer_name": r.referrer_name, "referrer_person": r.referrer_person,
           "referred_id": r.referred_id, "referred_name": r.referred_name, "referred_status": r.referred_status.code(),
           "referred_on": r.referred_on, "reward_kind": r.reward_kind.map(|k| k.code()), "reward": r.reward,
           "reward_fen": r.reward_fen, "notes": r.note, "created_by": r.created_by,
           "revenue_since_fen": r.revenue_fen, "converted": r.converted()})
}

/// Who referred the customer (`referred_by`, null when nobody), and whom they referred (`referred`)
#[utoipa::path(get, path = "/customers/{id}/referrals", tag = "relationships", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 200, body = types::Referrals), (status = 404, body = schema::Problem)))]
async fn customer_referrals(
    State(state): State<AppState>,
    _v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    state.store().customer(id).await?;
    let (by, made) = state.store().referrals_of(id).await?;
    Ok(json(
        StatusCode::OK,
        json!({"referred_by": by.as_ref().map(referral_json), "referred": made.iter().map(referral_json).collect::<Vec<_>>()}),
    ))
}

/// Record who referred the customer
///
/// `referrer` (a Guanxi ID or the exact name of one customer), `referrer_person` (a key person
/// of the referrer, by name), `referred_on` (default today), `reward_kind` (points, gift,
/// discount, recognition), `reward`, `reward_value` (yuan), `notes`. One referral a customer.
#[utoipa::path(post, path = "/customers/{id}/referrals", tag = "relationships", params(("id" = i64, Path, description = "Guanxi ID")),
    request_body = types::ReferralInput,
    responses((status = 201, body = types::Referral), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn add_referral(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let raw = raw_fields(&object(&body)?, crate::pages::referrals::REFERRAL_FIELDS, &[])?;
    let d = guanxi_domain::winback::ReferralDraft::parse(&raw, guanxi_store::today_in_china())?;
    state.store().add_referral(v.actor(), id, &d).await?;
    let (by, _) = state.store().referrals_of(id).await?;
    Ok(json(StatusCode::CREATED, by.as_ref().map(referral_json).unwrap_or(Value::Null)))
}

/// Take a referral back
#[utoipa::path(delete, path = "/referrals/{id}", tag = "relationships", params(("id" = i64, Path, description = "Referral id")),
    responses((status = 204), (status = 404, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn remove_referral(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    // The same rule as adding one: whoever may change the referred customer (F-09).
    crate::auth::editable_customer(&state, &v, state.store().referred_by_referral(id).await?).await?;
    state.store().remove_referral(v.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The referrals report: totals, top referrers by revenue from the customers they brought, the latest 50
#[utoipa::path(get, path = "/referrals/report", tag = "relationships",
    params(("since" = Option<String>, Query, description = "YYYY-MM-DD: referrals made on or after")),
    responses((status = 200, body = types::ReferralReport), (status = 400, body = schema::Problem)))]
async fn referral_report(
    State(state): State<AppState>,
    _v: Viewer,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let since = crate::html::query_day("since", "开始日期", &q.get("since").cloned())?;
    let r = state.store().referral_report(since).await?;
    Ok(json(
        StatusCode::OK,
        json!({"referrals": r.referrals, "converted": r.converted, "revenue_fen": r.revenue_fen, "rewards_fen": r.rewards_fen,
               "top": r.top, "recent": r.recent.iter().map(referral_json).collect::<Vec<_>>()}),
    ))
}

fn case_json(c: &guanxi_store::CaseRecord, lang: Lang) -> Value {
    json!({"id": c.id, "customer_id": c.customer_id, "customer_name": c.customer_name, "owner": c.owner,
           "opened_at": c.opened_at, "opened_by": c.opened_by, "trigger": c.trigger.code(),
           "yearly_value_fen": c.figure.yearly_fen, "lifetime_years": c.figure.years, "lifetime_loss_fen": c.figure.loss_fen,
           "status": c.status.code(), "closed_at": c.closed_at, "closed_by": c.closed_by, "outcome_reason": c.outcome_reason,
           "guidance": guanxi_domain::winback::guidance(lang),
           "attempts": c.attempts.iter().map(|a| json!({"id": a.id, "at": a.at, "channel": a.channel.code(), "what": a.what,
                                                          "their_response": a.response, "by": a.by})).collect::<Vec<_>>(),
           "attempt_count": c.attempt_count})
}

/// Win-back cases, open first then by what is at stake, 50 a page
#[utoipa::path(get, path = "/winback-cases", tag = "relationships",
    params(("status" = Option<String>, Query, description = "open, won_back or lost_for_good"),
           ("owner" = Option<String>, Query, description = "The customers' owner; `me` for the caller"),
           ("page" = Option<u32>, Query, description = "Page, from 1")),
    responses((status = 200, body = Vec<types::WinbackCase>), (status = 400, body = schema::Problem)))]
async fn list_cases(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    use guanxi_domain::winback::CaseStatus;
    let status =
        crate::html::query_choice("status", "状态", &q.get("status").cloned(), CaseStatus::parse, CaseStatus::codes())?;
    let owner =
        crate::pages::sales::owner_filter(&state, &v, q.get("owner").map(String::as_str).filter(|s| !s.is_empty()))
            .await?;
    let page = match q.get("page").map(|p| p.parse::<u32>()) {
        None => 1,
        Some(Ok(p)) if p >= 1 => p,
        Some(_) => return Err(AppError::bad_request("页码应是从 1 开始的整数", "page must be a whole number from 1")),
    };
    let list = state.store().winback_cases(status, owner, 50, (page as i64 - 1) * 50).await?;
    // The list leaves out each case's attempts (see `attempt_count`); a case's own page has them.
    let list: Vec<Value> = list
        .iter()
        .map(|c| {
            let mut j = case_json(c, v.lang());
            if let Some(o) = j.as_object_mut() {
                o.remove("attempts");
            }
            j
        })
        .collect();
    Ok(json(StatusCode::OK, json!(list)))
}

/// Open a win-back case for the customer by hand, with their lifetime figure now
#[utoipa::path(post, path = "/customers/{id}/winback-cases", tag = "relationships", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 201, body = types::WinbackCase), (status = 409, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn open_case(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let cid = state.store().open_winback_case(v.actor(), id).await?;
    Ok(json(StatusCode::CREATED, case_json(&state.store().winback_case(cid).await?, v.lang())))
}

/// A win-back case with its lifetime figure, the one-nail guidance and its attempts
#[utoipa::path(get, path = "/winback-cases/{id}", tag = "relationships", params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = types::WinbackCase), (status = 404, body = schema::Problem)))]
async fn get_case(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    Ok(json(StatusCode::OK, case_json(&state.store().winback_case(id).await?, v.lang())))
}

async fn case_customer(state: &AppState, v: &Viewer, id: i64) -> Result<(), AppError> {
    let c = state.store().winback_case(id).await?;
    editable_customer(state, v, c.customer_id).await.map(|_| ())
}

/// Record an attempt: `channel`, `what` (required), `their_response`
#[utoipa::path(post, path = "/winback-cases/{id}/attempts", tag = "relationships", params(("id" = i64, Path, description = "Case id")),
    request_body = types::AttemptInput,
    responses((status = 201, body = types::WinbackCase), (status = 422, body = schema::Problem), (status = 409, body = schema::Problem)))]
async fn add_attempt(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    case_customer(&state, &v, id).await?;
    let d = guanxi_domain::winback::AttemptDraft::parse(&raw_fields(
        &object(&body)?,
        crate::pages::winback::ATTEMPT_FIELDS,
        &[],
    )?)?;
    state.store().add_winback_attempt(v.actor(), id, &d).await?;
    Ok(json(StatusCode::CREATED, case_json(&state.store().winback_case(id).await?, v.lang())))
}

/// Close a case: `outcome` won_back (the customer is a customer again) or lost_for_good (with
/// `outcome_reason`; the customer is marked lost)
#[utoipa::path(post, path = "/winback-cases/{id}/close", tag = "relationships", params(("id" = i64, Path, description = "Case id")),
    request_body = types::OutcomeInput,
    responses((status = 200, body = types::WinbackCase), (status = 422, body = schema::Problem), (status = 409, body = schema::Problem)))]
async fn close_case(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    case_customer(&state, &v, id).await?;
    let o = guanxi_domain::winback::CaseOutcome::parse(&raw_fields(
        &object(&body)?,
        crate::pages::winback::OUTCOME_FIELDS,
        &[],
    )?)?;
    state.store().close_winback_case(v.actor(), id, &o).await?;
    Ok(json(StatusCode::OK, case_json(&state.store().winback_case(id).await?, v.lang())))
}

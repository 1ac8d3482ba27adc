//! Competitors and customers' engagements with them.

pub mod types;

use super::{json, object, raw_fields, schema};
use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::pages::competitors::{ENGAGEMENT_FIELDS, competitor_fields};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use guanxi_domain::competitors::{CompetitorDraft, EngagementDraft};
use guanxi_store::{CompetitorRecord, EngagementRecord};
use serde_json::{Map, Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, patch_one))
        .routes(routes!(engagements, engage))
        .routes(routes!(end_engagement))
}

fn competitor_json(r: &CompetitorRecord) -> Value {
    let mut m: Map<String, Value> =
        r.draft.to_fields().0.into_iter().map(|(f, v)| (f.code().to_string(), Value::String(v))).collect();
    m.insert("id".into(), json!(r.id));
    m.insert("levels_known".into(), json!(r.draft.understood()));
    m.insert("engaged_customers".into(), json!(r.engaged_customers));
    m.insert("updated_at".into(), json!(r.updated_at));
    Value::Object(m)
}

fn engagement_json(e: &EngagementRecord) -> Value {
    json!({"id": e.id, "customer_id": e.customer_id, "customer_name": e.customer_name, "competitor_id": e.competitor_id,
           "competitor_name": e.competitor, "engagement": e.kind.code(), "since": e.since, "until": e.until, "notes": e.note})
}

/// Competitors, by name, with how many of the six levels are known and how many customers engage with each now
#[utoipa::path(get, path = "/competitors", tag = "relationships", responses((status = 200, body = Vec<types::Competitor>)))]
async fn list(State(state): State<AppState>, _v: Viewer) -> Result<Response, AppError> {
    let list: Vec<Value> = state.store().competitors().await?.iter().map(competitor_json).collect();
    Ok(json(StatusCode::OK, json!(list)))
}

/// Record a competitor: its name (one record a name), the six levels (who, situation, analysis, heading, intent, steer) and the evidence
#[utoipa::path(post, path = "/competitors", tag = "relationships", request_body = types::CompetitorInput,
    responses((status = 201, body = types::Competitor), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn create(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::CreateCustomer)?;
    let d = CompetitorDraft::parse(&raw_fields(&object(&body)?, &competitor_fields(), &[])?)?;
    let id = state.store().create_competitor(v.actor(), &d).await?;
    Ok(json(StatusCode::CREATED, competitor_json(&state.store().competitor(id).await?)))
}

/// A competitor
#[utoipa::path(get, path = "/competitors/{id}", tag = "relationships", params(("id" = i64, Path, description = "Competitor id")),
    responses((status = 200, body = types::Competitor), (status = 404, body = schema::Problem)))]
async fn get_one(State(state): State<AppState>, _v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    Ok(json(StatusCode::OK, competitor_json(&state.store().competitor(id).await?)))
}

/// Change what we know of a competitor (only the fields sent)
#[utoipa::path(patch, path = "/competitors/{id}", tag = "relationships", params(("id" = i64, Path, description = "Competitor id")),
    request_body = types::CompetitorInput,
    responses((status = 200, body = types::Competitor), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn patch_one(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    v.may(Action::CreateCustomer)?;
    let changes = raw_fields(&object(&body)?, &competitor_fields(), &[])?;
    let mut raw = state.store().competitor(id).await?.draft.to_fields();
    for (f, val) in changes.0 {
        raw.set(f, val);
    }
    let d = CompetitorDraft::parse(&raw)?;
    state.store().update_competitor(v.actor(), id, &d).await?;
    Ok(json(StatusCode::OK, competitor_json(&state.store().competitor(id).await?)))
}

/// A customer's engagements with competitors, current first
#[utoipa::path(get, path = "/customers/{id}/competitor-engagements", tag = "relationships", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 200, body = Vec<types::Engagement>), (status = 404, body = schema::Problem)))]
async fn engagements(State(state): State<AppState>, _v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    state.store().customer(id).await?;
    let list: Vec<Value> = state.store().engagements_of(id).await?.iter().map(engagement_json).collect();
    Ok(json(StatusCode::OK, json!(list)))
}

/// Record that the customer talks to, tries, signed with or uses a competitor
///
/// `competitor` (id), `engagement` (talking, trial, signed, using), `since` (default today),
/// `notes`.
#[utoipa::path(post, path = "/customers/{id}/competitor-engagements", tag = "relationships", params(("id" = i64, Path, description = "Guanxi ID")),
    request_body = types::EngagementInput,
    responses((status = 201, body = types::Engagement), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn engage(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    crate::auth::writable_customer(&state, &v, id, crate::auth::CustomerPart::Engagement).await?;
    let d =
        EngagementDraft::parse(&raw_fields(&object(&body)?, ENGAGEMENT_FIELDS, &[])?, guanxi_store::today_in_china())?;
    let eid = state.store().add_engagement(v.actor(), id, &d).await?;
    let rec = state.store().engagements_of(id).await?.into_iter().find(|e| e.id == eid).ok_or(AppError::NotFound)?;
    Ok(json(StatusCode::CREATED, engagement_json(&rec)))
}

/// End an engagement today (the customer stopped talking to or using the competitor)
#[utoipa::path(post, path = "/competitor-engagements/{id}/end", tag = "relationships", params(("id" = i64, Path, description = "Engagement id")),
    responses((status = 200, body = Vec<types::Engagement>), (status = 404, body = schema::Problem), (status = 409, body = schema::Problem)))]
async fn end_engagement(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    let customer = state.store().engagement_customer(id).await?;
    crate::auth::writable_customer(&state, &v, customer, crate::auth::CustomerPart::Engagement).await?;
    let customer = state.store().end_engagement(v.actor(), id, guanxi_store::today_in_china()).await?;
    let list: Vec<Value> = state.store().engagements_of(customer).await?.iter().map(engagement_json).collect();
    Ok(json(StatusCode::OK, json!(list)))
}

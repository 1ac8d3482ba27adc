//! Cadences 跟进节奏 and consent over the API: the cadences with their steps and report,
//! enrolling customers by id (managers and admins), a customer's cadences, and a customer's
//! consent to marketing — read, and recorded by whoever may change the customer.

pub mod types;

use super::{json, object, schema};
use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use guanxi_domain::cadences::ConsentDraft;
use guanxi_domain::{Field, Problem, Validation};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one))
        .routes(routes!(enrol))
        .routes(routes!(customer_cadences))
        .routes(routes!(get_consent, post_consent))
}

fn cadence_json(c: &guanxi_store::CadenceRecord) -> Value {
    let mut j = serde_json::to_value(c).unwrap_or_default();
    j["id"] = json!(c.id);
    j
}

/// Cadences with their steps and how many customers are in each
#[utoipa::path(get, path = "/cadences", tag = "cadences", responses((status = 200, body = Vec<types::Cadence>)))]
async fn list(State(state): State<AppState>, _v: Viewer) -> Result<Response, AppError> {
    let list: Vec<Value> = state.store().cadences().await?.iter().map(cadence_json).collect();
    Ok(json(StatusCode::OK, json!(list)))
}

/// A cadence with its report: enrolled, in it, left and why, bought within 30 days, each step's messages
#[utoipa::path(get, path = "/cadences/{id}", tag = "cadences", params(("id" = i64, Path, description = "Cadence id")),
    responses((status = 200, body = types::Cadence), (status = 404, body = schema::Problem)))]
async fn get_one(State(state): State<AppState>, _v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    let mut j = cadence_json(&state.store().cadence(id).await?);
    j["report"] = serde_json::to_value(state.store().cadence_report(id).await?).unwrap_or_default();
    Ok(json(StatusCode::OK, j))
}

/// Enrol customers by id (`customers`: [ids]); those already in it are not enrolled twice
#[utoipa::path(post, path = "/cadences/{id}/enrol", tag = "cadences", params(("id" = i64, Path, description = "Cadence id")),
    request_body = types::EnrolInput,
    responses((status = 200, body = types::Enrolled), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn enrol(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    v.may(Action::ManageCadences)?;
    let obj = object(&body)?;
    let ids: Vec<i64> = match obj.get("customers") {
        Some(Value::Array(items)) if !items.is_empty() && items.len() <= 10_000 => {
            let ids: Option<Vec<i64>> = items.iter().map(|i| i.as_i64().filter(|n| *n > 0)).collect();
            ids.ok_or_else(|| Validation::one(Field::Customer, "customers", Problem::InvalidNumber))?
        }
        Some(Value::Array(items)) if items.len() > 10_000 => {
            return Err(Validation::one(Field::Customer, "customers", Problem::TooMany { max: 10_000 }).into());
        }
        _ => return Err(Validation::one(Field::Customer, "customers", Problem::Required).into()),
    };
    let (enrolled, already, unknown) = state.store().enrol(v.actor(), id, Some(&ids), None, chrono::Utc::now()).await?;
    state.wake_jobs();
    Ok(json(StatusCode::OK, json!({"enrolled": enrolled, "already": already, "unknown": unknown})))
}

/// A customer's cadences, newest first, with what each step did
#[utoipa::path(get, path = "/customers/{id}/cadences", tag = "cadences", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 200, body = Vec<types::Enrolment>)))]
async fn customer_cadences(
    State(state): State<AppState>,
    _v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    state.store().customer(id).await?;
    Ok(json(StatusCode::OK, json!(state.store().enrolments(Some(id), None, 100).await?)))
}

/// A customer's latest consent to marketing on each channel where one was recorded
#[utoipa::path(get, path = "/customers/{id}/consent", tag = "cadences", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 200, body = Vec<types::Consent>)))]
async fn get_consent(State(state): State<AppState>, _v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    state.store().customer(id).await?;
    Ok(json(StatusCode::OK, json!(state.store().consents(id).await?)))
}

/// Record a customer's consent or opt-out on a channel; an opt-out takes them out of every cadence and cancels their marketing messages not sent yet
#[utoipa::path(post, path = "/customers/{id}/consent", tag = "cadences", params(("id" = i64, Path, description = "Guanxi ID")),
    request_body = types::ConsentInput,
    responses((status = 200, body = Vec<types::Consent>), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn post_consent(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let customer = state.store().customer(id).await?;
    v.may(Action::EditCustomer { owner: customer.owner_id })?;
    let obj = object(&body)?;
    let text = |k: &str| obj.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let d = ConsentDraft::parse(&text("channel"), &text("consent"), &text("consent_how"))?;
    state.store().record_consent(v.actor(), id, d.channel, d.state, &d.how).await?;
    Ok(json(StatusCode::OK, json!(state.store().consents(id).await?)))
}

//! The company's value settings and the background recompute.

pub mod types;

use super::{json, object, raw_fields, schema};
use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use guanxi_domain::value::ValueSettings;
use guanxi_store::{Job, JobKind};
use serde_json::{Map, Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_settings, put_settings)).routes(routes!(recompute)).routes(routes!(jobs))
}

fn settings_json(s: &ValueSettings) -> Value {
    let fields: Map<String, Value> =
        s.to_fields().0.into_iter().map(|(f, v)| (f.code().to_string(), Value::String(v))).collect();
    Value::Object(fields)
}

fn job_json(j: &Job) -> Value {
    json!({"id": j.id, "kind": j.kind, "state": j.state.code(), "run_at": j.run_at, "attempts": j.attempts,
           "max_attempts": j.max_attempts, "last_error": j.last_error, "result": j.result,
           "created_at": j.created_at, "finished_at": j.finished_at})
}

/// The value settings
///
/// As the settings form shows them: shares, rates and thresholds in percent, money in yuan,
/// each tier's approaches as comma-separated codes (`approach_key`: `visit,phone,introduction`).
#[utoipa::path(get, path = "/settings/value", tag = "value", responses((status = 200, body = types::ValueSettings)))]
async fn get_settings(State(state): State<AppState>, _v: Viewer) -> Result<Response, AppError> {
    Ok(json(StatusCode::OK, settings_json(&state.store().value_settings().await?)))
}

/// Change the value settings (admins)
///
/// Only the fields sent change; every value is checked and each bad one named (422). They apply
/// from the next assessment.
#[utoipa::path(put, path = "/settings/value", tag = "value", request_body = types::ValueSettings,
    responses((status = 200, body = types::ValueSettings), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn put_settings(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::ManageSettings)?;
    let changes = raw_fields(&object(&body)?, &ValueSettings::fields(), &[])?;
    let mut raw = state.store().value_settings().await?.to_fields();
    for (f, value) in changes.0 {
        raw.set(f, value);
    }
    let settings = ValueSettings::parse(&raw)?;
    state.store().save_value_settings(v.actor(), &settings).await?;
    Ok(json(StatusCode::OK, settings_json(&settings)))
}

/// Recompute every customer's value now (managers and admins)
///
/// Queues the recompute as a background job and returns it (202); `GET /value/jobs` shows
/// when it is done.
#[utoipa::path(post, path = "/value/recompute", tag = "value",
    responses((status = 202, body = schema::Job), (status = 403, body = schema::Problem)))]
async fn recompute(State(state): State<AppState>, v: Viewer) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    let store = state.store();
    // One at a time: a request while one is queued or running answers with that one (F-18).
    let (id, _) = store.enqueue_job(v.actor(), JobKind::RecomputeValues, chrono::Utc::now()).await?;
    state.wake_jobs();
    let job = store.jobs(Some(JobKind::RecomputeValues), 20).await?.into_iter().find(|j| j.id == id);
    Ok(json(StatusCode::ACCEPTED, job.as_ref().map(job_json).unwrap_or(json!({"id": id}))))
}

/// The latest value recomputes, newest first
///
/// Nightly runs and those someone asked for, with their state (`queued`, `running`, `done`,
/// `failed`), attempts, error and result (`{"run": …, "customers": …}`).
#[utoipa::path(get, path = "/value/jobs", tag = "value", responses((status = 200, body = Vec<schema::Job>)))]
async fn jobs(State(state): State<AppState>, _v: Viewer) -> Result<Response, AppError> {
    let all = state.store().jobs(None, 50).await?;
    let list: Vec<Value> = all.iter().filter(|j| JobKind::parse(&j.kind).is_some()).map(job_json).collect();
    Ok(json(StatusCode::OK, Value::Array(list)))
}

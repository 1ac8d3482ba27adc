//! The outbox 发件箱 over the API (managers and admins): the messages with their state,
//! one with its attempts, sending a failed one again, cancelling one not sent yet.

pub mod types;

use super::{json, schema};
use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use guanxi_domain::outbox::gateway::{RULES_FIELDS, SendingRules};
use guanxi_domain::outbox::{MessageChannel, MessageState};
use guanxi_store::OutboxFilter;
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one))
        .routes(routes!(retry))
        .routes(routes!(cancel))
        .routes(routes!(get_rules, put_rules))
}

fn rules_json(r: &SendingRules) -> serde_json::Value {
    let fields: serde_json::Map<String, serde_json::Value> =
        r.to_raw().0.into_iter().map(|(f, v)| (f.code().to_string(), serde_json::Value::String(v))).collect();
    serde_json::Value::Object(fields)
}

/// The sending rules (admins)
///
/// Quiet hours for SMS and WeChat (China time, `HH:MM`; both empty for none) and the most
/// marketing messages a customer gets in any 7 days (`0`: no limit).
#[utoipa::path(get, path = "/settings/sending", tag = "outbox",
    responses((status = 200, body = types::SendingRules), (status = 403, body = schema::Problem)))]
async fn get_rules(State(state): State<AppState>, v: Viewer) -> Result<Response, AppError> {
    v.may(Action::ManageSettings)?;
    Ok(json(StatusCode::OK, rules_json(&state.store().sending_rules().await?)))
}

/// Change the sending rules (admins)
///
/// Only the fields sent change; each bad value is named (422). Messages already held keep their
/// time; new ones follow the new rules.
#[utoipa::path(put, path = "/settings/sending", tag = "outbox", request_body = types::SendingRules,
    responses((status = 200, body = types::SendingRules), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn put_rules(State(state): State<AppState>, v: Viewer, body: axum::body::Bytes) -> Result<Response, AppError> {
    v.may(Action::ManageSettings)?;
    let changes = super::raw_fields(&super::object(&body)?, RULES_FIELDS, &[])?;
    let mut raw = state.store().sending_rules().await?.to_raw();
    for (f, value) in changes.0 {
        raw.set(f, value);
    }
    let rules = SendingRules::parse(&raw)?;
    state.store().save_sending_rules(v.actor(), &rules).await?;
    Ok(json(StatusCode::OK, rules_json(&rules)))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// queued, sending, sent, failed or cancelled
    state: Option<String>,
    /// email, sms, wechat or letter
    channel: Option<String>,
    /// Only the messages to this customer
    customer: Option<i64>,
    /// Page, from 1
    page: Option<i64>,
    /// Messages a page, at most 500 (default 50)
    per_page: Option<i64>,
}

fn vocab<T: Copy>(
    name: &str,
    value: &Option<String>,
    parse: fn(&str) -> Option<T>,
    codes: Vec<&str>,
) -> Result<Option<T>, AppError> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse(v).map(Some).ok_or_else(|| {
            AppError::bad_request(
                format!("{name} 应为 {} 之一，而不是 “{v}”", codes.join("、")),
                format!("{name} must be one of {}, not {v:?}", codes.join(", ")),
            )
        }),
    }
}

/// Messages, newest first, with how many match (`total`)
#[utoipa::path(get, path = "/outbox", tag = "outbox", params(ListQuery),
    responses((status = 200, body = types::OutboxPage), (status = 403, body = schema::Problem)))]
async fn list(State(state): State<AppState>, v: Viewer, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    let f = OutboxFilter {
        state: vocab("state", &q.state, MessageState::parse, MessageState::codes())?,
        channel: vocab("channel", &q.channel, MessageChannel::parse, MessageChannel::codes())?,
        customer_id: q.customer,
        page: q.page.unwrap_or(1).max(1),
        per_page: q.per_page.unwrap_or(50).clamp(1, 500),
    };
    let (list, total) = state.store().messages(&f).await?;
    Ok(json(StatusCode::OK, json!({"items": list, "total": total, "page": f.page, "per_page": f.per_page})))
}

/// A message with every attempt to send it
#[utoipa::path(get, path = "/outbox/{id}", tag = "outbox", params(("id" = i64, Path, description = "Message id")),
    responses((status = 200, body = types::OutboxMessage), (status = 404, body = schema::Problem)))]
async fn get_one(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    let m = state.store().message(id).await?;
    let attempts = state.store().message_attempts(id).await?;
    let mut j = serde_json::to_value(&m).unwrap_or_default();
    j["attempts_made"] = serde_json::to_value(&attempts).unwrap_or_default();
    Ok(json(StatusCode::OK, j))
}

/// Send a failed message again (with a fresh set of attempts), or a queued one now
#[utoipa::path(post, path = "/outbox/{id}/retry", tag = "outbox", params(("id" = i64, Path, description = "Message id")),
    responses((status = 200, body = types::OutboxMessage), (status = 409, body = schema::Problem)))]
async fn retry(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    let m = state.store().retry_message(v.actor(), id).await?;
    state.wake_outbox();
    Ok(json(StatusCode::OK, json!(m)))
}

/// Cancel a message that has not gone yet
#[utoipa::path(post, path = "/outbox/{id}/cancel", tag = "outbox", params(("id" = i64, Path, description = "Message id")),
    responses((status = 200, body = types::OutboxMessage), (status = 409, body = schema::Problem)))]
async fn cancel(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    Ok(json(StatusCode::OK, json!(state.store().cancel_message(v.actor(), id).await?)))
}

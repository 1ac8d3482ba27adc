//! Messages awaiting approval over the API: listed for the viewer (a rep: their customers'; a
//! manager: everyone's), approved — with an e-mail's or letter's text corrected if given — or
//! rejected.

use super::{json, schema};
use crate::AppState;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::pages::approvals::{may_approve, owners_for};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(approve)).routes(routes!(reject))
}

/// Messages awaiting approval
///
/// Oldest first, with how many there are (`total`): a sales rep's are those to their own
/// customers, a manager's everyone's.
#[utoipa::path(get, path = "/approvals", tag = "outbox",
    responses((status = 200, body = super::outbox::types::OutboxPage)))]
async fn list(State(state): State<AppState>, v: Viewer) -> Result<Response, AppError> {
    let (items, total) = state.store().messages_to_approve(owners_for(&v).as_deref(), 500).await?;
    Ok(json(StatusCode::OK, json!({"items": items, "total": total, "page": 1, "per_page": 500})))
}

/// Approve a message
///
/// It goes at once. An e-mail's or letter's `subject` and `body` may be corrected in the same
/// call (both, or neither); an SMS or WeChat message goes as its provider's template says (422
/// if its text is changed). The customer's owner or a manager; 409 if it is not awaiting approval.
#[utoipa::path(post, path = "/approvals/{id}/approve", tag = "outbox", params(("id" = i64, Path, description = "Message id")),
    responses((status = 200, body = super::outbox::types::OutboxMessage), (status = 403, body = schema::Problem),
        (status = 409, body = schema::Problem), (status = 422, body = schema::Problem)))]
async fn approve(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let obj = if body.iter().all(u8::is_ascii_whitespace) { Default::default() } else { super::object(&body)? };
    if let Some(k) = obj.keys().find(|k| *k != "subject" && *k != "body") {
        return Err(AppError::UnknownField(k.clone()));
    }
    let text = |k: &str| match obj.get(k) {
        None => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(AppError::bad_request(format!("{k} 应为文字"), format!("{k} must be text"))),
    };
    let (subject, text_body) = (text("subject")?, text("body")?);
    let m = state.store().message(id).await?;
    may_approve(state.store(), &v, &m).await?;
    let edit = match (subject, text_body) {
        (None, None) => None,
        (s, b) => Some((s.unwrap_or_else(|| m.subject.clone()), b.unwrap_or_else(|| m.body.clone()))),
    };
    let m = state
        .store()
        .approve_message(v.actor(), id, edit.as_ref().map(|(s, b)| (s.as_str(), b.as_str())), chrono::Utc::now())
        .await?;
    state.wake_outbox();
    Ok(json(StatusCode::OK, json!(m)))
}

/// Reject a message
///
/// It is cancelled and never sent. The customer's owner or a manager.
#[utoipa::path(post, path = "/approvals/{id}/reject", tag = "outbox", params(("id" = i64, Path, description = "Message id")),
    responses((status = 200, body = super::outbox::types::OutboxMessage), (status = 403, body = schema::Problem),
        (status = 409, body = schema::Problem)))]
async fn reject(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    let m = state.store().message(id).await?;
    may_approve(state.store(), &v, &m).await?;
    Ok(json(StatusCode::OK, json!(state.store().cancel_message(v.actor(), id).await?)))
}

//! Messages awaiting approval (`/approvals`): a cadence's step set to "sent once someone
//! approves it" puts its message here; the customer's owner (or a manager) reads it, corrects an
//! e-mail's or letter's text if need be, and approves it — it goes at once — or rejects it.

use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::{Chrome, Done, FormData, Nav, china_time, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guanxi_domain::outbox::{MessageChannel, MessageState};
use guanxi_store::{OutboxMessage, Store};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/approvals", get(list))
        .route("/approvals/{id}/approve", post(approve))
        .route("/approvals/{id}/reject", post(reject))
}

/// Whose messages a viewer approves: a rep their own customers', managers and admins everyone's.
pub fn owners_for(v: &Viewer) -> Option<Vec<i64>> {
    v.may(Action::SeeOutbox).is_err().then(|| vec![v.user.id])
}

/// May the viewer approve or reject message `m`? (The customer's owner, or a manager.)
pub async fn may_approve(store: &Store, v: &Viewer, m: &OutboxMessage) -> Result<(), AppError> {
    let owner = match m.customer_id {
        Some(c) => store.customer(c).await?.owner_id,
        None => None,
    };
    v.may(Action::ApproveMessage { owner })?;
    if m.state != MessageState::Approval {
        return Err(AppError::Store(guanxi_store::StoreError::conflict(
            format!("这条消息{}，不需要审批", m.state.label(guanxi_domain::Lang::ZhCn)),
            format!(
                "this message is {}; it is not awaiting approval",
                m.state.label(guanxi_domain::Lang::En).to_lowercase()
            ),
        )));
    }
    Ok(())
}

/// A message as the approval page shows it.
pub struct ApprovalView {
    pub id: i64,
    pub channel: &'static str,
    pub editable: bool,
    pub customer: Option<(i64, String)>,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub made: String,
    /// When a marketing message is too late to go if not approved by then.
    pub until: String,
    pub is_letter: bool,
}

impl ApprovalView {
    fn new(m: &OutboxMessage, t: T) -> ApprovalView {
        ApprovalView {
            id: m.id,
            channel: m.channel.label(t.lang()),
            editable: matches!(m.channel, MessageChannel::Email | MessageChannel::Letter),
            customer: m.customer_id.zip(m.customer_name.clone()),
            to: m.recipient.clone(),
            subject: m.subject.clone(),
            body: m.body.clone(),
            made: china_time(&m.created_at),
            until: china_time(&(m.created_at + guanxi_domain::cadences::LATE_AFTER)),
            is_letter: m.channel == MessageChannel::Letter,
        }
    }
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<ApprovalView>,
    total: i64,
    /// A message whose approval was refused, and why (its edited text is kept in its row).
    error: Option<(i64, String)>,
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

async fn list(State(state): State<AppState>, v: Viewer, Query(q): Query<DoneQuery>) -> Result<Response, AppError> {
    list_page(&state, &v, q.done.as_deref(), None).await
}

/// The list; with `refused`, that message's approval was refused: its edited subject and text
/// are shown again with why, and the page answers 422.
async fn list_page(
    state: &AppState,
    v: &Viewer,
    done: Option<&str>,
    refused: Option<(i64, String, String, String)>,
) -> Result<Response, AppError> {
    let t = T(v.lang());
    let owners = owners_for(v);
    let (messages, total) = state.store().messages_to_approve(owners.as_deref(), 100).await?;
    let mut rows: Vec<ApprovalView> = messages.iter().map(|m| ApprovalView::new(m, t)).collect();
    let error = refused.map(|(id, subject, body, why)| {
        if let Some(r) = rows.iter_mut().find(|r| r.id == id) {
            (r.subject, r.body) = (subject, body);
        }
        (id, why)
    });
    let page = ListPage { c: Chrome::new(v, Nav::Today, done, "/approvals".into()), rows, total, error };
    let mut r = render(&page);
    if page.error.is_some() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn approve(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = FormData::parse(&body)?;
    let m = state.store().message(id).await?;
    may_approve(state.store(), &v, &m).await?;
    let edit = form
        .0
        .iter()
        .any(|(k, _)| k == "subject" || k == "body")
        .then(|| (form.get("subject").to_string(), form.get("body").to_string()));
    let approved = state
        .store()
        .approve_message(v.actor(), id, edit.as_ref().map(|(s, b)| (s.as_str(), b.as_str())), chrono::Utc::now())
        .await;
    if let (Err(guanxi_store::StoreError::Invalid(why)), Some((subject, body))) = (&approved, edit) {
        let why = why.message(v.lang());
        return list_page(&state, &v, None, Some((id, subject, body, why))).await;
    }
    approved?;
    state.wake_outbox();
    Ok(Redirect::to(&format!("/approvals?done={}", Done::MessageApproved.code())).into_response())
}

async fn reject(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    let m = state.store().message(id).await?;
    may_approve(state.store(), &v, &m).await?;
    state.store().cancel_message(v.actor(), id).await?;
    Ok(Redirect::to(&format!("/approvals?done={}", Done::MessageRejected.code())).into_response())
}

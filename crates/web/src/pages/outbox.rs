//! The outbox 发件箱 on the web: every message that leaves Guanxi with where it is (waiting,
//! sent, failed) and each attempt's outcome, sent again or cancelled by a manager; and the
//! e-mail server's settings (`/settings/email`), with a test e-mail through the outbox.

use super::form::{self, InputKind};
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
use guanxi_domain::outbox::{EmailSettings, MessageChannel, MessageDraft, MessagePurpose, MessageState};
use guanxi_domain::{Field, Raw, Validation};
use guanxi_store::{OutboxFilter, OutboxMessage, StoreError};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/outbox", get(list))
        .route("/outbox/{id}", get(show))
        .route("/outbox/{id}/retry", post(retry))
        .route("/outbox/{id}/cancel", post(cancel))
        .route("/settings/email", get(settings_page).post(save_settings))
        .route("/settings/email/test", post(send_test))
}

/// The fields of the e-mail server's form, in its order.
pub const EMAIL_FIELDS: &[Field] = &[
    Field::SmtpHost,
    Field::SmtpPort,
    Field::SmtpSecurity,
    Field::SmtpUsername,
    Field::SmtpPassword,
    Field::FromAddress,
    Field::FromName,
];

/// A message as a line of the list.
pub struct MessageRow {
    pub id: i64,
    pub channel: &'static str,
    pub to: String,
    pub customer: Option<(i64, String)>,
    pub subject: String,
    pub state: &'static str,
    pub state_code: &'static str,
    pub attempts: String,
    pub when: String,
    pub error: Option<String>,
}

impl MessageRow {
    fn new(m: &OutboxMessage, t: T) -> MessageRow {
        let lang = t.lang();
        let when = match m.state {
            MessageState::Sent => m.sent_at.as_ref().map(china_time).unwrap_or_default(),
            MessageState::Queued => china_time(&m.next_attempt_at),
            _ => String::new(),
        };
        MessageRow {
            id: m.id,
            channel: m.channel.label(lang),
            to: match (m.recipient_name.is_empty(), m.channel) {
                (true, _) => m.recipient.clone(),
                (false, MessageChannel::Letter) => format!("{} · {}", m.recipient_name, m.recipient),
                (false, _) => format!("{} <{}>", m.recipient_name, m.recipient),
            },
            customer: m.customer_id.zip(m.customer_name.clone()),
            subject: if m.subject.is_empty() { m.body.chars().take(60).collect() } else { m.subject.clone() },
            state: match (m.channel, m.state) {
                (MessageChannel::Letter, MessageState::Sending) => t.letters_printed_state(),
                (MessageChannel::Letter, MessageState::Queued) => t.letters_waiting(),
                (MessageChannel::Letter, MessageState::Sent) => t.letters_posted_on(),
                (_, s) => s.label(lang),
            },
            state_code: m.state.code(),
            attempts: format!("{}/{}", m.attempts, m.max_attempts),
            when,
            error: m.last_error.as_deref().map(|e| error_words(e, t)),
        }
    }
}

/// A failure in the reader's words when it is Guanxi's own (no e-mail server, too late); the
/// server's own words as they were otherwise.
pub fn error_words(e: &str, t: T) -> String {
    match e {
        guanxi_outbox::NO_EMAIL_SERVER => t.outbox_no_email_server().to_string(),
        guanxi_outbox::NO_PUBLIC_ADDRESS => t.outbox_no_public_address().to_string(),
        guanxi_outbox::TOO_LATE => t.outbox_too_late().to_string(),
        guanxi_outbox::NO_SMS_GATEWAY => t.outbox_no_sms_gateway().to_string(),
        guanxi_outbox::NO_WECHAT_GATEWAY => t.outbox_no_wechat_gateway().to_string(),
        guanxi_store::HELD_QUIET => t.outbox_held_quiet().to_string(),
        guanxi_store::HELD_PAUSED => t.outbox_held_paused().to_string(),
        guanxi_store::HELD_WEEKLY_CAP => t.outbox_held_cap().to_string(),
        guanxi_store::HELD_BUSY => t.outbox_held_busy().to_string(),
        guanxi_store::LETTER_NOT_POSTED => t.letters_not_posted().to_string(),
        guanxi_store::BATCH_DISCARDED => t.letters_back_discarded().to_string(),
        "the customer opted out" => t.outbox_opted_out().to_string(),
        other => other.to_string(),
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    state: Option<String>,
    page: Option<i64>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct ListPage {
    c: Chrome,
    state: String,
    states: Vec<(&'static str, String)>,
    rows: Vec<MessageRow>,
    page: i64,
    pages: i64,
    no_email_server: bool,
    is_admin: bool,
}

const PER_PAGE: i64 = 50;

async fn list(State(state): State<AppState>, v: Viewer, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    let t = T(v.lang());
    let wanted = q.state.as_deref().map(str::trim).unwrap_or("");
    let filter_state = if wanted.is_empty() {
        None
    } else {
        Some(MessageState::parse(wanted).ok_or_else(|| {
            AppError::bad_request(
                format!("state 应为 {} 之一，而不是 “{wanted}”", MessageState::codes().join("、")),
                format!("state must be one of {}, not {wanted:?}", MessageState::codes().join(", ")),
            )
        })?)
    };
    let page = q.page.unwrap_or(1).max(1);
    let filter = OutboxFilter { state: filter_state, page, per_page: PER_PAGE, ..Default::default() };
    let (messages, total) = state.store().messages(&filter).await?;
    let counts = state.store().outbox_counts().await?;
    let all: i64 = counts.iter().map(|(_, n)| n).sum();
    let mut states = vec![("", format!("{} {all}", t.outbox_all()))];
    for s in MessageState::ALL {
        let n = counts.iter().find(|(c, _)| c == s).map_or(0, |(_, n)| *n);
        states.push((s.code(), format!("{} {n}", s.label(v.lang()))));
    }
    let here = format!("/outbox?state={}", filter_state.map_or("", |s| s.code()));
    let page = ListPage {
        c: Chrome::new(&v, Nav::Outbox, q.done.as_deref(), here),
        state: filter_state.map_or(String::new(), |s| s.code().to_string()),
        states,
        rows: messages.iter().map(|m| MessageRow::new(m, t)).collect(),
        page,
        pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1),
        no_email_server: state.store().email_settings().await?.is_none(),
        is_admin: v.may(Action::ManageSettings).is_ok(),
    };
    Ok(render(&page))
}

/// One attempt as the page shows it.
pub struct AttemptRow {
    pub attempt: i32,
    pub started: String,
    pub outcome: &'static str,
    pub detail: Option<String>,
}

#[derive(Template)]
#[template(path = "outbox_message.html")]
struct MessagePage {
    c: Chrome,
    row: MessageRow,
    message: OutboxMessage,
    cause: String,
    attempts: Vec<AttemptRow>,
    can_retry: bool,
    is_letter: bool,
    awaiting_approval: bool,
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    let t = T(v.lang());
    let m = state.store().message(id).await?;
    let attempts = state
        .store()
        .message_attempts(id)
        .await?
        .into_iter()
        .map(|a| AttemptRow {
            attempt: a.attempt,
            started: china_time(&a.started_at),
            outcome: match a.outcome.as_str() {
                "sent" => t.outcome_sent(),
                "retry" => t.outcome_retry(),
                "failed" => t.outcome_failed(),
                "lost" => t.outcome_lost(),
                _ => t.outcome_sending(),
            },
            detail: a.detail.as_deref().map(|d| error_words(d, t)),
        })
        .collect();
    let cause = match m.cause.as_str() {
        "test" => t.cause_test().to_string(),
        "cadence" => t.cause_cadence().to_string(),
        "manual" => t.cause_manual().to_string(),
        other => other.to_string(),
    };
    let page = MessagePage {
        c: Chrome::new(&v, Nav::Outbox, q.done.as_deref(), format!("/outbox/{id}")),
        row: MessageRow::new(&m, t),
        // A letter waiting is printed, not sent now: its page points to the letters to print.
        can_retry: matches!(m.state, MessageState::Failed | MessageState::Queued)
            && !(m.channel == MessageChannel::Letter && m.state == MessageState::Queued),
        is_letter: m.channel == MessageChannel::Letter,
        awaiting_approval: m.state == MessageState::Approval,
        message: m,
        cause,
        attempts,
    };
    Ok(render(&page))
}

async fn retry(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    state.store().retry_message(v.actor(), id).await?;
    state.wake_outbox();
    Ok(Redirect::to(&format!("/outbox/{id}?done={}", Done::MessageRetried.code())).into_response())
}

async fn cancel(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    state.store().cancel_message(v.actor(), id).await?;
    Ok(Redirect::to(&format!("/outbox/{id}?done={}", Done::MessageCancelled.code())).into_response())
}

#[derive(Template)]
#[template(path = "settings_email.html")]
struct SettingsPage {
    c: Chrome,
    inputs: Vec<form::Input>,
    configured: bool,
    test_to: String,
    test_error: Option<String>,
}

async fn settings_form(
    state: &AppState,
    v: &Viewer,
    raw: &Raw,
    errors: Option<&Validation>,
    done: Option<&str>,
    test_error: Option<String>,
) -> Result<Response, AppError> {
    let t = T(v.lang());
    let saved = state.store().email_settings().await?;
    let mut inputs = form::inputs(EMAIL_FIELDS, raw, errors, t);
    for i in inputs.iter_mut() {
        if i.name == Field::SmtpPassword.code() {
            i.kind = InputKind::Password;
            i.value.clear();
            if saved.as_ref().is_some_and(|s| s.password.is_some()) {
                i.hint = Some(t.email_password_kept());
            }
        }
        if i.name == Field::SmtpHost.code()
            || i.name == Field::FromAddress.code()
            || i.name == Field::SmtpSecurity.code()
        {
            i.required = true;
        }
    }
    let page = SettingsPage {
        c: Chrome::new(v, Nav::Outbox, done, "/settings/email".into()),
        inputs,
        configured: saved.is_some(),
        test_to: String::new(),
        test_error,
    };
    let failed = errors.is_some() || page.test_error.is_some();
    let mut r = render(&page);
    if failed {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn settings_page(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    v.may(Action::ManageSettings)?;
    let raw = match state.store().email_settings().await? {
        Some(s) => s.to_raw(),
        None => Raw::new().with(Field::SmtpSecurity, "starttls"),
    };
    settings_form(&state, &v, &raw, None, q.done.as_deref(), None).await
}

async fn save_settings(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::ManageSettings)?;
    let form = FormData::parse(&body)?;
    let raw = form.raw(EMAIL_FIELDS);
    let kept = state.store().email_settings().await?;
    match EmailSettings::parse(&raw, kept.as_ref()) {
        Ok(s) => {
            state.store().save_email_settings(v.actor(), &s).await?;
            Ok(Redirect::to(&format!("/settings/email?done={}", Done::EmailSettingsSaved.code())).into_response())
        }
        Err(e) => settings_form(&state, &v, &raw, Some(&e), None, None).await,
    }
}

/// Puts a test e-mail to the address given in the outbox, and goes to it there.
async fn send_test(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::ManageSettings)?;
    let t = T(v.lang());
    let form = FormData::parse(&body)?;
    let to = form.get("to").trim().to_string();
    let draft = MessageDraft {
        channel: MessageChannel::Email,
        purpose: MessagePurpose::Notice,
        customer_id: None,
        user_id: Some(v.user.id),
        recipient: to.clone(),
        recipient_name: String::new(),
        subject: t.email_test_subject().into(),
        body: t.email_test_body().into(),
        cause: "test".into(),
        cause_id: None,
        key: format!("test:{}:{}", v.user.id, chrono::Utc::now().timestamp_micros()),
        not_before: None,
        template_ref: None,
        params: Vec::new(),
    };
    match state.store().enqueue_message(v.actor(), &draft).await {
        Ok((id, _)) => {
            state.wake_outbox();
            Ok(Redirect::to(&format!("/outbox/{id}?done={}", Done::TestEmailQueued.code())).into_response())
        }
        Err(StoreError::Invalid(e)) => {
            let raw = state.store().email_settings().await?.map(|s| s.to_raw()).unwrap_or_default();
            let message = e.message(v.lang());
            settings_form(&state, &v, &raw, None, None, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

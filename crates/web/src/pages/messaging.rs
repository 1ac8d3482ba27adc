//! How messages leave, for admins (`/settings/messaging`): the sending rules every message
//! passes (quiet hours for SMS and WeChat, the weekly cap of marketing messages per customer),
//! each channel's state with a link to set it up, and each provider gateway's settings
//! (`/settings/messaging/sms`, `/settings/messaging/wechat`). Also the address a gateway posts
//! customers' SMS replies to (`/hooks/sms/reply`, signed with the gateway's secret): "回复TD"
//! withdraws consent, anything else lands on the customer's timeline.

use super::form::{self, InputKind};
use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::{Chrome, Done, FormData, Nav, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guanxi_domain::outbox::MessageChannel;
use guanxi_domain::outbox::gateway::{GATEWAY_FIELDS, GatewaySettings, RULES_FIELDS, SendingRules};
use guanxi_domain::{Field, Raw, Validation};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/messaging", get(page).post(save_rules))
        .route("/settings/messaging/{channel}", get(gateway_page).post(save_gateway))
        .route("/hooks/sms/reply", post(sms_reply))
}

/// Where a gateway posts customers' replies.
pub const REPLY_PATH: &str = "/hooks/sms/reply";

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

/// A channel as the overview shows it: its name, whether it can send, where to set it up.
struct ChannelRow {
    label: &'static str,
    ready: bool,
    href: String,
}

#[derive(Template)]
#[template(path = "settings_messaging.html")]
struct Page {
    c: Chrome,
    channels: Vec<ChannelRow>,
    inputs: Vec<form::Input>,
    reply_url: String,
}

async fn overview(
    state: &AppState,
    v: &Viewer,
    raw: &Raw,
    errors: Option<&Validation>,
    done: Option<&str>,
) -> Result<Response, AppError> {
    let t = T(v.lang());
    let store = state.store();
    let mut channels = vec![ChannelRow {
        label: MessageChannel::Email.label(t.lang()),
        ready: store.email_settings().await?.is_some(),
        href: "/settings/email".into(),
    }];
    for ch in [MessageChannel::Sms, MessageChannel::Wechat] {
        channels.push(ChannelRow {
            label: ch.label(t.lang()),
            ready: store.gateway_settings(ch).await?.is_some(),
            href: format!("/settings/messaging/{}", ch.code()),
        });
    }
    let mut inputs = form::inputs(RULES_FIELDS, raw, errors, t);
    for i in inputs.iter_mut() {
        match i.name {
            n if n == Field::QuietFrom.code() || n == Field::QuietUntil.code() => {
                i.kind = InputKind::Time;
                i.hint = Some(t.quiet_hours_hint());
            }
            n if n == Field::WeeklyCap.code() => i.hint = Some(t.weekly_cap_hint()),
            _ => {}
        }
    }
    let (base, _) = state.public_base().await?;
    let page = Page {
        c: Chrome::new(v, Nav::Outbox, done, "/settings/messaging".into()),
        channels,
        inputs,
        reply_url: format!("{base}{REPLY_PATH}"),
    };
    let mut r = render(&page);
    if errors.is_some() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn page(State(state): State<AppState>, v: Viewer, Query(q): Query<DoneQuery>) -> Result<Response, AppError> {
    v.may(Action::ManageSettings)?;
    let raw = state.store().sending_rules().await?.to_raw();
    overview(&state, &v, &raw, None, q.done.as_deref()).await
}

async fn save_rules(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::ManageSettings)?;
    let raw = FormData::parse(&body)?.raw(RULES_FIELDS);
    match SendingRules::parse(&raw) {
        Ok(rules) => {
            state.store().save_sending_rules(v.actor(), &rules).await?;
            Ok(Redirect::to(&format!("/settings/messaging?done={}", Done::Saved.code())).into_response())
        }
        Err(e) => overview(&state, &v, &raw, Some(&e), None).await,
    }
}

/// SMS or WeChat, from the path; anything else is not a page.
fn gateway_channel(code: &str) -> Result<MessageChannel, AppError> {
    match MessageChannel::from_code(code) {
        Some(c @ (MessageChannel::Sms | MessageChannel::Wechat)) => Ok(c),
        _ => Err(AppError::NotFound),
    }
}

#[derive(Template)]
#[template(path = "settings_gateway.html")]
struct GatewayPage {
    c: Chrome,
    channel: &'static str,
    channel_code: &'static str,
    inputs: Vec<form::Input>,
    reply_url: Option<String>,
}

async fn gateway_form(
    state: &AppState,
    v: &Viewer,
    channel: MessageChannel,
    raw: &Raw,
    errors: Option<&Validation>,
    done: Option<&str>,
) -> Result<Response, AppError> {
    let t = T(v.lang());
    let saved = state.store().gateway_settings(channel).await?;
    let mut inputs = form::inputs(GATEWAY_FIELDS, raw, errors, t);
    // A signature 短信签名 is an SMS thing.
    inputs.retain(|i| channel == MessageChannel::Sms || i.name != Field::SignName.code());
    for i in inputs.iter_mut() {
        if i.name == Field::GatewaySecret.code() {
            i.kind = InputKind::Password;
            i.value.clear();
            i.required = saved.is_none();
            i.hint = Some(if saved.is_some() { t.gateway_secret_kept() } else { t.gateway_secret_hint() });
        } else if i.name == Field::GatewayUrl.code() {
            i.required = true;
            i.hint =
                Some(if channel == MessageChannel::Sms { t.gateway_url_hint() } else { t.gateway_url_hint_wechat() });
        } else if i.name == Field::GatewayKey.code() {
            i.required = true;
        } else if i.name == Field::SignName.code() {
            i.hint = Some(t.sign_name_hint());
        }
    }
    let reply_url = match channel {
        MessageChannel::Sms => Some(format!("{}{REPLY_PATH}", state.public_base().await?.0)),
        _ => None,
    };
    let page = GatewayPage {
        c: Chrome::new(v, Nav::Outbox, done, format!("/settings/messaging/{}", channel.code())),
        channel: channel.label(t.lang()),
        channel_code: channel.code(),
        inputs,
        reply_url,
    };
    let mut r = render(&page);
    if errors.is_some() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn gateway_page(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    v.may(Action::ManageSettings)?;
    let channel = gateway_channel(&code)?;
    let raw = state.store().gateway_settings(channel).await?.map(|g| g.to_raw()).unwrap_or_default();
    gateway_form(&state, &v, channel, &raw, None, q.done.as_deref()).await
}

async fn save_gateway(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    v.may(Action::ManageSettings)?;
    let channel = gateway_channel(&code)?;
    let raw = FormData::parse(&body)?.raw(GATEWAY_FIELDS);
    let kept = state.store().gateway_settings(channel).await?;
    match GatewaySettings::parse(&raw, kept.as_ref()) {
        Ok(g) => {
            state.store().save_gateway_settings(v.actor(), channel, &g).await?;
            state.wake_outbox();
            let to = format!("/settings/messaging/{}?done={}", channel.code(), Done::Saved.code());
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => gateway_form(&state, &v, channel, &raw, Some(&e), None).await,
    }
}

/// What the gateway forwards: who replied and what they wrote.
#[derive(Deserialize)]
struct Reply {
    from: String,
    #[serde(default)]
    text: String,
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// A customer's SMS reply, posted by the SMS gateway and signed with its secret (as Guanxi signs
/// what it posts there). Answers in JSON: `{"code": "OK", "customers": n, "opted_out": bool}`, or a
/// code and a message saying what is wrong.
async fn sms_reply(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, AppError> {
    let Some(gateway) = state.store().gateway_settings(MessageChannel::Sms).await? else {
        return Ok(answer(
            StatusCode::NOT_FOUND,
            serde_json::json!({"code": "no_gateway", "message": "no SMS gateway is set up"}),
        ));
    };
    let Some(secret) = gateway.secret.as_deref().filter(|s| !s.is_empty()) else {
        return Ok(answer(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"code": "no_secret", "message": "the SMS gateway has no secret to check signatures with"}),
        ));
    };
    let text = String::from_utf8_lossy(&body);
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let checked = guanxi_outbox::gateway::verify(
        secret,
        h("x-guanxi-timestamp"),
        h("x-guanxi-nonce"),
        h("x-guanxi-signature"),
        &text,
        chrono::Utc::now().timestamp(),
    );
    if let Err(why) = checked {
        let message = match why {
            guanxi_outbox::gateway::Unsigned::Missing => {
                "the x-guanxi-timestamp, -nonce or -signature header is missing"
            }
            guanxi_outbox::gateway::Unsigned::Stale => "the timestamp is more than 5 minutes from now",
            guanxi_outbox::gateway::Unsigned::Wrong => "the signature does not match",
        };
        return Ok(answer(StatusCode::UNAUTHORIZED, serde_json::json!({"code": "bad_signature", "message": message})));
    }

    let reply: Reply = match serde_json::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            let message = format!("expected {{\"from\": \"13800138000\", \"text\": \"TD\"}}: {e}");
            return Ok(answer(StatusCode::BAD_REQUEST, serde_json::json!({"code": "bad_body", "message": message})));
        }
    };
    let from = match guanxi_domain::Phone::parse(&reply.from) {
        Ok(p) => p,
        Err(e) => {
            let message = format!("from: {}", e.message(guanxi_domain::Lang::En));
            return Ok(answer(StatusCode::BAD_REQUEST, serde_json::json!({"code": "bad_phone", "message": message})));
        }
    };
    let nonce = h("x-guanxi-nonce").unwrap_or("");
    let Some((customers, opted_out)) =
        state.store().record_sms_reply(Some(nonce), &from, &reply.text, chrono::Utc::now()).await?
    else {
        let message = "this request was already received (the same x-guanxi-nonce): a replay is refused";
        return Ok(answer(StatusCode::CONFLICT, serde_json::json!({"code": "replayed", "message": message})));
    };
    Ok(answer(StatusCode::OK, serde_json::json!({"code": "OK", "customers": customers, "opted_out": opted_out})))
}

//! Opting out 退订 (PIPL): the link in every marketing e-mail. Opening it shows what it does and
//! one button; pressing it — or a mail program's one-click unsubscribe (RFC 8058), which posts
//! without a page — withdraws the customer's consent on that channel at once, takes them out
//! of every cadence and cancels their marketing messages not sent yet. The link is signed, so
//! it is checked before the database is asked; no sign-in is needed.

use crate::AppState;
use crate::error::AppError;
use crate::html::render;
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use guanxi_domain::cadences::ConsentState;
use guanxi_domain::outbox::MessageChannel;
use guanxi_store::{Actor, StoreError};

pub fn router() -> Router<AppState> {
    Router::new().route("/optout/{token}", get(page).post(opt_out))
}

#[derive(Template)]
#[template(path = "optout.html")]
struct Page {
    t: T,
    token: String,
    text: String,
    done: bool,
    refused: bool,
}

async fn checked(state: &AppState, token: &str) -> Result<Option<(i64, MessageChannel)>, AppError> {
    let secret = guanxi_outbox::links::secret(state.store()).await?;
    Ok(guanxi_outbox::links::verify_optout(&secret, token))
}

fn channel_words(channel: MessageChannel, t: T) -> &'static str {
    match channel {
        MessageChannel::Email => t.pick("邮件", "e-mails"),
        MessageChannel::Sms => t.pick("短信", "text messages"),
        MessageChannel::Wechat => t.pick("微信消息", "WeChat messages"),
        MessageChannel::Letter => t.pick("信函", "letters"),
    }
}

fn refused(t: T, token: &str) -> Response {
    let mut r = render(&Page { t, token: token.into(), text: t.optout_bad_link().into(), done: false, refused: true });
    *r.status_mut() = StatusCode::NOT_FOUND;
    r
}

async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let t = T(crate::auth::anonymous_lang(&headers));
    let Some((customer, channel)) = checked(&state, &token).await? else { return Ok(refused(t, &token)) };
    // Opened again after opting out: it says so rather than asking again.
    let consents = state.store().consents(customer).await.unwrap_or_default();
    if consents.iter().any(|c| c.channel == channel && c.state == ConsentState::Withdrawn) {
        let text = t.optout_already().replace("{channel}", channel_words(channel, t));
        return Ok(render(&Page { t, token, text, done: true, refused: false }));
    }
    let text = t.optout_confirm().replace("{channel}", channel_words(channel, t));
    Ok(render(&Page { t, token, text, done: false, refused: false }))
}

async fn opt_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let t = T(crate::auth::anonymous_lang(&headers));
    let Some((customer, channel)) = checked(&state, &token).await? else { return Ok(refused(t, &token)) };
    match state
        .store()
        .record_consent(Actor::SYSTEM, customer, channel, ConsentState::Withdrawn, "退订链接 / opt-out link")
        .await
    {
        // A customer deleted since still sees that they are unsubscribed: nothing will be sent.
        Ok(()) | Err(StoreError::Conflict { .. }) | Err(StoreError::NotFound { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    let text = t.optout_done().replace("{channel}", channel_words(channel, t));
    Ok(render(&Page { t, token, text, done: true, refused: false }))
}

//! Notifications 通知 on the web: the bell in every page's header counts the unread ones;
//! `/notifications` lists them (newest first, unread marked), opening one marks it read and goes
//! to where it is dealt with, and "mark all read" clears the bell. The same page holds the
//! user's choices: which kinds also come by e-mail, and the e-mail address and phone they go to.

use crate::AppState;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::html::{Chrome, Done, FormData, Nav, china_time, local_path, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guanxi_domain::notifications::{NotificationKind, parse_contact};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/{id}", get(open))
        .route("/notifications/read", post(read_all))
        .route("/notifications/settings", post(save_settings))
}

const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
struct ListQuery {
    page: Option<i64>,
    done: Option<String>,
}

struct Row {
    id: i64,
    kind: &'static str,
    title: String,
    when: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct Page {
    c: Chrome,
    rows: Vec<Row>,
    unread: i64,
    page: i64,
    pages: i64,
    /// (code, label, by e-mail)
    kinds: Vec<(&'static str, &'static str, bool)>,
    email: String,
    phone: String,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    v: &Viewer,
    page: i64,
    done: Option<&str>,
    typed: Option<(String, String, Vec<NotificationKind>)>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let t = T(v.lang());
    let store = state.store();
    let (items, total, unread) = store.notifications(v.user.id, page, PER_PAGE).await?;
    let rows = items
        .iter()
        .map(|n| Row {
            id: n.id,
            kind: n.kind.label(t.lang()),
            title: n.title.clone(),
            when: china_time(&n.created_at),
            unread: n.read_at.is_none(),
        })
        .collect();
    let (email, phone, kinds) = match typed {
        Some((email, phone, chosen)) => {
            let kinds =
                NotificationKind::ALL.iter().map(|k| (k.code(), k.label(t.lang()), chosen.contains(k))).collect();
            (email, phone, kinds)
        }
        None => {
            let (email, phone) = store.user_contact(v.user.id).await?;
            let prefs = store.notification_prefs(v.user.id).await?;
            let kinds = prefs.iter().map(|(k, by)| (k.code(), k.label(t.lang()), *by)).collect();
            (email.unwrap_or_default(), phone.unwrap_or_default(), kinds)
        }
    };
    let mut c = Chrome::new(v, Nav::Notifications, done, "/notifications".into());
    c.unread = unread;
    let failed = error.is_some();
    let page =
        Page { c, rows, unread, page, pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1), kinds, email, phone, error };
    let mut r = render(&page);
    if failed {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn list(State(state): State<AppState>, v: Viewer, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    page(&state, &v, q.page.unwrap_or(1).max(1), q.done.as_deref(), None, None).await
}

/// Marks it read and goes where it is dealt with (this list when it leads nowhere).
async fn open(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    let n = state.store().read_notification(v.user.id, id).await?;
    let to = n.link.as_deref().and_then(local_path).unwrap_or_else(|| "/notifications".into());
    Ok(Redirect::to(&to).into_response())
}

async fn read_all(State(state): State<AppState>, v: Viewer) -> Result<Response, AppError> {
    state.store().read_all_notifications(v.user.id).await?;
    Ok(Redirect::to(&format!("/notifications?done={}", Done::Saved.code())).into_response())
}

async fn save_settings(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    let form = FormData::parse(&body)?;
    let chosen: Vec<NotificationKind> =
        form.0.iter().filter(|(k, _)| k == "by_email").filter_map(|(_, c)| NotificationKind::from_code(c)).collect();
    let (email, phone) = (form.get("email").trim().to_string(), form.get("phone").trim().to_string());
    match parse_contact(&email, &phone) {
        Ok((e, p)) => {
            state.store().save_notification_prefs(v.user.id, &chosen, e.as_deref(), p.as_deref()).await?;
            Ok(Redirect::to(&format!("/notifications?done={}", Done::Saved.code())).into_response())
        }
        Err(errors) => {
            let message = errors.message(v.lang());
            page(&state, &v, 1, None, Some((email, phone, chosen)), Some(message)).await
        }
    }
}

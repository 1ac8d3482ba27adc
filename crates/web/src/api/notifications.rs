//! Notifications over the API: one's own, newest first, and marking them read.

pub mod types;

use super::{json, schema};
use crate::AppState;
use crate::auth::Viewer;
use crate::error::AppError;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(read_one)).routes(routes!(read_all))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Page, from 1
    page: Option<i64>,
    /// Notifications a page, at most 200 (default 50)
    per_page: Option<i64>,
}

/// My notifications, newest first, with how many there are (`total`) and how many are unread
#[utoipa::path(get, path = "/notifications", tag = "notifications", params(ListQuery),
    responses((status = 200, body = types::NotificationPage)))]
async fn list(State(state): State<AppState>, v: Viewer, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    let page = q.page.unwrap_or(1).max(1);
    let per_page = q.per_page.unwrap_or(50).clamp(1, 200);
    let (items, total, unread) = state.store().notifications(v.user.id, page, per_page).await?;
    Ok(json(
        StatusCode::OK,
        json!({"items": items, "total": total, "unread": unread, "page": page, "per_page": per_page}),
    ))
}

/// Mark one of my notifications read
#[utoipa::path(post, path = "/notifications/{id}/read", tag = "notifications",
    params(("id" = i64, Path, description = "Notification id")),
    responses((status = 200, body = types::Notification), (status = 404, body = schema::Problem)))]
async fn read_one(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    Ok(json(StatusCode::OK, json!(state.store().read_notification(v.user.id, id).await?)))
}

/// Mark all my notifications read; says how many were unread
#[utoipa::path(post, path = "/notifications/read", tag = "notifications",
    responses((status = 200, body = types::ReadAll)))]
async fn read_all(State(state): State<AppState>, v: Viewer) -> Result<Response, AppError> {
    let n = state.store().read_all_notifications(v.user.id).await?;
    Ok(json(StatusCode::OK, json!({"read": n})))
}

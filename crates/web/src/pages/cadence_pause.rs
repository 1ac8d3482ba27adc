//! Pausing a cadence and resuming it (managers): while paused its steps do not run, My day does
//! not list them and nobody can be put in; on resuming, a message whose day passed more than two
//! days before is skipped as late rather than sent out of season.

use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::Done;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;

pub fn router() -> Router<AppState> {
    Router::new().route("/cadences/{id}/pause", post(pause)).route("/cadences/{id}/resume", post(resume))
}

async fn set(state: &AppState, v: &Viewer, id: i64, paused: bool) -> Result<Response, AppError> {
    v.may(Action::ManageCadences)?;
    state.store().pause_cadence(v.actor(), id, paused).await?;
    Ok(Redirect::to(&format!("/cadences/{id}?done={}", Done::Saved.code())).into_response())
}

async fn pause(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    set(&state, &v, id, true).await
}

async fn resume(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    set(&state, &v, id, false).await
}

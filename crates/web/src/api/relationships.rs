//! Relationships with customers: the stage and its history.

use super::{json, object, raw_fields, schema};
use crate::AppState;
use crate::auth::{Viewer, editable_customer};
use crate::error::AppError;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use guanxi_domain::Field;
use guanxi_domain::relationship::StageMove;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_relationship, move_relationship))
}

async fn relationship_json(state: &AppState, v: &Viewer, id: i64) -> Result<Value, AppError> {
    let (stage, history) = state.store().relationship(id).await?;
    let missing: Vec<&str> = stage.missing().iter().map(|m| m.message(v.lang())).collect();
    let history: Vec<Value> = history
        .iter()
        .map(|h| json!({"from": h.from.code(), "to": h.to.code(), "why": h.why, "changed_by": h.changed_by, "changed_at": h.changed_at}))
        .collect();
    Ok(json!({"relationship_stage": stage.code(), "next": stage.next().iter().map(|s| s.code()).collect::<Vec<_>>(),
              "missing": missing, "history": history}))
}

/// A customer's relationship stage (outsider, friend, supplier, partner), what is missing for
/// the next one, and every change
#[utoipa::path(get, path = "/customers/{id}/relationship", tag = "relationships", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 200, body = schema::Relationship), (status = 404, body = schema::Problem)))]
async fn get_relationship(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    state.store().customer(id).await?;
    Ok(json(StatusCode::OK, relationship_json(&state, &v, id).await?))
}

/// Move the relationship to another stage
///
/// Body: `{"relationship_stage": "friend", "why": "…"}`; `why` is required. An outsider becomes a
/// partner through friend or supplier; moving back is allowed.
#[utoipa::path(post, path = "/customers/{id}/relationship", tag = "relationships", params(("id" = i64, Path, description = "Guanxi ID")),
    request_body = schema::RelationshipInput,
    responses((status = 200, body = schema::Relationship), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn move_relationship(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let raw = raw_fields(&object(&body)?, &[Field::RelationshipStage, Field::Why], &[])?;
    let (from, _) = state.store().relationship(id).await?;
    let m = StageMove::parse(&raw, from)?;
    state.store().set_relationship(v.actor(), id, &m).await?;
    Ok(json(StatusCode::OK, relationship_json(&state, &v, id).await?))
}

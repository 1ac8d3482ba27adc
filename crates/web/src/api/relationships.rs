//! Relationships with customers: the stage and its history.

pub mod types;

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
    OpenApiRouter::new().routes(routes!(get_relationship, move_relationship)).routes(routes!(confirm_level))
}

async fn relationship_json(state: &AppState, v: &Viewer, id: i64) -> Result<Value, AppError> {
    let (stage, history) = state.store().relationship(id).await?;
    let missing: Vec<&str> = stage.missing().iter().map(|m| m.message(v.lang())).collect();
    let history: Vec<Value> = history
        .iter()
        .map(|h| json!({"from": h.from.code(), "to": h.to.code(), "why": h.why, "changed_by": h.changed_by, "changed_at": h.changed_at}))
        .collect();
    let evidence =
        crate::pages::archive::live_standing(state, id).await?.map(|s| s.inputs.contacts).unwrap_or_default();
    let (confirmed, levels) = state.store().relationship_level(id).await?;
    let levels: Vec<Value> = levels
        .iter()
        .map(|h| json!({"from": h.from.map(|l| l.code()), "to": h.to.code(), "why": h.why, "changed_by": h.changed_by, "changed_at": h.changed_at}))
        .collect();
    Ok(json!({"relationship_stage": stage.code(), "next": stage.next().iter().map(|s| s.code()).collect::<Vec<_>>(),
              "missing": missing, "history": history,
              "level": {"proposed": evidence.proposed().code(), "reason": evidence.reason(v.lang()),
                        "confirmed": confirmed.map(|l| l.code()), "history": levels}}))
}

/// A customer's relationship stage (outsider, friend, supplier, partner), what is missing for
/// the next one, and every change
#[utoipa::path(get, path = "/customers/{id}/relationship", tag = "relationships", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 200, body = types::Relationship), (status = 404, body = schema::Problem)))]
async fn get_relationship(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    state.store().customer(id).await?;
    Ok(json(StatusCode::OK, relationship_json(&state, &v, id).await?))
}

/// Move the relationship to another stage
///
/// Body: `{"relationship_stage": "friend", "why": "…"}`; `why` is required. An outsider becomes a
/// partner through friend or supplier; moving back is allowed.
#[utoipa::path(post, path = "/customers/{id}/relationship", tag = "relationships", params(("id" = i64, Path, description = "Guanxi ID")),
    request_body = types::RelationshipInput,
    responses((status = 200, body = types::Relationship), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
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

/// Confirm the relationship level
///
/// Body: `{"relationship_level": "intimate", "why": "…"}`. Guanxi proposes brand, distant or
/// face to face from the last year's contacts; intimate only a person can say.
#[utoipa::path(post, path = "/customers/{id}/relationship/level", tag = "relationships", params(("id" = i64, Path, description = "Guanxi ID")),
    request_body = types::LevelInput,
    responses((status = 200, body = types::Relationship), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn confirm_level(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let raw = raw_fields(&object(&body)?, &[Field::RelationshipLevel, Field::Why], &[])?;
    let text = raw.get(Field::RelationshipLevel);
    let level = guanxi_domain::relationship::RelationshipLevel::parse(text).ok_or_else(|| {
        let allowed = guanxi_domain::relationship::RelationshipLevel::codes().iter().map(|c| c.to_string()).collect();
        let problem = if text.trim().is_empty() {
            guanxi_domain::Problem::Required
        } else {
            guanxi_domain::Problem::UnknownChoice { allowed }
        };
        guanxi_domain::Validation::one(Field::RelationshipLevel, text, problem)
    })?;
    state.store().confirm_level(v.actor(), id, level, raw.get(Field::Why).trim()).await?;
    Ok(json(StatusCode::OK, relationship_json(&state, &v, id).await?))
}

//! What is done on an opportunity's page: editing it, moving its stage, closing it, ticking
//! actions, objections, the decision chain, contacts, tasks and files.

use super::deal::{DealForms, deal_page, detail};
use super::form::{self};
use super::sales::{LOST_FIELDS, OBJECTION_FIELDS, OPPORTUNITY_FIELDS, QUALIFY_FIELDS, WON_FIELDS};
use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::{Done, FormData};
use crate::i18n::T;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guanxi_domain::sales::*;
use guanxi_domain::*;
use guanxi_store::{OpportunityRecord, StoreError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/opportunities/{id}", get(detail).post(update))
        .route("/opportunities/{id}/move", post(move_stage))
        .route("/opportunities/{id}/close", post(close))
        .route("/opportunities/{id}/tick", post(tick))
        .route("/opportunities/{id}/objections", post(add_objection))
        .route("/opportunities/{id}/objections/{objection}", post(update_objection))
        .route("/opportunities/{id}/chain", post(set_chain))
        .route("/opportunities/{id}/chain/{person}/remove", post(remove_chain))
        .route("/opportunities/{id}/interactions", post(log_contact))
        .route("/opportunities/{id}/tasks/{task}", post(task_done))
        .route("/opportunities/{id}/attachments", post(upload))
        .route("/opportunities/{id}/attachments/{file}", get(download))
        .route("/opportunities/{id}/attachments/{file}/delete", post(delete_file))
}

/// The deal, after checking the viewer may work it.
async fn workable(state: &AppState, v: &Viewer, id: i64) -> Result<OpportunityRecord, AppError> {
    let o = state.store().opportunity(id).await?;
    v.may(Action::WorkOpportunity { owner: o.owner_id })?;
    Ok(o)
}

fn back(id: i64, done: Done, form: &FormData) -> Response {
    // The board posts its moves with `back` so that it stays on the board.
    let to = match form.get("back") {
        b if b.starts_with("/opportunities") && !b.starts_with("//") => {
            let sep = if b.contains('?') { "&" } else { "?" };
            format!("{b}{sep}done={}", done.code())
        }
        _ => format!("/opportunities/{id}?done={}", done.code()),
    };
    Redirect::to(&to).into_response()
}

async fn update(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let o = workable(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    let fields: Vec<Field> = OPPORTUNITY_FIELDS.iter().chain(QUALIFY_FIELDS).copied().collect();
    let raw = form.raw(&fields);
    if raw.has(Field::Owner) && raw.get(Field::Owner).trim() != o.owner_name {
        // Handing a deal to someone else is a manager's decision.
        v.may(Action::BulkEdit)?;
    }
    let version = form.get("version").parse().ok();
    match state.store().update_opportunity(v.actor(), id, &raw, version).await {
        Ok(_) => Ok(back(id, Done::Saved, &form)),
        Err(StoreError::Invalid(e)) => {
            deal_page(&state, &v, id, None, DealForms { edit: Some((raw, e)), ..Default::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A reason given by someone who may override; a reason from anyone else is refused.
fn override_reason<'a>(v: &Viewer, form: &'a FormData) -> Result<Option<&'a str>, AppError> {
    let reason = form.get("override_reason").trim();
    if reason.is_empty() {
        return Ok(None);
    }
    v.may(Action::OverrideStage)?;
    Ok(Some(reason))
}

async fn move_stage(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    let to = form.get("stage");
    let Some(stage) = Stage::parse(to) else {
        let e = Validation::one(
            Field::Stage,
            to,
            Problem::UnknownChoice { allowed: Stage::codes().iter().map(|c| c.to_string()).collect() },
        );
        let moving = Some(e.message(v.lang()));
        return deal_page(&state, &v, id, None, DealForms { moving, ..Default::default() }).await;
    };
    let o = state.store().opportunity(id).await?;
    // "Move" to where it is already: say so, change nothing.
    if stage == o.stage {
        return Ok(back(id, Done::Unchanged, &form));
    }
    // Moving back lowers the win probability and undoes progress: its own, confirmed action
    // (a form's first option once moved a deal at objection handling back to the start).
    let backwards = stage.index() < o.stage.index();
    if backwards && form.get("confirm_back") != "yes" {
        let moving = Some(T(v.lang()).confirm_back_needed().to_string());
        let forms = DealForms { moving, back_to: Some(stage), ..Default::default() };
        let mut r = deal_page(&state, &v, id, None, forms).await?;
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    let reason = override_reason(&v, &form)?;
    match state.store().move_opportunity(v.actor(), id, stage, reason).await {
        Ok(_) => Ok(back(id, if backwards { Done::MovedBack } else { Done::Moved }, &form)),
        Err(StoreError::Invalid(e)) => {
            let moving = Some(e.message(v.lang()));
            deal_page(&state, &v, id, None, DealForms { moving, ..Default::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn close(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let o = workable(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    let won = form.get("outcome") == "won";
    let (status, fields) = if won { (DealStatus::Won, WON_FIELDS) } else { (DealStatus::Lost, LOST_FIELDS) };
    let raw = form.raw(fields);
    let reason = override_reason(&v, &form)?;
    let result = match Outcome::parse(status, &raw, o.draft.amount_fen, guanxi_store::today_in_china()) {
        // The win form's box "its orders are recorded already" is unticked unless ticked.
        Ok(outcome) => {
            let record_order = form.get("orders_recorded") != "yes";
            state.store().close_opportunity(v.actor(), id, &outcome, reason, record_order).await.map(|_| ())
        }
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(back(id, Done::Closed, &form)),
        Err(StoreError::Invalid(e)) => {
            let forms = if e.0.iter().any(|x| x.field == Field::Stage) {
                DealForms { moving: Some(e.message(v.lang())), ..Default::default() }
            } else if won {
                DealForms { won: Some((raw, e)), ..Default::default() }
            } else {
                DealForms { lost: Some((raw, e)), ..Default::default() }
            };
            deal_page(&state, &v, id, None, forms).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn tick(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    let stage = Stage::parse(form.get("stage")).ok_or_else(|| {
        AppError::bad_request(format!("阶段“{}”不存在", form.get("stage")), format!("no stage {:?}", form.get("stage")))
    })?;
    let done = form.get("done") == "yes";
    state.store().tick_action(v.actor(), id, stage, form.get("action"), done).await?;
    Ok(back(id, Done::Saved, &form))
}

async fn add_objection(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    let raw = form.raw(OBJECTION_FIELDS);
    let result = match ObjectionDraft::parse(&raw) {
        Ok(d) => state.store().add_objection(v.actor(), id, &d).await.map(|_| ()),
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(back(id, Done::Logged, &form)),
        Err(StoreError::Invalid(e)) => {
            deal_page(&state, &v, id, None, DealForms { objection: Some((raw, e)), ..Default::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn update_objection(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, objection)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    let raw = form.raw(OBJECTION_FIELDS);
    if !state.store().objections(id).await?.iter().any(|b| b.id == objection) {
        return Err(AppError::NotFound);
    }
    let result = match ObjectionDraft::parse(&raw) {
        Ok(d) => state.store().update_objection(v.actor(), objection, &d).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(back(id, Done::Saved, &form)),
        Err(StoreError::Invalid(e)) => {
            deal_page(&state, &v, id, None, DealForms { objection: Some((raw, e)), ..Default::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn set_chain(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    let person = match parse_id(Field::KeyPerson, form.get("key_person")) {
        Ok(Some(p)) => p,
        Ok(None) => {
            let e = Validation::one(Field::KeyPerson, "", Problem::Required);
            return deal_page(
                &state,
                &v,
                id,
                None,
                DealForms { chain: Some(e.message(v.lang())), ..Default::default() },
            )
            .await;
        }
        Err(e) => {
            let e = Validation(vec![e]);
            return deal_page(
                &state,
                &v,
                id,
                None,
                DealForms { chain: Some(e.message(v.lang())), ..Default::default() },
            )
            .await;
        }
    };
    let engaged = form.get("engaged") == "yes";
    let plan = Some(form.get("plan")).filter(|p| !p.trim().is_empty());
    match state.store().set_chain_member(v.actor(), id, person, engaged, plan).await {
        Ok(()) => Ok(back(id, Done::Saved, &form)),
        Err(StoreError::Invalid(e)) => {
            deal_page(&state, &v, id, None, DealForms { chain: Some(e.message(v.lang())), ..Default::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn remove_chain(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, person)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    state.store().remove_chain_member(v.actor(), id, person).await?;
    Ok(back(id, Done::Removed, &form))
}

async fn log_contact(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let o = workable(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    let mut raw = form.raw(form::INTERACTION_FIELDS);
    raw.set(Field::Opportunity, id.to_string());
    let result = match InteractionDraft::parse(&raw, chrono::Utc::now(), 8) {
        Ok(d) => state.store().add_interaction(v.actor(), o.customer_id, &d).await.map(|_| ()),
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(back(id, Done::Logged, &form)),
        Err(StoreError::Invalid(e)) => {
            deal_page(&state, &v, id, None, DealForms { contact: Some((raw, e)), ..Default::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn task_done(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, task)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    if !state.store().opportunity_tasks(id).await?.iter().any(|k| k.id == task) {
        return Err(AppError::NotFound);
    }
    state.store().complete_task(v.actor(), task, form.get("done") == "yes").await?;
    Ok(back(id, Done::Saved, &form))
}

async fn upload(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    let failed = crate::error::upload_failed;
    let mut file: Option<(String, String, Bytes)> = None;
    while let Some(field) = multipart.next_field().await.map_err(failed)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("").to_string();
            let content_type = field.content_type().unwrap_or("").to_string();
            file = Some((name, content_type, field.bytes().await.map_err(failed)?));
        }
    }
    let (name, content_type, bytes) = file.unwrap_or_default();
    match state.store().add_attachment(v.actor(), id, &name, &content_type, &bytes).await {
        Ok(_) => Ok(Redirect::to(&format!("/opportunities/{id}?done=added#files")).into_response()),
        Err(StoreError::Invalid(e)) => {
            let attachment = Some(e.message(v.lang()));
            deal_page(&state, &v, id, None, DealForms { attachment, ..Default::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A file as a download (never shown inline: an uploaded page must not run as ours).
pub fn file_response(name: &str, content: Vec<u8>) -> Response {
    crate::html::download(name, "application/octet-stream", content.into())
}

async fn download(
    State(state): State<AppState>,
    _v: Viewer,
    Path((id, file)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (info, content) = state.store().attachment(id, file).await?;
    Ok(file_response(&info.name, content))
}

async fn delete_file(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, file)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    state.store().delete_attachment(v.actor(), id, file).await?;
    Ok(back(id, Done::Removed, &form))
}

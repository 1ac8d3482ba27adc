//! Letters 信函 over the API (managers and admins): the letters waiting to be printed, a batch
//! made and printed as a PDF, confirmed as posted or thrown away.

pub mod types;

use super::{json, schema};
use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::download;
use crate::pages::letters::{all_in_batch, batch_pdf, part_of};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(waiting))
        .routes(routes!(batches, make_batch))
        .routes(routes!(get_batch))
        .routes(routes!(pdf))
        .routes(routes!(posted))
        .routes(routes!(discard))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
struct WaitingQuery {
    /// How many to list, at most 500 (default 100)
    limit: Option<i64>,
}

/// The letters waiting to be printed
///
/// Queued letters whose day has come and that no batch holds, oldest first, with how many there
/// are (`due`) and how many are queued for later days (`later`).
#[utoipa::path(get, path = "/letters", tag = "outbox", params(WaitingQuery),
    responses((status = 200, body = types::LettersWaiting), (status = 403, body = schema::Problem)))]
async fn waiting(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<WaitingQuery>,
) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    let limit = q.limit.unwrap_or(100).clamp(1, guanxi_store::MAX_BATCH_LETTERS);
    let (items, due, later) = state.store().letters_to_print(chrono::Utc::now(), limit).await?;
    Ok(json(StatusCode::OK, json!({"items": items, "due": due, "later": later})))
}

/// The latest batches of letters, newest first
#[utoipa::path(get, path = "/letters/batches", tag = "outbox",
    responses((status = 200, body = [types::LetterBatch]), (status = 403, body = schema::Problem)))]
async fn batches(State(state): State<AppState>, v: Viewer) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    Ok(json(StatusCode::OK, json!(state.store().letter_batches(50).await?)))
}

/// Print a batch of letters
///
/// Takes the letters waiting (oldest first, at most 500) into a new batch; its PDF is at
/// `/letters/batches/{id}/pdf`. A marketing letter more than two days past its day is not
/// printed (it fails as too late). 409 when no letter is waiting.
#[utoipa::path(post, path = "/letters/batches", tag = "outbox",
    responses((status = 201, body = types::LetterBatchWithLetters), (status = 409, body = schema::Problem)))]
async fn make_batch(State(state): State<AppState>, v: Viewer) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    let Some(id) = state.store().make_letter_batch(v.actor(), chrono::Utc::now()).await? else {
        return Err(AppError::Store(guanxi_store::StoreError::conflict(
            "现在没有待打印的信函",
            "No letter is waiting to be printed now",
        )));
    };
    let (batch, letters) = state.store().letter_batch(id).await?;
    Ok(json(StatusCode::CREATED, json!({"batch": batch, "letters": letters})))
}

/// A batch with its letters
#[utoipa::path(get, path = "/letters/batches/{id}", tag = "outbox", params(("id" = i64, Path, description = "Batch number")),
    responses((status = 200, body = types::LetterBatchWithLetters), (status = 404, body = schema::Problem)))]
async fn get_batch(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    let (batch, letters) = state.store().letter_batch(id).await?;
    Ok(json(StatusCode::OK, json!({"batch": batch, "letters": letters})))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
struct PdfQuery {
    /// all (letters, then labels; the default), letters or labels
    part: Option<String>,
}

/// A batch as a PDF to print
///
/// A4 letters (the address where a window envelope shows it) and sheets of 3 × 8 address labels
/// (70 × 37 mm), in a Chinese font found on the server; 503 with what to install when it has none.
#[utoipa::path(get, path = "/letters/batches/{id}/pdf", tag = "outbox",
    params(("id" = i64, Path, description = "Batch number"), PdfQuery),
    responses((status = 200, content_type = "application/pdf", description = "The PDF"),
        (status = 404, body = schema::Problem), (status = 503, body = schema::Problem)))]
async fn pdf(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<PdfQuery>,
) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    let (pdf, name) = batch_pdf(state.store(), id, part_of(q.part.as_deref())?, v.lang()).await?;
    Ok(download(&name, "application/pdf", pdf.into()))
}

/// Confirm a batch posted
///
/// Its letters are sent — each a contact on its customer's timeline — except those listed in
/// `not_posted`, which go back to the queue. Once per batch (409 after).
#[utoipa::path(post, path = "/letters/batches/{id}/posted", tag = "outbox", request_body = types::PostedLetters,
    params(("id" = i64, Path, description = "Batch number")),
    responses((status = 200, body = types::LetterBatch), (status = 409, body = schema::Problem), (status = 422, body = schema::Problem)))]
async fn posted(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    let obj = if body.iter().all(u8::is_ascii_whitespace) { Default::default() } else { super::object(&body)? };
    if let Some(k) = obj.keys().find(|k| *k != "not_posted") {
        return Err(AppError::UnknownField(k.clone()));
    }
    let listed: Vec<i64> = match obj.get("not_posted") {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::Array(a)) if a.len() <= guanxi_store::MAX_BATCH_LETTERS as usize => {
            a.iter().map(|x| x.as_i64()).collect::<Option<Vec<i64>>>().ok_or_else(|| {
                AppError::bad_request("not_posted 应为信函编号的列表", "not_posted must be a list of letter ids")
            })?
        }
        Some(_) => {
            return Err(AppError::bad_request(
                format!("not_posted 应为至多 {} 个信函编号的列表", guanxi_store::MAX_BATCH_LETTERS),
                format!("not_posted must be a list of at most {} letter ids", guanxi_store::MAX_BATCH_LETTERS),
            ));
        }
    };
    let (_, letters) = state.store().letter_batch(id).await?;
    all_in_batch(id, &letters, &listed)?;
    Ok(json(StatusCode::OK, json!(state.store().post_letter_batch(v.actor(), id, &listed, chrono::Utc::now()).await?)))
}

/// Throw a batch away
///
/// Before it is posted: every letter in it goes back to the queue, to be printed in a new batch.
#[utoipa::path(post, path = "/letters/batches/{id}/discard", tag = "outbox", params(("id" = i64, Path, description = "Batch number")),
    responses((status = 200, description = "How many letters went back to the queue"), (status = 409, body = schema::Problem)))]
async fn discard(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    let n = state.store().discard_letter_batch(v.actor(), id, chrono::Utc::now()).await?;
    Ok(json(StatusCode::OK, json!({"returned": n})))
}

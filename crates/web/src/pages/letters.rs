//! Letters 信函 on the web (`/outbox/letters`): the letters waiting to be printed, a batch
//! printed as one PDF (letters, then address labels — or either alone), and the batch confirmed
//! as posted (each letter then a contact on its customer's timeline; one not posted goes back to
//! the queue) or thrown away (all back to the queue).

use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::{Chrome, Done, FormData, Nav, china_time, download, render, thousands};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guanxi_domain::Lang;
use guanxi_outbox::letters::Part;
use guanxi_store::{LetterBatch, MAX_BATCH_LETTERS, OutboxMessage, Store};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/outbox/letters", get(waiting))
        .route("/outbox/letters/print", post(make_batch))
        .route("/outbox/letters/batches/{id}", get(batch))
        .route("/outbox/letters/batches/{id}/pdf", get(pdf))
        .route("/outbox/letters/batches/{id}/posted", post(posted))
        .route("/outbox/letters/batches/{id}/discard", post(discard))
}

/// At most this many PDFs are made at once (each reads a font of 20–30 MB and sets up to 500
/// letters); more wait their turn.
static PRINTING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// The PDF of batch `id` (`part` of it) and its file name.
pub async fn batch_pdf(store: &Store, id: i64, part: Part, lang: Lang) -> Result<(Vec<u8>, String), AppError> {
    let (batch, messages) = store.letter_batch(id).await?;
    let name = match (lang, part) {
        (Lang::ZhCn, Part::Labels) => format!("信函-第{id}批-地址标签.pdf"),
        (Lang::ZhCn, Part::Letters) => format!("信函-第{id}批-正文.pdf"),
        (Lang::ZhCn, _) => format!("信函-第{id}批.pdf"),
        (Lang::En, Part::Labels) => format!("letters-batch-{id}-labels.pdf"),
        (Lang::En, Part::Letters) => format!("letters-batch-{id}-letters.pdf"),
        (Lang::En, _) => format!("letters-batch-{id}.pdf"),
    };
    let _turn = PRINTING.acquire().await.map_err(|e| AppError::Internal(e.to_string()))?;
    let pdf = tokio::task::spawn_blocking(move || guanxi_outbox::letters::print_batch(&batch, &messages, part, lang))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Rejected {
            status: axum::http::StatusCode::SERVICE_UNAVAILABLE,
            zh: e.message(Lang::ZhCn),
            en: e.message(Lang::En),
        })?;
    Ok((pdf, name))
}

/// A letter as a line of a list.
pub struct LetterRow {
    pub id: i64,
    pub to: String,
    pub address: String,
    pub customer: Option<(i64, String)>,
    pub subject: String,
    pub due: String,
    pub state: &'static str,
    pub posted: bool,
}

impl LetterRow {
    fn new(m: &OutboxMessage, lang: Lang) -> LetterRow {
        LetterRow {
            id: m.id,
            to: m.recipient_name.clone(),
            address: m.recipient.clone(),
            customer: m.customer_id.zip(m.customer_name.clone()),
            subject: m.subject.clone(),
            due: china_time(&m.next_attempt_at),
            state: m.state.label(lang),
            posted: m.state == guanxi_domain::outbox::MessageState::Sent,
        }
    }
}

/// A batch as a line of the list of batches.
pub struct BatchRow {
    pub id: i64,
    pub made: String,
    pub by: String,
    pub letters: i32,
    pub status: String,
    pub open: bool,
}

impl BatchRow {
    fn new(b: &LetterBatch, t: T) -> BatchRow {
        let status = match (&b.posted_at, &b.discarded_at) {
            (Some(at), _) => format!(
                "{} {} · {}",
                t.letters_posted_on(),
                china_time(at),
                t.count(t.letters_posted_n(), i64::from(b.posted_count.unwrap_or(0)))
            ),
            (None, Some(at)) => format!("{} {}", t.letters_discarded_on(), china_time(at)),
            (None, None) => t.letters_to_post().to_string(),
        };
        BatchRow {
            id: b.id,
            made: china_time(&b.created_at),
            by: b.created_by_name.clone(),
            letters: b.letters,
            status,
            open: b.posted_at.is_none() && b.discarded_at.is_none(),
        }
    }
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "letters.html")]
struct WaitingPage {
    c: Chrome,
    rows: Vec<LetterRow>,
    due: String,
    due_count: i64,
    later: i64,
    batch_size: i64,
    batches: Vec<BatchRow>,
    /// Why letters cannot be printed on this server (no Chinese font), said before printing.
    font_problem: Option<String>,
}

const SHOWN: i64 = 100;

async fn waiting(State(state): State<AppState>, v: Viewer, Query(q): Query<DoneQuery>) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    let t = T(v.lang());
    let (letters, due, later) = state.store().letters_to_print(chrono::Utc::now(), SHOWN).await?;
    let page = WaitingPage {
        c: Chrome::new(&v, Nav::Outbox, q.done.as_deref(), "/outbox/letters".into()),
        rows: letters.iter().map(|m| LetterRow::new(m, v.lang())).collect(),
        due: thousands(due),
        due_count: due,
        later,
        batch_size: due.min(MAX_BATCH_LETTERS),
        batches: state.store().letter_batches(20).await?.iter().map(|b| BatchRow::new(b, t)).collect(),
        font_problem: guanxi_outbox::font::FontFile::locate().err().map(|e| e.message(v.lang())),
    };
    Ok(render(&page))
}

async fn make_batch(State(state): State<AppState>, v: Viewer) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    match state.store().make_letter_batch(v.actor(), chrono::Utc::now()).await? {
        Some(id) => {
            Ok(Redirect::to(&format!("/outbox/letters/batches/{id}?done={}", Done::LettersPrinted.code()))
                .into_response())
        }
        None => Err(AppError::Store(guanxi_store::StoreError::conflict(
            "现在没有待打印的信函",
            "No letter is waiting to be printed now",
        ))),
    }
}

#[derive(Template)]
#[template(path = "letter_batch.html")]
struct BatchPage {
    c: Chrome,
    batch: BatchRow,
    rows: Vec<LetterRow>,
}

async fn batch(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    let t = T(v.lang());
    let (b, letters) = state.store().letter_batch(id).await?;
    let page = BatchPage {
        c: Chrome::new(&v, Nav::Outbox, q.done.as_deref(), format!("/outbox/letters/batches/{id}")),
        batch: BatchRow::new(&b, t),
        rows: letters.iter().map(|m| LetterRow::new(m, v.lang())).collect(),
    };
    Ok(render(&page))
}

#[derive(Deserialize, Default)]
struct PdfQuery {
    part: Option<String>,
}

/// Which part of a batch to print, from `?part=`.
pub fn part_of(s: Option<&str>) -> Result<Part, AppError> {
    let s = s.unwrap_or("").trim();
    Part::parse(s).ok_or_else(|| {
        AppError::bad_request(
            format!("part 应为 all、letters 或 labels，而不是 “{s}”"),
            format!("part must be all, letters or labels, not {s:?}"),
        )
    })
}

async fn pdf(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<PdfQuery>,
) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    let part = part_of(q.part.as_deref())?;
    let (pdf, name) = batch_pdf(state.store(), id, part, v.lang()).await?;
    Ok(download(&name, "application/pdf", pdf.into()))
}

/// Refuses a letter named that is not in batch `id` (a number mistyped, another batch's).
pub fn all_in_batch(id: i64, letters: &[OutboxMessage], named: &[i64]) -> Result<(), AppError> {
    match named.iter().find(|l| !letters.iter().any(|m| m.id == **l)) {
        Some(stranger) => Err(AppError::bad_request(
            format!("信函 {stranger} 不在第 {id} 批中"),
            format!("letter {stranger} is not in batch {id}"),
        )),
        None => Ok(()),
    }
}

/// The letters of a batch a person did not tick as posted.
pub fn not_posted(letters: &[OutboxMessage], posted: &[i64]) -> Vec<i64> {
    letters.iter().map(|m| m.id).filter(|id| !posted.contains(id)).collect()
}

async fn posted(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    let form = FormData::parse(&body)?;
    let mut ticked = Vec::new();
    for (k, val) in &form.0 {
        if k == "posted" {
            ticked.push(val.trim().parse::<i64>().map_err(|_| {
                AppError::bad_request(
                    format!("posted 应为信函编号，而不是 “{val}”"),
                    format!("posted must be a letter's number, not {val:?}"),
                )
            })?);
        }
    }
    let (_, letters) = state.store().letter_batch(id).await?;
    all_in_batch(id, &letters, &ticked)?;
    let back = not_posted(&letters, &ticked);
    state.store().post_letter_batch(v.actor(), id, &back, chrono::Utc::now()).await?;
    Ok(Redirect::to(&format!("/outbox/letters/batches/{id}?done={}", Done::LettersPosted.code())).into_response())
}

async fn discard(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    v.may(Action::SeeOutbox)?;
    state.store().discard_letter_batch(v.actor(), id, chrono::Utc::now()).await?;
    Ok(Redirect::to(&format!("/outbox/letters?done={}", Done::LetterBatchDiscarded.code())).into_response())
}

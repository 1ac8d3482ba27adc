//! Export, and duplicate review with merge and undo.

use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::{Chrome, Done, FormData, Nav, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guanxi_domain::Field;
use guanxi_store::{DuplicatePair, StoreError};
use guanxi_transfer::{CsvExport, XlsxExport};
use std::sync::{Arc, Mutex};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/export", get(export_page).post(export))
        .route("/duplicates", get(duplicates))
        .route("/duplicates/dismiss", post(dismiss))
        .route("/merge", get(merge_page).post(merge))
        .route("/merges/{id}/undo", post(unmerge))
}

// ----- export -----

#[derive(Template)]
#[template(path = "export.html")]
struct ExportPage {
    c: Chrome,
    count: i64,
    /// The list's query string the export was started from ("" for everyone).
    query: String,
    /// The list's filters as a person reads them.
    filters: String,
}

/// The export of the list it was started from (issue #22: from `/customers?q=zhao` it wrote all
/// 2,049 customers): every filter of the list, and how many that is.
async fn export_page(
    State(state): State<AppState>,
    v: Viewer,
    axum::extract::Query(q): axum::extract::Query<super::customers::ListQuery>,
) -> Result<Response, AppError> {
    v.may(Action::Export)?;
    let filter = q.filter()?;
    let count = state.store().count_filtered(&filter).await?;
    let query = q.encode();
    let filters = q.describe(T(v.lang()), &crate::html::Names::load(state.store()).await?);
    Ok(render(&ExportPage { c: Chrome::new(&v, Nav::Customers, None, "/export".into()), count, query, filters }))
}

/// A buffer the CSV writer fills and the response stream drains.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn take(&self) -> Vec<u8> {
        self.0.lock().map(|mut b| std::mem::take(&mut *b)).unwrap_or_default()
    }
}

const EXPORT_BATCH: i64 = 5_000;

async fn export(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::Export)?;
    let form = FormData::parse(&body)?;
    let lang = v.lang();
    let store = state.store().clone();
    let list: super::customers::ListQuery = serde_urlencoded::from_str(form.get("query")).map_err(|e| {
        AppError::bad_request(
            format!("导出的筛选条件无法识别：{e}"),
            format!("The export's filters cannot be read: {e}"),
        )
    })?;
    let filter = list.filter()?;
    let filter = guanxi_store::CustomerFilter { page: 1, per_page: EXPORT_BATCH, ..filter };
    let count = store.count_filtered(&filter).await?;
    let stamp = guanxi_domain::china::local(chrono::Utc::now()).format("%Y%m%d-%H%M");
    let (body, file, mime) = match form.get("format") {
        "xlsx" => {
            let mut x = XlsxExport::new(lang).map_err(|e| AppError::Internal(e.to_string()))?;
            let mut after = 0;
            loop {
                let batch = store.export_filtered(&filter, after, EXPORT_BATCH).await?;
                let Some(last) = batch.last() else { break };
                after = last.id;
                for r in &batch {
                    x.write(r.id, &r.draft).map_err(|e| AppError::bad_request(e.to_string(), e.to_string()))?;
                }
            }
            let bytes = x.finish().map_err(|e| AppError::Internal(e.to_string()))?;
            (
                Body::from(bytes),
                format!("guanxi-customers-{stamp}.xlsx"),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        }
        "csv" => {
            let buf = Shared::default();
            let writer = CsvExport::new(buf.clone(), lang).map_err(|e| AppError::Internal(e.to_string()))?;
            let stream = futures_util::stream::unfold(Some((writer, 0i64, buf)), move |st| {
                let store = store.clone();
                let filter = filter.clone();
                async move {
                    let (mut writer, after, buf) = st?;
                    let batch = match store.export_filtered(&filter, after, EXPORT_BATCH).await {
                        Ok(b) => b,
                        Err(e) => return Some((Err(std::io::Error::other(e.to_string())), None)),
                    };
                    let Some(last) = batch.last().map(|r| r.id) else {
                        let _ = writer.flush();
                        let rest = buf.take();
                        return if rest.is_empty() { None } else { Some((Ok(Bytes::from(rest)), None)) };
                    };
                    for r in &batch {
                        if let Err(e) = writer.write(r.id, &r.draft) {
                            return Some((Err(e), None));
                        }
                    }
                    let _ = writer.flush();
                    Some((Ok(Bytes::from(buf.take())), Some((writer, last, buf))))
                }
            });
            (Body::from_stream(stream), format!("guanxi-customers-{stamp}.csv"), "text/csv; charset=utf-8")
        }
        other => {
            return Err(AppError::bad_request(
                format!("导出格式「{other}」无效，应为 csv 或 xlsx"),
                format!("Invalid export format {other:?}; use csv or xlsx"),
            ));
        }
    };
    let note = if form.get("query").is_empty() { file.clone() } else { format!("{file} ({})", form.get("query")) };
    state.store().record_export(v.actor(), &note, count).await?;
    Ok(crate::html::download(&file, mime, body))
}

// ----- duplicates -----

#[derive(Template)]
#[template(path = "duplicates.html")]
struct DuplicatesPage {
    c: Chrome,
    pairs: Vec<DuplicatePair>,
}

impl DuplicatesPage {
    fn reasons(&self, p: &DuplicatePair) -> String {
        let lang = self.c.t.lang();
        p.reasons.iter().map(|r| r.label(lang)).collect::<Vec<_>>().join(lang.pick("；", "; "))
    }
}

async fn duplicates(
    State(state): State<AppState>,
    v: Viewer,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    let pairs = state.store().duplicate_candidates(200).await?;
    Ok(render(&DuplicatesPage { c: Chrome::new(&v, Nav::Duplicates, q.done.as_deref(), "/duplicates".into()), pairs }))
}

#[derive(serde::Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

fn ids(form: &FormData, a: &str, b: &str) -> Result<(i64, i64), AppError> {
    let parse = |name: &str| {
        form.get(name)
            .trim()
            .parse::<i64>()
            .map_err(|_| AppError::bad_request(format!("{name} 应为客户编号"), format!("{name} must be a customer id")))
    };
    Ok((parse(a)?, parse(b)?))
}

async fn dismiss(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    let (a, b) = ids(&FormData::parse(&body)?, "a", "b")?;
    state.store().dismiss_duplicate(v.actor(), a, b).await?;
    Ok(Redirect::to(&format!("/duplicates?done={}", Done::Saved.code())).into_response())
}

/// One field of a side-by-side merge.
pub struct MergeRow {
    pub code: &'static str,
    pub label: &'static str,
    pub keep: String,
    pub drop: String,
    /// Both have a value and they differ: a person chooses (the kept one's by default).
    pub choose: bool,
    /// Taken from the merged-away customer (the kept one has none), or chosen so.
    pub from_drop: bool,
}

#[derive(Template)]
#[template(path = "merge.html")]
struct MergePage {
    c: Chrome,
    keep_id: i64,
    drop_id: i64,
    keep_name: String,
    drop_name: String,
    kinds_differ: Option<(&'static str, &'static str)>,
    rows: Vec<MergeRow>,
    error: Option<String>,
}

#[derive(serde::Deserialize)]
struct MergeQuery {
    keep: i64,
    drop: i64,
}

/// Merging side by side (issue #22: merging was one click with no choice): every field of both
/// customers, a choice where both have a different value, the kinds named when they differ, and
/// a confirmation.
async fn merge_page(
    State(state): State<AppState>,
    v: Viewer,
    axum::extract::Query(q): axum::extract::Query<MergeQuery>,
) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    merge_view(&state, &v, q.keep, q.drop, &[], None).await
}

async fn merge_view(
    state: &AppState,
    v: &Viewer,
    keep: i64,
    drop: i64,
    chosen: &[Field],
    error: Option<String>,
) -> Result<Response, AppError> {
    let lang = v.lang();
    if keep == drop {
        // Said before anyone picks fields, not after (the store refuses it too).
        return Err(StoreError::conflict("不能把客户合并到它自己", "a customer cannot be merged into itself").into());
    }
    let (a, b) = (state.store().customer(keep).await?, state.store().customer(drop).await?);
    let (fa, fb) = (a.draft.to_fields(), b.draft.to_fields());
    let names = crate::html::Names::load(state.store()).await?;
    let rows = super::form::customer_fields()
        .into_iter()
        .filter(|f| *f != Field::Kind)
        .filter_map(|f| {
            let (x, y) = (fa.get(f).trim().to_string(), fb.get(f).trim().to_string());
            if x.is_empty() && y.is_empty() {
                return None;
            }
            let choose = !x.is_empty() && !y.is_empty() && x != y && !f.is_one_of(&[Field::Tags, Field::Preferences]);
            Some(MergeRow {
                code: f.code(),
                label: f.label(lang),
                keep: names.display(f, &x, lang),
                drop: names.display(f, &y, lang),
                choose,
                from_drop: (x.is_empty() && !y.is_empty()) || (choose && chosen.contains(&f)),
            })
        })
        .collect();
    let kinds_differ = (a.draft.kind != b.draft.kind).then(|| (a.draft.kind.label(lang), b.draft.kind.label(lang)));
    let failed = error.is_some();
    let page = MergePage {
        c: Chrome::new(v, Nav::Duplicates, None, "/merge".into()),
        keep_id: keep,
        drop_id: drop,
        keep_name: a.draft.name,
        drop_name: b.draft.name,
        kinds_differ,
        rows,
        error,
    };
    let mut r = render(&page);
    if failed {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn merge(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    let form = FormData::parse(&body)?;
    let (keep, drop) = ids(&form, "keep", "drop")?;
    let t = T(v.lang());
    let from_drop: Vec<Field> = super::form::customer_fields()
        .into_iter()
        .filter(|f| form.get(&format!("choice-{}", f.code())) == "drop")
        .collect();
    let (a, b) = (state.store().customer(keep).await?, state.store().customer(drop).await?);
    if form.get("confirm") != "yes" {
        return merge_view(&state, &v, keep, drop, &from_drop, Some(t.merge_confirm_needed().into())).await;
    }
    if a.draft.kind != b.draft.kind && form.get("confirm_kinds") != "yes" {
        return merge_view(&state, &v, keep, drop, &from_drop, Some(t.merge_kinds_needed().into())).await;
    }
    state.store().merge(v.actor(), keep, drop, &from_drop).await?;
    Ok(Redirect::to(&format!("/customers/{keep}?done={}", Done::Merged.code())).into_response())
}

async fn unmerge(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    let kept = state.store().merge_record(id).await?.kept_id;
    match state.store().unmerge(v.actor(), id).await {
        Ok(()) => Ok(Redirect::to(&format!("/customers/{kept}?done={}", Done::Unmerged.code())).into_response()),
        Err(StoreError::NotFound { .. }) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

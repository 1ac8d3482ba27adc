//! Import (upload, check, see every bad row, then write), export, and duplicate review with
//! merge and undo.

use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::{Chrome, Done, FormData, Nav, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guanxi_domain::{Field, ImportRow, Lang};
use guanxi_store::{Actor, DuplicatePair, ImportOutcome, Store, StoreError};
use guanxi_transfer::{CsvExport, Encoding, Limits, Mapping, Table, XlsxExport, open_rows, read_table, validate_row};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/import", get(import_form).post(upload))
        .route("/import/{id}", post(import_action))
        .route("/export", get(export_page).post(export))
        .route("/duplicates", get(duplicates))
        .route("/duplicates/dismiss", post(dismiss))
        .route("/merge", get(merge_page).post(merge))
        .route("/merges/{id}/undo", post(unmerge))
}

/// Bad rows listed on the page; the count covers all of them.
const SHOWN_BAD_ROWS: usize = 500;
const WRITE_BATCH: usize = 2_000;

pub struct MappingRow {
    pub index: usize,
    pub header: String,
    pub field: String,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    c: Chrome,
    error: Option<String>,
    upload: Option<i64>,
    file_name: String,
    encoding: &'static str,
    rows: usize,
    mapping: Vec<MappingRow>,
    field_choices: Vec<(String, String)>,
    good: usize,
    bad_count: usize,
    bad: Vec<String>,
    outcome: Option<ImportOutcome>,
    chosen_encoding: &'static str,
}

impl ImportPage {
    fn empty(c: Chrome) -> ImportPage {
        ImportPage {
            c,
            error: None,
            upload: None,
            file_name: String::new(),
            encoding: "",
            rows: 0,
            mapping: Vec::new(),
            field_choices: Vec::new(),
            good: 0,
            bad_count: 0,
            bad: Vec::new(),
            outcome: None,
            chosen_encoding: "auto",
        }
    }
}

fn respond(page: ImportPage) -> Response {
    let failed = page.error.is_some();
    let mut r = render(&page);
    if failed {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

async fn import_form(v: Viewer) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    Ok(respond(ImportPage::empty(Chrome::new(&v, Nav::Import, None, "/import".into()))))
}

async fn upload(State(state): State<AppState>, v: Viewer, mut multipart: Multipart) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    let t = T(v.lang());
    let mut file: Option<(String, Bytes)> = None;
    let mut encoding = String::new();
    while let Some(field) = multipart.next_field().await.map_err(crate::error::upload_failed)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(crate::error::upload_failed)?;
            file = Some((name, bytes));
        } else if field.name() == Some("encoding") {
            encoding = field.text().await.unwrap_or_default();
        }
    }
    let mut page = ImportPage::empty(Chrome::new(&v, Nav::Import, None, "/import".into()));
    let Some((name, bytes)) = file.filter(|(n, b)| !n.is_empty() && !b.is_empty()) else {
        page.error = Some(t.pick("请选择要导入的文件。", "Please choose a file to import.").into());
        return Ok(respond(page));
    };
    let encoding = parse_encoding(&encoding)?;
    let id = state.store().save_upload(v.user.id, &name, &bytes).await?;
    check(&state, &v, id, &[], encoding, page).await
}

/// The encoding a form names (`auto` when left out).
fn parse_encoding(s: &str) -> Result<Encoding, AppError> {
    Encoding::parse(s)
        .ok_or_else(|| AppError::bad_request(format!("不认识的编码「{s}」"), format!("Unknown encoding {s:?}")))
}

/// A checked upload: its name, table and mapping, the good rows, the first bad rows' messages
/// and how many were bad.
type Prepared = (String, Table, Mapping, Vec<ImportRow>, Vec<String>, usize);

/// Reads the upload within the browser's limits (F-10: at most `import_max_rows` rows, refused
/// while reading), maps its columns (detected, or as the user chose), and checks every row,
/// keeping the first bad rows' messages and a count.
async fn prepare(
    state: &AppState,
    v: &Viewer,
    id: i64,
    explicit: &[(String, String)],
    encoding: Encoding,
) -> Result<Result<Prepared, String>, AppError> {
    let lang = v.lang();
    let (name, bytes) = state.store().upload(v.user.id, id).await?;
    let limits = Limits::upload(state.config().import_max_rows);
    let owners: HashSet<String> =
        state.store().users().await?.into_iter().filter(|u| u.active).map(|u| u.username.to_lowercase()).collect();
    let today = guanxi_store::today_in_china();
    let explicit = explicit.to_vec();
    // Reading and checking are CPU work: off the async threads.
    tokio::task::spawn_blocking(move || {
        let table = match read_table(&name, &bytes, limits, encoding) {
            Ok(t) => t,
            Err(e) => return Ok(Err(format!("{name}: {}", e.message(lang)))),
        };
        drop(bytes);
        let mapping = match Mapping::detect(&table.headers, &explicit) {
            Ok(m) => m,
            Err(e) => return Ok(Err(format!("{name}: {}", e.message(lang)))),
        };
        let mut good = Vec::new();
        let mut bad = Vec::new();
        let mut bad_count = 0;
        for i in 0..table.rows.len() {
            match validate_row(&mapping, &table, i, today, &owners) {
                Ok(row) => good.push(row),
                Err(report) => {
                    bad_count += 1;
                    if bad.len() < SHOWN_BAD_ROWS {
                        bad.push(report.message(lang));
                    }
                }
            }
        }
        Ok(Ok((name, table, mapping, good, bad, bad_count)))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

fn field_choices(lang: Lang) -> Vec<(String, String)> {
    let mut out = vec![("-".to_string(), T(lang).ignored().to_string())];
    out.extend(
        Field::ALL
            .iter()
            .filter(|f| !matches!(f, Field::Username | Field::DisplayName | Field::Role | Field::Team))
            .map(|f| (f.code().to_string(), f.label(lang).to_string())),
    );
    out
}

async fn check(
    state: &AppState,
    v: &Viewer,
    id: i64,
    explicit: &[(String, String)],
    encoding: Encoding,
    mut page: ImportPage,
) -> Result<Response, AppError> {
    page.upload = Some(id);
    page.chosen_encoding = encoding.code();
    match prepare(state, v, id, explicit, encoding).await? {
        Err(message) => page.error = Some(message),
        Ok((name, table, mapping, good, bad, bad_count)) => {
            page.file_name = name;
            page.encoding = table.encoding;
            page.rows = table.rows.len();
            page.mapping = mapping
                .headers
                .iter()
                .zip(&mapping.columns)
                .enumerate()
                .map(|(index, (h, f))| MappingRow {
                    index,
                    header: h.clone(),
                    field: f.map(|f| f.code().to_string()).unwrap_or_else(|| "-".into()),
                })
                .collect();
            page.field_choices = field_choices(v.lang());
            page.good = good.len();
            page.bad_count = bad_count;
            page.bad = bad;
        }
    }
    Ok(respond(page))
}

async fn import_action(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    let form = FormData::parse(&body)?;
    let encoding = parse_encoding(form.get("encoding"))?;
    let (file_name, bytes) = state.store().upload(v.user.id, id).await?;
    let limits = Limits::upload(state.config().import_max_rows);
    let headers = tokio::task::spawn_blocking(move || {
        open_rows(&file_name, bytes, limits, encoding).map(|r| r.headers.clone()).unwrap_or_default()
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let explicit: Vec<(String, String)> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let chosen = form.get(&format!("map-{i}"));
            (!chosen.is_empty()).then(|| (h.clone(), chosen.to_string()))
        })
        .collect();
    let page = ImportPage::empty(Chrome::new(&v, Nav::Import, None, "/import".into()));
    let partial = match form.get("action") {
        "all" => false,
        "partial" => true,
        _ => return check(&state, &v, id, &explicit, encoding, page).await,
    };
    let (name, rows, bad, bad_count) = match prepare(&state, &v, id, &explicit, encoding).await? {
        Ok((name, _, _, good, bad, bad_count)) => (name, good, bad, bad_count),
        Err(_) => return check(&state, &v, id, &explicit, encoding, page).await,
    };
    if bad_count > 0 && !partial {
        let mut r = check(&state, &v, id, &explicit, encoding, page).await?;
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    let (outcome, failed) = write_rows(state.store(), v.actor(), &name, rows, partial, v.lang()).await?;
    let mut page = ImportPage::empty(Chrome::new(&v, Nav::Import, None, "/import".into()));
    page.file_name = name;
    page.bad_count = bad_count + failed.len();
    page.bad = bad.into_iter().chain(failed).take(SHOWN_BAD_ROWS).collect();
    match outcome {
        Some(o) => {
            state.store().delete_upload(id).await?;
            page.outcome = Some(o);
        }
        None => {
            page.upload = Some(id);
            page.error = Some(
                T(v.lang())
                    .pick("有行未能写入，没有导入任何数据。", "Some rows could not be written; nothing was imported.")
                    .into(),
            );
        }
    }
    Ok(respond(page))
}

/// Writes checked rows in one transaction. Rows the store refuses (say, a phone number that
/// now belongs to someone else) are reported; without `partial` they undo the whole import.
async fn write_rows(
    store: &Store,
    actor: Actor,
    source: &str,
    rows: Vec<ImportRow>,
    partial: bool,
    lang: Lang,
) -> Result<(Option<ImportOutcome>, Vec<String>), AppError> {
    let mut session = store.begin_import(actor, source).await?;
    let mut failed = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<ImportRow> = rows.by_ref().take(WRITE_BATCH).collect();
        for (line, v) in session.write(batch).await? {
            failed.push(match lang {
                Lang::ZhCn => format!("第 {line} 行：{}", v.message(lang)),
                Lang::En => format!("row {line}: {}", v.message(lang)),
            });
        }
    }
    if !failed.is_empty() && !partial {
        session.rollback().await?;
        return Ok((None, failed));
    }
    Ok((Some(session.commit().await?), failed))
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
    let filters = q.describe(T(v.lang()));
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
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
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
    let (a, b) = (state.store().customer(keep).await?, state.store().customer(drop).await?);
    let (fa, fb) = (a.draft.to_fields(), b.draft.to_fields());
    let rows = super::form::customer_fields()
        .into_iter()
        .filter(|f| !matches!(f, Field::Kind))
        .filter_map(|f| {
            let (x, y) = (fa.get(f).trim().to_string(), fb.get(f).trim().to_string());
            if x.is_empty() && y.is_empty() {
                return None;
            }
            let choose = !x.is_empty() && !y.is_empty() && x != y && !matches!(f, Field::Tags | Field::Preferences);
            Some(MergeRow {
                code: f.code(),
                label: f.label(lang),
                keep: f.display(&x, lang),
                drop: f.display(&y, lang),
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

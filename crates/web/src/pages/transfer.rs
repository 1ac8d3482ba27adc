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
        .route("/import/template", get(template))
        .route("/import/{id}", post(import_action))
        .route("/import/{id}/errors", post(error_rows))
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
    /// Rows that create new customers, and those that change stored ones (with the changes).
    new_rows: usize,
    updates: Vec<UpdateView>,
    update_count: usize,
    /// Rows that match a stored customer and change nothing.
    same_rows: usize,
    /// The import just written: its customers are listed at `/customers?imported=`.
    import_id: Option<i64>,
    /// What the browser takes at most, from the settings.
    limits: String,
}

impl ImportPage {
    fn empty(state: &AppState, v: &Viewer) -> ImportPage {
        let config = state.config();
        let rows = crate::html::thousands(config.import_max_rows as i64);
        let mb = config.max_upload / (1024 * 1024);
        ImportPage {
            c: Chrome::new(v, Nav::Import, None, "/import".into()),
            import_id: None,
            limits: match v.lang() {
                Lang::ZhCn => format!(
                    "在浏览器里一次最多导入 {rows} 行、{mb} MB；更大的文件请拆成几个文件分别导入。旧版 .xls 请先在 Excel 或 WPS 里另存为 .xlsx。"
                ),
                Lang::En => format!(
                    "Up to {rows} rows and {mb} MB at a time; split a larger file into several. Save old .xls workbooks as .xlsx in Excel or WPS first."
                ),
            },
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
            new_rows: 0,
            updates: Vec::new(),
            update_count: 0,
            same_rows: 0,
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

async fn import_form(State(state): State<AppState>, v: Viewer) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    Ok(respond(ImportPage::empty(&state, &v)))
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
    let mut page = ImportPage::empty(&state, &v);
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

/// A checked upload.
struct Prepared {
    name: String,
    table: Table,
    mapping: Mapping,
    good: Vec<ImportRow>,
    /// The first bad rows' messages ([`SHOWN_BAD_ROWS`]).
    bad: Vec<String>,
    /// Every bad row: its index in the table.
    bad_rows: Vec<usize>,
}

/// Reads the upload within the browser's limits (F-10: at most `import_max_rows` rows, refused
/// while reading), maps its columns (detected, or as the user chose), and checks every row,
/// keeping the first bad rows' messages and where every bad row is.
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
        let mut mapping = match Mapping::detect(&table.headers, &explicit) {
            Ok(m) => m,
            Err(e) => return Ok(Err(format!("{name}: {}", e.message(lang)))),
        };
        let allowed = import_fields();
        for c in mapping.columns.iter_mut() {
            if c.is_some_and(|f| !allowed.contains(&f)) {
                *c = None;
            }
        }
        let mut good = Vec::new();
        let mut bad = Vec::new();
        let mut bad_rows = Vec::new();
        for i in 0..table.rows.len() {
            match validate_row(&mapping, &table, i, today, &owners) {
                Ok(row) => good.push(row),
                Err(report) => {
                    bad_rows.push(i);
                    if bad.len() < SHOWN_BAD_ROWS {
                        bad.push(report.message(lang));
                    }
                }
            }
        }
        Ok(Ok(Prepared { name, table, mapping, good, bad, bad_rows }))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// The fields a customer import fills: a customer's own, and the Guanxi ID that names one to
/// update (issue #22: the mapper offered 174 targets, value-setting weights and survey
/// questions among them).
pub fn import_fields() -> Vec<Field> {
    let mut fields = vec![Field::Id];
    fields.extend(super::form::customer_fields());
    fields
}

fn field_choices(lang: Lang) -> Vec<(String, String)> {
    let mut out = vec![("-".to_string(), T(lang).ignored().to_string())];
    out.extend(import_fields().iter().map(|f| (f.code().to_string(), f.label(lang).to_string())));
    out
}

/// An update the import would make: (line, customer id, name, "field: now → then" lines).
pub struct UpdateView {
    pub line: usize,
    pub id: i64,
    pub name: String,
    pub changes: Vec<(String, String, String)>,
}

const SHOWN_UPDATES: usize = 200;

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
        Ok(Prepared { name, table, mapping, good, bad, bad_rows }) => {
            let bad_count = bad_rows.len();
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
            let lang = v.lang();
            let matched = state.store().preview_updates(&good).await?;
            page.new_rows = good.len() - matched.len();
            let updates: Vec<_> = matched.into_iter().filter(|(.., changes)| !changes.is_empty()).collect();
            page.update_count = updates.len();
            page.same_rows = good.len() - page.new_rows - page.update_count;
            page.updates = updates
                .into_iter()
                .take(SHOWN_UPDATES)
                .map(|(line, id, name, changes)| UpdateView {
                    line,
                    id,
                    name,
                    changes: changes
                        .into_iter()
                        .map(|(f, old, new)| (f.label(lang).to_string(), f.display(&old, lang), f.display(&new, lang)))
                        .collect(),
                })
                .collect();
        }
    }
    Ok(respond(page))
}

/// The encoding and the column mapping the user chose on the checked page.
async fn chosen_mapping(
    state: &AppState,
    v: &Viewer,
    id: i64,
    form: &FormData,
) -> Result<(Encoding, Vec<(String, String)>), AppError> {
    let encoding = parse_encoding(form.get("encoding"))?;
    let (file_name, bytes) = state.store().upload(v.user.id, id).await?;
    let limits = Limits::upload(state.config().import_max_rows);
    let headers = tokio::task::spawn_blocking(move || {
        open_rows(&file_name, bytes, limits, encoding).map(|r| r.headers.clone()).unwrap_or_default()
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let explicit = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let chosen = form.get(&format!("map-{i}"));
            (!chosen.is_empty()).then(|| (h.clone(), chosen.to_string()))
        })
        .collect();
    Ok((encoding, explicit))
}

async fn import_action(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    let form = FormData::parse(&body)?;
    let (encoding, explicit) = chosen_mapping(&state, &v, id, &form).await?;
    let page = ImportPage::empty(&state, &v);
    let partial = match form.get("action") {
        "all" => false,
        "partial" => true,
        _ => return check(&state, &v, id, &explicit, encoding, page).await,
    };
    let (name, rows, bad, bad_count) = match prepare(&state, &v, id, &explicit, encoding).await? {
        Ok(p) => (p.name, p.good, p.bad, p.bad_rows.len()),
        Err(_) => return check(&state, &v, id, &explicit, encoding, page).await,
    };
    if bad_count > 0 && !partial {
        let mut r = check(&state, &v, id, &explicit, encoding, page).await?;
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    // The updates shown in the preview are left out when the user chose so.
    let (rows, skipped) = if form.get("skip_updates") == "yes" {
        let matched: HashSet<usize> =
            state.store().preview_updates(&rows).await?.into_iter().map(|(line, ..)| line).collect();
        let before = rows.len();
        let rows: Vec<ImportRow> = rows.into_iter().filter(|r| !matched.contains(&r.line)).collect();
        let skipped = before - rows.len();
        (rows, skipped)
    } else {
        (rows, 0)
    };
    let (outcome, failed, import_id) = write_rows(state.store(), v.actor(), &name, rows, partial, v.lang()).await?;
    let mut page = ImportPage::empty(&state, &v);
    page.file_name = name;
    page.bad_count = bad_count + failed.len();
    page.bad = bad.into_iter().chain(failed).take(SHOWN_BAD_ROWS).collect();
    match outcome {
        Some(mut o) => {
            state.store().delete_upload(id).await?;
            o.unchanged += skipped;
            page.outcome = Some(o);
            page.import_id = Some(import_id);
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
) -> Result<(Option<ImportOutcome>, Vec<String>, i64), AppError> {
    let mut session = store.begin_import(actor, source).await?;
    let import_id = session.id();
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
        return Ok((None, failed, import_id));
    }
    Ok((Some(session.commit().await?), failed, import_id))
}

/// The rows with problems as a CSV to fix and import again: each row's problems first, then
/// its cells as they were in the file (formula-like ones neutralized, which the import undoes).
async fn error_rows(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    let form = FormData::parse(&body)?;
    let (encoding, explicit) = chosen_mapping(&state, &v, id, &form).await?;
    let lang = v.lang();
    let p = match prepare(&state, &v, id, &explicit, encoding).await? {
        Ok(p) => p,
        Err(message) => return Err(AppError::bad_request(message.clone(), message)),
    };
    let owners: HashSet<String> =
        state.store().users().await?.into_iter().filter(|u| u.active).map(|u| u.username.to_lowercase()).collect();
    let today = guanxi_store::today_in_china();
    let stem = p.name.rsplit_once('.').map(|(s, _)| s.to_string()).unwrap_or_else(|| p.name.clone());
    let bytes = tokio::task::spawn_blocking(move || {
        let sep = lang.pick("；", "; ");
        let rows = p.bad_rows.iter().map(|&i| {
            let problem = match validate_row(&p.mapping, &p.table, i, today, &owners) {
                Err(report) => report.issues.iter().map(|x| x.message(lang)).collect::<Vec<_>>().join(sep),
                Ok(_) => String::new(),
            };
            (problem, Table::line_of(i), p.table.rows[i].as_slice())
        });
        guanxi_transfer::problem_rows_csv(lang, &p.table.headers, rows)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let file = format!("{stem}-{}.csv", lang.pick("问题行", "problem-rows"));
    Ok(crate::html::download(&file, "text/csv; charset=utf-8", bytes.into()))
}

/// A file to fill in: `?format=xlsx` (with a sheet saying how to fill in each column) or csv.
async fn template(
    v: Viewer,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    let lang = v.lang();
    let t = T(lang);
    let stem = lang.pick("客户导入模板", "customer-import-template");
    match q.get("format").map(String::as_str).unwrap_or("xlsx") {
        "csv" => {
            let bytes = guanxi_transfer::template_csv(lang).map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(crate::html::download(&format!("{stem}.csv"), "text/csv; charset=utf-8", bytes.into()))
        }
        "xlsx" => {
            let guide: Vec<(String, bool, String)> = std::iter::once(Field::Id)
                .chain(guanxi_transfer::EXPORT_FIELDS.iter().copied())
                .map(|f| {
                    let (required, how) = how_to_fill(f, t);
                    (f.label(lang).to_string(), required, how)
                })
                .collect();
            let bytes = guanxi_transfer::template_xlsx(lang, &guide).map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(crate::html::download(
                &format!("{stem}.xlsx"),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                bytes.into(),
            ))
        }
        other => Err(AppError::bad_request(
            format!("模板格式「{other}」无效，应为 csv 或 xlsx"),
            format!("Invalid template format {other:?}; use csv or xlsx"),
        )),
    }
}

/// Whether a column must be filled in, and what to write in it: the choices of a vocabulary
/// (by their labels, which the import reads), a date's form, or the form's hint.
fn how_to_fill(f: Field, t: T) -> (bool, String) {
    let lang = t.lang();
    let input = super::form::input(f, &guanxi_domain::Raw::default(), None, t);
    let how = match f {
        Field::Id => t
            .pick(
                "留空：新建客户。填写关系编号（导出文件的第一列）：更新那位客户。",
                "Empty: a new customer. A Guanxi ID (the first column of an export): updates that customer.",
            )
            .to_string(),
        Field::Name => {
            t.pick("个人的姓名，或单位的全称。", "A person's name, or an organization's full name.").to_string()
        }
        Field::Owner => t.pick("负责同事的用户名。", "The username of the colleague in charge.").to_string(),
        Field::Phone => t
            .pick(
                "手机或座机，如 13800138000、010-12345678。",
                "Mobile or landline, such as 13800138000 or 010-12345678.",
            )
            .to_string(),
        Field::ExternalId => t
            .pick(
                "其他系统里的编号；再次导入时用它找到同一位客户。",
                "The number in another system; a later import finds the same customer by it.",
            )
            .to_string(),
        _ if input.html_type() == "date" => t.pick("日期，如 2024-03-15。", "A date, such as 2024-03-15.").to_string(),
        _ if input.is_select() => {
            let labels: Vec<&str> =
                input.options().iter().filter(|(code, _)| !code.is_empty()).map(|(_, l)| l.as_str()).collect();
            format!("{}{}", t.pick("以下之一：", "One of: "), labels.join(lang.pick("、", ", ")))
        }
        _ => input.hint.unwrap_or("").to_string(),
    };
    (input.required, how)
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

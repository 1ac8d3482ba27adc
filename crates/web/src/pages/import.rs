//! Importing customers or orders from a file: upload, check (every bad row named; for
//! customers, what the file would change in those already stored), then write all rows or the
//! good ones; a template to fill in, the problem rows to download and fix, and a link to what
//! was written. Orders come in the browser like customers (issue #22: every value page depends
//! on them, and staff have no shell).

use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::{Chrome, FormData, Nav, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use guanxi_domain::orders::OrderDraft;
use guanxi_domain::{Field, ImportRow, Lang};
use guanxi_store::{Actor, Store};
use guanxi_transfer::{
    Encoding, FileError, Limits, Mapping, RowReport, Table, open_rows, read_table, validate_order_row, validate_row,
};
use std::collections::{HashMap, HashSet};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/import", get(import_form).post(upload))
        .route("/import/template", get(template))
        .route("/import/{id}", post(import_action))
        .route("/import/{id}/errors", post(error_rows))
}

/// Bad rows listed on the page; the count covers all of them.
const SHOWN_BAD_ROWS: usize = 500;
/// Changes to stored customers listed on the page; the count covers all of them.
const SHOWN_UPDATES: usize = 200;
const WRITE_BATCH: usize = 2_000;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Customers,
    Orders,
}

impl Target {
    fn parse(s: &str) -> Result<Target, AppError> {
        match s.trim() {
            "" | "customers" => Ok(Target::Customers),
            "orders" => Ok(Target::Orders),
            other => Err(AppError::bad_request(
                format!("导入对象「{other}」无效，应为 customers 或 orders"),
                format!("Invalid import target {other:?}; use customers or orders"),
            )),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Target::Customers => "customers",
            Target::Orders => "orders",
        }
    }

    /// The fields its columns may fill: the mapper offers these and nothing else.
    fn fields(self) -> Vec<Field> {
        match self {
            Target::Customers => guanxi_transfer::customer_fields(),
            Target::Orders => guanxi_transfer::ORDER_FIELDS.to_vec(),
        }
    }

    fn detect(self, headers: &[String], explicit: &[(String, String)]) -> Result<Mapping, FileError> {
        match self {
            Target::Customers => Mapping::detect(headers, explicit),
            Target::Orders => guanxi_transfer::detect_order_mapping(headers, explicit),
        }
    }

    pub fn is_orders(&self) -> bool {
        *self == Target::Orders
    }
}

pub struct MappingRow {
    pub index: usize,
    pub header: String,
    pub field: String,
}

/// A change the import would make to a stored customer or order: the row's line, what it
/// changes (a link and a title), and each changing field as (label, now, then).
pub struct UpdateView {
    pub line: usize,
    pub link: String,
    pub title: String,
    /// The row gives a stored customer another name: perhaps someone else with that phone.
    pub renames: bool,
    pub changes: Vec<(String, String, String)>,
}

/// What an import wrote.
pub struct Outcome {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    c: Chrome,
    target: Target,
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
    outcome: Option<Outcome>,
    chosen_encoding: &'static str,
    /// Rows that create new customers, and those that change stored ones (with the changes).
    new_rows: usize,
    updates: Vec<UpdateView>,
    update_count: usize,
    /// Rows that match a stored customer and change nothing.
    same_rows: usize,
    /// The customer import just written: what it wrote is listed at `/customers?imported=`.
    import_id: Option<i64>,
    /// How many customers the import wrote have no owner (no owner column, or empty cells).
    unowned: i64,
    /// After orders: the value recompute was queued.
    value_queued: bool,
    /// What the browser takes at most, from the settings.
    limits: String,
}

impl ImportPage {
    fn unowned_note(&self) -> String {
        self.c.t.imported_unowned(self.unowned)
    }

    fn empty(state: &AppState, v: &Viewer, target: Target) -> ImportPage {
        let config = state.config();
        let rows = crate::html::thousands(config.import_max_rows as i64);
        let mb = config.max_upload / (1024 * 1024);
        let here = match target {
            Target::Customers => "/import".to_string(),
            Target::Orders => "/import?target=orders".to_string(),
        };
        ImportPage {
            c: Chrome::new(v, Nav::Import, None, here),
            target,
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
            import_id: None,
            unowned: 0,
            value_queued: false,
        }
    }

    fn title(&self) -> &'static str {
        match self.target {
            Target::Customers => self.c.t.import_title(),
            Target::Orders => self.c.t.import_orders_title(),
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

async fn import_form(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    let target = Target::parse(q.get("target").map(String::as_str).unwrap_or(""))?;
    Ok(respond(ImportPage::empty(&state, &v, target)))
}

async fn upload(State(state): State<AppState>, v: Viewer, mut multipart: Multipart) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    let t = T(v.lang());
    let mut file: Option<(String, Bytes)> = None;
    let mut encoding = String::new();
    let mut target = String::new();
    while let Some(field) = multipart.next_field().await.map_err(crate::error::upload_failed)? {
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(crate::error::upload_failed)?;
                file = Some((name, bytes));
            }
            Some("encoding") => encoding = field.text().await.unwrap_or_default(),
            Some("target") => target = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    let target = Target::parse(&target)?;
    let mut page = ImportPage::empty(&state, &v, target);
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

/// The rows that passed the checks.
enum Good {
    Customers(Vec<ImportRow>),
    Orders(Vec<(usize, OrderDraft)>),
}

impl Good {
    fn len(&self) -> usize {
        match self {
            Good::Customers(r) => r.len(),
            Good::Orders(r) => r.len(),
        }
    }
}

/// Checks a row of a table as its target's rows are checked.
struct Checker {
    target: Target,
    /// Active users' lowercased usernames: a customer's owner must be one.
    owners: HashSet<String>,
    today: chrono::NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
}

impl Checker {
    async fn new(state: &AppState, target: Target) -> Result<Checker, AppError> {
        let owners = state.store().users().await?.into_iter().filter(|u| u.active).map(|u| u.username.to_lowercase());
        Ok(Checker { target, owners: owners.collect(), today: guanxi_store::today_in_china(), now: chrono::Utc::now() })
    }

    /// Row `i` checked into `good`, or what is wrong with it.
    fn check(&self, mapping: &Mapping, table: &Table, i: usize, good: &mut Good) -> Result<(), RowReport> {
        match (self.target, good) {
            (Target::Customers, Good::Customers(rows)) => {
                rows.push(validate_row(mapping, table, i, self.today, &self.owners)?)
            }
            (_, Good::Orders(rows)) => rows.push(validate_order_row(mapping, table, i, self.now)?),
            (Target::Orders, Good::Customers(_)) => {}
        }
        Ok(())
    }
}

/// A checked upload.
struct Prepared {
    name: String,
    table: Table,
    mapping: Mapping,
    good: Good,
    /// The first bad rows' messages ([`SHOWN_BAD_ROWS`]).
    bad: Vec<String>,
    /// Every bad row: its index in the table.
    bad_rows: Vec<usize>,
    checker: Checker,
}

/// Reads the upload within the browser's limits (F-10: at most `import_max_rows` rows, refused
/// while reading), maps its columns (detected, or as the user chose) to the target's fields,
/// and checks every row, keeping the first bad rows' messages and where every bad row is.
async fn prepare(
    state: &AppState,
    v: &Viewer,
    target: Target,
    id: i64,
    explicit: &[(String, String)],
    encoding: Encoding,
) -> Result<Result<Prepared, String>, AppError> {
    let lang = v.lang();
    let (name, bytes) = state.store().upload(v.user.id, id).await?;
    let limits = Limits::upload(state.config().import_max_rows);
    let checker = Checker::new(state, target).await?;
    let explicit = explicit.to_vec();
    // Reading and checking are CPU work: off the async threads.
    tokio::task::spawn_blocking(move || {
        let table = match read_table(&name, &bytes, limits, encoding) {
            Ok(t) => t,
            Err(e) => return Ok(Err(format!("{name}: {}", e.message(lang)))),
        };
        drop(bytes);
        let mapping = match target.detect(&table.headers, &explicit) {
            Ok(m) => m,
            Err(e) => return Ok(Err(format!("{name}: {}", e.message(lang)))),
        };
        let mut good = match target {
            Target::Customers => Good::Customers(Vec::new()),
            Target::Orders => Good::Orders(Vec::new()),
        };
        let mut bad = Vec::new();
        let mut bad_rows = Vec::new();
        for i in 0..table.rows.len() {
            if let Err(report) = checker.check(&mapping, &table, i, &mut good) {
                bad_rows.push(i);
                if bad.len() < SHOWN_BAD_ROWS {
                    bad.push(report.message(lang));
                }
            }
        }
        Ok(Ok(Prepared { name, table, mapping, good, bad, bad_rows, checker }))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

fn field_choices(target: Target, lang: Lang) -> Vec<(String, String)> {
    let mut out = vec![("-".to_string(), T(lang).ignored().to_string())];
    out.extend(target.fields().iter().map(|f| (f.code().to_string(), f.label(lang).to_string())));
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
    let lang = v.lang();
    match prepare(state, v, page.target, id, explicit, encoding).await? {
        Err(message) => page.error = Some(message),
        Ok(Prepared { name, table, mapping, good, bad, bad_rows, .. }) => {
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
            page.field_choices = field_choices(page.target, lang);
            page.bad_count = bad_rows.len();
            page.bad = bad;
            preview(state, &mut page, &good, lang).await?;
        }
    }
    Ok(respond(page))
}

/// What the checked rows would do to what is stored, on the page: new ones, changes to stored
/// customers or orders (each changing field, now → then), rows that change nothing, and rows
/// the store would refuse (named with the bad rows, before anything is written).
async fn preview(state: &AppState, page: &mut ImportPage, good: &Good, lang: Lang) -> Result<(), AppError> {
    let names = crate::html::Names::load(state.store()).await?;
    let t = T(lang);
    let mut refused = Vec::new();
    let mut updates = Vec::new();
    let (mut new_rows, mut same_rows) = (0, 0);
    match good {
        Good::Customers(rows) => {
            let matched = state.store().preview_updates(rows).await?;
            let mut decided = 0;
            for m in matched {
                decided += 1;
                match m {
                    guanxi_store::RowPreview::Refused(line, v) => {
                        refused.push(row_message(line, &v.message(lang), lang))
                    }
                    guanxi_store::RowPreview::Update { changes, .. } if changes.is_empty() => same_rows += 1,
                    guanxi_store::RowPreview::Update { line, id, name, changes } => updates.push(UpdateView {
                        line,
                        link: format!("/customers/{id}"),
                        title: name,
                        renames: changes.iter().any(|(f, ..)| *f == Field::Name),
                        changes: labelled(&names, changes, lang),
                    }),
                }
            }
            new_rows = rows.len() - decided;
        }
        Good::Orders(rows) => {
            for p in state.store().preview_orders(rows).await? {
                match p {
                    guanxi_store::OrderPreview::New { .. } => new_rows += 1,
                    guanxi_store::OrderPreview::Unchanged { .. } => same_rows += 1,
                    guanxi_store::OrderPreview::Refused(line, v) => {
                        refused.push(row_message(line, &v.message(lang), lang))
                    }
                    guanxi_store::OrderPreview::Update { line, customer, order_no, changes, .. } => {
                        updates.push(UpdateView {
                            line,
                            link: format!("/customers/{customer}#orders"),
                            title: format!("{} {order_no}", t.order_no()),
                            renames: false,
                            changes: labelled(&names, changes, lang),
                        })
                    }
                }
            }
        }
    }
    page.good = good.len() - refused.len();
    page.bad_count += refused.len();
    let room = SHOWN_BAD_ROWS.saturating_sub(page.bad.len());
    page.bad.extend(refused.into_iter().take(room));
    page.new_rows = new_rows;
    page.same_rows = same_rows;
    page.update_count = updates.len();
    page.updates = updates.into_iter().take(SHOWN_UPDATES).collect();
    Ok(())
}

/// Changed fields as (label, now, then) in the reader's language.
fn labelled(
    names: &crate::html::Names,
    changes: Vec<(Field, String, String)>,
    lang: Lang,
) -> Vec<(String, String, String)> {
    changes
        .into_iter()
        .map(|(f, old, new)| (f.label(lang).to_string(), names.display(f, &old, lang), names.display(f, &new, lang)))
        .collect()
}

/// The target, encoding and column mapping the user chose on the checked page.
async fn chosen(
    state: &AppState,
    v: &Viewer,
    id: i64,
    form: &FormData,
) -> Result<(Target, Encoding, Vec<(String, String)>), AppError> {
    let target = Target::parse(form.get("target"))?;
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
    Ok((target, encoding, explicit))
}

async fn import_action(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    let form = FormData::parse(&body)?;
    let (target, encoding, explicit) = chosen(&state, &v, id, &form).await?;
    let page = ImportPage::empty(&state, &v, target);
    let partial = match form.get("action") {
        "all" => false,
        "partial" => true,
        _ => return check(&state, &v, id, &explicit, encoding, page).await,
    };
    let Ok(p) = prepare(&state, &v, target, id, &explicit, encoding).await? else {
        return check(&state, &v, id, &explicit, encoding, page).await;
    };
    let bad_count = p.bad_rows.len();
    if bad_count > 0 && !partial {
        let mut r = check(&state, &v, id, &explicit, encoding, page).await?;
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    let lang = v.lang();
    let mut page = page;
    let (outcome, failed) = match p.good {
        Good::Customers(rows) => {
            // What the user chose for each row that matches a stored customer: change it (the
            // default), add the row as a new customer, or skip it; rows not shown follow the
            // "skip the changes" tick.
            let matched: HashSet<usize> = state
                .store()
                .preview_updates(&rows)
                .await?
                .into_iter()
                .filter_map(|m| match m {
                    guanxi_store::RowPreview::Update { line, .. } => Some(line),
                    guanxi_store::RowPreview::Refused(..) => None,
                })
                .collect();
            let skip_all = form.get("skip_updates") == "yes";
            let before = rows.len();
            let rows: Vec<ImportRow> = rows
                .into_iter()
                .filter_map(|mut r| {
                    if !matched.contains(&r.line) {
                        return Some(r);
                    }
                    match form.get(&format!("row-{}", r.line)) {
                        "new" => {
                            r.force_new = true;
                            Some(r)
                        }
                        "skip" => None,
                        "update" => Some(r),
                        _ => (!skip_all).then_some(r),
                    }
                })
                .collect();
            let skipped = before - rows.len();
            let (outcome, failed, import_id) =
                write_customers(state.store(), v.actor(), &p.name, rows, partial, lang).await?;
            page.import_id = Some(import_id);
            if outcome.as_ref().is_some_and(|o| o.created + o.updated > 0) {
                let nobody = guanxi_store::CustomerFilter {
                    imported: Some(import_id),
                    owner: Some(guanxi_store::NO_OWNER.into()),
                    page: 1,
                    per_page: 1,
                    ..Default::default()
                };
                page.unowned = state.store().list_customers(&nobody).await?.total;
            }
            (
                outcome.map(|o| Outcome { created: o.created, updated: o.updated, unchanged: o.unchanged + skipped }),
                failed,
            )
        }
        Good::Orders(rows) => {
            // Changes to stored orders are left out when the user chose so.
            let (rows, skipped) = if form.get("skip_updates") == "yes" {
                let changing: HashSet<usize> = state
                    .store()
                    .preview_orders(&rows)
                    .await?
                    .into_iter()
                    .filter_map(|p| match p {
                        guanxi_store::OrderPreview::Update { line, .. } => Some(line),
                        _ => None,
                    })
                    .collect();
                let before = rows.len();
                let rows: Vec<_> = rows.into_iter().filter(|(line, _)| !changing.contains(line)).collect();
                let skipped = before - rows.len();
                (rows, skipped)
            } else {
                (rows, 0)
            };
            let (mut o, refused) = state.store().import_orders(v.actor(), &p.name, &rows, partial).await?;
            o.unchanged += skipped;
            let failed: Vec<String> =
                refused.iter().map(|(line, e)| row_message(*line, &e.message(lang), lang)).collect();
            if failed.is_empty() || partial {
                if o.created + o.updated > 0 {
                    // Every value page depends on the orders: recompute now rather than tonight.
                    state
                        .store()
                        .enqueue_job(v.actor(), guanxi_store::JobKind::RecomputeValues, chrono::Utc::now())
                        .await?;
                    state.wake_jobs();
                    page.value_queued = true;
                }
                (Some(Outcome { created: o.created, updated: o.updated, unchanged: o.unchanged }), failed)
            } else {
                (None, failed)
            }
        }
    };
    page.file_name = p.name;
    page.bad_count = bad_count + failed.len();
    page.bad = p.bad.into_iter().chain(failed).take(SHOWN_BAD_ROWS).collect();
    match outcome {
        Some(o) => {
            state.store().delete_upload(id).await?;
            page.outcome = Some(o);
        }
        None => {
            page.import_id = None;
            page.upload = Some(id);
            page.error = Some(
                T(lang)
                    .pick("有行未能写入，没有导入任何数据。", "Some rows could not be written; nothing was imported.")
                    .into(),
            );
        }
    }
    Ok(respond(page))
}

/// 「第 3 行：…」 / "row 3: …".
fn row_message(line: usize, message: &str, lang: Lang) -> String {
    match lang {
        Lang::ZhCn => format!("第 {line} 行：{message}"),
        Lang::En => format!("row {line}: {message}"),
    }
}

/// Writes checked customers in one transaction. Rows the store refuses (say, a phone number
/// that now belongs to someone else) are reported; without `partial` they undo the whole
/// import. Returns the import's number too.
async fn write_customers(
    store: &Store,
    actor: Actor,
    source: &str,
    rows: Vec<ImportRow>,
    partial: bool,
    lang: Lang,
) -> Result<(Option<guanxi_store::ImportOutcome>, Vec<String>, i64), AppError> {
    let mut session = store.begin_import(actor, source).await?;
    let import_id = session.id();
    let mut failed = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<ImportRow> = rows.by_ref().take(WRITE_BATCH).collect();
        for (line, v) in session.write(batch).await? {
            failed.push(row_message(line, &v.message(lang), lang));
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
    let (target, encoding, explicit) = chosen(&state, &v, id, &form).await?;
    let lang = v.lang();
    let p = match prepare(&state, &v, target, id, &explicit, encoding).await? {
        Ok(p) => p,
        Err(message) => return Err(AppError::bad_request(message.clone(), message)),
    };
    let stem = p.name.rsplit_once('.').map(|(s, _)| s.to_string()).unwrap_or_else(|| p.name.clone());
    let bytes = tokio::task::spawn_blocking(move || {
        let sep = lang.pick("；", "; ");
        let mut scratch = match target {
            Target::Customers => Good::Customers(Vec::new()),
            Target::Orders => Good::Orders(Vec::new()),
        };
        let rows = p.bad_rows.iter().map(|&i| {
            let problem = match p.checker.check(&p.mapping, &p.table, i, &mut scratch) {
                Err(report) => report.issues.iter().map(|x| x.message(lang)).collect::<Vec<_>>().join(sep),
                Ok(()) => String::new(),
            };
            (problem, Table::line_of(i), p.table.rows[i].as_slice())
        });
        guanxi_transfer::problem_rows_csv(lang, &p.table.headers, rows.collect::<Vec<_>>())
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let file = format!("{stem}-{}.csv", lang.pick("问题行", "problem-rows"));
    Ok(crate::html::download(&file, "text/csv; charset=utf-8", bytes.into()))
}

/// A file to fill in: `?format=xlsx` (with a sheet saying how to fill in each column) or csv,
/// for `?target=customers` (the export's columns) or orders.
async fn template(v: Viewer, Query(q): Query<HashMap<String, String>>) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    let lang = v.lang();
    let t = T(lang);
    let target = Target::parse(q.get("target").map(String::as_str).unwrap_or(""))?;
    let (stem, sheet, fields) = match target {
        Target::Customers => {
            let mut fields = vec![Field::Id];
            fields.extend_from_slice(guanxi_transfer::EXPORT_FIELDS);
            (lang.pick("客户导入模板", "customer-import-template"), lang.pick("客户", "Customers"), fields)
        }
        Target::Orders => (
            lang.pick("订单导入模板", "order-import-template"),
            lang.pick("订单", "Orders"),
            guanxi_transfer::ORDER_FIELDS.to_vec(),
        ),
    };
    let headers: Vec<String> = fields.iter().map(|f| f.label(lang).to_string()).collect();
    match q.get("format").map(String::as_str).unwrap_or("xlsx") {
        "csv" => {
            let bytes = guanxi_transfer::template_csv(&headers).map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(crate::html::download(&format!("{stem}.csv"), "text/csv; charset=utf-8", bytes.into()))
        }
        "xlsx" => {
            let guide: Vec<(String, bool, String)> = fields
                .iter()
                .map(|f| {
                    let (required, how) = how_to_fill(target, *f, t);
                    (f.label(lang).to_string(), required, how)
                })
                .collect();
            let bytes = guanxi_transfer::template_xlsx(lang, sheet, &headers, &guide)
                .map_err(|e| AppError::Internal(e.to_string()))?;
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
fn how_to_fill(target: Target, f: Field, t: T) -> (bool, String) {
    let lang = t.lang();
    let input = super::form::input(f, &guanxi_domain::Raw::default(), None, t);
    let text = |zh: &str, en: &str| t.pick(zh, en).to_string();
    let how = match (target, f) {
        (Target::Customers, f) if f == Field::Id => text(
            "留空：新建客户。填写关系编号（导出文件的第一列）：更新那位客户。",
            "Empty: a new customer. A Guanxi ID (the first column of an export): updates that customer.",
        ),
        (Target::Customers, f) if f == Field::Name => {
            text("个人的姓名，或单位的全称。", "A person's name, or an organization's full name.")
        }
        (Target::Customers, f) if f == Field::Owner => {
            text("负责同事的用户名。", "The username of the colleague in charge.")
        }
        (Target::Customers, f) if f == Field::Phone => text(
            "手机或座机，如 13800138000、010-12345678。",
            "Mobile or landline, such as 13800138000 or 010-12345678.",
        ),
        (Target::Customers, f) if f == Field::ExternalId => text(
            "其他系统里的编号；再次导入时用它找到同一位客户。",
            "The number in another system; a later import finds the same customer by it.",
        ),
        (Target::Orders, f) if f.is_one_of(&[Field::Id, Field::ExternalId, Field::Phone]) => text(
            "哪位客户的订单：关系编号、外部编号、手机三列填一列即可。",
            "Whose order: fill one of Guanxi ID, external ID or phone.",
        ),
        (Target::Orders, f) if f == Field::OrderNo => text(
            "订单号；同一订单号再次导入时更新那笔订单，不会重复。",
            "The order number; importing the same number again updates that order instead of adding another.",
        ),
        (Target::Orders, f) if f == Field::OrderedAt => text(
            "下单时间，如 2026-03-15 14:30（中国时间）。",
            "When it was ordered, such as 2026-03-15 14:30 (China time).",
        ),
        (Target::Orders, f) if f.is_one_of(&[Field::Amount, Field::Cost]) => {
            text("金额（元），如 1280 或 1,280.50。", "Yuan, such as 1280 or 1,280.50.")
        }
        _ if input.html_type() == "date" => text("日期，如 2024-03-15。", "A date, such as 2024-03-15."),
        _ if input.is_select() => {
            let labels: Vec<&str> =
                input.options().iter().filter(|(code, _)| !code.is_empty()).map(|(_, l)| l.as_str()).collect();
            format!("{}{}", t.pick("以下之一：", "One of: "), labels.join(lang.pick("、", ", ")))
        }
        _ => input.hint.unwrap_or("").to_string(),
    };
    let required = match target {
        Target::Customers => input.required,
        Target::Orders => f.is_one_of(&[Field::OrderedAt, Field::Amount]),
    };
    (required, how)
}

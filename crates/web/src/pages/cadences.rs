//! Cadences 跟进节奏 and message templates on the web: the list with the coffee shop's example,
//! a cadence's form with its steps, its page (how it went, who is in it, enrolling by ID), the
//! customer list's "enrol these", a template's form with a preview for a real customer, and
//! running the due steps now. The customer page's cadence and consent section posts here too.

use super::form::{self, Input, InputKind};
use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::{Chrome, Done, FormData, Nav, china_time, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guanxi_domain::cadences::{
    CadenceDraft, ConsentDraft, ConsentState, EnrolRule, LeftBecause, MergeField, StepKind, TEMPLATE_FIELDS,
    TemplateDraft,
};
use guanxi_domain::outbox::MessageChannel;
use guanxi_domain::{Field, Lang, Raw, Validation};
use guanxi_store::{CadenceRecord, EnrolmentRecord, StoreError, TemplateRecord};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cadences", get(list).post(create))
        .route("/cadences/new", get(new_form))
        .route("/cadences/example", post(example))
        .route("/cadences/run", post(run_now))
        .route("/cadences/{id}", get(show).post(update))
        .route("/cadences/{id}/edit", get(edit_form))
        .route("/cadences/{id}/enrol", post(enrol_ids))
        .route("/enrolments/{id}/leave", post(leave))
        .route("/templates", get(templates).post(create_template))
        .route("/templates/new", get(new_template))
        .route("/templates/{id}", post(update_template))
        .route("/templates/{id}/edit", get(edit_template))
        .route("/customers/{id}/consent", post(consent))
        .route("/customers/{id}/enrol", post(enrol_customer))
}

/// The cadence fields of its form (the steps are rows of their own).
pub const CADENCE_FIELDS: &[Field] = &[
    Field::CadenceName,
    Field::Description,
    Field::EnrolOn,
    Field::StartsOn,
    Field::ExitOnReply,
    Field::ExitOnBuy,
    Field::ExitOnVisit,
];
/// The fields of one step row, in its order.
pub const STEP_FIELDS: &[Field] =
    &[Field::DelayDays, Field::StepAction, Field::Template, Field::StepSend, Field::TaskTitleTemplate];

/// One step as a line: its day, what it does.
pub struct StepView {
    pub day: i64,
    pub delay: i64,
    pub what: String,
}

fn step_views(c: &CadenceRecord, templates: &[TemplateRecord], t: T) -> Vec<StepView> {
    let mut day = 0;
    c.draft
        .steps
        .iter()
        .map(|s| {
            day += s.delay_days;
            let what = match (s.kind, s.template_id, &s.task_title) {
                (StepKind::Task, _, Some(title)) => format!("{}{}{title}", s.kind.label(t.lang()), t.colon()),
                (_, Some(id), _) => {
                    let name = templates.iter().find(|x| x.id == id).map_or(String::new(), |x| x.draft.name.clone());
                    let approval = if s.approve {
                        format!(" · {}", guanxi_domain::cadences::SendMode::Approve.label(t.lang()))
                    } else {
                        String::new()
                    };
                    format!("{}{}{name}{approval}", s.kind.label(t.lang()), t.colon())
                }
                _ => s.kind.label(t.lang()).to_string(),
            };
            StepView { day, delay: s.delay_days, what }
        })
        .collect()
}

fn n(text: &str, n: impl std::fmt::Display) -> String {
    text.replace("{n}", &n.to_string())
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
    enrolled: Option<u64>,
    already: Option<u64>,
    unknown: Option<u64>,
    ran: Option<usize>,
}

#[derive(Template)]
#[template(path = "cadences.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<(CadenceRecord, Vec<StepView>)>,
    can_manage: bool,
    ran: Option<String>,
}

async fn list(State(state): State<AppState>, v: Viewer, Query(q): Query<DoneQuery>) -> Result<Response, AppError> {
    let t = T(v.lang());
    let templates = state.store().templates().await?;
    let rows = state
        .store()
        .cadences()
        .await?
        .into_iter()
        .map(|c| {
            let steps = step_views(&c, &templates, t);
            (c, steps)
        })
        .collect();
    let page = ListPage {
        c: Chrome::new(&v, Nav::Cadences, q.done.as_deref(), "/cadences".into()),
        rows,
        can_manage: v.may(Action::ManageCadences).is_ok(),
        ran: q.ran.map(|r| n(t.cadence_ran_n(), r)),
    };
    Ok(render(&page))
}

async fn example(State(state): State<AppState>, v: Viewer) -> Result<Response, AppError> {
    v.may(Action::ManageCadences)?;
    // Made once: a second click goes to the one already there.
    let name = guanxi_domain::cadences::coffee_shop_example(v.lang()).0.name;
    if let Some(c) = state.store().cadences().await?.into_iter().find(|c| c.draft.name == name) {
        return Ok(Redirect::to(&format!("/cadences/{}", c.id)).into_response());
    }
    let c = state.store().create_example_cadence(v.actor(), v.lang()).await?;
    Ok(Redirect::to(&format!("/cadences/{}?done={}", c.id, Done::CadenceSaved.code())).into_response())
}

/// A step row of the form.
pub struct StepRow {
    pub n: usize,
    pub inputs: Vec<Input>,
}

#[derive(Template)]
#[template(path = "cadence_form.html")]
struct FormPage {
    c: Chrome,
    title: &'static str,
    action: String,
    inputs: Vec<Input>,
    steps: Vec<StepRow>,
    error: Option<String>,
}

fn template_choices(templates: &[TemplateRecord], t: T) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), "—".to_string())];
    out.extend(templates.iter().map(|tp| {
        (
            tp.id.to_string(),
            format!("{}{}{}{}", tp.draft.name, t.pick("（", " ("), tp.draft.channel.label(t.lang()), t.pick("）", ")")),
        )
    }));
    out
}

async fn form_page(
    state: &AppState,
    v: &Viewer,
    id: Option<i64>,
    raw: &Raw,
    steps: &[Raw],
    errors: Option<&Validation>,
) -> Result<Response, AppError> {
    let t = T(v.lang());
    let templates = state.store().templates().await?;
    let mut inputs = form::inputs(CADENCE_FIELDS, raw, errors, t);
    for i in inputs.iter_mut() {
        if i.name == Field::CadenceName.code() {
            i.required = true;
        }
        if i.name == Field::EnrolOn.code() {
            let lang = t.lang();
            let mut options = vec![(String::new(), t.cadence_enrol_by_hand().to_string())];
            options.extend(EnrolRule::ALL.iter().map(|r| (r.code().to_string(), r.label(lang).to_string())));
            i.kind = InputKind::Select(options);
        }
        if i.name == Field::StartsOn.code() {
            i.kind = InputKind::Date;
            i.hint = Some(t.cadence_starts_on_hint());
        }
        if [Field::ExitOnReply, Field::ExitOnBuy, Field::ExitOnVisit].iter().any(|f| f.code() == i.name) {
            let ticked = matches!(i.value.as_str(), "yes" | "on" | "true" | "1");
            i.kind = InputKind::Ticks(vec![("yes".into(), i.label.to_string(), ticked)], None);
        }
    }
    // The saved steps and three empty rows to add more.
    let mut rows: Vec<Raw> = steps.to_vec();
    rows.extend((0..3).map(|_| Raw::new()));
    let steps = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut inputs = form::inputs(STEP_FIELDS, r, None, t);
            for input in inputs.iter_mut() {
                input.row = Some(i + 1);
                if input.name == Field::Template.code() {
                    input.kind = InputKind::Select(template_choices(&templates, t));
                }
                if input.name == Field::StepSend.code() {
                    // Empty is "by itself", so that an unused row stays empty.
                    use guanxi_domain::cadences::SendMode;
                    let lang = t.lang();
                    input.kind = InputKind::Select(vec![
                        (String::new(), SendMode::Auto.label(lang).to_string()),
                        (SendMode::Approve.code().to_string(), SendMode::Approve.label(lang).to_string()),
                    ]);
                    if input.value == SendMode::Auto.code() {
                        input.value.clear();
                    }
                    if i == 0 {
                        input.hint = Some(t.cadence_send_hint());
                    }
                }
            }
            StepRow { n: i + 1, inputs }
        })
        .collect();
    let page = FormPage {
        c: Chrome::new(v, Nav::Cadences, None, "/cadences".into()),
        title: if id.is_some() { t.cadence_edit() } else { t.cadence_new() },
        action: id.map_or("/cadences".to_string(), |id| format!("/cadences/{id}")),
        inputs,
        steps,
        error: errors.map(|e| e.message(v.lang())),
    };
    let mut r = render(&page);
    if errors.is_some() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

fn cadence_raw(d: &CadenceDraft) -> (Raw, Vec<Raw>) {
    let yes = |b: bool| if b { "yes" } else { "" };
    let raw = Raw::new()
        .with(Field::CadenceName, d.name.clone())
        .with(Field::Description, d.description.clone().unwrap_or_default())
        .with(Field::ExitOnReply, yes(d.exit_on_reply))
        .with(Field::ExitOnBuy, yes(d.exit_on_buy))
        .with(Field::ExitOnVisit, yes(d.exit_on_visit))
        .with(Field::StartsOn, d.starts_on.map(|s| s.to_string()).unwrap_or_default())
        .with(Field::EnrolOn, d.enrol_on.map(|r| r.code()).unwrap_or_default());
    let steps = d
        .steps
        .iter()
        .map(|s| {
            Raw::new()
                .with(Field::DelayDays, s.delay_days.to_string())
                .with(Field::StepAction, s.kind.code())
                .with(Field::Template, s.template_id.map(|i| i.to_string()).unwrap_or_default())
                .with(Field::StepSend, if s.approve { "approve" } else { "" })
                .with(Field::TaskTitleTemplate, s.task_title.clone().unwrap_or_default())
        })
        .collect();
    (raw, steps)
}

/// The step rows of a posted form: the n-th value of each step field makes row n.
fn posted_steps(form: &FormData) -> Vec<Raw> {
    let mut rows: Vec<Raw> = Vec::new();
    for f in STEP_FIELDS {
        for (i, (_, value)) in form.0.iter().filter(|(k, _)| k == f.code()).enumerate() {
            if rows.len() <= i {
                rows.push(Raw::new());
            }
            rows[i].set(*f, value.clone());
        }
    }
    rows
}

async fn new_form(State(state): State<AppState>, v: Viewer) -> Result<Response, AppError> {
    v.may(Action::ManageCadences)?;
    let raw = Raw::new().with(Field::ExitOnReply, "yes");
    form_page(&state, &v, None, &raw, &[], None).await
}

async fn edit_form(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    v.may(Action::ManageCadences)?;
    let c = state.store().cadence(id).await?;
    let (raw, steps) = cadence_raw(&c.draft);
    form_page(&state, &v, Some(id), &raw, &steps, None).await
}

async fn save(state: &AppState, v: &Viewer, id: Option<i64>, body: &Bytes) -> Result<Response, AppError> {
    v.may(Action::ManageCadences)?;
    let form = FormData::parse(body)?;
    let raw = form.raw(CADENCE_FIELDS);
    let steps = posted_steps(&form);
    let result = match CadenceDraft::parse(&raw, &steps) {
        Ok(d) => state.store().save_cadence(v.actor(), id, &d).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/cadences/{}?done={}", c.id, Done::CadenceSaved.code())).into_response()),
        Err(StoreError::Invalid(e)) => form_page(state, v, id, &raw, &steps, Some(&e)).await,
        Err(e) => Err(e.into()),
    }
}

async fn create(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    save(&state, &v, None, &body).await
}

async fn update(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    save(&state, &v, Some(id), &body).await
}

/// A customer's time in a cadence as the pages show it.
pub struct EnrolmentView {
    pub id: i64,
    pub cadence_id: i64,
    pub cadence: String,
    pub customer_id: i64,
    pub customer: String,
    pub state: String,
    pub active: bool,
    pub enrolled: String,
    pub events: Vec<(String, String, Option<i64>)>,
}

impl EnrolmentView {
    pub fn new(e: &EnrolmentRecord, t: T) -> EnrolmentView {
        let lang = t.lang();
        let state = match (e.left_because, e.next_at) {
            (Some(why), _) => why.label(lang).to_string(),
            (None, Some(at)) => format!(
                "{}{}{} {}",
                t.cadence_next(),
                t.colon(),
                n(t.cadence_step_n(), e.next_step + 1),
                china_time(&at)
            ),
            (None, None) => t.cadence_active().to_string(),
        };
        let events = e
            .events
            .iter()
            .map(|ev| {
                let step = ev.position.map(|p| format!("{} ", n(t.cadence_step_n(), p + 1))).unwrap_or_default();
                let what = match ev.what.as_str() {
                    "queued" => t.event_queued().to_string(),
                    "task" => t.event_task().to_string(),
                    "skipped" => format!(
                        "{}{}{}",
                        t.event_skipped(),
                        t.colon(),
                        match ev.detail.as_deref() {
                            Some("no_email") => t.skip_no_email(),
                            Some("no_phone") => t.skip_no_phone(),
                            Some("no_wechat") => t.skip_no_wechat(),
                            Some("no_address") => t.skip_no_address(),
                            Some("no_consent") => t.skip_no_consent(),
                            Some("no_template") => t.skip_no_template(),
                            Some("late") => t.skip_late(),
                            _ => "",
                        }
                    ),
                    _ => format!(
                        "{}{}{}",
                        t.event_left(),
                        t.colon(),
                        ev.detail.as_deref().and_then(LeftBecause::from_code).map_or("", |l| l.label(lang))
                    ),
                };
                (china_time(&ev.at), format!("{step}{what}"), ev.outbox_id)
            })
            .collect();
        EnrolmentView {
            id: e.id,
            cadence_id: e.cadence_id,
            cadence: e.cadence_name.clone(),
            customer_id: e.customer_id,
            customer: e.customer_name.clone(),
            state,
            active: e.left_because.is_none(),
            enrolled: china_time(&e.enrolled_at),
            events,
        }
    }
}

#[derive(Template)]
#[template(path = "cadence.html")]
struct ShowPage {
    c: Chrome,
    cadence: CadenceRecord,
    steps: Vec<StepView>,
    report: guanxi_store::CadenceReport,
    left: Vec<(String, i64)>,
    enrolments: Vec<EnrolmentView>,
    can_manage: bool,
    enrolled_note: Option<String>,
    /// What was typed in the enrol form and why it was refused.
    enrol_error: Option<(String, String)>,
}

async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    show_page(&state, &v, id, &q, None).await
}

/// The cadence's page, with the enrol form's error when it has one (and its 422).
async fn show_page(
    state: &AppState,
    v: &Viewer,
    id: i64,
    q: &DoneQuery,
    enrol_error: Option<(String, String)>,
) -> Result<Response, AppError> {
    let t = T(v.lang());
    let c = state.store().cadence(id).await?;
    let templates = state.store().templates().await?;
    let mut report = state.store().cadence_report(id).await?;
    for position in 0..c.draft.steps.len() as i32 {
        if !report.steps.iter().any(|s| s.position == position) {
            report.steps.push(guanxi_store::StepReport { position, queued: 0, sent: 0, skipped: 0, tasks: 0 });
        }
    }
    report.steps.sort_by_key(|s| s.position);
    let enrolments =
        state.store().enrolments(None, Some(id), 100).await?.iter().map(|e| EnrolmentView::new(e, t)).collect();
    let enrolled_note = q.enrolled.map(|e| {
        let mut s = t.count(t.cadence_enrolled_n(), e as i64);
        if let Some(a) = q.already.filter(|a| *a > 0) {
            s.push_str(t.pick("；", "; "));
            s.push_str(&n(t.cadence_already_n(), a));
        }
        if let Some(u) = q.unknown.filter(|u| *u > 0) {
            s.push_str(t.pick("；", "; "));
            s.push_str(&n(t.cadence_unknown_n(), u));
        }
        s
    });
    let failed = enrol_error.is_some();
    let page = ShowPage {
        c: Chrome::new(v, Nav::Cadences, q.done.as_deref(), format!("/cadences/{id}")),
        steps: step_views(&c, &templates, t),
        left: report.left.iter().map(|(w, n)| (w.label(v.lang()).to_string(), *n)).collect(),
        report,
        cadence: c,
        enrolments,
        can_manage: v.may(Action::ManageCadences).is_ok(),
        enrolled_note,
        enrol_error,
    };
    let mut r = render(&page);
    if failed {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

/// Customer IDs as typed: `12, 15 18`, also with full-width commas; what is wrong in words.
fn parse_ids(text: &str, t: T) -> Result<Vec<i64>, String> {
    let mut ids = Vec::new();
    for part in text.split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace()).filter(|p| !p.is_empty())
    {
        match part.parse::<i64>() {
            Ok(id) if id > 0 => ids.push(id),
            _ => return Err(t.cadence_bad_id().replace("{id}", part)),
        }
    }
    if ids.is_empty() {
        return Err(t.cadence_no_ids().to_string());
    }
    if ids.len() > 10_000 {
        return Err(t.cadence_too_many_ids().to_string());
    }
    Ok(ids)
}

pub fn enrolled_to(id: i64, (enrolled, already, unknown): (u64, u64, u64)) -> Response {
    Redirect::to(&format!("/cadences/{id}?enrolled={enrolled}&already={already}&unknown={unknown}")).into_response()
}

async fn enrol_ids(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    v.may(Action::ManageCadences)?;
    let form = FormData::parse(&body)?;
    let typed = form.get("customers").to_string();
    let ids = match parse_ids(&typed, T(v.lang())) {
        Ok(ids) => ids,
        Err(why) => return show_page(&state, &v, id, &DoneQuery::default(), Some((typed, why))).await,
    };
    let counts = state.store().enrol(v.actor(), id, Some(&ids), None, chrono::Utc::now()).await?;
    state.wake_jobs();
    Ok(enrolled_to(id, counts))
}

/// A customer enrolled from their page, by whoever may change the customer.
async fn enrol_customer(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let customer = state.store().customer(id).await?;
    v.may(Action::EditCustomer { owner: customer.owner_id })?;
    let form = FormData::parse(&body)?;
    let cadence: i64 = form
        .get("cadence")
        .trim()
        .parse()
        .map_err(|_| AppError::bad_request("请选择一个跟进节奏", "Choose a cadence"))?;
    state.store().enrol(v.actor(), cadence, Some(&[id]), None, chrono::Utc::now()).await?;
    state.wake_jobs();
    Ok(Redirect::to(&format!("/customers/{id}?done={}#cadences", Done::Saved.code())).into_response())
}

async fn leave(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = FormData::parse(&body)?;
    let e = state.store().enrolments_by_id(id).await?;
    let customer = state.store().customer(e.customer_id).await?;
    v.may(Action::EditCustomer { owner: customer.owner_id })?;
    state.store().leave_cadence(v.actor(), id).await?;
    let back = crate::html::local_path(form.get("back")).unwrap_or_else(|| format!("/cadences/{}", e.cadence_id));
    let sep = if back.contains('?') { "&" } else { "?" };
    Ok(Redirect::to(&format!("{back}{sep}done={}", Done::CadenceLeft.code())).into_response())
}

/// Runs the cadence steps due now (the job worker does it every half minute).
async fn run_now(State(state): State<AppState>, v: Viewer) -> Result<Response, AppError> {
    v.may(Action::ManageCadences)?;
    let ran = state.store().run_cadence_steps(chrono::Utc::now()).await?;
    state.wake_outbox();
    Ok(Redirect::to(&format!("/cadences?done={}&ran={ran}", Done::CadenceRan.code())).into_response())
}

/// Consent recorded from the customer's page.
async fn consent(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let customer = state.store().customer(id).await?;
    v.may(Action::EditCustomer { owner: customer.owner_id })?;
    let form = FormData::parse(&body)?;
    let d = ConsentDraft::parse(form.get("channel"), form.get("consent"), form.get("consent_how"))?;
    state.store().record_consent(v.actor(), id, d.channel, d.state, &d.how).await?;
    Ok(Redirect::to(&format!("/customers/{id}?done={}#cadences", Done::ConsentSaved.code())).into_response())
}

#[derive(Template)]
#[template(path = "templates.html")]
struct TemplatesPage {
    c: Chrome,
    templates: Vec<TemplateRecord>,
    can_manage: bool,
}

async fn templates(State(state): State<AppState>, v: Viewer, Query(q): Query<DoneQuery>) -> Result<Response, AppError> {
    let page = TemplatesPage {
        c: Chrome::new(&v, Nav::Cadences, q.done.as_deref(), "/templates".into()),
        templates: state.store().templates().await?,
        can_manage: v.may(Action::ManageCadences).is_ok(),
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "template_form.html")]
struct TemplateForm {
    c: Chrome,
    title: &'static str,
    action: String,
    inputs: Vec<Input>,
    merge_fields: Vec<(String, &'static str)>,
    preview_with: String,
    preview: Option<(String, String, String)>,
    preview_error: Option<String>,
}

async fn template_page(
    v: &Viewer,
    id: Option<i64>,
    raw: &Raw,
    errors: Option<&Validation>,
    preview_with: &str,
    preview: Option<(String, String, String)>,
    preview_error: Option<String>,
) -> Result<Response, AppError> {
    let t = T(v.lang());
    let mut inputs = form::inputs(TEMPLATE_FIELDS, raw, errors, t);
    for i in inputs.iter_mut() {
        if i.name == Field::Body.code() {
            i.kind = InputKind::TextArea;
        }
        if i.name == Field::TemplateName.code() || i.name == Field::Body.code() {
            i.required = true;
        }
        if i.name == Field::MessageChannel.code() {
            let lang = t.lang();
            i.kind = InputKind::Select(
                guanxi_domain::cadences::TEMPLATE_CHANNELS
                    .iter()
                    .map(|c| (c.code().to_string(), c.label(lang).to_string()))
                    .collect(),
            );
        }
        if i.name == Field::ProviderTemplate.code() {
            i.hint = Some(t.provider_template_hint());
        }
        if i.name == Field::Subject.code() {
            i.hint = Some(t.subject_email_only());
        }
    }
    let lang = v.lang();
    let merge_fields = MergeField::ALL
        .iter()
        .map(|f| {
            (format!("{{{{{}}}}}", f.label(if lang == Lang::ZhCn { Lang::ZhCn } else { Lang::En })), f.label(lang))
        })
        .collect();
    let failed = errors.is_some() || preview_error.is_some();
    let page = TemplateForm {
        c: Chrome::new(v, Nav::Cadences, None, "/templates".into()),
        title: if id.is_some() { t.template_edit() } else { t.template_new() },
        action: id.map_or("/templates".to_string(), |id| format!("/templates/{id}")),
        inputs,
        merge_fields,
        preview_with: preview_with.to_string(),
        preview,
        preview_error,
    };
    let mut r = render(&page);
    if failed {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn new_template(v: Viewer) -> Result<Response, AppError> {
    v.may(Action::ManageCadences)?;
    let raw = Raw::new().with(Field::MessageChannel, "email");
    template_page(&v, None, &raw, None, "", None, None).await
}

async fn edit_template(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    v.may(Action::ManageCadences)?;
    let t = state.store().template(id).await?;
    template_page(&v, Some(id), &t.draft.to_fields(), None, "", None, None).await
}

/// Saves a template, or (the "preview" button) shows it filled in for a customer, unsaved.
async fn save_template(state: &AppState, v: &Viewer, id: Option<i64>, body: &Bytes) -> Result<Response, AppError> {
    v.may(Action::ManageCadences)?;
    let t = T(v.lang());
    let form = FormData::parse(body)?;
    let raw = form.raw(TEMPLATE_FIELDS);
    let with = form.get("preview_with").trim().to_string();
    let draft = match TemplateDraft::parse(&raw) {
        Ok(d) => d,
        Err(e) => return template_page(v, id, &raw, Some(&e), &with, None, None).await,
    };
    if form.get("action") == "preview" {
        let Ok(customer) = with.parse::<i64>() else {
            let message = t.template_preview_need_id().to_string();
            return template_page(v, id, &raw, None, &with, None, Some(message)).await;
        };
        return match state.store().preview_template(&draft, customer, v.lang()).await {
            Ok((subject, body)) => {
                let name = state.store().customer(customer).await?.draft.name;
                let heading = t.template_preview_of().replace("{name}", &name);
                template_page(v, id, &raw, None, &with, Some((heading, subject, body)), None).await
            }
            Err(StoreError::NotFound { .. }) => {
                let message = AppError::Store(StoreError::not_found("customer", customer)).message(v.lang());
                template_page(v, id, &raw, None, &with, None, Some(message)).await
            }
            Err(e) => Err(e.into()),
        };
    }
    state.store().save_template(v.actor(), id, &draft).await?;
    Ok(Redirect::to(&format!("/templates?done={}", Done::TemplateSaved.code())).into_response())
}

async fn create_template(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    save_template(&state, &v, None, &body).await
}

async fn update_template(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    save_template(&state, &v, Some(id), &body).await
}

/// The customer page's part: their cadences with what each step did, enrolling them by hand,
/// and their consent to marketing on each channel with recording it.
pub struct CustomerPart {
    pub enrolments: Vec<EnrolmentView>,
    /// The cadences they may be put in: (id, name).
    pub cadences: Vec<(i64, String)>,
    /// Each channel: (code, label, consent in words).
    pub consent: Vec<(&'static str, &'static str, String)>,
    pub consent_states: Vec<(&'static str, &'static str)>,
}

pub async fn customer_part(state: &AppState, customer: i64, t: T) -> Result<CustomerPart, AppError> {
    let lang = t.lang();
    let enrolments: Vec<EnrolmentView> =
        state.store().enrolments(Some(customer), None, 50).await?.iter().map(|e| EnrolmentView::new(e, t)).collect();
    let active: Vec<i64> = enrolments.iter().filter(|e| e.active).map(|e| e.cadence_id).collect();
    let cadences = state
        .store()
        .cadences()
        .await?
        .into_iter()
        .filter(|c| !active.contains(&c.id))
        .map(|c| (c.id, c.draft.name))
        .collect();
    let recorded = state.store().consents(customer).await?;
    let consent = [MessageChannel::Email, MessageChannel::Sms, MessageChannel::Wechat, MessageChannel::Letter]
        .into_iter()
        .map(|ch| {
            let words = match recorded.iter().find(|r| r.channel == ch) {
                Some(r) => format!("{}{}", r.state.label(lang), t.aside(format!("{} · {}", r.how, china_time(&r.at)))),
                None => t.consent_none().to_string(),
            };
            (ch.code(), ch.label(lang), words)
        })
        .collect();
    let consent_states = ConsentState::ALL.iter().map(|s| (s.code(), s.label(lang))).collect();
    Ok(CustomerPart { enrolments, cadences, consent, consent_states })
}

//! Process sales on the web: the opportunity list, the board by stage (drag a card, or use its
//! form), and the opportunity page with its checklist, qualification, decision chain,
//! objections, contacts, tasks and history.

use super::form::{self, Input};
use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::yuan;
use crate::html::{Chrome, Done, FormData, Nav, china_time, query_choice, query_text, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guanxi_domain::sales::*;
use guanxi_domain::*;
use guanxi_store::{OpportunityFilter, OpportunityPage, OpportunityRecord, StoreError};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/opportunities", get(list_page))
        .route("/opportunities/board", get(board_page))
        .route("/assets/board.js", get(board_js))
        .route("/customers/{id}/opportunities/new", get(new_page).post(create))
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

/// The fields a person edits on an opportunity, in the order of the form.
pub const OPPORTUNITY_FIELDS: &[Field] = &[
    Field::Title,
    Field::Amount,
    Field::ExpectedClose,
    Field::Owner,
    Field::Probability,
    Field::Source,
    Field::Competitors,
    Field::NextStep,
    Field::NextStepOn,
    Field::Proposal,
];

/// The qualification (stage 1) and approach (stage 2) fields, edited on the same form.
pub const QUALIFY_FIELDS: &[Field] = &[
    Field::PurchasingPower,
    Field::PowerEvidence,
    Field::DecisionAuthority,
    Field::AuthorityEvidence,
    Field::Need,
    Field::NeedEvidence,
    Field::Appointment,
    Field::Preparation,
];

pub const OBJECTION_FIELDS: &[Field] = &[Field::Objection, Field::Cause, Field::Answer, Field::Resolved];
pub const WON_FIELDS: &[Field] = &[Field::Amount, Field::ClosedOn];
pub const LOST_FIELDS: &[Field] = &[Field::LostReason, Field::LostTo, Field::ClosedOn];

/// The list's and the board's query.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DealQuery {
    /// The owner's username; `me` for the caller
    pub owner: Option<String>,
    /// The owners' team
    pub team: Option<String>,
    /// qualify, approach, negotiation, objections, closing, after_sales
    pub stage: Option<String>,
    /// open, won or lost
    pub status: Option<String>,
    /// Words of the title or the customer's name
    pub q: Option<String>,
    /// Only open deals without activity for the stall threshold (`true`)
    pub stalled: Option<String>,
    /// A customer's Guanxi ID
    pub customer: Option<i64>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
    #[param(ignore)]
    pub done: Option<String>,
}

impl DealQuery {
    /// The store's filter, or a 400 naming the parameter and the value.
    pub async fn filter(&self, state: &AppState, v: &Viewer) -> Result<OpportunityFilter, AppError> {
        let text = query_text;
        let owner_id = owner_filter(state, v, text(&self.owner).as_deref()).await?;
        let stage = query_choice("stage", "阶段", &self.stage, Stage::parse, Stage::codes())?;
        let status = query_choice("status", "状态", &self.status, DealStatus::parse, DealStatus::codes())?;
        let quiet_since = match text(&self.stalled).as_deref() {
            None | Some("false") | Some("0") => None,
            Some(_) => {
                let days = state.store().sales_settings().await?.stalled_days;
                Some(chrono::Utc::now() - chrono::Duration::days(days as i64))
            }
        };
        Ok(OpportunityFilter {
            owner_id,
            team: text(&self.team),
            customer_id: self.customer,
            status,
            stage,
            q: text(&self.q),
            quiet_since,
            page: self.page.unwrap_or(1).max(1),
            per_page: self.per_page.unwrap_or(50).clamp(1, 500),
        })
    }

    fn link(&self) -> String {
        crate::html::query_string(&[
            ("owner", self.owner.as_deref()),
            ("team", self.team.as_deref()),
            ("stage", self.stage.as_deref()),
            ("status", self.status.as_deref()),
            ("q", self.q.as_deref()),
            ("stalled", self.stalled.as_deref()),
        ])
    }

    fn value(&self, v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }
}

/// The owner a list or report is for: a username, `me`, or everyone (empty or `all`); an
/// unknown username is a 400 naming it.
pub async fn owner_filter(state: &AppState, v: &Viewer, owner: Option<&str>) -> Result<Option<i64>, AppError> {
    Ok(match owner {
        None | Some("all") => None,
        Some("me") => Some(v.user.id),
        Some(name) => Some(
            state
                .store()
                .user_by_username(name)
                .await?
                .ok_or_else(|| {
                    AppError::bad_request(format!("负责人“{name}”不是用户"), format!("owner {name:?} is not a user"))
                })?
                .id,
        ),
    })
}

/// A deal as a line of the list or a card of the board.
pub struct DealView {
    pub id: i64,
    pub title: String,
    pub customer_id: i64,
    pub customer: String,
    pub owner: String,
    pub stage: &'static str,
    pub stage_code: &'static str,
    pub status: &'static str,
    pub status_code: &'static str,
    pub amount: String,
    pub weighted: String,
    pub probability: u8,
    pub expected_close: String,
    pub days_in_stage: i64,
    pub stalled: bool,
    pub next_step: String,
}

pub fn deal_view(o: &OpportunityRecord, names: &crate::html::Names, lang: Lang, stalled_days: u32) -> DealView {
    let now = chrono::Utc::now();
    DealView {
        id: o.id,
        title: o.draft.title.clone(),
        customer_id: o.customer_id,
        customer: o.customer_name.clone(),
        owner: names.of(&o.owner_name),
        stage: o.stage.label(lang),
        stage_code: o.stage.code(),
        status: o.status.label(lang),
        status_code: o.status.code(),
        amount: yuan(o.won_amount_fen.unwrap_or(o.draft.amount_fen)),
        weighted: yuan(o.draft.amount_fen * o.probability_pct as i64 / 100),
        probability: o.probability_pct,
        expected_close: o.draft.expected_close.map(|d| d.to_string()).unwrap_or_default(),
        days_in_stage: (now - o.stage_entered_at).num_days(),
        stalled: o.status == DealStatus::Open && (now - o.last_activity_at).num_days() >= stalled_days as i64,
        next_step: match (&o.draft.next_step, o.draft.next_step_on) {
            (Some(s), Some(d)) => format!("{s}{}", T(lang).aside(d)),
            (Some(s), None) => s.clone(),
            _ => String::new(),
        },
    }
}

fn choices_of<V: Copy>(
    all: &[V],
    code: fn(V) -> &'static str,
    label: fn(V, Lang) -> &'static str,
    lang: Lang,
) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), "—".to_string())];
    out.extend(all.iter().map(|v| (code(*v).to_string(), label(*v, lang).to_string())));
    out
}

#[derive(Template)]
#[template(path = "opportunities.html")]
struct ListPage {
    c: Chrome,
    q: DealQuery,
    deals: Vec<DealView>,
    list: OpportunityPage,
    stages: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    owners: Vec<(String, String)>,
    query_string: String,
    page: u32,
    last_page: u32,
}

impl ListPage {
    fn money(&self, fen: &i64) -> String {
        yuan(*fen)
    }

    fn page_link(&self, page: u32) -> String {
        let sep = if self.query_string.is_empty() { "" } else { "&" };
        format!("/opportunities?{}{sep}page={page}", self.query_string)
    }
}

pub async fn owner_choices(state: &AppState, t: T) -> Result<Vec<(String, String)>, AppError> {
    let mut out = vec![(String::new(), t.everyone().to_string()), ("me".to_string(), t.mine().to_string())];
    for u in state.store().users().await? {
        if u.active
            && u.id != guanxi_store::Actor::SYSTEM.0
            && matches!(u.role, Role::SalesRep | Role::Manager | Role::Admin)
        {
            out.push((u.username.clone(), format!("{} ({})", u.display_name, u.username)));
        }
    }
    Ok(out)
}

async fn list_page(State(state): State<AppState>, v: Viewer, Query(q): Query<DealQuery>) -> Result<Response, AppError> {
    let filter = q.filter(&state, &v).await?;
    let list = state.store().list_opportunities(&filter).await?;
    let t = T(v.lang());
    let lang = t.lang();
    let stalled_days = state.store().sales_settings().await?.stalled_days;
    let names = crate::html::Names::load(state.store()).await?;
    let deals = list.items.iter().map(|o| deal_view(o, &names, lang, stalled_days)).collect();
    let query_string = q.link();
    let here =
        if query_string.is_empty() { "/opportunities".to_string() } else { format!("/opportunities?{query_string}") };
    let last_page = ((list.total as u32).div_ceil(filter.per_page)).max(1);
    let page = ListPage {
        c: Chrome::new(&v, Nav::Sales, q.done.as_deref(), here),
        stages: choices_of(Stage::ALL, Stage::code, Stage::label, lang),
        statuses: choices_of(DealStatus::ALL, DealStatus::code, DealStatus::label, lang),
        owners: owner_choices(&state, t).await?,
        q,
        deals,
        list,
        query_string,
        page: filter.page,
        last_page,
    };
    Ok(render(&page))
}

/// One column of the board.
pub struct Column {
    pub code: &'static str,
    pub label: &'static str,
    pub probability: u8,
    pub deals: Vec<DealView>,
    pub amount: String,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    c: Chrome,
    q: DealQuery,
    columns: Vec<Column>,
    owners: Vec<(String, String)>,
    targets: Vec<(String, String)>,
    can_override: bool,
}

/// The board shows open deals of the open stages, at most this many a column.
const BOARD_COLUMN: u32 = 200;

async fn board_page(
    State(state): State<AppState>,
    v: Viewer,
    Query(mut q): Query<DealQuery>,
) -> Result<Response, AppError> {
    if q.owner.is_none() && v.role() == Role::SalesRep {
        q.owner = Some("me".into());
    }
    let mut filter = q.filter(&state, &v).await?;
    filter.status = Some(DealStatus::Open);
    filter.per_page = BOARD_COLUMN;
    let t = T(v.lang());
    let lang = t.lang();
    let settings = state.store().sales_settings().await?;
    let names = crate::html::Names::load(state.store()).await?;
    let mut columns = Vec::new();
    for stage in Stage::ALL.iter().filter(|s| **s != Stage::AfterSales) {
        filter.stage = Some(*stage);
        let page = state.store().list_opportunities(&filter).await?;
        columns.push(Column {
            code: stage.code(),
            label: stage.label(lang),
            probability: settings.probability(*stage),
            deals: page.items.iter().map(|o| deal_view(o, &names, lang, settings.stalled_days)).collect(),
            amount: yuan(page.amount_fen),
        });
    }
    let targets = Stage::ALL
        .iter()
        .filter(|s| **s != Stage::AfterSales)
        .map(|s| (s.code().to_string(), s.label(lang).to_string()))
        .collect();
    let here = match q.link() {
        l if l.is_empty() => "/opportunities/board".to_string(),
        l => format!("/opportunities/board?{l}"),
    };
    let page = BoardPage {
        c: Chrome::new(&v, Nav::Sales, q.done.as_deref(), here),
        owners: owner_choices(&state, t).await?,
        can_override: v.may(Action::OverrideStage).is_ok(),
        q,
        columns,
        targets,
    };
    Ok(render(&page))
}

async fn board_js() -> Response {
    let mut r = include_str!("../../assets/board.js").into_response();
    let h = r.headers_mut();
    h.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("text/javascript; charset=utf-8"));
    h.insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("public, max-age=3600"));
    r
}

#[derive(Template)]
#[template(path = "opportunity_form.html")]
struct NewPage {
    c: Chrome,
    customer_id: i64,
    customer: String,
    inputs: Vec<Input>,
    error: Option<String>,
}

/// The deal form's people as pickers; only managers and admins give a deal to someone else
/// (F-11), so others see just themselves as the owner.
async fn deal_pickers(state: &AppState, v: &Viewer, customer: i64, inputs: &mut [Input]) -> Result<(), AppError> {
    let mut people = form::People::load(state.store(), Some(customer)).await?;
    if v.may(Action::AssignOwner).is_err() {
        people.colleagues.retain(|(u, _)| u.eq_ignore_ascii_case(&v.user.username));
    }
    people.apply(inputs, T(v.lang()));
    Ok(())
}

async fn new_page(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    v.may(Action::CreateOpportunity)?;
    let r = crate::auth::writable_customer(&state, &v, id, crate::auth::CustomerPart::Deal).await?;
    let t = T(v.lang());
    let raw = Raw::new().with(Field::Owner, v.user.username.clone());
    let mut inputs = form::inputs(OPPORTUNITY_FIELDS, &raw, None, t);
    deal_pickers(&state, &v, id, &mut inputs).await?;
    let here = format!("/customers/{id}/opportunities/new");
    Ok(render(&NewPage {
        c: Chrome::new(&v, Nav::Sales, None, here),
        customer_id: id,
        customer: r.draft.name,
        inputs,
        error: None,
    }))
}

async fn create(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    v.may(Action::CreateOpportunity)?;
    let r = crate::auth::writable_customer(&state, &v, id, crate::auth::CustomerPart::Deal).await?;
    let form = FormData::parse(&body)?;
    let mut raw = form.raw(OPPORTUNITY_FIELDS);
    crate::auth::owner_of_new(&v, &mut raw)?;
    let t = T(v.lang());
    let result = match OpportunityDraft::parse(&raw) {
        Ok(d) => state.store().create_opportunity(v.actor(), id, &d).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(new) => Ok(Redirect::to(&format!("/opportunities/{new}?done={}", Done::DealCreated.code())).into_response()),
        Err(StoreError::Invalid(e)) => {
            let mut inputs = form::inputs(OPPORTUNITY_FIELDS, &raw, Some(&e), t);
            deal_pickers(&state, &v, id, &mut inputs).await?;
            let here = format!("/customers/{id}/opportunities/new");
            let page = NewPage {
                c: Chrome::new(&v, Nav::Sales, None, here),
                customer_id: id,
                customer: r.draft.name,
                error: form::unshown(&e, &inputs, t.lang()),
                inputs,
            };
            let mut resp = render(&page);
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

/// A checklist line on the opportunity page.
pub struct CheckView {
    pub stage_code: &'static str,
    pub key: String,
    pub title: String,
    pub why: String,
    pub mandatory: bool,
    pub done: bool,
    /// How it gets done when not by a tick.
    pub verified_by: Option<&'static str>,
    pub tickable: bool,
}

pub struct StageView {
    pub code: &'static str,
    pub label: &'static str,
    pub state: &'static str,
    pub checks: Vec<CheckView>,
}

pub struct ChainView {
    pub key_person_id: i64,
    pub name: String,
    pub role: String,
    pub attitude: String,
    pub attitude_code: &'static str,
    pub engaged: bool,
    pub plan: String,
}

pub struct ObjectionView {
    pub id: i64,
    pub objection: String,
    pub cause: &'static str,
    pub cause_code: &'static str,
    pub side: &'static str,
    pub answer: String,
    pub resolved: bool,
    pub by: String,
    pub when: String,
}

pub struct ContactView {
    pub when: String,
    pub channel: &'static str,
    pub place: String,
    pub summary: String,
    pub people: String,
}

pub struct TaskView {
    pub id: i64,
    pub title: String,
    pub due: String,
    pub assignee: String,
    pub done: bool,
    pub overdue: bool,
}

pub struct ChangeView {
    pub when: String,
    pub from: String,
    pub to: &'static str,
    pub status: &'static str,
    pub by: String,
    pub override_reason: String,
    pub skipped: String,
}

/// Forms of the opportunity page that came back with errors, shown with what was typed.
#[derive(Default)]
pub struct DealForms {
    pub edit: Option<(Raw, Validation)>,
    pub moving: Option<String>,
    /// A move back asked for without confirming it: the stage, to offer again.
    pub back_to: Option<Stage>,
    pub won: Option<(Raw, Validation)>,
    pub lost: Option<(Raw, Validation)>,
    pub objection: Option<(Raw, Validation)>,
    pub chain: Option<String>,
    pub contact: Option<(Raw, Validation)>,
    pub attachment: Option<String>,
}

/// A file of the proposal, as listed.
pub struct FileView {
    pub id: i64,
    pub name: String,
    pub size: String,
    pub by: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "opportunity.html")]
struct DealPage {
    c: Chrome,
    o: OpportunityRecord,
    d: DealView,
    stages: Vec<StageView>,
    edit_form: Vec<Input>,
    qualify_form: Vec<Input>,
    edit_open: bool,
    move_error: Option<String>,
    /// The next stage: moving forward means this one.
    next_stage: Option<(String, String)>,
    /// Earlier stages a deal may be moved back to, with the one asked for chosen.
    back_targets: Vec<(String, String, bool)>,
    won_form: Vec<Input>,
    lost_form: Vec<Input>,
    close_open: bool,
    chain: Vec<ChainView>,
    chain_warnings: Vec<String>,
    chain_choices: Vec<(String, String)>,
    chain_error: Option<String>,
    objections: Vec<ObjectionView>,
    objection_form: Vec<Input>,
    objection_open: bool,
    contacts: Vec<ContactView>,
    contact_form: Vec<Input>,
    contact_open: bool,
    tasks: Vec<TaskView>,
    files: Vec<FileView>,
    file_error: Option<String>,
    history: Vec<ChangeView>,
    recommended: String,
    can_work: bool,
    can_override: bool,
    is_open: bool,
    lost_info: String,
}

fn split(f: Option<(Raw, Validation)>) -> (Option<Raw>, Option<Validation>) {
    match f {
        Some((r, v)) => (Some(r), Some(v)),
        None => (None, None),
    }
}

async fn detail(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<DealQuery>,
) -> Result<Response, AppError> {
    deal_page(&state, &v, id, q.done.as_deref(), DealForms::default()).await
}

pub async fn deal_page(
    state: &AppState,
    v: &Viewer,
    id: i64,
    done: Option<&str>,
    forms: DealForms,
) -> Result<Response, AppError> {
    let store = state.store();
    let names = crate::html::Names::load(store).await?;
    let o = store.opportunity(id).await?;
    let t = T(v.lang());
    let lang = t.lang();
    let settings = store.sales_settings().await?;
    let checklist = store.opportunity_checklist(id).await?;
    let stages = Stage::ALL
        .iter()
        .map(|s| StageView {
            code: s.code(),
            label: s.label(lang),
            state: if o.status == DealStatus::Lost && *s == o.stage {
                "lost"
            } else if s.index() < o.stage.index() || (o.status == DealStatus::Won && *s == o.stage) {
                "passed"
            } else if *s == o.stage {
                "current"
            } else {
                "ahead"
            },
            checks: checklist
                .iter()
                .filter(|c| c.stage == *s)
                .map(|c| CheckView {
                    stage_code: s.code(),
                    key: c.action.key.clone(),
                    title: c.action.title.clone(),
                    why: c.action.why.clone(),
                    mandatory: c.action.mandatory,
                    done: c.done,
                    verified_by: (c.action.requires != Requirement::Tick).then(|| c.action.requires.label(lang)),
                    tickable: c.action.requires == Requirement::Tick,
                })
                .collect(),
        })
        .collect();
    let (edit_raw, edit_err) = split(forms.edit);
    let edit_open = edit_err.is_some();
    let edit_raw = edit_raw.unwrap_or_else(|| o.draft.to_fields());
    let mut edit_form = form::inputs(OPPORTUNITY_FIELDS, &edit_raw, edit_err.as_ref(), t);
    deal_pickers(state, v, o.customer_id, &mut edit_form).await?;
    let qualify_form = form::inputs(QUALIFY_FIELDS, &edit_raw, edit_err.as_ref(), t);
    let (won_raw, won_err) = split(forms.won);
    let (lost_raw, lost_err) = split(forms.lost);
    let close_open = won_err.is_some() || lost_err.is_some();
    let won_raw = won_raw.unwrap_or_else(|| Raw::new().with(Field::Amount, fen_to_yuan(o.draft.amount_fen)));
    let won_form = form::inputs(WON_FIELDS, &won_raw, won_err.as_ref(), t);
    let lost_form = form::inputs(LOST_FIELDS, &lost_raw.unwrap_or_default(), lost_err.as_ref(), t);

    let chain_records = store.decision_chain(id).await?;
    let members: Vec<ChainMember> = chain_records.iter().map(|c| c.member.clone()).collect();
    let chain_warnings = chain_warnings(&members).iter().map(|w| w.message(lang)).collect();
    let chain = chain_records
        .iter()
        .map(|c| ChainView {
            key_person_id: c.key_person_id,
            name: c.member.name.clone(),
            role: c.member.role.map(|r| r.label(lang).to_string()).unwrap_or_default(),
            attitude: c.member.attitude.map(|a| a.label(lang).to_string()).unwrap_or_default(),
            attitude_code: c.member.attitude.map(|a| a.code()).unwrap_or(""),
            engaged: c.member.engaged,
            plan: c.member.plan.clone().unwrap_or_default(),
        })
        .collect();
    let mut chain_choices = vec![(String::new(), "—".to_string())];
    for k in store.key_people(o.customer_id).await? {
        let role = k.draft.decision_role.map(|r| format!(" · {}", r.label(lang))).unwrap_or_default();
        chain_choices.push((k.id.to_string(), format!("{}{role}", k.draft.name)));
    }

    let objections = store
        .objections(id)
        .await?
        .into_iter()
        .map(|b| ObjectionView {
            id: b.id,
            objection: b.objection,
            cause: b.cause.label(lang),
            cause_code: b.cause.code(),
            side: if b.cause.ours() { t.cause_ours() } else { t.cause_theirs() },
            answer: b.answer.unwrap_or_default(),
            resolved: b.resolved_at.is_some(),
            by: names.of(&b.created_by),
            when: china_time(&b.created_at),
        })
        .collect();
    let (obj_raw, obj_err) = split(forms.objection);
    let objection_open = obj_err.is_some();
    let objection_form = form::inputs(OBJECTION_FIELDS, &obj_raw.unwrap_or_default(), obj_err.as_ref(), t);

    let contacts = store
        .interactions(o.customer_id)
        .await?
        .into_iter()
        .filter(|i| i.draft.opportunity_id == Some(id))
        .map(|i| ContactView {
            when: china_time(&i.draft.occurred_at),
            channel: i.draft.channel.label(lang),
            place: i.draft.place.clone().unwrap_or_default(),
            summary: i.draft.summary.clone(),
            people: i
                .ours
                .iter()
                .map(|p| names.of(&p.name))
                .chain(i.theirs.iter().map(|p| p.name.clone()))
                .collect::<Vec<_>>()
                .join(t.pick("、", ", ")),
        })
        .collect();
    let (contact_raw, contact_err) = split(forms.contact);
    let contact_open = contact_err.is_some();
    let contact_raw = contact_raw.unwrap_or_else(|| Raw::new().with(Field::Channel, Channel::FaceToFace.code()));
    let mut contact_form = form::inputs(form::INTERACTION_FIELDS, &contact_raw, contact_err.as_ref(), t);
    form::People::load(store, Some(o.customer_id)).await?.apply(&mut contact_form, t);

    let today = guanxi_store::today_in_china();
    let tasks = store
        .opportunity_tasks(id)
        .await?
        .into_iter()
        .map(|k| TaskView {
            id: k.id,
            overdue: k.done_at.is_none() && k.due_on < today,
            title: k.title,
            due: k.due_on.to_string(),
            assignee: names.of(&k.assignee),
            done: k.done_at.is_some(),
        })
        .collect();
    let files = store
        .attachments(id)
        .await?
        .into_iter()
        .map(|a| FileView {
            id: a.id,
            name: a.name,
            size: if a.size >= 1024 * 1024 {
                format!("{:.1} MB", a.size as f64 / 1048576.0)
            } else {
                format!("{:.0} KB", (a.size as f64 / 1024.0).ceil())
            },
            by: names.of(&a.created_by),
            when: china_time(&a.created_at),
        })
        .collect();
    let history = store
        .opportunity_changes(id)
        .await?
        .into_iter()
        .map(|h| ChangeView {
            when: china_time(&h.changed_at),
            from: h.from_stage.map(|s| s.label(lang).to_string()).unwrap_or_default(),
            to: h.to_stage.label(lang),
            status: h.status.label(lang),
            by: names.of(&h.changed_by),
            override_reason: h.override_reason.unwrap_or_default(),
            skipped: h.skipped.join(t.pick("、", ", ")),
        })
        .collect();
    // Seed 003: the appointment method follows the customer's value.
    let recommended = match store.customer_value(o.customer_id).await? {
        Some(cv) => {
            let rule = store.value_settings().await?.rule(cv.tier);
            let sep = if lang == Lang::ZhCn { "、" } else { ", " };
            format!(
                "{}（{}）",
                rule.approaches.iter().map(|a| a.label(lang)).collect::<Vec<_>>().join(sep),
                cv.tier.label(lang)
            )
        }
        None => t.no_value_yet().to_string(),
    };
    let next_stage = o.stage.next().map(|s| (s.code().to_string(), s.label(lang).to_string()));
    let back_targets = Stage::ALL
        .iter()
        .filter(|s| s.index() < o.stage.index())
        .map(|s| (s.code().to_string(), s.label(lang).to_string(), forms.back_to == Some(*s)))
        .collect();
    let lost_info = match (&o.lost_reason, &o.lost_to) {
        (Some(r), Some(to)) => format!("{r} · {} {to}", t.lost_to()),
        (Some(r), None) => r.clone(),
        _ => String::new(),
    };
    let page = DealPage {
        c: Chrome::new(v, Nav::Sales, done, format!("/opportunities/{id}")),
        d: deal_view(&o, &names, lang, settings.stalled_days),
        can_work: v.may(Action::WorkOpportunity { owner: o.owner_id }).is_ok(),
        can_override: v.may(Action::OverrideStage).is_ok(),
        is_open: o.status == DealStatus::Open,
        o,
        stages,
        edit_form,
        qualify_form,
        edit_open,
        move_error: forms.moving,
        next_stage,
        back_targets,
        won_form,
        lost_form,
        close_open,
        chain,
        chain_warnings,
        chain_choices,
        chain_error: forms.chain,
        objections,
        objection_form,
        objection_open,
        contacts,
        contact_form,
        contact_open,
        tasks,
        files,
        file_error: forms.attachment,
        history,
        recommended,
        lost_info,
    };
    let failed = page.edit_open
        || page.move_error.is_some()
        || page.close_open
        || page.objection_open
        || page.chain_error.is_some()
        || page.contact_open;
    let mut resp = render(&page);
    if failed {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
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

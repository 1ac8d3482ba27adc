//! Process sales on the web: the opportunity list, the board by stage (drag a card, or use its
//! form) and opening a deal; the fields and views the deal's own page (`deal`, `deal_actions`)
//! and the customer's page share.

use super::form::{self, Input};
use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::yuan;
use crate::html::{Chrome, Done, FormData, Nav, query_choice, query_text, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
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
pub(crate) async fn deal_pickers(
    state: &AppState,
    v: &Viewer,
    customer: i64,
    inputs: &mut [Input],
) -> Result<(), AppError> {
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

//! Referrals (on the referred customer's page, and the report) and win-back cases (the list,
//! each case with its lifetime figure, the "one nail" guidance, attempts and outcome).

use super::form::{self, Input};
use super::referrals::{REFERRAL_FIELDS, ReferralView};
use crate::AppState;
use crate::auth::{Action, Viewer, editable_customer};
use crate::error::AppError;
use crate::html::yuan;
use crate::html::{Chrome, FormData, Nav, china_time, query_choice, query_day, query_text, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guanxi_domain::winback::{AttemptDraft, CaseOutcome, CaseStatus, ReferralDraft, guidance};
use guanxi_domain::{Field, Lang, Raw, Validation};
use guanxi_store::{CaseRecord, StoreError};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers/{id}/referral", post(add_referral))
        .route("/referrals/{id}/remove", post(remove_referral))
        .route("/referrals", get(report_page))
        .route("/customers/{id}/winback", post(open_case))
        .route("/winback", get(cases_page))
        .route("/winback/{id}", get(case_page))
        .route("/winback/{id}/attempts", post(add_attempt))
        .route("/winback/{id}/close", post(close_case))
}

pub const ATTEMPT_FIELDS: &[Field] = &[Field::Channel, Field::AttemptWhat, Field::TheirResponse];
pub const OUTCOME_FIELDS: &[Field] = &[Field::Outcome, Field::OutcomeReason];

async fn add_referral(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let raw = FormData::parse(&body)?.raw(REFERRAL_FIELDS);
    let result = match ReferralDraft::parse(&raw, guanxi_store::today_in_china()) {
        Ok(d) => state.store().add_referral(v.actor(), id, &d).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/customers/{id}?done=saved#referrals")).into_response()),
        Err(StoreError::Invalid(e)) => {
            let forms = super::archive::ArchiveForms { referral: Some((raw, e)), ..Default::default() };
            super::archive::archive_page(&state, &v, id, None, forms).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn remove_referral(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    // The same rule as adding one: whoever may change the referred customer (F-09).
    crate::auth::editable_customer(&state, &v, state.store().referred_by_referral(id).await?).await?;
    let referred = state.store().remove_referral(v.actor(), id).await?;
    Ok(Redirect::to(&format!("/customers/{referred}?done=removed#referrals")).into_response())
}

#[derive(Deserialize)]
struct ReportQuery {
    since: Option<String>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "referrals.html")]
struct ReportPage {
    c: Chrome,
    since: String,
    totals: Vec<(&'static str, String)>,
    top: Vec<(i64, String, i64, i64, String, String)>,
    recent: Vec<ReferralView>,
}

async fn report_page(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let t = T(v.lang());
    let since = query_day("since", "开始日期", &q.since)?;
    let r = state.store().referral_report(since).await?;
    let rate = if r.referrals > 0 {
        format!("{}%", (r.converted * 100 + r.referrals / 2) / r.referrals)
    } else {
        "—".into()
    };
    let page = ReportPage {
        c: Chrome::new(&v, Nav::Relationships, q.done.as_deref(), "/referrals".into()),
        since: query_text(&q.since).unwrap_or_default(),
        totals: vec![
            (t.referrals(), r.referrals.to_string()),
            (t.converted(), format!("{} ({rate})", r.converted)),
            (t.revenue_from_referred(), yuan(r.revenue_fen)),
            (t.rewards_given(), yuan(r.rewards_fen)),
        ],
        top: r
            .top
            .iter()
            .map(|x| (x.customer_id, x.name.clone(), x.referred, x.converted, yuan(x.revenue_fen), yuan(x.rewards_fen)))
            .collect(),
        recent: r.recent.iter().map(|x| ReferralView::new(x, t)).collect(),
    };
    Ok(render(&page))
}

async fn open_case(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let case = state.store().open_winback_case(v.actor(), id).await?;
    Ok(Redirect::to(&format!("/winback/{case}?done=case")).into_response())
}

/// A case as a line of the list.
pub struct CaseLine {
    pub id: i64,
    pub customer_id: i64,
    pub customer: String,
    pub owner: String,
    pub trigger: &'static str,
    pub yearly: String,
    pub loss: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub opened: String,
    pub attempts: i64,
}

impl CaseLine {
    fn new(c: &CaseRecord, names: &crate::html::Names, lang: Lang) -> CaseLine {
        CaseLine {
            id: c.id,
            customer_id: c.customer_id,
            customer: c.customer_name.clone(),
            owner: c.owner.as_deref().map(|o| names.of(o)).unwrap_or_default(),
            trigger: c.trigger.label(lang),
            yearly: yuan(c.figure.yearly_fen),
            loss: yuan(c.figure.loss_fen),
            status: c.status.code(),
            status_label: c.status.label(lang),
            opened: china_time(&c.opened_at),
            attempts: c.attempt_count,
        }
    }
}

#[derive(Deserialize)]
struct CasesQuery {
    status: Option<String>,
    owner: Option<String>,
    page: Option<u32>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "winback_list.html")]
struct CasesPage {
    c: Chrome,
    status: String,
    owner: String,
    statuses: Vec<(String, String)>,
    owners: Vec<(String, String)>,
    lines: Vec<CaseLine>,
    page: u32,
    more: bool,
    link: String,
}

async fn cases_page(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<CasesQuery>,
) -> Result<Response, AppError> {
    let t = T(v.lang());
    let status = query_choice("status", "状态", &q.status, CaseStatus::parse, CaseStatus::codes())?;
    let owner = super::sales::owner_filter(&state, &v, query_text(&q.owner).as_deref()).await?;
    let page = q.page.unwrap_or(1).max(1);
    let mut rows = state.store().winback_cases(status, owner, 51, (page as i64 - 1) * 50).await?;
    let more = rows.len() > 50;
    rows.truncate(50);
    let names = crate::html::Names::load(state.store()).await?;
    let mut statuses = vec![(String::new(), t.everyone_status().to_string())];
    statuses.extend(CaseStatus::ALL.iter().map(|s| (s.code().to_string(), s.label(t.lang()).to_string())));
    let link = crate::html::query_string(&[("status", q.status.as_deref()), ("owner", q.owner.as_deref())]);
    let page = CasesPage {
        c: Chrome::new(&v, Nav::Relationships, q.done.as_deref(), "/winback".into()),
        status: query_text(&q.status).unwrap_or_default(),
        owner: query_text(&q.owner).unwrap_or_default(),
        statuses,
        owners: super::sales::owner_choices(&state, t).await?,
        lines: rows.iter().map(|c| CaseLine::new(c, &names, t.lang())).collect(),
        page,
        more,
        link,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "winback_case.html")]
struct CasePage {
    c: Chrome,
    k: CaseLine,
    years: String,
    why: String,
    guidance: [&'static str; 4],
    attempts: Vec<(String, &'static str, String, String, String)>,
    closed: Option<String>,
    attempt_inputs: Vec<Input>,
    outcome_inputs: Vec<Input>,
    error: Option<String>,
    can_work: bool,
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

#[derive(Default)]
struct CaseForms {
    attempt: Option<(Raw, Validation)>,
    outcome: Option<(Raw, Validation)>,
}

async fn case_page_with(
    state: &AppState,
    v: &Viewer,
    id: i64,
    done: Option<&str>,
    forms: CaseForms,
) -> Result<Response, AppError> {
    let lang = v.lang();
    let t = T(lang);
    let c = state.store().winback_case(id).await?;
    let names = crate::html::Names::load(state.store()).await?;
    let customer = state.store().customer(c.customer_id).await?;
    let why = match super::archive::live_standing(state, c.customer_id).await? {
        Some(s) => s.standing.why.describe(lang),
        None => String::new(),
    };
    let failed = forms.attempt.is_some() || forms.outcome.is_some();
    let (a_raw, a_err) = forms.attempt.map(|(r, e)| (r, Some(e))).unwrap_or_default();
    let (o_raw, o_err) = forms.outcome.map(|(r, e)| (r, Some(e))).unwrap_or_default();
    let outcome_inputs = form::inputs(OUTCOME_FIELDS, &o_raw, o_err.as_ref(), t);
    let attempt_inputs = form::inputs(ATTEMPT_FIELDS, &a_raw, a_err.as_ref(), t);
    // The banners above the forms list the fields' errors; anything else is said here.
    let error = a_err
        .as_ref()
        .and_then(|e| form::unshown(e, &attempt_inputs, lang))
        .or_else(|| o_err.as_ref().and_then(|e| form::unshown(e, &outcome_inputs, lang)));
    let page = CasePage {
        years: match lang {
            Lang::ZhCn => format!("{} 年", c.figure.years),
            Lang::En => format!("{} years", c.figure.years),
        },
        why,
        guidance: guidance(lang),
        attempts: c
            .attempts
            .iter()
            .map(|a| {
                (
                    china_time(&a.at),
                    a.channel.label(lang),
                    a.what.clone(),
                    a.response.clone().unwrap_or_default(),
                    names.of(&a.by),
                )
            })
            .collect(),
        closed: c.closed_at.map(|at| {
            let who = c.closed_by.clone().unwrap_or_default();
            let reason = c.outcome_reason.clone().map(|r| format!(" · {r}")).unwrap_or_default();
            format!("{} · {} · {who}{reason}", c.status.label(lang), china_time(&at))
        }),
        attempt_inputs,
        outcome_inputs,
        error,
        can_work: c.status == CaseStatus::Open
            && v.may(Action::EditCustomer { owner: customer.owner_id }).is_ok()
            && customer.deleted_at.is_none(),
        c: Chrome::new(v, Nav::Relationships, done, format!("/winback/{id}")),
        k: CaseLine::new(&c, &names, lang),
    };
    let mut r = render(&page);
    if failed {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn case_page(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    case_page_with(&state, &v, id, q.done.as_deref(), CaseForms::default()).await
}

/// The case's customer, if the viewer may work on it.
async fn workable(state: &AppState, v: &Viewer, id: i64) -> Result<(), AppError> {
    let c = state.store().winback_case(id).await?;
    editable_customer(state, v, c.customer_id).await.map(|_| ())
}

async fn add_attempt(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    let raw = FormData::parse(&body)?.raw(ATTEMPT_FIELDS);
    let result = match AttemptDraft::parse(&raw) {
        Ok(d) => state.store().add_winback_attempt(v.actor(), id, &d).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/winback/{id}?done=saved")).into_response()),
        Err(StoreError::Invalid(e)) => {
            case_page_with(&state, &v, id, None, CaseForms { attempt: Some((raw, e)), ..Default::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn close_case(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    let raw = FormData::parse(&body)?.raw(OUTCOME_FIELDS);
    let result = match CaseOutcome::parse(&raw) {
        Ok(o) => state.store().close_winback_case(v.actor(), id, &o).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/winback/{id}?done=saved")).into_response()),
        Err(StoreError::Invalid(e)) => {
            case_page_with(&state, &v, id, None, CaseForms { outcome: Some((raw, e)), ..Default::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}

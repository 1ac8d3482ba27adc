//! Satisfaction surveys: on a customer's survey page a person records the answers (taken on a
//! visit or a call) or makes a link for the customer; `/s/{token}` is that link — no sign-in,
//! one answer, until it expires. A link used twice, expired or tampered with gets a clear page
//! and nothing is recorded.

use super::form::{self, Input, SURVEY_ANSWER_FIELDS, SURVEY_REQUEST_FIELDS};
use crate::AppState;
use crate::auth::{Action, Viewer, editable_customer};
use crate::error::AppError;
use crate::html::{Chrome, FormData, Nav, china_time, render};
use crate::i18n::T;
use crate::survey_link;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guanxi_domain::standing::{SurveyAnswers, SurveyRequest};
use guanxi_domain::{Field, Lang, Raw, Validation};
use guanxi_store::{LinkRefusal, StoreError, SurveyRecord};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers/{id}/surveys", get(surveys_page).post(record))
        .route("/customers/{id}/survey-links", post(make_link))
        .route("/survey-links/{id}/cancel", post(cancel_link))
        .route("/s/{token}", get(public_page).post(public_answer))
}

/// Days a link stays open when nobody says otherwise, and at most.
pub const LINK_DAYS: i64 = 14;
pub const LINK_DAYS_MAX: i64 = 90;

/// The installation's signing key, made the first time it is needed.
pub async fn link_secret(state: &AppState) -> Result<String, AppError> {
    Ok(guanxi_outbox::links::secret(state.store()).await?)
}

/// The address a customer opens: under the public address (`AppState::public_base`), never the
/// `Host` a request happened to carry.
pub fn link_url(base: &str, token: &str) -> String {
    format!("{base}/s/{token}")
}

/// A survey's link token (only links have one).
pub fn token_of(secret: &str, s: &SurveyRecord) -> Option<String> {
    let expires = s.link_expires_at?;
    (s.via == "link").then(|| survey_link::sign(secret, s.id, expires.timestamp()))
}

/// A survey as listed on the customer's page.
pub struct SurveyLine {
    pub id: i64,
    pub when: String,
    pub about: String,
    pub by: String,
    /// answered / waiting / expired.
    pub state: &'static str,
    pub state_label: String,
    pub answers: Option<String>,
    pub comment: String,
    pub link: Option<String>,
}

fn describe(a: &SurveyAnswers, t: T) -> String {
    let lang = t.lang();
    let level = match (a.level(), lang) {
        (0, Lang::ZhCn) => "不满意",
        (0, Lang::En) => "not satisfied",
        (1, Lang::ZhCn) => "满意",
        (1, Lang::En) => "satisfied",
        (2, Lang::ZhCn) => "满意并会再次购买",
        (2, Lang::En) => "satisfied, will buy again",
        (_, Lang::ZhCn) => "满意、会再次购买并会推荐朋友",
        (_, Lang::En) => "satisfied, will buy again and bring friends",
    };
    match lang {
        Lang::ZhCn => format!("{level} · 期望 {} / 实际 {} · 满意度 {}", a.expectation, a.experience, a.index()),
        Lang::En => {
            format!("{level} · expected {} / got {} · satisfaction {}", a.expectation, a.experience, a.index())
        }
    }
}

#[derive(Template)]
#[template(path = "surveys.html")]
struct SurveysPage {
    c: Chrome,
    id: i64,
    name: String,
    record_inputs: Vec<Input>,
    record_open: bool,
    link_inputs: Vec<Input>,
    link_days: String,
    link_error: Option<String>,
    lines: Vec<SurveyLine>,
    can_edit: bool,
    /// Links start with the address this server listens on: nobody set the public one.
    unset_base: Option<String>,
}

/// Which form failed, with what was typed.
#[derive(Default)]
struct Failed {
    record: Option<(Raw, Validation)>,
    link: Option<(Raw, String, String)>,
}

async fn page_with(
    state: &AppState,
    v: &Viewer,
    id: i64,
    done: Option<&str>,
    failed: Failed,
) -> Result<Response, AppError> {
    let t = T(v.lang());
    let r = state.store().customer(id).await?;
    // An open link is answered by whoever holds it: only those who may act for the customer see
    // it (F-19).
    let can_edit = v.may(Action::EditCustomer { owner: r.owner_id }).is_ok() && r.deleted_at.is_none();
    let secret = link_secret(state).await?;
    let (base, base_set) = state.public_base().await?;
    let names = crate::html::Names::load(state.store()).await?;
    let now = chrono::Utc::now();
    let lines = state
        .store()
        .surveys(id)
        .await?
        .iter()
        .map(|s| {
            let (state_code, label) = match (s.answered_at, s.link_expires_at) {
                (Some(at), _) => ("answered", format!("{} {}", t.answered(), china_time(&at))),
                (None, Some(exp)) if exp <= now => ("expired", format!("{} {}", t.link_expired(), china_time(&exp))),
                (None, Some(exp)) => ("waiting", format!("{} {}", t.waiting_until(), china_time(&exp))),
                (None, None) => ("waiting", t.waiting_until().to_string()),
            };
            SurveyLine {
                when: china_time(&s.created_at),
                about: match &s.reference {
                    Some(x) => format!("{} · {x}", s.about.label(t.lang())),
                    None => s.about.label(t.lang()).to_string(),
                },
                by: names.of(&s.created_by),
                state: state_code,
                state_label: label,
                answers: s.answers.as_ref().map(|a| describe(a, t)),
                comment: s.answers.as_ref().and_then(|a| a.comment.clone()).unwrap_or_default(),
                link: (state_code == "waiting" && can_edit)
                    .then(|| token_of(&secret, s).map(|tok| link_url(&base, &tok)))
                    .flatten(),
                id: s.id,
            }
        })
        .collect();
    let failing = failed.record.is_some() || failed.link.is_some();
    let (rec_raw, rec_err) = failed.record.map(|(r, e)| (r, Some(e))).unwrap_or_default();
    let (link_raw, link_days, link_error) = match failed.link {
        Some((r, d, e)) => (r, d, Some(e)),
        None => (Raw::new(), LINK_DAYS.to_string(), None),
    };
    let record_fields: Vec<Field> = SURVEY_REQUEST_FIELDS.iter().chain(SURVEY_ANSWER_FIELDS).copied().collect();
    let page = SurveysPage {
        c: Chrome::new(v, Nav::Customers, done, format!("/customers/{id}/surveys")),
        id,
        name: r.draft.name.clone(),
        record_open: rec_err.is_some(),
        record_inputs: form::inputs(&record_fields, &rec_raw, rec_err.as_ref(), t),
        link_inputs: form::inputs(SURVEY_REQUEST_FIELDS, &link_raw, None, t),
        link_days,
        link_error,
        lines,
        can_edit,
        unset_base: (!base_set).then_some(base),
    };
    let mut resp = render(&page);
    if failing {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn surveys_page(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    page_with(&state, &v, id, q.done.as_deref(), Failed::default()).await
}

/// Withdraws an open link (whoever may act for the customer).
async fn cancel_link(State(state): State<AppState>, v: Viewer, Path(sid): Path<i64>) -> Result<Response, AppError> {
    let s = state.store().survey(sid).await?;
    editable_customer(&state, &v, s.customer_id).await?;
    let customer = state.store().cancel_survey_link(v.actor(), sid).await?;
    Ok(Redirect::to(&format!("/customers/{customer}/surveys?done=removed#surveys")).into_response())
}

/// Both parts of a recorded survey, every bad field named at once.
pub fn parse_recorded(raw: &Raw) -> Result<(SurveyRequest, SurveyAnswers), Validation> {
    match (SurveyRequest::parse(raw), SurveyAnswers::parse(raw)) {
        (Ok(r), Ok(a)) => Ok((r, a)),
        (r, a) => {
            let mut v = Validation::default();
            v.0.extend(r.err().map(|e| e.0).unwrap_or_default());
            v.0.extend(a.err().map(|e| e.0).unwrap_or_default());
            Err(v)
        }
    }
}

async fn record(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let fields: Vec<Field> = SURVEY_REQUEST_FIELDS.iter().chain(SURVEY_ANSWER_FIELDS).copied().collect();
    let raw = FormData::parse(&body)?.raw(&fields);
    let result = match parse_recorded(&raw) {
        Ok((request, answers)) => state.store().record_survey(v.actor(), id, &request, "form", &answers).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/customers/{id}/surveys?done=saved")).into_response()),
        Err(StoreError::Invalid(e)) => {
            page_with(&state, &v, id, None, Failed { record: Some((raw, e)), ..Failed::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}

/// How many days a link stays open: 1 to 90, 14 when left empty.
pub fn parse_days(text: &str, lang: Lang) -> Result<i64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(LINK_DAYS);
    }
    match t.parse::<i64>() {
        Ok(n) if (1..=LINK_DAYS_MAX).contains(&n) => Ok(n),
        _ => Err(match lang {
            Lang::ZhCn => format!("有效天数“{t}”应是 1 到 {LINK_DAYS_MAX} 之间的整数"),
            Lang::En => format!("Valid for (days) {t:?} must be a whole number from 1 to {LINK_DAYS_MAX}"),
        }),
    }
}

async fn make_link(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    let raw = form.raw(SURVEY_REQUEST_FIELDS);
    let days_text = form.get("days").to_string();
    let parsed = SurveyRequest::parse(&raw).map_err(|e| e.message(v.lang())).and_then(|r| {
        let days = parse_days(&days_text, v.lang())?;
        Ok((r, days))
    });
    match parsed {
        Ok((request, days)) => {
            // Whole seconds: the token carries the expiry to the second.
            let expires =
                chrono::DateTime::from_timestamp((chrono::Utc::now() + chrono::Duration::days(days)).timestamp(), 0)
                    .unwrap_or_else(chrono::Utc::now);
            state.store().create_survey_link(v.actor(), id, &request, expires).await?;
            Ok(Redirect::to(&format!("/customers/{id}/surveys?done=link#surveys")).into_response())
        }
        Err(e) => {
            let failed = Failed { link: Some((raw, days_text, e)), ..Failed::default() };
            page_with(&state, &v, id, None, failed).await
        }
    }
}

/// The public survey page: the form, a thank-you, or why the link takes no answer.
#[derive(Template)]
#[template(path = "survey_public.html")]
struct PublicPage {
    t: T,
    token: String,
    customer: String,
    about: String,
    inputs: Vec<Input>,
    message: Option<String>,
    error: Option<String>,
    thanks: bool,
}

/// Why a link is refused, in the visitor's language.
fn refusal(r: LinkRefusal, t: T) -> String {
    match (r, t.lang()) {
        (LinkRefusal::Invalid, Lang::ZhCn) => {
            "这个调查链接无效：可能复制不完整或被改动过。请向联系您的同事索取新的链接。".into()
        }
        (LinkRefusal::Invalid, Lang::En) => {
            "This survey link is not valid: it may be incomplete or altered. Please ask your contact for a new one."
                .into()
        }
        (LinkRefusal::Used(at), Lang::ZhCn) => {
            format!("这份调查已在 {} 填写过，每个链接只能填写一次。谢谢您！", china_time(&at))
        }
        (LinkRefusal::Used(at), Lang::En) => {
            format!("This survey was answered on {}; each link takes one answer. Thank you!", china_time(&at))
        }
        (LinkRefusal::Expired(at), Lang::ZhCn) => {
            format!("这个调查链接已于 {} 过期。请向联系您的同事索取新的链接。", china_time(&at))
        }
        (LinkRefusal::Expired(at), Lang::En) => {
            format!("This survey link expired on {}. Please ask your contact for a new one.", china_time(&at))
        }
    }
}

/// The survey a token opens, or why not.
async fn open_link(state: &AppState, token: &str) -> Result<Result<SurveyRecord, LinkRefusal>, AppError> {
    let secret = link_secret(state).await?;
    let Some((id, expires)) = survey_link::verify(&secret, token) else { return Ok(Err(LinkRefusal::Invalid)) };
    let s = match state.store().survey(id).await {
        Ok(s) => s,
        Err(StoreError::NotFound { .. }) => return Ok(Err(LinkRefusal::Invalid)),
        Err(e) => return Err(e.into()),
    };
    if s.via != "link" || s.link_expires_at.map(|e| e.timestamp()) != Some(expires) {
        return Ok(Err(LinkRefusal::Invalid));
    }
    if let Some(at) = s.answered_at {
        return Ok(Err(LinkRefusal::Used(at)));
    }
    match s.link_expires_at {
        Some(e) if e <= chrono::Utc::now() => Ok(Err(LinkRefusal::Expired(e))),
        _ => Ok(Ok(s)),
    }
}

fn public(t: T, token: &str, s: Option<&SurveyRecord>, raw: &Raw, errors: Option<&Validation>) -> PublicPage {
    PublicPage {
        t,
        token: token.to_string(),
        customer: s.map(|s| s.customer_name.clone()).unwrap_or_default(),
        about: s
            .map(|s| match &s.reference {
                Some(r) => format!("{} · {r}", s.about.label(t.lang())),
                None => s.about.label(t.lang()).to_string(),
            })
            .unwrap_or_default(),
        inputs: form::inputs(SURVEY_ANSWER_FIELDS, raw, errors, t),
        message: None,
        error: errors.map(|e| e.message(t.lang())),
        thanks: false,
    }
}

fn refused_page(t: T, token: &str, r: LinkRefusal) -> Response {
    let page = PublicPage { message: Some(refusal(r, t)), ..public(t, token, None, &Raw::new(), None) };
    let mut resp = render(&page);
    *resp.status_mut() = match r {
        LinkRefusal::Invalid => StatusCode::NOT_FOUND,
        LinkRefusal::Used(_) => StatusCode::CONFLICT,
        LinkRefusal::Expired(_) => StatusCode::GONE,
    };
    resp
}

async fn public_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let t = T(crate::auth::anonymous_lang(&headers));
    match open_link(&state, &token).await? {
        Ok(s) => Ok(render(&public(t, &token, Some(&s), &Raw::new(), None))),
        Err(r) => Ok(refused_page(t, &token, r)),
    }
}

async fn public_answer(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let t = T(crate::auth::anonymous_lang(&headers));
    let s = match open_link(&state, &token).await? {
        Ok(s) => s,
        Err(r) => return Ok(refused_page(t, &token, r)),
    };
    let raw = FormData::parse(&body)?.raw(SURVEY_ANSWER_FIELDS);
    let answers = match SurveyAnswers::parse(&raw) {
        Ok(a) => a,
        Err(e) => {
            let mut resp = render(&public(t, &token, Some(&s), &raw, Some(&e)));
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(resp);
        }
    };
    match state.store().answer_survey_link(s.id, &answers, chrono::Utc::now()).await? {
        Ok(_) => Ok(render(&PublicPage { thanks: true, ..public(t, &token, Some(&s), &Raw::new(), None) })),
        Err(r) => Ok(refused_page(t, &token, r)),
    }
}

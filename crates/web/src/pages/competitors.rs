//! Competitors 竞争对手: the list, each competitor's six levels of understanding and the
//! customers engaged with it; and on each customer's page, its engagements with competitors.

use super::form::{self, Input};
use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::{Chrome, Done, FormData, Nav, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guanxi_domain::competitors::{CompetitorDraft, EngagementDraft, LEVELS};
use guanxi_domain::{Field, Raw, Validation};
use guanxi_store::{CompetitorRecord, EngagementRecord, StoreError};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/competitors", get(list).post(create))
        .route("/competitors/{id}", get(detail).post(update))
        .route("/customers/{id}/engagements", post(engage))
        .route("/engagements/{id}/end", post(end))
}

/// The competitor form's fields: the name, the six levels, the evidence.
pub fn competitor_fields() -> Vec<Field> {
    std::iter::once(Field::Name).chain(LEVELS).chain([Field::Evidence]).collect()
}

#[derive(Template)]
#[template(path = "competitors.html")]
struct ListPage {
    c: Chrome,
    list: Vec<CompetitorRecord>,
    inputs: Vec<Input>,
    open: bool,
    can_edit: bool,
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn list_page(
    state: &AppState,
    v: &Viewer,
    done: Option<&str>,
    form: Option<(Raw, Validation)>,
) -> Result<Response, AppError> {
    let t = T(v.lang());
    let open = form.is_some();
    let (raw, err) = form.map(|(r, e)| (r, Some(e))).unwrap_or_default();
    let page = ListPage {
        c: Chrome::new(v, Nav::Competitors, done, "/competitors".into()),
        list: state.store().competitors().await?,
        inputs: form::inputs(&competitor_fields(), &raw, err.as_ref(), t),
        open,
        can_edit: v.may(Action::CreateCustomer).is_ok(),
    };
    let mut r = render(&page);
    if open {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn list(State(state): State<AppState>, v: Viewer, Query(q): Query<DoneQuery>) -> Result<Response, AppError> {
    list_page(&state, &v, q.done.as_deref(), None).await
}

async fn create(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::CreateCustomer)?;
    let raw = FormData::parse(&body)?.raw(&competitor_fields());
    let result = match CompetitorDraft::parse(&raw) {
        Ok(d) => state.store().create_competitor(v.actor(), &d).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(id) => {
            Ok(Redirect::to(&format!("/competitors/{id}?done={}", Done::CompetitorCreated.code())).into_response())
        }
        Err(StoreError::Invalid(e)) => list_page(&state, &v, None, Some((raw, e))).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "competitor.html")]
struct DetailPage {
    c: Chrome,
    r: CompetitorRecord,
    inputs: Vec<Input>,
    engagements: Vec<EngagementRecord>,
    can_edit: bool,
}

impl DetailPage {
    fn kind(&self, e: &EngagementRecord) -> &'static str {
        e.kind.label(self.c.t.lang())
    }
}

async fn detail_page(
    state: &AppState,
    v: &Viewer,
    id: i64,
    done: Option<&str>,
    form: Option<(Raw, Validation)>,
) -> Result<Response, AppError> {
    let t = T(v.lang());
    let r = state.store().competitor(id).await?;
    let failed = form.is_some();
    let (raw, err) = match form {
        Some((raw, e)) => (raw, Some(e)),
        None => (r.draft.to_fields(), None),
    };
    let page = DetailPage {
        c: Chrome::new(v, Nav::Competitors, done, format!("/competitors/{id}")),
        inputs: form::inputs(&competitor_fields(), &raw, err.as_ref(), t),
        engagements: state.store().engagements_with(id).await?,
        can_edit: v.may(Action::CreateCustomer).is_ok(),
        r,
    };
    let mut resp = render(&page);
    if failed {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

async fn detail(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    detail_page(&state, &v, id, q.done.as_deref(), None).await
}

async fn update(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    v.may(Action::CreateCustomer)?;
    let raw = FormData::parse(&body)?.raw(&competitor_fields());
    let result = match CompetitorDraft::parse(&raw) {
        Ok(d) => state.store().update_competitor(v.actor(), id, &d).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/competitors/{id}?done={}", Done::Saved.code())).into_response()),
        Err(StoreError::Invalid(e)) => detail_page(&state, &v, id, None, Some((raw, e))).await,
        Err(e) => Err(e.into()),
    }
}

/// The engagement form's fields on the customer page.
pub const ENGAGEMENT_FIELDS: &[Field] = &[Field::Competitor, Field::Engagement, Field::Since, Field::Notes];

async fn engage(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    crate::auth::writable_customer(&state, &v, id, crate::auth::CustomerPart::Engagement).await?;
    let raw = FormData::parse(&body)?.raw(ENGAGEMENT_FIELDS);
    let result = match EngagementDraft::parse(&raw, guanxi_store::today_in_china()) {
        Ok(d) => state.store().add_engagement(v.actor(), id, &d).await.map(|_| ()),
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/customers/{id}?done=saved#competition")).into_response()),
        Err(StoreError::Invalid(e)) => {
            let forms = super::archive::ArchiveForms { competition: Some(e.message(v.lang())), ..Default::default() };
            super::archive::archive_page(&state, &v, id, None, forms).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn end(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    let customer = state.store().engagement_customer(id).await?;
    crate::auth::writable_customer(&state, &v, customer, crate::auth::CustomerPart::Engagement).await?;
    let customer = state.store().end_engagement(v.actor(), id, guanxi_store::today_in_china()).await?;
    Ok(Redirect::to(&format!("/customers/{customer}?done=saved#competition")).into_response())
}

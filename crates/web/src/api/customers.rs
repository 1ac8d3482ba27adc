//! `/customers`: list with filters, sorting and pages; get; create; partial update; soft
//! delete and restore; history; and `/tags`.

pub mod types;

use super::schema;
use super::{fields_json, json, object, raw_fields};
use crate::AppState;
use crate::auth::{Action, ClientAddr, Viewer};
use crate::error::AppError;
use crate::pages::form;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use guanxi_domain::*;
use guanxi_store::{CustomerFilter, CustomerRecord, CustomerSort};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(restore))
        .routes(routes!(history))
        .routes(routes!(tags))
        .routes(routes!(value))
        .routes(routes!(value_summary))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Search text: Han characters, pinyin, initials (zs), phone or e-mail fragment, company.
    q: Option<String>,
    /// individual or organization
    kind: Option<String>,
    /// prospect, customer or lost
    status: Option<String>,
    /// price, value or composite
    needs_orientation: Option<String>,
    /// Owner's username, or `(none)` for the customers without an owner
    owner: Option<String>,
    tag: Option<String>,
    /// Value tier from the latest assessment: key, major, regular or small
    tier: Option<String>,
    /// RFM segment from the latest assessment, e.g. champions, at_risk, lost
    segment: Option<String>,
    /// Only customers whose P(alive) is below this (0–1)
    alive_below: Option<f64>,
    /// Relationship stage: outsider, friend, supplier or partner
    relationship_stage: Option<String>,
    /// Confirmed relationship level: brand, distant, face_to_face or intimate
    relationship_level: Option<String>,
    /// 4R phase from the latest relationship recompute: establish, maintain, referral or win_back
    lifecycle: Option<String>,
    /// Quadrant from the latest relationship recompute: destroyer, profiteer, prisoner or apostle
    quadrant: Option<String>,
    /// Only the customers an import wrote: the import's number (its audit record, linked from its result)
    imported: Option<i64>,
    /// updated (default), newest, oldest or name
    sort: Option<String>,
    /// From 1
    page: Option<i64>,
    /// 1 to 500, default 50
    per_page: Option<i64>,
    /// true: the recycle bin instead (managers and admins)
    deleted: Option<bool>,
}

fn invalid(name: &str, value: &str) -> AppError {
    AppError::bad_request(format!("参数 {name} 的值「{value}」无效"), format!("Invalid value {value:?} for {name}"))
}

fn opt<V>(name: &str, s: &Option<String>, parse: fn(&str) -> Option<V>) -> Result<Option<V>, AppError> {
    match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => parse(v).map(Some).ok_or_else(|| invalid(name, v)),
    }
}

pub(crate) fn customer_json(r: &CustomerRecord, owner: Option<&str>) -> Value {
    let mut m = fields_json(&r.draft.to_fields(), &r.draft.preferences, Some(&r.draft.tags));
    m.insert("id".into(), json!(r.id));
    m.insert("version".into(), json!(r.version));
    if let Some(o) = owner {
        m.insert("owner".into(), json!(o));
    }
    m.insert("created_at".into(), json!(r.created_at));
    m.insert("updated_at".into(), json!(r.updated_at));
    m.insert("deleted_at".into(), json!(r.deleted_at));
    m.insert("merged_into_id".into(), json!(r.merged_into_id));
    Value::Object(m)
}

/// List customers
#[utoipa::path(get, path = "/customers", tag = "customers", params(ListParams),
    responses((status = 200, body = types::CustomerPage), (status = 400, body = schema::Problem), (status = 401, body = schema::Problem)))]
async fn list(
    State(state): State<AppState>,
    v: Viewer,
    ClientAddr(client): ClientAddr,
    Query(p): Query<ListParams>,
) -> Result<Response, AppError> {
    let deleted = p.deleted.unwrap_or(false);
    if deleted {
        v.may(Action::BulkEdit)?;
    }
    let per_page = p.per_page.unwrap_or(50);
    // Managers and admins page by up to 500; everyone else by 100, and counted (F-17).
    let most = if crate::reads::counted(&v) { crate::reads::COUNTED_PER_PAGE } else { 500 };
    if !(1..=most).contains(&per_page) {
        return Err(invalid("per_page", &per_page.to_string()));
    }
    let filter = CustomerFilter {
        query: p.q.clone().filter(|q| !q.trim().is_empty()),
        kind: opt("kind", &p.kind, CustomerKind::parse)?,
        status: opt("status", &p.status, CustomerStatus::parse)?,
        needs_orientation: opt("needs_orientation", &p.needs_orientation, NeedsOrientation::parse)?,
        owner: p.owner.clone().filter(|o| !o.trim().is_empty()),
        tag: p.tag.clone().filter(|t| !t.trim().is_empty()),
        tier: opt("tier", &p.tier, ValueTier::parse)?,
        segment: opt("segment", &p.segment, guanxi_domain::value::RfmSegment::parse)?,
        alive_below: match p.alive_below {
            Some(a) if !(0.0..=1.0).contains(&a) => return Err(invalid("alive_below", &a.to_string())),
            other => other,
        },
        relationship_stage: opt(
            "relationship_stage",
            &p.relationship_stage,
            guanxi_domain::relationship::RelationshipStage::parse,
        )?,
        relationship_level: opt(
            "relationship_level",
            &p.relationship_level,
            guanxi_domain::relationship::RelationshipLevel::parse,
        )?,
        lifecycle: opt("lifecycle", &p.lifecycle, guanxi_domain::standing::Phase::parse)?,
        quadrant: opt("quadrant", &p.quadrant, guanxi_domain::standing::Quadrant::parse)?,
        imported: p.imported,
        sort: opt("sort", &p.sort, CustomerSort::parse)?.unwrap_or(CustomerSort::Updated),
        deleted,
        page: p.page.unwrap_or(1).max(1),
        per_page,
    };
    let page = state.store().list_customers(&filter).await?;
    crate::reads::count(&state, &v, page.items.len(), &client).await?;
    Ok(json(StatusCode::OK, serde_json::to_value(page).map_err(|e| AppError::Internal(e.to_string()))?))
}

/// Get a customer
#[utoipa::path(get, path = "/customers/{id}", tag = "customers", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 200, body = types::Customer), (status = 404, body = schema::Problem)))]
async fn get_one(
    State(state): State<AppState>,
    v: Viewer,
    ClientAddr(client): ClientAddr,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let r = state.store().customer(id).await?;
    crate::reads::count(&state, &v, 1, &client).await?;
    let owner = owner_name(&state, r.owner_id).await?;
    Ok(json(StatusCode::OK, customer_json(&r, owner.as_deref())))
}

async fn owner_name(state: &AppState, owner: Option<i64>) -> Result<Option<String>, AppError> {
    Ok(match owner {
        Some(o) => Some(state.store().user_by_id(o).await?.username),
        None => None,
    })
}

/// Create a customer
///
/// `kind` (individual or organization) and `name` are required. A sales rep's new customer is
/// theirs unless a manager assigns it.
#[utoipa::path(post, path = "/customers", tag = "customers", request_body = types::CustomerInput,
    responses((status = 201, body = types::Customer), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn create(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::CreateCustomer)?;
    let obj = object(&body)?;
    let mut raw = raw_fields(&obj, &form::customer_fields(), &[])?;
    crate::auth::owner_of_new(&v, &mut raw)?;
    let draft = CustomerDraft::parse(&raw, guanxi_store::today_in_china())?;
    let id = state.store().create_customer(v.actor(), &draft).await?;
    let r = state.store().customer(id).await?;
    let owner = owner_name(&state, r.owner_id).await?;
    let mut resp = json(StatusCode::CREATED, customer_json(&r, owner.as_deref()));
    if let Ok(loc) = axum::http::HeaderValue::from_str(&format!("/api/v1/customers/{id}")) {
        resp.headers_mut().insert(axum::http::header::LOCATION, loc);
    }
    Ok(resp)
}

/// Change a customer (partial)
///
/// Only the fields given change; null or "" clears a field. With `version`, the change is
/// refused (409) if someone else changed the customer since.
#[utoipa::path(patch, path = "/customers/{id}", tag = "customers", params(("id" = i64, Path, description = "Guanxi ID")),
    request_body = types::CustomerInput,
    responses((status = 200, body = types::Customer), (status = 409, body = schema::Problem), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn update(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    crate::auth::editable_customer(&state, &v, id).await?;
    let obj = object(&body)?;
    let mut fields = form::customer_fields();
    fields.retain(|f| *f != Field::Kind);
    if v.may(Action::BulkEdit).is_err() {
        if obj.contains_key("owner") {
            return Err(AppError::Forbidden(crate::error::Denied {
                zh: "只有销售经理和管理员可以更换负责人".into(),
                en: "Only managers and admins can change a customer's owner".into(),
            }));
        }
        fields.retain(|f| *f != Field::Owner);
    }
    let raw = raw_fields(&obj, &fields, &["version"])?;
    let version = match obj.get("version") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.as_i64().ok_or_else(|| invalid("version", &n.to_string()))?),
        Some(other) => return Err(invalid("version", &other.to_string())),
    };
    let r = state.store().update_customer(v.actor(), id, &raw, version).await?;
    let owner = owner_name(&state, r.owner_id).await?;
    Ok(json(StatusCode::OK, customer_json(&r, owner.as_deref())))
}

/// Move a customer to the recycle bin
#[utoipa::path(delete, path = "/customers/{id}", tag = "customers", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 204), (status = 403, body = schema::Problem), (status = 404, body = schema::Problem)))]
async fn delete(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    let current = state.store().customer(id).await?;
    v.may(Action::DeleteCustomer { owner: current.owner_id })?;
    state.store().delete_customer(v.actor(), id).await?;
    Ok(axum::response::IntoResponse::into_response(StatusCode::NO_CONTENT))
}

/// Restore a customer from the recycle bin (managers and admins)
#[utoipa::path(post, path = "/customers/{id}/restore", tag = "customers", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 200, body = types::Customer), (status = 403, body = schema::Problem), (status = 409, body = schema::Problem)))]
async fn restore(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    state.store().restore_customer(v.actor(), id).await?;
    let r = state.store().customer(id).await?;
    let owner = owner_name(&state, r.owner_id).await?;
    Ok(json(StatusCode::OK, customer_json(&r, owner.as_deref())))
}

/// A customer's history, newest first
#[utoipa::path(get, path = "/customers/{id}/history", tag = "customers", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 200, body = Vec<schema::AuditEntry>), (status = 404, body = schema::Problem)))]
async fn history(State(state): State<AppState>, _v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    state.store().customer(id).await?;
    let h = state.store().history(id).await?;
    Ok(json(StatusCode::OK, serde_json::to_value(h).map_err(|e| AppError::Internal(e.to_string()))?))
}

/// Tags in use, most used first
#[utoipa::path(get, path = "/tags", tag = "customers", responses((status = 200, body = Vec<types::Tag>)))]
async fn tags(State(state): State<AppState>, _v: Viewer) -> Result<Response, AppError> {
    let t: Vec<Value> =
        state.store().tags().await?.into_iter().map(|(tag, count)| json!({"tag": tag, "count": count})).collect();
    Ok(json(StatusCode::OK, Value::Array(t)))
}

/// A customer's value from the latest assessment
///
/// Tier, ABC class, RFM score and segment, P(alive), expected purchases over 12 months, expected
/// spend per purchase and lifetime value (fen), with the assessment's date. 404 with code
/// `not_found` when the customer has not been assessed (no purchases, or no run yet).
#[utoipa::path(get, path = "/customers/{id}/value", tag = "customers", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 200, body = types::CustomerValue), (status = 404, body = schema::Problem)))]
async fn value(State(state): State<AppState>, _v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    state.store().customer(id).await?;
    let (Some(v), Some(run)) = (state.store().customer_value(id).await?, state.store().latest_value_run().await?)
    else {
        return Err(AppError::NotFound);
    };
    let mut out = serde_json::to_value(&v).map_err(|e| AppError::Internal(e.to_string()))?;
    out["tier"] = json!(v.tier.code());
    out["segment"] = json!(v.segment.map(|s| s.code()));
    out["as_of"] = json!(run.as_of);
    out["run_id"] = json!(run.id);
    Ok(json(StatusCode::OK, out))
}

/// The latest value assessment in brief
///
/// The run (date, fitted models), customers and revenue per tier, the RFM grid, and the churn
/// watch: key and major customers under `alive_below` P(alive) (default 0.5) by value realized,
/// and customers whose last order is more than twice their own rhythm ago. `run` is null before
/// the first assessment.
#[utoipa::path(get, path = "/value", tag = "customers", params(ValueParams),
    responses((status = 200, body = types::ValueSummary), (status = 400, body = schema::Problem)))]
async fn value_summary(
    State(state): State<AppState>,
    _v: Viewer,
    Query(p): Query<ValueParams>,
) -> Result<Response, AppError> {
    let store = state.store();
    // Before the first assessment: `run` is null and the lists are empty.
    let run = store.latest_value_run().await?;
    let threshold = p.alive_below.unwrap_or(0.5);
    if !(0.0..=1.0).contains(&threshold) {
        return Err(invalid("alive_below", &threshold.to_string()));
    }
    let empty = Value::Null;
    let overview = crate::pages::value::Overview::of(run.as_ref().map_or(&empty, |r| &r.report));
    let tiers: Vec<Value> = overview
        .tiers
        .iter()
        .map(|(t, n, rev)| json!({"tier": t.code(), "customers": n, "revenue_window_fen": rev}))
        .collect();
    let grid: Vec<Value> =
        overview.rfm_grid.iter().map(|(r, fm, n)| json!({"r": r, "fm": fm, "customers": n})).collect();
    let churn: Vec<Value> = store
        .churn_watch(threshold, 100)
        .await?
        .into_iter()
        .map(|c| {
            json!({"customer_id": c.customer_id, "name": c.name, "tier": c.tier.code(), "p_alive": c.p_alive,
            "clv_history_fen": c.clv_history_fen, "last_order_at": c.last_order_at})
        })
        .collect();
    let overdue = store.overdue(chrono::Utc::now(), 2.0, 100).await?;
    Ok(json(
        StatusCode::OK,
        json!({"run": run, "tiers": tiers, "rfm_grid": grid, "churn_watch": churn, "overdue": overdue}),
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValueParams {
    /// The churn watch's P(alive) threshold, 0–1 (default 0.5)
    alive_below: Option<f64>,
}

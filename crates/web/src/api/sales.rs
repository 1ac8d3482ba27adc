//! Process sales: opportunities, their moves through the stages, the checklist, objections,
//! the decision chain, after-sales tasks, and the sales settings.

pub mod types;

use super::{json, object, raw_fields, schema};
use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::pages::sales::{DealQuery, OBJECTION_FIELDS, OPPORTUNITY_FIELDS, QUALIFY_FIELDS};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use guanxi_domain::sales::*;
use guanxi_domain::{Field, Problem, Raw, Validation};
use guanxi_store::OpportunityRecord;
use serde_json::{Map, Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(create))
        .routes(routes!(get_one, patch_one))
        .routes(routes!(move_stage))
        .routes(routes!(close))
        .routes(routes!(tick))
        .routes(routes!(history))
        .routes(routes!(list_objections, add_objection))
        .routes(routes!(update_objection))
        .routes(routes!(chain))
        .routes(routes!(put_chain_member, delete_chain_member))
        .routes(routes!(tasks))
        .routes(routes!(update_task))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(report))
        .routes(routes!(list_files, add_file))
        .routes(routes!(get_file, delete_file))
}

/// Where a file's name comes from in the API: `?name=`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct FileName {
    /// The file's name, e.g. 方案.pdf
    name: Option<String>,
}

fn file_json(a: &guanxi_store::AttachmentInfo) -> Value {
    json!({"id": a.id, "opportunity_id": a.opportunity_id, "name": a.name, "content_type": a.content_type,
           "size": a.size, "created_by": a.created_by, "created_at": a.created_at})
}

/// An opportunity's files (the proposal and what came with it)
#[utoipa::path(get, path = "/opportunities/{id}/attachments", tag = "sales", params(("id" = i64, Path, description = "Opportunity id")),
    responses((status = 200, body = Vec<types::Attachment>), (status = 404, body = schema::Problem)))]
async fn list_files(State(state): State<AppState>, _v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    state.store().opportunity(id).await?;
    let list: Vec<Value> = state.store().attachments(id).await?.iter().map(file_json).collect();
    Ok(json(StatusCode::OK, json!(list)))
}

/// Attach a file
///
/// The body is the file itself (at most 10 MB), its `Content-Type` the file's type; `name` in
/// the query.
#[utoipa::path(post, path = "/opportunities/{id}/attachments", tag = "sales", params(("id" = i64, Path, description = "Opportunity id"), FileName),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = types::Attachment), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn add_file(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<FileName>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    let content_type = headers.get(axum::http::header::CONTENT_TYPE).and_then(|h| h.to_str().ok()).unwrap_or("");
    let name = q.name.unwrap_or_default();
    let aid = state.store().add_attachment(v.actor(), id, &name, content_type, &body).await?;
    let rec = state.store().attachments(id).await?.into_iter().find(|a| a.id == aid).ok_or(AppError::NotFound)?;
    Ok(json(StatusCode::CREATED, file_json(&rec)))
}

/// Download a file
#[utoipa::path(get, path = "/opportunities/{id}/attachments/{file}", tag = "sales",
    params(("id" = i64, Path, description = "Opportunity id"), ("file" = i64, Path, description = "File id")),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = schema::Problem)))]
async fn get_file(
    State(state): State<AppState>,
    _v: Viewer,
    Path((id, file)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (info, content) = state.store().attachment(id, file).await?;
    Ok(crate::pages::deal_actions::file_response(&info.name, content))
}

/// Remove a file
#[utoipa::path(delete, path = "/opportunities/{id}/attachments/{file}", tag = "sales",
    params(("id" = i64, Path, description = "Opportunity id"), ("file" = i64, Path, description = "File id")),
    responses((status = 204), (status = 404, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn delete_file(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, file)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    state.store().delete_attachment(v.actor(), id, file).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The sales reports
///
/// For a scope (`owner`, `team`) and a period of China days (`from`, `to`; default the last 90
/// days): open deals by owner and by expected-close month (count, pipeline, weighted = Σ amount
/// × probability); wins and losses closed in the period; the funnel of deals opened in the
/// period (how many reached each stage); average days in each stage over stays that ended in
/// the period; the average cycle (days from opening to winning); stalled deals; objections by
/// cause; deals lost by competitor. Money in fen.
#[utoipa::path(get, path = "/sales/report", tag = "sales", params(crate::pages::reports::ReportQuery),
    responses((status = 200, body = types::SalesReport), (status = 400, body = schema::Problem)))]
async fn report(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<crate::pages::reports::ReportQuery>,
) -> Result<Response, AppError> {
    let f = q.filter(&state, &v).await?;
    let r = state.store().sales_report(&f).await?;
    let funnel: Vec<Value> = r.funnel.iter().map(|(s, n)| json!({"stage": s.code(), "reached": n})).collect();
    let days: Vec<Value> =
        r.stage_days.iter().map(|(s, d, n)| json!({"stage": s.code(), "average_days": d, "stays": n})).collect();
    let objections: Vec<Value> = r
        .objections
        .iter()
        .map(|(c, n, open)| json!({"cause": c.code(), "ours": c.ours(), "logged": n, "open": open}))
        .collect();
    let lost_to: Vec<Value> =
        r.lost_to.iter().map(|(who, n, fen)| json!({"competitor": who, "deals": n, "amount_fen": fen})).collect();
    let stalled: Vec<Value> = r.stalled_deals.iter().map(opportunity_json).collect();
    Ok(json(
        StatusCode::OK,
        json!({"from": f.from, "to": f.to, "by_owner": r.by_owner, "by_month": r.by_month, "funnel": funnel,
               "stage_days": days, "cycle_days": r.cycle_days, "won": r.won, "lost": r.lost, "stalled": r.stalled,
               "stalled_deals": stalled, "objections": objections, "lost_to": lost_to}),
    ))
}

fn input_fields() -> Vec<Field> {
    OPPORTUNITY_FIELDS.iter().chain(QUALIFY_FIELDS).copied().collect()
}

fn opportunity_json(o: &OpportunityRecord) -> Value {
    let mut m: Map<String, Value> =
        o.draft.to_fields().0.into_iter().map(|(f, v)| (f.code().to_string(), Value::String(v))).collect();
    m.insert("competitors".into(), json!(o.draft.competitors));
    for (k, v) in [
        ("id", json!(o.id)),
        ("customer_id", json!(o.customer_id)),
        ("customer_name", json!(o.customer_name)),
        ("owner", json!(o.owner_name)),
        ("amount_fen", json!(o.draft.amount_fen)),
        ("stage", json!(o.stage.code())),
        ("status", json!(o.status.code())),
        ("probability_pct", json!(o.probability_pct)),
        ("probability_set", json!(o.draft.probability.is_some())),
        ("won_amount_fen", json!(o.won_amount_fen)),
        ("closed_on", json!(o.closed_on)),
        ("lost_reason", json!(o.lost_reason)),
        ("lost_to", json!(o.lost_to)),
        ("stage_entered_at", json!(o.stage_entered_at)),
        ("last_activity_at", json!(o.last_activity_at)),
        ("created_at", json!(o.created_at)),
        ("updated_at", json!(o.updated_at)),
        ("version", json!(o.version)),
    ] {
        m.insert(k.into(), v);
    }
    Value::Object(m)
}

/// A decision chain's warnings: each its kind (and name) with the message in `lang`.
fn warnings_json(chain: &[ChainMember], lang: guanxi_domain::Lang) -> Vec<Value> {
    chain_warnings(chain)
        .iter()
        .map(|w| {
            let mut j = serde_json::to_value(w).unwrap_or_default();
            j["message"] = json!(w.message(lang));
            j
        })
        .collect()
}

/// The deal, after checking the caller may work it.
async fn workable(state: &AppState, v: &Viewer, id: i64) -> Result<OpportunityRecord, AppError> {
    let o = state.store().opportunity(id).await?;
    v.may(Action::WorkOpportunity { owner: o.owner_id })?;
    Ok(o)
}

/// A reason from a body: only managers and admins may give one.
fn override_reason(v: &Viewer, body: &Map<String, Value>) -> Result<Option<String>, AppError> {
    match body.get("override_reason") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => {
            v.may(Action::OverrideStage)?;
            Ok(Some(s.trim().to_string()))
        }
        Some(_) => Err(AppError::bad_request("override_reason 应为文本", "override_reason must be a string")),
    }
}

fn flag(body: &Map<String, Value>, name: &str, default: bool) -> Result<bool, AppError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => {
            Err(AppError::bad_request(format!("{name} 应为 true 或 false"), format!("{name} must be true or false")))
        }
    }
}

/// Opportunities, the most recently active first
///
/// Filtered by owner (`me` for the caller), team, stage, status, words of the title or the
/// customer's name, `stalled=true` (open deals quiet for the stall threshold) and `customer`;
/// with the count and total amount (fen) of everything that matches.
#[utoipa::path(get, path = "/opportunities", tag = "sales", params(DealQuery),
    responses((status = 200, body = types::OpportunityList), (status = 400, body = schema::Problem)))]
async fn list(State(state): State<AppState>, v: Viewer, Query(q): Query<DealQuery>) -> Result<Response, AppError> {
    let filter = q.filter(&state, &v).await?;
    let page = state.store().list_opportunities(&filter).await?;
    let items: Vec<Value> = page.items.iter().map(opportunity_json).collect();
    Ok(json(
        StatusCode::OK,
        json!({"items": items, "total": page.total, "amount_fen": page.amount_fen, "page": filter.page, "per_page": filter.per_page}),
    ))
}

/// Open an opportunity for a customer
///
/// It starts at `qualify` with the stage's probability unless `probability` is given; the
/// owner defaults to the caller.
#[utoipa::path(post, path = "/customers/{id}/opportunities", tag = "sales", params(("id" = i64, Path, description = "Guanxi ID")),
    request_body = types::OpportunityInput,
    responses((status = 201, body = types::Opportunity), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn create(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    v.may(Action::CreateOpportunity)?;
    crate::auth::writable_customer(&state, &v, id, crate::auth::CustomerPart::Deal).await?;
    let mut raw = raw_fields(&object(&body)?, &input_fields(), &[])?;
    crate::auth::owner_of_new(&v, &mut raw)?;
    let draft = OpportunityDraft::parse(&raw)?;
    let new = state.store().create_opportunity(v.actor(), id, &draft).await?;
    Ok(json(StatusCode::CREATED, opportunity_json(&state.store().opportunity(new).await?)))
}

/// An opportunity, with its checklist and decision-chain warnings
#[utoipa::path(get, path = "/opportunities/{id}", tag = "sales", params(("id" = i64, Path, description = "Opportunity id")),
    responses((status = 200, body = types::Opportunity), (status = 404, body = schema::Problem)))]
async fn get_one(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    let o = state.store().opportunity(id).await?;
    let mut out = opportunity_json(&o);
    let checklist: Vec<Value> = state
        .store()
        .opportunity_checklist(id)
        .await?
        .iter()
        .map(|c| {
            json!({"stage": c.stage.code(), "action": c.action.key, "title": c.action.title, "why": c.action.why,
                   "mandatory": c.action.mandatory, "requires": c.action.requires.code(), "done": c.done})
        })
        .collect();
    let members: Vec<ChainMember> = state.store().decision_chain(id).await?.into_iter().map(|c| c.member).collect();
    let warnings = warnings_json(&members, v.lang());
    out["checklist"] = json!(checklist);
    out["chain_warnings"] = json!(warnings);
    Ok(json(StatusCode::OK, out))
}

/// Change an open opportunity's fields
///
/// Only the fields sent change. With `version`, refused (409) if someone changed it since.
/// Handing a deal to another owner takes a manager.
#[utoipa::path(patch, path = "/opportunities/{id}", tag = "sales", params(("id" = i64, Path, description = "Opportunity id")),
    request_body = types::OpportunityInput,
    responses((status = 200, body = types::Opportunity), (status = 422, body = schema::Problem), (status = 409, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn patch_one(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let o = workable(&state, &v, id).await?;
    let obj = object(&body)?;
    let changes = raw_fields(&obj, &input_fields(), &["version"])?;
    if changes.has(Field::Owner) && changes.get(Field::Owner).trim() != o.owner_name {
        v.may(Action::BulkEdit)?;
    }
    let version = match obj.get("version") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_i64(),
        Some(_) => return Err(AppError::bad_request("version 应为整数", "version must be an integer")),
    };
    let after = state.store().update_opportunity(v.actor(), id, &changes, version).await?;
    Ok(json(StatusCode::OK, opportunity_json(&after)))
}

/// Move an open opportunity to a stage
///
/// Body: `{"stage": "approach", "override_reason": "…"}`. Forward moves need the mandatory
/// standard actions of every stage passed; otherwise 422 names them. A manager may give
/// `override_reason` to move anyway (kept in the history with what was skipped).
/// `after_sales` is reached by winning (`/close`).
#[utoipa::path(post, path = "/opportunities/{id}/move", tag = "sales", params(("id" = i64, Path, description = "Opportunity id")),
    request_body = types::MoveInput,
    responses((status = 200, body = types::Opportunity), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn move_stage(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    let obj = object(&body)?;
    let to = obj.get("stage").and_then(Value::as_str).unwrap_or("");
    let stage = Stage::from_code(to).ok_or_else(|| {
        let allowed = Stage::codes().iter().map(|c| c.to_string()).collect();
        let problem = if to.is_empty() { Problem::Required } else { Problem::UnknownChoice { allowed } };
        Validation::one(Field::Stage, to, problem)
    })?;
    let reason = override_reason(&v, &obj)?;
    let after = state.store().move_opportunity(v.actor(), id, stage, reason.as_deref()).await?;
    Ok(json(StatusCode::OK, opportunity_json(&after)))
}

/// Win or lose an open opportunity
///
/// Won: `{"status": "won", "amount": "480000", "closed_on": "2026-11-20"}` (amount defaults to
/// the deal's, the date to today); it passes the checklist up to closing (or a manager's
/// `override_reason`), moves to after-sales and creates the after-sales tasks. Lost:
/// `{"status": "lost", "lost_reason": "…", "lost_to": "甲公司"}`; the reason is required.
#[utoipa::path(post, path = "/opportunities/{id}/close", tag = "sales", params(("id" = i64, Path, description = "Opportunity id")),
    request_body = types::CloseInput,
    responses((status = 200, body = types::Opportunity), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn close(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let o = workable(&state, &v, id).await?;
    let obj = object(&body)?;
    let status = obj.get("status").and_then(Value::as_str).unwrap_or("");
    let status = match DealStatus::from_code(status) {
        Some(s @ (DealStatus::Won | DealStatus::Lost)) => s,
        _ => {
            let allowed = vec!["won".to_string(), "lost".to_string()];
            let problem = if status.is_empty() { Problem::Required } else { Problem::UnknownChoice { allowed } };
            return Err(Validation::one(Field::Status, status, problem).into());
        }
    };
    let raw: Raw = raw_fields(
        &obj,
        &[Field::Amount, Field::ClosedOn, Field::LostReason, Field::LostTo],
        &["status", "override_reason", "record_order"],
    )?;
    let reason = override_reason(&v, &obj)?;
    // A win is recorded as the customer's order unless the caller says its orders exist already.
    let record_order = match obj.get("record_order") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(AppError::bad_request("record_order 应为 true 或 false", "record_order must be true or false"));
        }
    };
    let outcome = Outcome::parse(status, &raw, o.draft.amount_fen, guanxi_store::today_in_china())?;
    let after = state.store().close_opportunity(v.actor(), id, &outcome, reason.as_deref(), record_order).await?;
    Ok(json(StatusCode::OK, opportunity_json(&after)))
}

/// Mark a standard action done (or not)
///
/// Only actions done by hand (`requires: tick`) are marked here; the others follow the deal's
/// facts. Body: `{"done": true}`.
#[utoipa::path(put, path = "/opportunities/{id}/checklist/{stage}/{action}", tag = "sales",
    params(("id" = i64, Path, description = "Opportunity id"), ("stage" = String, Path, description = "Stage code"), ("action" = String, Path, description = "Action key")),
    request_body = types::DoneInput,
    responses((status = 204), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn tick(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, stage, action)): Path<(i64, String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    let stage = Stage::from_code(&stage).ok_or_else(|| {
        Validation::one(
            Field::Stage,
            &stage,
            Problem::UnknownChoice { allowed: Stage::codes().iter().map(|c| c.to_string()).collect() },
        )
    })?;
    let done = flag(&object(&body)?, "done", true)?;
    state.store().tick_action(v.actor(), id, stage, &action, done).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Every stage change of an opportunity, oldest first
#[utoipa::path(get, path = "/opportunities/{id}/history", tag = "sales", params(("id" = i64, Path, description = "Opportunity id")),
    responses((status = 200, body = Vec<types::StageChange>), (status = 404, body = schema::Problem)))]
async fn history(State(state): State<AppState>, _v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    state.store().opportunity(id).await?;
    let list: Vec<Value> = state
        .store()
        .opportunity_changes(id)
        .await?
        .iter()
        .map(|h| {
            json!({"from_stage": h.from_stage.map(|s| s.code()), "to_stage": h.to_stage.code(), "status": h.status.code(),
                   "changed_by": h.changed_by, "changed_at": h.changed_at, "override_reason": h.override_reason, "skipped": h.skipped})
        })
        .collect();
    Ok(json(StatusCode::OK, json!(list)))
}

fn objection_json(b: &guanxi_store::ObjectionRecord) -> Value {
    json!({"id": b.id, "opportunity_id": b.opportunity_id, "objection": b.objection, "cause": b.cause.code(),
           "ours": b.cause.ours(), "answer": b.answer, "resolved": b.resolved_at.is_some(), "resolved_at": b.resolved_at,
           "created_by": b.created_by, "created_at": b.created_at})
}

/// An opportunity's objections
#[utoipa::path(get, path = "/opportunities/{id}/objections", tag = "sales", params(("id" = i64, Path, description = "Opportunity id")),
    responses((status = 200, body = Vec<types::Objection>), (status = 404, body = schema::Problem)))]
async fn list_objections(State(state): State<AppState>, _v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    state.store().opportunity(id).await?;
    let list: Vec<Value> = state.store().objections(id).await?.iter().map(objection_json).collect();
    Ok(json(StatusCode::OK, json!(list)))
}

/// Log an objection
///
/// `cause`: ours (`product`, `price`, `service`, `delivery`) or the customer's (`budget`,
/// `timing`, `authority`, `habit`). `resolved: "yes"` needs an `answer`.
#[utoipa::path(post, path = "/opportunities/{id}/objections", tag = "sales", params(("id" = i64, Path, description = "Opportunity id")),
    request_body = types::ObjectionInput,
    responses((status = 201, body = types::Objection), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn add_objection(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    let raw = raw_fields(&object(&body)?, OBJECTION_FIELDS, &[])?;
    let d = ObjectionDraft::parse(&raw)?;
    let oid = state.store().add_objection(v.actor(), id, &d).await?;
    let rec = state.store().objections(id).await?.into_iter().find(|b| b.id == oid).ok_or(AppError::NotFound)?;
    Ok(json(StatusCode::CREATED, objection_json(&rec)))
}

/// Answer, resolve or correct an objection
///
/// Only the fields sent change.
#[utoipa::path(patch, path = "/opportunities/{id}/objections/{objection}", tag = "sales",
    params(("id" = i64, Path, description = "Opportunity id"), ("objection" = i64, Path, description = "Objection id")),
    request_body = types::ObjectionInput,
    responses((status = 200, body = types::Objection), (status = 422, body = schema::Problem), (status = 404, body = schema::Problem)))]
async fn update_objection(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, objection)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    let changes = raw_fields(&object(&body)?, OBJECTION_FIELDS, &[])?;
    let current =
        state.store().objections(id).await?.into_iter().find(|b| b.id == objection).ok_or(AppError::NotFound)?;
    let mut raw = Raw::new()
        .with(Field::Objection, current.objection.clone())
        .with(Field::Cause, current.cause.code())
        .with(Field::Answer, current.answer.clone().unwrap_or_default())
        .with(Field::Resolved, if current.resolved_at.is_some() { "yes" } else { "no" });
    for (f, val) in changes.0 {
        raw.set(f, val);
    }
    let d = ObjectionDraft::parse(&raw)?;
    state.store().update_objection(v.actor(), objection, &d).await?;
    let rec = state.store().objections(id).await?.into_iter().find(|b| b.id == objection).ok_or(AppError::NotFound)?;
    Ok(json(StatusCode::OK, objection_json(&rec)))
}

/// An opportunity's decision chain, with the coverage warnings
#[utoipa::path(get, path = "/opportunities/{id}/chain", tag = "sales", params(("id" = i64, Path, description = "Opportunity id")),
    responses((status = 200, body = types::DecisionChain), (status = 404, body = schema::Problem)))]
async fn chain(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    state.store().opportunity(id).await?;
    let records = state.store().decision_chain(id).await?;
    let members: Vec<Value> = records
        .iter()
        .map(|c| {
            json!({"key_person_id": c.key_person_id, "name": c.member.name, "decision_role": c.member.role.map(|r| r.code()),
                   "attitude": c.member.attitude.map(|a| a.code()), "engaged": c.member.engaged, "plan": c.member.plan})
        })
        .collect();
    let list: Vec<ChainMember> = records.into_iter().map(|c| c.member).collect();
    let warnings = warnings_json(&list, v.lang());
    Ok(json(StatusCode::OK, json!({"members": members, "warnings": warnings})))
}

/// Put one of the customer's key people on the decision chain (or update them)
///
/// Body: `{"engaged": true, "plan": "…"}`. A key person of another customer is refused (422).
#[utoipa::path(put, path = "/opportunities/{id}/chain/{key_person}", tag = "sales",
    params(("id" = i64, Path, description = "Opportunity id"), ("key_person" = i64, Path, description = "Key person id")),
    request_body = types::ChainInput,
    responses((status = 204), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn put_chain_member(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, person)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    let obj = object(&body)?;
    let engaged = flag(&obj, "engaged", true)?;
    let plan = match obj.get("plan") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(AppError::bad_request("plan 应为文本", "plan must be a string")),
    };
    state.store().set_chain_member(v.actor(), id, person, engaged, plan.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Take a key person off the decision chain
#[utoipa::path(delete, path = "/opportunities/{id}/chain/{key_person}", tag = "sales",
    params(("id" = i64, Path, description = "Opportunity id"), ("key_person" = i64, Path, description = "Key person id")),
    responses((status = 204), (status = 404, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn delete_chain_member(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, person)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    state.store().remove_chain_member(v.actor(), id, person).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// An opportunity's tasks (after-sales follow-ups created on winning)
#[utoipa::path(get, path = "/opportunities/{id}/tasks", tag = "sales", params(("id" = i64, Path, description = "Opportunity id")),
    responses((status = 200, body = Vec<super::tasks::types::Task>), (status = 404, body = schema::Problem)))]
async fn tasks(State(state): State<AppState>, _v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    state.store().opportunity(id).await?;
    let list: Vec<Value> = state.store().opportunity_tasks(id).await?.iter().map(super::tasks::task_json).collect();
    Ok(json(StatusCode::OK, json!(list)))
}

/// Mark a task done (or not). Body: `{"done": true}`
#[utoipa::path(patch, path = "/opportunities/{id}/tasks/{task}", tag = "sales",
    params(("id" = i64, Path, description = "Opportunity id"), ("task" = i64, Path, description = "Task id")),
    request_body = types::DoneInput,
    responses((status = 200, body = super::tasks::types::Task), (status = 404, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn update_task(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, task)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, AppError> {
    workable(&state, &v, id).await?;
    if !state.store().opportunity_tasks(id).await?.iter().any(|k| k.id == task) {
        return Err(AppError::NotFound);
    }
    let done = flag(&object(&body)?, "done", true)?;
    let rec = state.store().complete_task(v.actor(), task, done).await?;
    Ok(json(StatusCode::OK, super::tasks::task_json(&rec)))
}

/// The sales settings: each stage's probability and standard actions, after-sales tasks, stall threshold
#[utoipa::path(get, path = "/settings/sales", tag = "sales", responses((status = 200, body = types::SalesSettings)))]
async fn get_settings(State(state): State<AppState>, _v: Viewer) -> Result<Response, AppError> {
    Ok(json(StatusCode::OK, serde_json::to_value(state.store().sales_settings().await?).unwrap_or_default()))
}

/// Replace the sales settings (admins)
///
/// The whole document as `GET` returns it. Every stage must appear once; probabilities rise
/// 0–100 with the stages; action keys are unique within a stage; each problem is named (422).
#[utoipa::path(put, path = "/settings/sales", tag = "sales", request_body = types::SalesSettings,
    responses((status = 200, body = types::SalesSettings), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn put_settings(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::ManageSettings)?;
    let settings: SalesSettings = serde_json::from_slice(&body).map_err(|e| {
        AppError::bad_request(format!("销售设置无法读取：{e}"), format!("The sales settings cannot be read: {e}"))
    })?;
    state.store().save_sales_settings(v.actor(), &settings).await?;
    Ok(json(StatusCode::OK, serde_json::to_value(&settings).unwrap_or_default()))
}

//! Tasks 待办 and My day 今日 over the API: list (one's own, a colleague's, the team's, a
//! customer's), create, change (put off, give to someone else), tick done with a contact
//! logged in one step, open again; and My day's lists as data.

pub mod types;

use super::{json, object, raw_fields, schema};
use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::pages::tasks::{DONE_FIELDS, TASK_FIELDS, changeable, team_of};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use guanxi_domain::tasks::{TaskDone, TaskDraft};
use guanxi_store::{Birthday, TaskFilter, TaskRecord, TaskState, today_in_china};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, patch_one))
        .routes(routes!(done))
        .routes(routes!(reopen))
        .routes(routes!(today))
}

/// A task as the API gives it: its fields by code (as a form sends them), the names of what it
/// is for, and how it was done.
pub fn task_json(r: &TaskRecord) -> Value {
    let mut m: Map<String, Value> =
        r.draft().to_fields().0.into_iter().map(|(f, v)| (f.code().to_string(), Value::String(v))).collect();
    m.insert("id".into(), json!(r.id));
    m.insert("customer_id".into(), json!(r.customer_id));
    m.insert("customer_name".into(), json!(r.customer_name));
    m.insert("key_person_name".into(), json!(r.key_person_name));
    m.insert("opportunity_id".into(), json!(r.opportunity_id));
    m.insert("opportunity_title".into(), json!(r.opportunity_title));
    m.insert("done_at".into(), json!(r.done_at));
    m.insert("done_by".into(), json!(r.done_by));
    m.insert("result".into(), json!(r.result));
    m.insert("interaction_id".into(), json!(r.interaction_id));
    m.insert("origin".into(), json!(r.origin));
    m.insert("created_at".into(), json!(r.created_at));
    m.insert("updated_at".into(), json!(r.updated_at));
    Value::Object(m)
}

fn birthday_json(b: &Birthday) -> Value {
    let mut j = serde_json::to_value(b).unwrap_or_default();
    j["celebrant"] = serde_json::to_value(&b.celebrant).unwrap_or_default();
    j
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// `me` (the default), `team` (managers and admins), or a colleague's username
    who: Option<String>,
    /// `open` (the default), `done` or `all`
    state: Option<String>,
    /// Only this customer's tasks (anyone's)
    customer: Option<i64>,
    /// Due on or before this China day, YYYY-MM-DD
    due_to: Option<String>,
}

/// Tasks: the caller's own by default, the earliest due first (done ones: the latest done first)
#[utoipa::path(get, path = "/tasks", tag = "tasks", params(ListQuery), responses((status = 200, body = Vec<types::Task>)))]
async fn list(State(state): State<AppState>, v: Viewer, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    let who = q.who.as_deref().map(str::trim).unwrap_or("");
    let assignees = match (q.customer, who) {
        (Some(_), "") => None,
        _ => Some(crate::pages::tasks::whose(&v, &team_of(&state, &v).await?, who)?),
    };
    let state_f = match q.state.as_deref().unwrap_or("open") {
        "open" => TaskState::Open,
        "done" => TaskState::Done,
        "all" => TaskState::All,
        other => {
            return Err(AppError::bad_request(
                format!("state 应为 open、done 或 all，而不是 “{other}”"),
                format!("state must be open, done or all, not {other:?}"),
            ));
        }
    };
    let due_to = crate::html::query_day("due_to", "到期日", &q.due_to)?;
    let f = TaskFilter { assignees, customer_id: q.customer, state: state_f, due_to, limit: 500, ..Default::default() };
    let list: Vec<Value> = state.store().tasks(&f).await?.iter().map(task_json).collect();
    Ok(json(StatusCode::OK, json!(list)))
}

/// Create a task: `task_title`, `task_kind` (call, visit, send, gift, other), `due_on` (default today), `due_time` (HH:MM, China time), `assignee` (a username; default the caller), `customer`, `key_person`, `opportunity` (ids), `notes`
#[utoipa::path(post, path = "/tasks", tag = "tasks", request_body = types::TaskInput,
    responses((status = 201, body = types::Task), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn create(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::CreateTask)?;
    let d = TaskDraft::parse(&raw_fields(&object(&body)?, TASK_FIELDS, &[])?, today_in_china())?;
    let t = state.store().create_task(v.actor(), &d).await?;
    Ok(json(StatusCode::CREATED, task_json(&t)))
}

/// A task
#[utoipa::path(get, path = "/tasks/{id}", tag = "tasks", params(("id" = i64, Path, description = "Task id")),
    responses((status = 200, body = types::Task), (status = 404, body = schema::Problem)))]
async fn get_one(State(state): State<AppState>, _v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    Ok(json(StatusCode::OK, task_json(&state.store().task(id).await?)))
}

/// Change a task (only the fields sent): put it off (`due_on`, `due_time`), give it to someone else (`assignee`), correct it
#[utoipa::path(patch, path = "/tasks/{id}", tag = "tasks", params(("id" = i64, Path, description = "Task id")),
    request_body = types::TaskInput,
    responses((status = 200, body = types::Task), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn patch_one(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let current = changeable(&state, &v, id).await?;
    let changes = raw_fields(&object(&body)?, TASK_FIELDS, &[])?;
    let mut raw = current.draft().to_fields();
    for (f, val) in changes.0 {
        raw.set(f, val);
    }
    let d = TaskDraft::parse(&raw, today_in_china())?;
    Ok(json(StatusCode::OK, task_json(&state.store().update_task(v.actor(), id, &d).await?)))
}

/// Tick a task done: `result` (what came of it), `log_contact` (yes to log it as a contact with the customer in the same step), `channel` (of that contact; default by the task's kind). A task already done stays as it was
#[utoipa::path(post, path = "/tasks/{id}/done", tag = "tasks", params(("id" = i64, Path, description = "Task id")),
    request_body = types::TaskDoneInput,
    responses((status = 200, body = types::Task), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn done(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    changeable(&state, &v, id).await?;
    let obj = if body.is_empty() { Map::new() } else { object(&body)? };
    let d = TaskDone::parse(&raw_fields(&obj, DONE_FIELDS, &[])?)?;
    Ok(json(StatusCode::OK, task_json(&state.store().finish_task(v.actor(), id, &d).await?)))
}

/// Open a done task again (a contact logged from it stays)
#[utoipa::path(post, path = "/tasks/{id}/reopen", tag = "tasks", params(("id" = i64, Path, description = "Task id")),
    responses((status = 200, body = types::Task), (status = 403, body = schema::Problem)))]
async fn reopen(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    changeable(&state, &v, id).await?;
    Ok(json(StatusCode::OK, task_json(&state.store().reopen_task(v.actor(), id).await?)))
}

/// My day as data: the caller's open tasks due by today (overdue first), and the birthdays of the next 7 days of the customers they look after (a manager's: the team's)
#[utoipa::path(get, path = "/today", tag = "tasks", responses((status = 200, body = types::Today)))]
async fn today(State(state): State<AppState>, v: Viewer) -> Result<Response, AppError> {
    let today = today_in_china();
    let f = TaskFilter { assignees: Some(vec![v.user.id]), due_to: Some(today), limit: 500, ..Default::default() };
    let tasks: Vec<Value> = state.store().tasks(&f).await?.iter().map(task_json).collect();
    let owners: Vec<i64> = if v.may(Action::SeeTeam).is_ok() {
        team_of(&state, &v).await?.iter().map(|u| u.id).collect()
    } else {
        vec![v.user.id]
    };
    let days = crate::pages::today::BIRTHDAY_DAYS;
    let (list, total) =
        state.store().birthdays(Some(&owners), today, days, crate::pages::today::BIRTHDAYS_SHOWN).await?;
    let birthdays: Vec<Value> = list.iter().map(birthday_json).collect();
    Ok(json(StatusCode::OK, json!({"date": today, "tasks": tasks, "birthdays": birthdays, "birthdays_total": total})))
}

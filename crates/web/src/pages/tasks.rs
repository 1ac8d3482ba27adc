//! Tasks 待办 on the web: the list (mine, a colleague's, the team's), a task's form (new, or
//! put off, given to someone else, corrected), and ticking one done with what came of it —
//! logged as a contact with the customer in the same step.

use super::form::{self, Input, InputKind};
use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::{Chrome, Done, FormData, Nav, local_path, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Duration, NaiveDate};
use guanxi_domain::tasks::{TaskDone, TaskDraft};
use guanxi_domain::{Channel, Field, Raw, Validation};
use guanxi_store::{StoreError, TaskFilter, TaskRecord, TaskState, User, today_in_china};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tasks", get(list).post(create))
        .route("/tasks/new", get(new_form))
        .route("/tasks/{id}", post(update))
        .route("/tasks/{id}/edit", get(edit_form))
        .route("/tasks/{id}/done", post(done))
        .route("/tasks/{id}/snooze", post(snooze))
        .route("/tasks/{id}/reopen", post(reopen))
}

/// The fields of a task's form, in its order.
pub const TASK_FIELDS: &[Field] = &[
    Field::TaskTitle,
    Field::TaskKind,
    Field::DueOn,
    Field::DueTime,
    Field::Assignee,
    Field::Customer,
    Field::KeyPerson,
    Field::Opportunity,
    Field::Notes,
];

/// The fields of ticking a task done.
pub const DONE_FIELDS: &[Field] = &[Field::TaskResult, Field::LogContact, Field::Channel];

/// A task as a line of a list.
pub struct TaskView {
    pub id: i64,
    pub title: String,
    pub kind: &'static str,
    pub due: String,
    pub overdue: bool,
    pub customer: Option<(i64, String)>,
    pub key_person: Option<String>,
    pub deal: Option<(i64, String)>,
    /// The assignee, by the name they go by.
    pub assignee: String,
    pub notes: Option<String>,
    pub done: Option<String>,
    pub can_change: bool,
    /// Whether "log it as a contact" is offered (the task is for a customer), ticked at first.
    pub loggable: bool,
    /// The channel the contact is logged on unless another is chosen, and the choices.
    pub channel: &'static str,
    pub channels: Vec<(&'static str, &'static str)>,
}

impl TaskView {
    pub fn new(r: &TaskRecord, v: &Viewer, names: &crate::html::Names, today: NaiveDate) -> TaskView {
        let t = T(v.lang());
        let lang = v.lang();
        let day = match (r.due_on - today).num_days() {
            0 => t.today().to_string(),
            1 => t.tomorrow().to_string(),
            -1 => t.yesterday().to_string(),
            _ => r.due_on.to_string(),
        };
        let due = match r.due_time {
            Some(at) => format!("{day} {}", at.format("%H:%M")),
            None => day,
        };
        let done = r.done_at.map(|at| {
            let mut s = format!(
                "{} {}",
                crate::html::china_time(&at),
                r.done_by.as_deref().map(|u| names.of(u)).unwrap_or_default()
            );
            if let Some(res) = &r.result {
                s.push_str(t.colon());
                s.push_str(res);
            }
            s
        });
        TaskView {
            id: r.id,
            title: r.title.clone(),
            kind: r.kind.label(lang),
            due,
            overdue: r.is_overdue(today),
            customer: r.customer_id.zip(r.customer_name.clone()),
            key_person: r.key_person_name.clone(),
            deal: r.opportunity_id.zip(r.opportunity_title.clone()),
            assignee: names.of(&r.assignee),
            notes: r.notes.clone(),
            done,
            can_change: v.may(Action::ChangeTask { assignee: r.assignee_id, creator: r.created_by }).is_ok(),
            loggable: r.customer_id.is_some(),
            channel: r.kind.channel().code(),
            channels: Channel::ALL.iter().map(|c| (c.code(), c.label(lang))).collect(),
        }
    }
}

/// A day's tasks in the groups a person works through: overdue, today, the days ahead.
pub struct TaskGroups {
    pub overdue: Vec<TaskView>,
    pub today: Vec<TaskView>,
    pub ahead: Vec<TaskView>,
}

impl TaskGroups {
    pub fn new(list: &[TaskRecord], v: &Viewer, names: &crate::html::Names, today: NaiveDate) -> TaskGroups {
        let mut g = TaskGroups { overdue: Vec::new(), today: Vec::new(), ahead: Vec::new() };
        for r in list {
            let view = TaskView::new(r, v, names, today);
            match r.due_on.cmp(&today) {
                std::cmp::Ordering::Less => g.overdue.push(view),
                std::cmp::Ordering::Equal => g.today.push(view),
                std::cmp::Ordering::Greater => g.ahead.push(view),
            }
        }
        g
    }

    pub fn is_empty(&self) -> bool {
        self.overdue.is_empty() && self.today.is_empty() && self.ahead.is_empty()
    }
}

/// The colleagues whose tasks the viewer may look at: everyone active for managers and admins
/// (their team first when they have one), else only themselves.
pub async fn team_of(state: &AppState, v: &Viewer) -> Result<Vec<User>, AppError> {
    let users: Vec<User> = state
        .store()
        .users()
        .await?
        .into_iter()
        .filter(|u| u.active && u.id != guanxi_store::Actor::SYSTEM.0)
        .collect();
    if v.may(Action::SeeTeam).is_err() {
        return Ok(users.into_iter().filter(|u| u.id == v.user.id).collect());
    }
    Ok(match &v.user.team {
        Some(team) if v.user.role == guanxi_domain::Role::Manager => {
            users.into_iter().filter(|u| u.team.as_ref() == Some(team) || u.id == v.user.id).collect()
        }
        _ => users,
    })
}

/// Whose tasks `who` names: `me`, `team` (managers and admins), or a colleague of `team` by
/// username — for the task list and the API alike.
pub fn whose(v: &Viewer, team: &[User], who: &str) -> Result<Vec<i64>, AppError> {
    match who {
        "" | "me" => Ok(vec![v.user.id]),
        "team" => {
            v.may(Action::SeeTeam)?;
            Ok(team.iter().map(|u| u.id).collect())
        }
        name => match team.iter().find(|u| u.username.eq_ignore_ascii_case(name)) {
            Some(u) => Ok(vec![u.id]),
            None => Err(AppError::bad_request(
                format!("不能查看 “{name}” 的待办：没有这位同事，或你无权查看"),
                format!("Cannot show {name:?}'s tasks: no such colleague, or not yours to see"),
            )),
        },
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    /// `me` (the default), `team`, or a colleague's username.
    who: Option<String>,
    /// `open` (the default) or `done`.
    state: Option<String>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct ListPage {
    c: Chrome,
    who: String,
    state: String,
    people: Vec<(String, String)>,
    groups: TaskGroups,
    done_list: Vec<TaskView>,
    back: String,
    back_q: String,
    can_create: bool,
}

async fn list(State(state): State<AppState>, v: Viewer, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    let today = today_in_china();
    let team = team_of(&state, &v).await?;
    let who = q.who.as_deref().map(str::trim).filter(|w| !w.is_empty()).unwrap_or("me").to_string();
    let assignees = whose(&v, &team, &who)?;
    let state_q = q.state.as_deref().unwrap_or("open");
    let done_view = match state_q {
        "open" => false,
        "done" => true,
        other => {
            return Err(AppError::bad_request(
                format!("state 应为 open 或 done，而不是 “{other}”"),
                format!("state must be open or done, not {other:?}"),
            ));
        }
    };
    let names = crate::html::Names::load(state.store()).await?;
    let filter = TaskFilter {
        assignees: Some(assignees),
        state: if done_view { TaskState::Done } else { TaskState::Open },
        limit: 300,
        ..Default::default()
    };
    let list = state.store().tasks(&filter).await?;
    let (groups, done_list) = if done_view {
        (TaskGroups::new(&[], &v, &names, today), list.iter().map(|r| TaskView::new(r, &v, &names, today)).collect())
    } else {
        (TaskGroups::new(&list, &v, &names, today), Vec::new())
    };
    let t = T(v.lang());
    let mut people = vec![("me".to_string(), t.my_tasks().to_string())];
    if v.may(Action::SeeTeam).is_ok() {
        people.push(("team".to_string(), t.team_tasks().to_string()));
        people.extend(team.iter().filter(|u| u.id != v.user.id).map(|u| (u.username.clone(), u.display_name.clone())));
    }
    let here = format!("/tasks?who={}&state={state_q}", crate::html::url_encode(&who));
    let page = ListPage {
        c: Chrome::new(&v, Nav::Tasks, q.done.as_deref(), here.clone()),
        who,
        state: state_q.to_string(),
        people,
        groups,
        done_list,
        back_q: crate::html::url_encode(&here),
        back: here,
        can_create: v.may(Action::CreateTask).is_ok(),
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "task_form.html")]
struct FormPage {
    c: Chrome,
    title: &'static str,
    action: String,
    inputs: Vec<Input>,
    back: String,
}

/// What a link may fill in on a new task (My day's "make it a task" for a birthday, the
/// customer's page): the ids as numbers, the rest as text the form then checks.
#[derive(Deserialize, Default)]
struct NewQuery {
    customer: Option<i64>,
    key_person: Option<i64>,
    opportunity: Option<i64>,
    title: Option<String>,
    kind: Option<String>,
    due_on: Option<String>,
    back: Option<String>,
}

/// The task form: the assignee a choice of colleagues, and for a customer its key people and
/// deals to choose from.
async fn form_page(
    state: &AppState,
    v: &Viewer,
    id: Option<i64>,
    raw: &Raw,
    errors: Option<&Validation>,
    back: &str,
) -> Result<Response, AppError> {
    let t = T(v.lang());
    let customer: Option<i64> = raw.get(Field::Customer).trim().parse().ok();
    // Key people and deals are chosen from the customer's; without one there is nothing to
    // choose from (a task for a customer's people is started from the customer's page).
    let fields: Vec<Field> = TASK_FIELDS
        .iter()
        .copied()
        .filter(|f| customer.is_some() || !f.is_one_of(&[Field::KeyPerson, Field::Opportunity]) || raw.has(*f))
        .collect();
    let mut inputs = form::inputs(&fields, raw, errors, t);
    let people = form::People::load(state.store(), None).await?;
    for i in inputs.iter_mut() {
        match i.name {
            "assignee" => {
                let mut opts = vec![(String::new(), t.myself().to_string())];
                opts.extend(people.colleagues.iter().cloned());
                if !i.value.is_empty() && !opts.iter().any(|(u, _)| u.eq_ignore_ascii_case(&i.value)) {
                    opts.push((i.value.clone(), i.value.clone()));
                }
                i.kind = InputKind::Select(opts);
            }
            "key_person" => {
                if let Some(c) = customer {
                    let mut opts = vec![(String::new(), "—".to_string())];
                    opts.extend(
                        state.store().key_people(c).await?.into_iter().map(|k| (k.id.to_string(), k.draft.name)),
                    );
                    i.kind = InputKind::Select(opts);
                }
            }
            "opportunity" => {
                if let Some(c) = customer {
                    let f = guanxi_store::OpportunityFilter {
                        customer_id: Some(c),
                        per_page: 100,
                        page: 1,
                        ..Default::default()
                    };
                    let mut opts = vec![(String::new(), "—".to_string())];
                    opts.extend(
                        state
                            .store()
                            .list_opportunities(&f)
                            .await?
                            .items
                            .into_iter()
                            .map(|o| (o.id.to_string(), o.draft.title)),
                    );
                    i.kind = InputKind::Select(opts);
                }
            }
            "customer" => i.hint = Some(t.task_customer_hint()),
            _ => {}
        }
    }
    let page = FormPage {
        c: Chrome::new(v, Nav::Tasks, None, "/tasks".into()),
        title: if id.is_some() { t.edit_task() } else { t.task_new() },
        action: id.map_or("/tasks".to_string(), |id| format!("/tasks/{id}")),
        inputs,
        back: back.to_string(),
    };
    let mut r = render(&page);
    if errors.is_some() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn new_form(State(state): State<AppState>, v: Viewer, Query(q): Query<NewQuery>) -> Result<Response, AppError> {
    v.may(Action::CreateTask)?;
    let mut raw = Raw::new()
        .with(Field::DueOn, q.due_on.unwrap_or_else(|| today_in_china().to_string()))
        .with(Field::TaskKind, "other");
    for (f, id) in
        [(Field::Customer, q.customer), (Field::KeyPerson, q.key_person), (Field::Opportunity, q.opportunity)]
    {
        if let Some(id) = id {
            raw.set(f, id.to_string());
        }
    }
    for (f, text) in [(Field::TaskTitle, q.title), (Field::TaskKind, q.kind)] {
        if let Some(text) = text {
            raw.set(f, text);
        }
    }
    let back = q.back.as_deref().and_then(local_path).unwrap_or_else(|| "/tasks".into());
    form_page(&state, &v, None, &raw, None, &back).await
}

/// Where to go after a task's form or button: the page it was on, with a notice.
fn back_to(form: &FormData, done: Done) -> Response {
    let to = local_path(form.get("back")).unwrap_or_else(|| "/tasks".into());
    let (path, anchor) = match to.split_once('#') {
        Some((p, a)) => (p.to_string(), format!("#{a}")),
        None => (to, String::new()),
    };
    let sep = if path.contains('?') { "&" } else { "?" };
    Redirect::to(&format!("{path}{sep}done={}{anchor}", done.code())).into_response()
}

async fn create(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::CreateTask)?;
    let form = FormData::parse(&body)?;
    let raw = form.raw(TASK_FIELDS);
    let result = match TaskDraft::parse(&raw, today_in_china()) {
        Ok(d) => state.store().create_task(v.actor(), &d).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(_) => Ok(back_to(&form, Done::TaskCreated)),
        Err(StoreError::Invalid(e)) => form_page(&state, &v, None, &raw, Some(&e), form.get("back")).await,
        Err(e) => Err(e.into()),
    }
}

/// The task, after checking the viewer may change it.
pub(crate) async fn changeable(state: &AppState, v: &Viewer, id: i64) -> Result<TaskRecord, AppError> {
    let t = state.store().task(id).await?;
    v.may(Action::ChangeTask { assignee: t.assignee_id, creator: t.created_by })?;
    Ok(t)
}

#[derive(Deserialize, Default)]
struct BackQuery {
    back: Option<String>,
}

async fn edit_form(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<BackQuery>,
) -> Result<Response, AppError> {
    let task = changeable(&state, &v, id).await?;
    let back = q.back.as_deref().and_then(local_path).unwrap_or_else(|| "/tasks".into());
    form_page(&state, &v, Some(id), &task.draft().to_fields(), None, &back).await
}

async fn update(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    changeable(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    let raw = form.raw(TASK_FIELDS);
    let result = match TaskDraft::parse(&raw, today_in_china()) {
        Ok(d) => state.store().update_task(v.actor(), id, &d).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(_) => Ok(back_to(&form, Done::Saved)),
        Err(StoreError::Invalid(e)) => form_page(&state, &v, Some(id), &raw, Some(&e), form.get("back")).await,
        Err(e) => Err(e.into()),
    }
}

/// Ticks a task done. A bad value (an unknown channel) is refused with the field named; a task
/// already done stays as it was.
async fn done(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    changeable(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    let d = TaskDone::parse(&form.raw(DONE_FIELDS)).map_err(StoreError::Invalid)?;
    state.store().finish_task(v.actor(), id, &d).await?;
    Ok(back_to(&form, if d.log_contact { Done::TaskLogged } else { Done::TaskDone }))
}

/// Puts a task off by `days` (1 to 365) from today, or to `due_on`.
async fn snooze(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let task = changeable(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    let today = today_in_china();
    let to = match form.get("days").trim() {
        "" => {
            let raw = form.raw(&[Field::DueOn]);
            guanxi_domain::values::parse_business_date(Field::DueOn, raw.get(Field::DueOn))
                .map_err(|e| StoreError::Invalid(Validation(vec![e])))?
                .ok_or_else(|| {
                    StoreError::Invalid(Validation::one(Field::DueOn, "", guanxi_domain::Problem::Required))
                })?
        }
        n => match n.parse::<i64>() {
            Ok(days @ 1..=365) => today + Duration::days(days),
            _ => {
                return Err(AppError::bad_request(
                    format!("推迟天数应为 1 到 365 之间的整数，而不是 “{n}”"),
                    format!("Put off by a whole number of days from 1 to 365, not {n:?}"),
                ));
            }
        },
    };
    let mut d = task.draft();
    d.due_on = to;
    state.store().update_task(v.actor(), id, &d).await?;
    Ok(back_to(&form, Done::TaskSnoozed))
}

async fn reopen(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    changeable(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    state.store().reopen_task(v.actor(), id).await?;
    Ok(back_to(&form, Done::Saved))
}

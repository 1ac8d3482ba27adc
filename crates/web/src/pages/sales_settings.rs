//! `/settings/sales`: the sales process as the company runs it — each stage's win probability
//! and standard actions (what, why, mandatory, how it is done), the after-sales tasks created on
//! winning, and when an open deal counts as stalled. Admins edit; everyone else reads. The same
//! settings are `GET/PUT /api/v1/settings/sales`.

use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::{Chrome, Done, FormData, Nav, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use guanxi_domain::sales::*;
use guanxi_domain::{Field, FieldError, Lang, Problem, Validation};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/settings/sales", get(page).post(save))
}

/// One action as a form row.
pub struct ActionRow {
    pub name: String,
    pub key: String,
    pub title: String,
    pub why: String,
    pub mandatory: bool,
    pub requires: String,
}

pub struct StageForm {
    pub code: &'static str,
    pub label: &'static str,
    pub probability: String,
    pub actions: Vec<ActionRow>,
}

#[derive(Template)]
#[template(path = "settings_sales.html")]
struct SettingsPage {
    c: Chrome,
    editable: bool,
    errors: Vec<String>,
    stalled_days: String,
    stages: Vec<StageForm>,
    tasks: Vec<(String, String, String)>,
    requirements: Vec<(String, String)>,
}

fn form_of(s: &SalesSettings) -> (String, Vec<StageForm>, Vec<(String, String, String)>) {
    let stages = Stage::ALL
        .iter()
        .map(|st| StageForm {
            code: st.code(),
            label: "",
            probability: s.probability(*st).to_string(),
            actions: s
                .actions(*st)
                .iter()
                .enumerate()
                .map(|(i, a)| ActionRow {
                    name: format!("{}_{i}", st.code()),
                    key: a.key.clone(),
                    title: a.title.clone(),
                    why: a.why.clone(),
                    mandatory: a.mandatory,
                    requires: a.requires.code().to_string(),
                })
                .collect(),
        })
        .collect();
    let tasks = s
        .after_sales_tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("task_{i}"), t.title.clone(), t.due_in_days.to_string()))
        .collect();
    (s.stalled_days.to_string(), stages, tasks)
}

fn number(v: &mut Validation, field: Field, text: &str, max: u32) -> u32 {
    match text.trim().parse::<u32>() {
        Ok(n) if n <= max => n,
        Ok(_) => {
            v.0.push(FieldError::new(field, text, Problem::OutOfRange { min: "0".into(), max: max.to_string() }));
            0
        }
        Err(_) => {
            v.0.push(FieldError::new(field, text, Problem::NotANumber));
            0
        }
    }
}

/// The settings as the form sent them: each stage's rows (`{stage}_{i}_…`, and a new row
/// `{stage}_new_…` when its title is filled; `…_remove` drops a row) and the tasks likewise.
/// Returns the settings as typed (a number that is not one reads as 0) and every problem.
fn parse(form: &FormData) -> (SalesSettings, Validation) {
    let mut v = Validation::default();
    let mut stages = Vec::new();
    for st in Stage::ALL {
        let code = st.code();
        let probability = number(&mut v, Field::Probability, form.get(&format!("{code}_probability")), 100) as u8;
        let mut actions: Vec<StandardAction> = Vec::new();
        let mut rows: Vec<String> = (0..100)
            .map(|i| format!("{code}_{i}"))
            .filter(|n| form.0.iter().any(|(k, _)| k == &format!("{n}_title")))
            .collect();
        rows.push(format!("{code}_new"));
        for row in rows {
            let title = form.get(&format!("{row}_title")).trim().to_string();
            if form.get(&format!("{row}_remove")) == "yes" || (row.ends_with("_new") && title.is_empty()) {
                continue;
            }
            let requires_text = form.get(&format!("{row}_requires"));
            let requires = match Requirement::from_code(requires_text) {
                Some(r) => r,
                None => {
                    let allowed = Requirement::codes().iter().map(|c| c.to_string()).collect();
                    v.push(Field::Requires, requires_text, Problem::UnknownChoice { allowed });
                    Requirement::Tick
                }
            };
            let mut key = form.get(&format!("{row}_key")).trim().to_string();
            if key.is_empty() {
                // A new action: the first free `a{n}`.
                let mut n = 1;
                while actions.iter().any(|a| a.key == format!("a{n}"))
                    || form
                        .0
                        .iter()
                        .any(|(k, val)| k.ends_with("_key") && k.starts_with(code) && *val == format!("a{n}"))
                {
                    n += 1;
                }
                key = format!("a{n}");
            }
            actions.push(StandardAction {
                key,
                title,
                why: form.get(&format!("{row}_why")).trim().to_string(),
                mandatory: form.get(&format!("{row}_mandatory")) == "yes",
                requires,
            });
        }
        stages.push(StageSettings { stage: *st, probability, actions });
    }
    let mut after_sales_tasks = Vec::new();
    let mut rows: Vec<String> = (0..100)
        .map(|i| format!("task_{i}"))
        .filter(|n| form.0.iter().any(|(k, _)| k == &format!("{n}_title")))
        .collect();
    rows.push("task_new".into());
    for row in rows {
        let title = form.get(&format!("{row}_title")).trim().to_string();
        if form.get(&format!("{row}_remove")) == "yes" || (row == "task_new" && title.is_empty()) {
            continue;
        }
        let due_in_days = number(&mut v, Field::DueInDays, form.get(&format!("{row}_days")), 3650);
        after_sales_tasks.push(AfterSalesTask { title, due_in_days });
    }
    let stalled_days = number(&mut v, Field::StalledDays, form.get("stalled_days"), 365);
    let s = SalesSettings { stages, after_sales_tasks, stalled_days };
    if let Err(more) = s.validate() {
        v.0.extend(more.0);
    }
    (s, v)
}

fn settings_page(v: &Viewer, done: Option<&str>, s: &SalesSettings, errors: Vec<String>) -> SettingsPage {
    let t = T(v.lang());
    let lang: Lang = t.lang();
    let (stalled_days, mut stages, tasks) = form_of(s);
    for (f, st) in stages.iter_mut().zip(Stage::ALL) {
        f.label = st.label(lang);
    }
    SettingsPage {
        c: Chrome::new(v, Nav::Sales, done, "/settings/sales".into()),
        editable: v.may(Action::ManageSettings).is_ok(),
        errors,
        stalled_days,
        stages,
        tasks,
        requirements: Requirement::ALL.iter().map(|r| (r.code().to_string(), r.label(lang).to_string())).collect(),
    }
}

#[derive(Deserialize)]
struct PageQuery {
    done: Option<String>,
}

async fn page(State(state): State<AppState>, v: Viewer, Query(q): Query<PageQuery>) -> Result<Response, AppError> {
    let s = state.store().sales_settings().await?;
    Ok(render(&settings_page(&v, q.done.as_deref(), &s, Vec::new())))
}

async fn save(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::ManageSettings)?;
    let form = FormData::parse(&body)?;
    let (settings, problems) = parse(&form);
    if problems.is_empty() {
        state.store().save_sales_settings(v.actor(), &settings).await?;
        return Ok(Redirect::to(&format!("/settings/sales?done={}", Done::SettingsSaved.code())).into_response());
    }
    // What was typed, with every problem named; nothing saved.
    let errors = problems.0.iter().map(|x| x.message(v.lang())).collect();
    let mut resp = render(&settings_page(&v, None, &settings, errors));
    *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

//! The opportunity page 商机: its checklist by stage, qualification, decision chain, objections,
//! contacts, tasks, files and history, with each form (a form with an error shows the page again
//! with the error beside its input).

use super::form::{self, Input};
use super::sales::{
    DealQuery, DealView, LOST_FIELDS, OBJECTION_FIELDS, OPPORTUNITY_FIELDS, QUALIFY_FIELDS, WON_FIELDS, deal_pickers,
    deal_view,
};
use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::{Chrome, Nav, china_time, render};
use crate::i18n::T;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use guanxi_domain::sales::*;
use guanxi_domain::*;
use guanxi_store::OpportunityRecord;

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

pub(crate) async fn detail(
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

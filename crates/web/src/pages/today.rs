//! My day 今日, the home page after signing in: the tasks due (overdue first), the birthdays of
//! the next 7 days — of one's customers, their key people and the people around them, with what
//! they like — the deals that have stalled and the open win-back cases. A manager sees the same
//! for the team, and how many tasks each colleague has overdue and due today.

use super::tasks::{TaskGroups, team_of};
use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::{Chrome, Nav, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use chrono::{Duration, NaiveDate};
use guanxi_domain::Field;
use guanxi_domain::winback::CaseStatus;
use guanxi_store::{Birthday, Celebrant, OpportunityFilter, TaskFilter, TaskState, today_in_china};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/today", get(page))
}

/// How many days of birthdays My day shows.
pub const BIRTHDAY_DAYS: u32 = 7;

/// How many of them it lists (the soonest); it says how many there are in all.
pub const BIRTHDAYS_SHOWN: usize = 100;

/// A birthday as a line of My day.
pub struct BirthdayView {
    pub when: String,
    pub line: String,
    /// Who they are to the customer (the customer, a key person and their title, a spouse…).
    pub who: String,
    pub customer_id: i64,
    pub customer_name: String,
    /// The customer themselves: their name is the link, no second mention.
    pub is_customer: bool,
    pub likes: String,
    pub interests: Option<String>,
    /// The new-task form, filled in for a greeting on the day.
    pub task_link: String,
}

impl BirthdayView {
    fn new(b: &Birthday, t: T, today: NaiveDate) -> BirthdayView {
        let lang = t.lang();
        let when = match (b.on - today).num_days() {
            0 => t.today().to_string(),
            1 => t.tomorrow().to_string(),
            _ => b.on.format("%m-%d").to_string(),
        };
        let who = match &b.celebrant {
            Celebrant::Customer => t.customer().to_string(),
            Celebrant::KeyPerson { job_title } => match job_title {
                Some(title) => format!("{}{}", t.field(Field::KeyPerson), t.aside(title)),
                None => t.field(Field::KeyPerson).to_string(),
            },
            Celebrant::Around { relation, of_key_person } => {
                t.relation_of(relation.label(lang), of_key_person.as_deref().unwrap_or(&b.customer_name))
            }
        };
        let likes = b.preferences.iter().map(|p| format!("{}{}{}", p.category, t.colon(), p.value)).collect::<Vec<_>>();
        let title = format!("{}{}{}", t.birthday_task(), t.colon(), b.name);
        let task_link = format!(
            "/tasks/new?customer={}&title={}&kind=gift&due_on={}&back=%2Ftoday",
            b.customer_id,
            crate::html::url_encode(&title),
            b.on
        );
        BirthdayView {
            when,
            line: match &b.lunar {
                Some(day) => {
                    format!("{}{}", t.birthday_of(&b.name, b.turns), t.aside(format!("{}{day}", t.lunar_calendar())))
                }
                None => t.birthday_of(&b.name, b.turns),
            },
            who,
            customer_id: b.customer_id,
            customer_name: b.customer_name.clone(),
            is_customer: b.celebrant == Celebrant::Customer,
            likes: likes.join(t.semicolon()),
            interests: b.interests.clone(),
            task_link,
        }
    }
}

/// A stalled deal or a win-back case as a line.
pub struct Line {
    pub href: String,
    pub title: String,
    pub detail: String,
}

/// A colleague's tasks in numbers, on a manager's day.
pub struct PersonLine {
    pub username: String,
    pub name: String,
    pub overdue: usize,
    pub today: usize,
}

#[derive(Template)]
#[template(path = "today.html")]
struct TodayPage {
    c: Chrome,
    date: String,
    groups: TaskGroups,
    show_assignee: bool,
    coming: usize,
    birthdays: Vec<BirthdayView>,
    /// Birthdays in the 7 days beyond those listed.
    birthdays_more: usize,
    stalled: Vec<Line>,
    stalled_line: String,
    winback: Vec<Line>,
    visits: Vec<Line>,
    /// Cadence steps of the next 7 days for the viewer's customers (a manager's: the team's).
    cadence_steps: Vec<Line>,
    team: Vec<PersonLine>,
    /// Messages awaiting the viewer's approval, and (for those who print them) letters to print.
    approvals: i64,
    letters: i64,
    back: String,
    back_q: String,
    can_create: bool,
}

#[derive(Deserialize, Default)]
struct TodayQuery {
    done: Option<String>,
}

async fn page(State(state): State<AppState>, v: Viewer, Query(q): Query<TodayQuery>) -> Result<Response, AppError> {
    let t = T(v.lang());
    let today = today_in_china();
    let manager = v.may(Action::SeeTeam).is_ok();
    let team = team_of(&state, &v).await?;
    let team_ids: Vec<i64> = team.iter().map(|u| u.id).collect();
    let mine = vec![v.user.id];
    let names = crate::html::Names::load(state.store()).await?;
    let approvals = state.store().messages_to_approve(super::approvals::owners_for(&v).as_deref(), 1).await?.1;
    let letters = match v.may(Action::SeeOutbox) {
        Ok(()) => state.store().letters_to_print(chrono::Utc::now(), 1).await?.1,
        Err(_) => 0,
    };

    // The viewer's own tasks due by today, and how many come in the week ahead.
    let due = TaskFilter { assignees: Some(mine.clone()), due_to: Some(today), limit: 200, ..Default::default() };
    let own = state.store().tasks(&due).await?;
    let ahead = TaskFilter {
        assignees: Some(mine.clone()),
        due_from: Some(today + Duration::days(1)),
        due_to: Some(today + Duration::days(7)),
        limit: 1000,
        ..Default::default()
    };
    let coming = state.store().tasks(&ahead).await?.len();

    // A manager's team: each colleague's overdue and today's tasks.
    let mut team_lines = Vec::new();
    if manager {
        let f = TaskFilter {
            assignees: Some(team_ids.clone()),
            due_to: Some(today),
            state: TaskState::Open,
            limit: 1000,
            ..Default::default()
        };
        let all = state.store().tasks(&f).await?;
        for u in &team {
            let theirs = all.iter().filter(|r| r.assignee_id == u.id);
            let (overdue, due_today) =
                theirs.fold((0, 0), |(o, d), r| if r.due_on < today { (o + 1, d) } else { (o, d + 1) });
            if overdue + due_today > 0 {
                team_lines.push(PersonLine {
                    username: u.username.clone(),
                    name: u.display_name.clone(),
                    overdue,
                    today: due_today,
                });
            }
        }
        team_lines.sort_by_key(|p| std::cmp::Reverse((p.overdue, p.today)));
    }

    let owners: &[i64] = if manager { &team_ids } else { &mine };
    let (birthdays, birthdays_total) =
        state.store().birthdays(Some(owners), today, BIRTHDAY_DAYS, BIRTHDAYS_SHOWN).await?;

    let settings = state.store().sales_settings().await?;
    let stalled_days = settings.stalled_days;
    let quiet_since = chrono::Utc::now() - Duration::days(i64::from(stalled_days));
    let deals = OpportunityFilter {
        owner_id: (!manager).then_some(v.user.id),
        team: if manager && v.user.role == guanxi_domain::Role::Manager { v.user.team.clone() } else { None },
        status: Some(guanxi_domain::sales::DealStatus::Open),
        quiet_since: Some(quiet_since),
        page: 1,
        per_page: 20,
        ..Default::default()
    };
    let stalled = state
        .store()
        .list_opportunities(&deals)
        .await?
        .items
        .iter()
        .map(|o| Line {
            href: format!("/opportunities/{}", o.id),
            title: o.draft.title.clone(),
            detail: format!("{} · {} · {}", o.customer_name, o.stage.label(t.lang()), names.of(&o.owner_name)),
        })
        .collect();
    let cases = state.store().winback_cases(Some(CaseStatus::Open), (!manager).then_some(v.user.id), 20, 0).await?;
    let winback = cases
        .iter()
        .map(|c| Line {
            href: format!("/winback/{}", c.id),
            title: c.customer_name.clone(),
            detail: format!(
                "{}{}{}",
                c.trigger.label(t.lang()),
                t.semicolon(),
                c.owner.as_deref().map(|o| names.of(o)).unwrap_or_default()
            ),
        })
        .collect();

    let visits = state
        .store()
        .visits_due(Some(owners), today, 20)
        .await?
        .iter()
        .map(|d| Line {
            href: format!("/customers/{}#interactions", d.customer_id),
            title: d.customer_name.clone(),
            detail: format!(
                "{} · {}",
                d.tier.label(t.lang()),
                t.visit_overdue(d.last_visit.map(|at| crate::html::china_time(&at)).as_deref(), d.every_days)
            ),
        })
        .collect();
    let until = guanxi_store::end_of_china_day(today + Duration::days(i64::from(BIRTHDAY_DAYS)));
    let cadence_steps = state
        .store()
        .steps_ahead(Some(owners), until, 20)
        .await?
        .iter()
        .map(|e| Line {
            href: format!("/customers/{}#cadences", e.customer_id),
            title: e.customer_name.clone(),
            detail: format!(
                "{} · {} · {}",
                e.cadence_name,
                t.cadence_step_n().replace("{n}", &(e.next_step + 1).to_string()),
                e.next_at.as_ref().map(crate::html::china_time).unwrap_or_default()
            ),
        })
        .collect();
    let back = "/today".to_string();
    let page = TodayPage {
        c: Chrome::new(&v, Nav::Today, q.done.as_deref(), back.clone()),
        date: today.to_string(),
        groups: TaskGroups::new(&own, &v, &names, today),
        show_assignee: false,
        coming,
        birthdays_more: birthdays_total.saturating_sub(birthdays.len()),
        birthdays: birthdays.iter().map(|b| BirthdayView::new(b, t, today)).collect(),
        stalled,
        stalled_line: format!("{} {}", t.stalled_hint(), t.days_n(i64::from(stalled_days))),
        winback,
        visits,
        cadence_steps,
        team: team_lines,
        approvals,
        letters,
        back_q: crate::html::url_encode(&back),
        back,
        can_create: v.may(Action::CreateTask).is_ok(),
    };
    Ok(render(&page))
}

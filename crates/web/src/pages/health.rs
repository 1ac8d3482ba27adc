//! Relationship health: a customer's ten-signs health check (seed 001 L6) with the signs data
//! can answer pre-filled, its history and trend; the health list for managers (worst and
//! falling first); and the satisfaction × loyalty quadrant of all customers.

use crate::AppState;
use crate::auth::{Action, Viewer, editable_customer};
use crate::error::AppError;
use crate::html::{Chrome, FormData, Nav, china_time, escape, query_choice, query_text, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guanxi_domain::health::{Answer, HealthCheck, Sign};
use guanxi_domain::standing::Quadrant;
use guanxi_domain::{Field, Lang, Validation};
use guanxi_store::{HealthOrder, HealthRow, JobKind, StoreError};
use serde::Deserialize;
use std::fmt::Write as _;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers/{id}/health", get(check_page).post(save_check))
        .route("/relationships", get(health_list))
        .route("/relationships/quadrant", get(quadrant_page))
        .route("/relationships/recompute", post(recompute))
}

/// Every field of the check form: each sign's answer and note, and the overall note.
pub fn check_fields() -> Vec<Field> {
    Sign::ALL.iter().flat_map(|s| [s.fields().0, s.fields().1]).chain([Field::Notes]).collect()
}

/// One sign's row in the form.
pub struct SignRow {
    pub code: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    /// What the data says, or why it says nothing.
    pub data: Option<String>,
    /// Whether the data answered.
    pub from_data: bool,
    pub choices: Vec<(&'static str, &'static str, bool)>,
    pub note: String,
    pub error: Option<String>,
}

/// A saved check as listed.
pub struct CheckView {
    pub id: i64,
    pub when: String,
    pub by: String,
    pub score: String,
    pub counts: String,
    pub note: String,
    pub signs: Vec<(&'static str, &'static str, &'static str, String)>,
}

#[derive(Template)]
#[template(path = "health.html")]
struct CheckPage {
    c: Chrome,
    id: i64,
    name: String,
    rows: Vec<SignRow>,
    note: String,
    error: Option<String>,
    checks: Vec<CheckView>,
    trend: String,
    can_edit: bool,
}

async fn check_page_with(
    state: &AppState,
    v: &Viewer,
    id: i64,
    done: Option<&str>,
    form: Option<(FormData, Validation)>,
) -> Result<Response, AppError> {
    let lang = v.lang();
    let t = T(lang);
    let r = state.store().customer(id).await?;
    let standing = super::archive::live_standing(state, id).await?.ok_or(AppError::NotFound)?;
    let signals = standing.inputs.signals;
    let (typed, err) = match &form {
        Some((f, e)) => (Some(f), Some(e)),
        None => (None, None),
    };
    let rows = Sign::ALL
        .iter()
        .map(|s| {
            let (field, note_field) = s.fields();
            let prefill = signals.prefill(*s);
            let chosen = match typed {
                Some(f) => Answer::parse(f.get(field.code())).unwrap_or(Answer::Unknown),
                None => prefill.map_or(Answer::Unknown, |p| p.answer),
            };
            let error = err
                .and_then(|e| e.0.iter().find(|x| x.field == field || x.field == note_field).map(|x| x.message(lang)));
            SignRow {
                code: s.code(),
                label: s.label(lang),
                hint: s.hint(lang),
                data: Some(match prefill {
                    Some(p) => format!("{}{}", p.answer.label(lang), t.aside(p.evidence.describe(lang))),
                    None if s.from_data() => t.data_not_enough().to_string(),
                    None => t.person_judgment().to_string(),
                }),
                from_data: prefill.is_some(),
                choices: Answer::ALL.iter().map(|a| (a.code(), a.label(lang), *a == chosen)).collect(),
                note: typed.map(|f| f.get(note_field.code()).to_string()).unwrap_or_default(),
                error,
            }
        })
        .collect();
    let checks = state.store().health_checks(id).await?;
    let trend = trend_svg(&checks, t);
    let checks = checks
        .iter()
        .map(|c| CheckView {
            id: c.id,
            when: china_time(&c.checked_at),
            by: c.checked_by.clone(),
            score: c.score.percent().map(|p| p.to_string()).unwrap_or_else(|| t.score_not_known(c.score.known())),
            counts: match lang {
                Lang::ZhCn => format!("是 {} · 否 {} · 不清楚 {}", c.score.yes, c.score.no, 10 - c.score.known()),
                Lang::En => format!("yes {} · no {} · unknown {}", c.score.yes, c.score.no, 10 - c.score.known()),
            },
            note: c.note.clone().unwrap_or_default(),
            signs: c
                .signs
                .iter()
                .map(|a| {
                    let from = match a.evidence {
                        Some(e) => e.describe(lang),
                        None => a.source.label(lang).to_string(),
                    };
                    let note = a.note.as_ref().map(|n| format!("{from} · {n}")).unwrap_or(from);
                    (a.answer.code(), a.sign.label(lang), a.answer.label(lang), note)
                })
                .collect(),
        })
        .collect();
    let failed = err.is_some();
    let page = CheckPage {
        c: Chrome::new(v, Nav::Relationships, done, format!("/customers/{id}/health")),
        id,
        name: r.draft.name.clone(),
        rows,
        note: typed.map(|f| f.get("notes").to_string()).unwrap_or_default(),
        error: err.map(|e| e.message(lang)),
        checks,
        trend,
        can_edit: v.may(Action::EditCustomer { owner: r.owner_id }).is_ok() && r.deleted_at.is_none(),
    };
    let mut resp = render(&page);
    if failed {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn check_page(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    check_page_with(&state, &v, id, q.done.as_deref(), None).await
}

async fn save_check(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    let raw = form.raw(&check_fields());
    let standing = super::archive::live_standing(&state, id).await?.ok_or(AppError::NotFound)?;
    let result = match HealthCheck::parse(&raw, &standing.inputs.signals) {
        Ok(check) => state.store().save_health_check(v.actor(), id, &check).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/customers/{id}/health?done=saved")).into_response()),
        Err(StoreError::Invalid(e)) => check_page_with(&state, &v, id, None, Some((form, e))).await,
        Err(e) => Err(e.into()),
    }
}

/// The scores of a customer's checks over time, oldest on the left; unknown scores are gaps.
fn trend_svg(checks: &[guanxi_store::HealthCheckRecord], t: T) -> String {
    let points: Vec<(String, i32)> = checks
        .iter()
        .rev()
        .filter_map(|c| c.score.percent().map(|p| (c.checked_at.format("%Y-%m-%d").to_string(), p)))
        .collect();
    if points.len() < 2 {
        return String::new();
    }
    let (w, h, left, top, bottom) = (520.0, 160.0, 34.0, 10.0, 24.0);
    let step = (w - left - 10.0) / (points.len() - 1) as f64;
    let y = |p: i32| top + (100 - p) as f64 / 100.0 * (h - top - bottom);
    let mut s = format!(
        "<svg viewBox=\"0 0 {w} {h}\" class=\"chart trend\" role=\"img\" aria-label=\"{}\">",
        escape(t.health_trend())
    );
    for level in [0, 50, 100] {
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" class=\"grid\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#5c6570\">{level}</text>",
            w - 10.0,
            left - 4.0,
            y(level) + 4.0,
            y = y(level)
        );
    }
    let path: Vec<String> =
        points.iter().enumerate().map(|(i, (_, p))| format!("{:.1},{:.1}", left + i as f64 * step, y(*p))).collect();
    let _ = write!(s, "<polyline points=\"{}\" class=\"line\" fill=\"none\"/>", path.join(" "));
    for (i, (day, p)) in points.iter().enumerate() {
        let x = left + i as f64 * step;
        let _ = write!(
            s,
            "<circle cx=\"{x:.1}\" cy=\"{:.1}\" r=\"4\" class=\"dot\"><title>{day}: {p}</title></circle>",
            y(*p)
        );
    }
    let _ = write!(
        s,
        "<text x=\"{left}\" y=\"{}\" font-size=\"11\" fill=\"#5c6570\">{}</text><text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\" fill=\"#5c6570\">{}</text></svg>",
        h - 6.0,
        points[0].0,
        w - 10.0,
        h - 6.0,
        points[points.len() - 1].0
    );
    s
}

/// The health list's query.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HealthQuery {
    /// worst (default: lowest score first), falling (steepest fall first) or unknown (nothing
    /// answers their health yet)
    pub order: Option<String>,
    /// The owner's username; `me` for the caller
    pub owner: Option<String>,
    /// The owners' team
    pub team: Option<String>,
    pub page: Option<u32>,
    #[param(ignore)]
    pub done: Option<String>,
}

impl HealthQuery {
    pub async fn parse(
        &self,
        state: &AppState,
        v: &Viewer,
    ) -> Result<(HealthOrder, Option<i64>, Option<String>, u32), AppError> {
        let order = match query_text(&self.order).as_deref() {
            None | Some("worst") => HealthOrder::Worst,
            Some("falling") => HealthOrder::Falling,
            Some("unknown") => HealthOrder::Unknown,
            Some(other) => {
                return Err(AppError::bad_request(
                    format!("排序“{other}”不是可选值：worst、falling、unknown"),
                    format!("order {other:?} is not one of worst, falling, unknown"),
                ));
            }
        };
        let owner = super::sales::owner_filter(state, v, query_text(&self.owner).as_deref()).await?;
        Ok((order, owner, query_text(&self.team), self.page.unwrap_or(1).max(1)))
    }
}

/// A line of the health list as shown.
pub struct HealthLine {
    pub id: i64,
    pub name: String,
    pub owner: String,
    pub tier: &'static str,
    pub score: Option<i32>,
    pub change: Option<i32>,
    /// "known 7/10": how many signs the score stands on.
    pub known: String,
    pub known_count: i32,
    pub checked: String,
    pub phase: &'static str,
    pub quadrant: Option<(&'static str, &'static str)>,
    pub marks: Vec<(&'static str, &'static str)>,
    pub satisfaction: Option<i32>,
    pub loyalty: Option<i32>,
}

impl HealthLine {
    pub fn new(r: &HealthRow, names: &crate::html::Names, t: T) -> HealthLine {
        let lang = t.lang();
        HealthLine {
            id: r.customer_id,
            name: r.name.clone(),
            owner: r.owner.as_deref().map(|o| names.of(o)).unwrap_or_default(),
            tier: r.tier.map(|x| x.label(lang)).unwrap_or(""),
            score: r.score,
            change: r.change.filter(|c| *c != 0),
            known: r.known.map(|k| format!("{} {k}/10", t.known())).unwrap_or_default(),
            known_count: r.known.unwrap_or(0),
            checked: r.checked_at.map(|c| china_time(&c)).unwrap_or_else(|| t.data_only().to_string()),
            phase: r.phase.label(lang),
            quadrant: r.quadrant.map(|q| (q.code(), q.label(lang))),
            marks: r
                .signs
                .chars()
                .zip(Sign::ALL)
                .map(|(c, s)| {
                    let a = Answer::from_mark(c);
                    (a.code(), s.label(lang))
                })
                .collect(),
            satisfaction: r.satisfaction,
            loyalty: r.loyalty,
        }
    }
}

#[derive(Template)]
#[template(path = "health_list.html")]
struct ListPage {
    c: Chrome,
    order: &'static str,
    owner: String,
    team: String,
    owners: Vec<(String, String)>,
    lines: Vec<HealthLine>,
    page: u32,
    more: bool,
    summary: Option<String>,
    can_recompute: bool,
    link: String,
}

const PER_PAGE: i64 = 50;

async fn health_list(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<HealthQuery>,
) -> Result<Response, AppError> {
    let t = T(v.lang());
    let (order, owner, team, page) = q.parse(&state, &v).await?;
    let mut rows =
        state.store().health_list(order, owner, team.as_deref(), PER_PAGE + 1, (page as i64 - 1) * PER_PAGE).await?;
    let more = rows.len() as i64 > PER_PAGE;
    rows.truncate(PER_PAGE as usize);
    let summary = state.store().latest_standing_run().await?.map(|(at, _, r)| match t.lang() {
        Lang::ZhCn => format!(
            "重点关注 {} 位客户（主客户、大客户和做过检查的客户），其中 {} 位还没有任何信号可判断 · 更新于 {}",
            r.watched,
            r.watched_unknown,
            china_time(&at)
        ),
        Lang::En => format!(
            "{} customers watched (key and major accounts and anyone checked), {} of them with no sign answered yet · updated {}",
            r.watched,
            r.watched_unknown,
            china_time(&at)
        ),
    });
    let order_code = match order {
        HealthOrder::Worst => "worst",
        HealthOrder::Falling => "falling",
        HealthOrder::Unknown => "unknown",
    };
    let owner_typed = query_text(&q.owner);
    let names = crate::html::Names::load(state.store()).await?;
    let link = crate::html::query_string(&[
        ("order", Some(order_code)),
        ("owner", owner_typed.as_deref()),
        ("team", team.as_deref()),
    ]);
    let page = ListPage {
        c: Chrome::new(&v, Nav::Relationships, q.done.as_deref(), "/relationships".into()),
        order: order_code,
        owner: query_text(&q.owner).unwrap_or_default(),
        team: team.unwrap_or_default(),
        owners: super::sales::owner_choices(&state, t).await?,
        lines: rows.iter().map(|r| HealthLine::new(r, &names, t)).collect(),
        page,
        more,
        summary,
        can_recompute: v.may(Action::BulkEdit).is_ok(),
        link,
    };
    Ok(render(&page))
}

/// A manager asks for every customer's standing to be recomputed now.
async fn recompute(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    let back = FormData::parse(&body)?.get("back").to_string();
    state.store().enqueue_job(v.actor(), JobKind::RecomputeStanding, chrono::Utc::now()).await?;
    state.wake_jobs();
    let back = if back == "/relationships/quadrant" { back } else { "/relationships".to_string() };
    Ok(Redirect::to(&format!("{back}?done=queued")).into_response())
}

#[derive(Deserialize)]
struct QuadrantQuery {
    /// Whose list to show under the chart: destroyer by default.
    quadrant: Option<String>,
    page: Option<u32>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "quadrant.html")]
struct QuadrantPage {
    c: Chrome,
    svg: String,
    counts: Vec<(&'static str, &'static str, i64, &'static str)>,
    summary: Option<String>,
    chosen: &'static str,
    chosen_label: &'static str,
    lines: Vec<HealthLine>,
    page: u32,
    more: bool,
    can_recompute: bool,
}

async fn quadrant_page(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<QuadrantQuery>,
) -> Result<Response, AppError> {
    let t = T(v.lang());
    let lang = v.lang();
    let chosen = query_choice("quadrant", "象限", &q.quadrant, Quadrant::parse, Quadrant::codes())?
        .unwrap_or(Quadrant::Destroyer);
    let page = q.page.unwrap_or(1).max(1);
    let run = state.store().latest_standing_run().await?;
    let (svg, counts, summary) = match &run {
        Some((at, customers, r)) => {
            let counts = Quadrant::ALL
                .iter()
                .map(|x| (x.code(), x.label(lang), r.quadrants.get(x.code()).copied().unwrap_or(0), x.advice(lang)))
                .collect();
            let summary = match lang {
                Lang::ZhCn => format!(
                    "{customers} 位客户中，{} 位有近两年的满意度调查，{} 位有购买记录（可算忠诚度）；两者都有的才能定位 · 更新于 {}",
                    r.surveyed,
                    r.with_loyalty,
                    china_time(at)
                ),
                Lang::En => format!(
                    "Of {customers} customers, {} answered a survey in the last two years and {} have bought (loyalty); only those with both have a place · updated {}",
                    r.surveyed,
                    r.with_loyalty,
                    china_time(at)
                ),
            };
            (scatter_svg(&r.grid, t), counts, Some(summary))
        }
        None => (String::new(), Vec::new(), None),
    };
    let mut rows = state.store().in_quadrant(chosen, PER_PAGE + 1, (page as i64 - 1) * PER_PAGE).await?;
    let more = rows.len() as i64 > PER_PAGE;
    rows.truncate(PER_PAGE as usize);
    let names = crate::html::Names::load(state.store()).await?;
    let page = QuadrantPage {
        c: Chrome::new(&v, Nav::Relationships, q.done.as_deref(), "/relationships/quadrant".into()),
        svg,
        counts,
        summary,
        chosen: chosen.code(),
        chosen_label: chosen.label(lang),
        lines: rows.iter().map(|r| HealthLine::new(r, &names, t)).collect(),
        page,
        more,
        can_recompute: v.may(Action::BulkEdit).is_ok(),
    };
    Ok(render(&page))
}

/// The quadrant as a scatter of the recompute's 10 × 10 grid: each cell a circle whose area
/// follows its count, satisfaction across, loyalty up, the four quadrants split at 50.
pub fn scatter_svg(grid: &[Vec<i64>], t: T) -> String {
    let lang = t.lang();
    let (size, pad) = (440.0, 40.0);
    let cell = (size - 2.0 * pad) / 10.0;
    let max = grid.iter().flatten().copied().max().unwrap_or(0);
    let mut s = format!(
        "<svg viewBox=\"0 0 {size} {size}\" class=\"chart scatter\" role=\"img\" aria-label=\"{}\">",
        escape(t.quadrant())
    );
    let mid = pad + 5.0 * cell;
    let far = size - pad;
    for (q, x, y) in [
        (Quadrant::Prisoner, pad, pad),
        (Quadrant::Apostle, mid, pad),
        (Quadrant::Destroyer, pad, mid),
        (Quadrant::Profiteer, mid, mid),
    ] {
        let _ = write!(
            s,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{w}\" class=\"q-{}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" text-anchor=\"middle\" class=\"q-label\">{}</text>",
            q.code(),
            x + 2.5 * cell,
            y + 16.0,
            q.label(lang),
            w = 5.0 * cell
        );
    }
    let _ = write!(
        s,
        "<line x1=\"{mid}\" x2=\"{mid}\" y1=\"{pad}\" y2=\"{far}\" class=\"axis\"/><line x1=\"{pad}\" x2=\"{far}\" y1=\"{mid}\" y2=\"{mid}\" class=\"axis\"/>"
    );
    for (si, row) in grid.iter().enumerate().take(10) {
        for (li, n) in row.iter().enumerate().take(10) {
            if *n == 0 || max == 0 {
                continue;
            }
            let r = 2.0 + (cell / 2.0 - 2.0) * (*n as f64 / max as f64).sqrt();
            let cx = pad + (si as f64 + 0.5) * cell;
            let cy = far - (li as f64 + 0.5) * cell;
            let _ = write!(
                s,
                "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{r:.1}\" class=\"dot\"><title>{} {}–{} · {} {}–{}: {n}</title></circle>",
                escape(t.satisfaction()),
                si * 10,
                si * 10 + 9,
                escape(t.loyalty()),
                li * 10,
                li * 10 + 9
            );
        }
    }
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#5c6570\">{} →</text>\
         <text x=\"14\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#5c6570\" transform=\"rotate(-90 14 {:.1})\">{} →</text></svg>",
        size / 2.0,
        size - 12.0,
        escape(t.satisfaction()),
        size / 2.0,
        size / 2.0,
        escape(t.loyalty())
    );
    s
}

//! The value page: the latest assessment's models, tiers, the Pareto curve, the RFM grid and the
//! churn watch list. Charts are SVG drawn here from numbers only.

use crate::AppState;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::html::yuan;
use crate::html::{Chrome, FormData, Nav, china_time, render};
use crate::i18n::T;
use crate::pages::form::{Input, input, inputs};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use guanxi_domain::value::{Approach, ValueSettings};
use guanxi_domain::{Field, Raw, Validation};
use guanxi_store::{ChurnRow, OverdueRow};
use std::fmt::Write as _;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/value", get(page))
        .route("/value/recompute", axum::routing::post(recompute))
        .route("/settings/value", get(settings_page).post(save_settings))
}

/// What a run's report says for the overview (see `Assessment::report`): customers and window
/// revenue per tier, the RFM grid, the Pareto curve and the top customers by window revenue.
pub struct Overview {
    pub tiers: Vec<(guanxi_domain::ValueTier, i64, i64)>,
    pub rfm_grid: Vec<(i32, i32, i64)>,
    pub pareto: Vec<(f64, f64)>,
    pub top: Vec<(i64, i64)>,
}

impl Overview {
    pub fn of(report: &serde_json::Value) -> Overview {
        let list = |k: &str| report[k].as_array().cloned().unwrap_or_default();
        let int = |v: &serde_json::Value, k: &str| v[k].as_i64().unwrap_or(0);
        Overview {
            tiers: list("tiers")
                .iter()
                .filter_map(|v| {
                    let tier = guanxi_domain::ValueTier::parse(v["tier"].as_str()?)?;
                    Some((tier, int(v, "customers"), int(v, "revenue_window_fen")))
                })
                .filter(|(_, n, _)| *n > 0)
                .collect(),
            rfm_grid: list("rfm_grid")
                .iter()
                .map(|v| (int(v, "r") as i32, int(v, "fm") as i32, int(v, "customers")))
                .collect(),
            pareto: list("pareto").iter().filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?))).collect(),
            top: list("top").iter().map(|v| (int(v, "customer_id"), int(v, "revenue_window_fen"))).collect(),
        }
    }
}

/// One of the big-customer candidates.
pub struct TopRow {
    pub customer_id: i64,
    pub name: String,
    pub revenue: String,
    pub class: &'static str,
}

/// A background assessment as the page lists it.
pub struct JobRow {
    pub kind: &'static str,
    pub state: &'static str,
    pub failed: bool,
    pub when: String,
    pub detail: String,
}

fn job_row(j: &guanxi_store::Job, t: T) -> JobRow {
    use guanxi_store::{JobKind, JobState};
    let detail = match (j.state, &j.result, &j.last_error) {
        (JobState::Done, Some(r), _) => format!("{} {}", r["customers"], t.job_customers()),
        (JobState::Queued, _, Some(e)) => format!("{} · {e}", t.job_retry()),
        (JobState::Failed, _, Some(e)) => e.clone(),
        _ => String::new(),
    };
    JobRow {
        kind: if j.kind == JobKind::NightlyValues.code() { t.job_nightly() } else { t.job_manual() },
        state: match j.state {
            JobState::Queued => t.job_queued(),
            JobState::Running => t.job_running(),
            JobState::Done => t.job_done(),
            JobState::Failed => t.job_failed(),
        },
        failed: j.state == JobState::Failed,
        when: china_time(&j.finished_at.unwrap_or(j.run_at)),
        detail,
    }
}

pub struct TierRow {
    pub label: &'static str,
    pub customers: i64,
    pub revenue: String,
    pub share: String,
}

#[derive(Template)]
#[template(path = "value.html")]
struct ValuePage {
    c: Chrome,
    as_of: Option<String>,
    /// Per fitted model: its name, its parameters as `name = value`, its log-likelihood.
    params: Vec<(String, String, String)>,
    tiers: Vec<TierRow>,
    pareto_svg: String,
    rfm_svg: String,
    holdout_svg: Option<String>,
    churn: Vec<ChurnRow>,
    overdue: Vec<OverdueRow>,
    churn_hint: String,
    overdue_hint: String,
    top_title: String,
    top: Vec<TopRow>,
    jobs: Vec<JobRow>,
    /// The money columns' heading: what the amounts are (the value window, net of refunds).
    window_revenue: String,
}

impl ValuePage {
    fn tier_label(&self, r: &ChurnRow) -> &'static str {
        r.tier.label(self.c.t.lang())
    }

    fn money(&self, fen: &i64) -> String {
        yuan(*fen)
    }

    fn pct(&self, p: &f64) -> String {
        format!("{:.0}%", p * 100.0)
    }

    fn when(&self, at: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        at.as_ref().map(china_time).unwrap_or_default()
    }

    fn days(&self, d: &f64) -> String {
        format!("{d:.0}")
    }
}

/// Cumulative share of revenue against share of customers, largest first, with the 80% line.
fn pareto_svg(points: &[(f64, f64)], t: T) -> String {
    // A wider left margin keeps the tick labels clear of the rotated axis title.
    let (w, h, pad, left) = (360.0, 240.0, 36.0, 52.0);
    let mut s = format!("<svg viewBox=\"0 0 {w} {h}\" class=\"chart\" role=\"img\" aria-label=\"{}\">", t.pareto());
    let x = |f: f64| left + f * (w - left - pad);
    let y = |f: f64| h - pad - f * (h - 2.0 * pad);
    let _ = write!(
        s,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fafbfc\" stroke=\"#d9dde3\"/>",
        x(0.0),
        y(1.0),
        x(1.0) - x(0.0),
        y(0.0) - y(1.0)
    );
    let _ = write!(
        s,
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#b3261e\" stroke-dasharray=\"4 3\"/>",
        x(0.0),
        y(0.8),
        x(1.0),
        y(0.8)
    );
    let _ =
        write!(s, "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#b3261e\">80%</text>", x(1.0) + 3.0, y(0.8) + 4.0);
    if points.len() > 1 {
        let points: Vec<String> = points.iter().map(|(px, py)| format!("{:.1},{:.1}", x(*px), y(*py))).collect();
        let points = points.join(" ");
        let _ = write!(s, "<polyline points=\"{points}\" fill=\"none\" stroke=\"#0b57d0\" stroke-width=\"2\"/>");
    }
    for (f, label) in [(0.0, "0"), (0.5, "50%"), (1.0, "100%")] {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5c6570\">{label}</text>",
            x(f),
            h - pad + 14.0
        );
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\" fill=\"#5c6570\">{label}</text>",
            left - 4.0,
            y(f) + 4.0
        );
    }
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1f2328\">{}</text>",
        (x(0.0) + x(1.0)) / 2.0,
        h - 4.0,
        t.share_of_customers()
    );
    let _ = write!(
        s,
        "<text x=\"12\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1f2328\" transform=\"rotate(-90 12 {})\">{}</text>",
        h / 2.0,
        h / 2.0,
        t.share_of_revenue()
    );
    s.push_str("</svg>");
    s
}

/// Predicted and actual purchases per customer in the holdout period, by the number of
/// purchases in the calibration period: the check to make before trusting the forecasts.
fn holdout_svg(rows: &[serde_json::Value], t: T) -> String {
    let (w, h, pad) = (360.0, 220.0, 34.0);
    let values: Vec<(String, f64, f64)> = rows
        .iter()
        .map(|r| {
            (
                r["calibration_purchases"].as_str().unwrap_or("").to_string(),
                r["predicted_mean"].as_f64().unwrap_or(0.0),
                r["actual_mean"].as_f64().unwrap_or(0.0),
            )
        })
        .collect();
    let max = values.iter().map(|v| v.1.max(v.2)).fold(0.0, f64::max).max(0.1);
    let slot = (w - 2.0 * pad) / values.len().max(1) as f64;
    let mut s =
        format!("<svg viewBox=\"0 0 {w} {h}\" class=\"chart\" role=\"img\" aria-label=\"{}\">", t.holdout_title());
    for (i, (x, predicted, actual)) in values.iter().enumerate() {
        let left = pad + i as f64 * slot;
        let bar = slot * 0.35;
        for (k, (v, color)) in [(*predicted, "#0b57d0"), (*actual, "#b3261e")].iter().enumerate() {
            let height = v / max * (h - 2.0 * pad);
            let _ = write!(
                s,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{height:.1}\" fill=\"{color}\"/>",
                left + slot * 0.12 + k as f64 * bar,
                h - pad - height
            );
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5c6570\">{}</text>",
            left + slot / 2.0,
            h - pad + 14.0,
            crate::html::escape(x)
        );
    }
    let _ = write!(
        s,
        "<text x=\"{pad}\" y=\"14\" font-size=\"11\" fill=\"#0b57d0\">■ {}</text><text x=\"{}\" y=\"14\" font-size=\"11\" fill=\"#b3261e\">■ {}</text>",
        t.predicted(),
        pad + 90.0,
        t.actual()
    );
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1f2328\">{}</text>",
        w / 2.0,
        h - 4.0,
        t.calibration_purchases()
    );
    s.push_str("</svg>");
    s
}

/// A 5 × 5 heat map: recency across, the mean of frequency and monetary up.
fn rfm_svg(cells: &[(i32, i32, i64)], t: T) -> String {
    let (cell, pad) = (44.0, 34.0);
    let size = pad + 5.0 * cell + 8.0;
    let max = cells.iter().map(|c| c.2).max().unwrap_or(0).max(1) as f64;
    let mut s =
        format!("<svg viewBox=\"0 0 {size} {size}\" class=\"chart\" role=\"img\" aria-label=\"{}\">", t.rfm_grid());
    for r in 1..=5 {
        for fm in 1..=5 {
            let n = cells.iter().find(|c| c.0 == r && c.1 == fm).map(|c| c.2).unwrap_or(0);
            let strength = n as f64 / max;
            let light = 96.0 - 56.0 * strength;
            let (x, y) = (pad + (r - 1) as f64 * cell, 4.0 + (5 - fm) as f64 * cell);
            let _ = write!(
                s,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"hsl(4, 70%, {light:.0}%)\" stroke=\"#fff\"/>",
                cell, cell
            );
            let ink = if strength > 0.6 { "#fff" } else { "#1f2328" };
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" fill=\"{ink}\">{n}</text>",
                x + cell / 2.0,
                y + cell / 2.0 + 4.0
            );
        }
    }
    for i in 1..=5 {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5c6570\">R{i}</text>",
            pad + (i - 1) as f64 * cell + cell / 2.0,
            4.0 + 5.0 * cell + 14.0
        );
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\" fill=\"#5c6570\">FM{i}</text>",
            pad - 4.0,
            4.0 + (5 - i) as f64 * cell + cell / 2.0 + 4.0
        );
    }
    s.push_str("</svg>");
    s
}

/// Queues a recompute of everyone's value as of today (managers and admins); the job worker
/// runs it in the background.
async fn recompute(State(state): State<AppState>, v: Viewer) -> Result<Response, AppError> {
    v.may(crate::auth::Action::BulkEdit)?;
    state.store().enqueue_job(v.actor(), guanxi_store::JobKind::RecomputeValues, chrono::Utc::now()).await?;
    state.wake_jobs();
    Ok(axum::response::Redirect::to(&format!("/value?done={}", crate::html::Done::RecomputeQueued.code()))
        .into_response())
}

#[derive(serde::Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    v: Viewer,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> Result<Response, AppError> {
    let t = T(v.lang());
    let store = state.store();
    let run = store.latest_value_run().await?;
    let mut params = Vec::new();
    if let Some(r) = &run {
        let mut models = vec![
            ("BG/NBD".to_string(), &r.report["bg_nbd"], &["r", "alpha", "a", "b", "log_likelihood"][..]),
            ("Gamma-Gamma".to_string(), &r.report["gamma_gamma"], &["p", "q", "gamma", "log_likelihood"][..]),
        ];
        if let Some(by_kind) = r.report["gamma_gamma_by_kind"].as_object() {
            for (kind, fit) in by_kind {
                let label = guanxi_domain::CustomerKind::parse(kind).map_or(kind.as_str(), |k| k.label(t.lang()));
                models.push((
                    format!("Gamma-Gamma{}", t.aside(label)),
                    fit,
                    &["p", "q", "gamma", "log_likelihood"][..],
                ));
            }
        }
        for (model, fit, keys) in models {
            // Older runs kept the parameters under "params".
            let value = |k: &str| fit["params"][k].as_f64().or(fit[k].as_f64());
            let shown: Vec<String> = keys
                .iter()
                .filter(|k| **k != "log_likelihood")
                .filter_map(|k| {
                    let name = match *k {
                        "alpha" => "α",
                        "gamma" => "γ",
                        other => other,
                    };
                    value(k).map(|x| format!("{name} = {x:.4}"))
                })
                .collect();
            if !shown.is_empty() {
                let ll = value("log_likelihood").map(|x| format!("{x:.1}")).unwrap_or_default();
                params.push((model, shown.join(" · "), ll));
            }
        }
    }
    let settings = store.value_settings().await?;
    let empty = serde_json::Value::Null;
    let report = run.as_ref().map_or(&empty, |r| &r.report);
    let overview = Overview::of(report);
    let names = store.customer_names(&overview.top.iter().map(|(id, _)| *id).collect::<Vec<_>>()).await?;
    let classes = guanxi_domain::value::abc::classify(
        &overview.top.iter().map(|(_, r)| *r as f64).collect::<Vec<_>>(),
        settings.a_share,
        settings.b_share,
    );
    let top = overview
        .top
        .iter()
        .zip(classes)
        .map(|((customer_id, revenue), class)| TopRow {
            customer_id: *customer_id,
            name: names.get(customer_id).cloned().unwrap_or_default(),
            revenue: yuan(*revenue),
            class: match class {
                guanxi_domain::value::AbcClass::A => "A",
                guanxi_domain::value::AbcClass::B => "B",
                guanxi_domain::value::AbcClass::C => "C",
            },
        })
        .collect();
    let pct = |x: f64| format!("{:.0}", x * 100.0);
    let revenue_total: i64 = overview.tiers.iter().map(|(_, _, r)| r).sum();
    let tiers = overview
        .tiers
        .iter()
        .map(|(tier, n, rev)| TierRow {
            label: tier.label(t.lang()),
            customers: *n,
            revenue: yuan(*rev),
            share: if revenue_total > 0 {
                format!("{:.1}%", *rev as f64 * 100.0 / revenue_total as f64)
            } else {
                "—".into()
            },
        })
        .collect();
    let page = ValuePage {
        as_of: run.as_ref().map(|r| r.as_of.to_string()),
        params,
        tiers,
        pareto_svg: pareto_svg(&overview.pareto, t),
        rfm_svg: rfm_svg(&overview.rfm_grid, t),
        holdout_svg: run
            .as_ref()
            .and_then(|r| r.report["holdout"]["by_calibration_purchases"].as_array().cloned())
            .filter(|rows| !rows.is_empty())
            .map(|rows| holdout_svg(&rows, t)),
        churn: store.churn_watch(settings.churn_below, 50).await?,
        overdue: store.overdue(chrono::Utc::now(), settings.overdue_factor, 50).await?,
        churn_hint: t.churn_hint().replace("{n}", &pct(settings.churn_below)),
        overdue_hint: t.overdue_hint().replace("{n}", &format!("{}", settings.overdue_factor)),
        top_title: t.top_title().replace("{n}", &settings.top_n.to_string()),
        window_revenue: t.window_revenue().replace("{n}", &settings.window_days.to_string()),
        top,
        jobs: store
            .jobs(None, 5)
            .await?
            .iter()
            .filter(|j| guanxi_store::JobKind::parse(&j.kind).is_some())
            .map(|j| job_row(j, t))
            .collect(),
        c: Chrome::new(&v, Nav::Value, q.done.as_deref(), "/value".into()),
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    c: Chrome,
    editable: bool,
    error: Option<String>,
    sections: Vec<(&'static str, Option<&'static str>, Vec<Input>)>,
    rules: Vec<RuleRow>,
}

/// One tier's approach checkboxes and service level.
pub struct RuleRow {
    pub tier: &'static str,
    pub field: &'static str,
    pub options: Vec<(&'static str, &'static str, bool)>,
    pub error: Option<String>,
    pub service: Input,
}

fn settings_view(v: &Viewer, raw: &Raw, errors: Option<&Validation>, done: Option<&str>) -> SettingsPage {
    use guanxi_domain::value::settings::{TIER_FIELDS, WEIGHT_FIELDS};
    let t = T(v.lang());
    let lang = t.lang();
    let group = |fields: &[Field]| inputs(fields, raw, errors, t);
    let sections = vec![
        (
            t.settings_tiers(),
            Some(t.settings_tiers_hint()),
            group(&[Field::WindowDays, Field::Basis, Field::AShare, Field::BShare, Field::SmallBelow, Field::TopN]),
        ),
        (
            t.settings_models(),
            Some(t.settings_models_hint()),
            group(&[Field::ValueUnit, Field::HorizonMonths, Field::AnnualRate, Field::MarginRate]),
        ),
        (t.settings_churn(), None, group(&[Field::ChurnBelow, Field::OverdueFactor, Field::LifetimeYears])),
        (t.settings_weights(), Some(t.settings_weights_hint()), group(&WEIGHT_FIELDS)),
        (
            t.settings_visits(),
            Some(t.settings_visits_hint()),
            group(&[Field::VisitKey, Field::VisitMajor, Field::VisitRegular, Field::VisitSmall]),
        ),
    ];
    let rules = TIER_FIELDS
        .iter()
        .map(|(tier, approach, service)| {
            let chosen: Vec<&str> = raw.get(*approach).split(',').map(str::trim).collect();
            RuleRow {
                tier: tier.label(lang),
                field: approach.code(),
                options: Approach::ALL.iter().map(|a| (a.code(), a.label(lang), chosen.contains(&a.code()))).collect(),
                error: errors.and_then(|e| e.0.iter().find(|e| e.field == *approach)).map(|e| e.message(lang)),
                service: input(*service, raw, errors, t),
            }
        })
        .collect();
    SettingsPage {
        c: Chrome::new(v, Nav::Value, done, "/settings/value".into()),
        editable: crate::auth::permits(&v.user, crate::auth::Action::ManageSettings).is_ok(),
        error: errors.map(|e| e.0.iter().map(|e| e.message(lang)).collect::<Vec<_>>().join("；")),
        sections,
        rules,
    }
}

/// The value settings: everyone signed in may read them, admins change them.
async fn settings_page(
    State(state): State<AppState>,
    v: Viewer,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> Result<Response, AppError> {
    let raw = state.store().value_settings().await?.to_fields();
    Ok(render(&settings_view(&v, &raw, None, q.done.as_deref())))
}

async fn save_settings(
    State(state): State<AppState>,
    v: Viewer,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    v.may(crate::auth::Action::ManageSettings)?;
    let form = FormData::parse(&body)?;
    let mut raw = form.raw(&ValueSettings::fields());
    // Several checked boxes share one name: all of them, joined.
    for (_, approach, _) in guanxi_domain::value::settings::TIER_FIELDS {
        let all: Vec<&str> = form.0.iter().filter(|(k, _)| k == approach.code()).map(|(_, v)| v.as_str()).collect();
        raw.set(approach, all.join(","));
    }
    match ValueSettings::parse(&raw) {
        Ok(s) => {
            state.store().save_value_settings(v.actor(), &s).await?;
            Ok(axum::response::Redirect::to(&format!(
                "/settings/value?done={}",
                crate::html::Done::SettingsSaved.code()
            ))
            .into_response())
        }
        Err(errors) => {
            let mut r = render(&settings_view(&v, &raw, Some(&errors), None));
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}

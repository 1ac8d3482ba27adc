//! The value page: the latest assessment's models, tiers, the Pareto curve, the RFM grid and the
//! churn watch list. Charts are SVG drawn here from numbers only.

use crate::AppState;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::html::{Chrome, Nav, china_time, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use guanxi_domain::orders::format_money;
use guanxi_store::{ChurnRow, OverdueRow};
use std::fmt::Write as _;

pub fn router() -> Router<AppState> {
    Router::new().route("/value", get(page)).route("/value/recompute", axum::routing::post(recompute))
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
    params: Vec<(String, String)>,
    tiers: Vec<TierRow>,
    pareto_svg: String,
    rfm_svg: String,
    holdout_svg: Option<String>,
    churn: Vec<ChurnRow>,
    overdue: Vec<OverdueRow>,
}

impl ValuePage {
    fn tier_label(&self, r: &ChurnRow) -> &'static str {
        r.tier.label(self.c.t.lang())
    }

    fn money(&self, fen: &i64) -> String {
        format_money(*fen)
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
fn pareto_svg(revenues: &[i64], t: T) -> String {
    let (w, h, pad) = (360.0, 240.0, 36.0);
    let total: i64 = revenues.iter().filter(|r| **r > 0).sum();
    let mut s = format!("<svg viewBox=\"0 0 {w} {h}\" class=\"chart\" role=\"img\" aria-label=\"{}\">", t.pareto());
    let x = |f: f64| pad + f * (w - 2.0 * pad);
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
    if total > 0 && !revenues.is_empty() {
        let n = revenues.len();
        let step = (n / 200).max(1);
        let mut points = format!("{},{}", x(0.0), y(0.0));
        let mut cum = 0i64;
        for (i, r) in revenues.iter().enumerate() {
            cum += (*r).max(0);
            if (i + 1) % step == 0 || i + 1 == n {
                let _ = write!(points, " {:.1},{:.1}", x((i + 1) as f64 / n as f64), y(cum as f64 / total as f64));
            }
        }
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
            pad - 4.0,
            y(f) + 4.0
        );
    }
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1f2328\">{}</text>",
        w / 2.0,
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

/// Assesses everyone again as of today (managers and admins).
async fn recompute(State(state): State<AppState>, v: Viewer) -> Result<Response, AppError> {
    v.may(crate::auth::Action::BulkEdit)?;
    state.store().assess_today(v.actor()).await?;
    Ok(axum::response::Redirect::to(&format!("/value?done={}", crate::html::Done::Recomputed.code())).into_response())
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
        for (model, keys) in [
            ("bg_nbd", &["r", "alpha", "a", "b", "log_likelihood"][..]),
            ("gamma_gamma", &["p", "q", "gamma", "log_likelihood"][..]),
        ] {
            for k in keys {
                if let Some(x) = r.report[model]["params"][k].as_f64().or(r.report[model][k].as_f64()) {
                    let name =
                        if *k == "log_likelihood" { format!("{model} log-likelihood") } else { format!("{model} {k}") };
                    params.push((name, format!("{x:.4}")));
                }
            }
        }
    }
    let summary = store.tier_summary().await?;
    let revenue_total: i64 = summary.iter().map(|(_, _, r)| r).sum();
    let tiers = summary
        .iter()
        .map(|(tier, n, rev)| TierRow {
            label: tier.label(t.lang()),
            customers: *n,
            revenue: format_money(*rev),
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
        pareto_svg: pareto_svg(&store.window_revenues().await?, t),
        rfm_svg: rfm_svg(&store.rfm_grid().await?, t),
        holdout_svg: run
            .as_ref()
            .and_then(|r| r.report["holdout"]["by_calibration_purchases"].as_array().cloned())
            .filter(|rows| !rows.is_empty())
            .map(|rows| holdout_svg(&rows, t)),
        churn: store.churn_watch(0.5, 50).await?,
        overdue: store.overdue(chrono::Utc::now(), 2.0, 50).await?,
        c: Chrome::new(&v, Nav::Value, q.done.as_deref(), "/value".into()),
    };
    Ok(render(&page))
}

//! The sales reports 销售报表: weighted forecast, funnel with stage-to-stage conversion, win
//! rate, days in each stage and cycle time, stalled deals, objections by cause, deals lost to
//! competitors — by owner, team and period, with SVG charts drawn here. The same numbers are
//! `GET /api/v1/sales/report`.

use crate::AppState;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::html::yuan;
use crate::html::{Chrome, Nav, escape, query_day, query_period, query_text, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use guanxi_domain::sales::Stage;
use guanxi_domain::{Lang, Role};
use guanxi_store::{ReportFilter, SalesReport};
use serde::Deserialize;
use std::fmt::Write as _;

pub fn router() -> Router<AppState> {
    Router::new().route("/opportunities/reports", get(page))
}

/// The reports' query.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The owner's username; `me` for the caller; empty for everyone
    pub owner: Option<String>,
    /// The owners' team
    pub team: Option<String>,
    /// First China day of the period, YYYY-MM-DD (default: 89 days before `to`)
    pub from: Option<String>,
    /// Last China day, inclusive (default: today)
    pub to: Option<String>,
}

impl ReportQuery {
    /// The store's filter, or a 400 naming the parameter and the value.
    pub async fn filter(&self, state: &AppState, v: &Viewer) -> Result<ReportFilter, AppError> {
        let text = query_text;
        let to = query_day("to", "结束日期", &self.to)?.unwrap_or_else(guanxi_store::today_in_china);
        let from = query_day("from", "开始日期", &self.from)?.unwrap_or(to - chrono::Duration::days(89));
        query_period(Some(from), Some(to))?;
        let owner_id = super::sales::owner_filter(state, v, text(&self.owner).as_deref()).await?;
        let days = state.store().sales_settings().await?.stalled_days;
        Ok(ReportFilter {
            owner_id,
            team: text(&self.team),
            from,
            to,
            stalled_before: chrono::Utc::now() - chrono::Duration::days(days as i64),
        })
    }

    fn value(&self, v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }
}

/// One bar of a chart: its label, its length (any unit) and the text at its end.
struct Bar {
    label: String,
    value: f64,
    text: String,
    class: &'static str,
}

/// Horizontal bars, longest = full width; labels on the left, values at the end.
fn bars_svg(title: &str, bars: &[Bar]) -> String {
    // Room on the right for the longest text at the bars' ends, at 12 px: about 7 units for a
    // digit or Latin letter, 12 for a Han character.
    let width = |t: &str| t.chars().map(|c| if c.is_ascii() || c == '¥' { 7.0 } else { 12.0 }).sum::<f64>();
    let longest = bars.iter().map(|b| width(&b.text)).fold(0.0, f64::max);
    // Room on the left for the longest label (English labels are longer than Chinese ones),
    // up to a limit past which a label is cut with an ellipsis.
    const MAX_LABEL: f64 = 260.0;
    let label = |l: &str| -> String {
        if width(l) <= MAX_LABEL {
            return l.to_string();
        }
        let mut out = String::new();
        for c in l.chars() {
            if width(&out) + width(&c.to_string()) > MAX_LABEL - 12.0 {
                break;
            }
            out.push(c);
        }
        out.push('…');
        out
    };
    let widest_label = bars.iter().map(|b| width(&label(&b.label))).fold(0.0, f64::max);
    let (row, left, right) = (26.0, (widest_label + 14.0).max(60.0), (longest + 12.0).max(60.0));
    let w = (left + right + 240.0).max(520.0);
    let h = row * bars.len().max(1) as f64 + 8.0;
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let mut s =
        format!("<svg viewBox=\"0 0 {w} {h}\" class=\"chart bars\" role=\"img\" aria-label=\"{}\">", escape(title));
    for (i, b) in bars.iter().enumerate() {
        let y = 4.0 + i as f64 * row;
        let len = if max > 0.0 { (b.value / max) * (w - left - right) } else { 0.0 };
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\" fill=\"#1f2328\">{}</text>",
            left - 6.0,
            y + row * 0.62,
            escape(&label(&b.label))
        );
        let _ = write!(
            s,
            "<rect class=\"{}\" x=\"{left}\" y=\"{}\" width=\"{:.1}\" height=\"{}\" rx=\"3\"/>",
            b.class,
            y + 3.0,
            len.max(1.0),
            row - 8.0
        );
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"12\" fill=\"#5c6570\">{}</text>",
            left + len + 6.0,
            y + row * 0.62,
            escape(&b.text)
        );
    }
    s.push_str("</svg>");
    s
}

pub struct OwnerRow {
    pub owner: String,
    pub open: i64,
    pub pipeline: String,
    pub weighted: String,
    pub won: i64,
    pub lost: i64,
    pub win_rate: String,
    pub won_amount: String,
}

pub struct StalledRow {
    pub id: i64,
    pub title: String,
    pub customer: String,
    pub owner: String,
    pub stage: &'static str,
    pub amount: String,
    pub quiet_days: i64,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    c: Chrome,
    q: ReportQuery,
    from: String,
    to: String,
    owners: Vec<(String, String)>,
    open: i64,
    pipeline: String,
    weighted: String,
    won: i64,
    lost: i64,
    win_rate: String,
    cycle: String,
    stalled: i64,
    stalled_days: u32,
    forecast_svg: String,
    funnel_svg: String,
    conversions: Vec<(String, String)>,
    stage_days_svg: String,
    objections_svg: String,
    lost_to_svg: String,
    by_owner: Vec<OwnerRow>,
    stalled_rows: Vec<StalledRow>,
}

fn rate(won: i64, lost: i64) -> String {
    if won + lost == 0 { "—".into() } else { format!("{:.0}%", won as f64 * 100.0 / (won + lost) as f64) }
}

/// The report's charts as bars, and the funnel's conversions as (step, percent).
struct Charts {
    forecast: Vec<Bar>,
    funnel: Vec<Bar>,
    conversions: Vec<(String, String)>,
    days: Vec<Bar>,
    objections: Vec<Bar>,
    lost_to: Vec<Bar>,
}

fn view(r: &SalesReport, t: T) -> Charts {
    let lang = t.lang();
    let forecast = r
        .by_month
        .iter()
        .map(|m| Bar {
            label: if m.month.is_empty() { t.no_close_date().to_string() } else { m.month.clone() },
            value: m.weighted_fen as f64,
            text: format!("{} / {}", yuan(m.weighted_fen), yuan(m.pipeline_fen)),
            class: "bar-forecast",
        })
        .collect();
    let funnel = r
        .funnel
        .iter()
        .map(|(s, n)| Bar {
            label: s.label(lang).to_string(),
            value: *n as f64,
            text: n.to_string(),
            class: "bar-funnel",
        })
        .collect();
    let conversions = r
        .funnel
        .windows(2)
        .map(|w| {
            let (a, b) = (&w[0], &w[1]);
            let pct = if a.1 > 0 { format!("{:.0}%", b.1 as f64 * 100.0 / a.1 as f64) } else { "—".into() };
            (format!("{} → {}", a.0.label(lang), b.0.label(lang)), pct)
        })
        .collect();
    let days = r
        .stage_days
        .iter()
        .filter(|(s, _, _)| *s != Stage::AfterSales)
        .map(|(s, d, n)| Bar {
            label: s.label(lang).to_string(),
            value: *d,
            text: format!("{d:.1} {}{}", t.days_unit(), t.aside(n)),
            class: "bar-days",
        })
        .collect();
    let objections = r
        .objections
        .iter()
        .map(|(c, n, open)| Bar {
            label: format!("{}{}", c.label(lang), t.aside(if c.ours() { t.cause_ours() } else { t.cause_theirs() })),
            value: *n as f64,
            text: format!("{n} · {} {open}", t.still_open()),
            class: if c.ours() { "bar-ours" } else { "bar-theirs" },
        })
        .collect();
    let lost_to = r
        .lost_to
        .iter()
        .map(|(who, n, fen)| Bar {
            label: if who.is_empty() { t.not_recorded().to_string() } else { who.clone() },
            value: *n as f64,
            text: format!("{n} · {}", yuan(*fen)),
            class: "bar-lost",
        })
        .collect();
    Charts { forecast, funnel, conversions, days, objections, lost_to }
}

async fn page(
    State(state): State<AppState>,
    v: Viewer,
    Query(mut q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    if q.owner.is_none() && v.role() == Role::SalesRep {
        q.owner = Some("me".into());
    }
    let filter = q.filter(&state, &v).await?;
    let report = state.store().sales_report(&filter).await?;
    let t = T(v.lang());
    let lang: Lang = t.lang();
    let stalled_days = state.store().sales_settings().await?.stalled_days;
    let Charts { forecast, funnel, conversions, days, objections, lost_to } = view(&report, t);
    let now = chrono::Utc::now();
    let names = crate::html::Names::load(state.store()).await?;
    let owners = super::sales::owner_choices(&state, t).await?;
    let (open, pipeline, weighted) =
        report.by_owner.iter().fold((0, 0, 0), |(a, b, c), o| (a + o.open, b + o.pipeline_fen, c + o.weighted_fen));
    let here = format!(
        "/opportunities/reports?owner={}&team={}&from={}&to={}",
        crate::html::url_encode(&q.value(&q.owner)),
        crate::html::url_encode(&q.value(&q.team)),
        filter.from,
        filter.to
    );
    // An empty chart says so instead of drawing an empty box.
    let chart = |title: &str, bars: &[Bar]| {
        if bars.is_empty() {
            format!("<p class=\"empty\">{}</p>", escape(t.nothing_to_chart()))
        } else {
            bars_svg(title, bars)
        }
    };
    let page = ReportsPage {
        c: Chrome::new(&v, Nav::Sales, None, here),
        from: filter.from.to_string(),
        to: filter.to.to_string(),
        owners,
        open,
        pipeline: yuan(pipeline),
        weighted: yuan(weighted),
        won: report.won,
        lost: report.lost,
        win_rate: rate(report.won, report.lost),
        cycle: report.cycle_days.map(|d| format!("{d:.1} {}", t.days_unit())).unwrap_or_else(|| "—".into()),
        stalled: report.stalled,
        stalled_days,
        forecast_svg: chart(t.forecast(), &forecast),
        funnel_svg: chart(t.funnel(), &funnel),
        conversions,
        stage_days_svg: chart(t.days_in_stages(), &days),
        objections_svg: chart(t.objections(), &objections),
        lost_to_svg: chart(t.lost_to_competitors(), &lost_to),
        by_owner: report
            .by_owner
            .iter()
            .map(|o| OwnerRow {
                owner: names.of(&o.owner),
                open: o.open,
                pipeline: yuan(o.pipeline_fen),
                weighted: yuan(o.weighted_fen),
                won: o.won,
                lost: o.lost,
                win_rate: rate(o.won, o.lost),
                won_amount: yuan(o.won_fen),
            })
            .collect(),
        stalled_rows: report
            .stalled_deals
            .iter()
            .map(|o| StalledRow {
                id: o.id,
                title: o.draft.title.clone(),
                customer: o.customer_name.clone(),
                owner: names.of(&o.owner_name),
                stage: o.stage.label(lang),
                amount: yuan(o.draft.amount_fen),
                quiet_days: (now - o.last_activity_at).num_days(),
            })
            .collect(),
        q,
    };
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text at the end of the longest bar ends inside the chart, however long it is.
    #[test]
    fn bar_texts_fit_inside_the_chart() {
        let bar = |value: f64, text: &str| Bar { label: "2026-12".into(), value, text: text.into(), class: "a" };
        for text in ["3", "¥3,904,030.00 / ¥7,518,107.00", "4.1 天（41）", "¥123,456,789,012.00 / ¥987,654,321,098.00"]
        {
            let svg = bars_svg("t", &[bar(1.0, "1"), bar(5.0, text)]);
            let number_at = |i: usize| -> f64 {
                let rest = &svg[i..];
                rest[..rest.find(|c: char| c != '.' && !c.is_ascii_digit()).unwrap_or(rest.len())]
                    .parse()
                    .expect("a number")
            };
            let w = number_at(svg.find("viewBox=\"0 0 ").expect("viewBox") + "viewBox=\"0 0 ".len());
            // The last text element is the one at the longest bar's end.
            let x = number_at(svg.rfind("<text x=\"").expect("texts") + "<text x=\"".len());
            let han = text.chars().filter(|c| !c.is_ascii() && *c != '¥').count() as f64;
            let ascii = text.chars().count() as f64 - han;
            // At 12 px a digit is under 7 units wide and a Han character 12.
            assert!(x + ascii * 7.0 + han * 12.0 <= w, "{text}: ends at {} of {w}", x + ascii * 7.0 + han * 12.0);
        }
    }

    /// A label ends right of the chart's left edge, however long (English labels are long);
    /// one past the limit is cut with an ellipsis.
    #[test]
    fn bar_labels_fit_on_the_left() {
        for label in ["华东", "Identify & qualify", "Objection handling and everything after it that is far too long"]
        {
            let svg = bars_svg("t", &[Bar { label: label.into(), value: 1.0, text: "1".into(), class: "a" }]);
            let x: f64 = svg.split("<text x=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
            let shown = svg.split("text-anchor=\"end\" fill=\"#1f2328\">").nth(1).unwrap().split('<').next().unwrap();
            let shown = shown.replace("&amp;", "&");
            let width: f64 = shown.chars().map(|c| if c.is_ascii() { 7.0 } else { 12.0 }).sum();
            assert!(x - width >= 0.0, "{label}: starts at {}", x - width);
            assert_eq!(shown.ends_with('…'), label.len() > 50, "{shown}");
        }
    }
}

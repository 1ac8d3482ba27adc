//! One customer-value assessment as of a date: ABC tier and RFM over a window, the BG/NBD and
//! Gamma-Gamma fits over all history before the date, and per customer P(alive), expected
//! purchases and spend, and lifetime value (historical and projected).
//!
//! The assessment reads one `History` per customer: their purchase days summed the way the
//! figures need them. The store builds these with one aggregate query over its purchase-day
//! table; `summarize` builds the same from purchase days, and a store test checks that both
//! agree.

use super::abc::{AbcClass, classify};
use super::bgnbd::{BgNbd, BgNbdFit, RepeatHistory};
use super::clv;
use super::gamma_gamma::{GammaGamma, GammaGammaFit, SpendHistory};
use super::nonmonetary::{NonMonetary, Weights, from_purchases, key_account_score};
use super::numeric::parallel_map;
use super::rfm::{self, RfmInput, RfmScore, RfmSegment};
use crate::{CustomerKind, Lang, ValueTier};
use chrono::NaiveDate;

/// One purchase day: the sums of the customer's orders on that calendar day (China time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    pub day: NaiveDate,
    pub amount_fen: i64,
    /// The revenue of the day's orders whose cost is known, and that revenue minus the cost.
    pub costed_fen: i64,
    pub margin_fen: i64,
}

impl Day {
    /// A day of orders without recorded costs.
    pub fn revenue(day: NaiveDate, amount_fen: i64) -> Day {
        Day { day, amount_fen, costed_fen: 0, margin_fen: 0 }
    }
}

/// A customer's purchase days, in day order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchases {
    pub customer_id: i64,
    pub kind: CustomerKind,
    pub days: Vec<Day>,
}

/// The period an assessment looks at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Period {
    pub as_of: NaiveDate,
    /// ABC and RFM look at the purchases in this many days up to `as_of`.
    pub window_days: i64,
    /// Realized margin is compounded to `as_of` at this rate a year.
    pub annual_rate: f64,
    /// The end of the holdout period (purchases after `as_of` up to it are counted), if any.
    pub holdout_until: Option<NaiveDate>,
}

impl Period {
    pub fn window_start(&self) -> NaiveDate {
        self.as_of - chrono::Duration::days(self.window_days - 1)
    }

    /// (1 + rate)^(age in years) for a purchase `age_days` before `as_of`: what a yuan of margin
    /// then is worth on `as_of`.
    pub fn compounding(&self, age_days: i64) -> f64 {
        (1.0 + self.annual_rate).powf(age_days as f64 / 365.25)
    }
}

/// One customer's purchases up to `as_of`, summed the way the assessment reads them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct History {
    pub customer_id: i64,
    pub kind: CustomerKind,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// Purchase days on or before `as_of` (at least one).
    pub days: i64,
    pub revenue_fen: i64,
    /// The revenue of the first purchase day (the rest is repeat purchases).
    pub first_day_fen: i64,
    pub costed_fen: i64,
    pub margin_fen: i64,
    /// Σ of the squared gaps, in days, between consecutive purchase days.
    pub gap_squares: i64,
    pub window_revenue_fen: i64,
    pub window_costed_fen: i64,
    pub window_margin_fen: i64,
    pub window_days: i64,
    /// Σ over purchase days of the known margin, and of the revenue without a known cost, each
    /// compounded to `as_of` (`Period::compounding`).
    pub compounded_margin_fen: f64,
    pub compounded_uncosted_fen: f64,
    /// Purchase days after `as_of` up to the holdout's end (0 without a holdout).
    pub later_days: i64,
}

impl History {
    /// BG/NBD's view: repeat purchases x, t_x and T in units of `unit_days`.
    pub fn repeat(&self, as_of: NaiveDate, unit_days: f64) -> RepeatHistory {
        RepeatHistory {
            x: (self.days - 1) as f64,
            t_x: (self.last - self.first).num_days() as f64 / unit_days,
            t: (as_of - self.first).num_days() as f64 / unit_days,
        }
    }

    /// Gamma-Gamma's view: the mean repeat-purchase value in yuan, if there are repeat
    /// purchases and it is positive.
    pub fn spend(&self) -> Option<SpendHistory> {
        let x = (self.days - 1) as f64;
        let mean = (self.revenue_fen - self.first_day_fen) as f64 / 100.0 / x;
        (self.days > 1 && mean > 0.0).then_some(SpendHistory { x, mean })
    }
}

/// A customer's purchase days summed independently of any date, so that the store can keep one
/// per customer current as orders are written: with the sums of a window it gives the customer's
/// `History` as of any day on or after their last purchase.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub customer_id: i64,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub days: i64,
    pub revenue_fen: i64,
    pub first_day_fen: i64,
    pub costed_fen: i64,
    pub margin_fen: i64,
    pub gap_squares: i64,
    /// Σ margin · (1 + rate)^(−d / 365.25) over purchase days d (days since 1970-01-01), and
    /// the same for revenue without a known cost.
    pub discounted_margin: f64,
    pub discounted_uncosted: f64,
    /// The annual rate of the two sums above.
    pub rate: f64,
}

/// The sums of a customer's purchase days in an assessment's window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WindowSums {
    pub revenue_fen: i64,
    pub costed_fen: i64,
    pub margin_fen: i64,
    pub days: i64,
}

impl Summary {
    /// The summary of a customer's purchase days (in day order), None without any.
    pub fn of(customer_id: i64, days: &[Day], rate: f64) -> Option<Summary> {
        let (first, last) = (days.first()?, days.last()?);
        let discount = |d: NaiveDate| (1.0 + rate).powf(-(crate::china::day_number(d) as f64) / 365.25);
        Some(Summary {
            customer_id,
            first: first.day,
            last: last.day,
            days: days.len() as i64,
            revenue_fen: days.iter().map(|d| d.amount_fen).sum(),
            first_day_fen: first.amount_fen,
            costed_fen: days.iter().map(|d| d.costed_fen).sum(),
            margin_fen: days.iter().map(|d| d.margin_fen).sum(),
            gap_squares: days.windows(2).map(|w| (w[1].day - w[0].day).num_days().pow(2)).sum(),
            discounted_margin: days.iter().map(|d| d.margin_fen as f64 * discount(d.day)).sum(),
            discounted_uncosted: days.iter().map(|d| (d.amount_fen - d.costed_fen) as f64 * discount(d.day)).sum(),
            rate,
        })
    }

    /// The customer's history as of `period.as_of`, which must be on or after their last
    /// purchase day, at the summary's rate (`period.annual_rate` must be the same).
    pub fn history(&self, kind: CustomerKind, period: &Period, window: WindowSums) -> History {
        let compound = (1.0 + self.rate).powf(crate::china::day_number(period.as_of) as f64 / 365.25);
        History {
            customer_id: self.customer_id,
            kind,
            first: self.first,
            last: self.last,
            days: self.days,
            revenue_fen: self.revenue_fen,
            first_day_fen: self.first_day_fen,
            costed_fen: self.costed_fen,
            margin_fen: self.margin_fen,
            gap_squares: self.gap_squares,
            window_revenue_fen: window.revenue_fen,
            window_costed_fen: window.costed_fen,
            window_margin_fen: window.margin_fen,
            window_days: window.days,
            compounded_margin_fen: self.discounted_margin * compound,
            compounded_uncosted_fen: self.discounted_uncosted * compound,
            later_days: 0,
        }
    }
}

/// The histories of every customer with a purchase on or before `period.as_of`.
pub fn summarize(purchases: &[Purchases], period: &Period) -> Vec<History> {
    let window_start = period.window_start();
    let until = period.holdout_until.unwrap_or(period.as_of);
    purchases
        .iter()
        .filter_map(|p| {
            let within: Vec<&Day> = p.days.iter().filter(|d| d.day <= period.as_of).collect();
            let (first, last) = (within.first()?, within.last()?);
            let window: Vec<&&Day> = within.iter().filter(|d| d.day >= window_start).collect();
            let compounded = |f: fn(&Day) -> i64| {
                within.iter().map(|d| f(d) as f64 * period.compounding((period.as_of - d.day).num_days())).sum()
            };
            Some(History {
                customer_id: p.customer_id,
                kind: p.kind,
                first: first.day,
                last: last.day,
                days: within.len() as i64,
                revenue_fen: within.iter().map(|d| d.amount_fen).sum(),
                first_day_fen: first.amount_fen,
                costed_fen: within.iter().map(|d| d.costed_fen).sum(),
                margin_fen: within.iter().map(|d| d.margin_fen).sum(),
                gap_squares: within.windows(2).map(|w| (w[1].day - w[0].day).num_days().pow(2)).sum(),
                window_revenue_fen: window.iter().map(|d| d.amount_fen).sum(),
                window_costed_fen: window.iter().map(|d| d.costed_fen).sum(),
                window_margin_fen: window.iter().map(|d| d.margin_fen).sum(),
                window_days: window.len() as i64,
                compounded_margin_fen: compounded(|d| d.margin_fen),
                compounded_uncosted_fen: compounded(|d| d.amount_fen - d.costed_fen),
                later_days: p.days.iter().filter(|d| d.day > period.as_of && d.day <= until).count() as i64,
            })
        })
        .collect()
}

crate::enums::vocabulary! {
    /// Which value ranks customers for ABC.
    Basis {
        Revenue = "revenue", "销售额", "Revenue", ["收入", "营业额"];
        Margin = "margin", "毛利", "Margin", ["利润", "毛利润"];
    }
}

/// The settings of an assessment. Defaults: weeks, a 365-day window, 80/15 ABC by revenue, 12
/// monthly periods ahead, 10% a year; margin is revenue minus cost where orders have a cost
/// (see `margin_rate`).
#[derive(Debug, Clone, PartialEq)]
pub struct AssessConfig {
    pub period: Period,
    /// Days in the models' time unit (7 for weeks, 1 for days).
    pub unit_days: f64,
    pub basis: Basis,
    pub a_share: f64,
    pub b_share: f64,
    /// A customer whose window value is below this is 小客户 even in class C.
    pub small_below_fen: i64,
    /// Projected CLV: this many periods of `period_days` each, discounted at the annual rate.
    pub periods: u32,
    pub period_days: f64,
    /// The margin rate of revenue without a known cost when no order anywhere has one
    /// (1 = value by revenue). Otherwise a customer's own costed orders give their rate, or,
    /// without any, all customers' costed orders do.
    pub margin_rate: f64,
    pub weights: Weights,
    /// The course's recipe: how many of the best customers the report lists as big-customer
    /// candidates.
    pub top_n: usize,
}

impl AssessConfig {
    pub fn new(as_of: NaiveDate) -> AssessConfig {
        AssessConfig {
            period: Period { as_of, window_days: 365, annual_rate: 0.10, holdout_until: None },
            unit_days: 7.0,
            basis: Basis::Revenue,
            a_share: 0.8,
            b_share: 0.15,
            small_below_fen: 0,
            periods: 12,
            period_days: 365.25 / 12.0,
            margin_rate: 1.0,
            weights: Weights::default(),
            top_n: 50,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CustomerValue {
    pub customer_id: i64,
    pub tier: ValueTier,
    pub abc: Option<AbcClass>,
    pub revenue_window_fen: i64,
    pub rfm: Option<RfmScore>,
    pub segment: Option<RfmSegment>,
    pub p_alive: Option<f64>,
    /// Expected purchases over the projection horizon.
    pub expected_purchases: Option<f64>,
    pub expected_spend_fen: Option<i64>,
    /// Realized margin, compounded to `as_of` at the annual rate.
    pub clv_history_fen: i64,
    /// Expected future margin over the horizon, discounted to `as_of`.
    pub clv_projected_fen: Option<i64>,
    pub non_monetary: NonMonetary,
    /// 0–100: monetary percentile and non-monetary value combined (see `nonmonetary`).
    pub key_score: f64,
}

/// A Gamma-Gamma fit for one kind of customer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KindFit {
    pub kind: CustomerKind,
    pub fit: GammaGammaFit,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Assessment {
    pub values: Vec<CustomerValue>,
    pub bg_nbd: Option<BgNbdFit>,
    /// Spend fitted separately for each kind of customer with enough repeat buyers
    /// (individuals and organizations spend on different scales, and one fit over both
    /// describes neither), and on all repeat buyers together when some kind has no fit of its
    /// own: that kind uses the pooled one.
    pub gamma_gamma: Option<GammaGammaFit>,
    pub gamma_gamma_by_kind: Vec<KindFit>,
    /// The margin rate applied to revenue without a known cost when a customer has no costed
    /// orders of their own.
    pub margin_rate: f64,
    /// Customers with a repeat purchase.
    pub repeat_buyers: usize,
}

impl Assessment {
    /// What the run found, as saved with it and printed by `guanxi analyze --json`: the fitted
    /// models with their log-likelihoods, the margin rate used for revenue without costs, and
    /// the holdout check if one was made.
    pub fn report(&self, cfg: &AssessConfig, holdout: &[HoldoutRow]) -> serde_json::Value {
        use serde_json::json;
        let spend = |g: &GammaGammaFit| {
            let p = g.params;
            json!({"p": p.p, "q": p.q, "gamma": p.gamma, "log_likelihood": g.log_likelihood, "customers": g.customers,
                   "iterations": g.iterations, "converged": g.converged,
                   "population_mean_yuan": (p.q > 1.0).then(|| p.population_mean())})
        };
        let mut by_kind = serde_json::Map::new();
        for k in &self.gamma_gamma_by_kind {
            by_kind.insert(k.kind.code().to_string(), spend(&k.fit));
        }
        let mut report = json!({
            "as_of": cfg.period.as_of.to_string(),
            "unit": if cfg.unit_days == 1.0 { "day" } else { "week" },
            "window_days": cfg.period.window_days,
            "customers": self.values.len(),
            "repeat_buyers": self.repeat_buyers,
            "bg_nbd": self.bg_nbd.as_ref().map(|b| json!({"r": b.params.r, "alpha": b.params.alpha, "a": b.params.a,
                "b": b.params.b, "log_likelihood": b.log_likelihood, "customers": b.customers,
                "iterations": b.iterations, "converged": b.converged})),
            "gamma_gamma": self.gamma_gamma.as_ref().map(spend),
            "gamma_gamma_by_kind": by_kind,
            "margin_rate": self.margin_rate,
        });
        // What the value page and API show, computed once here rather than from a million rows
        // on every page view: customers and window revenue per tier, the RFM grid, the Pareto
        // curve (at most 200 points) and the top customers by window revenue.
        let tiers: Vec<serde_json::Value> = ValueTier::ALL
            .iter()
            .map(|t| {
                let (customers, revenue) = self
                    .values
                    .iter()
                    .filter(|v| v.tier == *t)
                    .fold((0usize, 0i64), |(n, r), v| (n + 1, r + v.revenue_window_fen));
                json!({"tier": t.code(), "customers": customers, "revenue_window_fen": revenue})
            })
            .collect();
        let mut grid = std::collections::BTreeMap::new();
        for s in self.values.iter().filter_map(|v| v.rfm) {
            *grid.entry((s.r, (s.f + s.m) / 2)).or_insert(0usize) += 1;
        }
        let grid: Vec<serde_json::Value> =
            grid.into_iter().map(|((r, fm), n)| json!({"r": r, "fm": fm, "customers": n})).collect();
        // (−revenue, id): largest first, ties by id, sorted as plain keys.
        let mut ranked: Vec<(i64, i64)> =
            self.values.iter().map(|v| (v.revenue_window_fen.saturating_neg(), v.customer_id)).collect();
        ranked.sort_unstable();
        let revenue = |r: &(i64, i64)| r.0.saturating_neg();
        let total: i64 = ranked.iter().map(|r| revenue(r).max(0)).sum();
        let n = ranked.len();
        let step = (n / 200).max(1);
        let mut pareto = vec![json!([0.0, 0.0])];
        let mut cum = 0i64;
        for (i, r) in ranked.iter().enumerate() {
            cum += revenue(r).max(0);
            if total > 0 && ((i + 1) % step == 0 || i + 1 == n) {
                pareto.push(json!([(i + 1) as f64 / n as f64, cum as f64 / total as f64]));
            }
        }
        let top: Vec<serde_json::Value> = ranked
            .iter()
            .filter(|r| revenue(r) > 0)
            .take(cfg.top_n)
            .map(|r| json!({"customer_id": r.1, "revenue_window_fen": revenue(r)}))
            .collect();
        report["tiers"] = json!(tiers);
        report["rfm_grid"] = json!(grid);
        report["pareto"] = json!(pareto);
        report["top"] = json!(top);
        if let Some(until) = cfg.period.holdout_until {
            let length = (until - cfg.period.as_of).num_days() as f64 / cfg.unit_days;
            report["holdout"] =
                json!({"until": until.to_string(), "length": length, "by_calibration_purchases": holdout});
        }
        report
    }
}

/// Repeat buyers a kind of customer needs for its own spend model.
pub const MIN_KIND_FIT: usize = 200;

/// One line of the holdout check.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HoldoutRow {
    /// Repeat purchases up to `as_of`: "0" … "6", then "7+".
    pub calibration_purchases: String,
    pub customers: usize,
    /// Mean purchase days per customer after `as_of` up to `until`, as the model expects them.
    pub predicted_mean: f64,
    /// The same, as they happened.
    pub actual_mean: f64,
}

/// The check to make before trusting the model: for the customers who had bought by `as_of`,
/// predicted and actual purchase days in (`as_of`, `until`], by calibration purchases.
pub fn holdout(histories: &[History], model: &BgNbd, period: &Period, unit_days: f64) -> Vec<HoldoutRow> {
    let Some(until) = period.holdout_until else { return Vec::new() };
    let t = (until - period.as_of).num_days() as f64 / unit_days;
    let mut groups = [(0usize, 0.0f64, 0.0f64); 8];
    for h in histories {
        let r = h.repeat(period.as_of, unit_days);
        let g = &mut groups[(r.x as usize).min(7)];
        g.0 += 1;
        g.1 += model.expected_purchases(&r, t);
        g.2 += h.later_days as f64;
    }
    groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.0 > 0)
        .map(|(x, (n, predicted, actual))| HoldoutRow {
            calibration_purchases: if x == 7 { "7+".into() } else { x.to_string() },
            customers: *n,
            predicted_mean: predicted / *n as f64,
            actual_mean: actual / *n as f64,
        })
        .collect()
}

/// Expected spend per purchase in yuan: a repeat buyer's own mean shrunk towards their kind's;
/// a one-time buyer is expected to spend like the population, which has a mean only when q > 1.
fn expected_spend(g: &GammaGamma, r: &RepeatHistory, s: Option<SpendHistory>) -> Option<f64> {
    match s {
        Some(s) if g.p * r.x + g.q > 1.0 => Some(g.expected_spend(&s)),
        None if g.q > 1.0 => Some(g.population_mean()),
        _ => None,
    }
}

/// A scoped thread's result, its panic passed on.
fn join<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// Assesses every customer in `histories`.
pub fn assess(histories: &[History], cfg: &AssessConfig) -> Assessment {
    let as_of = cfg.period.as_of;
    let repeats: Vec<RepeatHistory> = histories.iter().map(|h| h.repeat(as_of, cfg.unit_days)).collect();
    let spends: Vec<Option<SpendHistory>> = histories.iter().map(History::spend).collect();
    let fit_spend = |kind: Option<CustomerKind>| {
        let data: Vec<SpendHistory> = histories
            .iter()
            .zip(&spends)
            .filter(|(h, _)| kind.is_none_or(|k| h.kind == k))
            .filter_map(|(_, s)| *s)
            .collect();
        if kind.is_some() && data.len() < MIN_KIND_FIT {
            return None;
        }
        GammaGamma::fit(&data).ok()
    };
    // Margin: revenue minus cost where the cost is known; elsewhere revenue at the customer's
    // own costed rate, else all customers' costed rate, else the configured rate.
    let (costed, margin) = histories.iter().fold((0i64, 0i64), |(c, m), h| (c + h.costed_fen, m + h.margin_fen));
    let company_rate = if costed > 0 { margin as f64 / costed as f64 } else { cfg.margin_rate };
    let rate_of = |h: &History| if h.costed_fen > 0 { h.margin_fen as f64 / h.costed_fen as f64 } else { company_rate };

    // ABC and RFM, on the window; and each customer's window value in order, for its
    // percentile.
    let rank = || {
        let window_value: Vec<f64> = histories
            .iter()
            .map(|h| match cfg.basis {
                Basis::Revenue => h.window_revenue_fen as f64,
                Basis::Margin => {
                    h.window_margin_fen as f64 + (h.window_revenue_fen - h.window_costed_fen) as f64 * rate_of(h)
                }
            })
            .collect();
        let abc = classify(&window_value, cfg.a_share, cfg.b_share);
        let active: Vec<usize> = (0..histories.len()).filter(|&i| histories[i].window_days > 0).collect();
        let scores = rfm::score(
            &active
                .iter()
                .map(|&i| RfmInput {
                    recency_days: (as_of - histories[i].last).num_days() as f64,
                    frequency: histories[i].window_days as f64,
                    monetary: histories[i].window_revenue_fen as f64,
                })
                .collect::<Vec<_>>(),
        );
        let mut rfm_of: Vec<Option<RfmScore>> = vec![None; histories.len()];
        for (k, &i) in active.iter().enumerate() {
            rfm_of[i] = Some(scores[k]);
        }
        let mut sorted = window_value.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        (window_value, abc, rfm_of, sorted)
    };

    // The purchase model, the spend models and the ranking at once: each fit spreads its sums
    // over the cores, and together they keep both busy between their evaluations (and in the
    // small fits).
    let (bg, (by_kind, gg), (window_value, abc, rfm_of, sorted)) = std::thread::scope(|s| {
        let bg = s.spawn(|| BgNbd::fit(&repeats).ok());
        let ranked = s.spawn(rank);
        let by_kind: Vec<KindFit> = [CustomerKind::Individual, CustomerKind::Organization]
            .into_iter()
            .filter_map(|kind| fit_spend(Some(kind)).map(|fit| KindFit { kind, fit }))
            .collect();
        // The pooled fit, when some customer's kind has none of its own.
        let pooled_needed = histories.iter().any(|h| !by_kind.iter().any(|k| k.kind == h.kind));
        let gg = if pooled_needed { fit_spend(None) } else { None };
        (join(bg), (by_kind, gg), join(ranked))
    });

    // Monetary percentile: the share of assessed customers with less value in the window.
    let percentile = |v: f64| {
        if sorted.len() <= 1 { 1.0 } else { sorted.partition_point(|x| *x < v) as f64 / (sorted.len() - 1) as f64 }
    };
    let period_rate = (1.0 + cfg.period.annual_rate).powf(cfg.period_days / 365.25) - 1.0;
    // The end of each projected period in model time units; the last is the forecast horizon.
    let ends: Vec<f64> = (1..=cfg.periods).map(|k| k as f64 * cfg.period_days / cfg.unit_days).collect();
    let indexes: Vec<usize> = (0..histories.len()).collect();
    let values = parallel_map(&indexes, |&i| {
        let h = &histories[i];
        let r = &repeats[i];
        let value = window_value[i];
        let tier = if h.window_days == 0 || value <= 0.0 || value < cfg.small_below_fen as f64 {
            ValueTier::Small
        } else {
            match abc[i] {
                AbcClass::A => ValueTier::Key,
                AbcClass::B => ValueTier::Major,
                AbcClass::C => ValueTier::Regular,
            }
        };
        let spend_model = by_kind.iter().find(|k| k.kind == h.kind).map(|k| &k.fit).or(gg.as_ref());
        let spend = spend_model.and_then(|g| expected_spend(&g.params, r, spends[i]));
        let rate = rate_of(h);
        let non_monetary = from_purchases(h.first, h.last, h.days, h.gap_squares, as_of);
        let expected = bg.as_ref().map(|b| b.params.expected_purchases_at(r, &ends));
        CustomerValue {
            customer_id: h.customer_id,
            key_score: key_account_score(percentile(value).min(1.0), &non_monetary, &cfg.weights),
            non_monetary,
            tier,
            abc: (value > 0.0).then_some(abc[i]),
            revenue_window_fen: h.window_revenue_fen,
            rfm: rfm_of[i],
            segment: rfm_of[i].map(|s| s.segment()),
            p_alive: bg.as_ref().map(|b| b.params.p_alive(r)),
            expected_purchases: expected.as_ref().map(|e| e.last().copied().unwrap_or(0.0)),
            expected_spend_fen: spend.map(|s| (s * 100.0).round() as i64),
            clv_history_fen: (h.compounded_margin_fen + h.compounded_uncosted_fen * rate).round() as i64,
            clv_projected_fen: match (&expected, spend) {
                (Some(e), Some(s)) => Some(clv::projected_from(e, s * 100.0, rate, period_rate).round() as i64),
                _ => None,
            },
        }
    });
    let repeat_buyers = histories.iter().filter(|h| h.days > 1).count();
    Assessment {
        values,
        bg_nbd: bg,
        gamma_gamma: gg,
        gamma_gamma_by_kind: by_kind,
        margin_rate: company_rate,
        repeat_buyers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn buyer(id: i64, days: &[(&str, i64)]) -> Purchases {
        Purchases {
            customer_id: id,
            kind: CustomerKind::Individual,
            days: days.iter().map(|(s, a)| Day::revenue(d(s), *a)).collect(),
        }
    }

    #[test]
    fn summaries_by_hand() {
        let mut p = buyer(1, &[("2026-01-10", 80_000), ("2026-05-01", 20_000), ("2026-06-30", 500), ("2026-07-02", 9)]);
        p.days[1].costed_fen = 20_000;
        p.days[1].margin_fen = 5_000;
        let mut period = Period { as_of: d("2026-06-30"), window_days: 100, annual_rate: 0.0, holdout_until: None };
        let h = &summarize(std::slice::from_ref(&p), &period)[0];
        assert_eq!((h.first, h.last, h.days), (d("2026-01-10"), d("2026-06-30"), 3));
        assert_eq!((h.revenue_fen, h.first_day_fen, h.costed_fen, h.margin_fen), (100_500, 80_000, 20_000, 5_000));
        // Gaps 111 and 60 days; the window (100 days to 06-30) starts on 03-23.
        assert_eq!(h.gap_squares, 111 * 111 + 60 * 60);
        assert_eq!(
            (h.window_revenue_fen, h.window_costed_fen, h.window_margin_fen, h.window_days),
            (20_500, 20_000, 5_000, 2)
        );
        assert_eq!((h.compounded_margin_fen, h.compounded_uncosted_fen), (5_000.0, 80_500.0));
        assert_eq!(h.later_days, 0);
        period.holdout_until = Some(d("2026-07-31"));
        period.annual_rate = 0.1;
        let h = &summarize(&[p], &period)[0];
        assert_eq!(h.later_days, 1);
        let expect = 80_000.0 * 1.1f64.powf(171.0 / 365.25) + 500.0;
        assert!((h.compounded_uncosted_fen - expect).abs() < 1e-6);
        // Mean repeat purchase: (20,000 + 500) fen over 2.
        assert_eq!(h.spend(), Some(SpendHistory { x: 2.0, mean: 102.5 }));
        let r = h.repeat(d("2026-06-30"), 7.0);
        assert_eq!((r.x, r.t_x, r.t), (2.0, 171.0 / 7.0, 171.0 / 7.0));
    }

    #[test]
    fn a_summary_gives_the_same_history_as_the_days() {
        let mut p = buyer(1, &[("2024-02-10", 80_000), ("2025-05-01", 20_000), ("2026-06-30", 500)]);
        p.days[1].costed_fen = 20_000;
        p.days[1].margin_fen = 5_000;
        let period = Period { as_of: d("2026-07-31"), window_days: 500, annual_rate: 0.12, holdout_until: None };
        let expect = &summarize(std::slice::from_ref(&p), &period)[0];
        let s = Summary::of(1, &p.days, 0.12).unwrap();
        let window = WindowSums { revenue_fen: 20_500, costed_fen: 20_000, margin_fen: 5_000, days: 2 };
        let got = s.history(CustomerKind::Individual, &period, window);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs();
        assert!(close(got.compounded_margin_fen, expect.compounded_margin_fen), "{got:?} {expect:?}");
        assert!(close(got.compounded_uncosted_fen, expect.compounded_uncosted_fen));
        let exact = |h: &History| History { compounded_margin_fen: 0.0, compounded_uncosted_fen: 0.0, ..h.clone() };
        assert_eq!(exact(&got), exact(expect));
    }

    #[test]
    fn tiers_rfm_and_history_by_hand() {
        let purchases = vec![
            buyer(1, &[("2026-01-10", 80_000), ("2026-05-01", 20_000)]),
            buyer(2, &[("2026-06-20", 15_000)]),
            buyer(3, &[("2026-06-01", 5_000)]),
            buyer(4, &[("2024-01-01", 9_000)]),
            buyer(5, &[("2027-01-01", 1_000)]),
        ];
        let mut cfg = AssessConfig::new(d("2026-06-30"));
        cfg.margin_rate = 0.5;
        let a = assess(&summarize(&purchases, &cfg.period), &cfg);
        // Customer 5 bought only after the date; 4 only before the window.
        assert_eq!(a.values.len(), 4);
        let by = |id| a.values.iter().find(|v| v.customer_id == id).unwrap();
        // Window revenue 1000 + 150 + 50 = 1200 yuan: customer 1 alone crosses 80% → key; 2 → major.
        assert_eq!(by(1).tier, ValueTier::Key);
        assert_eq!(by(2).tier, ValueTier::Major);
        assert_eq!(by(3).tier, ValueTier::Regular);
        assert_eq!(by(4).tier, ValueTier::Small);
        assert_eq!(by(4).rfm, None);
        assert_eq!(by(1).revenue_window_fen, 100_000);
        // The most recent buyer has the best recency.
        assert!(by(2).rfm.unwrap().r > by(1).rfm.unwrap().r);
        // History: half of 90 yuan 2.5 years before the date (no costs anywhere: the configured
        // rate), compounded at 10% a year.
        let expect = 9_000.0 * 0.5 * 1.1f64.powf((d("2026-06-30") - d("2024-01-01")).num_days() as f64 / 365.25);
        assert!((by(4).clv_history_fen as f64 - expect).abs() <= 1.0);
        // The report's overview: tiers, the Pareto curve's end, the top customers in order.
        let report = a.report(&cfg, &[]);
        assert_eq!(
            report["tiers"][0],
            serde_json::json!({"tier": "key", "customers": 1, "revenue_window_fen": 100_000})
        );
        assert_eq!(report["tiers"][3]["customers"], 1);
        assert_eq!(report["pareto"].as_array().unwrap().last().unwrap(), &serde_json::json!([1.0, 1.0]));
        assert_eq!(report["pareto"][1], serde_json::json!([0.25, 100_000.0 / 120_000.0]));
        let top: Vec<i64> =
            report["top"].as_array().unwrap().iter().map(|t| t["customer_id"].as_i64().unwrap()).collect();
        assert_eq!(top, [1, 2, 3]);
        let cells: i64 = report["rfm_grid"].as_array().unwrap().iter().map(|c| c["customers"].as_i64().unwrap()).sum();
        assert_eq!(cells, 3, "customers with purchases in the window");
        // A floor for 小客户 moves customer 3 (50 yuan) down.
        cfg.small_below_fen = 6_000;
        let a = assess(&summarize(&purchases, &cfg.period), &cfg);
        assert_eq!(a.values.iter().find(|v| v.customer_id == 3).unwrap().tier, ValueTier::Small);
    }

    #[test]
    fn margin_from_costs_own_then_everyone_else() {
        let mut costed = buyer(1, &[("2026-06-01", 10_000)]);
        costed.days[0].costed_fen = 10_000;
        costed.days[0].margin_fen = 4_000;
        let mut partly = buyer(2, &[("2026-06-02", 10_000), ("2026-06-03", 10_000)]);
        partly.days[0].costed_fen = 10_000;
        partly.days[0].margin_fen = 2_000;
        let uncosted = buyer(3, &[("2026-06-04", 10_000)]);
        let mut cfg = AssessConfig::new(d("2026-06-30"));
        cfg.period.annual_rate = 0.0;
        cfg.margin_rate = 0.9; // unused: some orders have costs
        let a = assess(&summarize(&[costed, partly, uncosted], &cfg.period), &cfg);
        let by = |id| a.values.iter().find(|v| v.customer_id == id).unwrap();
        assert_eq!(by(1).clv_history_fen, 4_000);
        // The uncosted day at the customer's own 20%.
        assert_eq!(by(2).clv_history_fen, 2_000 + 2_000);
        // No costs of their own: everyone's costed orders, 6,000 / 20,000 = 30%.
        assert!((a.margin_rate - 0.3).abs() < 1e-12);
        assert_eq!(by(3).clv_history_fen, 3_000);
        // By margin, customer 1 (40 yuan) outranks 2 (40 yuan, later in input) and 3 (30).
        cfg.basis = Basis::Margin;
        let a = assess(&summarize(&[buyer(9, &[("2026-06-01", 1)])], &cfg.period), &cfg);
        assert_eq!(a.values.len(), 1);
    }

    #[test]
    fn holdout_by_calibration_purchases() {
        let p = |id, days: &[&str]| buyer(id, &days.iter().map(|s| (*s, 1_000)).collect::<Vec<_>>());
        let purchases = vec![
            p(1, &["2026-01-01", "2026-02-01", "2026-07-05", "2026-08-01"]),
            p(2, &["2026-03-01"]),
            p(3, &["2026-07-10"]),
        ];
        let m = BgNbd { r: 0.5, alpha: 6.0, a: 0.8, b: 2.5 };
        let period =
            Period { as_of: d("2026-06-30"), window_days: 365, annual_rate: 0.1, holdout_until: Some(d("2026-09-30")) };
        let histories = summarize(&purchases, &period);
        let rows = holdout(&histories, &m, &period, 7.0);
        // Customer 3 had not bought by the date; 1 had one repeat purchase and two after; 2 none.
        assert_eq!(
            rows.iter().map(|r| (r.calibration_purchases.as_str(), r.customers)).collect::<Vec<_>>(),
            [("0", 1), ("1", 1)]
        );
        assert_eq!((rows[0].actual_mean, rows[1].actual_mean), (0.0, 2.0));
        let h = histories[0].repeat(period.as_of, 7.0);
        assert!((rows[1].predicted_mean - m.expected_purchases(&h, 92.0 / 7.0)).abs() < 1e-12);
        assert_eq!(h.x, 1.0);
        assert_eq!(histories.len(), 2);
    }

    /// Customers simulated from the models, with organizations spending ten times as much.
    fn simulated(n: usize, seed: u64) -> (Vec<Purchases>, NaiveDate) {
        use super::super::sim::Sim;
        let truth = BgNbd { r: 0.5, alpha: 6.0, a: 0.8, b: 2.5 };
        let mut sim = Sim::new(seed);
        let start = d("2025-01-01");
        let purchases = sim
            .bgnbd(&truth, n, 30.0, 52.0)
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let org = i % 3 == 0;
                let scale = if org { 10 } else { 1 };
                let first = start + chrono::Duration::days((52.0 - h.t) as i64 * 7);
                let mut days = vec![Day::revenue(first, (10_000 + (i as i64 % 7) * 1_000) * scale)];
                // Spread the repeat purchases up to the last one (only their count and span matter).
                for k in 1..=(h.x as i64) {
                    let at = first + chrono::Duration::days((h.t_x * 7.0 * k as f64 / h.x) as i64);
                    if at > days.last().unwrap().day {
                        let amount = (8_000 + ((k + i as i64) % 5) * 2_000 + (sim.uniform() * 3_000.0) as i64) * scale;
                        days.push(Day::revenue(at, amount));
                    }
                }
                let kind = if org { CustomerKind::Organization } else { CustomerKind::Individual };
                Purchases { customer_id: i as i64 + 1, kind, days }
            })
            .collect();
        (purchases, start + chrono::Duration::days(52 * 7))
    }

    #[test]
    fn with_enough_customers_the_models_fill_the_forecasts() {
        let (purchases, as_of) = simulated(3_000, 5);
        let cfg = AssessConfig::new(as_of);
        let a = assess(&summarize(&purchases, &cfg.period), &cfg);
        // Both kinds have their own spend model, so none is pooled.
        assert!(a.bg_nbd.is_some() && a.gamma_gamma.is_none());
        assert!(a.values.iter().all(|v| v.p_alive.is_some_and(|p| (0.0..=1.0).contains(&p))));
        assert!(a.values.iter().all(|v| v.clv_projected_fen.is_some_and(|c| c >= 0)));
        // Everyone with purchases in the window has an RFM segment.
        assert!(a.values.iter().filter(|v| v.revenue_window_fen > 0).all(|v| v.segment.is_some()));
        // Each kind has its own spend model, and it is on its own scale: a one-time buyer is
        // expected to spend like their kind, about ten times as much for an organization.
        assert_eq!(
            a.gamma_gamma_by_kind.iter().map(|k| k.kind).collect::<Vec<_>>(),
            [CustomerKind::Individual, CustomerKind::Organization]
        );
        let population = |k: usize| a.gamma_gamma_by_kind[k].fit.params.population_mean();
        let ratio = population(1) / population(0);
        assert!((7.0..14.0).contains(&ratio), "organizations / individuals = {ratio}");
        let one_timer = |kind: CustomerKind| {
            let id = purchases.iter().find(|p| p.kind == kind && p.days.len() == 1).unwrap().customer_id;
            a.values.iter().find(|v| v.customer_id == id).unwrap().expected_spend_fen.unwrap()
        };
        assert!(one_timer(CustomerKind::Organization) > 5 * one_timer(CustomerKind::Individual));
    }

    #[test]
    fn a_kind_with_few_repeat_buyers_uses_the_pooled_spend_model() {
        let (mut purchases, as_of) = simulated(1_500, 6);
        for p in purchases.iter_mut() {
            if p.customer_id % 30 != 1 {
                p.kind = CustomerKind::Individual;
            }
        }
        let cfg = AssessConfig::new(as_of);
        let a = assess(&summarize(&purchases, &cfg.period), &cfg);
        assert_eq!(a.gamma_gamma_by_kind.iter().map(|k| k.kind).collect::<Vec<_>>(), [CustomerKind::Individual]);
        let org = purchases.iter().find(|p| p.kind == CustomerKind::Organization && p.days.len() == 1).unwrap();
        let pooled = a.gamma_gamma.as_ref().unwrap().params.population_mean();
        let v = a.values.iter().find(|v| v.customer_id == org.customer_id).unwrap();
        assert_eq!(v.expected_spend_fen, Some((pooled * 100.0).round() as i64));
    }
}

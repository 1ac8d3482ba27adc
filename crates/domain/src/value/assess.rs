//! One customer-value assessment as of a date: ABC tier and RFM over a window, the BG/NBD and
//! Gamma-Gamma fits over all history before the date, and per customer P(alive), expected
//! purchases and spend, and lifetime value (historical and projected).

use super::abc::{AbcClass, classify};
use super::bgnbd::{BgNbd, BgNbdFit, RepeatHistory};
use super::clv;
use super::gamma_gamma::{GammaGamma, GammaGammaFit, SpendHistory};
use super::nonmonetary::{NonMonetary, Weights, from_purchases, key_account_score};
use super::rfm::{self, RfmInput, RfmScore, RfmSegment};
use crate::ValueTier;
use chrono::NaiveDate;

/// A customer's purchase days: (calendar day, that day's amount in fen), in day order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchases {
    pub customer_id: i64,
    pub days: Vec<(NaiveDate, i64)>,
}

/// The settings of an assessment. Defaults: weeks, a 365-day window, 80/15 ABC, 12 monthly
/// periods ahead, 10% a year, margin rate 1 (revenue) unless the orders' costs say otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessConfig {
    pub as_of: NaiveDate,
    /// Days in the models' time unit (7 for weeks, 1 for days).
    pub unit_days: f64,
    /// ABC and RFM look at the purchases in this many days up to `as_of`.
    pub window_days: i64,
    pub a_share: f64,
    pub b_share: f64,
    /// Projected CLV: this many periods of `period_days` each, discounted at `annual_rate`.
    pub periods: u32,
    pub period_days: f64,
    pub annual_rate: f64,
    /// Share of revenue that is margin, for the CLV figures.
    pub margin_rate: f64,
}

impl AssessConfig {
    pub fn new(as_of: NaiveDate) -> AssessConfig {
        AssessConfig {
            as_of,
            unit_days: 7.0,
            window_days: 365,
            a_share: 0.8,
            b_share: 0.15,
            periods: 12,
            period_days: 365.25 / 12.0,
            annual_rate: 0.10,
            margin_rate: 1.0,
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

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Assessment {
    pub values: Vec<CustomerValue>,
    pub bg_nbd: Option<BgNbdFit>,
    pub gamma_gamma: Option<GammaGammaFit>,
}

/// A customer's history as the models see it, from their purchase days up to `as_of`: the
/// (x, t_x, T) of BG/NBD in units of `unit_days`, and the mean repeat-purchase value in yuan
/// (None without repeat purchases or when it is not positive). None if nothing before `as_of`.
pub fn repeat_history(
    days: &[(NaiveDate, i64)],
    as_of: NaiveDate,
    unit_days: f64,
) -> Option<(RepeatHistory, Option<f64>)> {
    let within: Vec<&(NaiveDate, i64)> = days.iter().filter(|(d, _)| *d <= as_of).collect();
    let (first, last) = (within.first()?.0, within.last()?.0);
    let x = within.len() - 1;
    let total: i64 = within.iter().skip(1).map(|(_, a)| a).sum();
    let mean = (x > 0).then(|| total as f64 / 100.0 / x as f64).filter(|m| *m > 0.0);
    let h = RepeatHistory {
        x: x as f64,
        t_x: (last - first).num_days() as f64 / unit_days,
        t: (as_of - first).num_days() as f64 / unit_days,
    };
    Some((h, mean))
}

/// One line of the holdout check.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
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
pub fn holdout(
    purchases: &[Purchases],
    model: &BgNbd,
    as_of: NaiveDate,
    until: NaiveDate,
    unit_days: f64,
) -> Vec<HoldoutRow> {
    let t = (until - as_of).num_days() as f64 / unit_days;
    let mut groups = [(0usize, 0.0f64, 0.0f64); 8];
    for p in purchases {
        let Some((h, _)) = repeat_history(&p.days, as_of, unit_days) else { continue };
        let actual = p.days.iter().filter(|(d, _)| *d > as_of && *d <= until).count() as f64;
        let g = &mut groups[(h.x as usize).min(7)];
        g.0 += 1;
        g.1 += model.expected_purchases(&h, t);
        g.2 += actual;
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

/// Assesses every customer with a purchase on or before `as_of`.
pub fn assess(purchases: &[Purchases], cfg: &AssessConfig) -> Assessment {
    let window_start = cfg.as_of - chrono::Duration::days(cfg.window_days - 1);
    let rows: Vec<(&Purchases, Vec<&(NaiveDate, i64)>)> = purchases
        .iter()
        .map(|p| (p, p.days.iter().filter(|(d, _)| *d <= cfg.as_of).collect::<Vec<_>>()))
        .filter(|(_, within)| !within.is_empty())
        .collect();
    // The models, on all history before the date.
    let (histories, means): (Vec<RepeatHistory>, Vec<Option<f64>>) =
        rows.iter().filter_map(|(p, _)| repeat_history(&p.days, cfg.as_of, cfg.unit_days)).unzip();
    let bg = BgNbd::fit(&histories).ok();
    let spend: Vec<SpendHistory> =
        histories.iter().zip(&means).filter_map(|(h, m)| m.map(|mean| SpendHistory { x: h.x, mean })).collect();
    let gg = GammaGamma::fit(&spend).ok();

    // ABC and RFM, on the window.
    let in_window: Vec<Vec<&(NaiveDate, i64)>> =
        rows.iter().map(|(_, w)| w.iter().copied().filter(|(d, _)| *d >= window_start).collect()).collect();
    let revenue: Vec<i64> = in_window.iter().map(|w| w.iter().map(|(_, a)| a).sum()).collect();
    let abc = classify(&revenue.iter().map(|r| *r as f64).collect::<Vec<_>>(), cfg.a_share, cfg.b_share);
    let active: Vec<usize> = (0..rows.len()).filter(|&i| !in_window[i].is_empty()).collect();
    let scores = rfm::score(
        &active
            .iter()
            .map(|&i| RfmInput {
                recency_days: (cfg.as_of - in_window[i].last().map(|(d, _)| *d).unwrap_or(cfg.as_of)).num_days() as f64,
                frequency: in_window[i].len() as f64,
                monetary: revenue[i] as f64,
            })
            .collect::<Vec<_>>(),
    );
    let mut rfm_of: Vec<Option<RfmScore>> = vec![None; rows.len()];
    for (k, &i) in active.iter().enumerate() {
        rfm_of[i] = Some(scores[k]);
    }

    // Monetary percentile: the share of assessed customers with less revenue in the window.
    let mut sorted = revenue.clone();
    sorted.sort_unstable();
    let percentile = |r: i64| {
        if sorted.len() <= 1 { 1.0 } else { sorted.partition_point(|x| *x < r) as f64 / (sorted.len() - 1) as f64 }
    };
    let weights = Weights::default();
    let period_rate = (1.0 + cfg.annual_rate).powf(cfg.period_days / 365.25) - 1.0;
    let horizon = cfg.periods as f64 * cfg.period_days / cfg.unit_days;
    let values = rows
        .iter()
        .enumerate()
        .map(|(i, (p, w))| {
            let h = &histories[i];
            let tier = if in_window[i].is_empty() || revenue[i] <= 0 {
                ValueTier::Small
            } else {
                match abc[i] {
                    AbcClass::A => ValueTier::Key,
                    AbcClass::B => ValueTier::Major,
                    AbcClass::C => ValueTier::Regular,
                }
            };
            // A one-time buyer is expected to spend like the population, which has a mean only
            // when q > 1 (spend not too uneven).
            let spend = gg.as_ref().and_then(|g| {
                let g = g.params;
                match means[i] {
                    Some(mean) if g.p * h.x + g.q > 1.0 => Some(g.expected_spend(&SpendHistory { x: h.x, mean })),
                    None if g.q > 1.0 => Some(g.population_mean()),
                    _ => None,
                }
            });
            let history: Vec<(f64, f64)> = w
                .iter()
                .map(|(d, a)| (-((cfg.as_of - *d).num_days() as f64) / 365.25, *a as f64 * cfg.margin_rate))
                .collect();
            let purchase_days: Vec<NaiveDate> = w.iter().map(|(d, _)| *d).collect();
            let non_monetary = from_purchases(&purchase_days, cfg.as_of);
            let key_score = key_account_score(percentile(revenue[i]).min(1.0), &non_monetary, &weights);
            CustomerValue {
                customer_id: p.customer_id,
                non_monetary,
                key_score,
                tier,
                abc: (revenue[i] > 0).then_some(abc[i]),
                revenue_window_fen: revenue[i],
                rfm: rfm_of[i],
                segment: rfm_of[i].map(|s| s.segment()),
                p_alive: bg.as_ref().map(|b| b.params.p_alive(h)),
                expected_purchases: bg.as_ref().map(|b| b.params.expected_purchases(h, horizon)),
                expected_spend_fen: spend.map(|s| (s * 100.0).round() as i64),
                clv_history_fen: clv::present_value(&history, cfg.annual_rate).round() as i64,
                clv_projected_fen: match (&bg, spend) {
                    (Some(b), Some(s)) => Some(
                        (clv::projected(
                            &b.params,
                            h,
                            s * 100.0,
                            cfg.margin_rate,
                            period_rate,
                            cfg.periods,
                            cfg.period_days / cfg.unit_days,
                        ))
                        .round() as i64,
                    ),
                    _ => None,
                },
            }
        })
        .collect();
    Assessment { values, bg_nbd: bg, gamma_gamma: gg }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn tiers_rfm_and_history_by_hand() {
        let p = |id, days: &[(&str, i64)]| Purchases {
            customer_id: id,
            days: days.iter().map(|(s, a)| (d(s), *a)).collect(),
        };
        let purchases = vec![
            p(1, &[("2026-01-10", 80_000), ("2026-05-01", 20_000)]),
            p(2, &[("2026-06-20", 15_000)]),
            p(3, &[("2026-06-01", 5_000)]),
            p(4, &[("2024-01-01", 9_000)]),
            p(5, &[("2027-01-01", 1_000)]),
        ];
        let mut cfg = AssessConfig::new(d("2026-06-30"));
        cfg.margin_rate = 0.5;
        let a = assess(&purchases, &cfg);
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
        // History: half of 90 yuan 2.5 years before the date, compounded at 10% a year.
        let expect = 9_000.0 * 0.5 * 1.1f64.powf((d("2026-06-30") - d("2024-01-01")).num_days() as f64 / 365.25);
        assert!((by(4).clv_history_fen as f64 - expect).abs() <= 1.0);
    }

    #[test]
    fn holdout_by_calibration_purchases() {
        let p = |id, days: &[&str]| Purchases { customer_id: id, days: days.iter().map(|s| (d(s), 1_000)).collect() };
        let purchases = vec![
            p(1, &["2026-01-01", "2026-02-01", "2026-07-05", "2026-08-01"]),
            p(2, &["2026-03-01"]),
            p(3, &["2026-07-10"]),
        ];
        let m = BgNbd { r: 0.5, alpha: 6.0, a: 0.8, b: 2.5 };
        let rows = holdout(&purchases, &m, d("2026-06-30"), d("2026-09-30"), 7.0);
        // Customer 3 had not bought by the date; 1 had one repeat purchase and two after; 2 none.
        assert_eq!(
            rows.iter().map(|r| (r.calibration_purchases.as_str(), r.customers)).collect::<Vec<_>>(),
            [("0", 1), ("1", 1)]
        );
        assert_eq!((rows[0].actual_mean, rows[1].actual_mean), (0.0, 2.0));
        let h = repeat_history(&purchases[0].days, d("2026-06-30"), 7.0).unwrap().0;
        assert!((rows[1].predicted_mean - m.expected_purchases(&h, 92.0 / 7.0)).abs() < 1e-12);
        assert_eq!(h.x, 1.0);
        assert!(repeat_history(&purchases[2].days, d("2026-06-30"), 7.0).is_none());
    }

    #[test]
    fn with_enough_customers_the_models_fill_the_forecasts() {
        use super::super::sim::Sim;
        let truth = BgNbd { r: 0.5, alpha: 6.0, a: 0.8, b: 2.5 };
        let mut sim = Sim::new(5);
        let start = d("2025-01-01");
        let purchases: Vec<Purchases> = sim
            .bgnbd(&truth, 2_000, 30.0, 52.0)
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let first = start + chrono::Duration::days((52.0 - h.t) as i64 * 7);
                let mut days = vec![(first, 10_000 + (i as i64 % 7) * 1_000)];
                // Spread the repeat purchases up to the last one (only their count and span matter).
                for k in 1..=(h.x as i64) {
                    let at = first + chrono::Duration::days((h.t_x * 7.0 * k as f64 / h.x) as i64);
                    if at > days.last().unwrap().0 {
                        days.push((at, 8_000 + (k % 5) * 2_000));
                    }
                }
                Purchases { customer_id: i as i64 + 1, days }
            })
            .collect();
        let a = assess(&purchases, &AssessConfig::new(start + chrono::Duration::days(52 * 7)));
        assert!(a.bg_nbd.is_some() && a.gamma_gamma.is_some());
        assert!(a.values.iter().all(|v| v.p_alive.is_some_and(|p| (0.0..=1.0).contains(&p))));
        assert!(a.values.iter().all(|v| v.clv_projected_fen.is_some_and(|c| c >= 0)));
        // Everyone with purchases in the window has an RFM segment.
        assert!(a.values.iter().filter(|v| v.revenue_window_fen > 0).all(|v| v.segment.is_some()));
    }
}

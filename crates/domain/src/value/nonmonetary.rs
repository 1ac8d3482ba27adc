//! Non-monetary value (PRODUCT.md §3) and the key-account score that combines it with money.
//!
//! Each component is a score from 0 to 1, or `None` when its inputs are not recorded yet, in
//! which case it carries no weight (never a made-up number):
//! - loyalty = ½ · min(tenure / 2 years, 1) + ½ · x / (x + 1), with tenure from the first
//!   purchase to the as-of date and x repeat purchases;
//! - stability = 1 / (1 + CV) of the gaps between purchase days (needs three purchase days);
//! - tolerance (complaints per order), feedback given, referrals made and credit (on-time
//!   payment) come with service tickets, referrals and payments: `None` for now;
//! - monetary = the customer's percentile of revenue in the window.
//!
//! The key-account score is 100 × Σ wᵢ·sᵢ / Σ wᵢ over the components that have data.

use chrono::NaiveDate;
use serde::Serialize;

/// Each input of non-monetary value; `None` is "no data" (the default), never a made-up number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct NonMonetary {
    pub loyalty: Option<f64>,
    pub stability: Option<f64>,
    pub tolerance: Option<f64>,
    pub feedback: Option<f64>,
    pub referrals: Option<f64>,
    pub credit: Option<f64>,
}

/// The weights of the key-account score; configurable, these are the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct Weights {
    pub monetary: f64,
    pub loyalty: f64,
    pub stability: f64,
    pub tolerance: f64,
    pub feedback: f64,
    pub referrals: f64,
    pub credit: f64,
}

impl Default for Weights {
    fn default() -> Weights {
        Weights {
            monetary: 0.5,
            loyalty: 0.15,
            stability: 0.1,
            tolerance: 0.05,
            feedback: 0.05,
            referrals: 0.1,
            credit: 0.05,
        }
    }
}

/// The components that purchase days can answer, as of `as_of`, from the customer's first and
/// last purchase day, how many purchase days there were and Σ of the squared gaps between
/// consecutive ones (in days).
pub fn from_purchases(first: NaiveDate, last: NaiveDate, days: i64, gap_squares: i64, as_of: NaiveDate) -> NonMonetary {
    let tenure = ((as_of - first).num_days().max(0) as f64 / 730.0).min(1.0);
    let x = (days - 1).max(0) as f64;
    let gaps = days - 1;
    // Population variance of the gaps: Σg²/n − mean².
    let stability = (gaps >= 2).then(|| {
        let mean = (last - first).num_days() as f64 / gaps as f64;
        let var = (gap_squares as f64 / gaps as f64 - mean * mean).max(0.0);
        let cv = if mean > 0.0 { var.sqrt() / mean } else { 0.0 };
        1.0 / (1.0 + cv)
    });
    NonMonetary {
        loyalty: Some(0.5 * tenure + 0.5 * x / (x + 1.0)),
        stability,
        tolerance: None,
        feedback: None,
        referrals: None,
        credit: None,
    }
}

/// 0–100 from the monetary percentile and the non-monetary components that have data.
pub fn key_account_score(monetary: f64, n: &NonMonetary, w: &Weights) -> f64 {
    let parts = [
        (Some(monetary), w.monetary),
        (n.loyalty, w.loyalty),
        (n.stability, w.stability),
        (n.tolerance, w.tolerance),
        (n.feedback, w.feedback),
        (n.referrals, w.referrals),
        (n.credit, w.credit),
    ];
    let (sum, weight) =
        parts.iter().filter_map(|(s, w)| s.map(|s| (s * w, *w))).fold((0.0, 0.0), |(a, b), (s, w)| (a + s, b + w));
    if weight > 0.0 { 100.0 * sum / weight } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn by_hand() {
        // A year of tenure (half of two years), three purchases (two repeats: 2/3), gaps 10, 10.
        let n = from_purchases(d("2025-06-30"), d("2025-07-20"), 3, 200, d("2026-06-30"));
        assert!((n.loyalty.unwrap() - (0.5 * 0.5 + 0.5 * 2.0 / 3.0)).abs() < 1e-3);
        assert_eq!(n.stability, Some(1.0), "perfectly regular");
        assert_eq!(n.tolerance, None);
        // Gaps 10 and 30: mean 20, sd 10, CV 0.5 → 1/1.5.
        let n = from_purchases(d("2026-01-01"), d("2026-02-10"), 3, 100 + 900, d("2026-03-01"));
        assert!((n.stability.unwrap() - 1.0 / 1.5).abs() < 1e-9);
        assert_eq!(from_purchases(d("2026-01-01"), d("2026-01-11"), 2, 100, d("2026-03-01")).stability, None);
    }

    #[test]
    fn missing_inputs_carry_no_weight() {
        let w = Weights::default();
        let none = NonMonetary::default();
        assert!((key_account_score(0.8, &none, &w) - 80.0).abs() < 1e-9);
        let some = NonMonetary { loyalty: Some(1.0), ..none };
        // (0.5·0.8 + 0.15·1.0) / 0.65
        assert!((key_account_score(0.8, &some, &w) - 100.0 * 0.55 / 0.65).abs() < 1e-9);
        // A C-grade spender who is loyal and steady outranks a B-grade one who is neither.
        let loyal = NonMonetary { loyalty: Some(1.0), stability: Some(1.0), ..none };
        let fickle = NonMonetary { loyalty: Some(0.1), stability: Some(0.1), ..none };
        assert!(key_account_score(0.3, &loyal, &w) > key_account_score(0.6, &fickle, &w));
    }
}

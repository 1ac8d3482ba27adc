//! Customer lifetime value (PRODUCT.md §3): V = Σ (Q_t − C_t)(1 + i)^(−t) over periods t.

use super::bgnbd::{BgNbd, RepeatHistory};

/// Σ amount · (1 + rate)^(−t) over (t, amount), t in periods from today: positive t discounts a
/// future margin to today; negative t (the past) compounds a realized margin to today's value.
pub fn present_value(flows: &[(f64, f64)], rate: f64) -> f64 {
    flows.iter().map(|(t, amount)| amount * (1.0 + rate).powf(-t)).sum()
}

/// Projected value of a customer's future purchases over `periods` periods of `step` model
/// time units each: for each period, the purchases the BG/NBD model expects in it, times the
/// expected spend per purchase (Gamma-Gamma), times the margin rate, discounted at `rate` per
/// period to today (a period's flow is counted at its end).
pub fn projected(
    model: &BgNbd,
    history: &RepeatHistory,
    spend: f64,
    margin_rate: f64,
    rate: f64,
    periods: u32,
    step: f64,
) -> f64 {
    let ends: Vec<f64> = (1..=periods).map(|k| step * k as f64).collect();
    projected_from(&model.expected_purchases_at(history, &ends), spend, margin_rate, rate)
}

/// The same from the purchases expected by the end of each period (cumulative, in order).
pub fn projected_from(expected_by_end: &[f64], spend: f64, margin_rate: f64, rate: f64) -> f64 {
    let mut before = 0.0;
    let mut flows = Vec::with_capacity(expected_by_end.len());
    for (k, upto) in expected_by_end.iter().enumerate() {
        flows.push(((k + 1) as f64, (upto - before) * spend * margin_rate));
        before = *upto;
    }
    present_value(&flows, rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discounting_by_hand() {
        // 110 next year at 10% is worth 100 today; 100 a year ago is worth 110 today.
        assert!((present_value(&[(1.0, 110.0)], 0.1) - 100.0).abs() < 1e-9);
        assert!((present_value(&[(-1.0, 100.0)], 0.1) - 110.0).abs() < 1e-9);
        assert!((present_value(&[(0.0, 50.0), (2.0, 121.0)], 0.1) - 150.0).abs() < 1e-9);
        assert_eq!(present_value(&[], 0.1), 0.0);
    }

    #[test]
    fn projection_adds_up_to_the_expected_purchases() {
        let m = BgNbd { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
        let h = RepeatHistory { x: 2.0, t_x: 30.43, t: 38.86 };
        // Without discounting, four 13-week periods add up to a year's expected purchases.
        let undiscounted = projected(&m, &h, 100.0, 0.3, 0.0, 4, 13.0);
        assert!((undiscounted - m.expected_purchases(&h, 52.0) * 100.0 * 0.3).abs() < 1e-9);
        // Discounting makes it smaller; a dead-looking customer is worth little.
        assert!(projected(&m, &h, 100.0, 0.3, 0.1, 4, 13.0) < undiscounted);
        let gone = RepeatHistory { x: 5.0, t_x: 2.0, t: 38.0 };
        assert!(projected(&m, &gone, 100.0, 0.3, 0.0, 4, 13.0) < undiscounted / 10.0);
    }
}

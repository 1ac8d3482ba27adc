//! RFM (PRODUCT.md §3): recency, frequency and monetary value each scored 1–5 by quintile
//! among the customers scored together, summed, and named into segments.

use crate::Lang;
use crate::enums::vocabulary;

/// One customer's raw RFM figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RfmInput {
    /// Days since the last purchase (fewer is better).
    pub recency_days: f64,
    /// Purchases (purchase days) in the window.
    pub frequency: f64,
    /// Revenue in the window.
    pub monetary: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RfmScore {
    pub r: u8,
    pub f: u8,
    pub m: u8,
}

vocabulary! {
    /// What an RFM score says about a customer, and so what to do.
    RfmSegment {
        Champions = "champions", "冠军客户", "Champions", [];
        Loyal = "loyal", "忠诚客户", "Loyal", [];
        Potential = "potential", "潜力客户", "Potential loyalists", [];
        New = "new", "新客户", "New customers", [];
        NeedAttention = "need_attention", "需要关注", "Need attention", [];
        AtRisk = "at_risk", "有流失风险", "At risk", [];
        CantLose = "cant_lose", "不能失去", "Can't lose them", [];
        Hibernating = "hibernating", "休眠客户", "Hibernating", [];
        Lost = "lost", "已流失", "Lost", [];
    }
}

impl RfmScore {
    pub fn total(&self) -> u8 {
        self.r + self.f + self.m
    }

    /// The segment, by recency R and the mean of frequency and monetary FM (rounded down),
    /// first rule that applies:
    /// R 4–5 and FM 4–5 → champions; R 4–5 and F 1 → new; R 4–5 → potential;
    /// R 3 and FM 3–5 → loyal; R 3 → need attention; R 1 and FM 4–5 → can't lose;
    /// R 1–2 and FM 3–5 → at risk; R 2 → hibernating; otherwise lost.
    pub fn segment(&self) -> RfmSegment {
        let fm = (self.f + self.m) / 2;
        match (self.r, fm) {
            (4..=5, 4..=5) => RfmSegment::Champions,
            (4..=5, _) if self.f == 1 => RfmSegment::New,
            (4..=5, _) => RfmSegment::Potential,
            (3, 3..=5) => RfmSegment::Loyal,
            (3, _) => RfmSegment::NeedAttention,
            (1, 4..=5) => RfmSegment::CantLose,
            (_, 3..=5) => RfmSegment::AtRisk,
            (2, _) => RfmSegment::Hibernating,
            _ => RfmSegment::Lost,
        }
    }
}

/// 1 + ⌊5 · (how many are worse) / n⌋, so that equal values share a score and each fifth of
/// distinct values moves up one.
fn quintile(values: &[f64], better: fn(f64, f64) -> bool) -> Vec<u8> {
    let n = values.len();
    let mut sorted: Vec<f64> = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    values
        .iter()
        .map(|v| {
            // Values strictly worse than v.
            let worse = if better(1.0, 0.0) {
                sorted.partition_point(|x| x < v)
            } else {
                n - sorted.partition_point(|x| x <= v)
            };
            (1 + (5 * worse) / n).min(5) as u8
        })
        .collect()
}

/// Scores every customer against the others.
pub fn score(inputs: &[RfmInput]) -> Vec<RfmScore> {
    let higher = |a: f64, b: f64| a > b;
    let lower = |a: f64, b: f64| a < b;
    let r = quintile(&inputs.iter().map(|i| i.recency_days).collect::<Vec<_>>(), lower);
    let f = quintile(&inputs.iter().map(|i| i.frequency).collect::<Vec<_>>(), higher);
    let m = quintile(&inputs.iter().map(|i| i.monetary).collect::<Vec<_>>(), higher);
    (0..inputs.len()).map(|i| RfmScore { r: r[i], f: f[i], m: m[i] }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(recency_days: f64, frequency: f64, monetary: f64) -> RfmInput {
        RfmInput { recency_days, frequency, monetary }
    }

    #[test]
    fn ten_customers_by_hand() {
        // Recency 1..10 days, frequency 10..1, monetary 100..1000: two customers per fifth.
        let inputs: Vec<RfmInput> =
            (0..10).map(|i| input(1.0 + i as f64, 10.0 - i as f64, 100.0 * (1 + i) as f64)).collect();
        let s = score(&inputs);
        assert_eq!(s.iter().map(|x| x.r).collect::<Vec<_>>(), [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
        assert_eq!(s.iter().map(|x| x.f).collect::<Vec<_>>(), [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
        assert_eq!(s.iter().map(|x| x.m).collect::<Vec<_>>(), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        assert_eq!(s[0].total(), 11);
    }

    #[test]
    fn ties_share_a_score() {
        let s = score(&[input(5.0, 1.0, 10.0), input(5.0, 1.0, 10.0), input(1.0, 3.0, 50.0), input(30.0, 1.0, 10.0)]);
        assert_eq!(s[0], s[1]);
        assert_eq!((s[2].r, s[2].f, s[2].m), (4, 4, 4));
        assert_eq!((s[3].r, s[3].f), (1, 1));
        // One customer alone is in the lowest fifth of everything.
        assert_eq!(score(&[input(3.0, 2.0, 5.0)])[0], RfmScore { r: 1, f: 1, m: 1 });
        assert!(score(&[]).is_empty());
    }

    #[test]
    fn segments() {
        let seg = |r, f, m| RfmScore { r, f, m }.segment();
        assert_eq!(seg(5, 5, 4), RfmSegment::Champions);
        assert_eq!(seg(5, 1, 3), RfmSegment::New);
        assert_eq!(seg(4, 2, 3), RfmSegment::Potential);
        assert_eq!(seg(3, 4, 3), RfmSegment::Loyal);
        assert_eq!(seg(3, 1, 2), RfmSegment::NeedAttention);
        assert_eq!(seg(1, 5, 5), RfmSegment::CantLose);
        assert_eq!(seg(2, 4, 4), RfmSegment::AtRisk);
        assert_eq!(seg(2, 1, 2), RfmSegment::Hibernating);
        assert_eq!(seg(1, 1, 1), RfmSegment::Lost);
        assert_eq!(RfmSegment::CantLose.label(Lang::ZhCn), "不能失去");
    }
}

//! The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"): each purchase's value
//! is Gamma(p, ν) around a customer's own mean, and ν ~ Gamma(q, γ) across customers. Fitted on
//! repeat buyers' mean repeat-purchase value; gives each customer's expected spend per purchase.

use super::bgnbd::FitError;
use super::numeric::{ln_gamma, ln_gamma_ratio, minimize_staged, parallel_sum};

/// One repeat buyer's spending: how many repeat purchases, and their mean value (> 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpendHistory {
    pub x: f64,
    pub mean: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct GammaGamma {
    pub p: f64,
    pub q: f64,
    pub gamma: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GammaGammaFit {
    pub params: GammaGamma,
    pub log_likelihood: f64,
    pub customers: usize,
    pub iterations: usize,
    pub converged: bool,
}

impl GammaGamma {
    /// ln f(m_x | x) for one customer.
    ///
    /// ln Γ(px + q) − ln Γ(px) − ln Γ(q) + q ln γ + (px − 1) ln m + px ln x − (px + q) ln(γ + mx),
    /// rearranged so that no two huge terms cancel when p is large (a fit can go there): with
    /// px ln(mx) − (px + q) ln(γ + mx) = −px ln(1 + γ/(mx)) − q ln(γ + mx).
    pub fn log_likelihood_one(&self, h: &SpendHistory) -> f64 {
        let GammaGamma { p, q, gamma } = *self;
        let px = p * h.x;
        let total = h.mean * h.x;
        ln_gamma_ratio(px, q) - ln_gamma(q) + q * gamma.ln()
            - h.mean.ln()
            - px * (gamma / total).ln_1p()
            - q * (gamma + total).ln()
    }

    pub fn log_likelihood(&self, data: &[SpendHistory]) -> f64 {
        data.iter().map(|h| self.log_likelihood_one(h)).sum()
    }

    /// Expected value of the customer's purchases: their own mean, shrunk towards the
    /// population's (pγ / (q − 1)) the fewer purchases it rests on.
    pub fn expected_spend(&self, h: &SpendHistory) -> f64 {
        let GammaGamma { p, q, gamma } = *self;
        (gamma + h.mean * h.x) * p / (p * h.x + q - 1.0)
    }

    /// The population's mean spend per purchase (finite when q > 1).
    pub fn population_mean(&self) -> f64 {
        self.p * self.gamma / (self.q - 1.0)
    }

    /// Maximum-likelihood estimate from repeat buyers (x ≥ 1, mean > 0; others are refused).
    pub fn fit(data: &[SpendHistory]) -> Result<GammaGammaFit, FitError> {
        if data.is_empty() {
            return Err(FitError::NoRepeatPurchases);
        }
        if let Some(h) = data.iter().find(|h| !(h.x >= 1.0 && h.mean > 0.0 && h.mean.is_finite())) {
            return Err(FitError::InvalidHistory(format!("x={} mean={}", h.x, h.mean)));
        }
        // The gamma terms depend on x only, so each evaluation computes them once per distinct x;
        // ln m once per customer for all evaluations. Terms as in `log_likelihood_one`.
        let mut xs: Vec<f64> = data.iter().map(|h| h.x).collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        let rows: Vec<(usize, f64, f64)> =
            data.iter().map(|h| (xs.partition_point(|x| *x < h.x), h.mean.ln(), h.mean * h.x)).collect();
        let objective = |rows: &[(usize, f64, f64)], v: &[f64]| {
            let (p, q, gamma) = (v[0].exp(), v[1].exp(), v[2].exp());
            let per_x: Vec<f64> = xs.iter().map(|x| ln_gamma_ratio(p * x, q) - ln_gamma(q) + q * gamma.ln()).collect();
            let sum = |chunk: &[(usize, f64, f64)]| -> f64 {
                chunk
                    .iter()
                    .map(|&(i, ln_m, total)| {
                        per_x[i] - ln_m - p * xs[i] * (gamma / total).ln_1p() - q * (gamma + total).ln()
                    })
                    .sum()
            };
            -parallel_sum(rows, sum)
        };
        let mean = data.iter().map(|h| h.mean).sum::<f64>() / data.len() as f64;
        let start = [0.0, 1.0f64.ln() + 1.0, mean.ln()];
        let m = minimize_staged(|rs: &[(usize, f64, f64)], v: &[f64]| objective(rs, v), &rows, &start);
        let iterations = m.iterations;
        let params = GammaGamma { p: m.point[0].exp(), q: m.point[1].exp(), gamma: m.point[2].exp() };
        Ok(GammaGammaFit {
            params,
            log_likelihood: -m.value,
            customers: data.len(),
            iterations,
            converged: m.converged,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::sim::Sim;
    use super::*;

    /// From scripts/value-reference.py (mpmath, 50 digits), at the parameters the paper reports.
    #[test]
    #[allow(clippy::excessive_precision)] // the reference digits as printed, unrounded
    fn matches_reference_values() {
        let g = GammaGamma { p: 6.25, q: 3.74, gamma: 15.44 };
        for (x, mean, ll, spend) in [
            (1.0, 20.0, -3.5941964929491958, 24.638487208008898),
            (2.0, 35.5, -4.1216651926127216, 35.449475065616797),
            (7.0, 12.25, -4.009410330481237, 13.603731985373198),
        ] {
            let h = SpendHistory { x, mean };
            assert!((g.log_likelihood_one(&h) - ll).abs() < 1e-9, "{h:?}");
            assert!((g.expected_spend(&h) - spend).abs() < 1e-9, "{h:?}");
        }
    }

    #[test]
    fn recovers_the_parameters_it_was_simulated_from() {
        let truth = GammaGamma { p: 6.0, q: 4.0, gamma: 15.0 };
        // Over seeds 1–7 at this size the estimates stayed within 9% (p, γ), 2% (q) and 1.4%
        // (the population mean); the tolerances are about one and a half times that.
        let data = Sim::new(3).gamma_gamma(&truth, 20_000);
        let fit = GammaGamma::fit(&data).unwrap();
        let p = fit.params;
        assert!((p.p / truth.p - 1.0).abs() < 0.15, "{p:?}");
        assert!((p.q / truth.q - 1.0).abs() < 0.05, "{p:?}");
        assert!((p.gamma / truth.gamma - 1.0).abs() < 0.25, "{p:?}");
        // The population mean is pinned down much better than the parameters one by one.
        assert!((p.population_mean() / truth.population_mean() - 1.0).abs() < 0.03, "{p:?}");
        assert!(fit.log_likelihood >= truth.log_likelihood(&data) - 1e-6);
    }

    #[test]
    fn refuses_what_it_cannot_use() {
        assert!(GammaGamma::fit(&[]).is_err());
        assert!(GammaGamma::fit(&[SpendHistory { x: 2.0, mean: 0.0 }]).is_err());
        assert!(GammaGamma::fit(&[SpendHistory { x: 0.0, mean: 10.0 }]).is_err());
        assert!(GammaGamma::fit(&[SpendHistory { x: 2.0, mean: -5.0 }]).is_err());
    }
}

#[cfg(test)]
mod staged {
    use super::super::numeric::minimize;
    use super::super::sim::Sim;
    use super::*;

    /// Over 200,000 repeat buyers the fit starts on every tenth and polishes on all with Newton
    /// steps: it ends at the same maximum as a fit on all from the start.
    #[test]
    fn a_large_fit_in_two_stages_reaches_the_same_maximum() {
        let data = Sim::new(11).gamma_gamma(&GammaGamma { p: 6.0, q: 4.0, gamma: 100.0 }, 210_000);
        let staged = GammaGamma::fit(&data).unwrap();
        let mean = data.iter().map(|h| h.mean).sum::<f64>() / data.len() as f64;
        let plain = minimize(
            |v: &[f64]| -GammaGamma { p: v[0].exp(), q: v[1].exp(), gamma: v[2].exp() }.log_likelihood(&data),
            &[0.0, 1.0f64.ln() + 1.0, mean.ln()],
        );
        assert!(staged.converged);
        // At least as high as the simplex on all of them (to rounding).
        assert!(staged.log_likelihood >= -plain.value - 1e-9 * plain.value.abs(), "{staged:?} vs {plain:?}");
        assert!((staged.params.p / plain.point[0].exp() - 1.0).abs() < 1e-3, "{staged:?} vs {plain:?}");
    }
}

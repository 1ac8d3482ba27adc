//! Simulated customers: draws from the models' own assumptions with a seeded generator, so that
//! a fit can be checked against the parameters it came from (the tests) and benchmark data
//! looks like what the models expect (`guanxi bench value`).

use super::bgnbd::{BgNbd, RepeatHistory};
use super::gamma_gamma::{GammaGamma, SpendHistory};

pub struct Sim(u64);

impl Sim {
    pub fn new(seed: u64) -> Sim {
        Sim(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// Uniform in (0, 1) (SplitMix64).
    pub fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    /// Gamma(shape, rate) by Marsaglia & Tsang (boosted for shape < 1).
    pub fn gamma(&mut self, shape: f64, rate: f64) -> f64 {
        if shape < 1.0 {
            let u = self.uniform();
            return self.gamma(shape + 1.0, rate) * u.powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = (1.0 + c * x).powi(3);
            if v <= 0.0 {
                continue;
            }
            let u = self.uniform();
            if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v / rate;
            }
        }
    }

    pub fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a, 1.0);
        let y = self.gamma(b, 1.0);
        x / (x + y)
    }

    /// `n` customers observed for a time uniform in [t_min, t_max] after their first purchase.
    pub fn bgnbd(&mut self, m: &BgNbd, n: usize, t_min: f64, t_max: f64) -> Vec<RepeatHistory> {
        (0..n)
            .map(|_| {
                let t = t_min + (t_max - t_min) * self.uniform();
                let lambda = self.gamma(m.r, m.alpha);
                let p = self.beta(m.a, m.b);
                let (mut x, mut now, mut last) = (0.0, 0.0, 0.0);
                // Alive from the first purchase; may drop out right after each repeat purchase.
                loop {
                    now += -self.uniform().ln() / lambda;
                    if now > t {
                        break;
                    }
                    x += 1.0;
                    last = now;
                    if self.uniform() < p {
                        break;
                    }
                }
                RepeatHistory { x, t_x: last, t }
            })
            .collect()
    }

    /// `n` repeat buyers with 1–10 repeat purchases each.
    pub fn gamma_gamma(&mut self, m: &GammaGamma, n: usize) -> Vec<SpendHistory> {
        (0..n)
            .map(|_| {
                let nu = self.gamma(m.q, m.gamma);
                let x = 1 + (self.uniform() * 10.0) as usize;
                let total: f64 = (0..x).map(|_| self.gamma(m.p, nu)).sum();
                SpendHistory { x: x as f64, mean: total / x as f64 }
            })
            .collect()
    }
}

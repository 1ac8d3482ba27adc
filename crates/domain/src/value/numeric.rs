//! The numerics the value models need: log-gamma, the Gauss hypergeometric function, and a
//! Nelder–Mead minimizer. Small and dependency-free apart from `libm::lgamma`.

/// ln Γ(x) for x > 0.
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b).
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// ₂F₁(a, b; c; z) for 0 ≤ z < 1 by its power series, summed until a term no longer changes
/// the sum (relative 1e-15) or 100,000 terms. The value models only need z in [0, 1).
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 0..100_000 {
        let n = n as f64;
        term *= (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z;
        sum += term;
        if term.abs() <= 1e-15 * sum.abs() {
            break;
        }
    }
    sum
}

/// The bound on the log-parameters `minimize` searches (e^18 ≈ 6.6 × 10⁷).
pub const LOG_BOUND: f64 = 18.0;

/// Σ `sum(chunk)` over `items` split in one chunk per core when there are many.
pub fn parallel_sum<T: Sync>(items: &[T], sum: impl Fn(&[T]) -> f64 + Sync) -> f64 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 || items.len() < 50_000 {
        return sum(items);
    }
    let size = items.len().div_ceil(cores);
    std::thread::scope(|s| {
        let handles: Vec<_> = items.chunks(size).map(|c| s.spawn(|| sum(c))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).sum()
    })
}

/// `f` of every item, in order, computed in one chunk per core when there are many.
pub fn parallel_map<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 || items.len() < 10_000 {
        return items.iter().map(&f).collect();
    }
    let size = items.len().div_ceil(cores);
    std::thread::scope(|s| {
        let handles: Vec<_> = items.chunks(size).map(|c| s.spawn(|| c.iter().map(&f).collect::<Vec<U>>())).collect();
        let mut out = Vec::with_capacity(items.len());
        for h in handles {
            match h.join() {
                Ok(part) => out.extend(part),
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        out
    })
}

/// Minimizes `f(items, ·)` over all `items`. With many items it first fits every tenth one
/// (the same model, an estimate nearly as good) and then polishes that start on all of them
/// with a small simplex: the result is the full data's minimum, reached with far fewer
/// evaluations over all items. Bounds and stopping as in `minimize`.
pub fn minimize_staged<T: Clone + Sync>(f: impl Fn(&[T], &[f64]) -> f64 + Copy, items: &[T], start: &[f64]) -> Minimum {
    if items.len() < 200_000 {
        return minimize(|p: &[f64]| f(items, p), start);
    }
    let sample: Vec<T> = items.iter().step_by(10).cloned().collect();
    let rough = minimize(|p: &[f64]| f(&sample, p), start);
    let full = |p: &[f64]| if p.iter().all(|v| v.abs() <= LOG_BOUND) { f(items, p) } else { f64::INFINITY };
    let scale = 1.0 + full(&rough.point).abs();
    let near = nelder_mead(full, &rough.point, 0.02, 1e-11 * scale, 10_000);
    let again = nelder_mead(full, &near.point, 0.005, 1e-12 * scale, 10_000);
    let iterations = rough.iterations + near.iterations + again.iterations;
    let converged = near.converged && again.converged;
    let best = if again.value <= near.value { again } else { near };
    Minimum { iterations, converged, ..best }
}

/// The result of a minimization.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    pub point: Vec<f64>,
    pub value: f64,
    pub iterations: usize,
    /// The simplex shrank below the tolerance before the iteration limit.
    pub converged: bool,
}

/// Minimizes `f` with the Nelder–Mead simplex method from `start`, with an initial simplex of
/// `step` along each axis. Stops when the values at the simplex's corners differ by less than
/// `tol` (absolute) or after `max_iter` iterations. Non-finite values count as +∞.
pub fn nelder_mead(f: impl Fn(&[f64]) -> f64, start: &[f64], step: f64, tol: f64, max_iter: usize) -> Minimum {
    let n = start.len();
    let eval = |p: &[f64]| {
        let v = f(p);
        if v.is_finite() { v } else { f64::INFINITY }
    };
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    simplex.push((start.to_vec(), eval(start)));
    for i in 0..n {
        let mut p = start.to_vec();
        p[i] += step;
        let v = eval(&p);
        simplex.push((p, v));
    }
    let (alpha, gamma, rho, sigma) = (1.0, 2.0, 0.5, 0.5);
    let mut iterations = 0;
    let mut converged = false;
    while iterations < max_iter {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let spread = simplex[n].1 - simplex[0].1;
        // Done when the corners agree on the value, or have come together (a flat ridge).
        let size = simplex[1..]
            .iter()
            .flat_map(|(p, _)| p.iter().zip(&simplex[0].0).map(|(x, y)| (x - y).abs()))
            .fold(0.0, f64::max);
        if (spread.is_finite() && spread.abs() < tol) || size < 1e-10 {
            converged = true;
            break;
        }
        iterations += 1;
        let centroid: Vec<f64> =
            (0..n).map(|j| simplex[..n].iter().map(|(p, _)| p[j]).sum::<f64>() / n as f64).collect();
        let worst = simplex[n].0.clone();
        let along = |t: f64| -> Vec<f64> { (0..n).map(|j| centroid[j] + t * (worst[j] - centroid[j])).collect() };
        let reflected = along(-alpha);
        let fr = eval(&reflected);
        if fr < simplex[0].1 {
            let expanded = along(-gamma);
            let fe = eval(&expanded);
            simplex[n] = if fe < fr { (expanded, fe) } else { (reflected, fr) };
        } else if fr < simplex[n - 1].1 {
            simplex[n] = (reflected, fr);
        } else {
            let contracted = if fr < simplex[n].1 { along(-rho) } else { along(rho) };
            let fc = eval(&contracted);
            if fc < fr.min(simplex[n].1) {
                simplex[n] = (contracted, fc);
            } else {
                let best = simplex[0].0.clone();
                for corner in simplex.iter_mut().skip(1) {
                    let p: Vec<f64> = (0..n).map(|j| best[j] + sigma * (corner.0[j] - best[j])).collect();
                    let v = eval(&p);
                    *corner = (p, v);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (point, value) = simplex.swap_remove(0);
    Minimum { point, value, iterations, converged }
}

/// Fits a model: Nelder–Mead from `start` to a tolerance relative to the objective's size, then
/// once more from the result with a smaller simplex, which guards against a simplex that
/// collapsed too early. The iterations of both runs are counted.
///
/// The models are fitted on log-parameters, and a parameter beyond e^±`LOG_BOUND` counts as
/// impossible: data that fit a limit (customers who never drop out send a and b of BG/NBD
/// towards infinity) then end at the bound instead of wandering off.
pub fn minimize(f: impl Fn(&[f64]) -> f64, start: &[f64]) -> Minimum {
    let f = |p: &[f64]| if p.iter().all(|v| v.abs() <= LOG_BOUND) { f(p) } else { f64::INFINITY };
    let scale = 1.0 + f(start).abs();
    let first = nelder_mead(f, start, 0.5, 1e-11 * scale, 10_000);
    let again = nelder_mead(f, &first.point, 0.1, 1e-12 * scale, 10_000);
    let iterations = first.iterations + again.iterations;
    let best = if again.value <= first.value { again } else { first };
    Minimum { iterations, ..best }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gamma_and_beta() {
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
        assert!((ln_beta(2.0, 3.0) - (1.0f64 / 12.0).ln()).abs() < 1e-12);
    }

    #[test]
    fn hypergeometric_known_values() {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z
        for z in [0.0, 0.1, 0.5, 0.9] {
            let expect = if z == 0.0 { 1.0 } else { -(1.0f64 - z).ln() / z };
            assert!((hyp2f1(1.0, 1.0, 2.0, z) - expect).abs() < 1e-12, "z={z}");
        }
        // ₂F₁(a, b; b; z) = (1 − z)^(−a)
        assert!((hyp2f1(2.5, 1.3, 1.3, 0.4) - 0.6f64.powf(-2.5)).abs() < 1e-12);
    }

    #[test]
    fn nelder_mead_finds_the_rosenbrock_minimum() {
        let rosen = |p: &[f64]| (1.0 - p[0]).powi(2) + 100.0 * (p[1] - p[0] * p[0]).powi(2);
        let m = nelder_mead(rosen, &[-1.2, 1.0], 0.5, 1e-14, 5_000);
        assert!(m.converged);
        assert!((m.point[0] - 1.0).abs() < 1e-4 && (m.point[1] - 1.0).abs() < 1e-4, "{m:?}");
    }
}

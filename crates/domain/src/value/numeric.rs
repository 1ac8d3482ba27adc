//! The numerics the value models need: log-gamma, the Gauss hypergeometric function, and a
//! Nelder–Mead minimizer. Small and dependency-free apart from `libm::lgamma`.

/// ln Γ(x) for x > 0.
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// ln Γ(z + q) − ln Γ(z) for z, q > 0, accurate also when z is so large that the two gamma
/// terms are huge and nearly equal (Stirling's series for both, with the large parts cancelled
/// by hand: (z − ½) ln(1 + q/z) + q ln(z + q) − q + S(z + q) − S(z)).
pub fn ln_gamma_ratio(z: f64, q: f64) -> f64 {
    if z < 100.0 {
        return ln_gamma(z + q) - ln_gamma(z);
    }
    // S(x) = 1/(12x) − 1/(360x³) + 1/(1260x⁵): its next term is below 1e−17 at x ≥ 100.
    let s = |x: f64| {
        let inv = 1.0 / x;
        let inv2 = inv * inv;
        inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 / 1260.0))
    };
    (z - 0.5) * (q / z).ln_1p() + q * (z + q).ln() - q + (s(z + q) - s(z))
}

/// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b).
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// ₂F₁(a, b; c; z) for 0 ≤ z < 1 by its power series, summed until a term no longer changes
/// the sum (relative 1e-15) or 100,000 terms. The value models only need z in [0, 1).
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    hyp2f1_at(a, b, c, &[z])[0]
}

/// ₂F₁(a, b; c; z) at each of `zs` (in [0, 1)) from one pass over the series: the terms at
/// the largest z are summed as in `hyp2f1`, and those at a smaller z are the same terms times
/// (z / z_max)ⁿ. The same values as `hyp2f1` at each z, for the cost of about one call.
pub fn hyp2f1_at(a: f64, b: f64, c: f64, zs: &[f64]) -> Vec<f64> {
    let z_max = zs.iter().copied().fold(0.0, f64::max);
    let mut sums = vec![1.0; zs.len()];
    if z_max <= 0.0 {
        return sums;
    }
    let ratios: Vec<f64> = zs.iter().map(|z| z / z_max).collect();
    let mut powers = vec![1.0; zs.len()];
    let mut term = 1.0;
    let mut largest = 1.0;
    for n in 0..100_000 {
        let n = n as f64;
        term *= (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z_max;
        largest += term;
        for k in 0..zs.len() {
            powers[k] *= ratios[k];
            sums[k] += term * powers[k];
        }
        if term.abs() <= 1e-15 * largest.abs() {
            break;
        }
    }
    sums
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
/// with Newton steps (derivatives by finite differences; a few dozen evaluations over all items
/// where a simplex needed about 150), falling back to a small simplex when a Newton step does
/// not help (a maximum at a bound, a surface that is not convex there). The result is the full
/// data's minimum. Bounds and stopping as in `minimize`.
pub fn minimize_staged<T: Clone + Sync>(f: impl Fn(&[T], &[f64]) -> f64 + Copy, items: &[T], start: &[f64]) -> Minimum {
    if items.len() < 200_000 {
        return minimize(|p: &[f64]| f(items, p), start);
    }
    let sample: Vec<T> = items.iter().step_by(10).cloned().collect();
    let rough = minimize(|p: &[f64]| f(&sample, p), start);
    let full = |p: &[f64]| if p.iter().all(|v| v.abs() <= LOG_BOUND) { f(items, p) } else { f64::INFINITY };
    let scale = 1.0 + full(&rough.point).abs();
    if let Some(m) = newton(full, &rough.point, 1e-12 * scale, 10) {
        return Minimum { iterations: rough.iterations + m.iterations, ..m };
    }
    let near = nelder_mead(full, &rough.point, 0.02, 1e-11 * scale, 10_000);
    let again = nelder_mead(full, &near.point, 0.005, 1e-12 * scale, 10_000);
    let iterations = rough.iterations + near.iterations + again.iterations;
    let converged = near.converged && again.converged;
    let best = if again.value <= near.value { again } else { near };
    Minimum { iterations, converged, ..best }
}

/// Newton's method from `start`, close to a minimum: the gradient by central and the Hessian
/// by forward differences (1 + n(n + 3)/2 evaluations a step), each step halved until `f`
/// decreases. Done when the decrease the quadratic model still expects is below `tol`. None when
/// the Hessian is not positive definite, no halving helps, or `max_steps` were not enough.
pub fn newton(f: impl Fn(&[f64]) -> f64, start: &[f64], tol: f64, max_steps: usize) -> Option<Minimum> {
    const H: f64 = 1e-4;
    let n = start.len();
    let mut x = start.to_vec();
    let mut fx = f(&x);
    let moved = |x: &[f64], moves: &[(usize, f64)]| {
        let mut p = x.to_vec();
        for &(i, by) in moves {
            p[i] += by;
        }
        p
    };
    for step in 0..=max_steps {
        if !fx.is_finite() {
            return None;
        }
        let plus: Vec<f64> = (0..n).map(|i| f(&moved(&x, &[(i, H)]))).collect();
        let minus: Vec<f64> = (0..n).map(|i| f(&moved(&x, &[(i, -H)]))).collect();
        let gradient: Vec<f64> = (0..n).map(|i| (plus[i] - minus[i]) / (2.0 * H)).collect();
        let mut hessian = vec![vec![0.0; n]; n];
        for i in 0..n {
            hessian[i][i] = (plus[i] - 2.0 * fx + minus[i]) / (H * H);
            for j in 0..i {
                let both = f(&moved(&x, &[(i, H), (j, H)]));
                hessian[i][j] = (both - plus[i] - plus[j] + fx) / (H * H);
                hessian[j][i] = hessian[i][j];
            }
        }
        let direction: Vec<f64> = cholesky_solve(&hessian, &gradient)?.iter().map(|d| -d).collect();
        let decrease = -gradient.iter().zip(&direction).map(|(g, d)| g * d).sum::<f64>() / 2.0;
        if !decrease.is_finite() {
            return None;
        }
        if decrease < tol {
            return Some(Minimum { point: x, value: fx, iterations: step, converged: true });
        }
        if step == max_steps {
            return None;
        }
        let mut t = 1.0;
        loop {
            let candidate: Vec<f64> = x.iter().zip(&direction).map(|(v, d)| v + t * d).collect();
            let fc = f(&candidate);
            if fc.is_finite() && fc <= fx {
                (x, fx) = (candidate, fc);
                break;
            }
            t /= 2.0;
            if t < 1.0 / 64.0 {
                return None;
            }
        }
    }
    None
}

/// Solves `a · x = b` for a symmetric positive definite `a` (Cholesky); None when `a` is not.
fn cholesky_solve(a: &[Vec<f64>], b: &[f64]) -> Option<Vec<f64>> {
    let n = b.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = a[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            if i == j {
                if !(s > 0.0 && s.is_finite()) {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = (b[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        x[i] = (y[i] - (i + 1..n).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    Some(x)
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
    fn hypergeometric_at_many_points_matches_one_at_a_time() {
        for (a, b, c) in [(1.0, 1.0, 2.0), (0.9, 3.5, 4.1), (41.2, 43.5, 85.0)] {
            let zs = [0.01, 0.2, 0.5, 0.77, 0.9, 0.98];
            let many = hyp2f1_at(a, b, c, &zs);
            for (z, v) in zs.iter().zip(&many) {
                let one = hyp2f1(a, b, c, *z);
                assert!((v - one).abs() <= 1e-12 * one.abs(), "{a} {b} {c} z={z}: {v} vs {one}");
            }
        }
        assert_eq!(hyp2f1_at(1.0, 2.0, 3.0, &[0.0, 0.0]), vec![1.0, 1.0]);
        assert!(hyp2f1_at(1.0, 2.0, 3.0, &[]).is_empty());
    }

    #[test]
    fn gamma_ratio_where_the_gammas_are_huge() {
        // Γ(z + 1) / Γ(z) = z, and Γ(z + 2) / Γ(z) = z (z + 1), at any size.
        for z in [100.0, 1234.5, 1e7, 3e12] {
            assert!((ln_gamma_ratio(z, 1.0) - f64::ln(z)).abs() < 1e-13 * f64::ln(z), "z={z}");
            assert!((ln_gamma_ratio(z, 2.0) - (f64::ln(z) + f64::ln(z + 1.0))).abs() < 1e-13 * f64::ln(z), "z={z}");
        }
        // Γ(z + ½) / Γ(z) ≈ √z (1 − 1/(8z) + 1/(128z²)), and the plain difference below 100.
        let z = 1e6;
        let expect = 0.5 * f64::ln(z) + (-1.0 / (8.0 * z) + 1.0 / (128.0 * z * z)).ln_1p();
        assert!((ln_gamma_ratio(z, 0.5) - expect).abs() < 1e-14, "{}", ln_gamma_ratio(z, 0.5) - expect);
        assert!((ln_gamma_ratio(100.0, 3.7) - (ln_gamma(103.7) - ln_gamma(100.0))).abs() < 1e-11);
        assert_eq!(ln_gamma_ratio(5.0, 2.5), ln_gamma(7.5) - ln_gamma(5.0));
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

    #[test]
    fn newton_finds_a_quadratic_minimum_in_one_step_and_stops() {
        let f = |p: &[f64]| 3.0 * (p[0] - 1.0).powi(2) + (p[0] - 1.0) * (p[1] + 2.0) + 2.0 * (p[1] + 2.0).powi(2) + 5.0;
        let m = newton(f, &[4.0, 3.0], 1e-12, 10).unwrap();
        assert!(m.converged);
        assert!(m.iterations <= 2, "{m:?}");
        assert!((m.point[0] - 1.0).abs() < 1e-6 && (m.point[1] + 2.0).abs() < 1e-6, "{m:?}");
        assert!((m.value - 5.0).abs() < 1e-9);
    }

    #[test]
    fn newton_declines_where_it_cannot_help() {
        // A saddle: the Hessian is not positive definite.
        assert!(newton(|p: &[f64]| p[0] * p[0] - p[1] * p[1], &[0.5, 0.5], 1e-12, 10).is_none());
        // A slope without a minimum: the steps never settle.
        assert!(newton(|p: &[f64]| p[0].exp() + p[1] * p[1], &[0.0, 1.0], 1e-12, 10).is_none());
        // Cholesky refuses a matrix that is not positive definite, and solves one that is.
        assert!(cholesky_solve(&[vec![1.0, 2.0], vec![2.0, 1.0]], &[1.0, 1.0]).is_none());
        let x = cholesky_solve(&[vec![4.0, 2.0], vec![2.0, 3.0]], &[2.0, 1.0]).unwrap();
        assert!((x[0] - 0.5).abs() < 1e-12 && x[1].abs() < 1e-12, "{x:?}");
    }

    #[test]
    fn a_staged_fit_at_a_bound_falls_back_to_the_simplex() {
        // Over 200,000 items, with the minimum in the second parameter at +∞: Newton's step
        // leaves the bounds, so the simplex polishes, and stops at the bound.
        let items = vec![(); 200_000];
        let f = |items: &[()], p: &[f64]| items.len() as f64 * ((p[0] - 1.0).powi(2) + (-p[1]).exp());
        let m = minimize_staged(f, &items, &[0.0, 0.0]);
        assert!(m.converged, "{m:?}");
        assert!((m.point[0] - 1.0).abs() < 1e-3, "{m:?}");
        assert!(m.point[1] > LOG_BOUND - 1.0 && m.point[1] <= LOG_BOUND, "{m:?}");
        // Inside the bounds Newton finishes the same kind of fit in a few steps.
        let g = |items: &[()], p: &[f64]| items.len() as f64 * ((p[0] - 1.0).powi(2) + (p[1] - 2.0).powi(2));
        let m = minimize_staged(g, &items, &[0.0, 0.0]);
        assert!((m.point[0] - 1.0).abs() < 1e-6 && (m.point[1] - 2.0).abs() < 1e-6, "{m:?}");
    }
}

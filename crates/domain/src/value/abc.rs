//! ABC / 80-20 (PRODUCT.md §3): the few customers who bring most of the revenue (or margin).

/// A customer's class by its share of the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum AbcClass {
    A,
    B,
    C,
}

/// The indexes `of` ordered by their value, largest first (equal values by index). Sorted as
/// plain keys: comparing through the indexes would look each value up in a million-entry
/// array at every step.
fn descending(values: &[f64], of: Vec<usize>) -> Vec<usize> {
    // f64::total_cmp's order as an integer's, reversed.
    let key = |v: f64| {
        let b = v.to_bits() as i64;
        !(b ^ (((b >> 63) as u64) >> 1) as i64)
    };
    let mut keyed: Vec<(i64, usize)> = of.into_iter().map(|i| (key(values[i]), i)).collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// Classifies customers by value, best first: A is the smallest set of customers whose values
/// make up `a_share` of the total (default 0.8), B the next ones up to `a_share + b_share`
/// (0.15 → 95%), C the rest. A customer is in A when the customers ranked before it make up less
/// than `a_share` (so the one that crosses the line is in A). Values ≤ 0 are always C; equal
/// values are ranked in input order.
pub fn classify(values: &[f64], a_share: f64, b_share: f64) -> Vec<AbcClass> {
    let order = descending(values, (0..values.len()).collect());
    let total: f64 = values.iter().filter(|v| **v > 0.0).sum();
    let mut out = vec![AbcClass::C; values.len()];
    let mut before = 0.0;
    for i in order {
        let v = values[i];
        if v <= 0.0 || total <= 0.0 {
            continue;
        }
        // A share exactly on a line (95% of 100) is past it, whatever 0.8 + 0.15 rounds to.
        let share = before / total + 1e-12;
        out[i] = if share < a_share {
            AbcClass::A
        } else if share < a_share + b_share {
            AbcClass::B
        } else {
            AbcClass::C
        };
        before += v;
    }
    out
}

/// The course's recipe (seed 001 L4): the top `n` by value are the big-customer candidates,
/// classified A/B/C among themselves; everyone else is `None`.
pub fn classify_top(values: &[f64], n: usize, a_share: f64, b_share: f64) -> Vec<Option<AbcClass>> {
    let mut order = descending(values, (0..values.len()).filter(|&i| values[i] > 0.0).collect());
    order.truncate(n);
    let top: Vec<f64> = order.iter().map(|&i| values[i]).collect();
    let classes = classify(&top, a_share, b_share);
    let mut out = vec![None; values.len()];
    for (k, &i) in order.iter().enumerate() {
        out[i] = Some(classes[k]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::AbcClass::*;
    use super::*;

    #[test]
    fn the_order_is_total_cmp_reversed_with_ties_by_index() {
        let mut values = vec![0.0, -0.0, -3.5, 7.25, 7.25, f64::MAX, f64::MIN, 1e-300, -1e-300, 0.0];
        values.extend((0..500).map(|i| ((i * 7919) % 61) as f64 - 30.0));
        let mut expect: Vec<usize> = (0..values.len()).collect();
        expect.sort_by(|&i, &j| values[j].total_cmp(&values[i]).then(i.cmp(&j)));
        assert_eq!(descending(&values, (0..values.len()).collect()), expect);
    }

    #[test]
    fn pareto_by_hand() {
        // Total 100: 50 + 30 = 80 → the customer reaching 80% is the second, so A = {50, 30};
        // then 10 + 5 reaches 95% → B; the rest C.
        let v = [5.0, 30.0, 2.0, 50.0, 10.0, 3.0, 0.0, -4.0];
        assert_eq!(classify(&v, 0.8, 0.15), [B, A, C, A, B, C, C, C]);
        // Everything in one customer.
        assert_eq!(classify(&[0.0, 7.0], 0.8, 0.15), [C, A]);
        assert!(classify(&[], 0.8, 0.15).is_empty());
        assert_eq!(classify(&[0.0, 0.0], 0.8, 0.15), [C, C]);
    }

    #[test]
    fn top_candidates() {
        let v = [5.0, 30.0, 2.0, 50.0, 10.0];
        // Top 3: 50, 30, 10 (total 90): 50 → A (0%), 30 → A (55.6% < 80%), 10 → B (88.9% < 95%).
        assert_eq!(classify_top(&v, 3, 0.8, 0.15), [None, Some(A), None, Some(A), Some(B)]);
    }
}

//! Partial top-k selection: O(n) selection, then a sort of the k kept, so
//! a symbol called from 10,000 places costs 10,000 comparisons, not a sort.

use std::cmp::Ordering;

/// The `k` smallest items under `cmp` (its "best first" order), sorted.
/// `cmp` must be a total order for the result to be deterministic.
pub fn top_k_by<T>(mut items: Vec<T>, k: usize, cmp: impl Fn(&T, &T) -> Ordering) -> Vec<T> {
    if k == 0 {
        return Vec::new();
    }
    if items.len() > k {
        items.select_nth_unstable_by(k - 1, &cmp);
        items.truncate(k);
    }
    items.sort_by(&cmp);
    items
}

/// Best-first order of scored indices: higher score first, then lower index.
pub fn by_score_desc(a: &(u32, f32), b: &(u32, f32)) -> Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_and_sorts() {
        let items = vec![(0, 0.1), (1, 0.9), (2, 0.5), (3, 0.9), (4, 0.7)];
        assert_eq!(
            top_k_by(items.clone(), 3, by_score_desc),
            vec![(1, 0.9), (3, 0.9), (4, 0.7)]
        );
        assert_eq!(top_k_by(items.clone(), 0, by_score_desc), vec![]);
        assert_eq!(top_k_by(items, 10, by_score_desc).len(), 5);
    }
}

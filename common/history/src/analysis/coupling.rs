//! Co-change (logical) coupling, as code-maat's `coupling` analysis: two
//! entities are coupled when commits change them together. Pure.
//!
//! For entities A and B over the commits considered:
//! - support = commits that changed both;
//! - confidence(A→B) = support / commits that changed A (and B→A alike);
//! - degree = support / mean(commits of A, commits of B), code-maat's
//!   "degree" (as a fraction, not a percentage).
//!
//! Commits that change more than `max_changeset` entities are left out
//! entirely — bulk reformatting, renames of a tree, vendored drops say
//! nothing about design — as code-maat's `--max-changeset-size` does
//! (default 30). A pair is kept when its support reaches `min_support`,
//! both entities have at least `min_revisions` commits and its degree
//! reaches `min_degree` (code-maat: 5, 5 and 30%).

use crate::document::CoupledPair;
use rustc_hash::FxHashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct CouplingOptions {
    pub min_support: u32,
    pub min_revisions: u32,
    pub min_degree: f64,
    pub max_changeset: usize,
    /// At most this many pairs are kept (the strongest by support).
    pub max_pairs: usize,
}

impl Default for CouplingOptions {
    fn default() -> Self {
        CouplingOptions {
            min_support: 5,
            min_revisions: 5,
            min_degree: 0.3,
            max_changeset: 30,
            max_pairs: 1000,
        }
    }
}

/// The coupled pairs of a sequence of changesets (the entities each commit
/// changed) and how many changesets were too large to count.
pub fn couple<'a, I, S>(changesets: I, options: &CouplingOptions) -> (Vec<CoupledPair>, u32)
where
    I: IntoIterator<Item = S>,
    S: IntoIterator<Item = &'a str>,
{
    let mut names: Vec<&'a str> = Vec::new();
    let mut ids: FxHashMap<&'a str, u32> = FxHashMap::default();
    let mut revisions: Vec<u32> = Vec::new();
    let mut pairs: FxHashMap<(u32, u32), u32> = FxHashMap::default();
    let mut skipped = 0;
    let mut set: Vec<u32> = Vec::new();
    for changeset in changesets {
        set.clear();
        for name in changeset {
            let id = *ids.entry(name).or_insert_with(|| {
                names.push(name);
                revisions.push(0);
                (names.len() - 1) as u32
            });
            set.push(id);
        }
        set.sort_unstable();
        set.dedup();
        if set.len() > options.max_changeset {
            skipped += 1;
            continue;
        }
        for (i, &a) in set.iter().enumerate() {
            revisions[a as usize] += 1;
            for &b in &set[i + 1..] {
                *pairs.entry((a, b)).or_default() += 1;
            }
        }
    }
    let mut kept: Vec<CoupledPair> = pairs
        .into_iter()
        .filter_map(|((a, b), support)| {
            pair(
                (names[a as usize], revisions[a as usize]),
                (names[b as usize], revisions[b as usize]),
                support,
                options,
            )
        })
        .collect();
    kept.sort_by(|x, y| {
        y.support
            .cmp(&x.support)
            .then(y.degree.total_cmp(&x.degree))
            .then_with(|| x.a.cmp(&y.a))
            .then_with(|| x.b.cmp(&y.b))
    });
    kept.truncate(options.max_pairs);
    (kept, skipped)
}

fn pair(
    (a, revs_a): (&str, u32),
    (b, revs_b): (&str, u32),
    support: u32,
    options: &CouplingOptions,
) -> Option<CoupledPair> {
    if support < options.min_support || revs_a.min(revs_b) < options.min_revisions {
        return None;
    }
    let degree = f64::from(support) * 2.0 / f64::from(revs_a + revs_b);
    if degree < options.min_degree {
        return None;
    }
    let (a, b, revs_a, revs_b) = if a <= b {
        (a, b, revs_a, revs_b)
    } else {
        (b, a, revs_b, revs_a)
    };
    Some(CoupledPair {
        a: a.to_string(),
        b: b.to_string(),
        support,
        confidence_a: round(f64::from(support) / f64::from(revs_a)),
        confidence_b: round(f64::from(support) / f64::from(revs_b)),
        degree: round(degree),
        linked: None,
    })
}

/// Four decimals: enough to rank, and stable text in the document.
pub fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loose() -> CouplingOptions {
        CouplingOptions {
            min_support: 1,
            min_revisions: 1,
            min_degree: 0.0,
            max_changeset: 3,
            max_pairs: 100,
        }
    }

    #[test]
    fn support_confidence_and_degree() {
        let sets = [
            vec!["a", "b"],
            vec!["a", "b"],
            vec!["a"],
            vec!["a", "c"],
            vec!["b", "a"],
        ];
        let (pairs, skipped) = couple(sets.iter().map(|s| s.iter().copied()), &loose());
        assert_eq!(skipped, 0);
        let ab = &pairs[0];
        assert_eq!((ab.a.as_str(), ab.b.as_str(), ab.support), ("a", "b", 3));
        assert_eq!(ab.confidence_a, 0.6); // 3 of a's 5
        assert_eq!(ab.confidence_b, 1.0); // 3 of b's 3
        assert_eq!(ab.degree, 0.75); // 3 / mean(5, 3)
        let ac = &pairs[1];
        assert_eq!((ac.a.as_str(), ac.b.as_str(), ac.support), ("a", "c", 1));
    }

    #[test]
    fn large_changesets_are_skipped_entirely() {
        let sets = [vec!["a", "b", "c", "d"], vec!["a", "b"]];
        let (pairs, skipped) = couple(sets.iter().map(|s| s.iter().copied()), &loose());
        assert_eq!(skipped, 1);
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].support, 1);
        assert_eq!(pairs[0].degree, 1.0);
    }

    #[test]
    fn thresholds_filter_pairs() {
        let mut sets = vec![vec!["a", "b"]; 5];
        sets.extend(vec![vec!["a"]; 20]);
        let options = CouplingOptions::default();
        let (pairs, _) = couple(sets.iter().map(|s| s.iter().copied()), &options);
        // support 5, revisions 25 and 5: degree 5 / 15 = 0.33 ≥ 0.3.
        assert_eq!(pairs.len(), 1);
        sets.extend(vec![vec!["a"]; 10]);
        let (pairs, _) = couple(sets.iter().map(|s| s.iter().copied()), &options);
        // degree 5 / 20 = 0.25 < 0.3.
        assert!(pairs.is_empty());
    }

    #[test]
    fn order_is_deterministic() {
        let sets = [vec!["z", "y"], vec!["b", "a"], vec!["c", "d"]];
        let (pairs, _) = couple(sets.iter().map(|s| s.iter().copied()), &loose());
        let names: Vec<_> = pairs.iter().map(|p| (p.a.as_str(), p.b.as_str())).collect();
        assert_eq!(names, [("a", "b"), ("c", "d"), ("y", "z")]);
    }
}

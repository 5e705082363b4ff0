//! Louvain community detection (Blondel et al. 2008), deterministic: nodes
//! are visited in index order, a node moves only for a strictly better
//! modularity gain (ties keep the first community found, in adjacency
//! order), levels aggregate communities numbered by first appearance.

use std::collections::BTreeMap;

/// Undirected weighted graph as adjacency lists plus self-loop weights.
struct Level {
    adj: Vec<Vec<(usize, f64)>>,
    self_loops: Vec<f64>,
}

impl Level {
    fn new(n: usize, edges: &BTreeMap<(usize, usize), f64>) -> Level {
        let mut level = Level {
            adj: vec![Vec::new(); n],
            self_loops: vec![0.0; n],
        };
        for (&(u, v), &w) in edges {
            if u == v {
                level.self_loops[u] += w;
            } else {
                level.adj[u].push((v, w));
                level.adj[v].push((u, w));
            }
        }
        level
    }

    fn degree(&self, i: usize) -> f64 {
        self.adj[i].iter().map(|(_, w)| w).sum::<f64>() + 2.0 * self.self_loops[i]
    }
}

/// The community of each node, numbered 0.. by first node.
pub fn louvain(n: usize, edges: &[(usize, usize, f64)]) -> Vec<usize> {
    let mut merged: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for &(u, v, w) in edges
        .iter()
        .filter(|e| e.0 < n && e.1 < n && e.2 > 0.0 && e.2.is_finite())
    {
        *merged.entry((u.min(v), u.max(v))).or_default() += w;
    }
    let mut membership: Vec<usize> = (0..n).collect();
    let mut size = n;
    for _ in 0..32 {
        let level = Level::new(size, &merged);
        let communities = renumber(&one_level(&level));
        let count = communities.iter().max().map_or(0, |m| m + 1);
        if count == size {
            break;
        }
        membership.iter_mut().for_each(|m| *m = communities[*m]);
        let mut next: BTreeMap<(usize, usize), f64> = BTreeMap::new();
        for (&(u, v), &w) in &merged {
            let (a, b) = (communities[u], communities[v]);
            *next.entry((a.min(b), a.max(b))).or_default() += w;
        }
        merged = next;
        size = count;
    }
    renumber(&membership)
}

/// Local moving until no node moves (at most 100 sweeps).
fn one_level(level: &Level) -> Vec<usize> {
    let n = level.adj.len();
    let degrees: Vec<f64> = (0..n).map(|i| level.degree(i)).collect();
    let m2: f64 = degrees.iter().sum();
    let mut community: Vec<usize> = (0..n).collect();
    if m2 == 0.0 {
        return community;
    }
    let mut total = degrees.clone();
    let mut weight_to = vec![0f64; n];
    let mut seen = vec![false; n];
    let mut touched: Vec<usize> = Vec::new();
    for _ in 0..100 {
        let mut moved = false;
        for i in 0..n {
            let own = community[i];
            touched.clear();
            touched.push(own);
            seen[own] = true;
            for &(j, w) in &level.adj[i] {
                let c = community[j];
                if !seen[c] {
                    seen[c] = true;
                    touched.push(c);
                }
                weight_to[c] += w;
            }
            total[own] -= degrees[i];
            let gain = |c: usize| weight_to[c] - total[c] * degrees[i] / m2;
            let mut best = own;
            let mut best_gain = gain(own);
            for &c in &touched[1..] {
                let g = gain(c);
                if g > best_gain + 1e-12 {
                    best = c;
                    best_gain = g;
                }
            }
            total[best] += degrees[i];
            community[i] = best;
            moved |= best != own;
            for &c in &touched {
                weight_to[c] = 0.0;
                seen[c] = false;
            }
        }
        if !moved {
            break;
        }
    }
    community
}

/// Renames labels 0.. in order of first appearance.
fn renumber(labels: &[usize]) -> Vec<usize> {
    let mut names: BTreeMap<usize, usize> = BTreeMap::new();
    labels
        .iter()
        .map(|l| {
            let next = names.len();
            *names.entry(*l).or_insert(next)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_cliques_joined_by_one_edge() {
        let mut edges = Vec::new();
        for base in [0, 5] {
            for a in 0..5 {
                for b in a + 1..5 {
                    edges.push((base + a, base + b, 1.0));
                }
            }
        }
        edges.push((4, 5, 1.0));
        let c = louvain(10, &edges);
        assert!(c[..5].iter().all(|x| *x == c[0]));
        assert!(c[5..].iter().all(|x| *x == c[5]));
        assert_ne!(c[0], c[5]);
        assert_eq!(louvain(10, &edges), c);
    }

    #[test]
    fn isolated_nodes_are_their_own_communities() {
        assert_eq!(louvain(3, &[]), vec![0, 1, 2]);
        assert!(louvain(0, &[]).is_empty());
    }
}

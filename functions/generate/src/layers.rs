//! The layers of the module dependency graph, from the bottom up: the
//! modules that depend on no other, then those that depend only on them,
//! and so on. Modules in a cycle share a layer (the graph's strongly
//! connected components are layered). Pure: the modules' facts in.

use crate::facts::ModuleFacts;
use std::collections::{BTreeSet, HashMap};

/// What the architecture says of the layers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layers {
    /// How many layers the modules stack in.
    pub depth: usize,
    /// The most depended-on modules, what the rest stands on:
    /// `(path, dependents)`.
    pub foundation: Vec<(String, usize)>,
    /// How many modules the largest cycle holds (1: no cycle).
    pub largest_cycle: usize,
    /// The top layer's modules that depend on the most: `(path, dependencies)`.
    pub top: Vec<(String, usize)>,
}

/// The layers of the modules `keep` accepts (by path), with edges among
/// them only; `None` without modules.
pub fn layers(modules: &[ModuleFacts], keep: impl Fn(&str) -> bool) -> Option<Layers> {
    let kept: Vec<&ModuleFacts> = modules.iter().filter(|m| keep(&m.path)).collect();
    let index: HashMap<&str, usize> = kept
        .iter()
        .enumerate()
        .map(|(i, m)| (m.path.as_str(), i))
        .collect();
    let edges = |names: &[String], i: usize| -> BTreeSet<usize> {
        names
            .iter()
            .filter_map(|n| index.get(n.as_str()).copied())
            .filter(|j| *j != i)
            .collect()
    };
    let depends: Vec<BTreeSet<usize>> = kept
        .iter()
        .enumerate()
        .map(|(i, m)| edges(&m.dependencies, i))
        .collect();
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); kept.len()];
    for (i, deps) in depends.iter().enumerate() {
        for &j in deps {
            users[j].push(i);
        }
    }
    let component = components(&depends, &users);
    let count = component.iter().max().map_or(0, |c| c + 1);
    let mut component_depends = vec![BTreeSet::new(); count];
    for (i, deps) in depends.iter().enumerate() {
        for &j in deps {
            if component[i] != component[j] {
                component_depends[component[i]].insert(component[j]);
            }
        }
    }
    let component_layer = peel(&component_depends)?;
    let layer: Vec<usize> = component.iter().map(|&c| component_layer[c]).collect();
    let depth = layer.iter().max().map_or(0, |d| d + 1);
    // The two modules of `of` with the highest weight (ties by path).
    let most = |of: &dyn Fn(usize) -> bool, weight: &dyn Fn(usize) -> usize| {
        let mut ranked: Vec<(String, usize)> = (0..kept.len())
            .filter(|&i| of(i) && weight(i) > 0)
            .map(|i| (kept[i].path.clone(), weight(i)))
            .collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ranked.truncate(2);
        ranked
    };
    let mut sizes = vec![0usize; count];
    for &c in &component {
        sizes[c] += 1;
    }
    Some(Layers {
        depth,
        foundation: most(&|_| true, &|i| users[i].len()),
        largest_cycle: sizes.into_iter().max().unwrap_or(0),
        top: most(&|i| layer[i] == depth - 1, &|i| depends[i].len()),
    })
}

/// Each node's strongly connected component (Kosaraju's two passes,
/// without recursion): nodes in one cycle share a number.
fn components(depends: &[BTreeSet<usize>], users: &[Vec<usize>]) -> Vec<usize> {
    let n = depends.len();
    let mut seen = vec![false; n];
    let mut finished = Vec::with_capacity(n);
    for start in 0..n {
        if seen[start] {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![(start, depends[start].iter())];
        while let Some((node, next)) = stack.last_mut() {
            match next.find(|j| !seen[**j]) {
                Some(&j) => {
                    seen[j] = true;
                    stack.push((j, depends[j].iter()));
                }
                None => {
                    finished.push(*node);
                    stack.pop();
                }
            }
        }
    }
    let mut component = vec![usize::MAX; n];
    let mut count = 0;
    for &start in finished.iter().rev() {
        if component[start] != usize::MAX {
            continue;
        }
        component[start] = count;
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            for &user in &users[node] {
                if component[user] == usize::MAX {
                    component[user] = count;
                    stack.push(user);
                }
            }
        }
        count += 1;
    }
    component
}

/// Each node's layer in an acyclic graph (0 at the bottom); `None`
/// without nodes.
fn peel(depends: &[BTreeSet<usize>]) -> Option<Vec<usize>> {
    if depends.is_empty() {
        return None;
    }
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); depends.len()];
    for (i, deps) in depends.iter().enumerate() {
        for &j in deps {
            users[j].push(i);
        }
    }
    let mut left: Vec<usize> = depends.iter().map(BTreeSet::len).collect();
    let mut layer = vec![usize::MAX; depends.len()];
    let mut free: Vec<usize> = (0..depends.len()).filter(|&i| left[i] == 0).collect();
    let mut level = 0;
    while !free.is_empty() {
        let mut next = Vec::new();
        for &i in &free {
            layer[i] = level;
            for &user in &users[i] {
                left[user] -= 1;
                if left[user] == 0 {
                    next.push(user);
                }
            }
        }
        free = next;
        level += 1;
    }
    layer.iter().all(|l| *l != usize::MAX).then_some(layer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(path: &str, dependencies: &[&str]) -> ModuleFacts {
        ModuleFacts {
            id: format!("mod:{path}"),
            path: path.to_string(),
            files: Vec::new(),
            languages: Vec::new(),
            symbols: 1,
            top_symbols: Vec::new(),
            dependencies: dependencies.iter().map(|d| d.to_string()).collect(),
            dependents: Vec::new(),
        }
    }

    #[test]
    fn modules_stack_from_what_depends_on_nothing() {
        let modules = [
            module("cli", &["pipeline", "store", "core"]),
            module("pipeline", &["store", "core"]),
            module("store", &["core"]),
            module("core", &[]),
            module("util", &[]),
            module("tests", &["cli"]),
        ];
        let found = layers(&modules, |p| p != "tests").unwrap();
        assert_eq!(found.depth, 4);
        assert_eq!(
            found.foundation,
            [("core".to_string(), 3), ("store".to_string(), 2)]
        );
        assert_eq!(found.top, [("cli".to_string(), 3)]);
        assert_eq!(found.largest_cycle, 1);
    }

    #[test]
    fn the_modules_of_a_cycle_share_a_layer() {
        let modules = [
            module("a", &["b", "base"]),
            module("b", &["a", "base"]),
            module("base", &[]),
            module("app", &["a"]),
        ];
        let found = layers(&modules, |_| true).unwrap();
        // base, then the cycle of a and b, then app.
        assert_eq!(found.depth, 3);
        // base and a are each used by two (a by b and app).
        assert_eq!(
            found.foundation,
            [("a".to_string(), 2), ("base".to_string(), 2)]
        );
        assert_eq!(found.top, [("app".to_string(), 1)]);
        assert_eq!(found.largest_cycle, 2);
        assert_eq!(layers(&[], |_| true), None);
    }
}

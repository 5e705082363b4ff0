//! Hotspots: where change meets size and importance. Pure.
//!
//! score = commits × complexity × centrality, over living source files
//! (a language Doctown parses: not docs, lock files or data) and symbols, where complexity is the lines of code at the newest commit
//! unless the caller gives one (e.g. cyclomatic complexity) and centrality
//! is 1 unless the caller gives one (e.g. PageRank in the call graph). A
//! module's score uses the commits that touched any of its files, their
//! complexities together and their centralities' complexity-weighted mean.
//! Everything is computed from the document ([`rescore`]), so a stage that
//! has the graph can score the history again.

use super::coupling::round;
use super::ownership::modules_of;
use crate::document::{FileHistory, History, Hotspot, Hotspots, ModuleHistory, SymbolHistory};
use crate::record::CommitRecord;
use std::collections::{BTreeMap, BTreeSet};

/// What the caller knows that the history does not, keyed by path and by
/// `path#name` for symbols. Missing entries default as the module says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Weights {
    pub file_complexity: BTreeMap<String, f64>,
    pub file_centrality: BTreeMap<String, f64>,
    pub symbol_complexity: BTreeMap<String, f64>,
    pub symbol_centrality: BTreeMap<String, f64>,
}

impl Weights {
    /// `lines` when no weight is given (the history alone), else `given`.
    pub fn basis(&self) -> &'static str {
        let empty = self.file_complexity.is_empty()
            && self.file_centrality.is_empty()
            && self.symbol_complexity.is_empty()
            && self.symbol_centrality.is_empty();
        if empty {
            "lines"
        } else {
            "given"
        }
    }
}

/// `path#name`, how symbols are named in coupling and hotspots.
pub fn symbol_key(path: &str, name: &str) -> String {
    format!("{path}#{name}")
}

fn hotspot(name: String, commits: u32, complexity: f64, centrality: f64) -> Hotspot {
    Hotspot {
        name,
        score: round(f64::from(commits) * complexity * centrality),
        commits,
        complexity: round(complexity),
        centrality: round(centrality),
    }
}

/// The `limit` highest, by score then name.
fn top(mut all: Vec<Hotspot>, limit: usize) -> Vec<Hotspot> {
    all.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.name.cmp(&b.name))
    });
    all.retain(|h| h.score > 0.0);
    all.truncate(limit);
    all
}

/// A file in a language Doctown parses.
pub fn is_code(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| doctown_core::Language::from_extension(ext).is_some())
}

pub fn files(files: &[FileHistory], weights: &Weights, limit: usize) -> Vec<Hotspot> {
    let all = files
        .iter()
        .filter(|f| f.alive && is_code(&f.path))
        .map(|f| {
            let complexity = file_complexity(f, weights);
            let centrality = weights.file_centrality.get(&f.path).copied().unwrap_or(1.0);
            hotspot(f.path.clone(), f.commits, complexity, centrality)
        })
        .collect();
    top(all, limit)
}

pub fn symbols(symbols: &[SymbolHistory], weights: &Weights, limit: usize) -> Vec<Hotspot> {
    let all = symbols
        .iter()
        .filter(|s| s.alive && !s.container)
        .map(|s| {
            let key = symbol_key(&s.path, &s.name);
            let complexity = weights
                .symbol_complexity
                .get(&key)
                .copied()
                .unwrap_or(f64::from(s.lines.unwrap_or(0)));
            let centrality = weights.symbol_centrality.get(&key).copied().unwrap_or(1.0);
            hotspot(key, s.commits, complexity, centrality)
        })
        .collect();
    top(all, limit)
}

/// Modules (directories down to `depth`, not the root) of living source
/// files, by path: the commits that touched any of those files.
pub fn module_commits(
    commits: &[CommitRecord],
    files: &[FileHistory],
    depth: u32,
) -> Vec<ModuleHistory> {
    let alive: BTreeSet<&str> = files
        .iter()
        .filter(|f| f.alive && is_code(&f.path))
        .map(|f| f.path.as_str())
        .collect();
    let mut touched: BTreeMap<String, u32> = BTreeMap::new();
    for commit in commits {
        let mut seen = BTreeSet::new();
        for change in commit
            .changes
            .iter()
            .filter(|c| alive.contains(c.path.as_str()))
        {
            seen.extend(modules_of(&change.path, depth).into_iter().skip(1));
        }
        for module in seen {
            *touched.entry(module).or_default() += 1;
        }
    }
    touched
        .into_iter()
        .map(|(path, commits)| ModuleHistory { path, commits })
        .collect()
}

/// Module hotspots: each module's commits × its living source files'
/// complexity together × their complexity-weighted mean centrality.
pub fn modules(
    modules: &[ModuleHistory],
    files: &[FileHistory],
    weights: &Weights,
    depth: u32,
    limit: usize,
) -> Vec<Hotspot> {
    let mut size: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for file in files.iter().filter(|f| f.alive && is_code(&f.path)) {
        let complexity = file_complexity(file, weights);
        let centrality = weights
            .file_centrality
            .get(&file.path)
            .copied()
            .unwrap_or(1.0);
        for module in modules_of(&file.path, depth).into_iter().skip(1) {
            let entry = size.entry(module).or_default();
            entry.0 += complexity;
            entry.1 += complexity * centrality;
        }
    }
    let all = modules
        .iter()
        .map(|m| {
            let (complexity, weighted) = size.get(&m.path).copied().unwrap_or_default();
            let centrality = if complexity > 0.0 {
                weighted / complexity
            } else {
                1.0
            };
            hotspot(m.path.clone(), m.commits, complexity, centrality)
        })
        .collect();
    top(all, limit)
}

fn file_complexity(f: &FileHistory, weights: &Weights) -> f64 {
    weights
        .file_complexity
        .get(&f.path)
        .copied()
        .unwrap_or(f64::from(f.lines.unwrap_or(0)))
}

/// Every hotspot list of `h` scored again with `weights`, keeping its
/// limit; `basis` says what the weights are (`lines`, `structure`).
pub fn rescore(h: &History, weights: &Weights, basis: &str) -> Hotspots {
    let limit = h.hotspots.limit as usize;
    Hotspots {
        basis: basis.to_string(),
        limit: h.hotspots.limit,
        files: files(&h.files, weights, limit),
        symbols: symbols(&h.symbols, weights, limit),
        modules: modules(
            &h.modules,
            &h.files,
            weights,
            h.ownership.module_depth,
            limit,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::FileChange;

    fn file(path: &str, commits: u32, lines: u32, alive: bool) -> FileHistory {
        FileHistory {
            path: path.into(),
            language: "rust".into(),
            alive,
            lines: Some(lines),
            commits,
            added: 0,
            removed: 0,
            authors: 1,
            binary: false,
            first_change: String::new(),
            last_change: String::new(),
            former_paths: Vec::new(),
        }
    }

    #[test]
    fn files_rank_by_commits_times_lines_times_centrality() {
        let all = [
            file("a.rs", 10, 100, true),
            file("b.rs", 50, 10, true),
            file("c.rs", 2, 1000, true),
            file("gone.rs", 99, 999, false),
            file("README.md", 99, 999, true),
            file("Cargo.lock", 99, 999, true),
        ];
        let got = files(&all, &Weights::default(), 10);
        let names: Vec<_> = got.iter().map(|h| (h.name.as_str(), h.score)).collect();
        assert_eq!(names, [("c.rs", 2000.0), ("a.rs", 1000.0), ("b.rs", 500.0)]);
        let weights = Weights {
            file_centrality: BTreeMap::from([("b.rs".to_string(), 10.0)]),
            ..Weights::default()
        };
        let got = files(&all, &weights, 1);
        assert_eq!(got[0].name, "b.rs");
        assert_eq!(got[0].score, 5000.0);
    }

    #[test]
    fn modules_count_each_commit_once() {
        let all = [file("m/a.rs", 2, 10, true), file("m/b.rs", 1, 30, true)];
        let change = |p: &str| FileChange {
            path: p.into(),
            ..FileChange::default()
        };
        let commits = vec![
            CommitRecord {
                changes: vec![change("m/a.rs"), change("m/b.rs")],
                ..CommitRecord::default()
            },
            CommitRecord {
                changes: vec![change("m/a.rs")],
                ..CommitRecord::default()
            },
        ];
        let touched = module_commits(&commits, &all, 2);
        assert_eq!(
            touched,
            [ModuleHistory {
                path: "m".into(),
                commits: 2
            }]
        );
        let got = modules(&touched, &all, &Weights::default(), 2, 10);
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].name.as_str(), got[0].commits), ("m", 2));
        assert_eq!(got[0].score, 80.0);
    }
}

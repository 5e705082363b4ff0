//! The history joined to the code's structure: hotspots scored by churn ×
//! complexity × centrality from the call graph, and each co-change pair
//! marked by whether a static edge links the two (hidden coupling: they
//! change together and no call, reference, import or inheritance says
//! why). Pure: the caller (the pack stage) hands over what its graph says
//! as a [`Code`].
//!
//! - A symbol's complexity is its cyclomatic complexity (1 for symbols
//!   without one: types, constants), its centrality the graph's (PageRank
//!   normalised to the most central node). Symbols the code does not have
//!   (no id, or an id it does not know) score 0 and drop out.
//! - A file's complexity is its symbols' complexities together (its
//!   lines when it has no symbols), its centrality its node's; files the
//!   graph does not have score 0.
//! - Links: every static edge between two places (symbol ids, or
//!   `file:<path>` nodes) links their files when they differ, and the two
//!   symbols when both are in the history. A pair is judged only when the
//!   graph has both (two of its files, two symbols it knows): a document
//!   or a lock file changing with the code is not hidden coupling, it is
//!   outside what the graph can say (`linked` stays absent).

use crate::analysis::hotspots::{rescore, symbol_key};
use crate::analysis::Weights;
use crate::document::{CoupledPair, History};
use std::collections::{HashMap, HashSet};

/// What the graph says of one symbol.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodeSymbol<'a> {
    pub path: &'a str,
    pub complexity: Option<u32>,
    pub centrality: f64,
}

/// What the graph says, by its ids.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Code<'a> {
    /// Symbols by id.
    pub symbols: HashMap<&'a str, CodeSymbol<'a>>,
    /// File centralities by path.
    pub files: HashMap<&'a str, f64>,
    /// Static edges (confident calls, references, imports, inheritance)
    /// between symbol ids or `file:<path>` nodes, either way round.
    pub edges: Vec<(&'a str, &'a str)>,
}

/// What `join` found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Joined {
    /// Co-change pairs a static edge links, and pairs nothing links.
    pub linked: usize,
    pub hidden: usize,
}

/// Scores `history`'s hotspots by the code's structure (`basis`
/// `structure`) and marks each co-change pair `linked` or not.
pub fn join(history: &mut History, code: &Code<'_>) -> Joined {
    let keys: HashMap<&str, String> = history
        .symbols
        .iter()
        .filter_map(|s| Some((s.id.as_deref()?, symbol_key(&s.path, &s.name))))
        .collect();
    let weights = weights(history, code);
    let (file_links, symbol_links) = links(code, &keys);
    history.hotspots = rescore(history, &weights, "structure");
    let known_symbols: HashSet<&str> = keys
        .iter()
        .filter(|(id, _)| code.symbols.contains_key(*id))
        .map(|(_, key)| key.as_str())
        .collect();
    let coupling = &mut history.coupling;
    let mut joined = mark(&mut coupling.files, &file_links, &|f| {
        code.files.contains_key(f)
    });
    let symbols = mark(&mut coupling.symbols, &symbol_links, &|s| {
        known_symbols.contains(s)
    });
    joined.linked += symbols.linked;
    joined.hidden += symbols.hidden;
    joined
}

/// Complexity and centrality of every file and symbol of the history.
fn weights(history: &History, code: &Code<'_>) -> Weights {
    let mut w = Weights::default();
    let mut file_complexity: HashMap<&str, f64> = HashMap::new();
    for s in code.symbols.values() {
        *file_complexity.entry(s.path).or_default() += complexity(s);
    }
    for f in &history.files {
        let lines = f64::from(f.lines.unwrap_or(0));
        let complexity = file_complexity.get(f.path.as_str()).copied();
        w.file_complexity
            .insert(f.path.clone(), complexity.unwrap_or(lines));
        let centrality = code.files.get(f.path.as_str()).copied().unwrap_or(0.0);
        w.file_centrality.insert(f.path.clone(), centrality);
    }
    for s in &history.symbols {
        let key = symbol_key(&s.path, &s.name);
        let found = s.id.as_deref().and_then(|id| code.symbols.get(id));
        w.symbol_complexity
            .insert(key.clone(), found.map_or(0.0, complexity));
        w.symbol_centrality
            .insert(key, found.map_or(0.0, |c| c.centrality));
    }
    w
}

fn complexity(s: &CodeSymbol<'_>) -> f64 {
    f64::from(s.complexity.unwrap_or(1).max(1))
}

type Links = HashSet<(String, String)>;

/// The file pairs and the symbol pairs (by `path#name`) static edges link.
fn links(code: &Code<'_>, keys: &HashMap<&str, String>) -> (Links, Links) {
    let place = |id: &str| -> Option<(String, Option<&String>)> {
        if let Some(path) = id.strip_prefix("file:") {
            return Some((path.to_string(), None));
        }
        let symbol = code.symbols.get(id)?;
        Some((symbol.path.to_string(), keys.get(id)))
    };
    let (mut files, mut symbols) = (Links::new(), Links::new());
    for (a, b) in &code.edges {
        let (Some((file_a, key_a)), Some((file_b, key_b))) = (place(a), place(b)) else {
            continue;
        };
        if file_a != file_b {
            files.insert(ordered(&file_a, &file_b));
        }
        if let (Some(a), Some(b)) = (key_a, key_b) {
            if a != b {
                symbols.insert(ordered(a, b));
            }
        }
    }
    (files, symbols)
}

fn ordered(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

/// Marks the pairs whose two sides the graph has (`known`).
fn mark(pairs: &mut [CoupledPair], links: &Links, known: &dyn Fn(&str) -> bool) -> Joined {
    let mut joined = Joined::default();
    for pair in pairs {
        if !known(&pair.a) || !known(&pair.b) {
            pair.linked = None;
            continue;
        }
        let linked = links.contains(&ordered(&pair.a, &pair.b));
        pair.linked = Some(linked);
        if linked {
            joined.linked += 1;
        } else {
            joined.hidden += 1;
        }
    }
    joined
}

/// The co-change pairs no static edge links (files, then symbols),
/// strongest first: what the structure does not explain.
pub fn hidden_coupling(history: &History) -> Vec<&CoupledPair> {
    let c = &history.coupling;
    c.files
        .iter()
        .chain(&c.symbols)
        .filter(|p| p.linked == Some(false))
        .collect()
}

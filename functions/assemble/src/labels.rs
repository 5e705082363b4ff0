//! Cluster labels: TF-IDF over the identifiers of each cluster's members.
//! Terms are name words (camelCase, snake_case and digit boundaries split,
//! lower-cased; weight 1) and path words (directories and file stem, weight
//! ½); stop-words — keywords and generic names like `get`, `new`, `self`,
//! `src`, `test` — are dropped. A cluster is a document; tf is a term's
//! share of the cluster's weight, idf = ln((1 + N) / (1 + df)) + 1.
//! The label is the best term plus up to two more scoring ≥ ½ of it.

use crate::artifacts::LabelTerm;
use crate::numeric::fixed;
use doctown_core::Symbol;
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;

const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "any", "app", "arg", "args", "as", "async", "await", "bool", "by", "cmd",
    "const", "crate", "def", "default", "dyn", "else", "enum", "err", "false", "fn", "for", "from",
    "func", "function", "get", "go", "if", "impl", "in", "index", "init", "int", "into", "is",
    "js", "jsx", "kwargs", "let", "lib", "main", "mod", "new", "none", "null", "of", "on", "or",
    "pkg", "pub", "py", "rs", "self", "set", "some", "spec", "src", "str", "struct", "super",
    "test", "tests", "the", "this", "to", "trait", "true", "ts", "tsx", "type", "use", "util",
    "utils", "var", "with",
];

/// Lower-cased words of an identifier: `parseHTTPRequest_v2` → parse, http, request, v2.
pub fn split_identifier(s: &str) -> Vec<String> {
    doctown_core::words::tokens(s)
}

fn keep(term: &str) -> bool {
    term.chars().count() >= 2
        && !term.chars().all(|c| c.is_ascii_digit())
        && !STOP_WORDS.contains(&term)
}

/// The weighted terms one symbol contributes.
pub fn symbol_terms(symbol: &Symbol, into: &mut BTreeMap<String, f64>) {
    for w in name_terms(&symbol.name) {
        *into.entry(w).or_default() += 1.0;
    }
    for w in path_terms(&symbol.path) {
        *into.entry(w).or_default() += 0.5;
    }
}

/// The terms of a symbol's name (weight 1 each), repeats included.
pub fn name_terms(name: &str) -> Vec<String> {
    split_identifier(name)
        .into_iter()
        .filter(|w| keep(w))
        .collect()
}

/// The terms of a symbol's file path without its extension (weight ½
/// each), repeats included.
pub fn path_terms(path: &str) -> Vec<String> {
    let stem = path.rsplit_once('.').map_or(path, |(s, _)| s);
    stem.split('/')
        .flat_map(split_identifier)
        .filter(|w| keep(w))
        .collect()
}

/// The terms of groups of symbols, one document each: what
/// [`symbol_terms`] adds up over each group's members, with each term
/// split out once per distinct name and path and summed in one array
/// (the weights are multiples of ½, so sums are exact in any order).
pub fn group_terms(symbols: &[Symbol], groups: &[Vec<usize>]) -> Vec<BTreeMap<String, f64>> {
    let mut table = TermTable::default();
    let mut by_path: HashMap<&str, Vec<u32>> = HashMap::default();
    let mut by_name: HashMap<&str, Vec<u32>> = HashMap::default();
    let mut weight: Vec<f64> = Vec::new();
    let mut touched: Vec<u32> = Vec::new();
    let mut docs = Vec::with_capacity(groups.len());
    for members in groups {
        for &m in members {
            let s = &symbols[m];
            let name = by_name
                .entry(s.name.as_str())
                .or_insert_with(|| table.ids(name_terms(&s.name)));
            let path = by_path
                .entry(s.path.as_str())
                .or_insert_with(|| table.ids(path_terms(&s.path)));
            for (list, w) in [(&*name, 1.0), (&*path, 0.5)] {
                for &t in list {
                    let t = t as usize;
                    if t >= weight.len() {
                        weight.resize(t + 1, 0.0);
                    }
                    if weight[t] == 0.0 {
                        touched.push(t as u32);
                    }
                    weight[t] += w;
                }
            }
        }
        docs.push(
            touched
                .drain(..)
                .map(|t| {
                    let w = std::mem::take(&mut weight[t as usize]);
                    (table.terms[t as usize].clone(), w)
                })
                .collect(),
        );
    }
    docs
}

/// Terms numbered in order of first appearance.
#[derive(Default)]
struct TermTable {
    ids: HashMap<String, u32>,
    terms: Vec<String>,
}

impl TermTable {
    fn ids(&mut self, words: Vec<String>) -> Vec<u32> {
        words
            .into_iter()
            .map(|w| match self.ids.get(&w) {
                Some(&id) => id,
                None => {
                    let id = self.terms.len() as u32;
                    self.terms.push(w.clone());
                    self.ids.insert(w, id);
                    id
                }
            })
            .collect()
    }
}

/// The 5 best terms of each document (cluster), best first.
pub fn top_terms(docs: &[BTreeMap<String, f64>]) -> Vec<Vec<LabelTerm>> {
    let mut df: BTreeMap<&str, usize> = BTreeMap::new();
    for doc in docs {
        for term in doc.keys() {
            *df.entry(term).or_default() += 1;
        }
    }
    let n = docs.len() as f64;
    docs.iter()
        .map(|doc| {
            let total: f64 = doc.values().sum();
            let mut scored: Vec<(&String, f64)> = doc
                .iter()
                .map(|(t, w)| {
                    (
                        t,
                        w / total * (((1.0 + n) / (1.0 + df[t.as_str()] as f64)).ln() + 1.0),
                    )
                })
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
            scored
                .into_iter()
                .take(5)
                .map(|(t, s)| LabelTerm {
                    term: t.clone(),
                    score: fixed(s),
                })
                .collect()
        })
        .collect()
}

/// 1–3 words: the best term and the next two that score ≥ ½ of it.
pub fn label(terms: &[LabelTerm]) -> String {
    let Some(best) = terms.first() else {
        return "misc".to_string();
    };
    let words: Vec<&str> = terms
        .iter()
        .take(3)
        .filter(|t| t.score >= best.score / 2.0)
        .map(|t| t.term.as_str())
        .collect();
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_identifiers() {
        assert_eq!(
            split_identifier("parseHTTPRequest"),
            vec!["parse", "http", "request"]
        );
        assert_eq!(
            split_identifier("load_state_v2"),
            vec!["load", "state", "v2"]
        );
        assert_eq!(split_identifier("XMLParser"), vec!["xml", "parser"]);
        assert_eq!(split_identifier("__init__"), vec!["init"]);
    }

    /// The groups' documents are the members' terms added up one by one.
    #[test]
    fn group_terms_equal_the_members_terms_summed() {
        let symbol =
            |name: &str, path: &str| crate::input::function(name, path, doctown_core::Language::C);
        let symbols = vec![
            symbol("cache_lookup", "fs/cache/lookup.c"),
            symbol("cache_cache_insert", "fs/cache/lookup.c"),
            symbol("get", "src/test.rs"),
            symbol("inode_cache", "fs/inode.c"),
            symbol("cache_lookup", "fs/inode.c"),
        ];
        let groups = vec![vec![0, 1, 3], vec![2], vec![4, 0], vec![]];
        let docs = group_terms(&symbols, &groups);
        for (members, doc) in groups.iter().zip(&docs) {
            let mut expected = BTreeMap::new();
            members
                .iter()
                .for_each(|m| symbol_terms(&symbols[*m], &mut expected));
            assert_eq!(doc, &expected);
        }
        assert_eq!(docs[0]["cache"], 1.0 + 0.5 + 2.0 + 0.5 + 1.0);
        assert!(docs[1].is_empty() && docs[3].is_empty());
    }

    #[test]
    fn tfidf_prefers_distinctive_terms() {
        let doc = |pairs: &[(&str, f64)]| pairs.iter().map(|(t, w)| (t.to_string(), *w)).collect();
        let docs = vec![
            doc(&[("store", 3.0), ("cache", 1.0)]),
            doc(&[("cache", 3.0), ("graph", 2.0)]),
        ];
        let terms = top_terms(&docs);
        assert_eq!(terms[0][0].term, "store");
        assert_eq!(terms[1][0].term, "cache");
        assert_eq!(label(&terms[1]), "cache graph");
        assert_eq!(label(&[]), "misc");
    }
}

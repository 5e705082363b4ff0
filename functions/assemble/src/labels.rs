//! Cluster labels: TF-IDF over what each cluster's members are called.
//! Terms are the words of member names (camelCase, snake_case and digit
//! boundaries split, lower-cased). Path segments are not terms: a directory
//! says where code is, not what it does, and labels made of `common`,
//! `functions`, `src` told a reader nothing. Doc comments are not terms
//! either, on purpose: an edited comment would move the labels of clusters
//! all over the repository (the scores are relative), and with them the
//! summaries a one-file rebuild keeps. Stop-words — keywords and generic
//! names like `get`, `new`, `self` — are dropped. A cluster is a document; tf is a term's
//! share of the cluster's weight, idf = ln((1 + N) / (1 + df)) + 1, and a
//! term found in most clusters (more than half of four or more) names none.
//! The label is the best term plus up to two more scoring ≥ ½ of it; labels
//! are unique within a docpack ([`unique_labels`]), and a cluster with no
//! distinctive term says so instead of guessing.

use crate::artifacts::LabelTerm;
use crate::numeric::fixed;
use doctown_core::Symbol;
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;

const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "any", "app", "are", "arg", "args", "as", "async", "at", "await", "be",
    "bool", "by", "can", "cmd", "const", "crate", "def", "default", "do", "does", "dyn", "else",
    "enum", "err", "false", "fn", "for", "from", "func", "function", "get", "go", "has", "have",
    "if", "impl", "in", "index", "init", "int", "into", "is", "it", "its", "js", "jsx", "kwargs",
    "let", "lib", "main", "mod", "new", "none", "null", "of", "on", "or", "pkg", "pub", "py", "rs",
    "self", "set", "should", "some", "spec", "src", "str", "struct", "super", "test", "tests",
    "the", "this", "to", "trait", "true", "ts", "tsx", "type", "use", "util", "utils", "var",
    "was", "were", "will", "with",
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
}

/// The terms of a symbol's name (weight 1 each), repeats included.
pub fn name_terms(name: &str) -> Vec<String> {
    split_identifier(name)
        .into_iter()
        .filter(|w| keep(w))
        .collect()
}

/// The terms of groups of symbols, one document each: what
/// [`symbol_terms`] adds up over each group's members, with each name's
/// terms split out once per distinct name and summed in one array (whole
/// numbers, so sums are exact in any order).
pub fn group_terms(symbols: &[Symbol], groups: &[Vec<usize>]) -> Vec<BTreeMap<String, f64>> {
    let mut table = TermTable::default();
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
            for &t in name.iter() {
                let t = t as usize;
                if t >= weight.len() {
                    weight.resize(t + 1, 0.0);
                }
                if weight[t] == 0.0 {
                    touched.push(t as u32);
                }
                weight[t] += 1.0;
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

/// The 5 best terms of each document (cluster), best first; a term in more
/// than half of four or more documents is in none (it names them all).
pub fn top_terms(docs: &[BTreeMap<String, f64>]) -> Vec<Vec<LabelTerm>> {
    let mut df: BTreeMap<&str, usize> = BTreeMap::new();
    for doc in docs {
        for term in doc.keys() {
            *df.entry(term).or_default() += 1;
        }
    }
    let n = docs.len() as f64;
    let shared = |t: &str| docs.len() >= 4 && df[t] * 2 > docs.len();
    docs.iter()
        .map(|doc| {
            let total: f64 = doc.values().sum();
            let mut scored: Vec<(&String, f64)> = doc
                .iter()
                .filter(|(t, _)| !shared(t))
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

/// What a cluster without a distinctive term is called.
pub const NO_TERMS: &str = "no distinctive terms";

/// 1–3 words: the best term and the next two that score ≥ ½ of it.
pub fn label(terms: &[LabelTerm]) -> String {
    label_of(terms, 3)
}

/// The best term and up to `most - 1` more that score ≥ ½ of it; a term
/// that is another's plural or singular (`symbol`, `symbols`) is said once.
fn label_of(terms: &[LabelTerm], most: usize) -> String {
    let Some(best) = terms.first() else {
        return NO_TERMS.to_string();
    };
    let mut words: Vec<&str> = Vec::new();
    for t in terms.iter().filter(|t| t.score >= best.score / 2.0) {
        if words.len() == most {
            break;
        }
        if !words.iter().any(|w| one_word(w, &t.term)) {
            words.push(&t.term);
        }
    }
    words.join(" ")
}

/// Whether two terms are one word, singular and plural: `symbol` and
/// `symbols`, `match` and `matches`, `entry` and `entries`.
fn one_word(a: &str, b: &str) -> bool {
    let plural_of = |one: &str, many: &str| {
        many.strip_suffix('s') == Some(one)
            || many.strip_suffix("es") == Some(one)
            || (one.ends_with('y') && many.strip_suffix("ies") == Some(&one[..one.len() - 1]))
    };
    a == b || plural_of(a, b) || plural_of(b, a)
}

/// Every cluster's label, unique within the docpack: [`label`], then for
/// clusters that would share one, their labels with their next best term;
/// what is still shared, or has no term, is told apart by its most central
/// member (`central[c]`): "store (around `ObjectStore`)". The last resort
/// numbers them.
pub fn unique_labels(terms: &[Vec<LabelTerm>], central: &[&str]) -> Vec<String> {
    let count = |labels: &[String]| {
        let mut n: HashMap<String, usize> = HashMap::default();
        for l in labels {
            *n.entry(l.clone()).or_default() += 1;
        }
        n
    };
    let mut labels: Vec<String> = terms.iter().map(|t| label(t)).collect();
    let shared = count(&labels);
    for (c, l) in labels.iter_mut().enumerate() {
        if shared[l.as_str()] > 1 {
            // The cluster's next best term that its label does not have yet.
            let words: Vec<&str> = l.split(' ').collect();
            let new = |t: &&LabelTerm| !words.iter().any(|w| one_word(w, &t.term));
            if let Some(next) = terms[c].iter().find(new) {
                *l = format!("{l} {}", next.term);
            }
        }
    }
    let shared = count(&labels);
    for (c, l) in labels.iter_mut().enumerate() {
        let name = central.get(c).copied().unwrap_or_default();
        if (shared[l.as_str()] > 1 || terms[c].is_empty()) && !name.is_empty() {
            *l = format!("{l} (around `{name}`)");
        }
    }
    let mut seen: HashMap<String, usize> = HashMap::default();
    for l in labels.iter_mut() {
        let n = seen.entry(l.clone()).or_default();
        *n += 1;
        if *n > 1 {
            *l = format!("{l} #{n}");
        }
    }
    labels
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

    /// The groups' documents are the members' terms added up one by one;
    /// paths and doc comments add nothing.
    #[test]
    fn group_terms_equal_the_members_terms_summed() {
        let symbol =
            |name: &str, path: &str| crate::input::function(name, path, doctown_core::Language::C);
        let mut symbols = vec![
            symbol("cache_lookup", "fs/cache/lookup.c"),
            symbol("cache_cache_insert", "fs/cache/lookup.c"),
            symbol("get", "src/test.rs"),
            symbol("inode_cache", "fs/inode.c"),
            symbol("cache_lookup", "fs/inode.c"),
        ];
        symbols[3].doc = Some("Evicts the inode from the cache. Then more.".into());
        let groups = vec![vec![0, 1, 3], vec![2], vec![4, 0], vec![]];
        let docs = group_terms(&symbols, &groups);
        for (members, doc) in groups.iter().zip(&docs) {
            let mut expected = BTreeMap::new();
            members
                .iter()
                .for_each(|m| symbol_terms(&symbols[*m], &mut expected));
            assert_eq!(doc, &expected);
        }
        assert_eq!(docs[0]["cache"], 1.0 + 2.0 + 1.0);
        assert!(!docs[0].contains_key("fs") && !docs[0].contains_key("evicts"));
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
        assert_eq!(label(&[]), NO_TERMS);
    }

    #[test]
    fn a_term_in_most_clusters_names_none() {
        let doc = |pairs: &[(&str, f64)]| pairs.iter().map(|(t, w)| (t.to_string(), *w)).collect();
        let docs = vec![
            doc(&[("error", 5.0), ("store", 1.0)]),
            doc(&[("error", 5.0), ("graph", 1.0)]),
            doc(&[("error", 5.0), ("parse", 1.0)]),
            doc(&[("queue", 1.0)]),
        ];
        let terms = top_terms(&docs);
        assert_eq!(label(&terms[0]), "store");
        assert!(terms.iter().flatten().all(|t| t.term != "error"));
    }

    #[test]
    fn labels_are_unique_and_say_when_nothing_is_distinctive() {
        let term = |t: &str, score: f64| LabelTerm {
            term: t.into(),
            score,
        };
        let terms = vec![
            vec![term("store", 1.0), term("put", 0.9), term("s3", 0.2)],
            vec![term("store", 1.0), term("put", 0.9), term("local", 0.3)],
            vec![term("store", 1.0)],
            vec![term("store", 1.0)],
            vec![],
        ];
        let central = ["S3Store", "LocalStore", "a", "a", "ApiError::new"];
        let labels = unique_labels(&terms, &central);
        assert_eq!(labels[0], "store put s3");
        assert_eq!(labels[1], "store put local");
        assert_eq!(labels[2], "store (around `a`)");
        assert_eq!(labels[3], "store (around `a`) #2");
        assert_eq!(labels[4], "no distinctive terms (around `ApiError::new`)");
        let distinct: std::collections::BTreeSet<_> = labels.iter().collect();
        assert_eq!(distinct.len(), labels.len());
    }

    #[test]
    fn a_word_and_its_plural_are_said_once() {
        let term = |t: &str, score: f64| LabelTerm {
            term: t.into(),
            score,
        };
        let terms = [
            term("symbol", 1.0),
            term("symbols", 0.9),
            term("entries", 0.8),
            term("entry", 0.7),
            term("context", 0.6),
        ];
        assert_eq!(label(&terms), "symbol entries context");
        assert!(one_word("match", "matches") && one_word("entries", "entry"));
        assert!(!one_word("bus", "business") && !one_word("store", "restore"));
    }
}

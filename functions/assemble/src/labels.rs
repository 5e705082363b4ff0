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
    for w in split_identifier(&symbol.name)
        .into_iter()
        .filter(|w| keep(w))
    {
        *into.entry(w).or_default() += 1.0;
    }
    let stem = symbol
        .path
        .rsplit_once('.')
        .map_or(symbol.path.as_str(), |(s, _)| s);
    for w in stem
        .split('/')
        .flat_map(split_identifier)
        .filter(|w| keep(w))
    {
        *into.entry(w).or_default() += 0.5;
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

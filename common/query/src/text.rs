//! Terms for the lexical index and a token estimate for answers.
//!
//! A term is a lowercase identifier word (`parseHTTPRequest` → `parse`,
//! `http`, `request`) reduced by a light suffix stemmer, so that a query in
//! prose ("parses the headers") meets code (`parse_header`). Words that
//! carry no meaning in either prose or code (`the`, `self`, `fn`) are not
//! terms. The same function makes the terms of documents and of queries.

use doctown_docpack::tokens::tokens;

/// English function words and language keywords that every symbol has.
const STOP: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "if", "in", "into", "is", "it",
    "its", "of", "on", "or", "that", "the", "this", "to", "was", "will", "with", "which", "when",
    "then", "than", "these", "those", "there", "their", "we", "you", "can", "do", "does", "not",
    "no", "all", "any", "def", "fn", "func", "function", "pub", "self", "cls", "let", "const",
    "var", "return", "returns", "mut", "impl", "async", "await", "static", "export", "use",
];

/// The terms of a text, in order (duplicates kept: they count).
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_term(text, |t| out.push(t));
    out
}

/// Calls `f` with each term of `text`.
pub fn for_each_term(text: &str, mut f: impl FnMut(String)) {
    for token in tokens(text) {
        if token.len() < 2 || STOP.contains(&token.as_str()) {
            continue;
        }
        f(stem(&token));
    }
}

/// A light suffix stemmer: plurals, `-ing`, `-ed`, a final `e`. Enough for
/// `parse`, `parses`, `parsed`, `parsing` and `parser`'s neighbours to meet;
/// no dictionary, no surprises on identifiers.
pub fn stem(word: &str) -> String {
    let mut w = word;
    let owned;
    if w.len() > 4 && w.ends_with("ies") {
        owned = format!("{}y", &w[..w.len() - 3]);
        return owned;
    }
    if w.len() > 4 && w.ends_with("sses") {
        w = &w[..w.len() - 2];
    } else if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") {
        w = &w[..w.len() - 1];
    }
    if w.len() > 5 && w.ends_with("ing") {
        w = &w[..w.len() - 3];
    } else if w.len() > 4 && w.ends_with("ed") {
        w = &w[..w.len() - 2];
    }
    if w.len() > 3 && w.ends_with('e') {
        w = &w[..w.len() - 1];
    }
    w.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_and_identifiers_meet() {
        assert_eq!(terms("Parses the headers"), ["pars", "header"]);
        assert_eq!(terms("parse_header"), ["pars", "header"]);
        assert_eq!(terms("parsing"), ["pars"]);
        assert_eq!(terms("parsed"), ["pars"]);
        assert_eq!(terms("Dependencies"), ["dependency"]);
        assert_eq!(terms("fn self class"), ["class"]);
        assert_eq!(terms("status bus"), ["status", "bus"]);
    }

    #[test]
    fn short_and_stop_words_are_not_terms() {
        assert!(terms("a to the of x").is_empty());
    }
}

//! Words of code: identifier tokens for name matching (`parseHTTPRequest`,
//! `parse_http_request` and `ParseHttp::request` all give `parse`, `http`,
//! `request`), and a symbol's `words` — the vocabulary of its own code that
//! its name, signature and doc comment do not already say, which a lexical
//! index needs once the code itself is gone (a docpack holds no source).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// The most words a symbol keeps.
pub const MAX_WORDS: usize = 48;
/// Longer tokens are not words (hashes, base64, minified code).
const MAX_WORD_LEN: usize = 32;

/// Keywords of the languages read and words every piece of code repeats:
/// they say nothing of what a symbol does.
const NOISE: &[&str] = &[
    "as",
    "async",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "crate",
    "def",
    "default",
    "defer",
    "del",
    "elif",
    "else",
    "enum",
    "err",
    "except",
    "export",
    "extends",
    "false",
    "finally",
    "fn",
    "for",
    "from",
    "func",
    "function",
    "go",
    "if",
    "impl",
    "import",
    "in",
    "interface",
    "is",
    "let",
    "loop",
    "match",
    "mod",
    "mut",
    "new",
    "nil",
    "none",
    "not",
    "null",
    "of",
    "ok",
    "or",
    "and",
    "package",
    "pass",
    "pub",
    "raise",
    "ref",
    "return",
    "self",
    "static",
    "struct",
    "super",
    "switch",
    "this",
    "throw",
    "trait",
    "true",
    "try",
    "type",
    "typeof",
    "undefined",
    "unwrap",
    "use",
    "var",
    "void",
    "where",
    "while",
    "with",
    "yield",
    "the",
    "an",
    "to",
    "be",
    "it",
    "at",
    "by",
    "on",
    "cls",
    "args",
    "kwargs",
    "instanceof",
    "readonly",
    "public",
    "private",
    "protected",
    "lambda",
    "global",
    "dyn",
    "where",
    "todo",
];

/// The words of a symbol's own code, most used first (first use breaking
/// ties), at most `cap`, space-separated: lowercase [`tokens`] of `code`
/// (its text with nested symbols cut out, as pieces) that are at least two
/// characters, not only digits, not keywords, and not among the tokens of
/// `known` (the name, signature and doc comment, which are fields of their
/// own).
pub fn code_words<'a>(
    code: impl IntoIterator<Item = &'a str>,
    known: &[&str],
    cap: usize,
) -> String {
    let mut said: HashSet<String> = HashSet::new();
    for text in known {
        for_each_token(text, |t| {
            if !said.contains(t) {
                said.insert(t.to_string());
            }
        });
    }
    let noise = noise();
    // word → (uses, first use)
    let mut counts: HashMap<String, (u32, u32)> = HashMap::new();
    let mut order = 0u32;
    for piece in code {
        for_each_token(piece, |token| {
            if token.len() < 2
                || token.len() > MAX_WORD_LEN
                || token.bytes().all(|b| b.is_ascii_digit())
                || noise.contains(token)
                || said.contains(token)
            {
                return;
            }
            match counts.get_mut(token) {
                Some(entry) => entry.0 += 1,
                None => {
                    counts.insert(token.to_string(), (1, order));
                }
            }
            order += 1;
        });
    }
    let mut ranked: Vec<(String, (u32, u32))> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.1 .1.cmp(&b.1 .1)));
    ranked.truncate(cap);
    let words: Vec<String> = ranked.into_iter().map(|(w, _)| w).collect();
    words.join(" ")
}

/// [`NOISE`] as a set, built once: every token of every symbol is looked up.
fn noise() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| NOISE.iter().copied().collect())
}

/// Lowercase word tokens of an identifier or query: split on every
/// non-alphanumeric character and on case changes (`aB` and `ABc` → `A|Bc`);
/// digits stay attached to the word they follow.
pub fn tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_token(s, |t| out.push(t.to_string()));
    out
}

/// Calls `f` with each of [`tokens`]' tokens of `s`, in order, through one
/// reused buffer: extraction splits every symbol's code this way, so it
/// allocates only for the words it keeps.
pub fn for_each_token(s: &str, mut f: impl FnMut(&str)) {
    for_each_token_while(s, |t| {
        f(t);
        true
    });
}

/// [`for_each_token`] until `f` returns false (a caller that keeps a
/// prefix of the words stops reading there).
pub fn for_each_token_while(s: &str, mut f: impl FnMut(&str) -> bool) {
    let mut cur = String::new();
    let mut prev: Option<char> = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                if !f(&cur) {
                    return;
                }
                cur.clear();
            }
            prev = Some(c);
            continue;
        }
        if let Some(prev) = prev {
            let next_lower = chars.peek().is_some_and(|n| n.is_lowercase());
            let boundary = c.is_uppercase()
                && (prev.is_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_uppercase() && next_lower));
            if boundary && !cur.is_empty() {
                if !f(&cur) {
                    return;
                }
                cur.clear();
            }
        }
        cur.extend(c.to_lowercase());
        prev = Some(c);
    }
    if !cur.is_empty() {
        f(&cur);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_identifiers() {
        assert_eq!(tokens("parseHTTPRequest"), ["parse", "http", "request"]);
        assert_eq!(tokens("parse_http_request"), ["parse", "http", "request"]);
        assert_eq!(tokens("ParseHttp::request"), ["parse", "http", "request"]);
        assert_eq!(tokens("utf8Decode v2"), ["utf8", "decode", "v2"]);
        assert!(tokens("::").is_empty());
        assert_eq!(tokens("HTTPServer2Go"), ["http", "server2", "go"]);
        assert_eq!(tokens("ÉtéX x__Y"), ["été", "x", "x", "y"]);
    }

    #[test]
    fn code_words_are_what_the_declaration_does_not_say() {
        let code = ["def parse_header(line):\n    \"\"\"Reads a header.\"\"\"\n    name, value = line.split(':', 1)\n    if not value:\n        raise ValueError('empty header value')\n    return name.strip(), value.strip()"];
        let words = code_words(
            code,
            &["parse_header", "def parse_header(line)", "Reads a header."],
            MAX_WORDS,
        );
        // `value` (4 uses) first, then by first use; the name, the
        // parameter, the doc's words and keywords are left out.
        assert_eq!(words, "value name strip split error empty");
        assert_eq!(code_words(code, &[], 2), "value header");
        assert_eq!(
            code_words(["if x { 42 }", "0xdeadbeef"], &[], 10),
            "0xdeadbeef"
        );
        assert_eq!(code_words(Vec::<&str>::new(), &[], 10), "");
    }
}

//! Cyclomatic complexity from source text: 1 + the decision points of a
//! function, counted per language on the text with strings and comments
//! blanked out (a cheap lexer, not a parser):
//!
//! | language | decision points |
//! |---|---|
//! | Rust | `if`, `for`, `while`, `match` arms (`=>`), `&&`, `\|\|`, `?` |
//! | Python | `if`, `elif`, `for`, `while`, `except`, `case`, `and`, `or` |
//! | TS/JS | `if`, `for`, `while`, `case`, `catch`, `&&`, `\|\|`, `??`, `?` (not `?.`) |
//! | Go | `if`, `for`, `case`, `&&`, `\|\|` |
//!
//! `else if` counts once (its `if`). A TypeScript optional member `x?: T`
//! counts as a `?`; that over-count is the price of not parsing.

use crate::Language;

/// Cyclomatic complexity of a function whose chunks had `decisions` decision points.
pub fn cyclomatic(decisions: u32) -> u32 {
    decisions.saturating_add(1)
}

/// Counts the decision points in `text`.
pub fn decision_points(text: &str, language: Language) -> u32 {
    let code = strip(text, language);
    let keywords: &[&str] = match language {
        Language::Rust => &["if", "for", "while"],
        Language::Python => &["if", "elif", "for", "while", "except", "case", "and", "or"],
        Language::TypeScript | Language::Tsx | Language::JavaScript => {
            &["if", "for", "while", "case", "catch"]
        }
        Language::Go => &["if", "for", "case"],
        Language::Ruby => &[
            "if", "elsif", "unless", "while", "until", "for", "when", "rescue", "and", "or",
        ],
        Language::Bash => &["if", "elif", "for", "while", "until"],
        Language::Lua => &["if", "elseif", "for", "while", "repeat", "and", "or"],
        Language::Elixir => &[
            "if", "unless", "case", "cond", "with", "rescue", "and", "or",
        ],
        Language::Haskell => &["if", "case", "where"],
        Language::OCaml => &["if", "match", "when", "while", "for", "try"],
        Language::Kotlin => &["if", "for", "while", "when", "catch"],
        Language::Erlang => &[
            "if", "case", "receive", "catch", "when", "andalso", "orelse",
        ],
        Language::Proto | Language::Sql => &[],
        // C, C++, Objective-C, Java, C#, PHP, Swift, Scala, Dart, Zig.
        _ => &["if", "for", "while", "case", "catch"],
    };
    let words = code
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| keywords.contains(w))
        .count();
    (words + operators(&code, language)) as u32
}

fn operators(code: &str, language: Language) -> usize {
    let b = code.as_bytes();
    let mut count = 0;
    let mut i = 0;
    while i < b.len() {
        let next = b.get(i + 1).copied().unwrap_or(0);
        let two = (b[i], next);
        let step = match (language, two) {
            (Language::Python, _) => 1,
            (_, (b'&', b'&')) | (_, (b'|', b'|')) => {
                count += 1;
                2
            }
            (Language::Rust, (b'=', b'>')) => {
                count += 1;
                2
            }
            (Language::Rust, (b'?', _)) => {
                count += 1;
                1
            }
            (Language::TypeScript | Language::Tsx | Language::JavaScript, (b'?', b'?')) => {
                count += 1;
                2
            }
            (Language::TypeScript | Language::Tsx | Language::JavaScript, (b'?', n))
                if n != b'.' =>
            {
                count += 1;
                1
            }
            _ => 1,
        };
        i += step;
    }
    count
}

/// The text with string literals and comments replaced by spaces.
fn strip(text: &str, language: Language) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let hash_comments = matches!(
        language,
        Language::Python | Language::Ruby | Language::Bash | Language::Elixir
    );
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied().unwrap_or(0);
        let skip_to = if hash_comments && c == b'#' || !hash_comments && c == b'/' && next == b'/' {
            find_from(b, i, b"\n")
        } else if !hash_comments && c == b'/' && next == b'*' {
            find_from(b, i + 2, b"*/").map(|e| e + 2).or(Some(b.len()))
        } else if hash_comments && (b[i..].starts_with(b"\"\"\"") || b[i..].starts_with(b"'''")) {
            find_from(b, i + 3, &b[i..i + 3])
                .map(|e| e + 3)
                .or(Some(b.len()))
        } else if c == b'"' || c == b'`' && language != Language::Rust {
            Some(string_end(b, i, c))
        } else if c == b'\'' {
            char_end(b, i, language)
        } else {
            None
        };
        match skip_to {
            Some(end) if end > i => {
                out.push(b' ');
                i = end.min(b.len());
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn find_from(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
        .or(Some(b.len()))
}

/// The index after the closing `quote` of the string starting at `start`.
fn string_end(b: &[u8], start: usize, quote: u8) -> usize {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// A `'…'` literal: a string everywhere but Rust, where it is a char literal
/// only when it closes within a few bytes (else a lifetime).
fn char_end(b: &[u8], start: usize, language: Language) -> Option<usize> {
    if language != Language::Rust {
        return Some(string_end(b, start, b'\''));
    }
    let window = &b[start + 1..b.len().min(start + 12)];
    let close = if window.first() == Some(&b'\\') {
        window
            .iter()
            .skip(2)
            .position(|c| *c == b'\'')
            .map(|p| p + 2)
    } else {
        window
            .iter()
            .take(5)
            .position(|c| *c == b'\'')
            .filter(|p| *p > 0)
    };
    close.map(|p| start + 1 + p + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_counts() {
        let text = r#"fn f<'a>(x: &'a str) -> Result<u8, E> {
            // if this comment counted it would be wrong
            let s = "if && || while";
            let c = '?';
            if x.is_empty() && true { return Ok(1); } else if x.len() > 3 || false { g()?; }
            for _ in 0..3 {}
            match x { "a" => 1, _ => 2 };
            Ok(0)
        }"#;
        // if, &&, else-if's if, ||, ?, for, two arms
        assert_eq!(decision_points(text, Language::Rust), 8);
    }

    #[test]
    fn python_counts() {
        let text = "def f(x):\n    \"\"\"if and or\"\"\"\n    # if\n    if x and y:\n        pass\n    elif z or w:\n        pass\n    try:\n        pass\n    except E:\n        pass\n    return [a for a in x if a]\n";
        assert_eq!(decision_points(text, Language::Python), 7);
    }

    #[test]
    fn ecma_and_go_counts() {
        let ts = "function f(a) { /* if */ const s = `if ${a}`; if (a?.b ?? c) { return a ? 1 : 2 } switch (a) { case 1: break; case 2: break } try {} catch (e) {} }";
        assert_eq!(decision_points(ts, Language::TypeScript), 6);
        let go = "func f(a int) int {\n\t// for\n\tfor i := 0; i < a && a > 0; i++ {\n\t\tif a == 1 || a == 2 { return 1 }\n\t}\n\tswitch a {\n\tcase 1:\n\tdefault:\n\t}\n\treturn 0\n}";
        assert_eq!(decision_points(go, Language::Go), 5);
        assert_eq!(cyclomatic(0), 1);
    }
}

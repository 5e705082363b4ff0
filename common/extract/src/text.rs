//! Text helpers: whitespace collapsing with caps, signature cleaning, and
//! doc comment cleaning. All bounded: they never scan past what they keep.

/// The longest signature kept, in characters (an ellipsis marks a cut).
pub const SIGNATURE_CAP: usize = 300;
/// The longest callee or qualifier kept, in characters.
pub const CALLEE_CAP: usize = 120;
/// The longest initialiser kept verbatim in a constant's or variable's signature.
pub const INITIALISER_CAP: usize = 60;

/// Collapses runs of whitespace to one space, trims both ends and stops at
/// `cap` characters (appending `…` when cut).
pub fn collapse(text: &str, cap: usize) -> String {
    let mut out = String::with_capacity(text.len().min(cap + 4));
    let mut count = 0;
    let mut pending_space = false;
    for ch in text.chars() {
        if ch.is_whitespace() {
            pending_space = count > 0;
            continue;
        }
        if pending_space {
            if count + 1 >= cap {
                out.push('…');
                return out;
            }
            out.push(' ');
            count += 1;
            pending_space = false;
        }
        if count >= cap {
            out.push('…');
            return out;
        }
        out.push(ch);
        count += 1;
    }
    out
}

/// Removes all whitespace and stops at `cap` characters (appending `…`).
pub fn compact(text: &str, cap: usize) -> String {
    // Most callees are short and unspaced: one exact allocation.
    if text.len() <= cap && !text.contains(char::is_whitespace) {
        return text.to_string();
    }
    // Sized up front: these strings live until the repository is resolved,
    // and growing by pushes would leave up to half of each unused.
    let mut out = String::with_capacity(text.len().min(cap.saturating_mul(4)) + '…'.len_utf8());
    for (count, ch) in text.chars().filter(|c| !c.is_whitespace()).enumerate() {
        if count >= cap {
            out.push('…');
            break;
        }
        out.push(ch);
    }
    out.shrink_to_fit();
    out
}

/// A declaration head as a signature: whitespace collapsed, capped, and
/// without the trailing `{`, `;`, `:` or `=` that introduced the body.
pub fn signature(head: &str) -> String {
    let mut sig = collapse(head, SIGNATURE_CAP);
    while let Some(last) = sig.chars().last() {
        if matches!(last, '{' | ';' | ':' | '=' | ',') || last.is_whitespace() {
            sig.pop();
        } else {
            break;
        }
    }
    sig
}

/// A signature for a binding: `head = value` when the value is short,
/// `head = …` otherwise.
pub fn binding_signature(head: &str, value: Option<&str>) -> String {
    let head = signature(head);
    match value {
        None => head,
        Some(value) => {
            let short = collapse(value, INITIALISER_CAP + 1);
            if short.chars().count() > INITIALISER_CAP || short.ends_with('…') {
                signature(&format!("{head} = …"))
            } else {
                signature(&format!("{head} = {short}"))
            }
        }
    }
}

/// Whether a name can be a type or trait of the repository: capitalised,
/// one identifier (`Store`, not `str`, `Vec<T>` or `fn(u8)`).
pub fn is_type_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Whether a name is written in UPPER_CASE (at least one letter, no lowercase).
pub fn is_upper_case(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Cleans `///` and `/** */` style comments (Rust, JSDoc) and `//` (Go):
/// markers removed, common indentation removed, blank edges trimmed.
pub fn clean_comment_lines<'a>(comments: impl IntoIterator<Item = &'a str>) -> Option<String> {
    const SLASHES: CommentStyle = CommentStyle {
        line: &["//"],
        block: &[("/*", "*/")],
    };
    clean_styled_comments(&SLASHES, comments)
}

/// How a language writes comments: line markers (`//`, `#`, `--`, `;`)
/// and block delimiters (`/*` … `*/`, `(*` … `*)`, `{-` … `-}`).
pub struct CommentStyle {
    pub line: &'static [&'static str],
    pub block: &'static [(&'static str, &'static str)],
}

/// Cleans comments written in `style`: markers removed (a run of a line
/// marker's first character, then `!`), block delimiters and each block
/// line's leading `*` removed, common indentation removed, blank edges
/// trimmed.
pub fn clean_styled_comments<'a>(
    style: &CommentStyle,
    comments: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut lines: Vec<String> = Vec::new();
    for comment in comments {
        let comment = comment.trim();
        let block = style
            .block
            .iter()
            .find_map(|(open, close)| Some((comment.strip_prefix(open)?, *close)));
        if let Some((body, close)) = block {
            let body = body.strip_suffix(close).unwrap_or(body);
            let body = body.trim_start_matches(['*', '!', '|', '-']);
            for line in body.lines() {
                let line = line.trim_start();
                let line = line.strip_prefix('*').unwrap_or(line);
                lines.push(line.trim_end().to_string());
            }
            continue;
        }
        for line in comment.lines() {
            let line = line.trim();
            let body = style
                .line
                .iter()
                .find(|m| line.starts_with(**m))
                .and_then(|m| m.chars().next())
                .map(|c| line.trim_start_matches(c))
                .unwrap_or(line);
            let body = body.strip_prefix('!').unwrap_or(body);
            // Haddock's `-- |`.
            let body = body.trim_start().strip_prefix('|').unwrap_or(body);
            lines.push(body.trim_end().to_string());
        }
    }
    finish_doc(lines)
}

/// Cleans a Python docstring literal: prefix and quotes removed, then
/// dedented like `inspect.cleandoc`.
pub fn clean_docstring(literal: &str) -> Option<String> {
    let body = literal.trim_start_matches(['r', 'R', 'u', 'U', 'b', 'B', 'f', 'F']);
    let body = ["\"\"\"", "'''", "\"", "'"]
        .iter()
        .find_map(|q| body.strip_prefix(q).and_then(|b| b.strip_suffix(q)))
        .unwrap_or(body);
    let mut lines = body.lines();
    let first = lines.next().unwrap_or("").trim().to_string();
    let mut all = vec![first];
    all.extend(lines.map(|l| l.trim_end().to_string()));
    finish_doc(all)
}

fn finish_doc(mut lines: Vec<String>) -> Option<String> {
    // Remove the common indentation of the non-blank lines after the first.
    let indent = lines
        .iter()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let first_indent = lines
        .first()
        .map(|l| l.len() - l.trim_start().len())
        .unwrap_or(0);
    for (i, line) in lines.iter_mut().enumerate() {
        let cut = if i == 0 {
            first_indent.min(indent.max(1))
        } else {
            indent
        };
        if line.len() >= cut && line.is_char_boundary(cut) {
            *line = line[cut..].to_string();
        } else {
            *line = line.trim_start().to_string();
        }
    }
    while lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let text = lines.join("\n");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// The last segment of a type, without generics, references or paths:
/// `&'a mut crate::x::Foo<T>` → `Foo`.
pub(crate) fn base_type_name(ty: &str) -> &str {
    let ty = ty.split('<').next().unwrap_or(ty);
    let ty = ty.rsplit("::").next().unwrap_or(ty);
    let ty = ty
        .rsplit(|c: char| c.is_whitespace() || c == '&' || c == '*')
        .next()
        .unwrap_or(ty);
    ty.trim()
}

/// A callee as written, without whitespace; one longer than `cap`
/// characters keeps its end (`…).arg(a).get_matches`): the end names the
/// call, and the calls of one builder chain, which share their start, stay
/// apart (call resolution keys a caller's calls by this text).
pub fn compact_tail(text: &str, cap: usize) -> String {
    let count = text.chars().filter(|c| !c.is_whitespace()).count();
    if count <= cap {
        return compact(text, cap);
    }
    let mut out = String::with_capacity(cap * 2 + '…'.len_utf8());
    out.push('…');
    out.extend(
        text.chars()
            .filter(|c| !c.is_whitespace())
            .skip(count - cap),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapse_caps_and_trims() {
        assert_eq!(collapse("  fn   f(\n  a: u32,\n) ", 100), "fn f( a: u32, )");
        assert_eq!(collapse("abcdef", 3), "abc…");
        assert_eq!(compact("self . store\n.get", 100), "self.store.get");
        assert_eq!(compact("abcdef", 2), "ab…");
        assert_eq!(compact_tail("a . b\n.get", 100), "a.b.get");
        assert_eq!(compact_tail("abc.def", 3), "…def");
    }

    #[test]
    fn signatures_drop_body_openers() {
        assert_eq!(
            signature("pub fn run(&self) -> u32 {"),
            "pub fn run(&self) -> u32"
        );
        assert_eq!(signature("def f(x: int) -> str:"), "def f(x: int) -> str");
        assert_eq!(signature("fn sig();  "), "fn sig()");
        let long = format!("fn f({})", "a: u32, ".repeat(100));
        assert_eq!(signature(&long).chars().count(), SIGNATURE_CAP + 1);
        assert_eq!(
            binding_signature("pub const N: usize", Some("10")),
            "pub const N: usize = 10"
        );
        let long_value = "[".to_string() + &"1, ".repeat(100) + "]";
        assert_eq!(
            binding_signature("const T: [u8; 100]", Some(&long_value)),
            "const T: [u8; 100] = …"
        );
        assert_eq!(binding_signature("let x", None), "let x");
    }

    #[test]
    fn comments_are_cleaned() {
        assert_eq!(
            clean_comment_lines([
                "/// Adds two numbers.",
                "///",
                "/// # Panics",
                "///   never"
            ])
            .as_deref(),
            Some("Adds two numbers.\n\n# Panics\n  never")
        );
        assert_eq!(
            clean_comment_lines(["/**\n * Fetches a user.\n * @param id the id\n */"]).as_deref(),
            Some("Fetches a user.\n@param id the id")
        );
        assert_eq!(
            clean_comment_lines(["// Server serves."]).as_deref(),
            Some("Server serves.")
        );
        assert_eq!(clean_comment_lines(["///", "///   "]), None);
    }

    #[test]
    fn docstrings_are_dedented() {
        let doc = "\"\"\"Load a file.\n\n    Args:\n        path: where\n    \"\"\"";
        assert_eq!(
            clean_docstring(doc).as_deref(),
            Some("Load a file.\n\nArgs:\n    path: where")
        );
        assert_eq!(clean_docstring("'one line'").as_deref(), Some("one line"));
        assert_eq!(clean_docstring("r\"\"\"  \"\"\""), None);
    }

    #[test]
    fn upper_case_names() {
        assert!(is_upper_case("MAX_SIZE"));
        assert!(is_upper_case("V2"));
        assert!(!is_upper_case("__all__"));
        assert!(!is_upper_case("Config"));
        assert!(!is_upper_case("_"));
    }
}

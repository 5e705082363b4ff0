//! Tool results: the rendering cut to a bounded size with its token count,
//! the answer as structured content, and errors as one-line results.

use doctown_query::tokens::budget_tokens;
use doctown_query::QueryError;
use rmcp::model::{CallToolResult, ContentBlock};
use serde::Serialize;

/// The most tokens a result's text holds (`o200k_base`, as every budget
/// counts: `doctown_query::tokens::budget_tokens`); the rest is cut.
pub const MAX_TOKENS: usize = 6_000;
/// Room kept for the note that says the text was cut, and the token line.
const RESERVE_TOKENS: usize = 60;
/// Text longer than this many bytes a token is not counted whole: no
/// tokenizer packs more bytes than that into one token of code or prose.
const MAX_BYTES_PER_TOKEN: usize = 16;

/// A successful result: `text` (cut to the bound) ending with `(N tokens)`,
/// and `answer` as structured content when it fits twice the bound.
pub fn success<T: Serialize>(text: &str, answer: &T) -> CallToolResult {
    let mut text = bounded(text);
    let structured = serde_json::to_value(answer).ok().filter(|v| {
        let json = v.to_string();
        json.len() <= MAX_TOKENS * 2 * MAX_BYTES_PER_TOKEN && budget_tokens(&json) <= MAX_TOKENS * 2
    });
    if structured.is_none() {
        text.push_str("(the structured answer is left out: it is larger than the bound)\n");
    }
    let mut result = CallToolResult::success(vec![ContentBlock::text(with_tokens(text))]);
    result.structured_content = structured;
    result
}

/// A question the engine could not answer: one line, `isError: true`.
pub fn query_error(error: &QueryError) -> CallToolResult {
    error_line(&error.to_string())
}

/// A failure as a one-line error result.
pub fn error_line(message: &str) -> CallToolResult {
    let line: String = message
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(2_000)
        .collect();
    CallToolResult::error(vec![ContentBlock::text(line)])
}

/// `text` cut at a line boundary to fit [`MAX_TOKENS`], saying so when cut.
/// Always ends with a newline.
pub fn bounded(text: &str) -> String {
    let room = MAX_TOKENS - RESERVE_TOKENS;
    let short = text.len() <= room * MAX_BYTES_PER_TOKEN;
    let mut out = if short && budget_tokens(text) <= room {
        text.to_string()
    } else {
        let kept = within(text, room);
        let rest = &text[kept.len()..];
        // A long rest is estimated: counting megabytes is not worth it.
        let omitted = match rest.len() {
            n if n <= 1 << 18 => budget_tokens(rest).to_string(),
            n => format!("about {}", n / 4),
        };
        format!(
            "{kept}\n… cut here: {omitted} more tokens are left out (results are bounded at \
             {MAX_TOKENS} tokens); page with offset/limit or ask a narrower question\n"
        )
    };
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The longest head of `text` that fits `room` tokens: whole lines while
/// they fit (each counted once), then, when not even the first line fits,
/// as many characters of it as do.
fn within(text: &str, room: usize) -> &str {
    let mut used = 0;
    let mut end = 0;
    for line in text.split_inclusive('\n') {
        let tokens = budget_tokens(line);
        if used + tokens > room {
            break;
        }
        used += tokens;
        end += line.len();
    }
    if end > 0 {
        return text[..end].trim_end_matches('\n');
    }
    // One line too long for the bound: halve until a head of it fits.
    let mut cut = text.len().min(room * MAX_BYTES_PER_TOKEN);
    loop {
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        if cut == 0 || budget_tokens(&text[..cut]) <= room {
            return &text[..cut];
        }
        cut /= 2;
    }
}

/// Appends the last line, `(N tokens)`, counting the text above it.
fn with_tokens(mut text: String) -> String {
    let n = budget_tokens(&text);
    text.push_str(&format!("({n} tokens)"));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_and_counted() {
        let r = success("a line\n", &serde_json::json!({"a": 1}));
        let text = r.content[0].as_text().unwrap().text.clone();
        assert_eq!(text, "a line\n(3 tokens)");
        assert_eq!(r.structured_content, Some(serde_json::json!({"a": 1})));
        assert_eq!(r.is_error, Some(false));
    }

    #[test]
    fn long_text_is_cut_at_a_line_and_says_so() {
        let long: String = (0..20_000).map(|i| format!("line {i}\n")).collect();
        let text = bounded(&long);
        assert!(
            budget_tokens(&text) <= MAX_TOKENS,
            "{}",
            budget_tokens(&text)
        );
        assert!(
            budget_tokens(&text) > MAX_TOKENS * 9 / 10,
            "the bound is used"
        );
        assert!(text.contains("… cut here"), "{text}");
        let before_note = text.split("\n… cut here").next().unwrap();
        assert!(before_note.ends_with(|c: char| c.is_ascii_digit()));
        // One long line with no breaks is cut too, at a character boundary.
        let wide = "é".repeat(100_000);
        let cut = bounded(&wide);
        assert!(budget_tokens(&cut) <= MAX_TOKENS, "{}", budget_tokens(&cut));
        assert!(cut.starts_with("éé") && cut.contains("… cut here"));
    }

    #[test]
    fn errors_are_one_line() {
        let r = error_line("no symbol \"x\"\nsecond line");
        let text = &r.content[0].as_text().unwrap().text;
        assert_eq!(text, "no symbol \"x\" second line");
        assert_eq!(r.is_error, Some(true));
    }
}

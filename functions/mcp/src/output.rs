//! Tool results: the rendering cut to a bounded size with its token count,
//! the answer as structured content, and errors as one-line results.

use doctown_query::text::approx_tokens;
use doctown_query::QueryError;
use rmcp::model::{CallToolResult, ContentBlock};
use serde::Serialize;

/// The most tokens (estimated) a result's text holds; the rest is cut.
pub const MAX_TOKENS: usize = 6_000;
/// Characters that hold [`MAX_TOKENS`] tokens by `approx_tokens`' measure.
const MAX_CHARS: usize = MAX_TOKENS * 4;
/// Room kept for the note that says the text was cut, and the token line.
const RESERVE_CHARS: usize = 200;

/// A successful result: `text` (cut to the bound) ending with `(~N tokens)`,
/// and `answer` as structured content when it fits the bound too.
pub fn success<T: Serialize>(text: &str, answer: &T) -> CallToolResult {
    let mut text = bounded(text);
    let structured = serde_json::to_value(answer)
        .ok()
        .filter(|v| approx_tokens(&v.to_string()) <= MAX_TOKENS * 2);
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
    let mut out = String::with_capacity(text.len().min(MAX_CHARS) + 1);
    let room = MAX_CHARS - RESERVE_CHARS;
    let chars = text.chars().count();
    if chars < room {
        out.push_str(text);
    } else {
        let cut: String = text.chars().take(room).collect();
        let kept = match cut.rfind('\n') {
            Some(k) if k > room / 2 => &cut[..k],
            _ => cut.as_str(),
        };
        let omitted = chars - kept.chars().count();
        out.push_str(kept);
        out.push_str(&format!(
            "\n… cut here: ~{} more tokens are left out (results are bounded at ~{MAX_TOKENS} tokens); \
             page with offset/limit or ask a narrower question\n",
            omitted.div_ceil(4)
        ));
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Appends the last line, `(~N tokens)`, counting the text above it.
fn with_tokens(mut text: String) -> String {
    let n = approx_tokens(&text);
    text.push_str(&format!("(~{n} tokens)"));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_and_counted() {
        let r = success("a line\n", &serde_json::json!({"a": 1}));
        let text = r.content[0].as_text().unwrap().text.clone();
        assert_eq!(text, "a line\n(~2 tokens)");
        assert_eq!(r.structured_content, Some(serde_json::json!({"a": 1})));
        assert_eq!(r.is_error, Some(false));
    }

    #[test]
    fn long_text_is_cut_at_a_line_and_says_so() {
        let long: String = (0..20_000).map(|i| format!("line {i}\n")).collect();
        let text = bounded(&long);
        assert!(
            approx_tokens(&text) <= MAX_TOKENS,
            "{}",
            approx_tokens(&text)
        );
        assert!(text.contains("… cut here"), "{text}");
        let before_note = text.split("\n… cut here").next().unwrap();
        assert!(before_note.ends_with(|c: char| c.is_ascii_digit()));
        // One long line with no breaks is cut too, at a character boundary.
        let wide = "é".repeat(100_000);
        assert!(approx_tokens(&bounded(&wide)) <= MAX_TOKENS);
    }

    #[test]
    fn errors_are_one_line() {
        let r = error_line("no symbol \"x\"\nsecond line");
        let text = &r.content[0].as_text().unwrap().text;
        assert_eq!(text, "no symbol \"x\" second line");
        assert_eq!(r.is_error, Some(true));
    }
}

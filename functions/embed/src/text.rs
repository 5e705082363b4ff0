//! What is embedded for a chunk, and the key it is cached under.
//!
//! The embedded text is a compact header followed by the code:
//!
//! ```text
//! src/store/local.rs method LocalStore::put
//! Writes an object, replacing any previous one.
//! fn put(&self, key: &str, bytes: &[u8]) -> Result<Etag, StoreError> { … }
//! ```
//!
//! - line 1: path, symbol kind (or `file`), qualified name, and `part i/n`
//!   for a piece of a split symbol — where the code lives and what it is,
//!   which the body alone often does not say;
//! - the signature, only when the body does not contain it (later parts of
//!   a split symbol), so that every part says whose part it is;
//! - the first line of the doc comment, only when the body does not already
//!   contain it: the author's own summary is the best semantic signal;
//! - the body with every run of whitespace collapsed to one space. The
//!   tokenizer splits on whitespace anyway, so collapsing changes no token,
//!   but it makes re-indented code hash (and cache) the same, and shortens
//!   the text. The body is cut at `8 × max_length` characters: past any
//!   point truncation to `max_length` tokens could reach, so cutting changes
//!   nothing but saves tokenising huge chunks.
//!
//! Why: on CPU embedding is the slowest step, so texts stay compact (the
//! header adds ~10–20 tokens) and identical texts are embedded once (keys
//! are content hashes, so duplicated code shares one vector).

use doctown_core::{Chunk, ChunkKind};
use sha2::{Digest, Sha256};

/// Version of the text recipe; part of every cache key.
pub const TEXT_RECIPE: &str = "doctown-embed-text/v1";

/// The text embedded for `chunk` when texts are truncated to `max_length` tokens.
pub fn chunk_text(chunk: &Chunk, max_length: usize) -> String {
    let body = collapse_whitespace(&chunk.text, max_length.saturating_mul(8));
    let mut out = String::with_capacity(body.len() + 128);
    out.push_str(&chunk.path);
    out.push(' ');
    out.push_str(match (chunk.kind, chunk.symbol_kind) {
        (ChunkKind::File, _) | (_, None) => "file",
        (_, Some(kind)) => kind.name(),
    });
    if let Some(name) = &chunk.qualified_name {
        out.push(' ');
        out.push_str(name);
    }
    if let Some((index, total)) = chunk.part {
        out.push_str(&format!(" part {}/{}", index + 1, total));
    }
    if let Some(signature) = chunk
        .signature
        .as_deref()
        .map(|s| collapse_whitespace(s, 512))
    {
        if !signature.is_empty() && !body.contains(&signature) {
            out.push('\n');
            out.push_str(&signature);
        }
    }
    if let Some(doc) = chunk.doc.as_deref().and_then(first_doc_line) {
        if !body.contains(&doc) {
            out.push('\n');
            out.push_str(&doc);
        }
    }
    out.push('\n');
    out.push_str(&body);
    out
}

/// The first non-empty line of a doc comment, without comment markers.
fn first_doc_line(doc: &str) -> Option<String> {
    doc.lines()
        .map(|l| {
            l.trim()
                .trim_start_matches(['/', '*', '#', '!', '"', '\''])
                .trim()
        })
        .find(|l| !l.is_empty())
        .map(|l| collapse_whitespace(l, 400))
}

/// Collapses whitespace runs to one space, trims, and keeps at most `max_chars` characters.
pub fn collapse_whitespace(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 4));
    for (count, word) in text.split_whitespace().enumerate() {
        if count > 0 {
            out.push(' ');
        }
        out.push_str(word);
        if out.len() >= max_chars {
            break;
        }
    }
    crate::model::cap_chars(&out, max_chars).to_string()
}

/// The cache key of an embedded text: hex SHA-256 over the recipe version,
/// the truncation length and the text (the model id goes into the key path).
pub fn text_hash(text: &str, max_length: usize) -> String {
    let mut hasher = Sha256::new();
    hasher.update(TEXT_RECIPE.as_bytes());
    hasher.update([0]);
    hasher.update((max_length as u64).to_be_bytes());
    hasher.update(text.as_bytes());
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use doctown_core::{ByteRange, ChunkId, Language, Position, Span, SymbolKind};

    pub(crate) fn chunk(text: &str) -> Chunk {
        Chunk {
            id: ChunkId::from_raw("chk_1"),
            kind: ChunkKind::Symbol,
            path: "src/lib.rs".into(),
            language: Language::Rust,
            span: Span {
                start: Position { line: 1, column: 0 },
                end: Position { line: 3, column: 1 },
                bytes: ByteRange {
                    start: 0,
                    end: text.len(),
                },
            },
            symbol_id: None,
            symbol_kind: Some(SymbolKind::Function),
            qualified_name: Some("add".into()),
            signature: Some("fn add(a: i32, b: i32) -> i32".into()),
            doc: Some("/// Adds two numbers.\n/// Wraps on overflow.".into()),
            part: None,
            text: text.into(),
        }
    }

    #[test]
    fn header_doc_and_collapsed_body() {
        let c = chunk("fn add(a: i32, b: i32) -> i32 {\n    a.wrapping_add(b)\n}");
        assert_eq!(
            chunk_text(&c, 256),
            "src/lib.rs function add\nAdds two numbers.\nfn add(a: i32, b: i32) -> i32 { a.wrapping_add(b) }"
        );
        let mut part = c.clone();
        part.part = Some((1, 2));
        part.text = "    b\n}".into();
        assert!(chunk_text(&part, 256)
            .starts_with("src/lib.rs function add part 2/2\nfn add(a: i32, b: i32) -> i32\n"));
        let reindented = chunk("fn add(a: i32, b: i32) -> i32 {\n\ta.wrapping_add(b)\n}");
        assert_eq!(
            text_hash(&chunk_text(&c, 256), 256),
            text_hash(&chunk_text(&reindented, 256), 256)
        );
        assert_ne!(text_hash("x", 256), text_hash("x", 128));
    }

    #[test]
    fn long_bodies_are_capped() {
        let c = chunk(&"word ".repeat(10_000));
        assert!(chunk_text(&c, 16).chars().count() < 16 * 8 + 100);
        assert_eq!(collapse_whitespace("  a \n\t b  ", 10), "a b");
        assert_eq!(collapse_whitespace("", 10), "");
    }
}

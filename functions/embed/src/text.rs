//! What is embedded for a chunk, and the key it is cached under.
//!
//! The embedded text is a compact header, the declaration, and the words of
//! the code:
//!
//! ```text
//! src/store/local.rs method LocalStore::put
//! fn put(&self, key: &str, bytes: &[u8]) -> Result<Etag, StoreError>
//! Writes an object, replacing any previous one.
//! fn put self key str bytes u8 result etag store error let tmp self dir join …
//! ```
//!
//! - line 1: path, symbol kind (or `file`), the last two segments of the
//!   qualified name (owner and name), and `part i/n` for a piece of a split
//!   symbol — where the code lives and what it is, which the body alone
//!   often does not say. The module path before the owner is the file's
//!   path again: written out, it was a third of all tokens embedded;
//! - the signature, whitespace-collapsed, as written;
//! - the first line of the doc comment: the author's own summary is the
//!   best semantic signal;
//! - the body as its words ([`doctown_core::words::tokens`]: identifiers
//!   split at `_` and case changes, lowercased, punctuation gone), cut at
//!   `8 × max_length` characters. all-MiniLM-L6-v2 is a sentence model:
//!   `parse header value` is closer to a question about headers than
//!   `parseHeader(v)?;`, and punctuation costs tokens that carry nothing;
//! - constants, statics, variables, type aliases and enum variants: the
//!   declaration only. Their signature holds the name, the type and the
//!   start of the value; a body of table data (regex-syntax's Unicode
//!   tables, 671 of its 2,115 chunks) would spend a full window of tokens
//!   on numbers;
//! - implementation blocks (`impl Arg`): the declaration only too. Their
//!   bodies are their methods, which have chunks of their own.
//!
//! With texts truncated at 128 tokens (the default `max_length`) this
//! recipe embeds 29 % fewer tokens than the previous one (code verbatim,
//! 256 tokens) on the search evaluation's four languages, and search by
//! meaning is better for it: MRR@10 .510 against .490 on average (Python
//! .519, Go .736, TypeScript .295, Rust .492 against .507, .727, .313,
//! .415), hybrid .600 against .592 (BENCHMARKS.md, "Embedding what
//! carries meaning"). The shorter header and implementation blocks by
//! their declaration (recipe v3) embed 15 % fewer tokens again (clap_builder:
//! 179,296 against 211,664) at the same MRR@10 (BENCHMARKS.md, "A graph
//! built for the CPU, and a shorter header").
//!
//! Identical texts are embedded once (keys are content hashes, so
//! duplicated code shares one vector).

use doctown_core::{Chunk, ChunkKind, SymbolKind};
use sha2::{Digest, Sha256};

/// Version of the text recipe; part of every cache key.
pub const TEXT_RECIPE: &str = "doctown-embed-text/v3";

/// The text embedded for `chunk` when texts are truncated to `max_length` tokens.
pub fn chunk_text(chunk: &Chunk, max_length: usize) -> String {
    let declaration_only = by_declaration(chunk.symbol_kind)
        && chunk
            .signature
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty());
    let body = if declaration_only {
        String::new()
    } else {
        code_words(&chunk.text, max_length.saturating_mul(8))
    };
    let mut out = String::with_capacity(body.len() + 128);
    push_header(&mut out, chunk);
    if let Some(signature) = chunk
        .signature
        .as_deref()
        .map(|s| collapse_whitespace(s, 512))
    {
        if !signature.is_empty() {
            out.push('\n');
            out.push_str(&signature);
        }
    }
    if let Some(doc) = chunk.doc.as_deref().and_then(first_doc_line) {
        out.push('\n');
        out.push_str(&doc);
    }
    if !body.is_empty() {
        out.push('\n');
        out.push_str(&body);
    }
    out
}

/// Line 1: the path, the symbol's kind (or `file`), the last two segments
/// of its qualified name (owner and name: `Arg::unset_setting`, not
/// `clap_builder::builder::arg::Arg::unset_setting`, whose module path is
/// the file's path again, and 14 tokens of the 40 the line took), and
/// `part i/n` for a piece of a split symbol.
fn push_header(out: &mut String, chunk: &Chunk) {
    out.push_str(&chunk.path);
    out.push(' ');
    out.push_str(match (chunk.kind, chunk.symbol_kind) {
        (ChunkKind::File, _) | (_, None) => "file",
        (_, Some(kind)) => kind.name(),
    });
    if let Some(name) = &chunk.qualified_name {
        out.push(' ');
        out.push_str(owner_and_name(name));
    }
    if let Some((index, total)) = chunk.part {
        out.push_str(&format!(" part {}/{}", index + 1, total));
    }
}

/// A qualified name's last two segments, the owner and the name
/// (`a::b::C::f` → `C::f`, `pkg.mod.C.f` → `C.f`, `x::<P as a::T>::f` →
/// `<P as a::T>::f`): the module path before them is the file's path again.
fn owner_and_name(name: &str) -> &str {
    let sep = if name.contains("::") { "::" } else { "." };
    match doctown_core::symbol::last_two_parts(name, sep) {
        // Both parts are slices of `name`: the owner's start cuts it.
        (Some(owner), Some(_)) => &name[owner.as_ptr() as usize - name.as_ptr() as usize..],
        _ => name,
    }
}

/// Kinds whose declaration says what they are: values, whose bodies are
/// data, and implementation blocks (`impl Arg`, `impl Display for Arg`),
/// whose bodies are their methods, each embedded in its own chunk.
fn by_declaration(kind: Option<SymbolKind>) -> bool {
    matches!(
        kind,
        Some(
            SymbolKind::Constant
                | SymbolKind::Static
                | SymbolKind::Variable
                | SymbolKind::TypeAlias
                | SymbolKind::Variant
                | SymbolKind::Impl
        )
    )
}

/// The words of `code`, space-separated, at most `max_chars` characters.
fn code_words(code: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(code.len().min(max_chars + 16) / 2);
    doctown_core::words::for_each_token_while(code, |word| {
        if out.len() + word.len() >= max_chars {
            return false;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        true
    });
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
pub(crate) mod tests {
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
            role: None,
        }
    }

    #[test]
    fn code_words_stop_where_the_words_of_the_whole_text_would_be_cut() {
        let reference = |code: &str, max_chars: usize| {
            let mut out = String::new();
            for word in doctown_core::words::tokens(code) {
                if out.len() + word.len() >= max_chars {
                    break;
                }
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&word);
            }
            out
        };
        let code =
            "fn parseHTTPHeader(v: &str) -> Result<Ünïcode, E> { let xmlDoc2 = v?; }\n".repeat(40);
        for max_chars in [0, 1, 5, 17, 64, 300, 1024, 100_000] {
            assert_eq!(
                code_words(&code, max_chars),
                reference(&code, max_chars),
                "{max_chars}"
            );
        }
    }

    #[test]
    fn header_declaration_doc_and_the_words_of_the_body() {
        let c = chunk("fn add(a: i32, b: i32) -> i32 {\n    a.wrapping_add(b)\n}");
        assert_eq!(
            chunk_text(&c, 128),
            "src/lib.rs function add\nfn add(a: i32, b: i32) -> i32\nAdds two numbers.\nfn add a i32 b i32 i32 a wrapping add b"
        );
        let mut part = c.clone();
        part.part = Some((1, 2));
        part.text = "    b\n}".into();
        assert!(chunk_text(&part, 128)
            .starts_with("src/lib.rs function add part 2/2\nfn add(a: i32, b: i32) -> i32\n"));
        let reindented = chunk("fn add(a: i32, b: i32) -> i32 {\n\ta.wrapping_add(b)\n}");
        assert_eq!(
            text_hash(&chunk_text(&c, 128), 128),
            text_hash(&chunk_text(&reindented, 128), 128)
        );
        assert_ne!(text_hash("x", 256), text_hash("x", 128));
    }

    #[test]
    fn values_are_embedded_by_their_declaration() {
        let mut table = chunk(&format!(
            "pub const TABLE: &[(u32, u32)] = &[{}];",
            "(1, 2), ".repeat(500)
        ));
        table.symbol_kind = Some(SymbolKind::Constant);
        table.qualified_name = Some("TABLE".into());
        table.signature = Some("pub const TABLE: &[(u32, u32)] = &[(1, 2), …".into());
        table.doc = None;
        assert_eq!(
            chunk_text(&table, 128),
            "src/lib.rs constant TABLE\npub const TABLE: &[(u32, u32)] = &[(1, 2), …"
        );
        // Without a declaration the body is all there is.
        table.signature = None;
        assert!(chunk_text(&table, 128).contains("pub const table u32 u32 1 2"));
    }

    #[test]
    fn the_header_names_the_owner_and_the_symbol_not_the_module_path() {
        let mut method = chunk("pub fn unset_setting(mut self) -> Self { self }");
        method.path = "clap_builder/src/builder/arg.rs".into();
        method.symbol_kind = Some(SymbolKind::Method);
        method.signature = Some("pub fn unset_setting(mut self) -> Self".into());
        method.doc = None;
        for (qualified, header) in [
            (
                "clap_builder::builder::arg::Arg::unset_setting",
                "Arg::unset_setting",
            ),
            ("flask.app.Flask.run", "Flask.run"),
            (
                "<P as a::AnyValueParser>::clone_any",
                "<P as a::AnyValueParser>::clone_any",
            ),
            (
                "x::<impl Display for a::B>::fmt",
                "<impl Display for a::B>::fmt",
            ),
            ("Arg::new", "Arg::new"),
            ("main", "main"),
        ] {
            method.qualified_name = Some(qualified.into());
            let text = chunk_text(&method, 128);
            assert_eq!(
                text.lines().next().unwrap(),
                format!("clap_builder/src/builder/arg.rs method {header}"),
                "{qualified}"
            );
        }
    }

    #[test]
    fn implementation_blocks_are_embedded_by_their_declaration() {
        let mut block = chunk("impl Arg {\n    pub fn new() -> Self { … }\n}");
        block.symbol_kind = Some(SymbolKind::Impl);
        block.qualified_name = Some("crate::arg::<impl Arg>".into());
        block.signature = Some("impl Arg".into());
        block.doc = None;
        assert_eq!(
            chunk_text(&block, 128),
            "src/lib.rs impl arg::<impl Arg>\nimpl Arg"
        );
    }

    #[test]
    fn long_bodies_are_capped() {
        let c = chunk(&"word ".repeat(10_000));
        assert!(chunk_text(&c, 16).chars().count() < 16 * 8 + 100);
        assert!(code_words("alpha beta gamma", 11) == "alpha beta");
        assert_eq!(collapse_whitespace("  a \n\t b  ", 10), "a b");
        assert_eq!(collapse_whitespace("", 10), "");
    }
}

//! Chunking rules on small hand-made files.

use super::*;
use doctown_core::{Position, SymbolId, Visibility};

fn symbol(name: &str, kind: SymbolKind, source: &str, text: &str) -> Symbol {
    let start = source.find(text).unwrap();
    let lines = LineIndex::new(source);
    Symbol {
        id: SymbolId::for_symbol("a.py", name, kind.name(), 0),
        name: name.into(),
        kind,
        qualified_name: name.into(),
        language: Language::Python,
        path: "a.py".into(),
        span: lines.span(ByteRange {
            start,
            end: start + text.len(),
        }),
        signature: text.lines().next().unwrap().into(),
        visibility: Visibility::Public,
        doc: None,
        attributes: vec![],
        parent: None,
        bases: vec![],
        target: None,
        calls: vec![],
        field_types: Default::default(),
        words: String::new(),
    }
}

#[test]
fn containers_elide_their_members_and_members_get_their_own_chunks() {
    let method = "    def run(self):\n        return 1\n";
    let class = format!("class Job:\n    x = 1\n{method}");
    let source = format!("import os\n\n{class}");
    let symbols = vec![
        symbol("Job", SymbolKind::Class, &source, &class),
        symbol("Job.run", SymbolKind::Method, &source, method),
    ];
    let chunks = chunk_file(
        "a.py",
        Language::Python,
        &source,
        &symbols,
        &IngestOptions::default(),
    );
    assert_eq!(chunks.len(), 2);
    assert_eq!(chunks[0].text, "class Job:\n    x = 1\n…");
    assert_eq!(chunks[1].text, method);
    assert_eq!(chunks[1].span.start, Position { line: 5, column: 0 });
    assert_eq!(chunks[0].symbol_id.as_ref(), Some(&symbols[0].id));
    let again = chunk_file(
        "a.py",
        Language::Python,
        &source,
        &symbols,
        &IngestOptions::default(),
    );
    assert_eq!(chunks, again);
}

#[test]
fn files_without_symbols_become_one_file_chunk() {
    let chunks = chunk_file(
        "s.py",
        Language::Python,
        "print('hi')\n",
        &[],
        &IngestOptions::default(),
    );
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0].kind, ChunkKind::File);
    assert_eq!(chunks[0].span.end.line, 1);
    assert!(chunk_file(
        "e.py",
        Language::Python,
        "  \n",
        &[],
        &IngestOptions::default()
    )
    .is_empty());
}

#[test]
fn large_symbols_split_at_statement_boundaries_with_overlap() {
    let mut body = String::from("def big():\n");
    for i in 0..400 {
        body.push_str(&format!("    value_{i} = compute({i})\n"));
    }
    let symbols = vec![symbol("big", SymbolKind::Function, &body, &body)];
    let options = IngestOptions::default();
    let chunks = chunk_file("a.py", Language::Python, &body, &symbols, &options);
    assert!(chunks.len() > 2, "{}", chunks.len());
    for (i, c) in chunks.iter().enumerate() {
        assert!(c.text.len() <= options.chunk_max_bytes);
        assert_eq!(c.kind, ChunkKind::SymbolPart);
        assert_eq!(c.part, Some((i as u32, chunks.len() as u32)));
        assert_eq!(&body[c.span.bytes.start..c.span.bytes.end], c.text);
        assert!(c.text.ends_with('\n'), "parts end at line ends");
    }
    // Consecutive parts overlap by the configured number of lines and cover everything.
    for pair in chunks.windows(2) {
        let overlap = pair[0].span.bytes.end - pair[1].span.bytes.start;
        let lines = body[pair[1].span.bytes.start..pair[0].span.bytes.end]
            .lines()
            .count();
        assert!(
            overlap > 0 && lines == options.chunk_overlap_lines,
            "{lines}"
        );
    }
    assert_eq!(chunks.last().unwrap().span.bytes.end, body.len());
}

#[test]
fn one_giant_line_is_cut_without_panicking() {
    let text = "é".repeat(10_000);
    let parts = split_points(&text, 4096, 3);
    assert!(parts.len() >= 5);
    let mut at = 0;
    for (s, e) in parts {
        assert_eq!(s, at);
        assert!(e - s <= 4096 && text.is_char_boundary(e));
        at = e;
    }
    assert_eq!(at, text.len());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parts_cover_the_text_in_order_and_respect_the_limit(
            lines in proptest::collection::vec("[ a-z(){};]{0,120}", 0..200),
            max in 64usize..2048,
        ) {
            let text = lines.join("\n");
            let parts = split_points(&text, max, 2);
            let mut covered = 0;
            for &(s, e) in &parts {
                prop_assert!(s <= covered, "gap before {s}");
                prop_assert!(e > s && e - s <= max.max(64));
                prop_assert!(e > covered);
                covered = e;
            }
            prop_assert_eq!(covered, text.len());
        }
    }
}

#[test]
fn symbols_sharing_a_range_get_distinct_chunks() {
    let source = "a = b = 1\n";
    let symbols = vec![
        symbol("a", SymbolKind::Variable, source, "a = b = 1"),
        symbol("b", SymbolKind::Variable, source, "a = b = 1"),
    ];
    let chunks = chunk_file(
        "a.py",
        Language::Python,
        source,
        &symbols,
        &IngestOptions::default(),
    );
    assert_eq!(chunks.len(), 2);
    assert_ne!(chunks[0].id, chunks[1].id);
}

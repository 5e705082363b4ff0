//! `nodes.json` spooled symbol by symbol (the pack stage's path) against
//! the writer given every symbol in memory: the same bytes, manifest and
//! blocks whatever order the symbols come in, and the same error for the
//! same bad input.

mod common;

use common::fixture::{fixture, fixture_with_history};
use doctown_docpack::blocks::BlockCache;
use doctown_docpack::nodes_spool::prepare;
use doctown_docpack::*;

/// Writes `input` with its symbols spooled in the order given.
fn spooled(mut input: DocpackInput) -> Result<WrittenDocpack<Vec<u8>>, DocpackError> {
    let dir = tempfile::tempdir().unwrap();
    let mut spool = NodesSpool::new(dir.path())?;
    for s in std::mem::take(&mut input.nodes.symbols) {
        spool.push(prepare(s)?)?;
    }
    let nodes = spool.finish()?;
    let written = write_docpack(
        input,
        Some(nodes),
        &BlockCache::default(),
        dir.path(),
        Vec::new(),
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "temporary files are left in the spool directory"
    );
    written
}

/// The fixture with `n` more symbols (each a graph node, every third a
/// child of the one before, every fifth in a test file), so that
/// `nodes.json` spills many times over.
fn scaled(n: usize) -> DocpackInput {
    let mut input = fixture_with_history();
    let template = input.nodes.symbols[0].clone();
    let node = input.graph.nodes[0].clone();
    for i in 0..n {
        let id = format!("sym_scaled_{:07}", (i * 7919) % n.max(1));
        let mut s = template.clone();
        s.id = id.clone();
        s.name = format!("scaled_{i}");
        s.signature = format!("fn scaled_{i}(request: &Request) -> \"Response\"");
        s.cluster = None;
        s.parent = (i % 3 == 1).then(|| input.nodes.symbols.last().unwrap().id.clone());
        s.role = i.is_multiple_of(5).then_some(doctown_core::FileRole::Test);
        s.doc_comment = Some(format!("line one\nline {i} é"));
        input.nodes.symbols.push(s);
        let mut g = node.clone();
        g.id = id;
        input.graph.nodes.push(g);
    }
    input
}

#[test]
fn spooled_symbols_give_the_bytes_of_the_in_memory_writer() {
    for input in [fixture(), fixture_with_history(), scaled(12_000)] {
        let expected = encode_docpack(&input).unwrap();
        let mut reversed = input.clone();
        reversed.nodes.symbols.reverse();
        for input in [input, reversed] {
            let written = spooled(input).unwrap();
            assert!(written.out == expected.bytes, "the bytes differ");
            // The checksum, taken beside the writing, is the bytes' own.
            use sha2::Digest;
            let sha256 = hex::encode(sha2::Sha256::digest(&written.out));
            assert_eq!(written.sha256, sha256);
            assert_eq!(written.size_bytes, written.out.len() as u64);
            assert_eq!(written.manifest, expected.manifest);
            assert_eq!(written.blocks, expected.blocks);
        }
    }
}

#[test]
fn symbols_given_both_ways_are_refused() {
    let input = fixture();
    let dir = tempfile::tempdir().unwrap();
    let nodes = NodesSpool::new(dir.path()).unwrap().finish().unwrap();
    let err = write_docpack(
        input,
        Some(nodes),
        &BlockCache::default(),
        dir.path(),
        Vec::new(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("both spooled and in memory"), "{err}");
}

/// Each bad input is refused with the in-memory writer's message.
#[test]
fn bad_symbols_are_refused_with_the_same_message() {
    type Edit = fn(&mut DocpackInput);
    let edits: [(Edit, &str); 5] = [
        (
            |i| {
                let dup = i.nodes.symbols[1].clone();
                i.nodes.symbols.push(dup);
            },
            "duplicate symbol id",
        ),
        (
            |i| i.nodes.symbols[2].parent = Some("sym_nowhere".into()),
            "refers to unknown symbol sym_nowhere",
        ),
        (
            |i| i.nodes.symbols[0].cluster = Some("c_other".into()),
            "names cluster",
        ),
        (
            |i| i.nodes.symbols[3].centrality = f64::NAN,
            "not a finite number",
        ),
        (
            |i| {
                let id = i.nodes.symbols[4].id.clone();
                i.graph.nodes.retain(|n| n.id != id);
                i.graph.edges.retain(|e| e.from != id && e.to != id);
            },
            "has no node in graph.json",
        ),
    ];
    for (edit, needle) in edits {
        let mut input = fixture();
        edit(&mut input);
        let expected = encode_docpack(&input).unwrap_err().to_string();
        assert!(expected.contains(needle), "{expected}");
        let err = spooled(input).unwrap_err().to_string();
        assert_eq!(err, expected);
    }
}

/// With more than one violation, the error is the first found in the
/// archive's order of parts: a reference is found wanting when the part
/// that declares its target ends, so a dangling edge (`graph.json`'s nodes
/// end before `nodes.json` begins) comes before a bad symbol.
#[test]
fn the_first_violation_in_order_is_the_error() {
    type Edit = fn(&mut DocpackInput);
    let dangling_edge: Edit = |i| {
        let last = i.graph.edges.len() - 1;
        i.graph.edges[last].to = "zz_nowhere_edge".into();
    };
    let cases: [Edit; 2] = [
        |i| {
            let dup = i.nodes.symbols[1].clone();
            i.nodes.symbols.push(dup);
        },
        |i| i.nodes.symbols[2].parent = Some("sym_nowhere_parent".into()),
    ];
    for edit in cases {
        let mut input = fixture();
        edit(&mut input);
        let alone = encode_docpack(&input).unwrap_err().to_string();
        dangling_edge(&mut input);
        let err = encode_docpack(&input).unwrap_err().to_string();
        assert!(
            err.contains("refers to unknown graph node zz_nowhere_edge"),
            "{err} (alone: {alone})"
        );
        assert_eq!(spooled(input).unwrap_err().to_string(), err);
    }
}

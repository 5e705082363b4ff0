//! Write → read roundtrips, determinism, canonical ordering, forward
//! compatibility and tolerance of missing optional parts.

mod common;

use common::fixture::{chunk_id, fixture};
use common::{edit_manifest, repack};
use doctown_docpack::writer::canonicalize;
use doctown_docpack::*;
use proptest::prelude::*;

#[test]
fn roundtrip_preserves_every_part() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kv.docpack");
    let input = fixture();
    let encoded = encode_docpack(&input).unwrap();
    std::fs::write(&path, &encoded.bytes).unwrap();
    let manifest = encoded.manifest;
    let d = read_docpack(&path).unwrap();
    assert_eq!(d.manifest, manifest);
    let mut canon = input.clone();
    canonicalize(&mut canon);
    assert_eq!(d.nodes.symbols.len(), 7);
    for (a, b) in d.nodes.symbols.iter().zip(&canon.nodes.symbols) {
        assert_eq!(a, b);
    }
    assert_eq!(d.clusters, canon.clusters);
    assert_eq!(d.source_map, canon.source_map);
    // The writer fills in each module's code and dependencies (the module level).
    let mut docs = d.docs.clone();
    for m in &mut docs.modules {
        assert!(m.code.take().is_some(), "{}", m.id);
        assert!(m.dependencies.take().is_some(), "{}", m.id);
    }
    assert_eq!(docs, canon.docs);
    assert_eq!(d.graph.nodes, canon.graph.nodes);
    assert_eq!(d.graph.edges.len(), canon.graph.edges.len());
    assert_eq!(d.embeddings, canon.embeddings);
    assert_eq!(
        d.symbol_contexts.as_ref().unwrap().contexts[0].facts["score"],
        0.3
    );
    // Computed parts of the manifest.
    let s = &d.manifest.statistics;
    assert_eq!(
        (s.files, s.symbols, s.chunks, s.clusters, s.modules),
        (3, 7, 7, 2, 2)
    );
    assert_eq!((s.embeddings, s.embedding_dimensions), (7, Some(4)));
    assert_eq!(
        s.languages["rust"],
        LanguageStats {
            files: 2,
            symbols: 6
        }
    );
    assert_eq!(
        s.languages["python"],
        LanguageStats {
            files: 1,
            symbols: 1
        }
    );
    assert!(d.manifest.parts.embeddings && d.manifest.parts.symbol_contexts);
    assert_eq!(d.manifest.schema_version, "docpack/1.6");
    assert_eq!(d.manifest.docpack_id, d.manifest.checksum.value);
    assert_eq!(d.graph.metrics.edges_by_kind["calls"], 3);
    // Floats have one form: 6 decimals.
    let related = d
        .graph
        .edges
        .iter()
        .find(|e| e.kind == EdgeKind::Related)
        .unwrap();
    assert_eq!(related.weight, 0.812346);
}

#[test]
fn vectors_are_random_access_by_chunk_id() {
    let d = read_docpack_bytes(&common::fixture::encoded().bytes, &ReadLimits::default()).unwrap();
    assert_eq!(
        d.embedding(&chunk_id("sym_parse")),
        Some(&[0.0, 0.0, 1.0, 0.2][..])
    );
    assert_eq!(d.embedding("chk_missing"), None);
    assert_eq!(d.chunks_of("sym_parse"), vec![chunk_id("sym_parse")]);
    assert_eq!(d.symbol("sym_get").unwrap().name, "get");
}

#[test]
fn same_data_gives_identical_bytes() {
    let (a, b) = (encode_docpack(&fixture()), encode_docpack(&fixture()));
    assert_eq!(a.unwrap().bytes, b.unwrap().bytes);
}

#[test]
fn framing_is_fixed() {
    let bytes = common::fixture::encoded().bytes;
    assert_eq!(&bytes[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
    let names: Vec<String> = archive
        .entries()
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let h = e.header();
            assert_eq!(
                (
                    h.mode().unwrap(),
                    h.uid().unwrap(),
                    h.gid().unwrap(),
                    h.mtime().unwrap()
                ),
                (0o644, 0, 0, 0)
            );
            assert_eq!(h.username().unwrap(), Some(""));
            e.path().unwrap().display().to_string()
        })
        .collect();
    assert_eq!(
        names,
        [
            "manifest.json",
            "clusters.json",
            "docs.json",
            "embeddings.bin",
            "graph.json",
            "nodes.json",
            "source_map.json",
            "symbol_contexts.json"
        ]
    );
}

#[test]
fn missing_optional_parts_are_tolerated() {
    let mut input = fixture();
    input.embeddings = None;
    input.symbol_contexts = None;
    input.models.embedding = None;
    let d = read_docpack_bytes(
        &encode_docpack(&input).unwrap().bytes,
        &ReadLimits::default(),
    )
    .unwrap();
    assert!(d.embeddings.is_none() && d.symbol_contexts.is_none());
    assert!(!d.manifest.parts.embeddings && d.manifest.statistics.embedding_dimensions.is_none());
}

#[test]
fn newer_minor_version_is_read() {
    let mut entries = common::fixture::encoded().entries;
    edit_manifest(&mut entries, |m| {
        m["schema_version"] = "docpack/1.7".into();
        m["future_field"] = serde_json::json!({"x": 1});
    });
    let mut edges_before = 0;
    for (name, bytes) in entries.iter_mut() {
        if name == "nodes.json" {
            let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            v["symbols"][0]["future_metric"] = 3.into();
            *bytes = serde_json::to_vec(&v).unwrap();
        }
        if name == "graph.json" {
            // An edge kind of a newer minor version is skipped.
            let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            let mut future = v["edges"][0].clone();
            future["kind"] = "future_kind".into();
            let edges = v["edges"].as_array_mut().unwrap();
            edges_before = edges.len();
            edges.push(future);
            *bytes = serde_json::to_vec(&v).unwrap();
        }
    }
    entries.push(("future_part.json".to_string(), b"{}".to_vec()));
    let bytes = repack(entries, true);
    let d = read_docpack_bytes(&bytes, &ReadLimits::default()).unwrap();
    assert_eq!(d.manifest.version(), Some((1, 7)));
    assert_eq!(d.graph.edges.len(), edges_before);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.docpack");
    std::fs::write(&path, &bytes).unwrap();
    let report = verify(&path).unwrap();
    assert_eq!(report.ignored_entries, ["future_part.json"]);
    assert!(report.to_string().starts_with("ok: "));
}

/// A 1.0 docpack has no roles, provenance, confidence or unresolved
/// counts, and no `references`/`tested_by` edges: it still reads, with
/// those fields absent.
#[test]
fn version_1_0_is_still_read() {
    let mut entries = common::fixture::encoded().entries;
    edit_manifest(&mut entries, |m| {
        m["schema_version"] = "docpack/1.0".into();
    });
    let strip = |v: &mut serde_json::Value, list: &str, fields: &[&str]| {
        for item in v[list].as_array_mut().unwrap() {
            for f in fields {
                item.as_object_mut().unwrap().remove(*f);
            }
        }
    };
    for (name, bytes) in entries.iter_mut() {
        let mut v: serde_json::Value = match name.as_str() {
            "nodes.json" | "graph.json" | "source_map.json" => {
                serde_json::from_slice(bytes).unwrap()
            }
            _ => continue,
        };
        match name.as_str() {
            "nodes.json" => strip(&mut v, "symbols", &["role", "unresolved_calls"]),
            "graph.json" => strip(&mut v, "edges", &["provenance", "confidence"]),
            _ => strip(&mut v, "files", &["role"]),
        }
        *bytes = serde_json::to_vec(&v).unwrap();
    }
    let d = read_docpack_bytes(&repack(entries, true), &ReadLimits::default()).unwrap();
    assert_eq!(d.manifest.version(), Some((1, 0)));
    assert!(d.nodes.symbols.iter().all(|s| s.role.is_none()));
    assert!(d.graph.edges.iter().all(|e| e.confidence.is_none()));
    assert!(d.source_map.files.iter().all(|f| f.role.is_none()));
}

/// A repeated edge is found next to its twin once sorted (the writer); a
/// list out of `(from, to)` order (a docpack read) is refused for its order.
#[test]
fn repeated_edges_and_edges_out_of_order_are_refused() {
    let mut input = fixture();
    let twin = input.graph.edges[0].clone();
    input.graph.edges.push(twin.clone());
    let written = encode_docpack(&input).unwrap_err().to_string();
    input.graph.edges.reverse();
    let parts = validate::Parts {
        nodes: &input.nodes,
        graph: &input.graph,
        clusters: &input.clusters,
        source_map: &input.source_map,
        docs: &input.docs,
        embeddings: None,
        symbol_contexts: None,
        history: None,
    };
    let read = validate::validate_parts(&parts).unwrap_err().to_string();
    let expected = format!(
        "duplicate {} edge {} -> {}",
        twin.kind.name(),
        twin.from,
        twin.to
    );
    assert!(written.contains(&expected), "{written}");
    assert!(
        read.contains("edges are not sorted by (from, to)"),
        "{read}"
    );
}

#[test]
fn writer_refuses_inconsistent_content() {
    let mut input = fixture();
    input.graph.edges.push(input.graph.edges[0].clone());
    assert!(encode_docpack(&input)
        .unwrap_err()
        .to_string()
        .contains("duplicate"));
    let mut input = fixture();
    input.nodes.symbols[0].cluster = None;
    assert!(encode_docpack(&input)
        .unwrap_err()
        .to_string()
        .contains("clusters.json puts it in"));
    let mut input = fixture();
    input.nodes.symbols[0].centrality = f64::NAN;
    assert!(encode_docpack(&input)
        .unwrap_err()
        .to_string()
        .contains("finite"));
}

fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut x = seed | 1;
    for i in (1..v.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.swap(i, (x % (i as u64 + 1)) as usize);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn input_order_does_not_change_bytes(seed in any::<u64>()) {
        let reference = common::fixture::encoded().bytes;
        let mut input = fixture();
        shuffle(&mut input.nodes.symbols, seed);
        shuffle(&mut input.graph.edges, seed.rotate_left(7));
        shuffle(&mut input.graph.nodes, seed.rotate_left(13));
        shuffle(&mut input.clusters.clusters, seed.rotate_left(17));
        for c in &mut input.clusters.clusters { shuffle(&mut c.members, seed.rotate_left(3)); }
        shuffle(&mut input.source_map.files, seed.rotate_left(23));
        shuffle(&mut input.docs.modules, seed.rotate_left(29));
        prop_assert_eq!(encode_docpack(&input).unwrap().bytes, reference);
    }
}

/// The fixture with `n` more symbols, each a graph node, so that
/// `nodes.json` and `graph.json` are many megabytes.
fn scaled_fixture(n: usize) -> DocpackInput {
    let mut input = fixture();
    let template = input.nodes.symbols[0].clone();
    let node = input.graph.nodes[0].clone();
    for i in 0..n {
        let id = format!("sym_scaled_{i:07}");
        let mut s = template.clone();
        s.id = id.clone();
        s.name = format!("scaled_{i}");
        s.qualified_name = format!("scaled::scaled_{i}");
        s.signature = format!("fn scaled_{i}(request: &Request, store: &Store) -> Response");
        s.cluster = None;
        input.nodes.symbols.push(s);
        let mut g = node.clone();
        g.id = id;
        g.name = format!("scaled::scaled_{i}");
        input.graph.nodes.push(g);
    }
    input
}

/// Parts spooled to temporary files and deflated as they are read back,
/// for a docpack whose parts are small and for one whose `nodes.json`
/// spills many times over: the same bytes each time, what the writer
/// reports of them, and no temporary file left.
#[test]
fn a_docpack_written_through_temporary_files_is_the_same_bytes() {
    for input in [fixture(), scaled_fixture(40_000)] {
        let expected = encode_docpack(&input).unwrap();
        let spool = tempfile::tempdir().unwrap();
        let written = write_docpack(
            input,
            None,
            &blocks::BlockCache::default(),
            spool.path(),
            Vec::new(),
        )
        .unwrap();
        assert_eq!(written.out.len(), expected.bytes.len());
        assert!(written.out == expected.bytes, "the bytes differ");
        assert_eq!(written.size_bytes, expected.bytes.len() as u64);
        assert_eq!(
            written.sha256,
            doctown_docpack::canonical::sha256_hex(&expected.bytes)
        );
        assert_eq!(written.manifest, expected.manifest);
        assert_eq!(written.blocks, expected.blocks);
        assert_eq!(
            std::fs::read_dir(spool.path()).unwrap().count(),
            0,
            "temporary files are left in the spool directory"
        );
    }
}

/// A rebuild through the streaming writer reuses the previous blocks.
#[test]
fn the_streaming_writer_reuses_the_previous_blocks() {
    let spool = tempfile::tempdir().unwrap();
    let first = write_docpack(
        scaled_fixture(20_000),
        None,
        &blocks::BlockCache::default(),
        spool.path(),
        Vec::new(),
    )
    .unwrap();
    let mut edited = scaled_fixture(20_000);
    edited.nodes.symbols[5].signature.push_str(" // edited");
    let previous = first.blocks.cache(first.out.clone());
    let second = write_docpack(edited.clone(), None, &previous, spool.path(), Vec::new()).unwrap();
    assert!(second.blocks_reused > 0 && second.blocks_reused < second.block_count);
    assert!(second.out == encode_docpack(&edited).unwrap().bytes);
}

/// A docpack whose parts differ from the one this process wrote, though
/// its manifest lists the new parts' checksums, is validated on reading:
/// only the very parts the writer validated skip the check.
#[test]
fn parts_changed_after_writing_are_validated_on_reading() {
    let written = common::fixture::encoded();
    read_docpack_bytes(&written.bytes, &ReadLimits::default()).unwrap();
    let mut entries = written.entries;
    let (_, nodes) = entries.iter_mut().find(|(n, _)| n == "nodes.json").unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(nodes).unwrap();
    v["symbols"][0]["parent"] = "sym_nowhere".into();
    *nodes = doctown_docpack::canonical::to_canonical_json("nodes.json", &v).unwrap();
    let err = read_docpack_bytes(&common::repack(entries, true), &ReadLimits::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("sym_nowhere"), "{err}");
}

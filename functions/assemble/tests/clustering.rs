//! Clusters: k-means recovers separated blobs, labels name them, graph
//! communities work without vectors, degenerate vectors do not break it.

mod common;

use doctown_assemble::artifacts::ClusterMethod;
use doctown_assemble::{assemble, AssembleInput, AssembleOptions, ChunkInfo, MemoryVectors};
use doctown_core::{Chunk, Language, Symbol, SymbolKind};
use std::collections::BTreeSet;

const DIMS: usize = 32;

/// `per` points around each of `centers` orthogonal directions, noise ±0.1.
fn blobs(centers: usize, per: usize) -> (Vec<Symbol>, Vec<Chunk>, MemoryVectors, Vec<usize>) {
    let mut state = 7u64;
    let mut noise = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.2
    };
    let (mut symbols, mut chunks, mut truth) = (Vec::new(), Vec::new(), Vec::new());
    let mut vectors = MemoryVectors::new(DIMS);
    for c in 0..centers {
        for p in 0..per {
            let s = common::sym(
                &format!("b{c}/f{p}.py"),
                &format!("b{c}.f{p}.fn{p}"),
                SymbolKind::Function,
                Language::Python,
            );
            let chunk = common::chunk_of(&s, "def f(): pass");
            let v: Vec<f32> = (0..DIMS)
                .map(|d| if d == c { 1.0 } else { 0.0 } + noise())
                .collect();
            vectors.insert(chunk.id.to_string(), v);
            symbols.push(s);
            chunks.push(chunk);
            truth.push(c);
        }
    }
    (symbols, chunks, vectors, truth)
}

fn infos(chunks: &[Chunk]) -> Vec<ChunkInfo> {
    chunks.iter().map(ChunkInfo::from_chunk).collect()
}

/// The partition of symbol ids by a labelling.
fn partition<T: Ord + Clone>(ids: &[String], labels: &[T]) -> BTreeSet<BTreeSet<String>> {
    let keys: BTreeSet<T> = labels.iter().cloned().collect();
    keys.iter()
        .map(|k| {
            ids.iter()
                .zip(labels)
                .filter(|(_, l)| *l == k)
                .map(|(i, _)| i.clone())
                .collect()
        })
        .collect()
}

#[test]
fn kmeans_recovers_separated_blobs() {
    let (symbols, chunks, vectors, truth) = blobs(4, 50);
    let ids: Vec<String> = symbols.iter().map(|s| s.id.to_string()).collect();
    let input = AssembleInput::new(symbols.clone(), Vec::new(), infos(&chunks), Some(&vectors));
    let options = AssembleOptions {
        min_clusters: 4,
        max_clusters: 4,
        ..Default::default()
    };
    let out = assemble(&input, &options).unwrap();
    assert_eq!(out.clusters.method, ClusterMethod::KMeans);
    let found: Vec<String> = ids
        .iter()
        .map(|id| {
            out.contexts
                .iter()
                .find(|c| c.id.as_str() == id)
                .unwrap()
                .cluster
                .clone()
                .unwrap()
                .id
        })
        .collect();
    assert_eq!(partition(&ids, &found), partition(&ids, &truth));
    assert!(out
        .clusters
        .clusters
        .iter()
        .all(|c| c.cohesion.unwrap() > 0.9));
    // With the √(n/2) heuristic (k = 10) every cluster stays inside one blob.
    let out = assemble(&input, &AssembleOptions::default()).unwrap();
    assert_eq!(out.clusters.k, 10);
    for cluster in &out.clusters.clusters {
        let blobs: BTreeSet<usize> = cluster
            .members
            .iter()
            .map(|m| truth[ids.iter().position(|i| i == m.as_str()).unwrap()])
            .collect();
        assert_eq!(blobs.len(), 1, "cluster {} mixes blobs", cluster.id);
    }
    // Related edges join points of one blob only.
    assert!(out.related_edges > 0);
}

#[test]
fn labels_name_the_cluster() {
    let (mut symbols, chunks, vectors, _) = blobs(2, 3);
    let names = [
        "parseJson",
        "parseXml",
        "JsonParser",
        "storeGet",
        "cacheStore",
        "loadStore",
    ];
    let paths = [
        "src/parser/lib.rs",
        "src/parser/lib.rs",
        "src/parser/lib.rs",
        "src/store/a.rs",
        "src/store/b.rs",
        "src/store/c.rs",
    ];
    for (s, (n, p)) in symbols.iter_mut().zip(names.iter().zip(paths)) {
        s.name = n.to_string();
        s.path = p.to_string();
    }
    let input = AssembleInput::new(symbols, Vec::new(), infos(&chunks), Some(&vectors));
    let out = assemble(&input, &AssembleOptions::default()).unwrap();
    let labels: BTreeSet<&str> = out
        .clusters
        .clusters
        .iter()
        .map(|c| c.label.as_str())
        .collect();
    // The names say it; the directories (`src/parser`, `src/store`) do not vote.
    assert_eq!(labels, BTreeSet::from(["json parse parser", "store"]));
}

#[test]
fn communities_without_vectors() {
    let f = common::multi_language();
    let input = AssembleInput::new(f.symbols.clone(), f.files.clone(), infos(&f.chunks), None);
    let out = assemble(&input, &AssembleOptions::default()).unwrap();
    assert_eq!(out.clusters.method, ClusterMethod::Communities);
    assert!(!out.embeddings);
    let cluster_of = |q: &str| {
        out.contexts
            .iter()
            .find(|c| c.qualified_name == q)
            .unwrap()
            .cluster
            .clone()
            .unwrap()
            .id
    };
    // Caller and callee across the Go packages land together; Python and Go do not.
    assert_eq!(cluster_of("main.main"), cluster_of("db.Open"));
    assert_eq!(cluster_of("pkg.models.User"), cluster_of("pkg.models.Base"));
    assert_ne!(cluster_of("pkg.models.User"), cluster_of("db.Open"));
    assert_eq!(
        out.clusters.clusters.iter().map(|c| c.size).sum::<u32>(),
        15
    );
}

#[test]
fn identical_and_missing_vectors() {
    let (symbols, chunks, _, _) = blobs(2, 10);
    let mut vectors = MemoryVectors::new(DIMS);
    for chunk in chunks.iter().skip(3) {
        vectors.insert(chunk.id.to_string(), vec![0.5; DIMS]);
    }
    let input = AssembleInput::new(symbols, Vec::new(), infos(&chunks), Some(&vectors));
    let out = assemble(&input, &AssembleOptions::default()).unwrap();
    assert_eq!(out.clusters.clusters.len(), 1);
    assert_eq!(out.symbols_without_vectors, 3);
    assert_eq!(out.contexts.iter().filter(|c| c.vectors_missing).count(), 3);
    // every symbol still has a context; related lists hold the identical ones
    assert_eq!(out.contexts.len(), 20);
    assert!(out
        .contexts
        .iter()
        .filter(|c| !c.vectors_missing)
        .all(|c| c.related.len() == 3));
}

#[test]
fn bad_vectors_are_one_line_errors() {
    let (symbols, chunks, _, _) = blobs(1, 3);
    for (bad, expect) in [
        (vec![f32::NAN; DIMS], "NaN"),
        (vec![1.0; DIMS + 1], "33 dimensions, expected 32"),
    ] {
        let mut vectors = MemoryVectors::new(DIMS);
        vectors.insert(chunks[1].id.to_string(), bad);
        let input = AssembleInput::new(symbols.clone(), Vec::new(), infos(&chunks), Some(&vectors));
        let err = assemble(&input, &AssembleOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains(expect) && !err.contains('\n'), "{err}");
    }
}

/// A cluster is named after its first member, so it keeps its id when
/// another cluster grows past it in the list (clusters are listed by
/// size): the records naming the clusters a change did not touch stay as
/// they were.
#[test]
fn cluster_ids_stay_when_the_clusters_order_changes() {
    let (symbols, chunks, vectors, truth) = blobs(3, 80);
    let options = AssembleOptions {
        min_clusters: 3,
        max_clusters: 3,
        ..Default::default()
    };
    // Blobs 0 and 1 with 50 members each; blob 2 with 10, then with 80.
    let run = |blob2: usize| {
        let keep: Vec<usize> = (0..symbols.len())
            .filter(|&i| i % 80 < [50, 50, blob2][truth[i]])
            .collect();
        let symbols: Vec<Symbol> = keep.iter().map(|&i| symbols[i].clone()).collect();
        let chunks: Vec<Chunk> = keep.iter().map(|&i| chunks[i].clone()).collect();
        let input = AssembleInput::new(symbols, Vec::new(), infos(&chunks), Some(&vectors));
        assemble(&input, &options).unwrap().clusters.clusters
    };
    let (before, after) = (run(10), run(80));
    // Where blob `b`'s first symbol's cluster is, and its id.
    let of = |clusters: &[doctown_assemble::artifacts::Cluster], b: usize| {
        let first = symbols[b * 80].id.to_string();
        let at = clusters
            .iter()
            .position(|c| c.members.iter().any(|m| m.as_str() == first))
            .unwrap();
        (at, clusters[at].id.clone())
    };
    for b in [0, 1] {
        let ((was_at, was), (now_at, now)) = (of(&before, b), of(&after, b));
        assert_ne!(was_at, now_at, "blob {b}'s cluster moved in the list");
        assert_eq!(was, now, "blob {b}'s cluster kept its id");
    }
    for c in before.iter().chain(&after) {
        let first = c.members.iter().min().unwrap().as_str();
        let hex = first.strip_prefix("sym_").unwrap();
        assert_eq!(c.id, format!("cluster-{}", &hex[..8]));
    }
}

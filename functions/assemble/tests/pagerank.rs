//! PageRank against networkx (scripts/assemble_pagerank_reference.py).

use doctown_assemble::pagerank::{pagerank, DAMPING, TOLERANCE};

#[derive(serde::Deserialize)]
struct Reference {
    damping: f64,
    nodes: usize,
    edges: Vec<(usize, usize, f64)>,
    pagerank: Vec<f64>,
}

#[test]
fn agrees_with_networkx() {
    let text = include_str!("fixtures/pagerank_reference.json");
    let reference: Reference = serde_json::from_str(text).unwrap();
    assert_eq!(reference.damping, DAMPING);
    let ours = pagerank(reference.nodes, &reference.edges, DAMPING, TOLERANCE);
    for (i, (a, b)) in ours.scores.iter().zip(&reference.pagerank).enumerate() {
        assert!((a - b).abs() < 1e-6, "node {i}: ours {a}, networkx {b}");
    }
    let sum: f64 = ours.scores.iter().sum();
    assert!((sum - 1.0).abs() < 1e-9);
    // Parallel edges are their summed weight.
    let mut split = reference.edges.clone();
    split[1].2 = 1.0;
    split.push((0, 2, 1.0));
    let again = pagerank(reference.nodes, &split, DAMPING, TOLERANCE);
    for (a, b) in again.scores.iter().zip(&ours.scores) {
        assert!((a - b).abs() < 1e-12);
    }
}

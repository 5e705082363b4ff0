//! The history joined to the docpack's graph (pure): hotspots scored by
//! churn × cyclomatic complexity × PageRank, and each co-change pair
//! marked linked or hidden by the graph's confident static edges
//! (`doctown_history::structure`, where the rules are).

use doctown_docpack::{EdgeKind, Graph, History, NodeKind, Symbols};
use doctown_history::structure::{join, Code, CodeSymbol, Joined};

/// Edges that say why two places change together: calls, references,
/// imports, inheritance, and a test calling what it tests.
fn is_static(kind: EdgeKind) -> bool {
    matches!(
        kind,
        EdgeKind::Calls
            | EdgeKind::References
            | EdgeKind::Imports
            | EdgeKind::Implements
            | EdgeKind::Inherits
            | EdgeKind::TestedBy
    )
}

/// What the docpack's nodes and graph say, as the join reads it.
pub fn code<'a>(nodes: Symbols<'a>, graph: &'a Graph) -> Code<'a> {
    let symbols = nodes
        .iter()
        .map(|s| {
            let symbol = CodeSymbol {
                path: s.path,
                complexity: s.complexity,
                centrality: s.centrality,
            };
            (s.id, symbol)
        })
        .collect();
    let files = graph
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::File)
        .filter_map(|n| Some((n.path.as_deref()?, n.centrality.unwrap_or(0.0))))
        .collect();
    let edges = graph
        .edges
        .iter()
        .filter(|e| is_static(e.kind) && e.is_confident())
        .map(|e| (e.from.as_str(), e.to.as_str()))
        .collect();
    Code {
        symbols,
        files,
        edges,
    }
}

/// Joins `history` to the docpack's structure.
pub fn join_structure(history: &mut History, nodes: Symbols<'_>, graph: &Graph) -> Joined {
    join(history, &code(nodes, graph))
}

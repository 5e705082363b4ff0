//! Symbol contexts: the facts about each symbol that its summary is written
//! from. Neighbour lists are cut to the 10 most central by partial
//! selection, so a function called from 10,000 places costs O(10,000).

use crate::artifacts::{
    ClusterRefView, EdgeKind, ScoredSymbolView, SymbolContextView, SymbolRefView,
};
use crate::clusters::Clustering;
use crate::error::AssembleError;
use crate::graph::RepoGraph;
use crate::imports::module_of;
use crate::numeric::fixed;
use crate::numeric::fixed32;
use crate::sink::{AssembleSink, BLOCK};
use crate::topk::top_k_by;
use doctown_core::{CallKind, Symbol, Visibility};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use rayon::prelude::*;
use rustc_hash::FxHashSet as HashSet;

/// At most this many calls, callers and unresolved calls per context.
pub const LIST_LIMIT: usize = 10;
/// The names of every unresolved call in the repository.
pub fn unresolved_names(symbols: &[Symbol]) -> HashSet<&str> {
    symbols
        .iter()
        .flat_map(|s| &s.calls)
        .filter(|c| c.resolved.is_none() && c.kind != CallKind::Reference)
        .map(|c| &*c.name)
        .collect()
}

/// Related symbols per context.
pub const RELATED_LIMIT: usize = 3;

/// Everything contexts are made from, per symbol where it is a `Vec`.
pub struct ContextInputs<'a> {
    pub symbols: &'a [Symbol],
    /// Per symbol: its parent's index.
    pub parents: &'a [Option<usize>],
    pub graph: &'a RepoGraph,
    pub centrality: &'a [f64],
    pub clustering: &'a Clustering,
    /// Per symbol: similar symbols, best first.
    pub related: &'a [Vec<(usize, f32)>],
    pub complexity: &'a [Option<u32>],
    /// Per symbol: whether it has a vector (ignored when `embeddings` is false).
    pub has_vector: &'a [bool],
    pub embeddings: bool,
    /// Names of the repository's unresolved calls: a symbol with one of
    /// these names may have callers resolution could not link.
    pub unresolved_names: &'a HashSet<&'a str>,
}

impl<'a> ContextInputs<'a> {
    fn symbol_ref(&self, i: usize) -> SymbolRefView<'a> {
        SymbolRefView {
            id: &self.symbols[i].id,
            qualified_name: &self.symbols[i].qualified_name,
        }
    }

    /// The symbols at the other end of `i`'s confident edges of these
    /// kinds, distinct, self excluded.
    fn neighbours(&self, i: usize, direction: Direction, kinds: &[EdgeKind]) -> Vec<usize> {
        let g = self.graph;
        let offset = g.modules.len() + g.files.len();
        let mut out: Vec<usize> = g
            .graph
            .edges_directed(g.symbol_nodes[i], direction)
            .filter(|e| kinds.contains(&e.weight().kind) && e.weight().is_confident())
            .map(|e| {
                if direction == Direction::Outgoing {
                    e.target()
                } else {
                    e.source()
                }
            })
            .filter_map(|n| n.index().checked_sub(offset))
            .filter(|j| *j != i)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The `LIST_LIMIT` most central of `ids`, and how many there were.
    fn most_central(&self, ids: Vec<usize>) -> (Vec<SymbolRefView<'a>>, u32) {
        let total = ids.len() as u32;
        let c = self.centrality;
        let top = top_k_by(ids, LIST_LIMIT, |a, b| {
            c[*b].total_cmp(&c[*a]).then(a.cmp(b))
        });
        (top.into_iter().map(|j| self.symbol_ref(j)).collect(), total)
    }

    /// The context of symbol `i`, borrowed from the inputs.
    pub fn context(&self, i: usize) -> SymbolContextView<'a> {
        let s = &self.symbols[i];
        let (calls, calls_total) =
            self.most_central(self.neighbours(i, Direction::Outgoing, &[EdgeKind::Calls]));
        let (called_by, called_by_total) =
            self.most_central(self.neighbours(i, Direction::Incoming, &[EdgeKind::Calls]));
        let (tested_by, _) =
            self.most_central(self.neighbours(i, Direction::Outgoing, &[EdgeKind::TestedBy]));
        let offset = self.graph.modules.len() + self.graph.files.len();
        let supertypes = self
            .neighbours(
                i,
                Direction::Outgoing,
                &[EdgeKind::Implements, EdgeKind::Inherits],
            )
            .into_iter()
            .map(|j| self.symbol_ref(j))
            .collect();
        let file = self.graph.file_index(&s.path);
        let parent = self.parents[i].map(|p| self.symbol_ref(p));
        let cluster = self.clustering.cluster_of[i].map(|c| {
            let cluster = &self.clustering.set.clusters[c];
            ClusterRefView {
                id: &cluster.id,
                label: &cluster.label,
            }
        });
        SymbolContextView {
            id: &s.id,
            name: &s.name,
            kind: s.kind,
            qualified_name: &s.qualified_name,
            language: s.language,
            path: &s.path,
            module: module_of(&s.path),
            start_line: s.span.start.line,
            end_line: s.span.end.line,
            signature: &s.signature,
            visibility: s.visibility,
            doc: s.doc.as_deref(),
            parent,
            calls,
            calls_total,
            called_by,
            called_by_total,
            unresolved_calls: {
                let unresolved = &self.graph.unresolved[i];
                &unresolved[..unresolved.len().min(LIST_LIMIT)]
            },
            callers_may_be_unresolved: self.callers_may_be_unresolved(i),
            tested_by,
            role: self.graph.roles[offset + i],
            imports: file.map_or(&[][..], |f| self.graph.imports[f].as_slice()),
            supertypes,
            cluster,
            centrality: fixed(self.centrality[i]),
            related: self.related[i]
                .iter()
                .take(RELATED_LIMIT)
                .map(|&(j, score)| ScoredSymbolView {
                    id: &self.symbols[j].id,
                    qualified_name: &self.symbols[j].qualified_name,
                    score: fixed32(score),
                })
                .collect(),
            complexity: self.complexity[i],
            loc: s.span.end.line.saturating_sub(s.span.start.line) + 1,
            vectors_missing: self.embeddings && !self.has_vector[i],
        }
    }

    /// Whether `i` may have callers that are not confident edges: it is
    /// public (callers outside the repository), an unresolved call has its
    /// name, or a caller's link is below the threshold.
    fn callers_may_be_unresolved(&self, i: usize) -> bool {
        let s = &self.symbols[i];
        let g = self.graph;
        s.visibility == Visibility::Public
            || self.unresolved_names.contains(s.name.as_str())
            || g.graph
                .edges_directed(g.symbol_nodes[i], Direction::Incoming)
                .any(|e| {
                    matches!(e.weight().kind, EdgeKind::Calls | EdgeKind::References)
                        && !e.weight().is_confident()
                })
    }

    /// Hands every context to `sink`, in symbol (id) order, a block at a
    /// time (each block made on every core).
    pub fn write(&self, sink: &mut dyn AssembleSink) -> Result<(), AssembleError> {
        let count = self.symbols.len();
        for start in (0..count).step_by(BLOCK) {
            let end = (start + BLOCK).min(count);
            sink.contexts(
                (start..end)
                    .into_par_iter()
                    .map(|i| self.context(i))
                    .collect(),
            )?;
        }
        Ok(())
    }
}

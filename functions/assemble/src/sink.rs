//! Where assemble's large artifacts go as they are made: the graph's nodes
//! and edges and the symbol contexts arrive block by block, in their final
//! order, so a host never holds all of them at once (the Linux kernel has
//! four million symbols). [`Collected`] keeps them (tests, benchmarks);
//! [`JsonFiles`] writes `graph.json` and `contexts.jsonl` as the blocks
//! come (into the store's object writers, in the stage), with the bytes
//! `serde_json` would write for the whole [`AssembleGraph`] and for each
//! context.

use crate::artifacts::{
    AssembleGraph, GraphEdgeView, GraphMetrics, GraphNodeView, SymbolContext, SymbolContextView,
};
use crate::error::AssembleError;
use rayon::prelude::*;
use serde::Serialize;
use std::io::Write;

/// Items per block: large enough to keep both cores busy, small enough
/// that a block's serialised bytes stay a few megabytes.
pub const BLOCK: usize = 8192;

/// Receives the artifacts in order: the graph's metrics, its edges, its
/// nodes, then the contexts. Every method may be called many times but
/// `graph_start`.
pub trait AssembleSink {
    fn graph_start(&mut self, metrics: &GraphMetrics) -> Result<(), AssembleError>;
    fn graph_edges(&mut self, edges: Vec<GraphEdgeView<'_>>) -> Result<(), AssembleError>;
    fn graph_nodes(&mut self, nodes: Vec<GraphNodeView<'_>>) -> Result<(), AssembleError>;
    fn contexts(&mut self, contexts: Vec<SymbolContextView<'_>>) -> Result<(), AssembleError>;
}

/// Keeps everything in memory.
#[derive(Debug, Default)]
pub struct Collected {
    pub graph: AssembleGraph,
    pub contexts: Vec<SymbolContext>,
}

impl AssembleSink for Collected {
    fn graph_start(&mut self, metrics: &GraphMetrics) -> Result<(), AssembleError> {
        self.graph.metrics = metrics.clone();
        Ok(())
    }

    fn graph_nodes(&mut self, nodes: Vec<GraphNodeView<'_>>) -> Result<(), AssembleError> {
        self.graph
            .nodes
            .extend(nodes.iter().map(GraphNodeView::to_owned_node));
        Ok(())
    }

    fn graph_edges(&mut self, edges: Vec<GraphEdgeView<'_>>) -> Result<(), AssembleError> {
        self.graph
            .edges
            .extend(edges.iter().map(GraphEdgeView::to_owned_edge));
        Ok(())
    }

    fn contexts(&mut self, contexts: Vec<SymbolContextView<'_>>) -> Result<(), AssembleError> {
        self.contexts
            .extend(contexts.iter().map(SymbolContextView::to_owned_context));
        Ok(())
    }
}

/// Where `graph.json` is in its one JSON object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GraphPart {
    NotStarted,
    Edges { first: bool },
    Nodes { first: bool },
}

/// Writes `graph.json` (one compact JSON object and a newline),
/// `contexts.jsonl` (one compact context per line) and `outline.jsonl`
/// (each context's [`ContextOutline`], a line each) into three writers
/// (buffered ones: blocks arrive as many small writes); each block is
/// serialised on every core, then appended in order.
pub struct JsonFiles<W: Write> {
    graph: W,
    contexts: W,
    outline: W,
    part: GraphPart,
    contexts_written: u64,
}

/// The writers of a [`JsonFiles`], every part written.
pub struct Written<W> {
    pub graph: W,
    pub contexts: W,
    pub outline: W,
    pub contexts_written: u64,
}

impl<W: Write> JsonFiles<W> {
    pub fn new(graph: W, contexts: W, outline: W) -> JsonFiles<W> {
        JsonFiles {
            graph,
            contexts,
            outline,
            part: GraphPart::NotStarted,
            contexts_written: 0,
        }
    }

    /// Closes the graph's object and hands back the writers.
    pub fn finish(mut self) -> Result<Written<W>, AssembleError> {
        let tail: &[u8] = match self.part {
            GraphPart::NotStarted => return Err(out_of_order("the end of the graph")),
            GraphPart::Edges { .. } => b"],\"nodes\":[]}\n",
            GraphPart::Nodes { .. } => b"]}\n",
        };
        self.graph.write_all(tail).map_err(io_error)?;
        Ok(Written {
            graph: self.graph,
            contexts: self.contexts,
            outline: self.outline,
            contexts_written: self.contexts_written,
        })
    }

    /// Appends `items`, serialised in parallel and separated by commas,
    /// after a comma unless they start their array.
    fn append_array<T: Serialize + Sync>(
        &mut self,
        items: &[T],
        first: bool,
    ) -> Result<(), AssembleError> {
        let parts = serialised(items)?;
        for (i, bytes) in parts.iter().enumerate() {
            if !(first && i == 0) {
                self.graph.write_all(b",").map_err(io_error)?;
            }
            self.graph.write_all(bytes).map_err(io_error)?;
        }
        Ok(())
    }
}

impl<W: Write> AssembleSink for JsonFiles<W> {
    fn graph_start(&mut self, metrics: &GraphMetrics) -> Result<(), AssembleError> {
        self.graph.write_all(b"{\"metrics\":").map_err(io_error)?;
        serde_json::to_writer(&mut self.graph, metrics).map_err(json_error)?;
        self.graph.write_all(b",\"edges\":[").map_err(io_error)?;
        self.part = GraphPart::Edges { first: true };
        Ok(())
    }

    fn graph_edges(&mut self, edges: Vec<GraphEdgeView<'_>>) -> Result<(), AssembleError> {
        let GraphPart::Edges { first } = self.part else {
            return Err(out_of_order("graph edges"));
        };
        if !edges.is_empty() {
            self.append_array(&edges, first)?;
            self.part = GraphPart::Edges { first: false };
        }
        Ok(())
    }

    fn graph_nodes(&mut self, nodes: Vec<GraphNodeView<'_>>) -> Result<(), AssembleError> {
        let first = match self.part {
            GraphPart::Edges { .. } => {
                self.graph.write_all(b"],\"nodes\":[").map_err(io_error)?;
                true
            }
            GraphPart::Nodes { first } => first,
            GraphPart::NotStarted => return Err(out_of_order("graph nodes")),
        };
        self.part = GraphPart::Nodes { first };
        if !nodes.is_empty() {
            self.append_array(&nodes, first)?;
            self.part = GraphPart::Nodes { first: false };
        }
        Ok(())
    }

    fn contexts(&mut self, contexts: Vec<SymbolContextView<'_>>) -> Result<(), AssembleError> {
        // Each context's line and its outline's, a block of both per
        // stretch of contexts.
        let blocks: Vec<(Vec<u8>, Vec<u8>)> = contexts
            .par_chunks(256)
            .map(|stretch| {
                let (mut lines, mut outlines) = (Vec::new(), Vec::new());
                for c in stretch {
                    serde_json::to_writer(&mut lines, c).map_err(json_error)?;
                    lines.push(b'\n');
                    serde_json::to_writer(&mut outlines, &c.outline()).map_err(json_error)?;
                    outlines.push(b'\n');
                }
                Ok((lines, outlines))
            })
            .collect::<Result<_, AssembleError>>()?;
        self.contexts_written += contexts.len() as u64;
        drop(contexts);
        for (lines, outlines) in &blocks {
            self.contexts.write_all(lines).map_err(io_error)?;
            self.outline.write_all(outlines).map_err(io_error)?;
        }
        Ok(())
    }
}

/// The items as compact JSON, a stretch of them per buffer (the items of
/// a stretch separated by commas), serialised on every core.
fn serialised<T: Serialize + Sync>(items: &[T]) -> Result<Vec<Vec<u8>>, AssembleError> {
    items
        .par_chunks(256)
        .map(|stretch| {
            let mut bytes = Vec::new();
            for (i, item) in stretch.iter().enumerate() {
                if i > 0 {
                    bytes.push(b',');
                }
                serde_json::to_writer(&mut bytes, item).map_err(json_error)?;
            }
            Ok(bytes)
        })
        .collect()
}

fn io_error(e: std::io::Error) -> AssembleError {
    AssembleError::Io(e.to_string())
}

fn json_error(e: serde_json::Error) -> AssembleError {
    AssembleError::Io(format!("serialising: {e}"))
}

fn out_of_order(what: &str) -> AssembleError {
    AssembleError::Io(format!("{what} arrived out of order"))
}

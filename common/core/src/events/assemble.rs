//! Payloads of the assemble stage.

use crate::{EventPayload, JobStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `assembly.started.v1`: the inputs assemble found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssemblyStarted {
    pub symbols: u64,
    pub files: u64,
    pub chunks: u64,
    /// Whether embedding vectors are available.
    pub embeddings: bool,
    /// `kmeans` or `communities`.
    pub method: String,
}

impl EventPayload for AssemblyStarted {
    const TYPE: &'static str = "assembly.started.v1";
}

/// `assembly.cluster_created.v1`: one per cluster, in cluster id order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterCreated {
    pub id: String,
    pub label: String,
    pub size: u32,
}

impl EventPayload for ClusterCreated {
    const TYPE: &'static str = "assembly.cluster_created.v1";
}

/// `assembly.graph_completed.v1`: the graph's size and shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphCompleted {
    pub nodes: u64,
    pub edges: u64,
    /// Edge kind name → count.
    pub edges_by_kind: BTreeMap<String, u64>,
    pub density: f64,
}

impl EventPayload for GraphCompleted {
    const TYPE: &'static str = "assembly.graph_completed.v1";
}

/// Totals of an assemble run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssembleTotals {
    pub symbols: u64,
    pub files: u64,
    pub modules: u64,
    pub nodes: u64,
    pub edges: u64,
    pub clusters: u64,
    pub contexts: u64,
    pub related_edges: u64,
    pub symbols_without_vectors: u64,
}

/// `assembly.completed.v1`: the terminal event of the stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssemblyCompleted {
    pub status: JobStatus,
    pub totals: AssembleTotals,
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl EventPayload for AssemblyCompleted {
    const TYPE: &'static str = "assembly.completed.v1";
    fn status(&self) -> Option<JobStatus> {
        Some(self.status)
    }
}

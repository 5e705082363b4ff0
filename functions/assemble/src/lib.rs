//! The assemble stage: from ingest's symbols, files and chunks (and embed's
//! vectors when there are any) to the graph, clusters, metrics and one
//! context per symbol that the generate stage writes summaries from.
//!
//! The algorithms are pure functions over plain data ([`assemble`]); the
//! [`AssembleHandler`] only reads the inputs from the object store, calls
//! them, and writes the artifacts (types in [`artifacts`]).
//!
//! - [`input`], [`chunks`]: what assemble computes from (a chunk reduced to
//!   its id, its symbol and its decision points).
//! - [`graph`]: petgraph nodes (modules = directories, files, symbols) and
//!   typed edges; [`imports`] and [`bases`] resolve names to nodes.
//! - [`similarity`]: exact top-k cosine by blocked matrix products;
//!   [`ivf`]: an approximate index for inputs above `exact_limit`.
//! - [`kmeans`], [`louvain`], [`labels`], [`clusters`]: clusters and names.
//! - [`pagerank`], [`metrics`], [`complexity`]: numbers.
//! - [`contexts`], [`module_contexts`]: the per-symbol and per-module facts.
//! - [`sink`], [`graph_writer`]: the graph and the contexts leave block by
//!   block, so no host holds all of them (or their JSON) at once.

pub mod assemble;
pub mod bases;
pub mod chunks;
pub mod clusters;
pub use doctown_core::complexity;
pub mod contexts;
pub mod dispatch;
pub mod error;
pub mod graph;
pub mod graph_writer;
pub mod handler;
pub mod imports;
pub mod input;
pub mod ivf;
pub mod kmeans;
pub mod labels;
pub mod louvain;
pub mod memo;
pub mod metrics;
pub mod module_contexts;
pub mod numeric;
pub mod options;
pub mod pagerank;
pub mod similarity;
pub mod sink;
pub mod topk;
pub mod vectors;

// The artifact and event types live in doctown-core, where the generate and
// pack stages read them too.
pub use doctown_core::artifacts::assemble as artifacts;
pub use doctown_core::events::assemble as events;

pub use assemble::{assemble, assemble_into, Assembled, StepTiming};
pub use chunks::ChunkInfo;
pub use error::AssembleError;
pub use handler::{AssembleHandler, VectorSource};
pub use input::AssembleInput;
pub use options::{AssembleOptions, MethodChoice};
pub use vectors::{MemoryVectors, VectorLookup};

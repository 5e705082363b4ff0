//! The docpack: Doctown's portable, deterministic, self-verifying archive of a
//! repository's documentation.
//!
//! A docpack is a gzip-compressed tar with a fixed set of entries
//! (`manifest.json`, `nodes.json`, `graph.json`, `clusters.json`,
//! `source_map.json`, `docs.json`, and optionally `embeddings.bin`,
//! `symbol_contexts.json` and `history.json`). `DOCPACK_SPEC.md` at the repository root is the
//! normative description; the JSON Schemas in `schemas/docpack/` are
//! generated from the types in [`model`].
//!
//! This crate is pure of the pipeline: it depends only on `doctown-core` for
//! the shared vocabulary (languages, symbol kinds, visibility, spans). The
//! pack stage maps pipeline artifacts into a [`DocpackInput`] and calls
//! [`write_docpack`]; readers call [`read_docpack`] and get a verified
//! [`Docpack`].
//!
//! * [`writer`]: canonical ordering, statistics, hashing and the archive bytes.
//! * [`reader`]: bounded decompression and full verification before return.
//! * [`verify()`], [`inspect()`], [`search()`], [`export_markdown()`],
//!   [`diff()`]: the library side of the `doctown docpack …` commands.

pub mod access;
mod access_build;
pub mod access_read;
mod archive;
pub mod blocks;
pub mod canonical;
mod canonical_writer;
pub mod diff;
pub mod diff_history;
pub mod embeddings;
pub mod error;
pub mod export;
pub mod export_history;
pub mod insights_text;
pub mod inspect;
pub mod mermaid;
pub mod model;
pub mod module_level;
pub mod nodes_spool;
mod out;
pub mod reader;
pub mod schema;
pub mod search;
mod spool;
mod stream_parts;
pub mod tokens;
pub mod validate;
pub mod verify;
pub mod writer;

pub use access_read::Access;
pub use diff::{diff, DocpackDiff};
pub use embeddings::Embeddings;
pub use error::DocpackError;
pub use export::{export_markdown, export_markdown_with_flows, ExportReport};
pub use inspect::{inspect, Inspection};
pub use model::*;
pub use nodes_spool::{NodesSpool, SpooledNodes, SymbolView, Symbols};
pub use reader::{read_docpack, read_docpack_bytes, read_docpack_with, ReadLimits};
pub use search::{search, search_checked, Hit};
pub use verify::{verify, verify_with, VerifyReport};
pub use writer::{encode_docpack, write_docpack, DocpackInput, EncodedDocpack, WrittenDocpack};

/// The format this crate writes, as `docpack/MAJOR.MINOR`.
pub const SCHEMA_VERSION: &str = "docpack/1.6";
/// The major version this crate reads; any other major is refused.
pub const FORMAT_MAJOR: u32 = 1;
/// The minor version this crate writes; newer minors are read, unknown fields ignored.
pub const FORMAT_MINOR: u32 = 6;

/// Entry names of the format, as they appear in the tar.
pub mod entry {
    pub const MANIFEST: &str = "manifest.json";
    pub const NODES: &str = "nodes.json";
    pub const GRAPH: &str = "graph.json";
    pub const CLUSTERS: &str = "clusters.json";
    pub const SOURCE_MAP: &str = "source_map.json";
    pub const DOCS: &str = "docs.json";
    pub const EMBEDDINGS: &str = "embeddings.bin";
    pub const SYMBOL_CONTEXTS: &str = "symbol_contexts.json";
    /// Since 1.4.
    pub const HISTORY: &str = "history.json";
    /// Since 1.6: where everything lies, for readers that do not inflate
    /// it all (`crate::access`). An index, not a part: `parts` does not
    /// name it.
    pub const ACCESS: &str = "access.bin";

    /// Parts every docpack has, besides the manifest.
    pub const REQUIRED: [&str; 5] = [NODES, GRAPH, CLUSTERS, SOURCE_MAP, DOCS];
    /// Parts a docpack may have.
    pub const OPTIONAL: [&str; 4] = [EMBEDDINGS, SYMBOL_CONTEXTS, HISTORY, ACCESS];
    /// Every entry name this version knows.
    pub const KNOWN: [&str; 10] = [
        MANIFEST,
        NODES,
        GRAPH,
        CLUSTERS,
        SOURCE_MAP,
        DOCS,
        EMBEDDINGS,
        SYMBOL_CONTEXTS,
        HISTORY,
        ACCESS,
    ];
}

//! `manifest.json`: what the docpack is, where it came from, what it holds,
//! and the checksums that prove its contents.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The summary-model id used when summaries were written from facts alone.
pub const FACTS_MODEL: &str = "facts";

/// `manifest.json`. Everything except the checksums is written by the
/// producer; statistics, parts and checksums are computed by the writer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Manifest {
    /// `docpack/MAJOR.MINOR`, e.g. `docpack/1.0`.
    pub schema_version: String,
    /// Lowercase hex SHA-256 over the contents (see `checksum`); equal to
    /// `checksum.value`.
    pub docpack_id: String,
    pub source: SourceInfo,
    pub generator: GeneratorInfo,
    pub models: ModelInfo,
    pub statistics: Statistics,
    /// Which optional parts are present.
    pub parts: OptionalParts,
    pub checksum: Checksum,
}

/// The repository the docpack documents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SourceInfo {
    /// A display name, e.g. `doctown` or `owner/repo`.
    pub name: String,
    /// Where the repository lives (a URL, or a local path for local sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo_url: Option<String>,
    /// The ref that was asked for (branch, tag), if any.
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    /// The commit the ref resolved to, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// The program that wrote the docpack.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GeneratorInfo {
    /// e.g. `doctown`.
    pub name: String,
    /// e.g. `0.1.0`.
    pub version: String,
}

/// The models that produced the docpack's derived content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ModelInfo {
    /// The embedding model id; absent when there are no embeddings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding: Option<String>,
    /// The summary model id, or `facts` when summaries were written from
    /// extracted facts without a model.
    pub summary: String,
}

/// Counts computed by the writer from the parts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Statistics {
    /// Source files in `source_map.json`.
    pub files: u64,
    /// Symbols in `nodes.json`.
    pub symbols: u64,
    /// Chunks in `source_map.json`.
    pub chunks: u64,
    /// Clusters in `clusters.json`.
    pub clusters: u64,
    /// Nodes in `graph.json`.
    pub graph_nodes: u64,
    /// Edges in `graph.json`.
    pub graph_edges: u64,
    /// Module overviews in `docs.json`.
    pub modules: u64,
    /// Rows in `embeddings.bin` (0 without embeddings).
    pub embeddings: u64,
    /// Dimensions of each embedding; absent without embeddings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding_dimensions: Option<u32>,
    /// Per language name (`rust`, `python`, …): files and symbols.
    pub languages: BTreeMap<String, LanguageStats>,
}

/// Files and symbols of one language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LanguageStats {
    pub files: u64,
    pub symbols: u64,
}

/// Which optional parts the docpack has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OptionalParts {
    /// `embeddings.bin` is present.
    pub embeddings: bool,
    /// `symbol_contexts.json` is present.
    pub symbol_contexts: bool,
    /// `history.json` is present (since 1.4).
    #[serde(default)]
    pub history: bool,
    /// Why there is no `history.json`, when the producer says (since 1.4):
    /// e.g. `the source is an archive: it has no git history`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_absent: Option<String>,
}

/// The checksums of the docpack's contents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Checksum {
    /// Always `sha256` in format 1.
    pub algorithm: String,
    /// SHA-256 over the lines `"<sha256>  <name>\n"` of `entries`, sorted
    /// by name; the same value as `docpack_id`.
    pub value: String,
    /// Every entry except `manifest.json`, sorted by name.
    pub entries: Vec<EntryChecksum>,
}

/// One entry's size and hash, so corruption can be located.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EntryChecksum {
    /// The entry name, e.g. `nodes.json`.
    pub name: String,
    /// Size of the entry in bytes (uncompressed).
    pub size: u64,
    /// Lowercase hex SHA-256 of the entry's bytes.
    pub sha256: String,
}

impl Manifest {
    /// `(major, minor)` of `schema_version`, if it is well formed.
    pub fn version(&self) -> Option<(u32, u32)> {
        manifest_version(&self.schema_version)
    }
}

/// Parses `docpack/MAJOR.MINOR`.
pub(crate) fn manifest_version(s: &str) -> Option<(u32, u32)> {
    let (major, minor) = s.strip_prefix("docpack/")?.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

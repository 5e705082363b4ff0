//! Where each stage's artifacts live under a job's prefix, and the manifests
//! that index them. A stage finds its inputs through these, never by listing.

use crate::ids::JobId;
use serde::{Deserialize, Serialize};

pub mod assemble;
pub mod generate;

/// `jobs/<job>/<stage>/<name>`
pub fn artifact_key(job_id: &JobId, stage: &str, name: &str) -> String {
    format!("jobs/{job_id}/{stage}/{name}")
}

/// `jobs/<job>/events/<nnnnnnnnnnnn>-<stage>.jsonl`: one segment of the job's
/// event log; segments sort by their first sequence number.
pub fn events_segment_key(job_id: &JobId, first_sequence: u64, producer: &str) -> String {
    format!("jobs/{job_id}/events/{first_sequence:012}-{producer}.jsonl")
}

/// `jobs/<job>/events/`
pub fn events_prefix(job_id: &JobId) -> String {
    format!("jobs/{job_id}/events/")
}

/// The index of ingest's outputs: `jobs/<job>/ingest/manifest.json`.
///
/// Chunks are written as JSON Lines shards (`chunks-00000.jsonl`, one
/// [`crate::Chunk`] per line) so later stages can fan out per shard and
/// never need every chunk in memory at once; beside them, the chunk index
/// holds each chunk without its text. Symbols (`symbols.jsonl`, one
/// [`crate::Symbol`] per line, calls resolved) and files (`files.jsonl`, one
/// [`crate::FileRecord`] per line) are single JSON Lines objects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestManifest {
    /// Object keys of the chunk shards, in order.
    pub chunk_shards: Vec<String>,
    /// Object keys of the chunk index (`chunk-index-00000.jsonl`, one
    /// [`crate::ChunkEntry`] per line), shard for shard with
    /// `chunk_shards`: what assemble and pack read of the chunks.
    pub chunk_index: Vec<String>,
    pub symbols: String,
    pub files: String,
    pub skipped: String,
    pub chunk_count: u64,
    pub symbol_count: u64,
    pub file_count: u64,
    /// The repository's git history (`history.json`, the docpack part),
    /// when it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<String>,
    /// Why there is no history, when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_absent: Option<String>,
    /// The programs the repository's manifests declare, in manifest order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub programs: Vec<Program>,
    /// What the repository says it is for, and its packages' names and
    /// descriptions ([`About`]).
    #[serde(default, skip_serializing_if = "About::is_empty")]
    pub about: About,
}

/// What a repository says about itself, in its own words: the purpose
/// (its README's first paragraph, else its root manifest's description)
/// and each package's name and description. Where a reader starts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct About {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Purpose>,
    /// Sorted by directory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<PackageAbout>,
}

impl About {
    pub fn is_empty(&self) -> bool {
        self.purpose.is_none() && self.packages.is_empty()
    }

    /// The package whose directory holds `path` most closely.
    pub fn package_of(&self, path: &str) -> Option<&PackageAbout> {
        self.packages
            .iter()
            .filter(|p| {
                p.dir.is_empty()
                    || path == p.dir
                    || path
                        .strip_prefix(p.dir.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            })
            .max_by_key(|p| p.dir.len())
    }
}

/// The repository's purpose in its own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purpose {
    /// Plain text (Markdown links and emphasis taken out), at most a few
    /// sentences.
    pub text: String,
    /// The file it was read from (`README.md`, `Cargo.toml`).
    pub source: String,
}

/// One package a manifest declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageAbout {
    /// The manifest's directory, repository-relative (`""` for the root).
    pub dir: String,
    /// The package's name as published (`doctown-extract`).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A program a manifest declares: a Cargo binary (`[[bin]]`, `src/main.rs`,
/// `src/bin/*.rs`), an npm `bin`, a Python `[project.scripts]` entry.
/// Where a reader starts, by the name people run it by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Program {
    /// The command's name (`doctown`, `flask`).
    pub name: String,
    /// The repository-relative file it starts in.
    pub path: String,
    /// The manifest that declares it.
    pub manifest: String,
    /// The function it starts at, when the manifest names one (Python's
    /// `module:function`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
}

impl IngestManifest {
    pub const NAME: &'static str = "manifest.json";
}

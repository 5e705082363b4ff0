//! Doctown's core vocabulary: ids, languages, symbols, chunks, events and the
//! job state document.
//!
//! Architecture invariant: this crate does no IO. It knows nothing of files,
//! object stores, queues, async runtimes or models; every other crate speaks
//! in its types.

pub mod artifacts;
pub mod chunk;
pub mod complexity;
pub mod error;
pub mod events;
pub mod ids;
pub mod language;
pub mod language_sniff;
pub mod range;
pub mod retry;
pub mod state;
pub mod symbol;
pub mod vectors;
pub mod words;

pub use artifacts::IngestManifest;
pub use chunk::{Chunk, ChunkEntry, ChunkKind};
pub use error::{CoreError, ErrorKind};
pub use events::{Event, EventContext, EventMeta, EventPayload};
pub use ids::{stable_hash_hex, ChunkId, JobId, SymbolId};
pub use language::Language;
pub use range::{ByteRange, Position, Span};
pub use state::{
    JobInput, JobState, JobStatus, ResolvedSource, ShardState, Stage, StageState, StageStatus,
    DOCPACK_ARTIFACT,
};
pub use symbol::{
    CallKind, CallSite, CallbackSlot, FileRecord, FileRole, Import, Provenance, ReturnedBy, Symbol,
    SymbolKind, Visibility, CONFIDENT,
};

/// The generator name written into artifacts and events.
pub const GENERATOR: &str = "doctown";
/// The generator version, from the workspace.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

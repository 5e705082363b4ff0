//! What a run keeps for the next one, so that a rebuild reads only the
//! commits that are new: each commit's changed files as the reader
//! gathered them (before renames are followed; with the symbol pass, the
//! symbols each change touched), by commit id, and the symbols and the
//! lines of the file versions at the newest commit, by blob id (the next
//! run's diffs start from the symbols, and its head side asks for both
//! again: counting a large repository's lines reads every blob at HEAD).
//!
//! A commit id names its tree and its parents, so what the reader gathers
//! for it depends only on how it reads: the reader's own code, the symbol
//! source's fingerprint, first-parent or not (merges) and the blob limit.
//! The last three are the [`CacheKey`]; the code is the build's, so the
//! bytes are to be kept where only the build that wrote them reads them
//! (the ingest stage keeps them in the one memo, `doctown_pipeline::memo`).
//! Authors are not kept (the walk maps them by the newest commit's
//! `.mailmap`, which a new commit can change; the walk is cheap), nor is
//! anything the analyses compute. So a history read with a cache equals
//! the one read without it, and the document written from it is the same
//! bytes.
//!
//! The bytes: one line of JSON, the key, then the body gzipped (JSON). A
//! cache that does not decode, or whose key differs, is refused with the
//! reason ([`CacheError`]); callers read the whole history then.

use crate::options::HistoryOptions;
use crate::record::{FileChange, SymbolSpan};
use crate::source::SymbolSource;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::io::{BufReader, Write};

/// The cache's format name and layout version.
pub const CACHE_FORMAT: &str = "doctown-history-cache";
pub const CACHE_VERSION: u32 = 1;

/// The longest first line a cache may have (its key).
const MAX_KEY_BYTES: usize = 4096;

/// Under what a cache was made; a cache is used only under an equal key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheKey {
    /// Always [`CACHE_FORMAT`].
    pub format: String,
    /// [`CACHE_VERSION`].
    pub version: u32,
    /// The symbol source's fingerprint; `None` at file level.
    pub symbols: Option<String>,
    pub first_parent: bool,
    pub max_blob_bytes: u64,
}

impl CacheKey {
    /// The key of a run with these options and symbol source.
    pub fn new(options: &HistoryOptions, symbols: Option<&dyn SymbolSource>) -> CacheKey {
        CacheKey {
            format: CACHE_FORMAT.to_string(),
            version: CACHE_VERSION,
            symbols: symbols.map(|s| s.fingerprint()),
            first_parent: options.first_parent,
            max_blob_bytes: options.max_blob_bytes,
        }
    }
}

/// Why a cache was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheError {
    /// It does not decode: truncated, corrupted, or not a history cache.
    #[error("the history cache is unreadable ({0})")]
    Corrupt(String),
    /// It decodes, but was made by another reader or with other options.
    #[error("the history cache was made {0}")]
    Mismatch(String),
}

/// The per-commit analysis of an earlier run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommitCache {
    /// By full hex commit id.
    pub commits: FxHashMap<String, Vec<FileChange>>,
    /// By blob id: the symbols of a file version (at the newest commit of
    /// the run that kept them).
    pub spans: FxHashMap<String, Vec<SymbolSpan>>,
    /// By blob id: a file version's lines (`None`: binary, or over the
    /// blob limit), at the newest commit of the run that kept them.
    pub lines: FxHashMap<String, Option<u32>>,
}

#[derive(Serialize)]
struct BodyRef<'a> {
    commits: Vec<(&'a str, &'a [FileChange])>,
    spans: Vec<(&'a str, &'a [SymbolSpan])>,
    lines: Vec<(&'a str, Option<u32>)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    commits: Vec<(String, Vec<FileChange>)>,
    spans: Vec<(String, Vec<SymbolSpan>)>,
    /// Absent from the caches of builds before it was kept.
    #[serde(default)]
    lines: Vec<(String, Option<u32>)>,
}

impl CommitCache {
    /// Reads a cache made under `expected`.
    pub fn decode(bytes: &[u8], expected: &CacheKey) -> Result<CommitCache, CacheError> {
        let corrupt = |what: &str| CacheError::Corrupt(what.to_string());
        let end = bytes
            .iter()
            .take(MAX_KEY_BYTES)
            .position(|&b| b == b'\n')
            .ok_or_else(|| corrupt("no key line"))?;
        let key: CacheKey = serde_json::from_slice(&bytes[..end])
            .map_err(|e| CacheError::Corrupt(format!("its key: {e}")))?;
        if key.format != CACHE_FORMAT {
            return Err(corrupt("not a history cache"));
        }
        if let Some(why) = mismatch(&key, expected) {
            return Err(CacheError::Mismatch(why));
        }
        let body: Body = serde_json::from_reader(BufReader::new(GzDecoder::new(&bytes[end + 1..])))
            .map_err(|e| CacheError::Corrupt(format!("its body: {e}")))?;
        let hex = |id: &str| id.len() >= 40 && id.bytes().all(|b| b.is_ascii_hexdigit());
        if let Some((id, _)) = body.commits.iter().find(|(id, _)| !hex(id)) {
            return Err(CacheError::Corrupt(format!("`{id}` is not a commit id")));
        }
        let blobs = body.spans.iter().map(|(id, _)| id);
        if let Some(id) = blobs
            .chain(body.lines.iter().map(|(id, _)| id))
            .find(|id| !hex(id))
        {
            return Err(CacheError::Corrupt(format!("`{id}` is not a blob id")));
        }
        Ok(CommitCache {
            commits: body.commits.into_iter().collect(),
            spans: body.spans.into_iter().collect(),
            lines: body.lines.into_iter().collect(),
        })
    }

    /// The bytes of a cache under `key` holding `commits`, `spans` and
    /// `lines` (written in the order given).
    pub fn encode<'a>(
        key: &CacheKey,
        commits: impl IntoIterator<Item = (&'a str, &'a [FileChange])>,
        spans: impl IntoIterator<Item = (&'a str, &'a [SymbolSpan])>,
        lines: impl IntoIterator<Item = (&'a str, Option<u32>)>,
    ) -> Vec<u8> {
        let mut out = serde_json::to_vec(key).unwrap_or_default();
        out.push(b'\n');
        let body = BodyRef {
            commits: commits.into_iter().collect(),
            spans: spans.into_iter().collect(),
            lines: lines.into_iter().collect(),
        };
        let mut gz = GzEncoder::new(out, Compression::fast());
        // Writing to memory cannot fail, and the types serialise.
        let _ = serde_json::to_writer(&mut gz, &body);
        let _ = gz.flush();
        gz.finish().unwrap_or_default()
    }
}

fn mismatch(found: &CacheKey, expected: &CacheKey) -> Option<String> {
    if found.version != expected.version {
        return Some(format!(
            "in another layout (v{}, this one v{})",
            found.version, expected.version
        ));
    }
    if found.symbols != expected.symbols {
        return Some(match (&found.symbols, &expected.symbols) {
            (None, _) => "at file level, and this run is per symbol".to_string(),
            (_, None) => "per symbol, and this run is at file level".to_string(),
            _ => "with another symbol parser".to_string(),
        });
    }
    if found.first_parent != expected.first_parent {
        return Some("with another first-parent setting".to_string());
    }
    if found.max_blob_bytes != expected.max_blob_bytes {
        return Some("with another blob size limit".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{ChangeKind, SymbolTouch};

    fn key() -> CacheKey {
        CacheKey::new(&HistoryOptions::default(), None)
    }

    fn change() -> FileChange {
        FileChange {
            path: "src/a.rs".into(),
            old_path: Some("src/b.rs".into()),
            kind: ChangeKind::Renamed,
            added: 3,
            removed: 1,
            binary: false,
            symbols: vec![SymbolTouch {
                name: "f".into(),
                kind: "function".into(),
                added: 2,
                removed: 1,
                container: false,
            }],
            symbols_added: vec!["g".into()],
            symbols_removed: vec![],
        }
    }

    const ID: &str = "0123456789abcdef0123456789abcdef01234567";
    const OTHER: &str = "fedcba9876543210fedcba9876543210fedcba98";

    #[test]
    fn a_cache_reads_back_what_was_written() {
        let changes = vec![change()];
        let spans = vec![SymbolSpan {
            name: "f".into(),
            kind: "function".into(),
            start_line: 1,
            end_line: 4,
        }];
        let bytes = CommitCache::encode(
            &key(),
            [(ID, changes.as_slice())],
            [(ID, spans.as_slice())],
            [(ID, Some(12)), (OTHER, None)],
        );
        let cache = CommitCache::decode(&bytes, &key()).unwrap();
        assert_eq!(cache.commits[ID], changes);
        assert_eq!(cache.spans[ID], spans);
        assert_eq!(cache.lines[ID], Some(12));
        assert_eq!(cache.lines[OTHER], None);
    }

    #[test]
    fn a_corrupt_or_foreign_cache_is_refused_with_the_reason() {
        let changes = vec![change()];
        let bytes = CommitCache::encode(&key(), [(ID, changes.as_slice())], [], []);
        let refused = |bytes: &[u8]| CommitCache::decode(bytes, &key()).unwrap_err();
        assert!(matches!(refused(b""), CacheError::Corrupt(_)));
        assert!(matches!(refused(b"{}\n"), CacheError::Corrupt(_)));
        assert!(matches!(
            refused(&bytes[..bytes.len() - 9]),
            CacheError::Corrupt(_)
        ));
        let mut flipped = bytes.clone();
        let last = flipped.len() - 20;
        flipped[last] ^= 0xff;
        assert!(matches!(refused(&flipped), CacheError::Corrupt(_)));
        let mut old = key();
        old.version = 0;
        let bytes = CommitCache::encode(&old, [(ID, changes.as_slice())], [], []);
        let why = refused(&bytes).to_string();
        assert!(why.contains("in another layout"), "{why}");
        let first_parent = HistoryOptions {
            first_parent: true,
            ..HistoryOptions::default()
        };
        let other = CacheKey::new(&first_parent, None);
        let bytes = CommitCache::encode(&other, [(ID, changes.as_slice())], [], []);
        assert!(matches!(refused(&bytes), CacheError::Mismatch(_)));
        let bad = CommitCache::encode(&key(), [("HEAD", changes.as_slice())], [], []);
        assert!(refused(&bad).to_string().contains("not a commit id"));
        let bad = CommitCache::encode(&key(), [], [], [("HEAD", Some(1))]);
        assert!(refused(&bad).to_string().contains("not a blob id"));
    }
}

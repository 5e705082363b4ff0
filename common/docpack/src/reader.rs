//! Reading a docpack: bounded decompression, strict entry names, then full
//! verification (version, checksums, id, parts, references) before anything
//! is returned. A damaged docpack is rejected, never half-read.
//!
//! Bomb guards: bytes are counted as they are decompressed (headers are not
//! trusted, but a header that *claims* too much is refused before reading),
//! with limits on the compressed size, the entry count, each entry's size and
//! the total expanded size. Nothing is written to disk.

pub use crate::archive::ReadLimits;
use crate::archive::{is_plain_name, read_each};
use crate::canonical::{docpack_id, sha256_hex};
use crate::embeddings::Embeddings;
use crate::error::{clean, DocpackError};
use crate::model::manifest_version;
use crate::model::*;
use crate::{entry, validate, FORMAT_MAJOR, FORMAT_MINOR};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::thread::{Scope, ScopedJoinHandle};

/// Reads and verifies a docpack file with the default limits.
pub fn read_docpack(path: &Path) -> Result<Docpack, DocpackError> {
    read_docpack_with(path, &ReadLimits::default())
}

/// Reads and verifies a docpack file.
pub fn read_docpack_with(path: &Path, limits: &ReadLimits) -> Result<Docpack, DocpackError> {
    read_path(path, limits)
}

/// Reads and verifies a docpack held in memory.
pub fn read_docpack_bytes(bytes: &[u8], limits: &ReadLimits) -> Result<Docpack, DocpackError> {
    read_verified(bytes, limits)
}

fn read_path(path: &Path, limits: &ReadLimits) -> Result<Docpack, DocpackError> {
    let file = std::fs::File::open(path).map_err(|e| DocpackError::io(path, e))?;
    let size = file
        .metadata()
        .map_err(|e| DocpackError::io(path, e))?
        .len();
    compressed_within(size, limits)?;
    // Inflated as it is read: the compressed bytes are never held.
    read_stream(std::io::BufReader::with_capacity(1 << 20, file), limits)
}

fn compressed_within(size: u64, limits: &ReadLimits) -> Result<(), DocpackError> {
    if size > limits.max_compressed_bytes {
        return Err(DocpackError::LimitExceeded(format!(
            "file is larger than {} bytes",
            limits.max_compressed_bytes
        )));
    }
    Ok(())
}

/// Refuses, as soon as the manifest is read, a docpack whose listed
/// entries pass the limits: a docpack too large to hold is refused before
/// any of it is inflated, naming the limit and the symbols it has.
pub(crate) fn listed_within(manifest: &[u8], limits: &ReadLimits) -> Result<(), DocpackError> {
    #[derive(serde::Deserialize)]
    struct Listed {
        checksum: Checksum,
        statistics: Statistics,
    }
    // A manifest that does not parse is refused later, with its fault.
    let Ok(m) = serde_json::from_slice::<Listed>(manifest) else {
        return Ok(());
    };
    let total: u64 = m.checksum.entries.iter().map(|e| e.size).sum();
    let largest = m.checksum.entries.iter().max_by_key(|e| e.size);
    let over = match largest {
        Some(e) if e.size > limits.max_entry_bytes => Some(format!(
            "its {} is {} bytes, more than {} an entry",
            clean(&e.name),
            e.size,
            limits.max_entry_bytes
        )),
        _ if total > limits.max_total_bytes => Some(format!(
            "its entries are {total} bytes, more than {} in all",
            limits.max_total_bytes
        )),
        _ => None,
    };
    match over {
        Some(why) => Err(DocpackError::LimitExceeded(format!(
            "this docpack ({} symbols) is larger than this reader's limits: {why} (a reader holding a docpack in memory takes up to 4 GiB expanded, about 2.4 million symbols; `doctown mcp` reads one of any size in place and `doctown verify` streams it)",
            m.statistics.symbols
        ))),
        None => Ok(()),
    }
}

/// A docpack's entries by name, as read.
type Entries = BTreeMap<String, Arc<Vec<u8>>>;

fn parse<T: DeserializeOwned>(entries: &Entries, name: &str) -> Result<T, DocpackError> {
    let bytes = entries
        .get(name)
        .ok_or_else(|| DocpackError::MissingPart(name.to_string()))?;
    parse_bytes(bytes, name)
}

fn read_verified(bytes: &[u8], limits: &ReadLimits) -> Result<Docpack, DocpackError> {
    compressed_within(bytes.len() as u64, limits)?;
    read_stream(bytes, limits)
}

/// Reads the docpack streamed from `source`. Each entry's checksum, and
/// the parse of the three large parts, start on threads of their own as
/// soon as the entry is inflated, so they run while the entries after it
/// inflate (a large repository's docpack, 167 MB expanded: about 0.15
/// CPU-s of inflating and 0.12 of hashing beside the parsing, which is
/// most of the 0.55 s the read takes on two cores); what they found is
/// looked at only in the order the checks go, so a damaged docpack is
/// refused for the same fault either way.
fn read_stream(
    source: impl std::io::BufRead,
    limits: &ReadLimits,
) -> Result<Docpack, DocpackError> {
    std::thread::scope(|scope| {
        let mut early = Early::default();
        let mut entries = Entries::new();
        read_each(source, limits, |name, bytes| {
            let bytes = Arc::new(bytes);
            early.start(scope, name, &bytes);
            entries.insert(name.to_string(), bytes);
        })?;
        verified(entries, early)
    })
}

/// The work started on an entry as it was read.
#[derive(Default)]
struct Early<'scope> {
    /// Each entry's SHA-256 (the manifest's aside).
    hashes: Vec<(String, ScopedJoinHandle<'scope, String>)>,
    nodes: Option<ScopedJoinHandle<'scope, Result<Nodes, DocpackError>>>,
    graph: Option<ScopedJoinHandle<'scope, Result<Graph, DocpackError>>>,
    source_map: Option<ScopedJoinHandle<'scope, Result<SourceMap, DocpackError>>>,
}

impl<'scope> Early<'scope> {
    /// Starts the work on entry `name`: only on the entries this reader
    /// knows (each read once), so at most nine threads.
    fn start<'env>(
        &mut self,
        scope: &'scope Scope<'scope, 'env>,
        name: &str,
        bytes: &Arc<Vec<u8>>,
    ) {
        if name == entry::MANIFEST || !entry::KNOWN.contains(&name) {
            return;
        }
        let hashed = bytes.clone();
        self.hashes
            .push((name.to_string(), scope.spawn(move || sha256_hex(&hashed))));
        let bytes = bytes.clone();
        match name {
            entry::NODES => {
                self.nodes = Some(scope.spawn(move || parse_bytes(&bytes, entry::NODES)))
            }
            entry::GRAPH => {
                self.graph = Some(scope.spawn(move || parse_bytes(&bytes, entry::GRAPH)))
            }
            entry::SOURCE_MAP => {
                self.source_map = Some(scope.spawn(move || parse_bytes(&bytes, entry::SOURCE_MAP)))
            }
            _ => {}
        }
    }

    /// The checksums, by entry name.
    fn hashes(&mut self) -> BTreeMap<String, String> {
        std::mem::take(&mut self.hashes)
            .into_iter()
            .filter_map(|(name, h)| h.join().ok().map(|h| (name, h)))
            .collect()
    }
}

/// What was started and not taken is waited for (its result unwanted):
/// a docpack refused is refused once its threads are done.
impl Drop for Early<'_> {
    fn drop(&mut self) {
        drop(self.hashes());
        drop(taken(self.nodes.take()));
        drop(taken(self.graph.take()));
        drop(taken(self.source_map.take()));
    }
}

/// A part parsed early, or now when it was not.
fn taken<T: DeserializeOwned>(
    started: Option<ScopedJoinHandle<'_, Result<T, DocpackError>>>,
) -> Option<Result<T, DocpackError>> {
    started.map(|h| joined(h.join()))
}

fn parse_bytes<T: DeserializeOwned>(bytes: &[u8], name: &str) -> Result<T, DocpackError> {
    serde_json::from_slice(bytes).map_err(|e| DocpackError::json(name, e))
}

/// The docpack of the entries read, once every check has passed.
fn verified(entries: Entries, mut early: Early<'_>) -> Result<Docpack, DocpackError> {
    let manifest_bytes = entries
        .get(entry::MANIFEST)
        .ok_or_else(|| DocpackError::MissingPart(entry::MANIFEST.into()))?;
    let (manifest, newer_minor) = parse_manifest(manifest_bytes)?;
    for name in entries.keys() {
        ignored_entry(name, &manifest, newer_minor)?;
    }
    for part in entry::REQUIRED {
        if !entries.contains_key(part) {
            return Err(DocpackError::MissingPart(part.to_string()));
        }
    }
    verify_checksums(&manifest, &entries, early.hashes())?;

    let docpack = parse_parts(&entries, manifest, early)?;
    // Parts this process validated as it wrote them (the same checksums,
    // so the same bytes) are not checked again.
    if validate::written_here(&docpack.manifest.docpack_id) {
        return Ok(docpack);
    }
    validate::validate_parts(&validate::Parts {
        nodes: &docpack.nodes,
        graph: &docpack.graph,
        clusters: &docpack.clusters,
        source_map: &docpack.source_map,
        docs: &docpack.docs,
        embeddings: docpack.embeddings.as_ref(),
        symbol_contexts: docpack.symbol_contexts.as_ref(),
        history: docpack.history.as_ref(),
    })?;
    Ok(docpack)
}

/// The manifest, when this reader reads its major version; and whether
/// its minor version is newer than this reader's.
pub(crate) fn parse_manifest(bytes: &[u8]) -> Result<(Manifest, bool), DocpackError> {
    let raw: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| DocpackError::json(entry::MANIFEST, e))?;
    let version = raw
        .get("schema_version")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    let (major, minor) = manifest_version(&version).ok_or(DocpackError::BadVersion(version))?;
    let found = format!("{major}.{minor}");
    let supported = format!("{FORMAT_MAJOR}.x");
    if major > FORMAT_MAJOR {
        return Err(DocpackError::NewerMajor { found, supported });
    }
    if major < FORMAT_MAJOR {
        return Err(DocpackError::OlderMajor { found, supported });
    }
    let manifest: Manifest =
        serde_json::from_value(raw).map_err(|e| DocpackError::json(entry::MANIFEST, e))?;
    Ok((manifest, minor > FORMAT_MINOR))
}

/// Whether entry `name` is one this reader ignores: unknown to it, in a
/// docpack of a newer minor version, with a plain name. An unknown entry
/// is refused otherwise.
pub(crate) fn ignored_entry(
    name: &str,
    manifest: &Manifest,
    newer_minor: bool,
) -> Result<bool, DocpackError> {
    if entry::KNOWN.contains(&name) {
        return Ok(false);
    }
    if !newer_minor || !is_plain_name(name) {
        let (major, minor) = manifest_version(&manifest.schema_version).unwrap_or_default();
        return Err(DocpackError::UnknownEntry {
            name: name.to_string(),
            version: format!("docpack/{major}.{minor}"),
        });
    }
    Ok(true)
}

/// The docpack's parts, parsed: the optional ones first (and checked
/// against the manifest), then the three large ones (parsed on threads
/// as they were read, [`Early`]), then the rest.
fn parse_parts(
    entries: &Entries,
    manifest: Manifest,
    mut early: Early<'_>,
) -> Result<Docpack, DocpackError> {
    let embeddings = match entries.get(entry::EMBEDDINGS) {
        Some(b) => Some(Embeddings::from_bytes(b)?),
        None => None,
    };
    let symbol_contexts = match entries.contains_key(entry::SYMBOL_CONTEXTS) {
        true => Some(parse::<SymbolContexts>(entries, entry::SYMBOL_CONTEXTS)?),
        false => None,
    };
    let history = match entries.contains_key(entry::HISTORY) {
        true => Some(parse::<History>(entries, entry::HISTORY)?),
        false => None,
    };
    check_parts(
        &manifest,
        embeddings
            .as_ref()
            .map(|e| (e.len() as u64, e.dims() as u64)),
        symbol_contexts.is_some(),
        history.is_some(),
    )?;
    // The three large parts were parsed as they were read.
    let nodes = taken(early.nodes.take()).unwrap_or_else(|| parse(entries, entry::NODES));
    let graph = taken(early.graph.take()).unwrap_or_else(|| parse(entries, entry::GRAPH));
    let source_map =
        taken(early.source_map.take()).unwrap_or_else(|| parse(entries, entry::SOURCE_MAP));
    let mut graph = graph?;
    let nodes = nodes?;
    if let Some(bytes) = entries.get(entry::ACCESS) {
        let index = crate::access::AccessIndex::decode(bytes)?;
        let ids = nodes
            .symbols
            .iter()
            .map(|s| crate::access::id_number(&s.id));
        if !index.rows.iter().map(|r| Some(r.id)).eq(ids) {
            return Err(DocpackError::corrupt(
                "access.bin: its symbol rows are not nodes.json's symbols",
            ));
        }
    }
    // Edge kinds of a newer minor version are skipped (an open enumeration).
    graph.edges.retain(|e| e.kind != EdgeKind::Unknown);
    Ok(Docpack {
        nodes,
        graph,
        clusters: parse(entries, entry::CLUSTERS)?,
        source_map: source_map?,
        docs: parse(entries, entry::DOCS)?,
        manifest,
        embeddings,
        symbol_contexts,
        history,
    })
}

/// A parser thread's result; a panic (never expected) becomes an error.
fn joined<T>(r: std::thread::Result<Result<T, DocpackError>>) -> Result<T, DocpackError> {
    r.unwrap_or_else(|_| Err(DocpackError::Invalid("a part's parser panicked".into())))
}

/// `hashes`: the entries' checksums, each taken on a thread of its own as
/// it was read.
fn verify_checksums(
    m: &Manifest,
    entries: &Entries,
    hashes: BTreeMap<String, String>,
) -> Result<(), DocpackError> {
    let listed = listed_entries(m)?;
    for name in entries.keys().filter(|n| n.as_str() != entry::MANIFEST) {
        listed_entry(&listed, name)?;
    }
    for (name, expected) in &listed {
        let bytes = entries
            .get(*name)
            .ok_or_else(|| DocpackError::MissingPart(clean(name)))?;
        let actual = hashes
            .get(*name)
            .cloned()
            .unwrap_or_else(|| sha256_hex(bytes));
        entry_checksum(expected, &actual, bytes.len() as u64)?;
    }
    docpack_id_matches(m, &listed)
}

/// The manifest's checksum list by name, once its algorithm is known.
pub(crate) fn listed_entries(m: &Manifest) -> Result<BTreeMap<&str, &EntryChecksum>, DocpackError> {
    if m.checksum.algorithm != "sha256" {
        return Err(DocpackError::Invalid(format!(
            "checksum algorithm {:?} is not supported (expected sha256)",
            m.checksum.algorithm
        )));
    }
    Ok(m.checksum
        .entries
        .iter()
        .map(|e| (e.name.as_str(), e))
        .collect())
}

/// The listing of entry `name`; an entry the manifest does not list is
/// refused.
pub(crate) fn listed_entry<'m>(
    listed: &BTreeMap<&str, &'m EntryChecksum>,
    name: &str,
) -> Result<&'m EntryChecksum, DocpackError> {
    listed.get(name).copied().ok_or_else(|| {
        DocpackError::Invalid(format!(
            "entry {} is not listed in the manifest's checksums",
            clean(name)
        ))
    })
}

/// An entry's SHA-256 and size agree with its listing.
pub(crate) fn entry_checksum(
    expected: &EntryChecksum,
    actual: &str,
    size: u64,
) -> Result<(), DocpackError> {
    if actual != expected.sha256 || size != expected.size {
        return Err(DocpackError::ChecksumMismatch {
            name: clean(&expected.name),
            expected: clean(&format!("{} ({} bytes)", expected.sha256, expected.size)),
            actual: format!("{actual} ({size} bytes)"),
        });
    }
    Ok(())
}

/// The id recomputed from the listing agrees with both the manifest's
/// claims.
pub(crate) fn docpack_id_matches(
    m: &Manifest,
    listed: &BTreeMap<&str, &EntryChecksum>,
) -> Result<(), DocpackError> {
    let actual = docpack_id(listed.iter().map(|(n, e)| (*n, e.sha256.as_str())));
    for claimed in [&m.checksum.value, &m.docpack_id] {
        if *claimed != actual {
            return Err(DocpackError::IdMismatch {
                expected: clean(claimed),
                actual,
            });
        }
    }
    Ok(())
}

/// The manifest's `parts` agree with the entries present, and its
/// embedding statistics with `embeddings.bin`'s header (rows, dims).
pub(crate) fn check_parts(
    m: &Manifest,
    embeddings: Option<(u64, u64)>,
    contexts: bool,
    history: bool,
) -> Result<(), DocpackError> {
    let p = &m.parts;
    if p.embeddings != embeddings.is_some() || p.symbol_contexts != contexts || p.history != history
    {
        return Err(DocpackError::Invalid(format!(
            "manifest parts (embeddings: {}, symbol_contexts: {}, history: {}) disagree with the entries present",
            p.embeddings, p.symbol_contexts, p.history
        )));
    }
    if let Some((rows, dims)) = embeddings {
        let claimed = m.statistics.embedding_dimensions;
        if claimed.map(u64::from) != Some(dims) || m.statistics.embeddings != rows {
            return Err(DocpackError::Embeddings(format!(
                "header has {rows} rows × {dims} dims but the manifest says {} rows × {:?} dims",
                m.statistics.embeddings, claimed
            )));
        }
    }
    Ok(())
}

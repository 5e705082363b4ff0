//! Reusing the previous ingest of a source: a file whose path and content
//! (SHA-256) are unchanged takes its symbols and imports from the previous
//! job's `files.jsonl` and `symbols.jsonl` instead of being parsed again,
//! and its chunks and chunk index entries, as stored, from the previous
//! job's shards instead of being cut, counted and serialised again (when
//! they were cut the same way: [`chunking_fingerprint`]).
//!
//! The previous job is found through a small pointer, an entry of the one
//! memo ([`doctown_pipeline::memo`], `cache/ingest/<source>.pointer`),
//! written after every successful ingest. Nothing else is written, so a
//! first run costs nothing extra. The memo is read by the build that
//! wrote it only (its id covers the extractor's rules, the core types,
//! the grammars and the chunker), and within it reuse is decided per file
//! by path and content hash, so the output is byte-for-byte what a fresh
//! parse gives.
//!
//! The artifacts are in path order, the order the scan asks in, so the
//! reader streams them in step with the scan: memory holds one batch of
//! entries, never the previous job's symbols or chunks.

use crate::options::IngestOptions;
use doctown_core::{
    CallSite, FileRecord, IngestManifest, JobId, Language, Provenance, Symbol, SymbolId,
};
use doctown_extract::{Extraction, ProjectLayout};
use doctown_pipeline::memo::{Memo, Slot};
use doctown_store::{ObjectStore, StoreError};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};

/// The pointer's entry in the one memo.
pub const POINTER: Slot<'static> = Slot {
    name: "pointer",
    version: 1,
    input: &[],
};

/// What decides a file's record and chunks besides its bytes and the
/// build: the chunking options.
pub fn chunking_fingerprint(options: &IngestOptions) -> String {
    format!(
        "max {} overlap {}",
        options.chunk_max_bytes, options.chunk_overlap_lines
    )
}

/// Where the previous ingest of a source left its artifacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReusePointer {
    pub job_id: JobId,
    /// The `files.jsonl` and `symbols.jsonl` keys.
    pub files: String,
    pub symbols: String,
    /// [`ProjectLayout::fingerprint`] of that run: qualified names depend
    /// on crate names and module roots, so a changed manifest means a
    /// full parse.
    pub layout: String,
    /// The chunk shards and the chunk index shards, in order, and
    /// [`chunking_fingerprint`] of the run that cut them.
    pub chunks: Vec<String>,
    pub chunk_index: Vec<String>,
    pub chunking: String,
    /// How many symbols that run found: what the next run makes room for
    /// at once.
    pub symbol_count: u64,
}

impl ReusePointer {
    pub fn new(
        job_id: JobId,
        manifest: &IngestManifest,
        layout: &ProjectLayout,
        options: &IngestOptions,
    ) -> Self {
        ReusePointer {
            job_id,
            files: manifest.files.clone(),
            symbols: manifest.symbols.clone(),
            layout: layout.fingerprint(),
            chunks: manifest.chunk_shards.clone(),
            chunk_index: manifest.chunk_index.clone(),
            chunking: chunking_fingerprint(options),
            symbol_count: manifest.symbol_count,
        }
    }
}

/// One file of the previous run: its record, its symbols and (when they
/// can be reused) its chunks as stored.
#[derive(Debug)]
pub struct Previous {
    record: FileRecord,
    symbol_lines: Vec<String>,
    chunks: Option<StoredChunks>,
}

/// A file's chunk lines and chunk index lines as the previous run stored
/// them (without their line ends), one entry for each chunk.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct StoredChunks {
    pub chunks: Vec<Vec<u8>>,
    pub entries: Vec<Vec<u8>>,
}

impl Previous {
    /// Whether the file's content is the stored one and its stored chunks
    /// can be used as they are: then the whole stored file is what reading
    /// it again would give ([`Previous::into_whole`]).
    pub fn is_whole(&self, sha256: &str) -> bool {
        self.record.sha256 == sha256 && self.chunks.is_some()
    }

    /// The stored record (imports as stored, the files it imports left to
    /// resolution), symbols and chunks: the previous run read the same
    /// bytes as text, sniffed their language, parsed, cut and counted them
    /// under the same fingerprints (the extractor's, which covers the
    /// language sniffing and the file roles, and [`chunking_fingerprint`],
    /// which covers the checks for binary and minified text). `None` when
    /// a stored symbol line does not parse.
    pub fn into_whole(self) -> Option<(FileRecord, StoredSymbols, StoredChunks)> {
        let Previous {
            mut record,
            symbol_lines,
            chunks,
        } = self;
        let chunks = chunks?;
        let symbols = stored_symbols(symbol_lines, &record.path)?;
        record.import_files = None;
        Some((record, symbols, chunks))
    }

    /// The stored extraction, when the file is the same: same language and
    /// content hash, and every symbol line parses. Call sites come back
    /// unresolved (resolution runs over the whole repository again).
    pub fn extraction(self, language: Language, sha256: &str) -> Option<(Extraction, Vec<Stored>)> {
        if self.record.language != language || self.record.sha256 != sha256 {
            return None;
        }
        let StoredSymbols { symbols, stored } =
            stored_symbols(self.symbol_lines, &self.record.path)?;
        let extraction = Extraction {
            symbols,
            imports: self.record.imports,
            has_syntax_errors: self.record.has_syntax_errors,
        };
        Some((extraction, stored))
    }
}

/// A file's stored symbols, their calls unresolved, each with its line;
/// `None` when a line does not parse or names another file than `path`.
pub(crate) fn stored_symbols(lines: Vec<String>, path: &str) -> Option<StoredSymbols> {
    let mut symbols = Vec::with_capacity(lines.len());
    let mut stored = Vec::with_capacity(lines.len());
    for line in lines {
        let mut symbol: Symbol = serde_json::from_str(&line).ok()?;
        if symbol.path != path {
            return None;
        }
        let links = symbol.calls.iter_mut().map(Link::take).collect();
        symbols.push(symbol);
        stored.push(Stored { line, links });
    }
    Some(StoredSymbols { symbols, stored })
}

/// An unchanged file's symbols as the previous run stored them: each
/// parsed, its calls unresolved, and its stored line.
#[derive(Debug, Default)]
pub struct StoredSymbols {
    pub symbols: Vec<Symbol>,
    /// One for each of `symbols`, in order.
    pub stored: Vec<Stored>,
}

/// A stored symbol's line (without its end) and the links its calls had
/// when it was written. Everything else in the line is what the file's
/// bytes make under the same extractor; a rebuild whose resolution links
/// the calls the same way writes the line as it is ([`Stored::still`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub line: String,
    pub links: Box<[Link]>,
}

impl Stored {
    /// Whether `symbol` (this stored symbol, resolved again) links its
    /// calls as the stored line does, so that serialising it again would
    /// give the line.
    pub fn still(&self, symbol: &Symbol) -> bool {
        symbol.calls.len() == self.links.len()
            && symbol
                .calls
                .iter()
                .zip(self.links.iter())
                .all(|(call, link)| link.is_of(call))
    }
}

/// What resolution decides of a call: its callee, how it was found and
/// how sure the link is.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    resolved: Option<SymbolId>,
    provenance: Option<Provenance>,
    /// The confidence's bits: equal only when serialised the same.
    confidence: Option<u32>,
}

impl Link {
    /// The call's link, taken out of it (the call is left unresolved).
    fn take(call: &mut CallSite) -> Link {
        Link {
            resolved: call.resolved.take(),
            provenance: call.provenance.take(),
            confidence: call.confidence.take().map(f32::to_bits),
        }
    }

    fn is_of(&self, call: &CallSite) -> bool {
        self.resolved == call.resolved
            && self.provenance == call.provenance
            && self.confidence == call.confidence.map(f32::to_bits)
    }
}

/// Whether a stored chunk line and a chunk index line are one chunk's:
/// both are objects that start with the same id (`{"id":"chk_…",`).
fn same_chunk(chunk: &[u8], entry: &[u8]) -> bool {
    const ID: &[u8] = b"{\"id\":\"";
    let id_end = chunk
        .get(ID.len()..)
        .and_then(|rest| rest.iter().position(|b| *b == b'"'))
        .map(|at| ID.len() + at + 1);
    match id_end {
        Some(end) => {
            chunk.starts_with(ID)
                && entry.get(..end) == chunk.get(..end)
                && chunk.ends_with(b"}")
                && entry.ends_with(b"}")
        }
        None => false,
    }
}

type Lines = std::io::Lines<BufReader<Box<dyn Read + Send>>>;

/// Each previous artifact is read 1 MiB at a time: read 8 KiB at a time,
/// the 130 MB of a 4,000-file repository's symbols and chunks took 16,000
/// system calls, on the thread that feeds the scan.
const READ_BUFFER: usize = 1 << 20;

/// The lines of several objects, one after the other (the shards of an
/// artifact), each opened when the one before it ends.
struct ShardLines<'s> {
    store: &'s dyn ObjectStore,
    keys: VecDeque<String>,
    current: Option<BufReader<Box<dyn Read + Send>>>,
}

impl<'s> ShardLines<'s> {
    fn new(store: &'s dyn ObjectStore, keys: &[String]) -> Self {
        ShardLines {
            store,
            keys: keys.iter().cloned().collect(),
            current: None,
        }
    }

    /// The next line without its end; `None` at the end, or where a shard
    /// is missing or unreadable or its last line has no end.
    fn next_line(&mut self) -> Option<Vec<u8>> {
        loop {
            let reader = match &mut self.current {
                Some(reader) => reader,
                None => {
                    let key = self.keys.pop_front()?;
                    let stream = self.store.get_stream(&key).ok()??;
                    self.current
                        .insert(BufReader::with_capacity(READ_BUFFER, stream))
                }
            };
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) => self.current = None,
                Ok(_) if line.last() == Some(&b'\n') => {
                    line.pop();
                    return Some(line);
                }
                _ => return None,
            }
        }
    }

    /// The next `n` lines, or `None` when there are fewer.
    fn take(&mut self, n: u32) -> Option<Vec<Vec<u8>>> {
        (0..n).map(|_| self.next_line()).collect()
    }
}

/// The previous run's chunk shards and chunk index, read in step.
struct ChunkReader<'s> {
    chunks: ShardLines<'s>,
    index: ShardLines<'s>,
}

/// Streams the previous run's files and symbols in path order (and its
/// chunks, when they can be reused).
pub struct PreviousReader<'s> {
    symbol_count: u64,
    layout: String,
    files: Lines,
    symbols: Lines,
    chunks: Option<ChunkReader<'s>>,
    next: Option<FileRecord>,
    done: bool,
}

impl<'s> PreviousReader<'s> {
    /// The reader for the artifacts the memo's pointer names, if this
    /// build wrote one and its job's artifacts are still there. Its chunks
    /// are read too when they were cut with `chunking` (see
    /// [`chunking_fingerprint`]).
    pub fn open(
        store: &'s dyn ObjectStore,
        memo: &Memo<'_>,
        chunking: &str,
    ) -> Result<Option<Self>, StoreError> {
        let Some(pointer) = memo.get(POINTER) else {
            return Ok(None);
        };
        let Ok(pointer) = serde_json::from_slice::<ReusePointer>(&pointer) else {
            return Ok(None);
        };
        let (Some(files), Some(symbols)) = (
            store.get_stream(&pointer.files)?,
            store.get_stream(&pointer.symbols)?,
        ) else {
            return Ok(None);
        };
        let chunks = (pointer.chunking == chunking
            && pointer.chunks.len() == pointer.chunk_index.len())
        .then(|| ChunkReader {
            chunks: ShardLines::new(store, &pointer.chunks),
            index: ShardLines::new(store, &pointer.chunk_index),
        });
        Ok(Some(PreviousReader {
            symbol_count: pointer.symbol_count,
            layout: pointer.layout,
            files: BufReader::with_capacity(READ_BUFFER, files).lines(),
            symbols: BufReader::with_capacity(READ_BUFFER, symbols).lines(),
            chunks,
            next: None,
            done: false,
        }))
    }

    /// The layout fingerprint the previous run extracted under.
    pub fn layout(&self) -> &str {
        &self.layout
    }

    /// How many symbols the previous run found (0 when not known).
    pub fn symbol_count(&self) -> usize {
        usize::try_from(self.symbol_count).unwrap_or(0)
    }

    /// The previous entry for `path`, if there is one. Paths must be asked
    /// in ascending order; entries passed over are skipped. A damaged or
    /// truncated artifact ends reuse (every later file is parsed).
    pub fn take(&mut self, path: &str) -> Option<Previous> {
        while !self.done {
            let record = match self.next.take() {
                Some(record) => record,
                None => match self.files.next() {
                    Some(Ok(line)) => match serde_json::from_str::<FileRecord>(&line) {
                        Ok(record) => record,
                        Err(_) => return self.stop(),
                    },
                    _ => return self.stop(),
                },
            };
            match record.path.as_str().cmp(path) {
                Ordering::Greater => {
                    self.next = Some(record);
                    return None;
                }
                ordering => {
                    let mut symbol_lines = Vec::with_capacity(record.symbols as usize);
                    for _ in 0..record.symbols {
                        match self.symbols.next() {
                            Some(Ok(line)) => symbol_lines.push(line),
                            _ => return self.stop(),
                        }
                    }
                    let chunks = self.take_chunks(record.chunks);
                    if ordering == Ordering::Equal {
                        return Some(Previous {
                            record,
                            symbol_lines,
                            chunks,
                        });
                    }
                }
            }
        }
        None
    }

    /// The next file's `n` chunks and index entries. A damaged or missing
    /// shard, or a chunk and an index entry that are not the same chunk,
    /// end the reuse of chunks (every later file's are cut again).
    fn take_chunks(&mut self, n: u32) -> Option<StoredChunks> {
        let reader = self.chunks.as_mut()?;
        let stored = reader
            .chunks
            .take(n)
            .zip(reader.index.take(n))
            .map(|(chunks, entries)| StoredChunks { chunks, entries })
            .filter(|s| {
                s.chunks
                    .iter()
                    .zip(&s.entries)
                    .all(|(c, e)| same_chunk(c, e))
            });
        if stored.is_none() {
            self.chunks = None;
        }
        stored
    }

    fn stop(&mut self) -> Option<Previous> {
        self.done = true;
        self.next = None;
        None
    }
}

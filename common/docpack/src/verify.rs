//! `doctown docpack verify`: every check the reader makes, streamed. The
//! archive is inflated once; each entry is hashed as it passes and its
//! JSON read element by element into the one [`Checker`] of the
//! consistency rules, so what `verify` holds is the ids (about 130 bytes a
//! symbol, see `validate`), never the text: a docpack of any size is
//! verified in memory that grows with its symbols, not its bytes.
//!
//! Streaming relies on the order the format writes: the manifest first,
//! the parts after it by name. Two threads share the work: one inflates
//! the archive and hashes each entry, the other parses what it passes on
//! (at most [`CHUNKS_IN_FLIGHT`] chunks of a MiB between them); the first
//! fault in the archive's order is the answer, whichever thread met it.

use crate::archive::{read_error, walk_entries, EntryReader};
use crate::error::DocpackError;
use crate::model::{EntryChecksum, Manifest, OptionalParts};
use crate::reader::{self, ReadLimits};
use crate::validate::{Checker, Fault};
use crate::{embeddings, entry, stream_parts};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::mpsc;

/// What `verify` checked; it is only returned when everything passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub path: String,
    pub docpack_id: String,
    pub schema_version: String,
    /// Size of the `.docpack` file.
    pub compressed_bytes: u64,
    /// Bytes decompressed, tar framing included.
    pub expanded_bytes: u64,
    /// Every entry but the manifest, with the checksum that matched.
    pub entries: Vec<EntryChecksum>,
    pub parts: OptionalParts,
    /// Entries of a newer minor version that were verified and ignored.
    pub ignored_entries: Vec<String>,
}

/// Verifies a docpack file within [`ReadLimits::streaming`].
pub fn verify(path: &Path) -> Result<VerifyReport, DocpackError> {
    verify_with(path, &ReadLimits::streaming())
}

/// Verifies a docpack file: structure, limits, version, every entry's
/// SHA-256, the docpack id, the optional parts, and cross-references.
pub fn verify_with(path: &Path, limits: &ReadLimits) -> Result<VerifyReport, DocpackError> {
    let mut checker = Checker::default();
    match stream(path, limits, &mut checker) {
        Ok(report) => Ok(report),
        Err(Fault::Error(e)) => Err(e),
        // A reference that waited is named by its position; a second pass
        // finds its owner and id, for the message the reader gives.
        Err(fault @ Fault::Unresolved { place, n, .. }) => {
            let mut finder = Checker::finding(place, n);
            let _ = stream(path, limits, &mut finder);
            Err(fault.named(finder.found))
        }
    }
}

fn stream(path: &Path, limits: &ReadLimits, checker: &mut Checker) -> Result<VerifyReport, Fault> {
    let file = std::fs::File::open(path).map_err(|e| DocpackError::io(path, e))?;
    let compressed_bytes = file
        .metadata()
        .map_err(|e| DocpackError::io(path, e))?
        .len();
    if compressed_bytes > limits.max_compressed_bytes {
        return Err(DocpackError::LimitExceeded(format!(
            "file is larger than {} bytes",
            limits.max_compressed_bytes
        ))
        .into());
    }
    // Two threads: this one inflates and hashes, the other parses and
    // checks, an entry's bytes passing between them in chunks.
    let (tx, rx) = mpsc::sync_channel(CHUNKS_IN_FLIGHT);
    let parsing = &mut *checker;
    let (walked, manifest, consumed) = std::thread::scope(|scope| {
        let consumer = scope.spawn(move || consume(rx, parsing));
        let mut walker = Walker {
            limits,
            tx,
            manifest: None,
            last_part: None,
        };
        let file = BufReader::with_capacity(1 << 20, file);
        let walked = walk_entries(file, limits, |e| walker.entry(e));
        let manifest = walker.manifest.take();
        drop(walker);
        let consumed = consumer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (walked, manifest, consumed)
    });
    // The first fault in the archive's order wins: the parser's faults
    // are in entries the walker had passed; `None` means the walker
    // stopped first, and its error says why.
    let consumed = match consumed {
        Ok(consumed) => consumed,
        Err(Some(fault)) => return Err(fault),
        Err(None) => return Err(walked.err().unwrap_or_else(stopped).into()),
    };
    let expanded_bytes = walked?;
    let (manifest, _) =
        manifest.ok_or_else(|| DocpackError::MissingPart(entry::MANIFEST.into()))?;
    finish(
        manifest,
        consumed,
        checker,
        path,
        compressed_bytes,
        expanded_bytes,
    )
}

/// Chunks of an entry between the two threads (of [`CHUNK`] bytes each).
const CHUNKS_IN_FLIGHT: usize = 8;
const CHUNK: usize = 1 << 20;

/// What passes from the walker to the parser, in the archive's order.
enum Msg {
    Begin {
        name: String,
        size: u64,
        kind: Kind,
    },
    Data(Vec<u8>),
    /// The entry's end: whether its checksum matched.
    End(Result<(), DocpackError>),
}

/// How an entry is checked.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// A newer minor version's entry: hashed, not read.
    Ignored,
    Embeddings,
    History,
    Access,
    Json,
}

/// The inflating side: the manifest, each entry's place in the order and
/// the listing, its bytes hashed and passed on.
struct Walker<'c> {
    limits: &'c ReadLimits,
    tx: mpsc::SyncSender<Msg>,
    manifest: Option<(Manifest, bool)>,
    /// The last part read, for the order.
    last_part: Option<String>,
}

impl Walker<'_> {
    fn entry(&mut self, e: EntryReader<'_>) -> Result<(), DocpackError> {
        let Some((manifest, newer_minor)) = &self.manifest else {
            return self.first(e);
        };
        let name = e.name;
        let ignored = reader::ignored_entry(name, manifest, *newer_minor)?;
        let listed = reader::listed_entries(manifest)?;
        let expected = (*reader::listed_entry(&listed, name)?).clone();
        if !ignored {
            if let Some(last) = self.last_part.as_deref().filter(|last| *last >= name) {
                return Err(DocpackError::Invalid(format!(
                    "entry {name} comes after {last}: the format orders the parts by name, and verify reads them in that order"
                )));
            }
            self.last_part = Some(name.to_string());
        }
        let kind = match name {
            _ if ignored => Kind::Ignored,
            entry::EMBEDDINGS => Kind::Embeddings,
            entry::HISTORY => Kind::History,
            entry::ACCESS => Kind::Access,
            _ => Kind::Json,
        };
        self.send(Msg::Begin {
            name: name.to_string(),
            size: e.size,
            kind,
        })?;
        let (mut sha, mut len) = (Sha256::new(), 0u64);
        loop {
            let mut chunk = vec![0u8; CHUNK];
            let n = read_full(e.bytes, &mut chunk).map_err(read_error)?;
            if n == 0 {
                break;
            }
            chunk.truncate(n);
            sha.update(&chunk);
            len += n as u64;
            self.send(Msg::Data(chunk))?;
        }
        let actual = hex::encode(sha.finalize());
        self.send(Msg::End(reader::entry_checksum(&expected, &actual, len)))
    }

    /// The manifest, which must come first.
    fn first(&mut self, e: EntryReader<'_>) -> Result<(), DocpackError> {
        // The format puts the manifest first, and a stream needs it first.
        if e.name != entry::MANIFEST {
            return Err(DocpackError::MissingPart(entry::MANIFEST.into()));
        }
        let mut bytes = Vec::new();
        e.bytes.read_to_end(&mut bytes).map_err(read_error)?;
        reader::listed_within(&bytes, self.limits)?;
        let manifest = reader::parse_manifest(&bytes)?;
        reader::listed_entries(&manifest.0)?;
        self.manifest = Some(manifest);
        Ok(())
    }

    /// Passes a message on; the parser is gone only after a fault of its
    /// own, which is then the answer.
    fn send(&self, msg: Msg) -> Result<(), DocpackError> {
        self.tx.send(msg).map_err(|_| stopped())
    }
}

/// The error of a side that stopped because the other did.
fn stopped() -> DocpackError {
    DocpackError::Invalid("verification stopped".into())
}

/// Fills `buf` as far as the reader goes; 0 at the end.
fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// What the parsing side read.
#[derive(Default)]
struct Consumed {
    /// Entries verified, by name.
    seen: BTreeSet<String>,
    ignored: Vec<String>,
    /// `embeddings.bin`'s rows and dims.
    embeddings: Option<(u64, u64)>,
}

/// The parsing side: each entry's bytes read into the checker. `Err(None)`:
/// the walker stopped within an entry (its error says why).
fn consume(rx: mpsc::Receiver<Msg>, checker: &mut Checker) -> Result<Consumed, Option<Fault>> {
    let mut consumed = Consumed::default();
    while let Ok(msg) = rx.recv() {
        let Msg::Begin { name, size, kind } = msg else {
            unreachable!("an entry's bytes come after its Begin");
        };
        let mut bytes = Chunks::new(&rx);
        let checked = match kind {
            Kind::Ignored => Ok(()),
            Kind::Embeddings => {
                embeddings::check_stream(&mut bytes, size, |id| checker.embedding(id))
                    .map(|rows_dims| consumed.embeddings = Some(rows_dims))
                    .map_err(Fault::from)
            }
            Kind::History => stream_parts::check_history(BufReader::new(&mut bytes), checker),
            Kind::Access => {
                let mut raw = Vec::new();
                std::io::Read::read_to_end(&mut bytes, &mut raw)
                    .map_err(|e| Fault::from(crate::archive::read_error(e)))
                    .and_then(|_| {
                        let index = crate::access::AccessIndex::decode(&raw)?;
                        drop(raw);
                        checker.access(index.rows.iter().map(|r| r.id));
                        Ok(())
                    })
            }
            Kind::Json => stream_parts::check_part(
                &name,
                size,
                BufReader::with_capacity(1 << 18, &mut bytes),
                checker,
            ),
        };
        // A damaged entry is named by its checksum, whatever its parse
        // found first.
        bytes.end().ok_or(None)?.map_err(|e| Some(e.into()))?;
        checked.map_err(Some)?;
        if kind == Kind::Ignored {
            consumed.ignored.push(name.clone());
        }
        consumed.seen.insert(name);
    }
    Ok(consumed)
}

/// One entry's bytes as they arrive.
struct Chunks<'r> {
    rx: &'r mpsc::Receiver<Msg>,
    chunk: Vec<u8>,
    at: usize,
    /// The entry's end, once reached: its checksum's verdict.
    end: Option<Result<(), DocpackError>>,
}

impl<'r> Chunks<'r> {
    fn new(rx: &'r mpsc::Receiver<Msg>) -> Self {
        Chunks {
            rx,
            chunk: Vec::new(),
            at: 0,
            end: None,
        }
    }

    /// Reads to the entry's end: the checksum's verdict, or `None` when
    /// the walker stopped first.
    fn end(mut self) -> Option<Result<(), DocpackError>> {
        while self.end.is_none() {
            match self.rx.recv().ok()? {
                Msg::Data(_) => {}
                Msg::End(verdict) => self.end = Some(verdict),
                Msg::Begin { .. } => unreachable!("an entry ends before the next begins"),
            }
        }
        self.end
    }
}

impl Read for Chunks<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.chunk.len() {
            if self.end.is_some() {
                return Ok(0);
            }
            match self.rx.recv() {
                Ok(Msg::Data(chunk)) => (self.chunk, self.at) = (chunk, 0),
                Ok(Msg::End(verdict)) => self.end = Some(verdict),
                Ok(Msg::Begin { .. }) => unreachable!("an entry ends before the next begins"),
                Err(_) => return Err(std::io::Error::other("the archive's reading stopped")),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn finish(
    m: Manifest,
    consumed: Consumed,
    checker: &mut Checker,
    path: &Path,
    compressed_bytes: u64,
    expanded_bytes: u64,
) -> Result<VerifyReport, Fault> {
    let seen = &consumed.seen;
    for part in entry::REQUIRED {
        if !seen.contains(part) {
            return Err(DocpackError::MissingPart(part.to_string()).into());
        }
    }
    let listed = reader::listed_entries(&m)?;
    if let Some(name) = listed.keys().find(|n| !seen.contains(**n)) {
        return Err(DocpackError::MissingPart(crate::error::clean(name)).into());
    }
    reader::docpack_id_matches(&m, &listed)?;
    let present = |name: &str| seen.contains(name);
    reader::check_parts(
        &m,
        consumed.embeddings,
        present(entry::SYMBOL_CONTEXTS),
        present(entry::HISTORY),
    )?;
    checker.finish()?;
    Ok(VerifyReport {
        path: path.display().to_string(),
        docpack_id: m.docpack_id,
        schema_version: m.schema_version,
        compressed_bytes,
        expanded_bytes,
        entries: m.checksum.entries,
        parts: m.parts,
        ignored_entries: consumed.ignored,
    })
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "ok: {} is a valid docpack", self.path)?;
        writeln!(f, "  id       {}", self.docpack_id)?;
        writeln!(f, "  format   {}", self.schema_version)?;
        writeln!(
            f,
            "  size     {} bytes compressed, {} expanded",
            self.compressed_bytes, self.expanded_bytes
        )?;
        for e in &self.entries {
            writeln!(
                f,
                "  {:<22} {:>10} bytes  sha256 {}",
                e.name, e.size, e.sha256
            )?;
        }
        for name in &self.ignored_entries {
            writeln!(f, "  {name:<22} (newer minor version; verified, not read)")?;
        }
        Ok(())
    }
}

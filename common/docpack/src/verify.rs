//! `doctown docpack verify`: every check the reader makes, streamed. The
//! archive is inflated once; each entry is hashed as it passes and its
//! JSON read element by element into the one [`Checker`] of the
//! consistency rules, so what `verify` holds is the ids (about 130 bytes a
//! symbol, see `validate`), never the text: a docpack of any size is
//! verified in memory that grows with its symbols, not its bytes.
//!
//! Streaming relies on the order the format writes: the manifest first,
//! the parts after it by name.

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
    let mut v = Stream {
        limits,
        checker,
        manifest: None,
        seen: BTreeSet::new(),
        last_part: None,
        ignored: Vec::new(),
        embeddings: None,
    };
    let mut fault = None;
    let walked = walk_entries(BufReader::with_capacity(1 << 20, file), limits, |e| {
        v.entry(e).map_err(|f| match f {
            Fault::Error(e) => e,
            f => {
                fault = Some(f);
                DocpackError::Invalid(String::new())
            }
        })
    });
    if let Some(f) = fault {
        return Err(f);
    }
    let expanded_bytes = walked?;
    v.finish(path, compressed_bytes, expanded_bytes)
}

/// The state of one streaming pass.
struct Stream<'c> {
    limits: &'c ReadLimits,
    checker: &'c mut Checker,
    manifest: Option<(Manifest, bool)>,
    /// Entries verified so far, by name.
    seen: BTreeSet<String>,
    /// The last part read, for the order.
    last_part: Option<String>,
    ignored: Vec<String>,
    /// `embeddings.bin`'s rows and dims.
    embeddings: Option<(u64, u64)>,
}

impl Stream<'_> {
    fn entry(&mut self, e: EntryReader<'_>) -> Result<(), Fault> {
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
                ))
                .into());
            }
            self.last_part = Some(name.to_string());
        }
        let mut hashing = Hashing::new(e.bytes);
        let checked = match name {
            _ if ignored => Ok(()),
            entry::EMBEDDINGS => {
                let checker = &mut *self.checker;
                embeddings::check_stream(&mut hashing, e.size, |id| checker.embedding(id))
                    .map(|rows_dims| self.embeddings = Some(rows_dims))
                    .map_err(Fault::from)
            }
            entry::HISTORY => {
                stream_parts::check_history(BufReader::new(&mut hashing), self.checker)
            }
            _ => stream_parts::check_part(
                name,
                e.size,
                BufReader::with_capacity(1 << 18, &mut hashing),
                self.checker,
            ),
        };
        // A damaged entry is named by its checksum, whatever its parse
        // found first.
        std::io::copy(&mut hashing, &mut std::io::sink()).map_err(read_error)?;
        let (actual, size) = hashing.finish();
        reader::entry_checksum(&expected, &actual, size)?;
        checked?;
        if ignored {
            self.ignored.push(name.to_string());
        }
        self.seen.insert(name.to_string());
        Ok(())
    }

    /// The manifest, which must come first.
    fn first(&mut self, e: EntryReader<'_>) -> Result<(), Fault> {
        // The format puts the manifest first, and a stream needs it first.
        if e.name != entry::MANIFEST {
            return Err(DocpackError::MissingPart(entry::MANIFEST.into()).into());
        }
        let mut bytes = Vec::new();
        e.bytes.read_to_end(&mut bytes).map_err(read_error)?;
        reader::listed_within(&bytes, self.limits)?;
        let manifest = reader::parse_manifest(&bytes)?;
        reader::listed_entries(&manifest.0)?;
        self.manifest = Some(manifest);
        Ok(())
    }

    fn finish(
        self,
        path: &Path,
        compressed_bytes: u64,
        expanded_bytes: u64,
    ) -> Result<VerifyReport, Fault> {
        let (m, _) = self
            .manifest
            .ok_or_else(|| DocpackError::MissingPart(entry::MANIFEST.into()))?;
        for part in entry::REQUIRED {
            if !self.seen.contains(part) {
                return Err(DocpackError::MissingPart(part.to_string()).into());
            }
        }
        let listed = reader::listed_entries(&m)?;
        if let Some(name) = listed.keys().find(|n| !self.seen.contains(**n)) {
            return Err(DocpackError::MissingPart(crate::error::clean(name)).into());
        }
        reader::docpack_id_matches(&m, &listed)?;
        let present = |name: &str| self.seen.contains(name);
        reader::check_parts(
            &m,
            self.embeddings,
            present(entry::SYMBOL_CONTEXTS),
            present(entry::HISTORY),
        )?;
        self.checker.finish()?;
        Ok(VerifyReport {
            path: path.display().to_string(),
            docpack_id: m.docpack_id,
            schema_version: m.schema_version,
            compressed_bytes,
            expanded_bytes,
            entries: m.checksum.entries,
            parts: m.parts,
            ignored_entries: self.ignored,
        })
    }
}

/// An entry's bytes, hashed and counted as they are read.
struct Hashing<'a> {
    inner: &'a mut dyn Read,
    sha: Sha256,
    len: u64,
}

impl<'a> Hashing<'a> {
    fn new(inner: &'a mut dyn Read) -> Self {
        Hashing {
            inner,
            sha: Sha256::new(),
            len: 0,
        }
    }

    fn finish(self) -> (String, u64) {
        (hex::encode(self.sha.finalize()), self.len)
    }
}

impl Read for Hashing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sha.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
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

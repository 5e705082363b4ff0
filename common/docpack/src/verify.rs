//! `doctown docpack verify`: read a docpack with every check the reader
//! makes, and report what was verified.

use crate::error::DocpackError;
use crate::model::{EntryChecksum, OptionalParts};
use crate::reader::{read_path, ReadLimits};
use serde::Serialize;
use std::fmt;
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

/// Verifies a docpack file with the default limits.
pub fn verify(path: &Path) -> Result<VerifyReport, DocpackError> {
    verify_with(path, &ReadLimits::default())
}

/// Verifies a docpack file: structure, limits, version, every entry's
/// SHA-256, the docpack id, the optional parts, and cross-references.
pub fn verify_with(path: &Path, limits: &ReadLimits) -> Result<VerifyReport, DocpackError> {
    let (docpack, stats) = read_path(path, limits)?;
    let m = docpack.manifest;
    Ok(VerifyReport {
        path: path.display().to_string(),
        docpack_id: m.docpack_id,
        schema_version: m.schema_version,
        compressed_bytes: stats.compressed_bytes,
        expanded_bytes: stats.expanded_bytes,
        entries: m.checksum.entries,
        parts: m.parts,
        ignored_entries: stats.ignored_entries,
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

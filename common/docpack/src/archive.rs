//! Bounded reading of the tar.gz: every entry into memory, counting bytes as
//! they are decompressed, refusing unsafe names, non-files, duplicates, and
//! anything after the archive's end beyond a little zero padding.

use crate::error::DocpackError;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::rc::Rc;

const GIB: u64 = 1 << 30;

/// Limits that bound what a reader will decompress and hold in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// Most tar entries (default 10 000).
    pub max_entries: usize,
    /// Largest single entry, uncompressed (default 2 GiB).
    pub max_entry_bytes: u64,
    /// Most decompressed bytes in all, tar framing included (default 4 GiB).
    pub max_total_bytes: u64,
    /// Largest `.docpack` file (default 4 GiB).
    pub max_compressed_bytes: u64,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_entries: 10_000,
            max_entry_bytes: 2 * GIB,
            max_total_bytes: 4 * GIB,
            max_compressed_bytes: 4 * GIB,
        }
    }
}

/// Most zero padding accepted after the tar's end-of-archive marker.
pub const MAX_TRAILING_BYTES: u64 = 1 << 20;

/// Counts decompressed bytes and fails once the total passes the limit.
struct Counted<R> {
    inner: R,
    count: Rc<Cell<u64>>,
    limit: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        if self.count.get() > self.limit {
            return Err(io::Error::other("expanded size limit"));
        }
        Ok(n)
    }
}

/// The decompressed, counted stream of a docpack's bytes.
type Expanded<'b> = Counted<flate2::bufread::GzDecoder<&'b [u8]>>;

/// Reads every entry of the tar.gz into memory, within the limits.
pub(crate) fn read_entries(
    bytes: &[u8],
    limits: &ReadLimits,
) -> Result<(BTreeMap<String, Vec<u8>>, u64), DocpackError> {
    let count = Rc::new(Cell::new(0u64));
    let fail = |e: io::Error, count: &Rc<Cell<u64>>| read_failure(e, count, limits);
    let gz = flate2::bufread::GzDecoder::new(bytes);
    let counted = Counted {
        inner: gz,
        count: count.clone(),
        limit: limits.max_total_bytes,
    };
    let mut archive = tar::Archive::new(counted);
    let mut entries: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut declared = 0u64;
    for item in archive.entries().map_err(|e| fail(e, &count))? {
        let mut e = item.map_err(|e| fail(e, &count))?;
        if entries.len() >= limits.max_entries {
            return Err(DocpackError::LimitExceeded(format!(
                "more than {} entries",
                limits.max_entries
            )));
        }
        let (name, buf) = read_entry(&mut e, limits, &count, &mut declared)?;
        if entries.insert(name.clone(), buf).is_some() {
            return Err(DocpackError::DuplicateEntry(name));
        }
    }
    refuse_trailing(archive.into_inner(), limits, &count)?;
    Ok((entries, count.get()))
}

/// The error of an archive that expands past the total limit.
fn total_exceeded(limits: &ReadLimits) -> DocpackError {
    DocpackError::LimitExceeded(format!(
        "expands to more than {} bytes",
        limits.max_total_bytes
    ))
}

/// A read error: the total limit passed, or else a corrupt archive.
fn read_failure(e: io::Error, count: &Cell<u64>, limits: &ReadLimits) -> DocpackError {
    if count.get() > limits.max_total_bytes {
        total_exceeded(limits)
    } else {
        DocpackError::corrupt(e.to_string())
    }
}

/// One entry's name (checked) and bytes, within the limits on its size and
/// on the sizes `declared` so far.
fn read_entry(
    e: &mut tar::Entry<'_, Expanded<'_>>,
    limits: &ReadLimits,
    count: &Cell<u64>,
    declared: &mut u64,
) -> Result<(String, Vec<u8>), DocpackError> {
    let name = String::from_utf8(e.path_bytes().into_owned())
        .map_err(|err| DocpackError::UnsafePath(String::from_utf8_lossy(err.as_bytes()).into()))?;
    check_name(&name)?;
    if !e.header().entry_type().is_file() {
        return Err(DocpackError::NotAFile(name));
    }
    let size = e.size();
    *declared = declared.saturating_add(size);
    if size > limits.max_entry_bytes {
        return Err(DocpackError::LimitExceeded(format!(
            "entry {name} is {size} bytes, more than {}",
            limits.max_entry_bytes
        )));
    }
    if *declared > limits.max_total_bytes {
        return Err(total_exceeded(limits));
    }
    let mut buf = Vec::with_capacity(size.min(64 << 20) as usize);
    e.take(limits.max_entry_bytes + 1)
        .read_to_end(&mut buf)
        .map_err(|err| read_failure(err, count, limits))?;
    if buf.len() as u64 != size {
        return Err(DocpackError::corrupt(format!("entry {name} is truncated")));
    }
    Ok((name, buf))
}

/// Reads to the end of the gzip stream, so its CRC and length are checked,
/// and refuses anything after the tar's end (but a little zero padding) or
/// after the gzip member.
fn refuse_trailing(
    mut counted: Expanded<'_>,
    limits: &ReadLimits,
    count: &Cell<u64>,
) -> Result<(), DocpackError> {
    let mut chunk = [0u8; 8192];
    let mut trailing = 0u64;
    loop {
        let n = counted
            .read(&mut chunk)
            .map_err(|e| read_failure(e, count, limits))?;
        if n == 0 {
            break;
        }
        trailing += n as u64;
        if trailing > MAX_TRAILING_BYTES {
            return Err(DocpackError::LimitExceeded(format!(
                "more than {MAX_TRAILING_BYTES} bytes of padding after the tar archive"
            )));
        }
        if chunk[..n].iter().any(|&b| b != 0) {
            return Err(DocpackError::Corrupt(
                "data after the end of the tar archive".into(),
            ));
        }
    }
    if !counted.inner.into_inner().is_empty() {
        return Err(DocpackError::Corrupt(
            "bytes after the end of the gzip stream".into(),
        ));
    }
    Ok(())
}

/// Flat names only: a known entry, or (for newer minors) a plain file name.
fn check_name(name: &str) -> Result<(), DocpackError> {
    let traversal = name.starts_with('/')
        || name.starts_with('\\')
        || name.split(['/', '\\']).any(|part| part == "..")
        || name.as_bytes().get(1) == Some(&b':');
    if traversal || name.is_empty() || name.chars().any(char::is_control) {
        return Err(DocpackError::UnsafePath(name.to_string()));
    }
    Ok(())
}

pub(crate) fn is_plain_name(name: &str) -> bool {
    name.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b))
        && !name.starts_with('.')
}

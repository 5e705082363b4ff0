//! Bounded reading of the tar.gz: one walk over the entries, counting bytes
//! as they are decompressed, refusing unsafe names, non-files, duplicates,
//! and anything after the archive's end beyond a little zero padding. The
//! in-memory reader collects the entries ([`read_entries`]); `verify`
//! streams each one through its checks ([`walk_entries`]) and holds none.

use crate::error::DocpackError;
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufRead, Read};
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

impl ReadLimits {
    /// The limits of the streaming `verify`, which holds ids, not bytes:
    /// its byte limits bound only the time it may take (64 GiB a file or
    /// an entry, 256 GiB expanded); the entry count is the default's.
    pub fn streaming() -> ReadLimits {
        ReadLimits {
            max_entry_bytes: 64 * GIB,
            max_total_bytes: 256 * GIB,
            max_compressed_bytes: 64 * GIB,
            ..ReadLimits::default()
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
type Expanded<R> = Counted<flate2::bufread::GzDecoder<R>>;

/// One entry of the archive as the walk hands it over: its checked name and
/// declared size, and a reader of exactly its bytes (which fails, naming
/// the fault, past a limit or on a damaged stream).
pub(crate) struct EntryReader<'a> {
    pub name: &'a str,
    pub size: u64,
    pub bytes: &'a mut dyn Read,
}

/// Reads every entry of the tar.gz into memory, within the limits; and the
/// bytes decompressed.
pub(crate) fn read_entries(
    source: impl BufRead,
    limits: &ReadLimits,
) -> Result<(BTreeMap<String, Vec<u8>>, u64), DocpackError> {
    let mut entries: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let expanded = read_each(source, limits, |name, bytes| {
        entries.insert(name.to_string(), bytes);
    })?;
    Ok((entries, expanded))
}

/// Reads every entry of the tar.gz into memory, within the limits (a
/// manifest that comes first is checked against them before the rest is
/// inflated), handing each to `take` in archive order as soon as it is
/// read; returns the bytes decompressed.
pub(crate) fn read_each(
    source: impl BufRead,
    limits: &ReadLimits,
    mut take: impl FnMut(&str, Vec<u8>),
) -> Result<u64, DocpackError> {
    let mut first = true;
    walk_entries(source, limits, |e| {
        // A header may lie about its size: reserve at most 64 MiB up front.
        let mut buf = Vec::with_capacity(e.size.min(64 << 20) as usize);
        e.bytes.read_to_end(&mut buf).map_err(read_error)?;
        if std::mem::take(&mut first) && e.name == crate::entry::MANIFEST {
            crate::reader::listed_within(&buf, limits)?;
        }
        take(e.name, buf);
        Ok(())
    })
}

/// The error an entry's reader gave, as the walk made it.
pub(crate) fn read_error(e: io::Error) -> DocpackError {
    match e.into_inner().map(|inner| inner.downcast::<WalkError>()) {
        Some(Ok(walk)) => walk.0,
        Some(Err(other)) => DocpackError::corrupt(other.to_string()),
        None => DocpackError::corrupt("unreadable entry"),
    }
}

/// A [`DocpackError`] carried through `io::Read`.
#[derive(Debug)]
struct WalkError(DocpackError);

impl std::fmt::Display for WalkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for WalkError {}

/// Walks the tar.gz read from `source`, handing each entry to `on_entry`
/// in archive order (which must read it to its end), within the limits;
/// returns the bytes decompressed, tar framing included.
pub(crate) fn walk_entries<R: BufRead>(
    source: R,
    limits: &ReadLimits,
    mut on_entry: impl FnMut(EntryReader<'_>) -> Result<(), DocpackError>,
) -> Result<u64, DocpackError> {
    let count = Rc::new(Cell::new(0u64));
    let fail = |e: io::Error, count: &Rc<Cell<u64>>| read_failure(e, count, limits);
    let counted = Counted {
        inner: flate2::bufread::GzDecoder::new(source),
        count: count.clone(),
        limit: limits.max_total_bytes,
    };
    let mut archive = tar::Archive::new(counted);
    let mut names = BTreeSet::new();
    let mut declared = 0u64;
    for item in archive.entries().map_err(|e| fail(e, &count))? {
        let mut e = item.map_err(|e| fail(e, &count))?;
        if names.len() >= limits.max_entries {
            return Err(DocpackError::LimitExceeded(format!(
                "more than {} entries",
                limits.max_entries
            )));
        }
        let (name, size) = entry_header(&e, limits, &mut declared)?;
        if !names.insert(name.clone()) {
            return Err(DocpackError::DuplicateEntry(name));
        }
        let mut bytes = Checked {
            inner: (&mut e).take(limits.max_entry_bytes + 1),
            name: &name,
            size,
            read: 0,
            count: &count,
            limits,
        };
        on_entry(EntryReader {
            name: &name,
            size,
            bytes: &mut bytes,
        })?;
        // What the handler left unread still counts and is checked.
        io::copy(&mut bytes, &mut io::sink()).map_err(read_error)?;
    }
    refuse_trailing(archive.into_inner(), limits, &count)?;
    Ok(count.get())
}

/// An entry's bytes, failing (with a [`WalkError`]) on a damaged stream,
/// the total limit, or fewer bytes than the header declared.
struct Checked<'a, R> {
    inner: R,
    name: &'a str,
    size: u64,
    read: u64,
    count: &'a Cell<u64>,
    limits: &'a ReadLimits,
}

impl<R: Read> Read for Checked<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let failed = |e: DocpackError| io::Error::other(WalkError(e));
        let n = self
            .inner
            .read(buf)
            .map_err(|e| failed(read_failure(e, self.count, self.limits)))?;
        self.read += n as u64;
        if n == 0 && !buf.is_empty() && self.read != self.size {
            let name = self.name;
            return Err(failed(DocpackError::corrupt(format!(
                "entry {name} is truncated"
            ))));
        }
        Ok(n)
    }
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

/// One entry's name (checked) and declared size, within the limits on its
/// size and on the sizes `declared` so far.
fn entry_header<R: Read>(
    e: &tar::Entry<'_, R>,
    limits: &ReadLimits,
    declared: &mut u64,
) -> Result<(String, u64), DocpackError> {
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
    Ok((name, size))
}

/// Reads to the end of the gzip stream, so its CRC and length are checked,
/// and refuses anything after the tar's end (but a little zero padding) or
/// after the gzip member.
fn refuse_trailing<R: BufRead>(
    mut counted: Expanded<R>,
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
    let mut rest = counted.inner.into_inner();
    if !rest
        .fill_buf()
        .map_err(|e| DocpackError::corrupt(e.to_string()))?
        .is_empty()
    {
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

//! Reading a docpack of the random-access layout (1.6, with `access.bin`)
//! without inflating it: [`Access::open`] inflates the manifest and
//! `access.bin` (the first two entries), checks them, and finds where each
//! later block starts in the file; then any stretch of the archive costs
//! the blocks it spans, each inflated alone, checked against its BLAKE3
//! hash in `access.bin` and kept in a cache of bounded size.
//!
//! Where a block starts: each ends with a sync flush, whose last four
//! bytes are `00 00 ff ff`, and the next starts on the following byte. The
//! file is scanned for those bytes after `access.bin`; the last of them,
//! one per block and one before the final empty block, are the blocks'
//! starts when the first lies where `access.bin`'s blocks end and block 0
//! inflates from it. The same four bytes can occur inside a
//! block's deflated data; then the starts are resolved block by block, by
//! inflating each up to the first candidate that ends it exactly
//! (`resolve`). What is read is always checked against its hash, so a
//! wrong start is an error, never a wrong answer.

use crate::access::{AccessIndex, EntrySpan};
use crate::error::DocpackError;
use crate::model::{Manifest, SymbolNode};
use crate::{entry, reader};
use flate2::{Decompress, FlushDecompress, Status};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The gzip header Doctown writes (§1): the layout starts right after it.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
const SYNC: [u8; 4] = [0, 0, 0xff, 0xff];
/// The final empty block and the gzip trailer after the last sync flush.
const TAIL: u64 = 2 + 8;
/// Inflated blocks kept, unless told: 64 MiB (about 800 blocks).
pub const DEFAULT_CACHE_BYTES: usize = 64 << 20;
/// The most deflated bytes a block takes (a block of at most 1 MiB, as
/// earlier writers cut them, stored where it does not compress, plus the
/// flush).
const MAX_DEFLATED: u64 = 2 << 20;
/// The largest `access.bin` read (its tables are held in memory).
const MAX_INDEX: u64 = 4 << 30;

/// An open docpack of the random-access layout.
pub struct Access {
    path: PathBuf,
    file: File,
    pub manifest: Manifest,
    pub index: AccessIndex,
    /// Where each block after `access.bin` starts in the file, and where
    /// the final block does.
    starts: Vec<u64>,
    /// Where each block starts in the inflated stretch, and its end.
    offsets: Vec<u64>,
    cache: Mutex<Cache>,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access").field("path", &self.path).finish()
    }
}

impl Access {
    /// Opens `path`, checking its manifest and index, with the default
    /// cache.
    pub fn open(path: &Path) -> Result<Access, DocpackError> {
        Access::open_with(path, DEFAULT_CACHE_BYTES)
    }

    /// [`Access::open`] keeping at most `cache_bytes` of inflated blocks.
    pub fn open_with(path: &Path, cache_bytes: usize) -> Result<Access, DocpackError> {
        let io = |e| DocpackError::io(path, e);
        let file = File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let mut header = [0u8; 10];
        file.read_exact_at(&mut header, 0)
            .map_err(|_| DocpackError::corrupt("the file is shorter than a gzip header"))?;
        if header != GZIP_HEADER {
            return Err(not_random_access("its gzip header is not Doctown's"));
        }
        let (manifest, index, consumed) = read_head(&file, path)?;
        let body = find_body(&file, len, consumed, path)?;
        let mut offsets = Vec::with_capacity(index.blocks.len() + 1);
        let mut at = 0u64;
        offsets.push(0);
        for b in &index.blocks {
            at += u64::from(b.len);
            offsets.push(at);
        }
        let mut access = Access {
            path: path.to_path_buf(),
            file,
            manifest,
            index,
            starts: Vec::new(),
            offsets,
            cache: Mutex::new(Cache::new(cache_bytes)),
        };
        access.starts = access.locate(body.from, &body.markers)?;
        if access.starts.last() != Some(&(len - TAIL)) {
            return Err(DocpackError::corrupt(
                "the blocks after access.bin do not end where the file does",
            ));
        }
        Ok(access)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Heap bytes of the index and the cache.
    pub fn heap_bytes(&self) -> usize {
        let cached = self.cache.lock().map_or(0, |c| c.bytes);
        self.index.heap_bytes() + (self.starts.len() + self.offsets.len()) * 8 + cached
    }

    /// A later entry's whole bytes (for the small ones: `docs.json`,
    /// `clusters.json`).
    pub fn entry_bytes(&self, name: &str) -> Result<Vec<u8>, DocpackError> {
        let e = self.span(name)?;
        self.read(e.offset, e.size)
    }

    fn span(&self, name: &str) -> Result<&EntrySpan, DocpackError> {
        self.index
            .entry(name)
            .ok_or_else(|| DocpackError::MissingPart(name.to_string()))
    }

    /// The symbol at index `i` (in id order), read from its record.
    pub fn symbol(&self, i: u32) -> Result<SymbolNode, DocpackError> {
        let row = self.index.rows.get(i as usize).ok_or_else(|| {
            DocpackError::Invalid(format!(
                "no symbol {i}: the docpack has {}",
                self.index.rows.len()
            ))
        })?;
        let nodes = self.span(entry::NODES)?;
        let bytes = self.read(nodes.offset + row.record, u64::from(row.record_len))?;
        let node: SymbolNode =
            serde_json::from_slice(&bytes).map_err(|e| DocpackError::json(entry::NODES, e))?;
        if crate::access::id_number(&node.id) != Some(row.id) {
            return Err(DocpackError::corrupt(format!(
                "access.bin: the record of {} holds {}",
                crate::access::id_text(row.id),
                node.id
            )));
        }
        Ok(node)
    }

    /// A later entry's bytes as a stream, read a few blocks at a time
    /// (for entries too large to hold: a kernel's `source_map.json`).
    pub fn entry_reader(&self, name: &str) -> Result<EntryReader<'_>, DocpackError> {
        let e = self.span(name)?;
        Ok(EntryReader {
            access: self,
            at: e.offset,
            end: e.offset + e.size,
            buf: Vec::new(),
            pos: 0,
        })
    }

    /// `len` bytes at `offset` of the stretch after `access.bin`.
    pub fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>, DocpackError> {
        let end = offset
            .checked_add(len)
            .filter(|&e| e <= self.index.body_len)
            .ok_or_else(|| {
                DocpackError::corrupt(format!("a read at {offset}+{len} runs past the archive"))
            })?;
        let mut out = Vec::with_capacity(len as usize);
        let mut j = self
            .offsets
            .partition_point(|&o| o <= offset)
            .saturating_sub(1);
        while (out.len() as u64) < len {
            let block = self.block(j)?;
            let from = (offset + out.len() as u64 - self.offsets[j]) as usize;
            let to = (end.min(self.offsets[j + 1]) - self.offsets[j]) as usize;
            out.extend_from_slice(&block[from..to]);
            j += 1;
        }
        Ok(out)
    }

    /// Block `j`, inflated and checked (from the cache when there).
    fn block(&self, j: usize) -> Result<Arc<Vec<u8>>, DocpackError> {
        if let Some(b) = self.cache.lock().ok().and_then(|mut c| c.get(j)) {
            return Ok(b);
        }
        let Some(raw) = self.inflated(j, self.starts[j], self.starts[j + 1])? else {
            return Err(DocpackError::corrupt(format!(
                "block {j} (of {}) fails its checksum",
                self.entry_at(self.offsets[j])
            )));
        };
        let raw = Arc::new(raw);
        if let Ok(mut c) = self.cache.lock() {
            c.put(j, raw.clone());
        }
        Ok(raw)
    }

    /// The entry an offset of the stretch falls in, for messages.
    fn entry_at(&self, offset: u64) -> String {
        self.index
            .entries
            .iter()
            .find(|e| offset < e.offset + e.size)
            .map_or("the tar's end".into(), |e| e.name.clone())
    }

    /// Where the blocks start. The body begins at one of the flushes
    /// just after `from` (the head's own last blocks end there too: its
    /// data's and its padding's). Fast: the last flushes, one per block
    /// and one more, when the first is among those and ends block 0.
    /// Otherwise each block is resolved from each possible start.
    fn locate(&self, from: u64, markers: &[u64]) -> Result<Vec<u64>, DocpackError> {
        let n = self.index.blocks.len();
        let near: Vec<u64> = markers
            .iter()
            .copied()
            .take_while(|&m| m < from + 64)
            .collect();
        if markers.len() > n {
            let tail = &markers[markers.len() - n - 1..];
            // A body has a block at least: the tar's end (checked when
            // the index was read), so the tail has two flushes.
            if near.contains(&tail[0]) && self.inflated(0, tail[0], tail[1])?.is_some() {
                return Ok(tail.to_vec());
            }
        }
        let mut fault = None;
        for &start in &near {
            match self.resolve(start, markers) {
                Ok(starts) => return Ok(starts),
                Err(e) => fault = fault.or(Some(e)),
            }
        }
        Err(fault.unwrap_or_else(|| DocpackError::corrupt("no block follows access.bin")))
    }

    /// Block `j` inflated from the file's bytes `from..to`, when they
    /// give exactly its length and hash.
    fn inflated(&self, j: usize, from: u64, to: u64) -> Result<Option<Vec<u8>>, DocpackError> {
        let span = self.index.blocks[j];
        if to <= from || to - from > MAX_DEFLATED {
            return Ok(None);
        }
        let mut deflated = vec![0u8; (to - from) as usize];
        self.file
            .read_exact_at(&mut deflated, from)
            .map_err(|e| DocpackError::io(&self.path, e))?;
        Ok(inflate(&deflated, span.len as usize)
            .filter(|r| r.len() == span.len as usize && *blake3::hash(r).as_bytes() == span.hash))
    }

    /// The blocks' starts from `start`, found by inflating each block up
    /// to the first candidate that ends it with its own length and hash
    /// (a block's deflated bytes are at most [`MAX_DEFLATED`]).
    fn resolve(&self, start: u64, markers: &[u64]) -> Result<Vec<u64>, DocpackError> {
        let mut starts = vec![start];
        let mut next = markers.partition_point(|&m| m <= start);
        for j in 0..self.index.blocks.len() {
            let from = *starts.last().unwrap_or(&start);
            loop {
                let to = markers
                    .get(next)
                    .copied()
                    .filter(|&to| to - from <= MAX_DEFLATED);
                let Some(to) = to else {
                    return Err(DocpackError::corrupt(format!(
                        "block {j} (of {}) ends nowhere: the file is truncated or damaged",
                        self.entry_at(self.offsets[j])
                    )));
                };
                next += 1;
                if self.inflated(j, from, to)?.is_some() {
                    starts.push(to);
                    break;
                }
            }
        }
        Ok(starts)
    }
}

/// The error for a docpack this reader cannot open in place.
fn not_random_access(why: &str) -> DocpackError {
    DocpackError::Invalid(format!(
        "the docpack is not in the random-access layout (1.6, with access.bin): {why}; read it whole, or rewrite it with `doctown upgrade`"
    ))
}

/// Raw deflate `data` into at most `limit` bytes (a block of a docpack:
/// whole, ended by a sync flush); `None` when it is not deflate.
fn inflate(data: &[u8], limit: usize) -> Option<Vec<u8>> {
    let mut d = Decompress::new(false);
    let mut out = Vec::with_capacity(limit + 1);
    loop {
        let before = (d.total_in(), d.total_out());
        let status = d
            .decompress_vec(
                &data[d.total_in() as usize..],
                &mut out,
                FlushDecompress::Sync,
            )
            .ok()?;
        if out.len() > limit {
            return None;
        }
        let stalled = before == (d.total_in(), d.total_out());
        if status == Status::StreamEnd || d.total_in() as usize == data.len() || stalled {
            return Some(out);
        }
        if out.len() == out.capacity() {
            out.reserve(64 * 1024);
        }
    }
}

/// The manifest and `access.bin`, inflated from the start and checked, and
/// how many deflated bytes after the gzip header they took.
fn read_head(file: &File, path: &Path) -> Result<(Manifest, AccessIndex, u64), DocpackError> {
    let mut f = file.try_clone().map_err(|e| DocpackError::io(path, e))?;
    f.seek(SeekFrom::Start(GZIP_HEADER.len() as u64))
        .map_err(|e| DocpackError::io(path, e))?;
    let mut inflater = flate2::bufread::DeflateDecoder::new(BufReader::with_capacity(1 << 16, f));
    let manifest_bytes = tar_entry(&mut inflater, entry::MANIFEST, 64 << 20)?;
    reader::listed_within(&manifest_bytes, &reader::ReadLimits::streaming())?;
    let (manifest, _) = reader::parse_manifest(&manifest_bytes)?;
    let listed = reader::listed_entries(&manifest)?;
    reader::docpack_id_matches(&manifest, &listed)?;
    let Some(&expected) = listed.get(entry::ACCESS) else {
        return Err(not_random_access(
            "it has no access.bin (written before 1.6)",
        ));
    };
    let bytes = tar_entry(&mut inflater, entry::ACCESS, expected.size.min(MAX_INDEX))?;
    let actual = hex::encode(Sha256::digest(&bytes));
    reader::entry_checksum(expected, &actual, bytes.len() as u64)?;
    let index = AccessIndex::from_bytes(&bytes)?;
    let consumed = inflater.total_in();
    drop(listed);
    Ok((manifest, index, consumed))
}

/// The next tar entry, which must be `name`, of at most `limit` bytes,
/// with its padding read.
fn tar_entry(r: &mut impl Read, name: &str, limit: u64) -> Result<Vec<u8>, DocpackError> {
    let mut header = [0u8; 512];
    r.read_exact(&mut header)
        .map_err(|_| DocpackError::corrupt(format!("truncated before {name}")))?;
    let found = header[..100].split(|&b| b == 0).next().unwrap_or_default();
    if found != name.as_bytes() {
        return Err(not_random_access(&format!(
            "its entry after the manifest is {:?}, not {name}",
            String::from_utf8_lossy(found)
        )));
    }
    let size_field = std::str::from_utf8(&header[124..136]).unwrap_or("");
    let size = u64::from_str_radix(size_field.trim_matches(|c: char| c == '\0' || c == ' '), 8)
        .map_err(|_| DocpackError::corrupt(format!("the tar header of {name} has no size")))?;
    if size > limit {
        return Err(DocpackError::LimitExceeded(format!(
            "{name} declares {size} bytes; this reader holds at most {limit}"
        )));
    }
    // Read as it inflates: a header that lies about the size costs no
    // more memory than the bytes that are there.
    let padded = size.div_ceil(512) * 512;
    let mut bytes = Vec::new();
    r.take(padded)
        .read_to_end(&mut bytes)
        .map_err(|e| DocpackError::corrupt(format!("{name}: {e}")))?;
    if bytes.len() as u64 != padded {
        return Err(DocpackError::corrupt(format!("{name} is truncated")));
    }
    bytes.truncate(size as usize);
    Ok(bytes)
}

/// Where the blocks after `access.bin` may start: near `from`, what
/// inflating the head consumed; and every flush from there.
struct Body {
    from: u64,
    markers: Vec<u64>,
}

fn find_body(file: &File, len: u64, consumed: u64, path: &Path) -> Result<Body, DocpackError> {
    // The inflater may have read a few bytes past the head's last block
    // into its bit buffer; the sync flush that ends it is within them.
    let from = (GZIP_HEADER.len() as u64 + consumed).saturating_sub(16);
    let markers = scan_markers(file, from, len, path)?;
    Ok(Body { from, markers })
}

/// The offset after every `00 00 ff ff` in `from..len`.
fn scan_markers(file: &File, from: u64, len: u64, path: &Path) -> Result<Vec<u64>, DocpackError> {
    const CHUNK: usize = 8 << 20;
    let finder = memchr::memmem::Finder::new(&SYNC);
    let mut found = Vec::new();
    let mut buf = vec![0u8; CHUNK + 3];
    let mut at = from;
    let mut carry = 0usize;
    while at < len {
        let n = CHUNK.min((len - at) as usize);
        file.read_exact_at(&mut buf[carry..carry + n], at)
            .map_err(|e| DocpackError::io(path, e))?;
        let window = &buf[..carry + n];
        let base = at - carry as u64;
        found.extend(finder.find_iter(window).map(|i| base + i as u64 + 4));
        let keep = 3.min(window.len());
        let tail_start = window.len() - keep;
        buf.copy_within(tail_start..tail_start + keep, 0);
        carry = keep;
        at += n as u64;
    }
    found.dedup();
    Ok(found)
}

/// Inflated blocks, least recently used first out, within a byte budget.
struct Cache {
    limit: usize,
    bytes: usize,
    tick: u64,
    blocks: rustc_hash::FxHashMap<usize, (u64, Arc<Vec<u8>>)>,
}

impl Cache {
    fn new(limit: usize) -> Cache {
        Cache {
            limit,
            bytes: 0,
            tick: 0,
            blocks: Default::default(),
        }
    }

    fn get(&mut self, j: usize) -> Option<Arc<Vec<u8>>> {
        self.tick += 1;
        let tick = self.tick;
        self.blocks.get_mut(&j).map(|(t, b)| {
            *t = tick;
            b.clone()
        })
    }

    fn put(&mut self, j: usize, block: Arc<Vec<u8>>) {
        self.tick += 1;
        self.bytes += block.len();
        if let Some((_, old)) = self.blocks.insert(j, (self.tick, block)) {
            self.bytes -= old.len();
        }
        while self.bytes > self.limit && self.blocks.len() > 1 {
            let oldest = self
                .blocks
                .iter()
                .min_by_key(|(_, (t, _))| *t)
                .map(|(k, _)| *k);
            if let Some((_, b)) = oldest.and_then(|k| self.blocks.remove(&k)) {
                self.bytes -= b.len();
            }
        }
    }
}

/// [`Access::entry_reader`]'s stream.
pub struct EntryReader<'a> {
    access: &'a Access,
    at: u64,
    end: u64,
    buf: Vec<u8>,
    pos: usize,
}

impl std::io::Read for EntryReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.buf.len() {
            let len = (self.end - self.at).min(4 << 20);
            if len == 0 {
                return Ok(0);
            }
            self.buf = self
                .access
                .read(self.at, len)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
            self.at += len;
            self.pos = 0;
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

//! The gzip member of a docpack, deflated in independent blocks.
//!
//! The tar stream is cut into blocks at content-defined boundaries (a gear
//! rolling hash: at least [`MIN_BLOCK`], about 80 KiB on average, at most
//! [`MAX_BLOCK`] bytes), so an edit in one place moves the boundaries of
//! one or two blocks only. Each block is deflated by a fresh compressor
//! (no shared window) and ends with a sync flush, which byte-aligns it and
//! leaves it open; the blocks, then an empty final block, make one deflate
//! stream inside one gzip member that every gzip reader inflates.
//!
//! Because a block's bytes depend only on its content, blocks can be
//! deflated in parallel and a rebuild can reuse the previous build's
//! deflated blocks ([`BlockCache`], read out of the previous docpack
//! through its [`BlockIndex`]); the result is byte-identical to a build
//! without a cache.

use crate::error::DocpackError;
use flate2::{Compress, Compression, FlushCompress, Status};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;
use std::ops::Range;

/// The deflate level of every block.
pub const COMPRESSION_LEVEL: u32 = 6;
/// No block is shorter than this (but the last).
///
/// The block size weighs a rebuild against the docpack's size: the symbols
/// a change touches lie all over `nodes.json` (in id order), and each block
/// holding one is deflated again. A 26-line change of a 66,500-symbol
/// repository touched 66 MB of the 168 MB expanded in blocks of about
/// 256 KiB, and 23 MB in blocks of about 80 KiB (its pack took 11–19 % less
/// time), whose fresh windows make the docpack 3.5 % larger; a block read
/// in place is inflated for a quarter of the work too.
pub const MIN_BLOCK: usize = 16 * 1024;
/// No block is longer than this.
pub const MAX_BLOCK: usize = 256 * 1024;
/// A boundary falls where the rolling hash's top 16 bits are zero: one in
/// 64 Ki positions past the minimum.
const BOUNDARY_BITS: u32 = 16;

/// The gzip header: no mtime, no name, no comment, no extra field, OS 255.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
/// An empty final block with fixed codes: BFINAL 1, BTYPE 01, end of block.
const FINAL_BLOCK: [u8; 2] = [0x03, 0x00];

/// The gear table: one pseudo-random 64-bit value per byte (SplitMix64).
const GEAR: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut state: u64 = 0x646f_6374_6f77_6e21;
    let mut i = 0;
    while i < 256 {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        table[i] = z ^ (z >> 31);
        i += 1;
    }
    table
};

/// The content-defined blocks of `data`, in order, covering it.
pub fn cut(data: &[u8]) -> Vec<Range<usize>> {
    let mut blocks = Vec::with_capacity(data.len() / (256 * 1024) + 1);
    let mut start = 0;
    while start < data.len() {
        let end = boundary(&data[start..]) + start;
        blocks.push(start..end);
        start = end;
    }
    blocks
}

/// The length of the next block of `data`.
fn boundary(data: &[u8]) -> usize {
    if data.len() <= MIN_BLOCK {
        return data.len();
    }
    let limit = data.len().min(MAX_BLOCK);
    let mut hash = 0u64;
    // Warm the hash over the 64 bytes before the minimum: a boundary then
    // depends on those bytes only, never on where the block began.
    for &b in &data[MIN_BLOCK - 64..MIN_BLOCK] {
        hash = (hash << 1).wrapping_add(GEAR[b as usize]);
    }
    for (i, &b) in data[MIN_BLOCK..limit].iter().enumerate() {
        hash = (hash << 1).wrapping_add(GEAR[b as usize]);
        if hash >> (64 - BOUNDARY_BITS) == 0 {
            return MIN_BLOCK + i + 1;
        }
    }
    limit
}

/// Deflated blocks by the BLAKE3 hash of their content: the previous build's
/// gzip member (its docpack) and where each block lies in it, through its
/// [`BlockIndex`]. The blocks are not copied out of the member.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BlockCache {
    member: Vec<u8>,
    blocks: HashMap<[u8; 32], Range<usize>>,
}

impl BlockCache {
    /// The deflated bytes of the block whose content has this hash.
    fn get(&self, key: &[u8; 32]) -> Option<&[u8]> {
        self.blocks.get(key).map(|r| &self.member[r.clone()])
    }

    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }
}

/// Where each block of a written gzip member lies: by the BLAKE3 hash of its
/// content, the offset and length of its deflated bytes in the member and
/// their CRC-32. It is all a rebuild needs to reuse the blocks of the last
/// docpack, read from the docpack itself: the deflated bytes are not kept
/// twice.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BlockIndex {
    entries: Vec<IndexEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct IndexEntry {
    key: [u8; 32],
    offset: u64,
    len: u32,
    crc: u32,
}

impl BlockIndex {
    /// Blocks indexed, as written (a block written twice counts twice).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn add(&mut self, key: [u8; 32], offset: u64, deflated: &[u8]) {
        self.entries.push(IndexEntry {
            key,
            offset,
            len: deflated.len() as u32,
            crc: crc32fast::hash(deflated),
        });
    }

    /// The index's bytes, naming `member` (where the indexed gzip member
    /// is kept, such as the docpack's store key): the member, then per
    /// block (in hash order, each once) its content hash (BLAKE3),
    /// offset, length and CRC-32. What a block's bytes depend on besides
    /// its content (the level, the deflate implementation) is the build
    /// that keeps the index: pack keeps it in the one memo
    /// (`doctown_pipeline::memo`), which checks the bytes are whole.
    pub fn to_bytes(&self, member: &str) -> Vec<u8> {
        let mut entries = self.entries.clone();
        entries.sort_by_key(|e| e.key);
        entries.dedup_by(|a, b| a.key == b.key);
        let mut out = Vec::with_capacity(4 + member.len() + entries.len() * 48);
        out.extend_from_slice(&(member.len() as u32).to_le_bytes());
        out.extend_from_slice(member.as_bytes());
        for e in &entries {
            out.extend_from_slice(&e.key);
            out.extend_from_slice(&e.offset.to_le_bytes());
            out.extend_from_slice(&e.len.to_le_bytes());
            out.extend_from_slice(&e.crc.to_le_bytes());
        }
        out
    }

    /// An index written by [`BlockIndex::to_bytes`] and the member it
    /// names; None when it does not decode. A damaged entry that does
    /// still costs nothing but time: [`BlockIndex::cache`] checks every
    /// block against its CRC-32.
    pub fn from_bytes(bytes: &[u8]) -> Option<(String, BlockIndex)> {
        let mut at = Reader { bytes, at: 0 };
        let len = at.u32()? as usize;
        let member = std::str::from_utf8(at.take(len)?).ok()?.to_string();
        let mut entries = Vec::new();
        while at.at < bytes.len() {
            entries.push(IndexEntry {
                key: at.take(32)?.try_into().ok()?,
                offset: u64::from_le_bytes(at.take(8)?.try_into().ok()?),
                len: at.u32()?,
                crc: at.u32()?,
            });
        }
        Some((member, BlockIndex { entries }))
    }

    /// The indexed blocks of `member` (the gzip member indexed), which the
    /// cache keeps. A block out of its bounds or whose bytes fail their
    /// CRC-32 makes the whole cache empty: a cache only saves work, it
    /// never decides output.
    pub fn cache(&self, member: Vec<u8>) -> BlockCache {
        let blocks = self.entries.iter().map(|e| {
            let start = usize::try_from(e.offset).ok()?;
            let range = start..start.checked_add(e.len as usize)?;
            let deflated = member.get(range.clone())?;
            (crc32fast::hash(deflated) == e.crc).then_some((e.key, range))
        });
        match blocks.collect::<Option<HashMap<_, _>>>() {
            Some(blocks) => BlockCache { member, blocks },
            None => BlockCache::default(),
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let out = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(out)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
}

/// A finished gzip member (its bytes, or the writer they went to) and the
/// index of its blocks (to reuse them next time).
#[derive(Debug, Clone, PartialEq)]
pub struct Gzipped<W = Vec<u8>> {
    pub bytes: W,
    pub index: BlockIndex,
    pub blocks: usize,
    /// Blocks taken from the previous cache instead of deflated.
    pub reused: usize,
}

/// The blocks of a stretch of a gzip member framed apart from its start
/// ([`GzipMember::body`]), to be appended to a member whose first bytes
/// were not known while they were made ([`GzipMember::append`]).
#[derive(Debug)]
pub struct Body<W> {
    pub out: W,
    /// Offsets from the body's first byte.
    tally: Tally,
}

impl<W> Body<W> {
    /// Each block's length and content hash, in order.
    pub fn spans(&self) -> &[crate::access::BlockSpan] {
        &self.tally.spans
    }

    /// The bytes the body holds, inflated.
    pub fn raw_len(&self) -> u64 {
        self.tally.len
    }

    /// The same body with its bytes somewhere else (read back, say), or
    /// the error of moving them.
    pub fn try_map_out<V, E>(self, f: impl FnOnce(W) -> Result<V, E>) -> Result<Body<V>, E> {
        Ok(Body {
            out: f(self.out)?,
            tally: self.tally,
        })
    }
}

/// What a member (or a body framed apart) has written: where its blocks
/// lie, the CRC-32 and length of the data they hold, the deflated bytes,
/// how many blocks and how many of them were reused.
#[derive(Debug, Clone, Default)]
struct Tally {
    index: BlockIndex,
    crc: crc32fast::Hasher,
    len: u64,
    written: u64,
    blocks: usize,
    reused: usize,
    /// Each block's length and content hash, in order.
    spans: Vec<crate::access::BlockSpan>,
}

impl Tally {
    /// Adds what was written right after this.
    fn then(&mut self, next: Tally) {
        let at = self.written;
        self.index
            .entries
            .extend(next.index.entries.into_iter().map(|e| IndexEntry {
                offset: e.offset + at,
                ..e
            }));
        self.crc.combine(&next.crc);
        self.len += next.len;
        self.written += next.written;
        self.blocks += next.blocks;
        self.reused += next.reused;
        self.spans.extend(next.spans);
    }
}

/// Gzips `data` in content-defined blocks, taking deflated blocks from
/// `previous` where their content is unchanged.
pub fn gzip(data: &[u8], previous: &BlockCache) -> Result<Gzipped, DocpackError> {
    let mut member = GzipMember::new(previous);
    member.push(data)?;
    member.finish()
}

/// How much of a streamed segment is cut and deflated at a time (and so
/// held in memory): many blocks, so that both cores have work.
const STREAM_BATCH: usize = 32 << 20;

/// A gzip member written segment by segment: each segment is cut into
/// blocks of its own, so a caller can push the parts of a stream it holds
/// separately (a tar header, an entry's bytes) without joining them. A
/// segment can also be fed in chunks ([`GzipMember::feed`], then
/// [`GzipMember::end_segment`]): it is cut exactly as if pushed whole. The
/// deflated bytes go to `W` as each batch of blocks is done.
#[derive(Debug)]
pub struct GzipMember<'c, W: Write = Vec<u8>> {
    previous: &'c BlockCache,
    out: W,
    /// What is written so far (`written` counts the gzip header).
    tally: Tally,
    /// The fed part of the current segment not yet cut into blocks.
    window: Vec<u8>,
    /// How much more than [`MAX_BLOCK`] the window holds before it is cut.
    batch: usize,
}

impl<'c> GzipMember<'c, Vec<u8>> {
    pub fn new(previous: &'c BlockCache) -> Self {
        let mut member = GzipMember::empty(previous, Vec::new());
        member.out.extend_from_slice(&GZIP_HEADER);
        member.tally.written = GZIP_HEADER.len() as u64;
        member
    }
}

impl<'c, W: Write> GzipMember<'c, W> {
    /// A member written to `out`, starting with the gzip header.
    pub fn to_writer(previous: &'c BlockCache, out: W) -> Result<Self, DocpackError> {
        let mut member = GzipMember::empty(previous, out);
        member.out.write_all(&GZIP_HEADER).map_err(write_error)?;
        member.tally.written = GZIP_HEADER.len() as u64;
        Ok(member)
    }

    /// Blocks framed apart, without the gzip header: see [`Body`].
    pub fn body(previous: &'c BlockCache, out: W) -> Self {
        GzipMember::empty(previous, out)
    }

    /// Cuts a fed segment `bytes` at a time (32 MiB unless told): less
    /// memory where members are framed side by side. The blocks are the
    /// same for any batch.
    pub fn with_batch(mut self, bytes: usize) -> Self {
        self.batch = bytes;
        self
    }

    /// Ends a member made by [`GzipMember::body`].
    pub fn finish_body(mut self) -> Result<Body<W>, DocpackError> {
        self.end_segment()?;
        self.out.flush().map_err(write_error)?;
        Ok(Body {
            out: self.out,
            tally: self.tally,
        })
    }

    /// Appends a body's deflated bytes (read from its `out`) after what
    /// is written: the same member as if its segments had been pushed
    /// here (segments are cut apart, so a block never spans two).
    pub fn append<R: std::io::Read>(&mut self, body: Body<R>) -> Result<(), DocpackError> {
        self.end_segment()?;
        let Body {
            out: mut bytes,
            tally,
        } = body;
        let written = tally.written;
        let copied = std::io::copy(&mut std::io::Read::take(&mut bytes, written), &mut self.out)
            .map_err(write_error)?;
        if copied != written {
            return Err(DocpackError::Write(format!(
                "a framed body ended after {copied} of its {written} bytes"
            )));
        }
        self.tally.then(tally);
        Ok(())
    }

    fn empty(previous: &'c BlockCache, out: W) -> Self {
        GzipMember {
            previous,
            out,
            tally: Tally::default(),
            window: Vec::new(),
            batch: STREAM_BATCH,
        }
    }

    /// Appends `data` as one segment: its blocks are hashed and deflated
    /// in parallel, or taken from the previous cache.
    pub fn push(&mut self, data: &[u8]) -> Result<(), DocpackError> {
        self.end_segment()?;
        self.emit(data, &cut(data))
    }

    /// Appends the next bytes of the segment being fed.
    pub fn feed(&mut self, data: &[u8]) -> Result<(), DocpackError> {
        self.window.extend_from_slice(data);
        if self.window.len() >= self.batch + MAX_BLOCK {
            self.cut_window(false)?;
        }
        Ok(())
    }

    /// Ends the segment being fed (nothing when none is).
    pub fn end_segment(&mut self) -> Result<(), DocpackError> {
        if !self.window.is_empty() {
            self.cut_window(true)?;
        }
        Ok(())
    }

    /// Cuts and emits the window's blocks; before the segment's end, only
    /// those whose boundary cannot depend on bytes not yet fed (a boundary
    /// looks at most [`MAX_BLOCK`] bytes ahead).
    fn cut_window(&mut self, at_end: bool) -> Result<(), DocpackError> {
        let window = std::mem::take(&mut self.window);
        let mut ranges = Vec::new();
        let mut start = 0;
        while start < window.len() && (at_end || window.len() - start >= MAX_BLOCK) {
            let end = boundary(&window[start..]) + start;
            ranges.push(start..end);
            start = end;
        }
        self.emit(&window, &ranges)?;
        self.window = window;
        self.window.drain(..start);
        Ok(())
    }

    /// Deflates (or reuses) the blocks `ranges` of `data`, in order, and
    /// writes them.
    fn emit(&mut self, data: &[u8], ranges: &[Range<usize>]) -> Result<(), DocpackError> {
        let previous = self.previous;
        let deflated: Vec<([u8; 32], Cow<[u8]>)> = ranges
            .par_iter()
            .map(|r| {
                let block = &data[r.clone()];
                let key: [u8; 32] = blake3::hash(block).into();
                match previous.get(&key) {
                    Some(reused) => Ok((key, Cow::Borrowed(reused))),
                    None => deflate_block(block).map(|d| (key, Cow::Owned(d))),
                }
            })
            .collect::<Result<_, _>>()?;
        for ((key, block), range) in deflated.iter().zip(ranges) {
            let t = &mut self.tally;
            t.spans.push(crate::access::BlockSpan {
                len: range.len() as u32,
                hash: *key,
            });
            t.reused += usize::from(matches!(block, Cow::Borrowed(_)));
            self.out.write_all(block).map_err(write_error)?;
            t.index.add(*key, t.written, block);
            t.written += block.len() as u64;
            t.blocks += 1;
        }
        if let (Some(first), Some(last)) = (ranges.first(), ranges.last()) {
            self.tally.crc.update(&data[first.start..last.end]);
            self.tally.len += (last.end - first.start) as u64;
        }
        Ok(())
    }

    /// Ends the deflate stream and writes the gzip trailer.
    pub fn finish(mut self) -> Result<Gzipped<W>, DocpackError> {
        self.end_segment()?;
        let mut trailer = FINAL_BLOCK.to_vec();
        trailer.extend(self.tally.crc.clone().finalize().to_le_bytes());
        trailer.extend((self.tally.len as u32).to_le_bytes());
        self.out.write_all(&trailer).map_err(write_error)?;
        self.out.flush().map_err(write_error)?;
        Ok(Gzipped {
            bytes: self.out,
            index: self.tally.index,
            blocks: self.tally.blocks,
            reused: self.tally.reused,
        })
    }
}

fn write_error(e: std::io::Error) -> DocpackError {
    DocpackError::Write(e.to_string())
}

/// One block, deflated alone and ended with a sync flush (byte-aligned,
/// not final).
fn deflate_block(data: &[u8]) -> Result<Vec<u8>, DocpackError> {
    let mut c = Compress::new(Compression::new(COMPRESSION_LEVEL), false);
    let mut out = Vec::with_capacity(data.len() / 3 + 64);
    loop {
        if out.capacity() - out.len() < 1024 {
            out.reserve(out.capacity().max(64 * 1024));
        }
        let consumed = c.total_in() as usize;
        let status = c
            .compress_vec(&data[consumed..], &mut out, FlushCompress::Sync)
            .map_err(|e| DocpackError::Corrupt(format!("cannot deflate a block: {e}")))?;
        let done = c.total_in() as usize == data.len() && out.len() < out.capacity();
        if done || status == Status::StreamEnd {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;
    use std::io::Read;

    fn text(n: usize, seed: u64) -> Vec<u8> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                b"abcdefgh \n{}\":,0123"[(state >> 59) as usize % 19]
            })
            .collect()
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn blocks_cover_the_data_within_their_bounds() {
        let data = text(5_000_000, 1);
        let blocks = cut(&data);
        assert_eq!(blocks[0].start, 0);
        assert_eq!(blocks.last().unwrap().end, data.len());
        for pair in blocks.windows(2) {
            assert_eq!(pair[0].end, pair[1].start);
        }
        for b in &blocks[..blocks.len() - 1] {
            assert!(b.len() >= MIN_BLOCK && b.len() <= MAX_BLOCK, "{b:?}");
        }
        assert!(blocks.len() > 5, "{} blocks", blocks.len());
    }

    #[test]
    fn every_size_round_trips_through_a_standard_gzip_reader() {
        for n in [0, 1, 100, MIN_BLOCK, MIN_BLOCK + 1, 3_000_000] {
            let data = text(n, n as u64);
            let z = gzip(&data, &BlockCache::default()).unwrap();
            assert_eq!(gunzip(&z.bytes), data, "size {n}");
            assert_eq!(z.reused, 0);
        }
    }

    #[test]
    fn an_insertion_changes_few_blocks_and_reuse_is_byte_identical() {
        let data = text(4_000_000, 9);
        let first = gzip(&data, &BlockCache::default()).unwrap();
        let mut edited = data.clone();
        edited.splice(
            2_000_000..2_000_000,
            b"def inserted():\n    return 42\n".iter().copied(),
        );
        let cold = gzip(&edited, &BlockCache::default()).unwrap();
        let warm = gzip(&edited, &first.index.cache(first.bytes.clone())).unwrap();
        assert_eq!(warm.bytes, cold.bytes);
        assert_eq!(gunzip(&warm.bytes), edited);
        assert!(
            warm.reused + 2 >= warm.blocks,
            "{} of {}",
            warm.reused,
            warm.blocks
        );
    }

    /// A segment fed in chunks of any size, cut in batches of any size, is
    /// cut and deflated exactly as the segment pushed whole.
    #[test]
    fn a_fed_segment_is_the_bytes_of_the_segment_pushed_whole() {
        let data = text(6_000_000, 5);
        let whole = gzip(&data, &BlockCache::default()).unwrap();
        for (chunk, batch) in [
            (1 << 20, 0),
            (7_777, 1),
            (300_001, MAX_BLOCK),
            (64, 3 << 20),
        ] {
            let cache = whole.index.cache(whole.bytes.clone());
            let mut member = GzipMember::to_writer(&cache, Vec::new()).unwrap();
            member.batch = batch;
            for piece in data.chunks(chunk) {
                member.feed(piece).unwrap();
            }
            let fed = member.finish().unwrap();
            assert!(fed.bytes == whole.bytes, "chunk {chunk} batch {batch}");
            assert_eq!((fed.blocks, fed.reused), (whole.blocks, whole.blocks));
        }
    }

    #[test]
    fn the_index_survives_its_bytes_and_refuses_damage() {
        let data = text(3_000_000, 3);
        let z = gzip(&data, &BlockCache::default()).unwrap();
        assert!(z.index.len() > 3, "{} blocks", z.index.len());
        let bytes = z.index.to_bytes("jobs/j/pack/x.docpack");
        let (member, index) = BlockIndex::from_bytes(&bytes).unwrap();
        assert_eq!(member, "jobs/j/pack/x.docpack");
        assert_eq!(index.to_bytes(&member), bytes);
        let cache = index.cache(z.bytes.clone());
        assert_eq!(cache.len(), z.index.len());
        // A cut inside an entry is refused; a damaged offset, length or
        // CRC-32 gives a block that fails its check: no block is reused.
        // (A damaged content hash names content no block has.)
        let entries = 4 + member.len();
        for cut in (0..bytes.len()).filter(|c| *c < entries || (c - entries) % 48 != 0) {
            assert!(BlockIndex::from_bytes(&bytes[..cut]).is_none(), "cut {cut}");
        }
        for i in (entries..bytes.len()).filter(|i| (i - entries) % 48 >= 32) {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0x10;
            let (_, index) = BlockIndex::from_bytes(&damaged).unwrap();
            assert!(index.cache(z.bytes.clone()).is_empty(), "byte {i}");
        }
        // A member that is not the one indexed (damaged, or cut short)
        // gives no blocks at all.
        let mut other = z.bytes.clone();
        other[20] ^= 1;
        assert!(index.cache(other.clone()).is_empty());
        assert!(index
            .cache(z.bytes[..z.bytes.len() / 2].to_vec())
            .is_empty());
        // A damaged cache cannot damage the output: it reads as empty.
        let again = gzip(&data, &index.cache(other)).unwrap();
        assert_eq!(again.bytes, z.bytes);
        let warm = gzip(&data, &cache).unwrap();
        assert_eq!((warm.bytes, warm.reused), (z.bytes, z.index.len()));
    }
}

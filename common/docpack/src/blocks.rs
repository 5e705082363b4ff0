//! The gzip member of a docpack, deflated in independent blocks.
//!
//! The tar stream is cut into blocks at content-defined boundaries (a gear
//! rolling hash: at least [`MIN_BLOCK`], about 256 KiB on average, at most
//! [`MAX_BLOCK`] bytes), so an edit in one place moves the boundaries of
//! one or two blocks only. Each block is deflated by a fresh compressor
//! (no shared window) and ends with a sync flush, which byte-aligns it and
//! leaves it open; the blocks, then an empty final block, make one deflate
//! stream inside one gzip member that every gzip reader inflates.
//!
//! Because a block's bytes depend only on its content, blocks can be
//! deflated in parallel and a rebuild can reuse the previous build's
//! deflated blocks ([`BlockCache`]); the result is byte-identical to a
//! build without a cache.

use crate::error::DocpackError;
use flate2::{Compress, Compression, FlushCompress, Status};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::ops::Range;

/// The deflate level of every block.
pub const COMPRESSION_LEVEL: u32 = 6;
/// No block is shorter than this (but the last).
pub const MIN_BLOCK: usize = 64 * 1024;
/// No block is longer than this.
pub const MAX_BLOCK: usize = 1024 * 1024;
/// A boundary falls where the rolling hash's top 18 bits are zero: one in
/// 256 Ki positions past the minimum.
const BOUNDARY_BITS: u32 = 18;

/// What a cached block's bytes depend on besides its content: the block
/// format, the level and the deflate implementation.
pub const BLOCK_FINGERPRINT: &str = "doctown-deflate-blocks/1 level 6 zlib-rs";

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

/// Deflated blocks by the SHA-256 of their content.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BlockCache {
    blocks: HashMap<[u8; 32], Vec<u8>>,
}

const CACHE_MAGIC: &[u8; 4] = b"DPBC";

impl BlockCache {
    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// The cache's bytes: magic, fingerprint, then per block its content
    /// hash, the CRC-32 and length of its deflated bytes, and those bytes.
    /// Blocks are written in hash order, so equal caches are equal bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = CACHE_MAGIC.to_vec();
        out.extend((BLOCK_FINGERPRINT.len() as u32).to_le_bytes());
        out.extend(BLOCK_FINGERPRINT.as_bytes());
        let mut keys: Vec<&[u8; 32]> = self.blocks.keys().collect();
        keys.sort();
        for key in keys {
            let deflated = &self.blocks[key];
            out.extend(key);
            out.extend(crc32fast::hash(deflated).to_le_bytes());
            out.extend((deflated.len() as u32).to_le_bytes());
            out.extend(deflated);
        }
        out
    }

    /// Reads a cache written by [`BlockCache::to_bytes`]. A cache of another
    /// fingerprint, or one that is damaged anywhere, reads as empty: a cache
    /// only saves work, it never decides output.
    pub fn from_bytes(bytes: &[u8]) -> BlockCache {
        Self::parse(bytes).unwrap_or_default()
    }

    fn parse(bytes: &[u8]) -> Option<BlockCache> {
        let mut at = Reader { bytes, at: 0 };
        if at.take(4)? != CACHE_MAGIC {
            return None;
        }
        let len = at.u32()? as usize;
        if at.take(len)? != BLOCK_FINGERPRINT.as_bytes() {
            return None;
        }
        let mut blocks = HashMap::new();
        while at.at < bytes.len() {
            let key: [u8; 32] = at.take(32)?.try_into().ok()?;
            let crc = at.u32()?;
            let len = at.u32()? as usize;
            let deflated = at.take(len)?;
            if crc32fast::hash(deflated) != crc {
                return None;
            }
            blocks.insert(key, deflated.to_vec());
        }
        Some(BlockCache { blocks })
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

/// A finished gzip member and the cache of its blocks (to reuse next time).
#[derive(Debug, Clone, PartialEq)]
pub struct Gzipped {
    pub bytes: Vec<u8>,
    pub cache: BlockCache,
    pub blocks: usize,
    /// Blocks taken from the previous cache instead of deflated.
    pub reused: usize,
}

/// Gzips `data` in content-defined blocks, taking deflated blocks from
/// `previous` where their content is unchanged.
pub fn gzip(data: &[u8], previous: &BlockCache) -> Result<Gzipped, DocpackError> {
    let mut member = GzipMember::new(previous);
    member.push(data)?;
    Ok(member.finish())
}

/// A gzip member written segment by segment: each segment is cut into
/// blocks of its own, so a caller can push the parts of a stream it holds
/// separately (a tar header, an entry's bytes) without joining them.
#[derive(Debug)]
pub struct GzipMember<'c> {
    previous: &'c BlockCache,
    bytes: Vec<u8>,
    crc: crc32fast::Hasher,
    len: u64,
    cache: BlockCache,
    blocks: usize,
    reused: usize,
}

impl<'c> GzipMember<'c> {
    pub fn new(previous: &'c BlockCache) -> Self {
        GzipMember {
            previous,
            bytes: GZIP_HEADER.to_vec(),
            crc: crc32fast::Hasher::new(),
            len: 0,
            cache: BlockCache::default(),
            blocks: 0,
            reused: 0,
        }
    }

    /// Appends `data`: its blocks are hashed and deflated in parallel, or
    /// taken from the previous cache.
    pub fn push(&mut self, data: &[u8]) -> Result<(), DocpackError> {
        let ranges = cut(data);
        let deflated: Vec<([u8; 32], Option<Vec<u8>>)> = ranges
            .par_iter()
            .map(|r| {
                let block = &data[r.clone()];
                let key: [u8; 32] = Sha256::digest(block).into();
                match self.previous.blocks.contains_key(&key) {
                    true => Ok((key, None)),
                    false => deflate_block(block).map(|d| (key, Some(d))),
                }
            })
            .collect::<Result<_, _>>()?;
        for (key, fresh) in deflated {
            let block = match fresh {
                Some(d) => d,
                None => {
                    self.reused += 1;
                    self.previous.blocks[&key].clone()
                }
            };
            self.bytes.extend(&block);
            self.cache.blocks.insert(key, block);
            self.blocks += 1;
        }
        self.crc.update(data);
        self.len += data.len() as u64;
        Ok(())
    }

    /// Ends the deflate stream and writes the gzip trailer.
    pub fn finish(mut self) -> Gzipped {
        self.bytes.extend(FINAL_BLOCK);
        self.bytes.extend(self.crc.finalize().to_le_bytes());
        self.bytes.extend((self.len as u32).to_le_bytes());
        Gzipped {
            bytes: self.bytes,
            cache: self.cache,
            blocks: self.blocks,
            reused: self.reused,
        }
    }
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
        let warm = gzip(&edited, &first.cache).unwrap();
        assert_eq!(warm.bytes, cold.bytes);
        assert_eq!(gunzip(&warm.bytes), edited);
        assert!(
            warm.reused + 2 >= warm.blocks,
            "{} of {}",
            warm.reused,
            warm.blocks
        );
    }

    #[test]
    fn the_cache_survives_its_bytes_and_refuses_damage() {
        let data = text(1_000_000, 3);
        let z = gzip(&data, &BlockCache::default()).unwrap();
        let bytes = z.cache.to_bytes();
        assert_eq!(BlockCache::from_bytes(&bytes), z.cache);
        let mut damaged = bytes.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        assert!(BlockCache::from_bytes(&damaged).is_empty());
        assert!(BlockCache::from_bytes(&bytes[..bytes.len() - 3]).is_empty());
        assert!(BlockCache::from_bytes(b"not a cache").is_empty());
        // A damaged cache cannot damage the output: it reads as empty.
        let again = gzip(&data, &BlockCache::from_bytes(&damaged)).unwrap();
        assert_eq!(again.bytes, z.bytes);
    }
}

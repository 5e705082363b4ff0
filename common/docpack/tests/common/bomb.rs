//! A valid gzip stream that expands to `prefix` followed by billions of zero
//! bytes, built without ever materialising the zeros: `prefix` is deflated
//! normally and sync-flushed, then one fixed-Huffman block repeats
//! `<length 258, distance 1>` matches (13 bits each; 8 matches are a fixed
//! 13-byte pattern). The CRC of the zeros is combined from 1 MiB blocks.

use crc32fast::Hasher;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use std::io::Write;

struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u64, len: u32) {
        self.acc |= value << self.n;
        self.n += len;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }
    /// A Huffman code: most significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        let reversed = code.reverse_bits() >> (32 - len);
        self.put(reversed as u64, len);
    }
    fn literal_zero(&mut self) {
        self.code(0x30, 8);
    }
    fn match_258_at_1(&mut self) {
        self.code(0xC5, 8); // length code 285 = 258 bytes
        self.code(0, 5); // distance code 0 = distance 1
    }
}

fn crc_of_zeros(mut n: u64) -> Hasher {
    const BLOCK: u64 = 1 << 20;
    let zeros = vec![0u8; BLOCK as usize];
    let mut total = Hasher::new();
    let mut power = Hasher::new();
    power.update(&zeros);
    let mut blocks = n / BLOCK;
    n %= BLOCK;
    while blocks > 0 {
        if blocks & 1 == 1 {
            total.combine(&power);
        }
        let copy = power.clone();
        power.combine(&copy);
        blocks >>= 1;
    }
    let mut rest = Hasher::new();
    rest.update(&zeros[..n as usize]);
    total.combine(&rest);
    total
}

/// gzip(prefix ++ zeros × `zeros`); `zeros` must be at least 259.
pub fn gzip_with_zeros(prefix: &[u8], zeros: u64) -> Vec<u8> {
    assert!(zeros >= 259);
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let mut deflate = DeflateEncoder::new(Vec::new(), Compression::default());
    deflate.write_all(prefix).unwrap();
    deflate.flush().unwrap(); // sync flush: byte-aligned, not final
    out.extend(deflate.get_ref());

    let mut bits = Bits {
        out: Vec::new(),
        acc: 0,
        n: 0,
    };
    bits.put(1, 1); // BFINAL
    bits.put(1, 2); // BTYPE = fixed Huffman
    bits.literal_zero();
    let matches = (zeros - 1) / 258;
    let literals = (zeros - 1) % 258;
    bits.match_258_at_1(); // now at bit 24: byte-aligned
    assert_eq!(bits.n, 0);
    let mut pattern = Bits {
        out: Vec::new(),
        acc: 0,
        n: 0,
    };
    for _ in 0..8 {
        pattern.match_258_at_1();
    }
    assert_eq!(pattern.out.len(), 13);
    let groups = (matches - 1) / 8;
    out.extend(&bits.out);
    bits.out.clear();
    out.reserve((groups * 13) as usize + 512);
    for _ in 0..groups {
        out.extend_from_slice(&pattern.out);
    }
    for _ in 0..(matches - 1) % 8 {
        bits.match_258_at_1();
    }
    for _ in 0..literals {
        bits.literal_zero();
    }
    bits.code(0, 7); // end of block
    if bits.n > 0 {
        bits.put(0, 8 - bits.n);
    }
    out.extend(&bits.out);

    let mut crc = Hasher::new();
    crc.update(prefix);
    crc.combine(&crc_of_zeros(zeros));
    out.extend(crc.finalize().to_le_bytes());
    out.extend(((prefix.len() as u64 + zeros) as u32).to_le_bytes());
    out
}

//! `access.bin` (since 1.6): what a reader needs to find any part of a
//! docpack without inflating the rest (DOCPACK_SPEC.md §4.10).
//!
//! It follows the manifest, so a reader inflates the two and stops. It
//! holds nothing that depends on the compressor — the docpack id stays the
//! same whatever deflated the blocks: the blocks of the archive after it
//! (their lengths and BLAKE3 hashes: the tar stream is cut at
//! content-defined boundaries, so they are a function of the content),
//! where each later entry lies in that stretch, and per symbol (in
//! `nodes.json` order, by id) where its record lies, what a listing shows
//! of it (name, qualified name, kind, file, line, centrality), the
//! confident call graph both ways, the tests that call it and its module.
//! Where each block starts in the compressed file is found by its sync
//! flush (`crate::access_read`).
//!
//! Little-endian throughout; the layout is in the spec. Decoding checks
//! every count against the bytes left before it allocates, and every
//! offset, list and string against what it indexes, so a damaged or
//! hostile index is refused with one line naming the fault, never read
//! past.

use crate::error::DocpackError;
use doctown_core::{FileRole, SymbolKind};

pub const MAGIC: &[u8; 4] = b"DPAX";
pub const VERSION: u32 = 1;
/// The bit of a call-graph item that marks a reference (not a call).
pub const REFERENCE: u32 = 1 << 31;
/// "No module".
pub const NO_MODULE: u32 = u32::MAX;
/// "No role" (a symbol whose file has none: source code).
pub const NO_ROLE: u16 = u16::MAX;

/// Strings by index: `count + 1` offsets into UTF-8 bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Strings {
    offsets: Vec<u32>,
    bytes: Vec<u8>,
}

impl Strings {
    pub fn push(&mut self, s: &str) -> Result<(), DocpackError> {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.bytes.extend_from_slice(s.as_bytes());
        let end = u32::try_from(self.bytes.len())
            .map_err(|_| DocpackError::Write("an access.bin string table over 4 GiB".into()))?;
        self.offsets.push(end);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The string at `i` (checked at decoding: offsets ascend within the
    /// bytes, on character boundaries).
    pub fn get(&self, i: usize) -> &str {
        let (a, b) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
        std::str::from_utf8(&self.bytes[a..b]).unwrap_or_default()
    }

    pub fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * 4 + self.bytes.capacity()
    }
}

/// Lists by index (compressed sparse rows): `count + 1` offsets into items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lists {
    offsets: Vec<u32>,
    items: Vec<u32>,
}

impl Lists {
    /// Lists from `(owner, item)` pairs, each list in the pairs' order.
    pub fn from_pairs(count: usize, pairs: &[(u32, u32)]) -> Result<Lists, DocpackError> {
        let mut offsets = vec![0u32; count + 1];
        for &(owner, _) in pairs {
            offsets[owner as usize + 1] += 1;
        }
        for i in 0..count {
            offsets[i + 1] += offsets[i];
        }
        let mut next = offsets.clone();
        let mut items = vec![0u32; pairs.len()];
        for &(owner, item) in pairs {
            let slot = &mut next[owner as usize];
            items[*slot as usize] = item;
            *slot += 1;
        }
        Ok(Lists { offsets, items })
    }

    /// The lists the other way: `j` in `i`'s list (with its
    /// [`REFERENCE`] bit) is `i` in `j`'s, by `i` then the bit.
    pub fn transposed(&self, count: usize) -> Lists {
        let mut offsets = vec![0u32; count + 1];
        for &item in &self.items {
            offsets[(item & !REFERENCE) as usize + 1] += 1;
        }
        for i in 0..count {
            offsets[i + 1] += offsets[i];
        }
        let mut next = offsets.clone();
        let mut items = vec![0u32; self.items.len()];
        for owner in 0..self.offsets.len().saturating_sub(1) {
            for &item in self.of(owner) {
                let slot = &mut next[(item & !REFERENCE) as usize];
                items[*slot as usize] = owner as u32 | (item & REFERENCE);
                *slot += 1;
            }
        }
        Lists { offsets, items }
    }

    pub fn of(&self, i: usize) -> &[u32] {
        &self.items[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    pub fn total(&self) -> usize {
        self.items.len()
    }

    pub fn heap_bytes(&self) -> usize {
        (self.offsets.capacity() + self.items.capacity()) * 4
    }
}

/// Where an entry after `access.bin` lies: its data's offset from the
/// first byte after `access.bin`'s padding, and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntrySpan {
    pub name: String,
    pub offset: u64,
    pub size: u64,
}

/// One block of the archive after `access.bin`: its length inflated and
/// the BLAKE3 hash of those bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockSpan {
    pub len: u32,
    pub hash: [u8; 32],
}

/// One symbol: its id as a number (`sym_` + 16 hex digits), where its
/// record lies in `nodes.json` (from the entry's first byte, the record's
/// `{` to its `}`), and what a listing shows of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SymbolRow {
    pub id: u64,
    pub record: u64,
    pub record_len: u32,
    pub kind: u16,
    /// Its `role` (an index of the roles table), or [`NO_ROLE`].
    pub role: u16,
    pub file: u32,
    pub line: u32,
    pub centrality: f32,
    pub module: u32,
    /// What its qualified name has before its name (an index of the
    /// owners table); with [`WHOLE`] set, the owner is the whole
    /// qualified name (one that does not end with the name).
    pub owner: u32,
}

/// Bytes a row takes in the file, column by column.
const ROW_BYTES: usize = 8 + 4 + 4 + 2 + 2 + 4 + 4 + 4 + 4 + 4;
/// The bit of a row's owner that makes it the whole qualified name.
pub const WHOLE: u32 = 1 << 31;

/// The decoded index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccessIndex {
    /// Bytes of the tar stream after `access.bin`'s padding, to its end.
    pub body_len: u64,
    pub entries: Vec<EntrySpan>,
    pub blocks: Vec<BlockSpan>,
    /// Symbol kinds and file roles by the names the format gives them.
    pub kinds: Strings,
    pub roles: Strings,
    pub files: Strings,
    pub modules: Strings,
    pub rows: Vec<SymbolRow>,
    pub names: Strings,
    /// The parts of qualified names before the name (`kv::store::` of
    /// `kv::store::Store`), each once.
    pub owners: Strings,
    /// Symbols by lowercase name, then index: sorted on first use
    /// ([`AccessIndex::names_sorted`]; a kernel's 4 M names take about a
    /// second, which opening does not wait for).
    pub by_name: std::sync::OnceLock<Vec<u32>>,
    /// Confident calls and references out of and into each symbol (an
    /// item with [`REFERENCE`] set is a reference).
    pub out: Lists,
    pub into: Lists,
    /// The tests that call each symbol.
    pub tests: Lists,
    /// Each module's symbols.
    pub members: Lists,
}

/// Rows by lowercase name (Unicode's default case mapping), then row.
pub fn name_order(names: &Strings) -> Vec<u32> {
    use rayon::prelude::*;
    let lower: Vec<String> = (0..names.len())
        .into_par_iter()
        .map(|i| names.get(i).to_lowercase())
        .collect();
    let mut order: Vec<u32> = (0..names.len() as u32).collect();
    order.par_sort_unstable_by(|&a, &b| lower[a as usize].cmp(&lower[b as usize]).then(a.cmp(&b)));
    order
}

/// The confident symbol graph: calls and references between two
/// different symbols out of and into each, and the tests that call each
/// (`tested_by`) — the one reading of `graph.json`'s edges that the index
/// stores and the query engine walks. `find` gives a symbol's index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SymbolLinks {
    pub out: Lists,
    pub into: Lists,
    pub tests: Lists,
}

impl SymbolLinks {
    pub fn of<'e>(
        n: usize,
        find: impl Fn(&str) -> Option<u32>,
        edges: impl IntoIterator<Item = &'e crate::model::Edge>,
    ) -> Result<SymbolLinks, DocpackError> {
        use crate::model::EdgeKind;
        let (mut calls, mut tests) = (Vec::new(), Vec::new());
        for e in edges.into_iter().filter(|e| e.is_confident()) {
            let link = match e.kind {
                EdgeKind::Calls => 0,
                EdgeKind::References => REFERENCE,
                EdgeKind::TestedBy => {
                    if let (Some(a), Some(b)) = (find(&e.from), find(&e.to)) {
                        tests.push((a, b));
                    }
                    continue;
                }
                _ => continue,
            };
            if let (Some(a), Some(b)) = (find(&e.from), find(&e.to)) {
                if a != b {
                    calls.push((a, b, link));
                }
            }
        }
        // Each list by symbol, a call before a reference of the same one.
        let order = |&(owner, item): &(u32, u32)| (owner, item & !REFERENCE, item & REFERENCE);
        let mut out: Vec<(u32, u32)> = calls.iter().map(|&(a, b, l)| (a, b | l)).collect();
        out.sort_unstable_by_key(order);
        out.dedup();
        let out = Lists::from_pairs(n, &out)?;
        Ok(SymbolLinks {
            into: out.transposed(n),
            out,
            tests: Lists::from_pairs(n, &tests)?,
        })
    }
}

/// The number of a canonical symbol id (`sym_` + 16 lowercase hex digits).
pub fn id_number(id: &str) -> Option<u64> {
    let hex = id.strip_prefix("sym_")?;
    let lower = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    if hex.len() != 16 || !hex.bytes().all(lower) {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

/// The canonical id of a number.
pub fn id_text(n: u64) -> String {
    format!("sym_{n:016x}")
}

impl AccessIndex {
    /// The index of a symbol by its id.
    pub fn find(&self, id: &str) -> Option<u32> {
        let n = id_number(id)?;
        self.rows
            .binary_search_by_key(&n, |r| r.id)
            .ok()
            .map(|i| i as u32)
    }

    pub fn kind(&self, i: u32) -> Option<SymbolKind> {
        let name = self.kinds.get(self.rows[i as usize].kind as usize);
        serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
    }

    /// A symbol's qualified name.
    pub fn qualified_name(&self, i: u32) -> String {
        let owner = self.rows[i as usize].owner;
        let prefix = self.owners.get((owner & !WHOLE) as usize);
        match owner & WHOLE {
            0 => format!("{prefix}{}", self.names.get(i as usize)),
            _ => prefix.to_string(),
        }
    }

    pub fn role(&self, i: u32) -> Option<FileRole> {
        let role = self.rows[i as usize].role;
        (role != NO_ROLE)
            .then(|| self.roles.get(role as usize))
            .and_then(|name| serde_json::from_value(serde_json::Value::String(name.into())).ok())
    }

    /// Symbols whose name is `name`, ignoring case.
    pub fn named(&self, name: &str) -> &[u32] {
        let key = name.to_lowercase();
        let lower = |i: &u32| self.names.get(*i as usize).to_lowercase();
        let by_name = self.names_sorted();
        let start = by_name.partition_point(|i| lower(i) < key);
        let end = start + by_name[start..].partition_point(|i| lower(i) == key);
        &by_name[start..end]
    }

    /// Symbols by lowercase name, then index ([`name_order`]), sorted now
    /// if they are not yet.
    pub fn names_sorted(&self) -> &[u32] {
        self.by_name.get_or_init(|| name_order(&self.names))
    }

    pub fn entry(&self, name: &str) -> Option<&EntrySpan> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// Approximate heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.rows.capacity() * std::mem::size_of::<SymbolRow>()
            + self.blocks.capacity() * 36
            + self.by_name.get().map_or(0, |o| o.capacity() * 4)
            + [
                &self.kinds,
                &self.roles,
                &self.files,
                &self.modules,
                &self.names,
                &self.owners,
            ]
            .iter()
            .map(|s| s.heap_bytes())
            .sum::<usize>()
            + [&self.out, &self.into, &self.tests, &self.members]
                .iter()
                .map(|l| l.heap_bytes())
                .sum::<usize>()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Vec::with_capacity(64 + self.rows.len() * 64);
        w.extend_from_slice(MAGIC);
        put32(&mut w, VERSION);
        put64(&mut w, self.body_len);
        put32(&mut w, self.entries.len() as u32);
        for e in &self.entries {
            put32(&mut w, e.name.len() as u32);
            w.extend_from_slice(e.name.as_bytes());
            put64(&mut w, e.offset);
            put64(&mut w, e.size);
        }
        put32(&mut w, self.blocks.len() as u32);
        for b in &self.blocks {
            put32(&mut w, b.len);
            w.extend_from_slice(&b.hash);
        }
        for s in [&self.kinds, &self.roles, &self.files, &self.modules] {
            put_strings(&mut w, s);
        }
        put_rows(&mut w, &self.rows);
        put_strings(&mut w, &self.names);
        put_strings(&mut w, &self.owners);
        // The name order, `into` and `members` are derived when read (from
        // the names, `out`, and the
        // rows' modules).
        for l in [&self.out, &self.tests] {
            put_lists(&mut w, l);
        }
        w
    }

    /// Decodes and checks an index; `nodes_size` is the size of
    /// `nodes.json` the manifest lists.
    pub fn from_bytes(bytes: &[u8]) -> Result<AccessIndex, DocpackError> {
        let mut index = AccessIndex::decode(bytes)?;
        let n = index.rows.len();
        index.into = index.out.transposed(n);
        let members: Vec<(u32, u32)> = (index.rows.iter().enumerate())
            .filter(|(_, r)| r.module != NO_MODULE)
            .map(|(i, r)| (r.module, i as u32))
            .collect();
        index.members = Lists::from_pairs(index.modules.len(), &members)?;
        Ok(index)
    }

    /// The stored tables, checked, without what a reader derives from
    /// them (`into`, `by_name`, `members` stay empty): what the checkers
    /// of a whole docpack need.
    pub fn decode(bytes: &[u8]) -> Result<AccessIndex, DocpackError> {
        let mut r = Cursor { bytes, at: 0 };
        if r.take(4)? != MAGIC {
            return Err(fault("it does not start with DPAX"));
        }
        let version = r.u32()?;
        if version != VERSION {
            return Err(fault(format!(
                "layout version {version}, this reader knows {VERSION}"
            )));
        }
        let mut index = AccessIndex {
            body_len: r.u64()?,
            ..AccessIndex::default()
        };
        index.entries = r.entries()?;
        index.blocks = r.blocks()?;
        index.kinds = r.strings("kinds")?;
        index.roles = r.strings("roles")?;
        index.files = r.strings("files")?;
        index.modules = r.strings("modules")?;
        index.rows = r.rows()?;
        let n = index.rows.len();
        index.names = r.strings("names")?;
        index.owners = r.strings("owners")?;
        index.out = r.lists(n, n, "calls out")?;
        index.tests = r.lists(n, n, "tests")?;
        if r.at != bytes.len() {
            return Err(fault(format!(
                "{} bytes after the last table",
                bytes.len() - r.at
            )));
        }
        index.check()?;
        Ok(index)
    }

    /// What decoding cannot see table by table.
    fn check(&self) -> Result<(), DocpackError> {
        let mut end = 0u64;
        for e in &self.entries {
            if e.offset < end
                || e.offset
                    .checked_add(e.size)
                    .is_none_or(|x| x > self.body_len)
            {
                return Err(fault(format!(
                    "entry {} at {}+{} overlaps another or runs past the archive ({} bytes)",
                    e.name, e.offset, e.size, self.body_len
                )));
            }
            end = e.offset + e.size;
        }
        let blocks: u64 = self.blocks.iter().map(|b| u64::from(b.len)).sum();
        let empty = self.blocks.is_empty() || self.blocks.iter().any(|b| b.len == 0);
        if blocks != self.body_len || empty {
            return Err(fault(format!(
                "the blocks hold {blocks} bytes, the archive after access.bin {}",
                self.body_len
            )));
        }
        let n = self.rows.len();
        if self.names.len() != n {
            return Err(fault("the names table does not have one name per symbol"));
        }
        let nodes = self.entry(crate::entry::NODES).map_or(0, |e| e.size);
        let mut last: Option<&SymbolRow> = None;
        for r in &self.rows {
            let record_end = r.record.checked_add(u64::from(r.record_len));
            if last.is_some_and(|l| l.id >= r.id || l.record + u64::from(l.record_len) > r.record)
                || record_end.is_none_or(|e| e > nodes)
                || r.kind as usize >= self.kinds.len()
                || (r.role != NO_ROLE && r.role as usize >= self.roles.len())
                || r.file as usize >= self.files.len()
                || (r.module != NO_MODULE && r.module as usize >= self.modules.len())
                || (r.owner & !WHOLE) as usize >= self.owners.len()
                || !r.centrality.is_finite()
            {
                return Err(fault(format!(
                    "the row of {} is out of order or points past its tables",
                    id_text(r.id)
                )));
            }
            last = Some(r);
        }
        Ok(())
    }
}

fn fault(msg: impl AsRef<str>) -> DocpackError {
    DocpackError::corrupt(format!("access.bin: {}", msg.as_ref()))
}

fn put32(w: &mut Vec<u8>, v: u32) {
    w.extend_from_slice(&v.to_le_bytes());
}

fn put64(w: &mut Vec<u8>, v: u64) {
    w.extend_from_slice(&v.to_le_bytes());
}

fn put_rows(w: &mut Vec<u8>, rows: &[SymbolRow]) {
    put32(w, rows.len() as u32);
    rows.iter().for_each(|r| put64(w, r.id));
    let mut end = 0u64;
    for r in rows {
        // Rows come in record order (checked when read); a gap fits 32 bits
        // in any canonical nodes.json.
        put32(
            w,
            r.record.saturating_sub(end).min(u64::from(u32::MAX)) as u32,
        );
        end = r.record + u64::from(r.record_len);
    }
    rows.iter().for_each(|r| put32(w, r.record_len));
    rows.iter()
        .for_each(|r| w.extend_from_slice(&r.kind.to_le_bytes()));
    rows.iter()
        .for_each(|r| w.extend_from_slice(&r.role.to_le_bytes()));
    rows.iter().for_each(|r| put32(w, r.file));
    rows.iter().for_each(|r| put32(w, r.line));
    rows.iter().for_each(|r| put32(w, r.centrality.to_bits()));
    // Modules: each file's (its first symbol's), then per row 0 for its
    // file's, the module + 1 for another, or NO_MODULE.
    let files = rows.iter().map(|r| r.file as usize + 1).max().unwrap_or(0);
    let mut file_module = vec![None; files];
    for r in rows {
        file_module[r.file as usize].get_or_insert(r.module);
    }
    put32(w, files as u32);
    file_module
        .iter()
        .for_each(|m| put32(w, m.unwrap_or(NO_MODULE)));
    for r in rows {
        let same = file_module[r.file as usize] == Some(r.module);
        put32(
            w,
            match r.module {
                _ if same => 0,
                NO_MODULE => NO_MODULE,
                m => m + 1,
            },
        );
    }
    rows.iter().for_each(|r| put32(w, r.owner));
}

/// An unsigned LEB128 number: 7 bits a byte, low first.
fn put_var(w: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        w.push((v as u8) | 0x80);
        v >>= 7;
    }
    w.push(v as u8);
}

/// Lengths, not offsets: small numbers that compress.
fn put_lengths(w: &mut Vec<u8>, offsets: &[u32]) {
    offsets.windows(2).for_each(|o| put_var(w, o[1] - o[0]));
}

fn put_strings(w: &mut Vec<u8>, s: &Strings) {
    put32(w, s.len() as u32);
    put32(w, s.bytes.len() as u32);
    put_lengths(w, &s.offsets);
    w.extend_from_slice(&s.bytes);
}

fn put_lists(w: &mut Vec<u8>, l: &Lists) {
    put32(w, l.items.len() as u32);
    put_lengths(w, &l.offsets);
    for &i in &l.items {
        put32(w, i);
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DocpackError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| fault(format!("truncated at byte {}", self.at)))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    /// Room for `count` items of `size` bytes, checked before allocating.
    fn room(&self, count: usize, size: usize, what: &str) -> Result<(), DocpackError> {
        let need = count.checked_mul(size);
        if need.is_none_or(|n| n > self.bytes.len() - self.at) {
            return Err(fault(format!(
                "{what}: {count} items do not fit in the {} bytes left",
                self.bytes.len() - self.at
            )));
        }
        Ok(())
    }

    fn u16(&mut self) -> Result<u16, DocpackError> {
        Ok(u16::from_le_bytes(
            self.take(2)?.try_into().unwrap_or_default(),
        ))
    }

    fn u32(&mut self) -> Result<u32, DocpackError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().unwrap_or_default(),
        ))
    }

    fn u64(&mut self) -> Result<u64, DocpackError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().unwrap_or_default(),
        ))
    }

    fn u32s(&mut self, count: usize, what: &str) -> Result<Vec<u32>, DocpackError> {
        self.room(count, 4, what)?;
        let raw = self.take(count * 4)?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    fn var(&mut self) -> Result<u32, DocpackError> {
        let mut v = 0u64;
        for shift in (0..35).step_by(7) {
            let b = self.take(1)?[0];
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return u32::try_from(v).map_err(|_| fault("a length over 32 bits"));
            }
        }
        Err(fault("a length over 32 bits"))
    }

    /// `count` lengths (varints) as `count + 1` offsets from 0, the last
    /// `total`.
    fn offsets(&mut self, count: usize, total: u32, what: &str) -> Result<Vec<u32>, DocpackError> {
        self.room(count, 1, what)?;
        let mut offsets = Vec::with_capacity(count + 1);
        let mut at = 0u32;
        offsets.push(0);
        for _ in 0..count {
            at = at
                .checked_add(self.var()?)
                .ok_or_else(|| fault(format!("{what}: lengths past 4 GiB")))?;
            offsets.push(at);
        }
        if at != total {
            return Err(fault(format!("{what}: lengths sum to {at}, not {total}")));
        }
        Ok(offsets)
    }

    fn strings(&mut self, what: &str) -> Result<Strings, DocpackError> {
        let count = self.u32()? as usize;
        let len = self.u32()?;
        let offsets = self.offsets(count, len, what)?;
        let bytes = self.take(len as usize)?;
        let text = std::str::from_utf8(bytes).map_err(|_| fault(format!("{what}: not UTF-8")))?;
        if !offsets.iter().all(|&o| text.is_char_boundary(o as usize)) {
            return Err(fault(format!("{what}: an offset splits a character")));
        }
        Ok(Strings {
            offsets: if count == 0 { Vec::new() } else { offsets },
            bytes: bytes.to_vec(),
        })
    }

    fn lists(&mut self, count: usize, bound: usize, what: &str) -> Result<Lists, DocpackError> {
        let total = self.u32()?;
        let offsets = self.offsets(count, total, what)?;
        let items = self.u32s(total as usize, what)?;
        if items.iter().any(|&i| (i & !REFERENCE) as usize >= bound) {
            return Err(fault(format!("{what}: an item names no symbol")));
        }
        Ok(Lists { offsets, items })
    }

    fn entries(&mut self) -> Result<Vec<EntrySpan>, DocpackError> {
        let count = self.u32()? as usize;
        self.room(count, 20, "entries")?;
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            let len = self.u32()? as usize;
            let name = std::str::from_utf8(self.take(len)?)
                .map_err(|_| fault("an entry name is not UTF-8"))?
                .to_string();
            entries.push(EntrySpan {
                name,
                offset: self.u64()?,
                size: self.u64()?,
            });
        }
        Ok(entries)
    }

    fn blocks(&mut self) -> Result<Vec<BlockSpan>, DocpackError> {
        let count = self.u32()? as usize;
        self.room(count, 36, "blocks")?;
        (0..count)
            .map(|_| {
                let len = self.u32()?;
                let hash = self.take(32)?.try_into().unwrap_or_default();
                Ok(BlockSpan { len, hash })
            })
            .collect()
    }

    /// The rows, column by column (each column compresses on its own):
    /// ids, the gap before each record (from the end of the one before;
    /// the first from the start of `nodes.json`), record lengths, kinds,
    /// roles, files, lines, centralities, modules, owners.
    fn rows(&mut self) -> Result<Vec<SymbolRow>, DocpackError> {
        let n = self.u32()? as usize;
        self.room(n, ROW_BYTES, "symbols")?;
        let ids: Vec<u64> = (0..n).map(|_| self.u64()).collect::<Result<_, _>>()?;
        let gaps = self.u32s(n, "record gaps")?;
        let lens = self.u32s(n, "record lengths")?;
        let kinds: Vec<u16> = (0..n).map(|_| self.u16()).collect::<Result<_, _>>()?;
        let roles: Vec<u16> = (0..n).map(|_| self.u16()).collect::<Result<_, _>>()?;
        let files = self.u32s(n, "files")?;
        let lines = self.u32s(n, "lines")?;
        let centrality = self.u32s(n, "centralities")?;
        let file_count = self.u32()? as usize;
        let file_modules = self.u32s(file_count, "file modules")?;
        let modules = self.u32s(n, "modules")?;
        let owners = self.u32s(n, "owners")?;
        let module = |i: usize| match modules[i] {
            0 => file_modules.get(files[i] as usize).copied().ok_or_else(|| {
                fault(format!(
                    "row {i}: its file {} has no module listed",
                    files[i]
                ))
            }),
            NO_MODULE => Ok(NO_MODULE),
            m => Ok(m - 1),
        };
        let mut end = 0u64;
        (0..n)
            .map(|i| {
                let record = end + u64::from(gaps[i]);
                end = record + u64::from(lens[i]);
                Ok(SymbolRow {
                    id: ids[i],
                    record,
                    record_len: lens[i],
                    kind: kinds[i],
                    role: roles[i],
                    file: files[i],
                    line: lines[i],
                    centrality: f32::from_bits(centrality[i]),
                    module: module(i)?,
                    owner: owners[i],
                })
            })
            .collect()
    }
}

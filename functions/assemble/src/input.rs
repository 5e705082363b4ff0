//! What assemble computes from: ingest's symbols, files and chunks (reduced
//! to what assemble needs), and optionally a vector lookup and a memo.

use crate::chunks::ChunkInfo;
use crate::vectors::VectorLookup;
use doctown_core::{FileRecord, Symbol, SymbolId};
use doctown_pipeline::memo::Memo;
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A symbol without what assemble never reads, so that a stage holding
/// millions of them keeps only what it uses: its code words and field
/// types, its attributes unless they mark a test (all that assemble asks
/// of them), its calls' qualifiers and receivers, and the name of each
/// call that resolution linked (the
/// callee as written stays: a link to a symbol that is not in the input
/// is listed as unresolved by it). Lists are trimmed to their length.
pub fn lean_symbol(mut s: Symbol) -> Symbol {
    s.words = String::new();
    s.field_types = Default::default();
    if !s.is_test_marked() {
        s.attributes = Vec::new();
    }
    for call in &mut s.calls {
        (call.qualifier, call.receiver_type, call.receiver_from) = (None, None, None);
        if call.resolved.is_some() {
            call.name = Default::default();
        }
    }
    s.calls.shrink_to_fit();
    s.bases.shrink_to_fit();
    s.attributes.shrink_to_fit();
    s
}

/// The inputs of the `assemble` function: symbols sorted by id (duplicates
/// dropped), files sorted by path, chunks sorted by id.
pub struct AssembleInput<'a> {
    pub symbols: Vec<Symbol>,
    pub files: Vec<FileRecord>,
    pub chunks: Vec<ChunkInfo>,
    /// `None` for a structural build (embeddings off or skipped).
    pub vectors: Option<&'a dyn VectorLookup>,
    /// Where the last build of the same source left its k-means labels
    /// ([`Memo`]); `None` computes them.
    pub memo: Option<&'a Memo<'a>>,
    ids: IdIndex,
    parents: Vec<Option<usize>>,
}

impl<'a> AssembleInput<'a> {
    /// Sorts everything so that input order never shows in the output.
    pub fn new(
        mut symbols: Vec<Symbol>,
        mut files: Vec<FileRecord>,
        mut chunks: Vec<ChunkInfo>,
        vectors: Option<&'a dyn VectorLookup>,
    ) -> Self {
        symbols = sorted_by_id(symbols, |s| s.id.as_str());
        symbols.dedup_by(|a, b| a.id == b.id);
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|a, b| a.path == b.path);
        chunks = sorted_by_id(chunks, |c| &c.id);
        chunks.dedup_by(|a, b| a.id == b.id);
        let ids = IdIndex::new(&symbols);
        let parents = symbols
            .iter()
            .map(|s| s.parent.as_ref().and_then(|p| ids.find(&symbols, p)))
            .collect();
        AssembleInput {
            symbols,
            files,
            chunks,
            vectors,
            memo: None,
            ids,
            parents,
        }
    }

    /// Takes the k-means labels from `memo` when they are this input's.
    pub fn with_memo(mut self, memo: &'a Memo<'a>) -> Self {
        self.memo = Some(memo);
        self
    }

    /// The index of a symbol id in `symbols`.
    pub fn symbol_index(&self, id: &SymbolId) -> Option<usize> {
        self.ids.find(&self.symbols, id)
    }

    /// Each symbol's parent, as an index in `symbols`.
    pub fn parent_indices(&self) -> &[Option<usize>] {
        &self.parents
    }
}

/// `items` in the order of their ids, stably (items with one id keep
/// their input order), on every core. What is sorted is each item's
/// index under the first 16 bytes of its id read as a big-endian number,
/// so a comparison is one integer's and no item moves until the order is
/// known (a symbol is a few hundred bytes; ids share prefixes such as
/// `sym_`); ids alike in their first 16 bytes are compared whole.
fn sorted_by_id<T: Send + Sync>(items: Vec<T>, id: impl Fn(&T) -> &str + Sync) -> Vec<T> {
    let head = |text: &str| {
        let mut bytes = [0u8; 16];
        let n = text.len().min(16);
        bytes[..n].copy_from_slice(&text.as_bytes()[..n]);
        u128::from_be_bytes(bytes)
    };
    let mut order: Vec<(u128, u32)> = items
        .par_iter()
        .enumerate()
        .map(|(i, item)| (head(id(item)), i as u32))
        .collect();
    order.par_sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| id(&items[a.1 as usize]).cmp(id(&items[b.1 as usize])))
            .then(a.1.cmp(&b.1))
    });
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order
        .iter()
        .filter_map(|&(_, i)| slots[i as usize].take())
        .collect()
}

/// Symbol ids to their index by a 64-bit hash of the id (a lookup costs
/// one probe, where a binary search over millions of ids costs twenty
/// cache misses); the id found is compared, and if two ids ever share a
/// hash every lookup falls back to the binary search.
struct IdIndex {
    by_hash: HashMap<u64, u32, BuildHasherDefault<Mixed>>,
    collided: bool,
}

impl IdIndex {
    fn new(symbols: &[Symbol]) -> IdIndex {
        let mut by_hash: HashMap<u64, u32, BuildHasherDefault<Mixed>> =
            HashMap::with_capacity_and_hasher(symbols.len(), Default::default());
        let mut collided = false;
        for (i, s) in symbols.iter().enumerate() {
            collided |= by_hash.insert(id_hash(&s.id), i as u32).is_some();
        }
        IdIndex { by_hash, collided }
    }

    fn find(&self, symbols: &[Symbol], id: &SymbolId) -> Option<usize> {
        if self.collided {
            return symbols.binary_search_by(|s| s.id.cmp(id)).ok();
        }
        let i = *self.by_hash.get(&id_hash(id))? as usize;
        (symbols[i].id == *id).then_some(i)
    }
}

/// FNV-1a over the id's bytes, then a 64-bit finaliser (splitmix64), so
/// that every bit of the key depends on every byte.
fn id_hash(id: &SymbolId) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in id.as_str().bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The hasher of keys that are already well-mixed hashes: passes them on.
#[derive(Default)]
struct Mixed(u64);

impl Hasher for Mixed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A bare function symbol for the crate's unit tests: line 1, public,
/// nothing but its name, path and language.
#[cfg(test)]
pub(crate) fn function(name: &str, path: &str, language: doctown_core::Language) -> Symbol {
    use doctown_core::{ByteRange, Position, Span, SymbolKind, Visibility};
    let at = Position { line: 1, column: 0 };
    Symbol {
        id: SymbolId::for_symbol(path, name, "function", 0),
        name: name.to_string(),
        kind: SymbolKind::Function,
        qualified_name: name.to_string(),
        language,
        path: path.to_string(),
        span: Span {
            bytes: ByteRange { start: 0, end: 1 },
            start: at,
            end: at,
        },
        signature: String::new(),
        visibility: Visibility::Public,
        doc: None,
        attributes: Vec::new(),
        parent: None,
        bases: Vec::new(),
        target: None,
        calls: Vec::new(),
        field_types: Default::default(),
        words: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use doctown_core::Language;

    fn symbol(name: &str, parent: Option<&SymbolId>) -> Symbol {
        Symbol {
            parent: parent.cloned(),
            ..function(name, "a.py", Language::Python)
        }
    }

    #[test]
    fn ids_sort_as_a_stable_sort_of_the_whole_ids_would() {
        // Ids alike in their first 16 bytes, prefixes of each other, a NUL
        // inside the first 16 bytes, and duplicates whose order must hold.
        let ids = [
            "sym_ffff0000aaaa1111",
            "sym_ffff0000aaaa1110",
            "sym_0000",
            "sym_0000\0",
            "sym_0000",
            "",
            "sym_ffff0000aaaa",
            "sym_ffff0000aaaa1111",
            "a\0b",
            "a",
            "chk_5794029f36bb38bb",
            "sym_ffff0000aaaa11",
            "é",
            "sym_ffff0000aaaa1111z",
        ];
        let items: Vec<(String, usize)> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.to_string(), i))
            .collect();
        let mut expected = items.clone();
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(sorted_by_id(items, |item| &item.0), expected);
    }

    #[test]
    fn ids_and_parents_resolve_as_a_binary_search_would() {
        let outer = symbol("outer", None);
        let missing = SymbolId::for_symbol("b.py", "gone", "function", 0);
        let mut symbols: Vec<Symbol> = (0..500)
            .map(|i| symbol(&format!("f{i}"), Some(&outer.id)))
            .collect();
        symbols.push(symbol("orphan", Some(&missing)));
        symbols.push(outer.clone());
        let input = AssembleInput::new(symbols, Vec::new(), Vec::new(), None);
        let outer_at = input.symbols.binary_search_by(|s| s.id.cmp(&outer.id)).ok();
        for (i, s) in input.symbols.iter().enumerate() {
            assert_eq!(input.symbol_index(&s.id), Some(i));
            let expected = if s.name == "orphan" || s.name == "outer" {
                None
            } else {
                outer_at
            };
            assert_eq!(input.parent_indices()[i], expected, "{}", s.name);
        }
        assert_eq!(input.symbol_index(&missing), None);
        // Every lookup is also right when the binary search is forced.
        let forced = IdIndex {
            by_hash: HashMap::default(),
            collided: true,
        };
        for (i, s) in input.symbols.iter().enumerate() {
            assert_eq!(forced.find(&input.symbols, &s.id), Some(i));
        }
        assert_eq!(forced.find(&input.symbols, &missing), None);
    }
}

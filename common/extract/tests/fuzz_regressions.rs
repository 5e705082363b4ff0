//! Inputs found by the fuzz targets (`fuzz/`, `bash scripts/fuzz.sh`) that
//! once panicked, kept as regression tests.

use doctown_core::Language;
use doctown_extract::{apply_scip, parse_scip, Extractor};

const STORE_PY: &str = "class Inventory:\n    def add(self, sku, qty):\n        self.touch(sku)\n        return qty\n\n    def touch(self, sku):\n        return sku\n";

/// A protobuf length-delimited field.
fn field(number: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![(number << 3) | 2];
    let mut n = bytes.len();
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        out.push(if n == 0 { b } else { b | 0x80 });
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(bytes);
    out
}

/// A protobuf varint.
fn varint(mut n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        out.push(if n == 0 { b } else { b | 0x80 });
        if n == 0 {
            return out;
        }
    }
}

/// An occurrence on line `line` (0-based), a definition or a reference.
fn occurrence(line: u64, symbol: &str, definition: bool) -> Vec<u8> {
    let mut range = varint(line);
    range.extend(varint(4));
    let mut out = field(1, &range);
    out.extend(field(2, symbol.as_bytes()));
    out.extend([3 << 3, u8::from(definition)]);
    out
}

/// An occurrence on the last line a u32 holds (or past it: the reader
/// clamps to u32::MAX) made `line + 1` overflow in `apply_scip`, for
/// references and definitions alike (a panic in builds with overflow
/// checks). The fuzzer's input was a mutated `scip_py` index; this is the
/// same shape, minimal.
#[test]
fn scip_occurrence_on_the_last_line_is_ignored() {
    let symbol = "scip-python python shop 1.0 shop/store/Inventory#touch().";
    for line in [u64::from(u32::MAX), u64::from(u32::MAX) + 7, u64::MAX] {
        let mut doc = field(1, b"shop/store.py");
        doc.extend(field(2, &occurrence(line, symbol, false)));
        doc.extend(field(2, &occurrence(line, symbol, true)));
        doc.extend(field(2, &occurrence(2, symbol, false)));
        let index = parse_scip(&field(2, &doc)).expect("a well-formed index");
        assert_eq!(index.documents[0].occurrences[0].line, u32::MAX);

        let mut symbols = Extractor::new()
            .extract("shop/store.py", Language::Python, STORE_PY)
            .symbols;
        let before = symbols.len();
        let stats = apply_scip(&mut symbols, &index);
        assert_eq!(stats.documents_matched, 1);
        assert_eq!(symbols.len(), before);
    }
}

//! Symbols held for call resolution without what resolution never reads.
//!
//! Repository-wide resolution needs every symbol at once, but not every
//! symbol's doc comment, code words, attributes or (outside the languages
//! whose return types it reads) signature. Those parts go to a spool file
//! as each file's symbols arrive and come back, in order, as
//! `symbols.jsonl` is written; the artifact's bytes are those of the whole
//! symbols.
//!
//! A symbol of an unchanged file spools its stored line instead, which
//! holds every part: written as it is when resolution links its calls as
//! it did ([`Stored::still`]), or parsed again and given its new links.
//! Stored lines are held in memory up to [`HELD_BYTES`] (a rebuild's are
//! most of the artifact: writing them to the spool file and reading them
//! back cost more than serialising the symbols again), the rest spooled.

use crate::reuse::{Link, Stored};
use doctown_core::{Language, Symbol};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, BufWriter, Seek, Write};

/// What starts a spooled stored line (the parts are a JSON object, `{`).
const STORED: u8 = b'S';
/// The line of a stored symbol held in memory.
const HELD: &[u8] = b"M\n";
/// How many bytes of stored lines a spool holds in memory.
pub const HELD_BYTES: usize = 256 << 20;

/// The parts of a symbol that resolution does not read.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Spooled {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    doc: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    words: String,
    /// Every attribute, in order (the resolution view keeps only those
    /// resolution reads: [`doctown_extract::resolution_reads_attribute`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    attributes: Vec<String>,
    /// The signature, when the view leaves it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signature: Option<String>,
}

/// Languages whose signatures resolution reads (declared return types,
/// callback parameter types: `doctown_extract`'s `returns`).
fn signature_read(language: Language) -> bool {
    matches!(
        language,
        Language::Go
            | Language::Rust
            | Language::Python
            | Language::TypeScript
            | Language::Tsx
            | Language::JavaScript
    )
}

/// `symbol` reduced to what call resolution, SCIP linking and the
/// history's ids read, and the rest.
pub fn resolution_view(mut symbol: Symbol) -> (Symbol, Spooled) {
    let attributes = if symbol.attributes.is_empty() {
        Vec::new()
    } else {
        let kept: Vec<String> = symbol
            .attributes
            .iter()
            .filter(|a| doctown_extract::resolution_reads_attribute(a))
            .cloned()
            .collect();
        std::mem::replace(&mut symbol.attributes, kept)
    };
    let signature = if signature_read(symbol.language) {
        None
    } else {
        Some(std::mem::take(&mut symbol.signature))
    };
    let spooled = Spooled {
        doc: symbol.doc.take(),
        words: std::mem::take(&mut symbol.words),
        attributes,
        signature,
    };
    // Extraction grew these by pushing; they are kept until resolution.
    symbol.attributes.shrink_to_fit();
    symbol.calls.shrink_to_fit();
    symbol.name.shrink_to_fit();
    symbol.qualified_name.shrink_to_fit();
    symbol.path.shrink_to_fit();
    symbol.signature.shrink_to_fit();
    (symbol, spooled)
}

/// Puts back what [`resolution_view`] took out.
fn restore(symbol: &mut Symbol, spooled: Spooled) {
    symbol.doc = spooled.doc;
    symbol.words = spooled.words;
    if !spooled.attributes.is_empty() {
        symbol.attributes = spooled.attributes;
    }
    if let Some(signature) = spooled.signature {
        symbol.signature = signature;
    }
}

/// One symbol's spool entry, read back.
#[derive(Debug, PartialEq)]
pub enum Entry {
    /// What its resolution view left out.
    Parts(Spooled),
    /// Its stored line, which holds everything.
    Stored(Stored),
}

/// The spooled parts of a run's symbols, one line each, in order: the
/// parts as a JSON object, `M` for a stored line held in memory, or `S`
/// and the stored line. The stored lines' links stay in memory.
pub struct Spool {
    out: BufWriter<std::fs::File>,
    count: usize,
    held: VecDeque<Stored>,
    /// The bytes of `held`'s lines, and how many it may hold.
    held_bytes: usize,
    budget: usize,
    links: VecDeque<Box<[Link]>>,
}

impl Spool {
    pub fn new() -> std::io::Result<Spool> {
        Spool::holding(HELD_BYTES)
    }

    /// A spool that holds up to `budget` bytes of stored lines in memory.
    pub fn holding(budget: usize) -> std::io::Result<Spool> {
        Ok(Spool {
            out: BufWriter::with_capacity(1 << 20, tempfile::tempfile()?),
            count: 0,
            held: VecDeque::new(),
            held_bytes: 0,
            budget,
            links: VecDeque::new(),
        })
    }

    /// Reduces `symbol` to its resolution view and spools the rest.
    pub fn push(&mut self, symbol: Symbol) -> std::io::Result<Symbol> {
        let (view, spooled) = resolution_view(symbol);
        serde_json::to_writer(&mut self.out, &spooled)?;
        self.out.write_all(b"\n")?;
        self.count += 1;
        Ok(view)
    }

    /// Reduces `symbol`, read from `stored`, to its resolution view and
    /// keeps the stored line (in memory while the budget allows).
    pub fn push_stored(&mut self, symbol: Symbol, stored: Stored) -> std::io::Result<Symbol> {
        let (view, _) = resolution_view(symbol);
        if self.held_bytes + stored.line.len() <= self.budget {
            self.out.write_all(HELD)?;
            self.held_bytes += stored.line.len();
            self.held.push_back(stored);
        } else {
            self.out.write_all(&[STORED])?;
            self.out.write_all(stored.line.as_bytes())?;
            self.out.write_all(b"\n")?;
            self.links.push_back(stored.links);
        }
        self.count += 1;
        Ok(view)
    }

    /// How many symbols were spooled.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The spooled entries, read back in order.
    pub fn reader(self) -> std::io::Result<SpoolReader> {
        let mut file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.rewind()?;
        Ok(SpoolReader {
            lines: BufReader::with_capacity(1 << 20, file),
            line: String::new(),
            held: self.held,
            links: self.links,
        })
    }
}

/// Reads a [`Spool`] back, one symbol's entry at a time.
pub struct SpoolReader {
    lines: BufReader<std::fs::File>,
    line: String,
    held: VecDeque<Stored>,
    links: VecDeque<Box<[Link]>>,
}

impl SpoolReader {
    /// The next symbol's entry; an error if the spool ended early.
    pub fn next_entry(&mut self) -> std::io::Result<Entry> {
        self.line.clear();
        if self.lines.read_line(&mut self.line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the symbol spool ended before the symbols",
            ));
        }
        if self.line.as_bytes() == HELD {
            let held = self.held.pop_front();
            return held.map(Entry::Stored).ok_or_else(|| {
                std::io::Error::other("the symbol spool has more held lines than it holds")
            });
        }
        if self.line.as_bytes().first() == Some(&STORED) {
            let links = self.links.pop_front().ok_or_else(|| {
                std::io::Error::other("the symbol spool has more stored lines than links")
            })?;
            let line = self.line[1..].trim_end_matches('\n').to_string();
            return Ok(Entry::Stored(Stored { line, links }));
        }
        serde_json::from_str(&self.line)
            .map(Entry::Parts)
            .map_err(std::io::Error::other)
    }
}

/// `view` made whole again from its spool entry: the line to write, as
/// stored when its links are unchanged, or else the symbol serialised.
pub fn whole(mut view: Symbol, entry: Entry) -> std::io::Result<Whole> {
    match entry {
        Entry::Parts(parts) => {
            restore(&mut view, parts);
            Ok(Whole::Symbol(view))
        }
        Entry::Stored(stored) if stored.still(&view) => Ok(Whole::Line(stored.line)),
        Entry::Stored(stored) => {
            let mut symbol: Symbol =
                serde_json::from_str(&stored.line).map_err(std::io::Error::other)?;
            symbol.calls = view.calls;
            Ok(Whole::Symbol(symbol))
        }
    }
}

/// A symbol as `symbols.jsonl` holds it. Unboxed: `write_symbols` holds
/// a block of them, as it held the symbols before, and a first ingest
/// makes one of each symbol.
#[allow(clippy::large_enum_variant)]
pub enum Whole {
    Symbol(Symbol),
    /// Its line, without the end.
    Line(String),
}

impl Whole {
    /// Appends the symbol's line, with its end.
    pub fn push_to(&self, bytes: &mut Vec<u8>) {
        match self {
            Whole::Symbol(symbol) => crate::writer::push_line(bytes, symbol),
            Whole::Line(line) => {
                bytes.extend_from_slice(line.as_bytes());
                bytes.push(b'\n');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use doctown_extract::Extractor;

    fn symbols(path: &str, language: Language, source: &str) -> Vec<Symbol> {
        Extractor::new().extract(path, language, source).symbols
    }

    #[test]
    fn a_symbol_spooled_and_restored_is_the_symbol() {
        let c = "/** Frees a page. */\nstatic inline __must_check int free_page(struct page *p)\n{\n\tint order = page_order(p);\n\treturn release(p, order);\n}\n";
        let ts = "/** The default. */\nexport default async function load(url: string): Promise<Page> {\n  return fetch(url).then((r) => r.json());\n}\n";
        let mut all = symbols("mm/page.c", Language::C, c);
        all.extend(symbols("web/load.ts", Language::TypeScript, ts));
        assert!(all.iter().any(|s| s.doc.is_some() && !s.words.is_empty()));
        assert!(all.iter().any(|s| s.attributes.len() > 1));
        let mut spool = Spool::new().unwrap();
        let views: Vec<Symbol> = all
            .iter()
            .cloned()
            .map(|s| spool.push(s).unwrap())
            .collect();
        assert_eq!(spool.len(), all.len());
        for view in &views {
            assert!(view.doc.is_none() && view.words.is_empty());
            assert!(view
                .attributes
                .iter()
                .all(|a| doctown_extract::resolution_reads_attribute(a)));
        }
        let load = views.iter().find(|s| s.name == "load").unwrap();
        assert_eq!(load.attributes, vec!["export default".to_string()]);
        assert!(
            load.signature.contains("Promise<Page>"),
            "TypeScript keeps it"
        );
        let page = views.iter().find(|s| s.name == "free_page").unwrap();
        assert!(page.signature.is_empty(), "C's is spooled");
        let mut reader = spool.reader().unwrap();
        for (mut view, symbol) in views.into_iter().zip(&all) {
            let Entry::Parts(parts) = reader.next_entry().unwrap() else {
                panic!("parts were spooled")
            };
            restore(&mut view, parts);
            assert_eq!(&view, symbol);
        }
        let end = reader.next_entry().unwrap_err();
        assert_eq!(end.kind(), std::io::ErrorKind::UnexpectedEof);
    }

    /// A stored symbol's line is written as it is while its calls link as
    /// they did; once they link otherwise, the line is the symbol's with
    /// the new links, and each is what serialising the symbol gives.
    #[test]
    fn a_stored_line_is_kept_while_its_links_are() {
        let py = "def total(cart):\n    \"\"\"Sums a cart.\"\"\"\n    return compute(cart)\n";
        let mut symbol = symbols("shop.py", Language::Python, py).remove(0);
        assert_eq!(symbol.calls.len(), 1);
        let unlinked = serde_json::to_string(&symbol).unwrap();
        let call = &mut symbol.calls[0];
        call.resolved = Some(doctown_core::SymbolId::from_raw("sym_0123456789abcdef"));
        call.provenance = Some(doctown_core::Provenance::Scope);
        call.confidence = Some(0.9);
        let linked = serde_json::to_string(&symbol).unwrap();

        let line = |text: &str| crate::reuse::stored_symbols(vec![text.to_string()], "shop.py");
        for budget in [HELD_BYTES, linked.len(), 0] {
            stored_lines_come_back(&symbol, &linked, &unlinked, line(&linked).unwrap(), budget);
        }
        assert!(line("{").is_none() && line(&linked.replace("shop.py", "cart.py")).is_none());
    }

    /// Two stored symbols and a parsed one through a spool that holds
    /// `budget` bytes of stored lines: all held, the first, none.
    fn stored_lines_come_back(
        symbol: &Symbol,
        linked: &str,
        unlinked: &str,
        stored: crate::reuse::StoredSymbols,
        budget: usize,
    ) {
        let mut spool = Spool::holding(budget).unwrap();
        let view = stored.symbols[0].clone();
        assert!(view.calls[0].resolved.is_none(), "read unresolved");
        let (s, st) = (stored.symbols, stored.stored);
        let kept = spool.push_stored(s[0].clone(), st[0].clone()).unwrap();
        let relinked = spool.push_stored(s[0].clone(), st[0].clone()).unwrap();
        let parts = spool.push(symbol.clone()).unwrap();
        assert_eq!(spool.held.len(), (budget / linked.len()).min(2));
        assert_eq!(spool.held.len() + spool.links.len(), 2);

        let mut reader = spool.reader().unwrap();
        let text = |whole: Whole| {
            let mut bytes = Vec::new();
            whole.push_to(&mut bytes);
            String::from_utf8(bytes).unwrap()
        };
        // Resolved again the same way: the stored line, not serialised.
        let mut same = kept;
        same.calls = symbol.calls.clone();
        match whole(same, reader.next_entry().unwrap()).unwrap() {
            Whole::Line(l) => assert_eq!(l, linked),
            Whole::Symbol(_) => panic!("an unchanged symbol is its stored line"),
        }
        // Its callee gone: serialised anew, doc comment and all.
        let entry = reader.next_entry().unwrap();
        assert!(matches!(entry, Entry::Stored(_)));
        assert_eq!(
            text(whole(relinked, entry).unwrap()),
            format!("{unlinked}\n")
        );
        // Parts spooled by a parsed file come back as before.
        assert_eq!(
            text(whole(parts, reader.next_entry().unwrap()).unwrap()),
            format!("{linked}\n")
        );
        assert!(reader.next_entry().is_err());
    }
}

//! Symbols held for call resolution without what resolution never reads.
//!
//! Repository-wide resolution needs every symbol at once, but not every
//! symbol's doc comment, code words, attributes or (outside the languages
//! whose return types it reads) signature. Those parts go to a spool file
//! as each file's symbols arrive and come back, in order, as
//! `symbols.jsonl` is written; the artifact's bytes are those of the whole
//! symbols.

use doctown_core::{Language, Symbol};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, BufWriter, Seek, Write};

/// The attribute resolution reads (`export default` names a module's
/// default export); the others are spooled.
const READ_ATTRIBUTE: &str = "export default";

/// The parts of a symbol that resolution does not read.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Spooled {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    doc: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    words: String,
    /// Every attribute, in order (the resolution view keeps only
    /// [`READ_ATTRIBUTE`]).
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
            .filter(|a| *a == READ_ATTRIBUTE)
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
pub fn restore(symbol: &mut Symbol, spooled: Spooled) {
    symbol.doc = spooled.doc;
    symbol.words = spooled.words;
    if !spooled.attributes.is_empty() {
        symbol.attributes = spooled.attributes;
    }
    if let Some(signature) = spooled.signature {
        symbol.signature = signature;
    }
}

/// The spooled parts of a run's symbols, one JSON line each, in order.
pub struct Spool {
    out: BufWriter<std::fs::File>,
    count: usize,
}

impl Spool {
    pub fn new() -> std::io::Result<Spool> {
        Ok(Spool {
            out: BufWriter::with_capacity(1 << 20, tempfile::tempfile()?),
            count: 0,
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

    /// How many symbols were spooled.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The spooled parts, read back in order.
    pub fn reader(self) -> std::io::Result<SpoolReader> {
        let mut file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.rewind()?;
        Ok(SpoolReader {
            lines: BufReader::with_capacity(1 << 20, file),
            line: String::new(),
        })
    }
}

/// Reads a [`Spool`] back, one symbol's parts at a time.
pub struct SpoolReader {
    lines: BufReader<std::fs::File>,
    line: String,
}

impl SpoolReader {
    /// The next symbol's spooled parts; an error if the spool ended early.
    pub fn next_parts(&mut self) -> std::io::Result<Spooled> {
        self.line.clear();
        if self.lines.read_line(&mut self.line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the symbol spool ended before the symbols",
            ));
        }
        serde_json::from_str(&self.line).map_err(std::io::Error::other)
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
            assert!(view.attributes.iter().all(|a| a == READ_ATTRIBUTE));
        }
        let load = views.iter().find(|s| s.name == "load").unwrap();
        assert_eq!(load.attributes, vec![READ_ATTRIBUTE.to_string()]);
        assert!(
            load.signature.contains("Promise<Page>"),
            "TypeScript keeps it"
        );
        let page = views.iter().find(|s| s.name == "free_page").unwrap();
        assert!(page.signature.is_empty(), "C's is spooled");
        let mut reader = spool.reader().unwrap();
        for (mut view, symbol) in views.into_iter().zip(&all) {
            restore(&mut view, reader.next_parts().unwrap());
            assert_eq!(&view, symbol);
        }
        let end = reader.next_parts().unwrap_err();
        assert_eq!(end.kind(), std::io::ErrorKind::UnexpectedEof);
    }
}

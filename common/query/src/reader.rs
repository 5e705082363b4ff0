//! What the questions over the symbol graph ask of a docpack, whether it
//! is held whole ([`Pack`]) or read in place ([`crate::InPlace`], for the
//! docpacks too large to hold): search, a symbol, its callers and callees,
//! impact. Each of those answers has one implementation, generic over
//! this trait; the questions that walk every symbol or every edge
//! (flows, architecture, changes, history) stay with [`Pack`].

use crate::answer::SymbolRef;
use crate::engine::QueryError;
use crate::lexical::Bm25;
use crate::pack::{Link, Pack, Sym};
use crate::vectors::VectorIndex;
use crate::views::SymbolDetail;
use doctown_core::{FileRole, SymbolKind};
use doctown_docpack::access::{SymbolLinks, REFERENCE};
use doctown_docpack::SymbolNode;
use std::borrow::Cow;

pub trait Reader: Send + Sync {
    /// The key clients name it by.
    fn key(&self) -> &str;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The confident calls and references, both ways, and tests.
    fn links(&self) -> &SymbolLinks;
    fn index_of(&self, id: &str) -> Option<Sym>;
    fn symbol_ref(&self, i: Sym) -> SymbolRef;
    fn kind(&self, i: Sym) -> SymbolKind;
    fn path(&self, i: Sym) -> &str;
    fn centrality(&self, i: Sym) -> f64;
    fn role(&self, i: Sym) -> Option<FileRole>;
    fn module_name(&self, i: Sym) -> Option<&str>;
    /// The modules symbols are placed in, by index: how many, each one's
    /// id (`module:<path>`), and symbol `i`'s.
    fn module_count(&self) -> usize;
    fn module_id(&self, m: u32) -> &str;
    fn module_of(&self, i: Sym) -> Option<u32>;
    fn cluster_label(&self, id: &str) -> Option<&str>;
    /// A symbol's whole record (read from its block when in place).
    fn record(&self, i: Sym) -> Result<Cow<'_, SymbolNode>, QueryError>;
    /// The symbols named exactly `name`.
    fn named(&self, name: &str) -> Vec<Sym>;
    /// Whether `j` is a member of the type `owner` (its methods, fields).
    fn is_member(&self, j: Sym, owner: Sym) -> bool;
    /// Whether `i` is a test to run (see [`Pack::is_test_case`]).
    fn is_test_case(&self, i: Sym) -> bool;
    /// The files that import symbol `i`'s file; `None` when this reader
    /// does not hold the import graph.
    fn importers(&self, i: Sym) -> Option<Vec<String>>;
    /// The lexical index, or why it cannot be searched yet.
    fn lexical(&self) -> Result<&Bm25, QueryError>;
    fn vectors(&self) -> Option<&VectorIndex>;
    /// The model the docpack's embeddings were made with.
    fn embedding_model(&self) -> Option<&str>;
    /// The whole docpack, when it is held.
    fn whole(&self) -> Option<&Pack>;
    /// Everything about symbol `i` ([`crate::views::symbol`]), with up to
    /// `max_lines` source lines.
    fn detail(&self, i: Sym, max_lines: usize) -> Result<SymbolDetail, QueryError>;

    /// The confident calls and references out of symbol `i`.
    fn callees(&self, i: Sym) -> impl ExactSizeIterator<Item = (Sym, Link)> + '_ {
        self.links().out.of(i as usize).iter().map(|&x| linked(x))
    }

    /// The confident calls and references into symbol `i`.
    fn callers(&self, i: Sym) -> impl ExactSizeIterator<Item = (Sym, Link)> + '_ {
        self.links().into.of(i as usize).iter().map(|&x| linked(x))
    }

    /// The tests that call symbol `i`.
    fn tests_of(&self, i: Sym) -> &[Sym] {
        self.links().tests.of(i as usize)
    }
}

/// A symbol and how it is linked, from a list item of the graph.
fn linked(item: u32) -> (Sym, Link) {
    match item & REFERENCE {
        0 => (item, Link::Calls),
        _ => (item & !REFERENCE, Link::References),
    }
}

impl Reader for Pack {
    fn key(&self) -> &str {
        &self.key
    }

    fn len(&self) -> usize {
        self.docpack.nodes.symbols.len()
    }

    fn links(&self) -> &SymbolLinks {
        &self.links
    }

    fn index_of(&self, id: &str) -> Option<Sym> {
        self.by_id.get(id).copied()
    }

    fn symbol_ref(&self, i: Sym) -> SymbolRef {
        let s = self.symbol(i);
        SymbolRef {
            id: s.id.clone(),
            name: s.qualified_name.clone(),
            kind: s.kind.name(),
            path: s.path.clone(),
            line: s.range.start_line,
        }
    }

    fn kind(&self, i: Sym) -> SymbolKind {
        self.symbol(i).kind
    }

    fn path(&self, i: Sym) -> &str {
        &self.symbol(i).path
    }

    fn centrality(&self, i: Sym) -> f64 {
        self.symbol(i).centrality
    }

    fn role(&self, i: Sym) -> Option<FileRole> {
        self.symbol(i).role
    }

    fn module_name(&self, i: Sym) -> Option<&str> {
        let m = self.module_of[i as usize]?;
        Some(self.docpack.docs.modules[m as usize].name.as_str())
    }

    fn module_count(&self) -> usize {
        self.docpack.docs.modules.len()
    }

    fn module_id(&self, m: u32) -> &str {
        &self.docpack.docs.modules[m as usize].id
    }

    fn module_of(&self, i: Sym) -> Option<u32> {
        self.module_of[i as usize]
    }

    fn cluster_label(&self, id: &str) -> Option<&str> {
        self.cluster_labels.get(id).map(|l| &**l)
    }

    fn record(&self, i: Sym) -> Result<Cow<'_, SymbolNode>, QueryError> {
        Ok(Cow::Borrowed(self.symbol(i)))
    }

    fn named(&self, name: &str) -> Vec<Sym> {
        self.by_name
            .get(name.to_lowercase().as_str())
            .map(|list| {
                list.iter()
                    .copied()
                    .filter(|&i| self.symbol(i).name == name)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn is_member(&self, j: Sym, owner: Sym) -> bool {
        self.symbol(j).parent.as_deref() == Some(self.symbol(owner).id.as_str())
    }

    fn is_test_case(&self, i: Sym) -> bool {
        Pack::is_test_case(self, i)
    }

    fn importers(&self, i: Sym) -> Option<Vec<String>> {
        Some(
            self.importers
                .get(self.symbol(i).path.as_str())
                .map(|files| files.iter().map(|f| f.to_string()).collect())
                .unwrap_or_default(),
        )
    }

    fn lexical(&self) -> Result<&Bm25, QueryError> {
        Ok(self.lexical_index())
    }

    fn vectors(&self) -> Option<&VectorIndex> {
        (!self.vectors.is_empty()).then_some(&self.vectors)
    }

    fn embedding_model(&self) -> Option<&str> {
        self.docpack.manifest.models.embedding.as_deref()
    }

    fn whole(&self) -> Option<&Pack> {
        Some(self)
    }

    fn detail(&self, i: Sym, max_lines: usize) -> Result<SymbolDetail, QueryError> {
        Ok(crate::views::symbol(self, i, max_lines))
    }
}

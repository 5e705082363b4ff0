//! How the writer makes `access.bin` ([`crate::access`]): the symbol graph
//! from the typed parts before they are serialised, each symbol's row from
//! `nodes.json`'s bytes as they are framed (its records found by their
//! lines: canonical JSON puts a symbol's `{` and `}` alone on lines
//! indented four spaces), and the blocks of the archive after it once the
//! other parts are framed.

use crate::access::{id_number, AccessIndex, BlockSpan, EntrySpan, Strings, SymbolRow};
use crate::access::{SymbolLinks, NO_MODULE, NO_ROLE, WHOLE};
use crate::error::DocpackError;
use crate::model::{Docs, Graph};
use crate::module_level::module_of_symbols;
use crate::nodes_spool::Symbols;
use rustc_hash::FxHashMap;
use serde::Deserialize;

/// The symbol graph and modules, in the symbols' order.
pub(crate) struct SymbolGraph {
    ids: Vec<u64>,
    links: SymbolLinks,
    modules: Strings,
    module_of: Vec<u32>,
}

/// The graph of `symbols` (sorted by id), or `None` when an id is not
/// canonical (`sym_` + 16 hex digits): such a docpack has no `access.bin`.
pub(crate) fn symbol_graph(
    symbols: Symbols<'_>,
    graph: &Graph,
    docs: &Docs,
) -> Result<Option<SymbolGraph>, DocpackError> {
    let Some(ids) = symbols
        .iter()
        .map(|s| id_number(s.id))
        .collect::<Option<Vec<u64>>>()
    else {
        return Ok(None);
    };
    let n = ids.len();
    let find = |id: &str| id_number(id).and_then(|x| ids.binary_search(&x).ok().map(|i| i as u32));
    let links = SymbolLinks::of(n, find, &graph.edges)?;
    let module_of: Vec<u32> = module_of_symbols(docs, symbols)
        .into_iter()
        .map(|m| m.map_or(NO_MODULE, |m| m as u32))
        .collect();
    let mut modules = Strings::default();
    for m in &docs.modules {
        modules.push(&m.id)?;
    }
    Ok(Some(SymbolGraph {
        links,
        modules,
        module_of,
        ids,
    }))
}

/// What a listing shows of a symbol, read from its record.
#[derive(Deserialize)]
struct Listed {
    id: String,
    name: String,
    qualified_name: String,
    kind: String,
    path: String,
    range: Lines,
    #[serde(default)]
    centrality: f64,
    #[serde(default)]
    role: Option<String>,
}

#[derive(Deserialize)]
struct Lines {
    start_line: u32,
}

/// Each symbol's row and names, from `nodes.json`'s bytes fed in order.
#[derive(Default)]
pub(crate) struct RecordScanner {
    /// Bytes of `nodes.json` seen.
    at: u64,
    /// The line being read (from its first byte), or the record so far.
    line: Vec<u8>,
    record: Option<(u64, Vec<u8>)>,
    pub(crate) rows: Vec<SymbolRow>,
    names: Strings,
    owners: Strings,
    owner_ids: FxHashMap<String, u32>,
    kinds: Strings,
    roles: Strings,
    files: Strings,
    kind_ids: FxHashMap<String, u16>,
    role_ids: FxHashMap<String, u16>,
    file_ids: FxHashMap<String, u32>,
    fault: Option<DocpackError>,
}

impl RecordScanner {
    pub(crate) fn feed(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while let Some(nl) = memchr::memchr(b'\n', rest) {
            self.line.extend_from_slice(&rest[..nl]);
            let line = std::mem::take(&mut self.line);
            let start = self.at;
            self.at += line.len() as u64 + 1;
            self.end_line(start, &line);
            self.line = line;
            self.line.clear();
            rest = &rest[nl + 1..];
        }
        self.line.extend_from_slice(rest);
    }

    fn end_line(&mut self, start: u64, line: &[u8]) {
        match &mut self.record {
            None if line == b"    {" => self.record = Some((start + 4, b"{".to_vec())),
            None => {}
            Some((_, record)) => {
                record.push(b'\n');
                record.extend_from_slice(line);
                if line == b"    }" || line == b"    }," {
                    if line.len() == 6 {
                        record.pop();
                    }
                    let (at, record) = self.record.take().unwrap_or_default();
                    if let Err(e) = self.add(at, &record) {
                        self.fault.get_or_insert(e);
                    }
                }
            }
        }
    }

    fn add(&mut self, at: u64, record: &[u8]) -> Result<(), DocpackError> {
        let s: Listed = serde_json::from_slice(record)
            .map_err(|e| DocpackError::json(crate::entry::NODES, e))?;
        let next = self.kinds.len() as u16;
        let kind = *self.kind_ids.entry(s.kind.clone()).or_insert(next);
        if kind == next {
            self.kinds.push(&s.kind)?;
        }
        let role = match &s.role {
            None => NO_ROLE,
            Some(name) => {
                let next = self.roles.len() as u16;
                let role = *self.role_ids.entry(name.clone()).or_insert(next);
                if role == next {
                    self.roles.push(name)?;
                }
                role
            }
        };
        let next = self.files.len() as u32;
        let file = *self.file_ids.entry(s.path.clone()).or_insert(next);
        if file == next {
            self.files.push(&s.path)?;
        }
        self.names.push(&s.name)?;
        let (owner, whole) = match s.qualified_name.strip_suffix(s.name.as_str()) {
            Some(prefix) => (prefix, 0),
            None => (s.qualified_name.as_str(), WHOLE),
        };
        let next = self.owners.len() as u32;
        let owner_id = *self.owner_ids.entry(owner.to_string()).or_insert(next);
        if owner_id == next {
            self.owners.push(owner)?;
        }
        self.rows.push(SymbolRow {
            id: id_number(&s.id).unwrap_or_default(),
            record: at,
            record_len: record.len() as u32,
            kind,
            role,
            file,
            line: s.range.start_line,
            centrality: s.centrality as f32,
            module: NO_MODULE,
            owner: owner_id | whole,
        });
        Ok(())
    }

    /// The index as written (what a reader derives — the name order,
    /// callers, module members — left empty), given the graph and the
    /// stretch after `access.bin`:
    /// each later entry's name, size and framed length, and its blocks.
    pub(crate) fn finish(
        mut self,
        graph: SymbolGraph,
        framed: &[(String, u64, u64)],
        blocks: Vec<BlockSpan>,
    ) -> Result<AccessIndex, DocpackError> {
        if let Some(fault) = self.fault {
            return Err(fault);
        }
        let ids: Vec<u64> = self.rows.iter().map(|r| r.id).collect();
        if ids != graph.ids {
            return Err(DocpackError::Write(format!(
                "nodes.json holds {} records where {} symbols were written",
                ids.len(),
                graph.ids.len()
            )));
        }
        for (row, &m) in self.rows.iter_mut().zip(&graph.module_of) {
            row.module = m;
        }
        let mut entries = Vec::new();
        let mut at = 0u64;
        for (name, size, framed_len) in framed {
            entries.push(EntrySpan {
                name: name.clone(),
                offset: at + 512,
                size: *size,
            });
            at += framed_len;
        }
        let body_len = blocks.iter().map(|b| u64::from(b.len)).sum();
        Ok(AccessIndex {
            body_len,
            entries,
            blocks,
            kinds: self.kinds,
            roles: self.roles,
            files: self.files,
            modules: graph.modules,
            rows: self.rows,
            names: self.names,
            owners: self.owners,
            out: graph.links.out,
            tests: graph.links.tests,
            ..AccessIndex::default()
        })
    }
}

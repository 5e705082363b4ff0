//! How the writer makes `access.bin` ([`crate::access`]): the symbol graph
//! from the typed parts before they are serialised, each symbol's row from
//! what the nodes' spool kept of it (with where its record lies in
//! `nodes.json`), and the blocks of the archive after it once the other
//! parts are framed.

use crate::access::{id_number, AccessIndex, BlockSpan, EntrySpan, Strings, SymbolRow};
use crate::access::{SymbolLinks, NO_MODULE, NO_ROLE, WHOLE};
use crate::canonical_writer::round_f64;
use crate::error::DocpackError;
use crate::model::{Docs, Graph};
use crate::module_level::module_of_symbols;
use crate::nodes_spool::{Listed, SpooledNodes};
use rustc_hash::FxHashMap;

/// The number of `name` in `list`, added when new.
fn interned(
    list: &mut Strings,
    ids: &mut FxHashMap<&'static str, u16>,
    name: &'static str,
) -> Result<u16, DocpackError> {
    if let Some(&id) = ids.get(name) {
        return Ok(id);
    }
    let id = list.len() as u16;
    list.push(name)?;
    ids.insert(name, id);
    Ok(id)
}

/// The symbol graph, modules and listing, in the symbols' order.
pub(crate) struct SymbolGraph {
    listing: Listing,
    links: SymbolLinks,
    modules: Strings,
    module_of: Vec<u32>,
}

/// The graph of the spooled symbols (sorted by id), or `None` when an id
/// is not canonical (`sym_` + 16 hex digits): such a docpack has no
/// `access.bin`.
pub(crate) fn symbol_graph(
    nodes: &SpooledNodes,
    graph: &Graph,
    docs: &Docs,
) -> Result<Option<SymbolGraph>, DocpackError> {
    let symbols = nodes.symbols();
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
        listing: Listing::of(nodes)?,
        links,
        modules,
        module_of,
    }))
}

/// Each symbol's row and names, in id order.
#[derive(Default)]
pub(crate) struct Listing {
    rows: Vec<SymbolRow>,
    names: Strings,
    owners: Strings,
    owner_ids: FxHashMap<String, u32>,
    kinds: Strings,
    roles: Strings,
    files: Strings,
    kind_ids: FxHashMap<&'static str, u16>,
    role_ids: FxHashMap<&'static str, u16>,
    file_ids: FxHashMap<String, u32>,
}

impl Listing {
    /// The rows of the spooled symbols, each with where its record lies
    /// in `nodes.json` (the spool knows its elements' lengths), from the
    /// facts the spool kept: the part is not read back.
    fn of(nodes: &SpooledNodes) -> Result<Listing, DocpackError> {
        let mut listing = Listing::default();
        for s in nodes.listed() {
            listing.add(s)?;
        }
        Ok(listing)
    }

    fn add(&mut self, s: Listed<'_>) -> Result<(), DocpackError> {
        let kind = interned(&mut self.kinds, &mut self.kind_ids, s.kind.name())?;
        let role = match s.role {
            None => NO_ROLE,
            Some(r) => interned(&mut self.roles, &mut self.role_ids, r.name())?,
        };
        let next = self.files.len() as u32;
        let file = *self.file_ids.entry(s.path.to_string()).or_insert(next);
        if file == next {
            self.files.push(s.path)?;
        }
        self.names.push(s.name)?;
        let (owner, whole) = match s.qualified_name.strip_suffix(s.name) {
            Some(prefix) => (prefix, 0),
            None => (s.qualified_name, WHOLE),
        };
        let next = self.owners.len() as u32;
        let owner_id = *self.owner_ids.entry(owner.to_string()).or_insert(next);
        if owner_id == next {
            self.owners.push(owner)?;
        }
        self.rows.push(SymbolRow {
            id: id_number(s.id).unwrap_or_default(),
            record: s.record,
            record_len: s.record_len,
            kind,
            role,
            file,
            line: s.start_line,
            // The value `nodes.json` holds: rounded as the canonical JSON is.
            centrality: round_f64(s.centrality) as f32,
            module: NO_MODULE,
            owner: owner_id | whole,
        });
        Ok(())
    }
}

impl SymbolGraph {
    /// The index as written (what a reader derives — the name order,
    /// callers, module members — left empty), given the stretch after
    /// `access.bin`: each later entry's name, size and framed length,
    /// and its blocks.
    pub(crate) fn finish(
        self,
        framed: &[(String, u64, u64)],
        blocks: Vec<BlockSpan>,
    ) -> Result<AccessIndex, DocpackError> {
        let SymbolGraph {
            mut listing,
            links,
            modules,
            module_of,
        } = self;
        for (row, &m) in listing.rows.iter_mut().zip(&module_of) {
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
            kinds: listing.kinds,
            roles: listing.roles,
            files: listing.files,
            modules,
            rows: listing.rows,
            names: listing.names,
            owners: listing.owners,
            out: links.out,
            tests: links.tests,
            ..AccessIndex::default()
        })
    }
}

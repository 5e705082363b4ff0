//! A docpack read in place: the ones too large to hold whole (the Linux
//! kernel's: 4.1 M symbols, 7.3 GB expanded) are answered from their
//! random-access index (`access.bin`, docpack 1.6) and from the blocks a
//! question needs, read on demand into a bounded cache
//! ([`doctown_docpack::Access`]).
//!
//! What is held: the index's listing of every symbol and its confident
//! graph (about 95 bytes a symbol), and the search index. The search index
//! is the same BM25F as a whole docpack's ([`Bm25`]); building it reads
//! every record twice (field lengths, then postings), so it is built once
//! per docpack, on a thread while the other questions answer, and kept in
//! a sidecar file named by the docpack's id ([`crate::sidecar`]).
//!
//! What is answered: search (by words), a symbol, its callers and callees,
//! impact — each by the one implementation a whole docpack's uses, over
//! [`Reader`]. The questions that walk every edge or every symbol's record
//! (flows, architecture, modules, changes, history, ask, context) are
//! refused with the reason ([`refusal`]).

use crate::answer::SymbolRef;
use crate::engine::QueryError;
use crate::lexical::Bm25;
use crate::outline::DocsOutline;
use crate::pack::{Origin, Pack, Sym};
use crate::reader::Reader;
use crate::sidecar::{self, Searchable};
use crate::source::{lines_of, SourceLines};
use crate::vectors::VectorIndex;
use crate::views::{detail, SymbolDetail};
use doctown_core::{FileRole, Language, SymbolKind};
use doctown_docpack::access::{id_text, Lists, SymbolLinks, NO_MODULE, NO_ROLE, WHOLE};
use doctown_docpack::{entry, Access, SymbolNode};
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// Members of a symbol listed by `symbol` at most.
const MAX_MEMBERS: usize = 200;

/// A docpack answered in place.
pub struct InPlace {
    pub key: String,
    pub origin: Origin,
    access: Access,
    links: SymbolLinks,
    /// The kinds and roles tables, parsed.
    kinds: Vec<SymbolKind>,
    roles: Vec<Option<FileRole>>,
    search: OnceLock<Searchable>,
    /// Why search does not answer yet: being built, or failed.
    search_state: Mutex<String>,
    /// Owner text → the symbols it owns, made on first use.
    owned: OnceLock<Owned>,
    source_hashes: OnceLock<FxHashMap<String, String>>,
    /// `docs.json` without the modules' symbol lists, read on first use.
    docs: OnceLock<Result<DocsOutline, String>>,
}

struct Owned {
    owners: FxHashMap<Box<str>, u32>,
    rows: Lists,
}

impl InPlace {
    /// Opens `path` in place; the search index is not ready until
    /// [`InPlace::prepare_search`] has run.
    pub fn open(key: String, path: &Path) -> Result<InPlace, String> {
        let mut access = Access::open(path).map_err(|e| e.to_string())?;
        let index = &mut access.index;
        let links = SymbolLinks {
            out: std::mem::take(&mut index.out),
            into: std::mem::take(&mut index.into),
            tests: std::mem::take(&mut index.tests),
        };
        let kinds = (0..index.kinds.len())
            .map(|k| parse_name(index.kinds.get(k)).unwrap_or(SymbolKind::Function))
            .collect();
        let roles = (0..index.roles.len())
            .map(|r| parse_name(index.roles.get(r)))
            .collect();
        let location = path.display().to_string();
        let checkout = crate::engine::checkout_of(&access.manifest);
        Ok(InPlace {
            key,
            origin: Origin { location, checkout },
            access,
            links,
            kinds,
            roles,
            search: OnceLock::new(),
            search_state: Mutex::new("its search index has not been built yet".into()),
            owned: OnceLock::new(),
            source_hashes: OnceLock::new(),
            docs: OnceLock::new(),
        })
    }

    pub fn manifest(&self) -> &doctown_docpack::Manifest {
        &self.access.manifest
    }

    /// Loads the search index from its sidecar in `dir`, or builds it
    /// (and writes the sidecar): blocking, minutes for millions of
    /// symbols. Search answers once it returns.
    pub fn prepare_search(&self, dir: Option<&Path>) {
        self.set_state("its search index is being built (once per docpack: about half a minute a million symbols); the other questions answer meanwhile");
        match sidecar::load_or_build(&self.access, dir) {
            Ok(s) => {
                let _ = self.search.set(s);
            }
            Err(e) => self.set_state(&format!("its search index could not be built: {e}")),
        }
    }

    /// Makes what a symbol's detail needs besides (each file's hash, each
    /// owner's members) now, rather than on the first question.
    pub fn prepare_details(&self) {
        self.source_hashes
            .get_or_init(|| source_hashes(&self.access));
        self.owned.get_or_init(|| owned(&self.access.index));
    }

    /// The docpack's `docs.json` without the modules' symbol lists (read
    /// once: a kernel's takes about a second).
    pub fn docs(&self) -> Result<&DocsOutline, QueryError> {
        let docs = self.docs.get_or_init(|| {
            let reader = self
                .access
                .entry_reader(entry::DOCS)
                .map_err(|e| e.to_string())?;
            DocsOutline::read(reader)
        });
        docs.as_ref().map_err(|message| QueryError::Load {
            key: self.key.clone(),
            message: message.clone(),
        })
    }

    fn set_state(&self, state: &str) {
        *self.search_state.lock().unwrap_or_else(|e| e.into_inner()) = state.to_string();
    }

    /// Finds a symbol by id, qualified name, a qualified name's tail, or
    /// name (ignoring case), as [`crate::Engine::find_symbol`] does.
    pub fn find(&self, query: &str) -> Result<Sym, QueryError> {
        let query = crate::engine::checked_query(query)?;
        if let Some(i) = self.index_of(query) {
            return Ok(i);
        }
        let lower = query.to_lowercase();
        let last = lower.rsplit([':', '.', '/']).next().unwrap_or(&lower);
        let named = self.access.index.named(last);
        let qualified = |i: &&u32| self.access.index.qualified_name(**i).to_lowercase();
        let exact: Vec<Sym> = named
            .iter()
            .filter(|i| qualified(i) == lower)
            .copied()
            .collect();
        let found = if !exact.is_empty() {
            exact
        } else if lower.contains("::") || lower.contains('.') {
            named
                .iter()
                .filter(|i| crate::engine::is_tail(&qualified(i), &lower))
                .copied()
                .collect()
        } else {
            named.to_vec()
        };
        let found = found.into_iter().map(|i| (self, i)).collect();
        crate::engine::pick(query, found).map(|(_, i)| i)
    }

    /// The symbols whose qualified names are this one's and a name: its
    /// methods, fields, nested items (by name, not by the records' parent
    /// links, which only a whole docpack holds), by line.
    fn members(&self, i: Sym) -> Vec<Sym> {
        let owned = self.owned.get_or_init(|| owned(&self.access.index));
        let name = self.access.index.qualified_name(i);
        let mut out: Vec<Sym> = ["::", ".", "/"]
            .iter()
            .filter_map(|sep| owned.owners.get(format!("{name}{sep}").as_str()))
            .flat_map(|&o| owned.rows.of(o as usize).iter().copied())
            .filter(|&j| j != i)
            .take(MAX_MEMBERS)
            .collect();
        out.sort_by_key(|&j| (self.access.index.rows[j as usize].line, j));
        out
    }

    fn source_lines(&self, s: &SymbolNode, max_lines: usize) -> SourceLines {
        let hashes = self
            .source_hashes
            .get_or_init(|| source_hashes(&self.access));
        let root = self.origin.checkout.as_deref();
        lines_of(root, s, |path| hashes.get(path).cloned(), max_lines)
    }

    fn row(&self, i: Sym) -> &doctown_docpack::access::SymbolRow {
        &self.access.index.rows[i as usize]
    }

    fn qualified_owner(&self, i: Sym) -> Option<&str> {
        let owner = self.row(i).owner;
        (owner & WHOLE == 0).then(|| self.access.index.owners.get(owner as usize))
    }
}

/// Each file's SHA-256 from `source_map.json`, streamed: the rest of the
/// source map (a kernel's is hundreds of megabytes) is skipped, not held.
fn source_hashes(access: &Access) -> FxHashMap<String, String> {
    #[derive(serde::Deserialize)]
    struct File {
        path: String,
        sha256: String,
    }
    #[derive(serde::Deserialize)]
    struct Files {
        files: Vec<File>,
    }
    let Ok(reader) = access.entry_reader(entry::SOURCE_MAP) else {
        return FxHashMap::default();
    };
    let files: Option<Files> = serde_json::from_reader(std::io::BufReader::new(reader)).ok();
    files
        .map(|m| m.files.into_iter().map(|f| (f.path, f.sha256)).collect())
        .unwrap_or_default()
}

/// Every owner's symbols, for [`InPlace::members`].
fn owned(index: &doctown_docpack::access::AccessIndex) -> Owned {
    let pairs: Vec<(u32, u32)> = index
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.owner & WHOLE == 0)
        .map(|(i, r)| (r.owner, i as u32))
        .collect();
    let owners = (0..index.owners.len())
        .map(|o| (index.owners.get(o).into(), o as u32))
        .collect();
    let rows = Lists::from_pairs(index.owners.len(), &pairs).unwrap_or_default();
    Owned { owners, rows }
}

fn parse_name<T: serde::de::DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

impl Reader for InPlace {
    fn key(&self) -> &str {
        &self.key
    }

    fn len(&self) -> usize {
        self.access.index.rows.len()
    }

    fn links(&self) -> &SymbolLinks {
        &self.links
    }

    fn index_of(&self, id: &str) -> Option<Sym> {
        self.access.index.find(id)
    }

    fn symbol_ref(&self, i: Sym) -> SymbolRef {
        let row = self.row(i);
        SymbolRef {
            id: id_text(row.id),
            name: self.access.index.qualified_name(i),
            kind: self.kind(i).name(),
            path: self.path(i).to_string(),
            line: row.line,
        }
    }

    fn kind(&self, i: Sym) -> SymbolKind {
        self.kinds[self.row(i).kind as usize]
    }

    fn path(&self, i: Sym) -> &str {
        self.access.index.files.get(self.row(i).file as usize)
    }

    fn centrality(&self, i: Sym) -> f64 {
        // The index keeps an f32; the writer wrote six decimals (every
        // float of a docpack is so), which an f32 of a centrality (at
        // most 1) holds exactly enough to round back to.
        (f64::from(self.row(i).centrality) * 1e6).round() / 1e6
    }

    fn role(&self, i: Sym) -> Option<FileRole> {
        match self.row(i).role {
            NO_ROLE => None,
            r => self.roles[r as usize],
        }
    }

    fn module_name(&self, i: Sym) -> Option<&str> {
        match self.row(i).module {
            NO_MODULE => None,
            // The index lists module ids; the writer names a module by
            // its path, which its id is (`module:<path>`).
            m => {
                let id = self.access.index.modules.get(m as usize);
                Some(id.strip_prefix("module:").unwrap_or(id))
            }
        }
    }

    fn module_count(&self) -> usize {
        self.access.index.modules.len()
    }

    fn module_id(&self, m: u32) -> &str {
        self.access.index.modules.get(m as usize)
    }

    fn module_of(&self, i: Sym) -> Option<u32> {
        Some(self.row(i).module).filter(|&m| m != NO_MODULE)
    }

    fn cluster_label(&self, _id: &str) -> Option<&str> {
        None
    }

    fn record(&self, i: Sym) -> Result<Cow<'_, SymbolNode>, QueryError> {
        self.access
            .symbol(i)
            .map(Cow::Owned)
            .map_err(|e| QueryError::Load {
                key: self.key.clone(),
                message: e.to_string(),
            })
    }

    fn named(&self, name: &str) -> Vec<Sym> {
        let index = &self.access.index;
        index
            .named(name)
            .iter()
            .copied()
            .filter(|&i| index.names.get(i as usize) == name)
            .collect()
    }

    fn is_member(&self, j: Sym, owner: Sym) -> bool {
        let name = self.access.index.qualified_name(owner);
        self.qualified_owner(j)
            .and_then(|o| o.strip_prefix(name.as_str()))
            .is_some_and(|sep| matches!(sep, "::" | "." | "/"))
    }

    fn is_test_case(&self, i: Sym) -> bool {
        if self.role(i) != Some(FileRole::Test) || !self.kind(i).is_callable() {
            return false;
        }
        let Ok(s) = self.record(i) else {
            return false;
        };
        let marked: &[Language] = self.search.get().map_or(&[], |s| &s.marked_languages);
        crate::pack::marked_test(&s) || !marked.contains(&s.language)
    }

    fn importers(&self, _i: Sym) -> Option<Vec<String>> {
        None
    }

    fn lexical(&self) -> Result<&Bm25, QueryError> {
        self.search.get().map(|s| &s.index).ok_or_else(|| {
            let state = self.search_state.lock().unwrap_or_else(|e| e.into_inner());
            QueryError::BadRequest(format!(
                "docpack {} cannot be searched yet: {state}",
                self.key
            ))
        })
    }

    fn vectors(&self) -> Option<&VectorIndex> {
        None
    }

    fn embedding_model(&self) -> Option<&str> {
        None
    }

    fn whole(&self) -> Option<&Pack> {
        None
    }

    fn detail(&self, i: Sym, max_lines: usize) -> Result<SymbolDetail, QueryError> {
        let s = self.record(i)?;
        let members = self.members(i);
        let source = self.source_lines(&s, max_lines);
        Ok(detail(self, i, &s, &members, source))
    }
}

/// Why a question is not answered over a docpack read in place.
pub fn refusal(p: &InPlace, question: &str) -> QueryError {
    QueryError::BadRequest(format!(
        "docpack {} ({} symbols) is read in place, being larger than a whole docpack may be held (4 GiB expanded, about 2.4 million symbols): {question} needs it whole; search, symbol, callers, callees and impact answer",
        p.key,
        p.len()
    ))
}

/// Loads or builds `pack`'s search index on a thread: the pack answers
/// everything but search meanwhile.
pub fn prepare_on_thread(pack: &Arc<InPlace>, sidecars: Option<PathBuf>) -> Result<(), String> {
    let building = pack.clone();
    std::thread::Builder::new()
        .name("search-index".into())
        .spawn(move || {
            building.access.index.names_sorted();
            building.prepare_search(sidecars.as_deref());
            building.prepare_details();
        })
        .map(drop)
        .map_err(|e| format!("cannot start the search index's thread: {e}"))
}

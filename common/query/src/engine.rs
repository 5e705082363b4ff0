//! The engine: the docpacks being served, loaded once and kept with their
//! indexes, and the lookups every question starts with (which docpack,
//! which symbol).
//!
//! Docpacks come from files named at start (each loaded in parallel; one
//! that fails is reported and the others are served) or from a [`Catalog`]
//! (a store of finished jobs), loaded on first use and kept, most recently
//! used first, up to a limit.

use crate::answer::SymbolRef;
use crate::in_place::InPlace;
use crate::pack::{Origin, Pack, Sym};
use crate::reader::Reader;
use doctown_docpack::{read_docpack, Docpack};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// Why a question could not be answered. Every variant renders as one line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    #[error("no docpack {key:?}; known: {known}")]
    UnknownDocpack { key: String, known: String },
    #[error("several docpacks are served ({known}); name one with `docpack`")]
    WhichDocpack { known: String },
    #[error("no symbol {query:?}{hint}")]
    UnknownSymbol { query: String, hint: String },
    #[error("{query:?} names {count} symbols; use an id: {candidates}")]
    Ambiguous {
        query: String,
        count: usize,
        candidates: String,
    },
    #[error("{0}")]
    BadRequest(String),
    #[error("cannot load docpack {key}: {message}")]
    Load { key: String, message: String },
}

/// One docpack a catalog can load.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogEntry {
    pub key: String,
    /// The repository's display name.
    pub name: String,
    /// Source, ref and commit, as one line, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Where docpacks are found when they are not named at start.
pub trait Catalog: Send + Sync {
    /// The docpacks it holds, newest first.
    fn entries(&self) -> Result<Vec<CatalogEntry>, String>;
    /// Reads and verifies one.
    fn load(&self, key: &str) -> Result<(Docpack, Origin), String>;
    /// The file on this machine that holds one, for reading it in place;
    /// `None` when the catalog keeps it elsewhere.
    fn file(&self, _key: &str) -> Option<PathBuf> {
        None
    }
}

/// A docpack named at start that could not be served.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadFailure {
    pub location: String,
    pub error: String,
}

/// A served docpack, for `list_docpacks`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackInfo {
    pub key: String,
    pub name: String,
    pub loaded: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docpack_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbols: Option<usize>,
    pub embeddings: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The docpacks being served.
pub struct Engine {
    /// The packs named at start; a live tree's is replaced by each rebuild
    /// (questions in flight keep the snapshot they started with).
    fixed: RwLock<Vec<Arc<Pack>>>,
    /// What a live pack's host says about it (building, a failed rebuild).
    notes: RwLock<BTreeMap<String, String>>,
    catalog: Option<Arc<dyn Catalog>>,
    /// Packs loaded from the catalog, most recently used first.
    cached: Mutex<Vec<Arc<Pack>>>,
    cache_limit: usize,
    failures: Vec<LoadFailure>,
    /// The packs named at start that are read in place.
    in_place: Vec<Arc<InPlace>>,
    /// Packs of the catalog read in place, most recently used first.
    cached_in_place: Mutex<Vec<Arc<InPlace>>>,
    /// How the catalog's packs are opened.
    opening: Opening,
}

/// Builds the packs' search indexes, one after another, on a thread of
/// their own.
fn warm_search(packs: Vec<Arc<Pack>>) {
    // A thread that cannot start leaves each index to its first search.
    let _ = std::thread::Builder::new()
        .name("search-index".into())
        .spawn(move || {
            for pack in packs {
                pack.lexical_index();
            }
        });
}

/// What the in-memory reader's refusal of a docpack too large says.
const TOO_LARGE: &str = "larger than this reader's limits";

/// How [`Engine::open_with`] opens files.
#[derive(Debug, Clone, Default)]
pub struct Opening {
    /// Read every docpack in place, not only those too large to hold.
    pub in_place: bool,
    /// Where the search indexes of docpacks read in place are kept.
    pub sidecars: Option<PathBuf>,
}

/// A docpack file opened: whole, or in place.
pub enum Opened {
    Whole(Box<Pack>),
    InPlace(Arc<InPlace>),
}

/// Runs `$body` with `$p` the pack of `$target` (whole or read in place)
/// that holds the symbol `$query` names and `$i` that symbol: one
/// expression, made for both kinds of pack. `?` returns the
/// [`QueryError`] of a symbol not found.
#[macro_export]
macro_rules! on_symbol {
    ($engine:expr, $target:expr, $query:expr, |$p:ident, $i:ident| $body:expr) => {
        match $target {
            $crate::Target::Whole(packs) => {
                let (pack, $i) = $engine.find_symbol(&packs, $query)?;
                let $p = &*pack;
                $body
            }
            $crate::Target::InPlace(pack) => {
                let $i = pack.find($query)?;
                let $p = &*pack;
                $body
            }
        }
    };
}

/// The packs a question that both kinds answer is about.
pub enum Target {
    Whole(Vec<Arc<Pack>>),
    InPlace(Arc<InPlace>),
}

impl Engine {
    /// Serves these docpack files; the ones that fail to load are listed in
    /// [`Engine::failures`] and the rest are served.
    pub fn open(paths: &[PathBuf]) -> Engine {
        Engine::open_with(paths, &Opening::default())
    }

    /// [`Engine::open`], reading in place the docpacks too large to hold
    /// (or every one, [`Opening::in_place`]).
    pub fn open_with(paths: &[PathBuf], opening: &Opening) -> Engine {
        let results: Vec<Result<Opened, LoadFailure>> =
            paths.par_iter().map(|p| open_file(p, opening)).collect();
        let mut fixed = Vec::new();
        let mut in_place = Vec::new();
        let mut failures = Vec::new();
        for result in results {
            match result {
                Ok(Opened::Whole(pack)) => fixed.push(*pack),
                Ok(Opened::InPlace(pack)) => {
                    match crate::in_place::prepare_on_thread(&pack, opening.sidecars.clone()) {
                        Ok(()) => in_place.push(pack),
                        Err(error) => failures.push(LoadFailure {
                            location: pack.origin.location.clone(),
                            error,
                        }),
                    }
                }
                Err(f) => failures.push(f),
            }
        }
        dedupe_keys(&mut fixed);
        let mut engine = Engine::from_packs(fixed);
        engine.in_place = in_place;
        engine.failures = failures;
        engine
    }

    /// Serves already loaded packs.
    pub fn from_packs(packs: Vec<Pack>) -> Engine {
        let mut packs = packs;
        dedupe_keys(&mut packs);
        Engine {
            fixed: RwLock::new(packs.into_iter().map(Arc::new).collect()),
            notes: RwLock::default(),
            catalog: None,
            cached: Mutex::new(Vec::new()),
            cache_limit: 0,
            failures: Vec::new(),
            in_place: Vec::new(),
            cached_in_place: Mutex::default(),
            opening: Opening::default(),
        }
    }

    /// Serves a catalog's docpacks, keeping up to `cache_limit` loaded.
    pub fn with_catalog(catalog: Arc<dyn Catalog>, cache_limit: usize) -> Engine {
        Engine {
            fixed: RwLock::default(),
            notes: RwLock::default(),
            catalog: Some(catalog),
            cached: Mutex::new(Vec::new()),
            cache_limit: cache_limit.max(1),
            failures: Vec::new(),
            in_place: Vec::new(),
            cached_in_place: Mutex::default(),
            opening: Opening::default(),
        }
    }

    /// Opens the catalog's docpacks so: in place when asked (or when too
    /// large to hold), their search indexes kept in `opening.sidecars`.
    pub fn with_opening(mut self, opening: Opening) -> Engine {
        self.opening = opening;
        self
    }

    /// Docpacks named at start that could not be served.
    pub fn failures(&self) -> &[LoadFailure] {
        &self.failures
    }

    /// Serves `pack` in place of the pack with its key (or beside the
    /// others when none has it): a live tree's new snapshot.
    /// Its search index is built on a thread meanwhile.
    pub fn replace(&self, pack: Pack) {
        let pack = Arc::new(pack);
        warm_search(vec![pack.clone()]);
        let replaced = {
            let mut fixed = self.fixed.write().unwrap_or_else(|e| e.into_inner());
            match fixed.iter_mut().find(|p| p.key == pack.key) {
                Some(slot) => Some(std::mem::replace(slot, pack)),
                None => {
                    fixed.push(pack);
                    None
                }
            }
        };
        // Freed on a thread of its own once no answer holds it, not under
        // the lock: a large repository's docpack takes a tenth of a second
        // to free, which the questions after the swap do not wait for.
        // A thread that cannot start frees it here.
        if let Some(old) = replaced {
            let _ = std::thread::Builder::new()
                .name("free-docpack".into())
                .spawn(move || drop(old));
        }
    }

    /// Builds the search indexes of the docpacks named at start on a
    /// thread: a server answers every other question meanwhile, and a
    /// search waits for its index only until it is built.
    pub fn warm_search(&self) {
        warm_search(self.fixed());
    }

    /// Says something about the pack `key` in `list_docpacks` (`None`
    /// clears it): that it is being rebuilt, or why a rebuild failed.
    pub fn set_note(&self, key: &str, note: Option<String>) {
        let mut notes = self.notes.write().unwrap_or_else(|e| e.into_inner());
        match note {
            Some(note) => notes.insert(key.to_string(), note),
            None => notes.remove(key),
        };
    }

    fn fixed(&self) -> Vec<Arc<Pack>> {
        self.fixed.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Every docpack this engine can answer about.
    pub fn list(&self) -> Result<Vec<PackInfo>, QueryError> {
        let notes = self.notes.read().unwrap_or_else(|e| e.into_inner()).clone();
        let mut out: Vec<PackInfo> = self
            .fixed()
            .iter()
            .map(|p| {
                let note = notes.get(&p.key);
                info(p, note.map(|n| format!("{}; {n}", p.origin.location)))
            })
            .collect();
        out.extend(self.in_place.iter().map(|p| in_place_info(p)));
        if let Some(catalog) = &self.catalog {
            let cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
            let entries = catalog.entries().map_err(|message| QueryError::Load {
                key: "catalog".into(),
                message,
            })?;
            for entry in entries {
                if let Some(p) = self.cached_in_place(&entry.key) {
                    out.push(in_place_info(&p));
                    continue;
                }
                match cached.iter().find(|p| p.key == entry.key) {
                    Some(p) => out.push(info(p, entry.detail.clone())),
                    None => out.push(PackInfo {
                        key: entry.key,
                        name: entry.name,
                        loaded: false,
                        docpack_id: None,
                        schema_version: None,
                        commit: None,
                        symbols: None,
                        embeddings: false,
                        detail: entry.detail,
                    }),
                }
            }
        }
        Ok(out)
    }

    /// The packs a question is about: the one named, or every pack named at
    /// start when none is (a catalog's must be named unless it has one).
    pub fn packs(&self, key: Option<&str>) -> Result<Vec<Arc<Pack>>, QueryError> {
        match self.target(key)? {
            Target::Whole(packs) => Ok(packs),
            Target::InPlace(p) => Err(crate::in_place::refusal(&p, "this question")),
        }
    }

    /// The packs a question is about, as [`Engine::packs`], or the one
    /// pack read in place it names (or the only one served).
    pub fn target(&self, key: Option<&str>) -> Result<Target, QueryError> {
        let key = key.map(str::trim).filter(|k| !k.is_empty());
        let named =
            |p: &&Arc<InPlace>| key.is_none_or(|k| p.key == k || p.manifest().docpack_id == k);
        if let Some(p) = self.in_place.iter().find(named) {
            if key.is_some() || (self.in_place.len() == 1 && self.fixed().is_empty()) {
                return Ok(Target::InPlace(p.clone()));
            }
            return Err(QueryError::WhichDocpack {
                known: known_keys(self.keys().iter().map(String::as_str)),
            });
        }
        if let Some(p) = key.and_then(|k| self.cached_in_place(k)) {
            return Ok(Target::InPlace(p));
        }
        let fixed = key.is_some_and(|k| self.fixed().iter().any(|p| p.key == k));
        if self.opening.in_place && self.catalog.is_some() && !fixed {
            if let Some(k) = self.catalog_key(key)? {
                return self.catalog_in_place(&k).map(Target::InPlace);
            }
        }
        match self.whole_packs(key) {
            Err(QueryError::Load { key, message }) if message.contains(TOO_LARGE) => {
                self.catalog_in_place(&key).map(Target::InPlace)
            }
            other => other.map(Target::Whole),
        }
    }

    /// The catalog's key a question names, or its only one.
    fn catalog_key(&self, key: Option<&str>) -> Result<Option<String>, QueryError> {
        let entries = self.catalog_entries()?;
        Ok(match key {
            Some(k) => entries.into_iter().find(|e| e.key == k).map(|e| e.key),
            None if entries.len() == 1 => entries.into_iter().next().map(|e| e.key),
            None => None,
        })
    }

    fn cached_in_place(&self, key: &str) -> Option<Arc<InPlace>> {
        let cached = self
            .cached_in_place
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        cached.iter().find(|p| p.key == key).cloned()
    }

    /// The catalog's docpack `key`, opened in place from its file (and
    /// its search index started), kept among the most recently used.
    fn catalog_in_place(&self, key: &str) -> Result<Arc<InPlace>, QueryError> {
        let failed = |message: String| QueryError::Load {
            key: key.to_string(),
            message,
        };
        let path = self.catalog.as_ref().and_then(|c| c.file(key)).ok_or_else(|| {
            failed("it is larger than a docpack held whole may be, and is read in place only from a store on this machine".into())
        })?;
        let pack = Arc::new(InPlace::open(key.to_string(), &path).map_err(failed)?);
        crate::in_place::prepare_on_thread(&pack, self.opening.sidecars.clone()).map_err(failed)?;
        let mut cached = self
            .cached_in_place
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        cached.retain(|p| p.key != key);
        cached.insert(0, pack.clone());
        cached.truncate(self.cache_limit.max(1));
        Ok(pack)
    }

    fn keys(&self) -> Vec<String> {
        let fixed = self.fixed().into_iter().map(|p| p.key.clone());
        fixed
            .chain(self.in_place.iter().map(|p| p.key.clone()))
            .collect()
    }

    fn whole_packs(&self, key: Option<&str>) -> Result<Vec<Arc<Pack>>, QueryError> {
        match key {
            Some(key) => self.pack(key).map(|p| vec![p]),
            None if !self.fixed().is_empty() => Ok(self.fixed()),
            None => {
                let entries = self.catalog_entries()?;
                match entries.as_slice() {
                    [only] => self.pack(&only.key).map(|p| vec![p]),
                    [] => Err(QueryError::BadRequest("no docpacks are served".into())),
                    _ => Err(QueryError::WhichDocpack {
                        known: known_keys(entries.iter().map(|e| e.key.as_str())),
                    }),
                }
            }
        }
    }

    /// The one pack a question is about (`key`, or the only one served).
    pub fn one_pack(&self, key: Option<&str>) -> Result<Arc<Pack>, QueryError> {
        let mut packs = self.packs(key)?;
        match packs.len() {
            1 => Ok(packs.remove(0)),
            _ => Err(QueryError::WhichDocpack {
                known: known_keys(packs.iter().map(|p| p.key.as_str())),
            }),
        }
    }

    /// A pack by key (or docpack id), loading it from the catalog if needed.
    pub fn pack(&self, key: &str) -> Result<Arc<Pack>, QueryError> {
        let fixed = self.fixed();
        if let Some(p) = fixed
            .iter()
            .find(|p| p.key == key || p.docpack.manifest.docpack_id == key)
        {
            return Ok(p.clone());
        }
        let Some(catalog) = &self.catalog else {
            return Err(QueryError::UnknownDocpack {
                key: key.to_string(),
                known: known_keys(fixed.iter().map(|p| p.key.as_str())),
            });
        };
        {
            let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(i) = cached.iter().position(|p| p.key == key) {
                let p = cached.remove(i);
                cached.insert(0, p.clone());
                return Ok(p);
            }
        }
        let entries = self.catalog_entries()?;
        if !entries.iter().any(|e| e.key == key) {
            return Err(QueryError::UnknownDocpack {
                key: key.to_string(),
                known: known_keys(entries.iter().map(|e| e.key.as_str())),
            });
        }
        let (docpack, origin) = catalog.load(key).map_err(|message| QueryError::Load {
            key: key.to_string(),
            message,
        })?;
        let pack = Arc::new(Pack::new(key, origin, docpack));
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        cached.retain(|p| p.key != key);
        cached.insert(0, pack.clone());
        cached.truncate(self.cache_limit);
        Ok(pack)
    }

    fn catalog_entries(&self) -> Result<Vec<CatalogEntry>, QueryError> {
        match &self.catalog {
            None => Ok(Vec::new()),
            Some(c) => c.entries().map_err(|message| QueryError::Load {
                key: "catalog".into(),
                message,
            }),
        }
    }

    /// Finds a symbol by id, qualified name, a qualified name's tail
    /// (`Type::method`, `module.func`) or simple name, in the packs given.
    /// Several matches are an error listing them, unless exactly one of
    /// them is in source code (not a test, example, …).
    pub fn find_symbol(
        &self,
        packs: &[Arc<Pack>],
        query: &str,
    ) -> Result<(Arc<Pack>, Sym), QueryError> {
        let query = checked_query(query)?;
        for p in packs {
            if let Some(i) = p.index_of(query) {
                return Ok((p.clone(), i));
            }
        }
        let lower = query.to_lowercase();
        let mut found: Vec<(Arc<Pack>, Sym)> = Vec::new();
        for stage in 0..3 {
            for p in packs {
                let hits: Vec<Sym> = match stage {
                    0 => p
                        .by_qualified
                        .get(lower.as_str())
                        .cloned()
                        .unwrap_or_default(),
                    1 => tail_matches(p, &lower),
                    _ => p.by_name.get(lower.as_str()).cloned().unwrap_or_default(),
                };
                found.extend(hits.into_iter().map(|i| (p.clone(), i)));
            }
            if !found.is_empty() {
                break;
            }
        }
        pick(query, found)
    }
}

/// A symbol query, trimmed and checked.
pub(crate) fn checked_query(query: &str) -> Result<&str, QueryError> {
    let query = query.trim();
    if query.is_empty() {
        return Err(QueryError::BadRequest(
            "name a symbol (an id or a name)".into(),
        ));
    }
    if query.len() > 1024 {
        return Err(QueryError::BadRequest(
            "a symbol name is at most 1024 bytes".into(),
        ));
    }
    Ok(query)
}

/// The one symbol of those found: the only one in source code when
/// several are, else an error listing the most central.
pub(crate) fn pick<P, R>(query: &str, mut found: Vec<(P, Sym)>) -> Result<(P, Sym), QueryError>
where
    P: std::ops::Deref<Target = R>,
    R: Reader + ?Sized,
{
    if found.len() > 1 {
        let source: Vec<usize> = (0..found.len())
            .filter(|&k| {
                let (p, i) = &found[k];
                p.role(*i)
                    .is_none_or(|r| r == doctown_core::FileRole::Source)
            })
            .collect();
        if let [only] = source.as_slice() {
            return Ok(found.swap_remove(*only));
        }
    }
    match found.len() {
        0 => Err(QueryError::UnknownSymbol {
            query: query.chars().take(200).collect(),
            hint: "; search for it first".into(),
        }),
        1 => Ok(found.remove(0)),
        count => {
            found.sort_by(|(pa, a), (pb, b)| pb.centrality(*b).total_cmp(&pa.centrality(*a)));
            let candidates = found
                .iter()
                .take(8)
                .map(|(p, i)| {
                    let r = SymbolRef::new(&**p, *i);
                    format!("{} ({} {})", r.id, r.name, r.cite())
                })
                .collect::<Vec<_>>()
                .join(", ");
            Err(QueryError::Ambiguous {
                query: query.chars().take(200).collect(),
                count,
                candidates,
            })
        }
    }
}

/// Symbols whose lowercase qualified name ends with `::tail`, `.tail` or `/tail`.
fn tail_matches(p: &Pack, tail: &str) -> Vec<Sym> {
    if !(tail.contains("::") || tail.contains('.')) {
        return Vec::new();
    }
    let last = tail.rsplit([':', '.']).next().unwrap_or(tail);
    let Some(candidates) = p.by_name.get(last) else {
        return Vec::new();
    };
    candidates
        .iter()
        .copied()
        .filter(|&i| is_tail(&p.symbol(i).qualified_name.to_lowercase(), tail))
        .collect()
}

/// Whether lowercase qualified name `q` ends with `tail` after a separator.
pub(crate) fn is_tail(q: &str, tail: &str) -> bool {
    q.strip_suffix(tail).is_some_and(|head| {
        head.is_empty() || head.ends_with("::") || head.ends_with('.') || head.ends_with('/')
    })
}

fn info(p: &Pack, detail: Option<String>) -> PackInfo {
    let detail = detail.unwrap_or_else(|| p.origin.location.clone());
    listed(
        &p.docpack.manifest,
        p.key.clone(),
        p.len(),
        p.has_vectors(),
        detail,
    )
}

fn in_place_info(p: &InPlace) -> PackInfo {
    let detail = format!(
        "{}; read in place: search, symbol, callers, callees and impact",
        p.origin.location
    );
    listed(p.manifest(), p.key.clone(), p.len(), false, detail)
}

fn listed(
    m: &doctown_docpack::Manifest,
    key: String,
    symbols: usize,
    embeddings: bool,
    detail: String,
) -> PackInfo {
    PackInfo {
        key,
        name: m.source.name.clone(),
        loaded: true,
        docpack_id: Some(m.docpack_id.clone()),
        schema_version: Some(m.schema_version.clone()),
        commit: m.source.commit.clone(),
        symbols: Some(symbols),
        embeddings,
        detail: Some(detail),
    }
}

pub(crate) fn known_keys<'a>(keys: impl Iterator<Item = &'a str>) -> String {
    let keys: Vec<&str> = keys.collect();
    match keys.len() {
        0 => "none".into(),
        n if n > 10 => format!("{} and {} more", keys[..10].join(", "), n - 10),
        _ => keys.join(", "),
    }
}

/// Opens a docpack file: whole when it fits in memory, else (or when
/// asked) in place; its search index is then not ready until
/// [`InPlace::prepare_search`] has run.
pub fn open_file(path: &Path, opening: &Opening) -> Result<Opened, LoadFailure> {
    let failure = |error: String| LoadFailure {
        location: path.display().to_string(),
        error,
    };
    if !opening.in_place {
        match load_file(path) {
            Err(f) if !f.error.contains(TOO_LARGE) => return Err(f),
            Err(_) => {}
            Ok(pack) => return Ok(Opened::Whole(Box::new(pack))),
        }
    }
    let key = key_of(path).unwrap_or_else(|| "docpack".into());
    InPlace::open(key, path)
        .map(|p| Opened::InPlace(Arc::new(p)))
        .map_err(failure)
}

fn key_of(path: &Path) -> Option<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.strip_suffix(".docpack").unwrap_or(n).to_string())
}

/// Reads, verifies and indexes a docpack file; its key is the file stem.
pub fn load_file(path: &Path) -> Result<Pack, LoadFailure> {
    let location = path.display().to_string();
    let docpack = read_docpack(path).map_err(|e| LoadFailure {
        location: location.clone(),
        error: e.to_string(),
    })?;
    let key = key_of(path).unwrap_or_else(|| docpack.manifest.source.name.clone());
    let checkout = local_checkout(&docpack);
    Ok(Pack::new(key, Origin { location, checkout }, docpack))
}

/// The repository's directory, when the docpack was built from a local
/// path that still exists.
pub fn local_checkout(d: &Docpack) -> Option<PathBuf> {
    checkout_of(&d.manifest)
}

/// The local directory a docpack's manifest names, when it still exists.
pub(crate) fn checkout_of(m: &doctown_docpack::Manifest) -> Option<PathBuf> {
    let url = m.source.repo_url.as_deref()?;
    let path = Path::new(url.strip_prefix("file://").unwrap_or(url));
    (path.is_absolute() && path.is_dir()).then(|| path.to_path_buf())
}

/// Keys are unique: a second `app.docpack` becomes `app-2`.
fn dedupe_keys(packs: &mut [Pack]) {
    let mut seen = std::collections::HashSet::new();
    for p in packs.iter_mut() {
        let base = p.key.clone();
        let mut n = 1;
        while !seen.insert(p.key.clone()) {
            n += 1;
            p.key = format!("{base}-{n}");
        }
    }
}

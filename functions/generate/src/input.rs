//! The conversion layer from the assemble stage's artifacts to the
//! [`crate::facts`] view, and reading them from the object store.
//!
//! All knowledge of the assemble artifact shapes (`SymbolContext`,
//! `ModuleContext`, `ClusterSet`) is in this module.

use crate::artifacts::assemble::{
    AssembleManifest, ClusterSet, ModuleContext, SymbolContext, SymbolRef,
};
use crate::error::GenerateError;
use crate::facts::{
    centrality_of, display_name, owner_name, ClusterFacts, GenerateInput, ModuleFacts, SymbolFacts,
};
use doctown_core::artifacts::{artifact_key, IngestManifest};
use doctown_core::{JobId, SymbolId, SymbolKind};
pub use doctown_store::BlockLine;
use doctown_store::ObjectStore;
use doctown_store::StoreError;

fn names(refs: &[SymbolRef]) -> Vec<String> {
    refs.iter()
        .map(|r| display_name(&r.qualified_name))
        .collect()
}

impl From<SymbolContext> for SymbolFacts {
    /// Moves the context's strings into the facts: generate's second pass
    /// documents every symbol this way, so nothing is copied.
    fn from(c: SymbolContext) -> Self {
        SymbolFacts {
            calls_total: c.calls_total.max(c.calls.len() as u32),
            called_by_total: c.called_by_total.max(c.called_by.len() as u32),
            id: c.id,
            name: c.name,
            qualified_name: c.qualified_name,
            kind: c.kind,
            language: c.language,
            path: c.path,
            module: c.module,
            start_line: c.start_line,
            end_line: c.end_line,
            signature: c.signature,
            visibility: c.visibility,
            doc: c.doc.filter(|d| !d.trim().is_empty()),
            parent: c.parent.as_ref().map(|p| owner_name(&p.qualified_name)),
            parent_kind: None,
            calls: names(&c.calls),
            called_by: names(&c.called_by),
            external_calls: c.unresolved_calls,
            imports: c.imports,
            supertypes: names(&c.supertypes),
            cluster_id: c.cluster.as_ref().map(|k| k.id.clone()),
            cluster: c.cluster.map(|k| k.label).filter(|l| !l.trim().is_empty()),
            centrality: centrality_of(c.centrality),
            related: c
                .related
                .iter()
                .map(|r| display_name(&r.qualified_name))
                .collect(),
            complexity: c.complexity,
            loc: c.loc,
            callers_may_be_unresolved: c.callers_may_be_unresolved,
            tested_by: names(&c.tested_by),
            role: c.role,
            history: None,
        }
    }
}

impl From<&ModuleContext> for ModuleFacts {
    fn from(m: &ModuleContext) -> Self {
        ModuleFacts {
            id: m.id.clone(),
            path: m.path.clone(),
            files: m.files.clone(),
            languages: m.languages.clone(),
            symbols: m.symbols,
            top_symbols: m
                .top_symbols
                .iter()
                .map(|s| display_name(&s.qualified_name))
                .collect(),
            dependencies: m.dependencies.clone(),
            dependents: m.dependents.clone(),
        }
    }
}

impl GenerateInput {
    /// The facts of a whole repository from the assemble artifacts.
    pub fn from_assemble(
        repository: &str,
        contexts: &[SymbolContext],
        modules: &[ModuleContext],
        clusters: Option<&ClusterSet>,
    ) -> GenerateInput {
        let symbols = contexts.iter().cloned().map(facts_of).collect();
        GenerateInput::from_facts(repository, symbols, modules, clusters)
    }

    /// The input from each symbol's facts (with its parent's id), the
    /// modules and the clusters: sorted, parents' kinds filled in.
    fn from_facts(
        repository: &str,
        mut symbols: Vec<(SymbolFacts, Option<SymbolId>)>,
        modules: &[ModuleContext],
        clusters: Option<&ClusterSet>,
    ) -> GenerateInput {
        symbols.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        let kinds: Vec<SymbolKind> = symbols.iter().map(|(f, _)| f.kind).collect();
        let symbols: Vec<SymbolFacts> = {
            let index_of = |id: &SymbolId| symbols.binary_search_by(|(f, _)| f.id.cmp(id)).ok();
            let parent_kinds: Vec<Option<SymbolKind>> = symbols
                .iter()
                .map(|(_, parent)| parent.as_ref().and_then(index_of).map(|i| kinds[i]))
                .collect();
            symbols
                .into_iter()
                .zip(parent_kinds)
                .map(|((mut facts, _), kind)| {
                    facts.parent_kind = kind;
                    facts
                })
                .collect()
        };
        let (modules, clusters) = module_and_cluster_facts(modules, clusters);
        GenerateInput {
            repository: repository.to_string(),
            symbols,
            modules,
            clusters,
            programs: Vec::new(),
            about: Default::default(),
        }
    }

    /// Reads a job's assemble artifacts (`jobs/<job>/assemble/…`); the
    /// contexts are streamed, each turned into its facts as it is read, so
    /// neither the file nor the contexts are ever whole in memory.
    pub fn load(
        store: &dyn ObjectStore,
        job: &JobId,
        repository: &str,
    ) -> Result<GenerateInput, GenerateError> {
        let manifest = assemble_manifest(store, job)?;
        let symbols = read_facts(store, &manifest.contexts)?;
        let (modules, clusters) = read_modules_and_clusters(store, &manifest)?;
        Ok(GenerateInput::from_facts(
            repository,
            symbols,
            &modules,
            clusters.as_ref(),
        ))
    }
}

/// A job's assemble manifest.
pub fn assemble_manifest(
    store: &dyn ObjectStore,
    job: &JobId,
) -> Result<AssembleManifest, GenerateError> {
    read_json(
        store,
        &artifact_key(job, "assemble", AssembleManifest::NAME),
    )
}

fn read_modules_and_clusters(
    store: &dyn ObjectStore,
    manifest: &AssembleManifest,
) -> Result<(Vec<ModuleContext>, Option<ClusterSet>), GenerateError> {
    let modules: Vec<ModuleContext> = read_json(store, &manifest.modules)?;
    let clusters: Option<ClusterSet> = match store.exists(&manifest.clusters)? {
        false => None,
        true => Some(read_json(store, &manifest.clusters)?),
    };
    Ok((modules, clusters))
}

/// The modules' facts (sorted by path) and the clusters' facts of a job,
/// as [`GenerateInput::load`] reads them. `clusters.json` is parsed from
/// a stream without its member lists (every symbol's id: a kernel's is
/// 140 MB), which the facts do not use.
pub fn load_modules_and_clusters(
    store: &dyn ObjectStore,
    manifest: &AssembleManifest,
) -> Result<(Vec<ModuleFacts>, Vec<ClusterFacts>), GenerateError> {
    let modules: Vec<ModuleContext> = read_json(store, &manifest.modules)?;
    let (modules, _) = module_and_cluster_facts(&modules, None);
    let key = &manifest.clusters;
    let clusters = match store.get_stream(key)? {
        None => Vec::new(),
        Some(reader) => {
            let reader = std::io::BufReader::with_capacity(1 << 20, reader);
            let set: ClusterOutlines =
                serde_json::from_reader(reader).map_err(|e| GenerateError::BadInput {
                    key: key.to_string(),
                    message: e.to_string(),
                })?;
            set.clusters
                .into_iter()
                .map(|c| ClusterFacts {
                    representative: c.top_members.first().map(|m| m.id.clone()),
                    top_members: c
                        .top_members
                        .iter()
                        .map(|m| display_name(&m.qualified_name))
                        .collect(),
                    id: c.id,
                    label: c.label,
                    size: c.size,
                })
                .collect()
        }
    };
    Ok((modules, clusters))
}

/// `clusters.json` as the facts read it: no member lists.
#[derive(serde::Deserialize)]
struct ClusterOutlines {
    clusters: Vec<ClusterOutline>,
}

#[derive(serde::Deserialize)]
struct ClusterOutline {
    id: String,
    label: String,
    size: u32,
    top_members: Vec<crate::artifacts::assemble::ScoredSymbol>,
}

fn module_and_cluster_facts(
    modules: &[ModuleContext],
    clusters: Option<&ClusterSet>,
) -> (Vec<ModuleFacts>, Vec<ClusterFacts>) {
    let mut modules: Vec<ModuleFacts> = modules.iter().map(ModuleFacts::from).collect();
    modules.sort_by(|a, b| a.path.cmp(&b.path));
    let clusters = clusters.map(cluster_facts).unwrap_or_default();
    (modules, clusters)
}

/// A JSON Lines object read a block of lines at a time, each block parsed
/// on every core (the streaming path of the facts backend: neither the
/// object nor its items are ever whole in memory): the store's
/// [`doctown_store::JsonlBlocks`], a missing object
/// [`GenerateError::MissingInput`] and a bad line
/// [`GenerateError::BadInput`].
pub struct JsonlBlocks(doctown_store::JsonlBlocks);

impl JsonlBlocks {
    pub fn open(store: &dyn ObjectStore, key: &str) -> Result<JsonlBlocks, GenerateError> {
        doctown_store::JsonlBlocks::open(store, key)
            .map_err(input_error)?
            .map(JsonlBlocks)
            .ok_or_else(|| GenerateError::MissingInput {
                key: key.to_string(),
            })
    }

    /// The next block's items, each parsed and given to `map` with its
    /// position in the object (blank lines skipped), in order; `None` at
    /// the end.
    pub fn next_block<T, U>(
        &mut self,
        map: &(impl Fn(usize, T) -> U + Sync),
    ) -> Result<Option<Vec<U>>, GenerateError>
    where
        T: serde::de::DeserializeOwned,
        U: Send,
    {
        self.0.next_block(map).map_err(input_error)
    }

    /// The next block of lines (blank ones skipped); `None` at the end.
    pub fn next_lines(&mut self) -> Result<Option<Vec<BlockLine>>, GenerateError> {
        self.0.next_lines().map_err(input_error)
    }
}

/// A store's error reading an input, a corrupt object as
/// [`GenerateError::BadInput`].
fn input_error(e: StoreError) -> GenerateError {
    match e {
        StoreError::Corrupt { key, message } => GenerateError::BadInput { key, message },
        other => other.into(),
    }
}

/// [`GenerateError::BadInput`] for line `number` of `key`.
pub fn bad_line(key: &str, number: usize, e: impl std::fmt::Display) -> GenerateError {
    input_error(doctown_store::bad_line(key, number, e))
}

/// `f` applied to every item, in order, the items split evenly over the
/// machine's cores; the first error (in order) is the result's.
pub fn on_every_core<T: Send, U: Send>(
    items: Vec<T>,
    f: &(impl Fn(T) -> Result<U, GenerateError> + Sync),
) -> Result<Vec<U>, GenerateError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = items.len().div_ceil(threads).max(1);
    let mut parts: Vec<Vec<T>> = Vec::with_capacity(threads);
    let mut items = items.into_iter();
    loop {
        let part: Vec<T> = items.by_ref().take(per_thread).collect();
        if part.is_empty() {
            break;
        }
        parts.push(part);
    }
    let done: Vec<Result<Vec<U>, GenerateError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| scope.spawn(move || part.into_iter().map(f).collect()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(GenerateError::Runtime("a parsing thread panicked".into()))
                })
            })
            .collect()
    });
    let mut out = Vec::new();
    for part in done {
        out.extend(part?);
    }
    Ok(out)
}

/// What generate reads of a job's ingest besides the symbols.
#[derive(Debug, Default)]
pub struct IngestFacts {
    /// The history ingest read (`history.json` under its manifest), if it
    /// read one: what [`crate::history::attach`] gives the symbols.
    pub history: Option<doctown_docpack::history::History>,
    /// The programs the repository's manifests declare.
    pub programs: Vec<doctown_core::artifacts::Program>,
    /// What the repository says about itself.
    pub about: doctown_core::artifacts::About,
}

/// The job's [`IngestFacts`]. A job without an ingest manifest (a generate
/// run on assemble artifacts alone) has neither.
pub fn load_ingest(store: &dyn ObjectStore, job: &JobId) -> Result<IngestFacts, GenerateError> {
    let manifest_key = artifact_key(job, "ingest", IngestManifest::NAME);
    if !store.exists(&manifest_key)? {
        return Ok(IngestFacts::default());
    }
    let manifest: IngestManifest = read_json(store, &manifest_key)?;
    let history = match manifest.history {
        Some(key) => Some(read_json(store, &key)?),
        None => None,
    };
    Ok(IngestFacts {
        history,
        programs: manifest.programs,
        about: manifest.about,
    })
}

fn facts_of(c: SymbolContext) -> (SymbolFacts, Option<SymbolId>) {
    let parent = c.parent.as_ref().map(|p| p.id.clone());
    (SymbolFacts::from(c), parent)
}

fn cluster_facts(set: &ClusterSet) -> Vec<ClusterFacts> {
    set.clusters
        .iter()
        .map(|c| ClusterFacts {
            id: c.id.clone(),
            label: c.label.clone(),
            size: c.size,
            top_members: c
                .top_members
                .iter()
                .map(|m| display_name(&m.qualified_name))
                .collect(),
            representative: c.top_members.first().map(|m| m.id.clone()),
        })
        .collect()
}

/// Each context of a JSON-lines artifact as its facts (streamed; see
/// [`doctown_store::stream_jsonl`]).
fn read_facts(
    store: &dyn ObjectStore,
    key: &str,
) -> Result<Vec<(SymbolFacts, Option<SymbolId>)>, GenerateError> {
    doctown_store::stream_jsonl(store, key, facts_of)
        .map_err(input_error)?
        .ok_or_else(|| GenerateError::MissingInput {
            key: key.to_string(),
        })
}

fn read_json<T: serde::de::DeserializeOwned>(
    store: &dyn ObjectStore,
    key: &str,
) -> Result<T, GenerateError> {
    let bytes = store
        .get_bytes(key)?
        .ok_or_else(|| GenerateError::MissingInput {
            key: key.to_string(),
        })?;
    serde_json::from_slice(&bytes).map_err(|e| GenerateError::BadInput {
        key: key.to_string(),
        message: e.to_string(),
    })
}

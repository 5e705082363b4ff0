//! The facts backend over a repository of any size: `docs.json` written
//! symbol by symbol while the contexts are read, never every symbol's
//! facts or summary at once (a kernel's four million symbols held as facts
//! took 7.3 GiB).
//!
//! Two passes over the contexts, which assemble writes in id order:
//!
//! 1. [`IndexBuilder`] ([`read_index`]): each symbol's id, kind and
//!    centrality only (and its file, with a history) — its centrality rank
//!    (what [`FactsWriter`](crate::writer::FactsWriter) knows of every
//!    symbol), which ids are traits or interfaces (the only parent kinds a
//!    summary depends on) and each file's most central symbol (which says
//!    the file's history). 4 bytes a symbol are kept.
//! 2. [`document`] each context into its summary (on every core), and
//!    [`DocsStream`] serialises the docs as they come, gathering the
//!    [`Aggregates`] the module overviews, the architecture summary and
//!    the insights need (cluster labels per module, languages, the few
//!    most central symbols, entry points and public surface, each hotspot
//!    file's most central and most complex symbols), which follow the
//!    symbols in `docs.json`.
//!
//! This is the one writer of `docs.json`: with a model, the answers it
//! settled ([`Answers`]) are laid over the facts as they pass. Input out
//! of id order (or with an id twice) has no index and is refused.

use crate::artifacts::assemble::SymbolContext;
use crate::artifacts::generate::{
    ArchitectureSummary, DocSource, Documentation, Insight, ModuleOverview, SymbolDoc,
};
use crate::engine_docs::Answers;
use crate::error::GenerateError;
use crate::events::generate::SymbolDocumented;
use crate::facts::{centrality_of, display_name};
use crate::facts::{ClusterFacts, GenerateInput, ModuleFacts, SymbolFacts};
use crate::history::Changes;
use crate::input::JsonlBlocks;
use crate::overview::{
    architecture_text, is_error_helper, is_tooling, named_programs, package_parts,
    summary_with_topics, top_topics, Abstractions, ArchitectureFacts, LanguageCounts,
};
use crate::writer::{role_at, summary_with_role, FactsWriter, Role};
use doctown_core::artifacts::{About, Program};
use doctown_core::{FileRole, Language, SymbolId, SymbolKind};
use doctown_docpack::history::History;
use doctown_store::ObjectStore;
use serde::ser::{Error as _, SerializeStruct};
use serde::{Deserialize, Serialize, Serializer};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

/// What a stream without an ingest manifest knows of the repository.
static EMPTY_ABOUT: About = About {
    purpose: None,
    packages: Vec::new(),
};

/// What the first pass reads of a context.
#[derive(Debug, Clone, Deserialize)]
pub struct Outline {
    pub id: SymbolId,
    pub kind: SymbolKind,
    pub centrality: f64,
}

/// What the first pass reads of a context when the history needs each
/// file's most central symbol.
#[derive(Debug, Clone, Deserialize)]
pub struct FileOutline {
    pub id: SymbolId,
    pub kind: SymbolKind,
    pub centrality: f64,
    pub path: String,
}

/// Gathers the first pass.
#[derive(Debug, Default)]
pub struct IndexBuilder {
    centrality: Vec<f64>,
    last: Option<SymbolId>,
    out_of_order: bool,
    abstract_kinds: HashMap<SymbolId, SymbolKind>,
    /// Each file's most central symbol so far: its centrality and place.
    leads: HashMap<String, (f64, u32)>,
    ids: IdsDigest,
}

/// A digest of symbol ids in order: the second pass checks that it reads
/// the symbols the first pass read (the contexts' own ids against the
/// outline's).
#[derive(Debug, Clone, Default)]
pub struct IdsDigest(std::hash::DefaultHasher);

impl IdsDigest {
    pub fn add(&mut self, id: &SymbolId) {
        use std::hash::Hash;
        id.hash(&mut self.0);
    }

    pub fn value(&self) -> u64 {
        std::hash::Hasher::finish(&self.0)
    }
}

impl IndexBuilder {
    /// A symbol and its file ([`crate::history::attach`]'s lead: the
    /// file's most central symbol, ties to the smaller id).
    pub fn push_in_file(&mut self, outline: FileOutline) {
        let i = self.centrality.len() as u32;
        let centrality = centrality_of(outline.centrality);
        // Ids increase: a later symbol leads only when more central.
        match self.leads.get_mut(outline.path.as_str()) {
            Some(lead) if centrality > lead.0 => *lead = (centrality, i),
            Some(_) => {}
            None => {
                self.leads.insert(outline.path, (centrality, i));
            }
        }
        self.push(Outline {
            id: outline.id,
            kind: outline.kind,
            centrality: outline.centrality,
        });
    }

    pub fn push(&mut self, outline: Outline) {
        if self.last.as_ref().is_some_and(|last| *last >= outline.id) {
            self.out_of_order = true;
        }
        self.centrality.push(centrality_of(outline.centrality));
        self.ids.add(&outline.id);
        if matches!(outline.kind, SymbolKind::Trait | SymbolKind::Interface) {
            self.abstract_kinds.insert(outline.id.clone(), outline.kind);
        }
        self.last = Some(outline.id);
    }

    /// The index, or `None` when the ids were not strictly increasing.
    pub fn finish(self) -> Option<SymbolIndex> {
        if self.out_of_order {
            return None;
        }
        let centrality = self.centrality;
        // FactsWriter's order: most central first, ties by id — by
        // position here, since positions follow the ids.
        let mut order: Vec<u32> = (0..centrality.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            centrality[b as usize]
                .total_cmp(&centrality[a as usize])
                .then(a.cmp(&b))
        });
        let mut position = vec![0u32; centrality.len()];
        for (place, &i) in order.iter().enumerate() {
            position[i as usize] = place as u32;
        }
        let mut leads: Vec<u32> = self.leads.into_values().map(|(_, i)| i).collect();
        leads.sort_unstable();
        Some(SymbolIndex {
            position,
            abstract_kinds: self.abstract_kinds,
            leads,
            ids: self.ids.value(),
        })
    }
}

/// The first pass over a contexts object (with
/// `files`, each file's most central symbol too): `None` when its ids are
/// not strictly increasing.
pub fn read_index(
    store: &dyn ObjectStore,
    key: &str,
    files: bool,
) -> Result<Option<SymbolIndex>, GenerateError> {
    let mut blocks = JsonlBlocks::open(store, key)?;
    let mut builder = IndexBuilder::default();
    if files {
        let keep = |_: usize, outline: FileOutline| outline;
        while let Some(block) = blocks.next_block(&keep)? {
            block.into_iter().for_each(|o| builder.push_in_file(o));
        }
    } else {
        let keep = |_: usize, outline: Outline| outline;
        while let Some(block) = blocks.next_block(&keep)? {
            block.into_iter().for_each(|o| builder.push(o));
        }
    }
    Ok(builder.finish())
}

/// What the second pass needs to know of every symbol.
#[derive(Debug, Clone, Default)]
pub struct SymbolIndex {
    /// Each symbol's place by centrality (0 = the most central).
    position: Vec<u32>,
    /// Traits and interfaces: a method whose parent is one is a required
    /// method; no other parent kind changes a summary.
    abstract_kinds: HashMap<SymbolId, SymbolKind>,
    /// Places of the files' most central symbols (with
    /// [`IndexBuilder::push_in_file`]), sorted.
    leads: Vec<u32>,
    /// The [`IdsDigest`] of the symbols, in order.
    ids: u64,
}

impl SymbolIndex {
    /// The kind of symbol `id` when it is a trait or an interface.
    pub fn abstract_kind(&self, id: &SymbolId) -> Option<SymbolKind> {
        self.abstract_kinds.get(id).copied()
    }

    /// Whether the `i`th symbol is its file's most central.
    pub fn is_lead(&self, i: usize) -> bool {
        u32::try_from(i).is_ok_and(|i| self.leads.binary_search(&i).is_ok())
    }

    pub fn len(&self) -> usize {
        self.position.len()
    }

    /// The [`IdsDigest`] of the symbols the first pass read, in order.
    pub fn ids_digest(&self) -> u64 {
        self.ids
    }

    pub fn is_empty(&self) -> bool {
        self.position.is_empty()
    }

    /// The share of symbols more central than the `i`th
    /// ([`crate::writer::FactsWriter::rank`]); 1.0 past the end.
    pub fn rank(&self, i: usize) -> f64 {
        let n = self.position.len().max(1) as f64;
        self.position.get(i).map_or(1.0, |&p| f64::from(p) / n)
    }
}

/// What the aggregates read of a symbol besides its id and role
/// ([`Aggregates::add`]), and what a memoised summary keeps of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Brief {
    pub qualified_name: String,
    pub kind: SymbolKind,
    pub language: Language,
    pub path: String,
    pub module: String,
    /// Its cluster's label.
    pub cluster: Option<String>,
    pub file_role: FileRole,
    pub centrality: f64,
    pub complexity: Option<u32>,
    /// The types it names as supertypes (what the key abstractions count).
    pub supertypes: Vec<String>,
}

impl Brief {
    fn of(s: &SymbolFacts) -> Self {
        Brief {
            qualified_name: s.qualified_name.clone(),
            kind: s.kind,
            language: s.language,
            path: s.path.clone(),
            module: s.module.clone(),
            cluster: s.cluster.clone(),
            file_role: s.role,
            centrality: s.centrality,
            complexity: s.complexity,
            supertypes: s.supertypes.clone(),
        }
    }

    fn display(&self) -> String {
        display_name(&self.qualified_name)
    }
}

/// A symbol with its role and summary.
#[derive(Debug, Clone)]
pub struct Documented {
    pub id: SymbolId,
    pub brief: Brief,
    pub role: Role,
    pub summary: String,
    /// Where the insights find its whole facts.
    whole: Whole,
}

/// A documented symbol's whole facts, or where to find them again.
#[derive(Debug, Clone)]
enum Whole {
    Facts(Box<SymbolFacts>),
    /// A summary recalled from the memo: the `at`th context line, read
    /// again ([`Recall`]) if the insights keep the symbol.
    Line {
        at: usize,
        line: String,
    },
    /// Recalled, in a run without insights.
    Unneeded,
}

/// The whole facts of the `at`th symbol from its context line, as
/// [`document`] makes them.
pub type Recall<'a> = dyn Fn(usize, &str) -> Result<SymbolFacts, GenerateError> + Sync + 'a;

impl Documented {
    /// A symbol whose summary and role the memo kept; `line` (its context
    /// line, the `at`th) only when the insights may want its facts.
    pub fn recalled(
        id: SymbolId,
        brief: Brief,
        role: Role,
        summary: String,
        at: usize,
        line: Option<String>,
    ) -> Self {
        Documented {
            id,
            brief,
            role,
            summary,
            whole: match line {
                Some(line) => Whole::Line { at, line },
                None => Whole::Unneeded,
            },
        }
    }

    /// The same without its whole facts, for a run without insights:
    /// they are freed here (on the thread that made them) rather than
    /// where the docs are written.
    pub fn without_facts(self) -> Self {
        Documented {
            whole: Whole::Unneeded,
            ..self
        }
    }

    /// Its whole facts, when they were made (not recalled).
    pub fn facts(&self) -> Option<&SymbolFacts> {
        match &self.whole {
            Whole::Facts(facts) => Some(facts),
            _ => None,
        }
    }
}

/// The `i`th context's facts (with how it changed, when there is a
/// history) and summary.
pub fn document(
    index: &SymbolIndex,
    changes: Option<&Changes<'_>>,
    i: usize,
    context: SymbolContext,
) -> Documented {
    let facts = whole_facts(index, changes, i, context);
    let role = role_at(&facts, index.rank(i));
    let summary = summary_with_role(&facts, role);
    Documented {
        id: facts.id.clone(),
        brief: Brief::of(&facts),
        role,
        summary,
        whole: Whole::Facts(Box::new(facts)),
    }
}

/// The `i`th context's facts: the context's, its parent's kind (when a
/// trait or interface) and how it changed.
pub fn whole_facts(
    index: &SymbolIndex,
    changes: Option<&Changes<'_>>,
    i: usize,
    context: SymbolContext,
) -> SymbolFacts {
    let parent_kind = context
        .parent
        .as_ref()
        .and_then(|p| index.abstract_kinds.get(&p.id).copied());
    let mut facts = SymbolFacts::from(context);
    facts.parent_kind = parent_kind;
    facts.history = changes.and_then(|c| c.of(&facts, index.is_lead(i)));
    facts
}

/// The `k` most central of the symbols offered (ties by id), each with
/// what the caller keeps of it.
#[derive(Debug, Clone)]
struct Top<T> {
    k: usize,
    items: Vec<(f64, SymbolId, T)>,
}

impl<T> Top<T> {
    fn new(k: usize) -> Self {
        Top {
            k,
            items: Vec::with_capacity(k + 1),
        }
    }

    fn offer(&mut self, centrality: f64, id: &SymbolId, keep: impl FnOnce() -> T) {
        let before = |item: &(f64, SymbolId, T)| {
            item.0
                .total_cmp(&centrality)
                .reverse()
                .then_with(|| item.1.cmp(id))
                .is_lt()
        };
        let at = self.items.partition_point(before);
        if at >= self.k {
            return;
        }
        self.items.insert(at, (centrality, id.clone(), keep()));
        self.items.truncate(self.k);
    }

    fn into_values(self) -> impl Iterator<Item = T> {
        self.items.into_iter().map(|(_, _, t)| t)
    }
}

/// What the module overviews and the architecture summary need of the
/// symbols, gathered as they pass
/// ([`crate::overview::architecture_facts`], `module_summaries`).
#[derive(Debug, Clone)]
pub struct Aggregates {
    symbols: u64,
    /// Module → cluster label → symbols.
    topics: HashMap<String, BTreeMap<String, usize>>,
    languages: LanguageCounts,
    /// Source symbols: `(display, qualified)` name; those of error types
    /// apart, named only when nothing else is
    /// ([`crate::overview::is_error_helper`]).
    central: Top<(String, String)>,
    error_central: Top<(String, String)>,
    /// Entry points: `(qualified name, path)`, outside build and helper
    /// scripts and in them.
    entries: Top<(String, String)>,
    tooling_entries: Top<(String, String)>,
    surface: Top<String>,
    abstractions: Abstractions,
    /// Modules with symbols of source files: what the layers are of.
    source_modules: std::collections::HashSet<String>,
    /// With a history: the symbols the insights read.
    insight: Option<InsightSymbols>,
}

/// The symbols [`crate::insights`] reads, of all: each hotspot file's
/// most central and most complex symbols, the two most central entry
/// points and the six most central symbols outside tests. The insights
/// written from them are those written from every symbol (tested).
#[derive(Debug, Clone)]
struct InsightSymbols {
    /// Hotspot file → its most central and its most complex symbol.
    hot: HashMap<String, (Option<Kept>, Option<Kept>)>,
    entries: Top<Kept>,
    central: Top<Kept>,
}

/// A symbol the insights may read: its whole facts, or where they are.
#[derive(Debug, Clone)]
struct Kept {
    id: SymbolId,
    centrality: f64,
    complexity: Option<u32>,
    whole: Whole,
}

impl Kept {
    fn of(d: &Documented) -> Self {
        Kept {
            id: d.id.clone(),
            centrality: d.brief.centrality,
            complexity: d.brief.complexity,
            whole: d.whole.clone(),
        }
    }

    fn facts(self, recall: Option<&Recall<'_>>) -> Result<SymbolFacts, GenerateError> {
        match (self.whole, recall) {
            (Whole::Facts(facts), _) => Ok(*facts),
            (Whole::Line { at, line }, Some(recall)) => recall(at, &line),
            _ => Err(GenerateError::Runtime(format!(
                "the facts of {} were not kept for the insights",
                self.id
            ))),
        }
    }
}

impl InsightSymbols {
    fn add(&mut self, d: &Documented) {
        let s = &d.brief;
        if let Some((central, complex)) = self.hot.get_mut(s.path.as_str()) {
            // Ids increase: ties stay with the earlier, smaller id.
            if central.as_ref().is_none_or(|c| s.centrality > c.centrality) {
                *central = Some(Kept::of(d));
            }
            if s.complexity.is_some()
                && complex.as_ref().is_none_or(|c| s.complexity > c.complexity)
            {
                *complex = Some(Kept::of(d));
            }
        }
        if d.role == Role::EntryPoint {
            self.entries.offer(s.centrality, &d.id, || Kept::of(d));
        }
        if d.role != Role::Test {
            self.central.offer(s.centrality, &d.id, || Kept::of(d));
        }
    }

    /// The symbols, sorted by id, each once (those recalled from the memo
    /// read again by `recall`).
    fn into_symbols(self, recall: Option<&Recall<'_>>) -> Result<Vec<SymbolFacts>, GenerateError> {
        let mut kept: Vec<Kept> = self
            .hot
            .into_values()
            .flat_map(|(a, b)| a.into_iter().chain(b))
            .chain(self.entries.into_values())
            .chain(self.central.into_values())
            .collect();
        kept.sort_by(|a, b| a.id.cmp(&b.id));
        kept.dedup_by(|a, b| a.id == b.id);
        kept.into_iter().map(|k| k.facts(recall)).collect()
    }
}

impl Default for Aggregates {
    fn default() -> Self {
        Aggregates {
            symbols: 0,
            topics: HashMap::new(),
            languages: LanguageCounts::default(),
            central: Top::new(5),
            error_central: Top::new(5),
            entries: Top::new(5),
            tooling_entries: Top::new(5),
            surface: Top::new(5),
            abstractions: Abstractions::default(),
            source_modules: std::collections::HashSet::new(),
            insight: None,
        }
    }
}

impl Aggregates {
    /// Aggregates that also keep what the insights of `history` read.
    pub fn with_history(history: &History) -> Self {
        let hot = history
            .hotspots
            .files
            .iter()
            .map(|h| (h.name.clone(), (None, None)))
            .collect();
        Aggregates {
            insight: Some(InsightSymbols {
                hot,
                entries: Top::new(2),
                central: Top::new(6),
            }),
            ..Aggregates::default()
        }
    }

    pub fn add(&mut self, d: &Documented) {
        if let Some(insight) = self.insight.as_mut() {
            insight.add(d);
        }
        self.count(&d.id, &d.brief, d.role);
    }

    /// Counts a symbol into the overviews' and the architecture's lists.
    fn count(&mut self, id: &SymbolId, s: &Brief, role: Role) {
        self.symbols += 1;
        if let Some(label) = s.cluster.as_deref() {
            let labels = match self.topics.get_mut(s.module.as_str()) {
                Some(labels) => labels,
                None => self.topics.entry(s.module.clone()).or_default(),
            };
            match labels.get_mut(label) {
                Some(n) => *n += 1,
                None => {
                    labels.insert(label.to_string(), 1);
                }
            }
        }
        self.languages.add(s.language, s.file_role.is_source());
        if !s.file_role.is_source() {
            return;
        }
        self.abstractions
            .add(s.kind, &s.qualified_name, &s.supertypes);
        if !self.source_modules.contains(&s.module) {
            self.source_modules.insert(s.module.clone());
        }
        let central = if is_error_helper(&s.qualified_name) {
            &mut self.error_central
        } else {
            &mut self.central
        };
        central.offer(s.centrality, id, || (s.display(), s.qualified_name.clone()));
        if s.kind == SymbolKind::Function && role == Role::EntryPoint {
            let list = if is_tooling(&s.path) {
                &mut self.tooling_entries
            } else {
                &mut self.entries
            };
            list.offer(s.centrality, id, || {
                (s.qualified_name.clone(), s.path.clone())
            });
        }
        if role == Role::Api {
            self.surface.offer(s.centrality, id, || s.display());
        }
    }

    pub fn symbols(&self) -> u64 {
        self.symbols
    }

    /// The architecture's facts from what was counted: the main parts
    /// (the largest clusters), entry points outside build and helper
    /// scripts unless only they start, the most central symbols apart
    /// from an error type's helpers unless only they are central, the
    /// public surface, the languages.
    fn into_architecture(
        self,
        modules: &[ModuleFacts],
        clusters: &[ClusterFacts],
        about: &About,
    ) -> ArchitectureFacts {
        let entries = if self.entries.items.is_empty() {
            self.tooling_entries
        } else {
            self.entries
        };
        let (entry_points, entry_paths) = entries.into_values().unzip();
        let central = if self.central.items.is_empty() {
            self.error_central
        } else {
            self.central
        };
        let (central, central_qualified) = central.into_values().unzip();
        let (languages, other_languages) = self.languages.ranked();
        ArchitectureFacts {
            main_parts: clusters
                .iter()
                .take(6)
                .map(|c| (c.label.clone(), c.size))
                .collect(),
            entry_points,
            entry_paths,
            programs: Vec::new(),
            packages: package_parts(modules, |m| self.source_modules.contains(m), about),
            key_abstractions: self.abstractions.ranked(3),
            layers: crate::layers::layers(modules, |m| self.source_modules.contains(m)),
            central,
            central_qualified,
            public_surface: self.surface.into_values().collect(),
            languages,
            other_languages,
            files: modules.iter().map(|m| m.files.len()).sum(),
        }
    }

    /// The module overviews (in the order of `modules`), the
    /// architecture summary and, with a history, the input the insights
    /// are written from (the facts of symbols recalled from the memo read
    /// again by `recall`).
    pub fn finish(
        mut self,
        repository: &str,
        modules: &[ModuleFacts],
        clusters: &[ClusterFacts],
        programs: &[Program],
        about: &About,
        recall: Option<&Recall<'_>>,
    ) -> Result<Finished, GenerateError> {
        let insight_input = match self.insight.take() {
            Some(insight) => Some(GenerateInput {
                repository: repository.to_string(),
                symbols: insight.into_symbols(recall)?,
                modules: modules.to_vec(),
                clusters: clusters.to_vec(),
                programs: programs.to_vec(),
                about: about.clone(),
            }),
            None => None,
        };
        let overviews = modules
            .iter()
            .map(|m| {
                let counts = self.topics.remove(m.path.as_str()).unwrap_or_default();
                let counts = counts.iter().map(|(l, n)| (l.as_str(), *n)).collect();
                ModuleOverview {
                    id: m.id.clone(),
                    path: m.path.clone(),
                    documentation: facts_doc(summary_with_topics(m, top_topics(counts))),
                    dependencies: m.dependencies.clone(),
                    dependents: m.dependents.clone(),
                }
            })
            .collect();
        let symbols = self.symbols as usize;
        let mut facts = self.into_architecture(modules, clusters, about);
        facts.programs = named_programs(programs);
        let text = architecture_text(repository, symbols, modules.len(), &facts);
        let architecture = ArchitectureSummary {
            documentation: facts_doc(text),
            main_parts: facts.main_parts.into_iter().map(|(l, _)| l).collect(),
            entry_points: facts.entry_points,
            central_symbols: facts.central_qualified,
        };
        Ok(Finished {
            modules: overviews,
            architecture,
            insight_input,
        })
    }
}

/// The architecture's facts of a repository whose facts are all in memory
/// (what a model is asked with, and the estimate): counted as the stream
/// counts them, so both say the same.
pub fn architecture_facts(writer: &FactsWriter, input: &GenerateInput) -> ArchitectureFacts {
    let mut gathered = Aggregates::default();
    for s in &input.symbols {
        gathered.count(&s.id, &Brief::of(s), writer.role(s));
    }
    let mut facts = gathered.into_architecture(&input.modules, &input.clusters, &input.about);
    facts.programs = named_programs(&input.programs);
    facts
}

/// What follows the symbols in `docs.json`.
#[derive(Debug, Clone)]
pub struct Finished {
    pub modules: Vec<ModuleOverview>,
    pub architecture: ArchitectureSummary,
    /// With a history: what [`crate::insights::insights`] reads.
    pub insight_input: Option<GenerateInput>,
}

fn facts_doc(summary: String) -> Documentation {
    Documentation {
        summary,
        source: DocSource::Facts,
        model: None,
        error: None,
    }
}

/// The next block of documented symbols, `None` at the end.
pub type NextBlock<'a> = dyn FnMut() -> Result<Option<Vec<Documented>>, GenerateError> + 'a;

/// The insights written from an input ([`Finished::insight_input`]).
pub type WriteInsights<'a> = dyn Fn(&GenerateInput) -> Result<Vec<Insight>, GenerateError> + 'a;

/// `docs.json` as a value to serialise: the symbols pulled from `next`
/// while they are written, then the module overviews and the architecture
/// summary (and the insights) from what they left in the [`Aggregates`].
/// The bytes are those of [`crate::artifacts::generate::GeneratedDocs`].
pub struct DocsStream<'a> {
    repository: &'a str,
    modules: &'a [ModuleFacts],
    clusters: &'a [ClusterFacts],
    /// Symbols the first pass counted: the second must find as many.
    expected: u64,
    insights: Option<&'a WriteInsights<'a>>,
    recall: Option<&'a Recall<'a>>,
    /// What a model settled, laid over the facts.
    answers: Option<&'a Answers>,
    /// The programs the repository's manifests declare.
    programs: &'a [Program],
    about: &'a About,
    state: RefCell<StreamState<'a>>,
}

struct StreamState<'a> {
    next: &'a mut NextBlock<'a>,
    progress: &'a mut (dyn FnMut(SymbolDocumented) + 'a),
    aggregates: Option<Aggregates>,
    error: Option<GenerateError>,
    symbols: u64,
}

impl<'a> DocsStream<'a> {
    pub fn new(
        repository: &'a str,
        modules: &'a [ModuleFacts],
        clusters: &'a [ClusterFacts],
        expected: u64,
        next: &'a mut NextBlock<'a>,
        progress: &'a mut (dyn FnMut(SymbolDocumented) + 'a),
    ) -> Self {
        DocsStream {
            repository,
            modules,
            clusters,
            expected,
            insights: None,
            recall: None,
            answers: None,
            programs: &[],
            about: &EMPTY_ABOUT,
            state: RefCell::new(StreamState {
                next,
                progress,
                aggregates: Some(Aggregates::default()),
                error: None,
                symbols: 0,
            }),
        }
    }

    /// With a history: aggregates made by [`Aggregates::with_history`],
    /// and the insights written by `insights` after the architecture.
    pub fn with_insights(self, aggregates: Aggregates, insights: &'a WriteInsights<'a>) -> Self {
        self.state.borrow_mut().aggregates = Some(aggregates);
        DocsStream {
            insights: Some(insights),
            ..self
        }
    }

    /// With the programs the repository's manifests declare: the
    /// architecture says what it runs as.
    pub fn with_programs(self, programs: &'a [Program], about: &'a About) -> Self {
        DocsStream {
            programs,
            about,
            ..self
        }
    }

    /// With summaries recalled from the memo: how the insights read such
    /// a symbol's facts again.
    pub fn with_recall(self, recall: &'a Recall<'a>) -> Self {
        DocsStream {
            recall: Some(recall),
            ..self
        }
    }

    /// With what a model settled: its summaries (and failures) laid over
    /// the facts of the symbols, modules and architecture it answered.
    pub fn with_answers(self, answers: &'a Answers) -> Self {
        DocsStream {
            answers: Some(answers),
            ..self
        }
    }

    /// After serialising: the symbols written, or why the stream stopped
    /// (then what was serialised is not `docs.json`).
    pub fn finish(self) -> Result<u64, GenerateError> {
        let state = self.state.into_inner();
        match state.error {
            Some(e) => Err(e),
            None => Ok(state.symbols),
        }
    }

    /// Takes one symbol: counted, aggregated, reported, and its doc.
    fn take(&self, d: Documented) -> SymbolDoc {
        let mut state = self.state.borrow_mut();
        if let Some(aggregates) = state.aggregates.as_mut() {
            aggregates.add(&d);
        }
        state.symbols += 1;
        let mut documentation = facts_doc(d.summary);
        if let Some(settled) = self.answers.and_then(|a| a.symbols.get(&d.id)) {
            settled.apply(&mut documentation);
        }
        (state.progress)(SymbolDocumented {
            symbol_id: d.id.clone(),
            source: documentation.source,
            model: documentation.model.clone(),
            error: documentation.error.clone(),
        });
        SymbolDoc {
            id: d.id,
            qualified_name: d.brief.qualified_name,
            documentation,
        }
    }

    /// The next block, or `None` at the end or on an error (kept).
    fn next_block(&self) -> Option<Vec<Documented>> {
        let mut state = self.state.borrow_mut();
        if state.error.is_some() {
            return None;
        }
        match (state.next)() {
            Ok(Some(block)) => Some(block),
            Ok(None) if state.symbols == self.expected => None,
            Ok(None) => {
                state.error = Some(GenerateError::BadInput {
                    key: "contexts".into(),
                    message: format!(
                        "{} symbols read, then {}: the contexts changed while they were read",
                        self.expected, state.symbols
                    ),
                });
                None
            }
            Err(e) => {
                state.error = Some(e);
                None
            }
        }
    }
}

impl Serialize for DocsStream<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("GeneratedDocs", 3)?;
        out.serialize_field("symbols", &Symbols(self))?;
        let aggregates = {
            let mut state = self.state.borrow_mut();
            if state.error.is_some() {
                return Err(S::Error::custom("the symbols could not be read"));
            }
            state.aggregates.take().unwrap_or_default()
        };
        let mut finished = match aggregates.finish(
            self.repository,
            self.modules,
            self.clusters,
            self.programs,
            self.about,
            self.recall,
        ) {
            Ok(finished) => finished,
            Err(e) => {
                self.state.borrow_mut().error = Some(e);
                return Err(S::Error::custom("the insights' symbols could not be read"));
            }
        };
        if let Some(answers) = self.answers {
            answers.lay_over(&mut finished.modules, &mut finished.architecture);
        }
        out.serialize_field("modules", &finished.modules)?;
        out.serialize_field("architecture", &finished.architecture)?;
        if let (Some(input), Some(write)) = (&finished.insight_input, self.insights) {
            let insights = match write(input) {
                Ok(insights) => insights,
                Err(e) => {
                    self.state.borrow_mut().error = Some(e);
                    return Err(S::Error::custom("the insights could not be written"));
                }
            };
            if !insights.is_empty() {
                out.serialize_field("insights", &insights)?;
            }
        }
        out.end()
    }
}

/// The `symbols` list of a [`DocsStream`].
struct Symbols<'s, 'a>(&'s DocsStream<'a>);

impl Serialize for Symbols<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(SymbolIter {
            stream: self.0,
            block: Vec::new().into_iter(),
        })
    }
}

struct SymbolIter<'s, 'a> {
    stream: &'s DocsStream<'a>,
    block: std::vec::IntoIter<Documented>,
}

impl Iterator for SymbolIter<'_, '_> {
    type Item = SymbolDoc;

    fn next(&mut self) -> Option<SymbolDoc> {
        loop {
            if let Some(d) = self.block.next() {
                return Some(self.stream.take(d));
            }
            self.block = self.stream.next_block()?.into_iter();
        }
    }
}

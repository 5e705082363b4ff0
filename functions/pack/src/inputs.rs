//! Reading what the earlier stages stored.

use crate::graph::GraphFacts;
use doctown_core::artifacts::assemble::{
    AssembleManifest, ClusterSet, ModuleContext, SymbolContext,
};
use doctown_core::artifacts::generate::{
    ArchitectureSummary, DocSource, Documentation, GenerateManifest, Insight, ModuleOverview,
};
use doctown_core::{
    ChunkKind, FileRecord, IngestManifest, JobState, Span, Stage, StageStatus, Symbol, SymbolKind,
};
use doctown_docpack::History;
use doctown_pipeline::StageFailure;
use doctown_store::{
    get_json, get_json_bounded, get_jsonl, stream_jsonl, JsonlBlocks, ObjectStore, JSON_IN_MEMORY,
};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::hash::BuildHasher;

/// What the docpack needs of a symbol's context when it does not carry
/// the contexts themselves; parsed straight from a context's line, the
/// rest skipped.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ContextFacts {
    pub id: String,
    /// The module (directory) the symbol's file is in.
    pub module: String,
    pub loc: u32,
    #[serde(default)]
    pub complexity: Option<u32>,
}

impl From<&SymbolContext> for ContextFacts {
    fn from(c: &SymbolContext) -> Self {
        ContextFacts {
            id: c.id.to_string(),
            module: c.module.clone(),
            loc: c.loc,
            complexity: c.complexity,
        }
    }
}

/// What the docpack uses of a chunk (`source_map.json`), read from ingest's
/// chunk index (or, for a manifest without one, the shards: the rest of
/// each line — text, names, signature, doc — is skipped as it is parsed).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChunkFacts {
    pub id: String,
    pub kind: ChunkKind,
    pub path: String,
    pub span: Span,
    #[serde(default)]
    pub symbol_id: Option<String>,
    #[serde(default)]
    pub part: Option<(u32, u32)>,
}

/// A symbol's documentation as `docs.json` states it.
#[derive(Deserialize)]
struct SymbolDocLine {
    id: String,
    documentation: Documentation,
}

/// Every symbol's documentation, by id: the summaries in one text, the
/// entries in the order given, found through a hash table of their
/// numbers (a binary search over the ids cost the large benchmark's pack
/// 0.2 s of cache misses). About 40 bytes a symbol besides its text.
#[derive(Debug, Default, PartialEq)]
pub struct SymbolDocs {
    text: String,
    models: Vec<String>,
    entries: Vec<SymbolDocEntry>,
    /// Open addressing by the id's hash: an entry's number plus one in
    /// each used slot, 0 in a free one; a power of two, at least twice
    /// the entries.
    slots: Vec<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct SymbolDocEntry {
    id: (u32, u32),
    summary: (u32, u32),
    source: DocSource,
    /// Index into `models`, or none.
    model: Option<u32>,
}

/// One symbol's documentation, borrowed from [`SymbolDocs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SymbolDocRef<'a> {
    pub summary: &'a str,
    pub source: DocSource,
    pub model: Option<&'a str>,
}

impl SymbolDocs {
    fn add(&mut self, line: SymbolDocLine) -> Result<(), String> {
        let id = self.text_of(&line.id)?;
        let summary = self.text_of(&line.documentation.summary)?;
        let model = line.documentation.model.map(|m| {
            match self.models.iter().position(|known| *known == m) {
                Some(i) => i as u32,
                None => {
                    self.models.push(m);
                    (self.models.len() - 1) as u32
                }
            }
        });
        self.entries.push(SymbolDocEntry {
            id,
            summary,
            source: line.documentation.source,
            model,
        });
        Ok(())
    }

    fn text_of(&mut self, s: &str) -> Result<(u32, u32), String> {
        let start = u32::try_from(self.text.len() + s.len())
            .map(|_| self.text.len() as u32)
            .map_err(|_| "over 4 GiB of symbol documentation".to_string())?;
        self.text.push_str(s);
        Ok((start, s.len() as u32))
    }

    fn str(&self, (start, len): (u32, u32)) -> &str {
        &self.text[start as usize..(start + len) as usize]
    }

    /// Fills [`SymbolDocs::slots`]; of two entries with one id, the
    /// later is kept.
    fn index(&mut self) -> Result<(), String> {
        u32::try_from(self.entries.len())
            .ok()
            .filter(|n| *n < u32::MAX)
            .ok_or("over 4 billion documented symbols")?;
        let mut slots = vec![0u32; (self.entries.len() * 2).next_power_of_two()];
        for (n, entry) in self.entries.iter().enumerate() {
            let slot = self.probe(&slots, self.str(entry.id));
            slots[slot] = n as u32 + 1;
        }
        self.slots = slots;
        Ok(())
    }

    /// The slot of `id` in `slots`: the one that holds it, or the free
    /// one where it would go.
    fn probe(&self, slots: &[u32], id: &str) -> usize {
        let mask = slots.len() - 1;
        let mut slot = rustc_hash::FxBuildHasher.hash_one(id) as usize & mask;
        loop {
            match slots[slot] {
                0 => return slot,
                n if self.str(self.entries[n as usize - 1].id) == id => return slot,
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The documentation of symbol `id` (the last given, if it is listed
    /// twice).
    pub fn get(&self, id: &str) -> Option<SymbolDocRef<'_>> {
        if self.slots.is_empty() {
            return None;
        }
        let n = self.slots[self.probe(&self.slots, id)].checked_sub(1)?;
        let e = &self.entries[n as usize];
        Some(SymbolDocRef {
            summary: self.str(e.summary),
            source: e.source,
            model: e.model.map(|m| self.models[m as usize].as_str()),
        })
    }
}

impl<'de> Deserialize<'de> for SymbolDocs {
    /// Each element parsed and added in turn: the list is never whole.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = SymbolDocs;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of symbol documentation")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<SymbolDocs, A::Error> {
                let mut docs = SymbolDocs::default();
                while let Some(line) = seq.next_element::<SymbolDocLine>()? {
                    docs.add(line).map_err(serde::de::Error::custom)?;
                }
                docs.index().map_err(serde::de::Error::custom)?;
                Ok(docs)
            }
        }
        d.deserialize_seq(Visitor)
    }
}

/// What the docpack uses of `docs.json`.
#[derive(Debug, PartialEq, Deserialize)]
pub struct DocsFacts {
    pub symbols: SymbolDocs,
    pub modules: Vec<ModuleOverview>,
    pub architecture: ArchitectureSummary,
    #[serde(default)]
    pub insights: Vec<Insight>,
}

/// Everything the docpack is made from.
pub struct PackInputs {
    pub files: Vec<FileRecord>,
    /// Where the symbols are (`symbols.jsonl`); [`StoredSymbols`] reads
    /// them a block at a time while the docpack is made.
    pub symbols_key: String,
    /// Where the chunks are (the index, or the shards); [`StoredLines::chunks`] reads
    /// them a block at a time while `source_map.json` is made.
    pub chunk_keys: Vec<String>,
    pub graph: GraphFacts,
    pub clusters: ClusterSet,
    /// Every symbol's context facts.
    pub context_facts: Vec<ContextFacts>,
    /// The whole contexts, read only when the docpack includes them
    /// (`symbol_contexts.json`); empty otherwise.
    pub contexts: Vec<SymbolContext>,
    pub modules: Vec<ModuleContext>,
    pub docs: Option<DocsFacts>,
    pub summary_model: Option<String>,
    pub vectors: Option<doctown_core::vectors::VectorsReader>,
    pub embedding_model: Option<String>,
    /// The git history ingest read, or why there is none.
    pub history: Result<History, String>,
    /// What the repository says about itself (ingest's [`About`]).
    pub about: doctown_core::artifacts::About,
}

fn required<T: DeserializeOwned>(store: &dyn ObjectStore, key: &str) -> Result<T, StageFailure> {
    get_json(store, key)?.ok_or_else(|| StageFailure::invalid(format!("missing artifact {key}")))
}

/// A JSON artifact that may be too large to hold (a kernel's graph):
/// parsed as it is read when it is.
fn streamed_json<T: DeserializeOwned>(
    store: &dyn ObjectStore,
    key: &str,
) -> Result<T, StageFailure> {
    get_json_bounded(store, key, JSON_IN_MEMORY)?
        .ok_or_else(|| StageFailure::invalid(format!("missing artifact {key}")))
}

fn lines<T: DeserializeOwned>(store: &dyn ObjectStore, key: &str) -> Result<Vec<T>, StageFailure> {
    get_jsonl(store, key)?.ok_or_else(|| StageFailure::invalid(format!("missing artifact {key}")))
}

fn stage_artifact(state: &JobState, stage: Stage, name: &str) -> Result<String, StageFailure> {
    let st = state.stage(stage);
    if !st.status.is_done() {
        return Err(StageFailure::invalid(format!(
            "the {stage} stage has not finished (status {:?})",
            st.status
        )));
    }
    st.artifacts.get(name).cloned().ok_or_else(|| {
        StageFailure::invalid(format!("the {stage} stage recorded no {name} artifact"))
    })
}

/// Reads every input of the pack stage; the large artifacts are streamed
/// and parsed in parallel, keeping only what the docpack uses. The whole
/// contexts are read only when `with_contexts` says the docpack includes
/// them (given the model that wrote the summaries, `None` for facts).
pub fn read_inputs(
    store: &dyn ObjectStore,
    state: &JobState,
    with_contexts: impl FnOnce(Option<&str>) -> bool,
) -> Result<PackInputs, StageFailure> {
    let ingest: IngestManifest =
        required(store, &stage_artifact(state, Stage::Ingest, "manifest")?)?;
    let assemble: AssembleManifest =
        required(store, &stage_artifact(state, Stage::Assemble, "manifest")?)?;
    let generated = generate_manifest(store, state)?;
    let summary_model = generated.as_ref().and_then(|m| m.model.clone());
    let with_contexts = with_contexts(summary_model.as_deref());
    // `graph.json` and `docs.json` are each read whole where they fit
    // (at most `JSON_IN_MEMORY` of text apiece, so 128 MiB at once): the
    // graph, the longest parse, on one side, and everything else (the
    // outline in parallel, then the docs) on the other.
    let ((contexts, rest, docs), graph) = rayon::join(
        || {
            let contexts = read_contexts(store, &assemble, with_contexts);
            let rest = || -> Result<_, StageFailure> {
                Ok((
                    lines(store, &ingest.files)?,
                    required(store, &assemble.clusters)?,
                    required(store, &assemble.modules)?,
                    read_vectors(store, state)?,
                ))
            };
            let rest = rest();
            let docs = generated
                .as_ref()
                .map(|m| streamed_json::<DocsFacts>(store, &m.docs))
                .transpose();
            (contexts, rest, docs)
        },
        || streamed_json(store, &assemble.graph),
    );
    let (files, clusters, modules, (vectors, embedding_model)) = rest?;
    let docs = docs?;
    let (context_facts, contexts) = contexts?;
    let history = read_history(store, &ingest)?;
    Ok(PackInputs {
        about: ingest.about.clone(),
        files,
        symbols_key: ingest.symbols.clone(),
        chunk_keys: ingest.chunk_index.clone(),
        graph: graph?,
        clusters,
        context_facts,
        contexts,
        modules,
        docs,
        summary_model,
        vectors,
        embedding_model,
        history,
    })
}

/// The history ingest stored, or why there is none (an ingest from before
/// histories says so).
fn read_history(
    store: &dyn ObjectStore,
    ingest: &IngestManifest,
) -> Result<Result<History, String>, StageFailure> {
    match (&ingest.history, &ingest.history_absent) {
        (Some(key), _) => Ok(Ok(required(store, key)?)),
        (None, Some(reason)) => Ok(Err(reason.clone())),
        (None, None) => Ok(Err("ingest read no history".to_string())),
    }
}

/// A JSON Lines artifact, streamed, each item as `keep` makes it.
fn streamed<T: DeserializeOwned, U: Send>(
    store: &dyn ObjectStore,
    key: &str,
    keep: impl Fn(T) -> U + Sync,
) -> Result<Vec<U>, StageFailure> {
    stream_jsonl(store, key, keep)?
        .ok_or_else(|| StageFailure::invalid(format!("missing artifact {key}")))
}

/// A symbol as pack reads it: every field of [`Symbol`] but its call
/// sites and field types, which the parser skips without building them
/// (the call sites are 43 % of `symbols.jsonl` on the large benchmark
/// repository, and the docpack keeps neither).
#[derive(Deserialize)]
struct SymbolWithoutCalls {
    id: doctown_core::SymbolId,
    name: String,
    kind: SymbolKind,
    qualified_name: String,
    language: doctown_core::Language,
    path: String,
    span: Span,
    signature: String,
    visibility: doctown_core::Visibility,
    #[serde(default)]
    doc: Option<String>,
    #[serde(default)]
    attributes: Vec<String>,
    #[serde(default)]
    parent: Option<doctown_core::SymbolId>,
    #[serde(default)]
    bases: Vec<String>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    words: String,
}

impl From<SymbolWithoutCalls> for Symbol {
    fn from(s: SymbolWithoutCalls) -> Symbol {
        Symbol {
            id: s.id,
            name: s.name,
            kind: s.kind,
            qualified_name: s.qualified_name,
            language: s.language,
            path: s.path,
            span: s.span,
            signature: s.signature,
            visibility: s.visibility,
            doc: s.doc,
            attributes: s.attributes,
            parent: s.parent,
            bases: s.bases,
            target: s.target,
            calls: Vec::new(),
            field_types: Default::default(),
            words: s.words,
        }
    }
}

/// Items handed to the mapping a block at a time (the stage reads the
/// symbols and the chunks from the store as it goes).
pub trait Blocks<T> {
    fn each_block(
        &mut self,
        f: &mut dyn FnMut(Vec<T>) -> Result<(), StageFailure>,
    ) -> Result<(), StageFailure>;
}

/// Items already in memory: one block.
impl<T> Blocks<T> for Vec<T> {
    fn each_block(
        &mut self,
        f: &mut dyn FnMut(Vec<T>) -> Result<(), StageFailure>,
    ) -> Result<(), StageFailure> {
        f(std::mem::take(self))
    }
}

/// JSON Lines artifacts (`symbols.jsonl`, the chunk shards) read a block
/// of lines at a time, each block parsed on every core by `parse`.
pub struct StoredLines<'s, T> {
    pub store: &'s dyn ObjectStore,
    pub keys: Vec<String>,
    pub parse: fn(&str) -> serde_json::Result<T>,
}

impl<'s> StoredLines<'s, Symbol> {
    /// The symbols, without their call sites and field types.
    pub fn symbols(store: &'s dyn ObjectStore, key: &str) -> Self {
        StoredLines {
            store,
            keys: vec![key.to_string()],
            parse: |line| serde_json::from_str::<SymbolWithoutCalls>(line).map(Symbol::from),
        }
    }
}

impl<'s> StoredLines<'s, ChunkFacts> {
    /// The chunks of every shard, in order.
    pub fn chunks(store: &'s dyn ObjectStore, keys: &[String]) -> Self {
        StoredLines {
            store,
            keys: keys.to_vec(),
            parse: |line| serde_json::from_str(line),
        }
    }
}

impl<T: Send> Blocks<T> for StoredLines<'_, T> {
    fn each_block(
        &mut self,
        f: &mut dyn FnMut(Vec<T>) -> Result<(), StageFailure>,
    ) -> Result<(), StageFailure> {
        for key in &self.keys {
            read_blocks(self.store, key, self.parse, f)?;
        }
        Ok(())
    }
}

/// Reads `key` a block of lines at a time ([`JsonlBlocks`]), each block
/// parsed on every core and handed to `f`; the next block is read and
/// parsed on a thread of its own while `f` works on the last
/// ([`doctown_pipeline::process::made_ahead`]).
fn read_blocks<T: Send>(
    store: &dyn ObjectStore,
    key: &str,
    parse: fn(&str) -> serde_json::Result<T>,
    f: &mut dyn FnMut(Vec<T>) -> Result<(), StageFailure>,
) -> Result<(), StageFailure> {
    let mut blocks = JsonlBlocks::open(store, key)?
        .ok_or_else(|| StageFailure::invalid(format!("missing artifact {key}")))?;
    std::thread::scope(|scope| {
        let ahead = doctown_pipeline::process::made_ahead(scope, move || {
            blocks.next_block_by(&|_, line| parse(line))
        });
        for block in ahead {
            match block? {
                Some(items) => f(items)?,
                None => break,
            }
        }
        Ok(())
    })
}

/// Every context's facts, and the whole contexts when they are wanted.
/// The facts alone are read from the contexts' outline where assemble
/// wrote one (a tenth of their bytes).
fn read_contexts(
    store: &dyn ObjectStore,
    assemble: &AssembleManifest,
    whole: bool,
) -> Result<(Vec<ContextFacts>, Vec<SymbolContext>), StageFailure> {
    if whole {
        let contexts: Vec<SymbolContext> = streamed(store, &assemble.contexts, |c| c)?;
        Ok((contexts.iter().map(ContextFacts::from).collect(), contexts))
    } else {
        let facts = streamed(store, &assemble.outline, |c: ContextFacts| c)?;
        Ok((facts, Vec::new()))
    }
}

/// The generate stage's manifest (where the docs are, which model wrote
/// them), when generate ran.
fn generate_manifest(
    store: &dyn ObjectStore,
    state: &JobState,
) -> Result<Option<GenerateManifest>, StageFailure> {
    match state.stage(Stage::Generate).status {
        StageStatus::Succeeded | StageStatus::Partial => Ok(Some(required(
            store,
            &stage_artifact(state, Stage::Generate, "manifest")?,
        )?)),
        _ => Ok(None),
    }
}

type Vectors = (Option<doctown_core::vectors::VectorsReader>, Option<String>);

fn read_vectors(store: &dyn ObjectStore, state: &JobState) -> Result<Vectors, StageFailure> {
    let embed = state.stage(Stage::Embed);
    let Some(key) = embed
        .artifacts
        .get("vectors")
        .filter(|_| embed.status.is_done())
    else {
        return Ok((None, None));
    };
    let bytes = store
        .get_bytes(key)?
        .ok_or_else(|| StageFailure::invalid(format!("missing artifact {key}")))?;
    let reader = doctown_core::vectors::VectorsReader::open(&bytes)
        .map_err(|e| StageFailure::invalid(format!("vectors artifact {key}: {e}")))?;
    let model = embed
        .summary
        .get("model_id")
        .and_then(|m| m.as_str())
        .map(str::to_string);
    Ok((Some(reader), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use doctown_store::{MemoryStore, BLOCK_LINES};

    fn symbol_line(i: usize) -> String {
        format!(
            r#"{{"id":"sym_{i:016x}","name":"f{i}","kind":"function","qualified_name":"f{i}","language":"c","path":"a/b.c","span":{{"bytes":{{"start":0,"end":9}},"start":{{"line":1,"column":0}},"end":{{"line":2,"column":1}}}},"signature":"int f{i}(void)","visibility":"public","calls":[{{"callee":"g","name":"g","kind":"function","line":1}}]}}"#
        )
    }

    fn blocks(store: &MemoryStore) -> Result<Vec<Vec<Symbol>>, StageFailure> {
        let mut symbols = StoredLines::symbols(store, "symbols.jsonl");
        let mut blocks = Vec::new();
        symbols.each_block(&mut |block| {
            blocks.push(block);
            Ok(())
        })?;
        Ok(blocks)
    }

    #[test]
    fn stored_symbols_come_in_blocks_in_order_without_their_calls() {
        let store = MemoryStore::new();
        let count = BLOCK_LINES * 2 + 5;
        let text: String = (0..count).map(|i| symbol_line(i) + "\n\n").collect();
        store.put("symbols.jsonl", text.as_bytes()).unwrap();
        let blocks = blocks(&store).unwrap();
        let sizes: Vec<usize> = blocks.iter().map(Vec::len).collect();
        assert_eq!(sizes, [BLOCK_LINES, BLOCK_LINES, 5]);
        let symbols: Vec<Symbol> = blocks.into_iter().flatten().collect();
        for (i, s) in symbols.iter().enumerate() {
            assert_eq!(s.id.as_str(), format!("sym_{i:016x}"));
            assert!(s.calls.is_empty());
        }
    }

    /// Every field of a symbol comes through the parse that skips its
    /// call sites and field types.
    #[test]
    fn a_symbol_read_without_its_calls_is_the_symbol_without_them() {
        let line = r#"{"id":"sym_00000000000000aa","name":"run","kind":"method","qualified_name":"m.T.run","language":"python","path":"m/t.py","span":{"bytes":{"start":4,"end":90},"start":{"line":2,"column":4},"end":{"line":9,"column":1}},"signature":"def run(self, x: \"é\")","visibility":"private","doc":"Runs.\nTwice.","attributes":["staticmethod"],"parent":"sym_00000000000000bb","bases":["Base","Mixin"],"target":"other","calls":[{"callee":"g","name":"g","kind":"function","line":3}],"field_types":{"x":"int"},"words":"run t"}"#;
        let mut full: Symbol = serde_json::from_str(line).unwrap();
        assert!(!full.calls.is_empty() && !full.field_types.is_empty());
        let written = serde_json::to_value(&full).unwrap();
        let fields = written.as_object().unwrap().len();
        full.calls.clear();
        full.field_types.clear();
        let store = MemoryStore::new();
        store.put("symbols.jsonl", line.as_bytes()).unwrap();
        let read = blocks(&store).unwrap().concat();
        assert_eq!(read, vec![full]);
        // The line sets every field a symbol has.
        assert_eq!(fields, 17, "{written}");
    }

    #[test]
    fn a_bad_symbol_line_is_named_and_a_missing_artifact_said() {
        let store = MemoryStore::new();
        let text = format!("{}\n{{\"id\": 3}}\n", symbol_line(0));
        store.put("symbols.jsonl", text.as_bytes()).unwrap();
        let err = blocks(&store).unwrap_err().message;
        assert!(err.contains("symbols.jsonl is corrupt: line 2"), "{err}");
        let err = blocks(&MemoryStore::new()).unwrap_err().message;
        assert_eq!(err, "missing artifact symbols.jsonl");
    }

    #[test]
    fn symbol_docs_are_found_by_id_in_any_order_the_last_given_winning() {
        let doc = |id: &str, summary: &str, model: Option<&str>| {
            serde_json::json!({
                "id": id,
                "qualified_name": "q",
                "documentation": {"summary": summary, "source": "model", "model": model},
            })
        };
        let list = serde_json::json!([
            doc("sym_b", "bee", Some("m1")),
            doc("sym_a", "first a", None),
            doc("sym_c", "sea é", Some("m2")),
            doc("sym_a", "last a", Some("m1")),
        ]);
        let docs: SymbolDocs = serde_json::from_value(list).unwrap();
        assert_eq!(docs.len(), 4);
        let a = docs.get("sym_a").unwrap();
        assert_eq!((a.summary, a.model), ("last a", Some("m1")));
        assert_eq!(docs.get("sym_c").unwrap().summary, "sea é");
        assert_eq!(docs.get("sym_b").unwrap().model, Some("m1"));
        assert_eq!(docs.get("sym_c").unwrap().model, Some("m2"));
        assert_eq!(docs.get("sym_c").unwrap().source, DocSource::Model);
        assert!(docs.get("sym_0").is_none() && docs.get("sym_d").is_none());
        let err = serde_json::from_value::<SymbolDocs>(serde_json::json!([{"id": 1}]));
        assert!(err.is_err());
        let none: SymbolDocs = serde_json::from_value(serde_json::json!([])).unwrap();
        assert!(none.is_empty() && none.get("sym_a").is_none());
    }
}

//! Reading what the earlier stages stored.

use doctown_core::artifacts::assemble::{
    AssembleGraph, AssembleManifest, ClusterSet, ModuleContext, SymbolContext,
};
use doctown_core::artifacts::generate::{GenerateManifest, GeneratedDocs};
use doctown_core::{Chunk, FileRecord, IngestManifest, JobState, Stage, StageStatus, Symbol};
use doctown_docpack::History;
use doctown_pipeline::StageFailure;
use doctown_store::{get_json, get_jsonl, stream_jsonl, ObjectStore};
use serde::de::DeserializeOwned;

/// What the docpack needs of a symbol's context when it does not carry
/// the contexts themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextFacts {
    pub id: String,
    /// The module (directory) the symbol's file is in.
    pub module: String,
    pub loc: u32,
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

/// Everything the docpack is made from.
pub struct PackInputs {
    pub files: Vec<FileRecord>,
    /// Symbols without their call sites and field types (the graph holds
    /// what resolution made of them).
    pub symbols: Vec<Symbol>,
    /// Chunks without their text (the docpack maps ranges, not copies).
    pub chunks: Vec<Chunk>,
    pub graph: AssembleGraph,
    pub clusters: ClusterSet,
    /// Every symbol's context facts.
    pub context_facts: Vec<ContextFacts>,
    /// The whole contexts, read only when the docpack includes them
    /// (`symbol_contexts.json`); empty otherwise.
    pub contexts: Vec<SymbolContext>,
    pub modules: Vec<ModuleContext>,
    pub docs: Option<GeneratedDocs>,
    pub summary_model: Option<String>,
    pub vectors: Option<doctown_embed::vectors::VectorsReader>,
    pub embedding_model: Option<String>,
    /// The git history ingest read, or why there is none.
    pub history: Result<History, String>,
}

fn required<T: DeserializeOwned>(store: &dyn ObjectStore, key: &str) -> Result<T, StageFailure> {
    get_json(store, key)?.ok_or_else(|| StageFailure::invalid(format!("missing artifact {key}")))
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
    let ((chunks, symbols), ((contexts, graph), rest)) = rayon::join(
        || {
            rayon::join(
                || chunks_without_text(store, &ingest),
                || streamed(store, &ingest.symbols, symbol_without_calls),
            )
        },
        || {
            rayon::join(
                || {
                    rayon::join(
                        || read_contexts(store, &assemble.contexts, with_contexts),
                        || required(store, &assemble.graph),
                    )
                },
                || -> Result<_, StageFailure> {
                    Ok((
                        lines(store, &ingest.files)?,
                        required(store, &assemble.clusters)?,
                        required(store, &assemble.modules)?,
                        generated
                            .as_ref()
                            .map(|m| required::<GeneratedDocs>(store, &m.docs))
                            .transpose()?,
                        read_vectors(store, state)?,
                    ))
                },
            )
        },
    );
    let (files, clusters, modules, docs, (vectors, embedding_model)) = rest?;
    let (context_facts, contexts) = contexts?;
    let history = read_history(store, &ingest)?;
    Ok(PackInputs {
        files,
        symbols: symbols?,
        chunks: chunks?,
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

fn symbol_without_calls(mut symbol: Symbol) -> Symbol {
    symbol.calls = Vec::new();
    symbol.field_types.clear();
    symbol
}

/// Every context's facts, and the whole contexts when they are wanted.
fn read_contexts(
    store: &dyn ObjectStore,
    key: &str,
    whole: bool,
) -> Result<(Vec<ContextFacts>, Vec<SymbolContext>), StageFailure> {
    if whole {
        let contexts: Vec<SymbolContext> = streamed(store, key, |c| c)?;
        Ok((contexts.iter().map(ContextFacts::from).collect(), contexts))
    } else {
        let facts = streamed(store, key, |c: SymbolContext| ContextFacts::from(&c))?;
        Ok((facts, Vec::new()))
    }
}

fn chunks_without_text(
    store: &dyn ObjectStore,
    ingest: &IngestManifest,
) -> Result<Vec<Chunk>, StageFailure> {
    let mut chunks = Vec::new();
    for shard in &ingest.chunk_shards {
        chunks.extend(streamed(store, shard, |mut chunk: Chunk| {
            chunk.text = String::new();
            chunk
        })?);
    }
    Ok(chunks)
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

type Vectors = (
    Option<doctown_embed::vectors::VectorsReader>,
    Option<String>,
);

fn read_vectors(store: &dyn ObjectStore, state: &JobState) -> Result<Vectors, StageFailure> {
    let embed = state.stage(Stage::Embed);
    let Some(key) = embed
        .artifacts
        .get("vectors")
        .filter(|_| embed.status.is_done())
    else {
        return Ok((None, None));
    };
    let object = store
        .get(key)?
        .ok_or_else(|| StageFailure::invalid(format!("missing artifact {key}")))?;
    let reader = doctown_embed::vectors::VectorsReader::open(&object.bytes)
        .map_err(|e| StageFailure::invalid(format!("vectors artifact {key}: {e}")))?;
    let model = embed
        .summary
        .get("model_id")
        .and_then(|m| m.as_str())
        .map(str::to_string);
    Ok((Some(reader), model))
}

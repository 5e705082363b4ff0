//! Reading what the earlier stages stored.

use doctown_core::artifacts::assemble::{
    AssembleGraph, AssembleManifest, ClusterSet, ModuleContext, SymbolContext,
};
use doctown_core::artifacts::generate::{GenerateManifest, GeneratedDocs};
use doctown_core::{Chunk, FileRecord, IngestManifest, JobState, Stage, StageStatus, Symbol};
use doctown_pipeline::StageFailure;
use doctown_store::{get_json, get_jsonl, ObjectStore};
use serde::de::DeserializeOwned;

/// Everything the docpack is made from.
pub struct PackInputs {
    pub files: Vec<FileRecord>,
    pub symbols: Vec<Symbol>,
    /// Chunks without their text (the docpack maps ranges, not copies).
    pub chunks: Vec<Chunk>,
    pub graph: AssembleGraph,
    pub clusters: ClusterSet,
    pub contexts: Vec<SymbolContext>,
    pub modules: Vec<ModuleContext>,
    pub docs: Option<GeneratedDocs>,
    pub summary_model: Option<String>,
    pub vectors: Option<doctown_embed::vectors::VectorsReader>,
    pub embedding_model: Option<String>,
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

/// Reads every input of the pack stage; the large artifacts are read and
/// parsed in parallel.
pub fn read_inputs(store: &dyn ObjectStore, state: &JobState) -> Result<PackInputs, StageFailure> {
    let ingest: IngestManifest =
        required(store, &stage_artifact(state, Stage::Ingest, "manifest")?)?;
    let assemble: AssembleManifest =
        required(store, &stage_artifact(state, Stage::Assemble, "manifest")?)?;
    let ((chunks, symbols), ((contexts, graph), rest)) = rayon::join(
        || {
            rayon::join(
                || chunks_without_text(store, &ingest),
                || lines(store, &ingest.symbols),
            )
        },
        || {
            rayon::join(
                || {
                    rayon::join(
                        || lines(store, &assemble.contexts),
                        || required(store, &assemble.graph),
                    )
                },
                || -> Result<_, StageFailure> {
                    Ok((
                        lines(store, &ingest.files)?,
                        required(store, &assemble.clusters)?,
                        required(store, &assemble.modules)?,
                        generated_docs(store, state)?,
                        read_vectors(store, state)?,
                    ))
                },
            )
        },
    );
    let (files, clusters, modules, (docs, summary_model), (vectors, embedding_model)) = rest?;
    Ok(PackInputs {
        files,
        symbols: symbols?,
        chunks: chunks?,
        graph: graph?,
        clusters,
        contexts: contexts?,
        modules,
        docs,
        summary_model,
        vectors,
        embedding_model,
    })
}

fn chunks_without_text(
    store: &dyn ObjectStore,
    ingest: &IngestManifest,
) -> Result<Vec<Chunk>, StageFailure> {
    let mut chunks = Vec::new();
    for shard in &ingest.chunk_shards {
        for mut chunk in lines::<Chunk>(store, shard)? {
            chunk.text = String::new();
            chunks.push(chunk);
        }
    }
    Ok(chunks)
}

/// The generated docs and the model that wrote them, when generate ran.
fn generated_docs(
    store: &dyn ObjectStore,
    state: &JobState,
) -> Result<(Option<GeneratedDocs>, Option<String>), StageFailure> {
    match state.stage(Stage::Generate).status {
        StageStatus::Succeeded | StageStatus::Partial => {
            let manifest: GenerateManifest =
                required(store, &stage_artifact(state, Stage::Generate, "manifest")?)?;
            Ok((Some(required(store, &manifest.docs)?), manifest.model))
        }
        _ => Ok((None, None)),
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

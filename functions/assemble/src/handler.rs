//! The assemble stage handler: a thin IO layer. It reads ingest's manifest,
//! symbols, files and chunk shards (keeping of each chunk only its id,
//! symbol and decision-point count), opens the job's vectors through a
//! [`VectorSource`] unless embeddings are off or the embed stage was
//! skipped, runs [`crate::assemble_into`] with the graph and contexts
//! spooled to temporary files as they are made, and writes the artifacts
//! under `jobs/<job>/assemble/`.

use crate::artifacts::AssembleManifest;
use crate::assemble::{assemble_into, Assembled};
use crate::chunks::ChunkInfo;
use crate::error::AssembleError;
use crate::events::{
    AssembleTotals, AssemblyCompleted, AssemblyStarted, ClusterCreated, GraphCompleted,
};
use crate::input::{lean_symbol, AssembleInput};
use crate::options::{AssembleOptions, MethodChoice};
use crate::sink::JsonFiles;
use crate::vectors::VectorLookup;
use doctown_core::{ChunkEntry, FileRecord, IngestManifest, JobStatus, Stage, StageStatus, Symbol};
use doctown_pipeline::memo::Memo;
use doctown_pipeline::{now_ms, StageContext, StageFailure, StageHandler, StageOutput};
use doctown_store::{ObjectStore, ObjectWriter};
use std::sync::Arc;

/// Opens a job's embedding vectors (the embed stage's reader).
pub trait VectorSource: Send + Sync {
    /// The job's vectors, or `None` when it has none.
    fn open(&self, ctx: &StageContext<'_>) -> Result<Option<Box<dyn VectorLookup>>, StageFailure>;
}

/// Assemble, hosted anywhere.
#[derive(Clone, Default)]
pub struct AssembleHandler {
    vectors: Option<Arc<dyn VectorSource>>,
}

impl AssembleHandler {
    /// A handler that reads vectors through `vectors` when the job has them.
    pub fn new(vectors: Arc<dyn VectorSource>) -> Self {
        AssembleHandler {
            vectors: Some(vectors),
        }
    }

    /// A handler that never reads vectors: graph communities, no related edges.
    pub fn structural() -> Self {
        AssembleHandler { vectors: None }
    }

    fn open_vectors(
        &self,
        ctx: &StageContext<'_>,
        options: &AssembleOptions,
    ) -> Result<Option<Box<dyn VectorLookup>>, StageFailure> {
        let skipped = ctx.job.stage(Stage::Embed).status == StageStatus::Skipped;
        match &self.vectors {
            Some(source) if options.use_embeddings && !skipped => source.open(ctx),
            _ => Ok(None),
        }
    }

    fn run_inner(
        &self,
        ctx: &StageContext<'_>,
        totals: &mut AssembleTotals,
    ) -> Result<StageOutput, StageFailure> {
        let options: AssembleOptions = ctx.options(Stage::Assemble)?;
        options
            .validate()
            .map_err(|e| StageFailure::invalid(format!("invalid assemble options: {e}")))?;
        let (symbols, files, chunks) = load_ingest(ctx).map_err(StageFailure::from)?;
        let lookup = self.open_vectors(ctx, &options)?;
        let method = if options.method != MethodChoice::Communities && lookup.is_some() {
            "kmeans"
        } else {
            "communities"
        };
        ctx.events.emit(&AssemblyStarted {
            symbols: symbols.len() as u64,
            files: files.len() as u64,
            chunks: chunks.len() as u64,
            embeddings: lookup.is_some(),
            method: method.to_string(),
        });
        if ctx.cancel.is_cancelled() {
            return Err(StageFailure::cancelled());
        }
        let memo = Memo::for_job(ctx.store, ctx.job, Stage::Assemble);
        let input = AssembleInput::new(symbols, files, chunks, lookup.as_deref()).with_memo(&memo);
        let key = |name: &str| ctx.artifact_key(Stage::Assemble, name);
        let mut files = JsonFiles::new(
            ctx.store.writer(&key(AssembleManifest::GRAPH))?,
            ctx.store.writer(&key(AssembleManifest::CONTEXTS))?,
            ctx.store.writer(&key(AssembleManifest::OUTLINE))?,
        );
        let out =
            assemble_into(&input, &options, &mut |_| {}, &mut files).map_err(StageFailure::from)?;
        let steps: Vec<String> = out
            .timings
            .iter()
            .map(|t| format!("{} {} ms", t.step, t.ms))
            .collect();
        tracing::debug!(steps = %steps.join(", "), "assembled");
        let AssembleInput {
            symbols,
            files: records,
            chunks,
            ..
        } = input;
        doctown_pipeline::process::drop_beside((symbols, records, chunks));
        if ctx.cancel.is_cancelled() {
            return Err(StageFailure::cancelled());
        }
        *totals = totals_of(&out);
        for cluster in &out.clusters.clusters {
            ctx.events.emit(&ClusterCreated {
                id: cluster.id.clone(),
                label: cluster.label.clone(),
                size: cluster.size,
            });
        }
        let m = &out.graph.metrics;
        ctx.events.emit(&GraphCompleted {
            nodes: m.nodes,
            edges: m.edges,
            edges_by_kind: m.edges_by_kind.clone(),
            density: m.density,
        });
        let manifest_key = write_artifacts(ctx, &out, files).map_err(StageFailure::from)?;
        let mut output = StageOutput::succeeded().with_artifact("manifest", manifest_key);
        output.summary = serde_json::to_value(&*totals).unwrap_or_default();
        Ok(output)
    }
}

impl StageHandler for AssembleHandler {
    fn stage(&self) -> Stage {
        Stage::Assemble
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<StageOutput, StageFailure> {
        let started = now_ms();
        let mut totals = AssembleTotals::default();
        let result = self.run_inner(ctx, &mut totals);
        let (status, error) = match &result {
            Ok(_) => (JobStatus::Succeeded, None),
            Err(e) if e.message == "cancelled" => (JobStatus::Cancelled, Some(e.message.clone())),
            Err(e) => (JobStatus::Failed, Some(e.message.clone())),
        };
        let duration_ms = now_ms().saturating_sub(started);
        ctx.events.emit(&AssemblyCompleted {
            status,
            totals,
            duration_ms,
            error,
        });
        result
    }
}

fn totals_of(out: &Assembled) -> AssembleTotals {
    AssembleTotals {
        symbols: out.symbol_count as u64,
        files: out
            .graph
            .metrics
            .nodes_by_kind
            .get("file")
            .copied()
            .unwrap_or(0),
        modules: out.modules.len() as u64,
        nodes: out.graph.metrics.nodes,
        edges: out.graph.metrics.edges,
        clusters: out.clusters.clusters.len() as u64,
        contexts: out.symbol_count as u64,
        related_edges: out.related_edges as u64,
        symbols_without_vectors: out.symbols_without_vectors as u64,
    }
}

/// Ingest's symbols, files and reduced chunks.
pub type Loaded = (Vec<Symbol>, Vec<FileRecord>, Vec<ChunkInfo>);

/// Reads ingest's outputs; chunks are reduced shard by shard.
fn load_ingest(ctx: &StageContext<'_>) -> Result<Loaded, AssembleError> {
    let key = ctx
        .job
        .stage(Stage::Ingest)
        .artifacts
        .get("manifest")
        .cloned()
        .unwrap_or_else(|| ctx.artifact_key(Stage::Ingest, IngestManifest::NAME));
    read_ingest(ctx.store, &key, &|| ctx.cancel.is_cancelled())
}

/// Reads the ingest outputs that the manifest at `key` names; `cancelled`
/// is asked between chunk shards.
pub fn read_ingest(
    store: &dyn ObjectStore,
    key: &str,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Result<Loaded, AssembleError> {
    let manifest: IngestManifest = doctown_store::get_json(store, key)?.ok_or_else(|| {
        AssembleError::Invalid(format!(
            "ingest manifest {key} not found: run the ingest stage first"
        ))
    })?;
    // Symbols and chunks are the large artifacts: parsed in parallel.
    let (symbols, rest) = rayon::join(
        || read_symbols(store, &manifest.symbols),
        || -> Result<_, AssembleError> {
            let files = read_lines::<FileRecord>(store, &manifest.files)?;
            let mut chunks = Vec::with_capacity(manifest.chunk_count as usize);
            // The index has each chunk without its text.
            for key in &manifest.chunk_index {
                if cancelled() {
                    return Err(AssembleError::Cancelled);
                }
                // Parsed on every core a block of lines at a time.
                chunks.extend(streamed(store, key, |e: ChunkEntry| ChunkInfo::from(e))?);
            }
            Ok((files, chunks))
        },
    );
    let (symbols, (files, chunks)) = (symbols?, rest?);
    Ok((symbols, files, chunks))
}

/// The symbols, each reduced by [`lean_symbol`] as it is parsed.
fn read_symbols(store: &dyn ObjectStore, key: &str) -> Result<Vec<Symbol>, AssembleError> {
    streamed(store, key, lean_symbol)
}

/// A JSON Lines artifact of ingest, streamed (a block of lines at a time
/// on every core, never the whole file), each item reduced by `keep` as
/// it is parsed.
fn streamed<T, U>(
    store: &dyn ObjectStore,
    key: &str,
    keep: impl Fn(T) -> U + Sync,
) -> Result<Vec<U>, AssembleError>
where
    T: serde::de::DeserializeOwned,
    U: Send,
{
    doctown_store::stream_jsonl(store, key, keep)?.ok_or_else(|| missing(key))
}

fn read_lines<T: serde::de::DeserializeOwned>(
    store: &dyn ObjectStore,
    key: &str,
) -> Result<Vec<T>, AssembleError> {
    let bytes = store.get_bytes(key)?.ok_or_else(|| missing(key))?;
    Ok(doctown_store::parse_jsonl(key, &bytes)?)
}

fn missing(key: &str) -> AssembleError {
    AssembleError::Invalid(format!(
        "ingest artifact {key} not found: run the ingest stage again"
    ))
}

/// Stores the artifacts (the graph and contexts written so far into
/// their objects' writers: committed here); returns the manifest's key.
fn write_artifacts(
    ctx: &StageContext<'_>,
    out: &Assembled,
    written: JsonFiles<Box<dyn ObjectWriter + '_>>,
) -> Result<String, AssembleError> {
    let key = |name: &str| ctx.artifact_key(Stage::Assemble, name);
    let manifest = AssembleManifest {
        graph: key(AssembleManifest::GRAPH),
        clusters: key(AssembleManifest::CLUSTERS),
        contexts: key(AssembleManifest::CONTEXTS),
        modules: key(AssembleManifest::MODULES),
        symbol_count: out.symbol_count as u64,
        file_count: out
            .graph
            .metrics
            .nodes_by_kind
            .get("file")
            .copied()
            .unwrap_or(0),
        module_count: out.modules.len() as u64,
        node_count: out.graph.metrics.nodes,
        edge_count: out.graph.metrics.edges,
        cluster_count: out.clusters.clusters.len() as u64,
        embeddings: out.embeddings,
        symbols_without_vectors: out.symbols_without_vectors as u64,
        outline: key(AssembleManifest::OUTLINE),
    };
    let written = written.finish()?;
    written.graph.commit()?;
    doctown_store::put_json(ctx.store, &manifest.clusters, &out.clusters)?;
    doctown_store::put_json(ctx.store, &manifest.modules, &out.modules)?;
    written.contexts.commit()?;
    written.outline.commit()?;
    let manifest_key = key(AssembleManifest::NAME);
    doctown_store::put_json(ctx.store, &manifest_key, &manifest)?;
    Ok(manifest_key)
}

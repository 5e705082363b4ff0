//! The embed stage handler.
//!
//! Reads ingest's manifest and chunk shards, derives each chunk's embedded
//! text ([`crate::text`]), dedupes texts, looks each up in the cache, embeds
//! the misses in length-bucketed batches (writing each batch's vectors to
//! the cache as it completes, so an interrupted run keeps its progress),
//! and writes `jobs/<job>/embed/vectors.bin` ([`crate::vectors`]).
//!
//! The model is loaded only when something is missing from the cache, and
//! then once per process ([`Backend::shared`]). Which model embeds — the
//! local ONNX one or a remote endpoint — is the host's configuration
//! ([`crate::config::BackendKind`]); this handler is the same for both, and
//! so is every host that runs it (in-process, queue workers, RunPod). Job
//! option `{"embed": {"enabled": false}}` skips the stage.
//!
//! A job with no chunks at all (an empty repository, or one with no file in
//! a supported language) is skipped too, with `{"chunks": 0}`: there is
//! nothing to embed and no dimension to write, and assemble and pack then
//! go on exactly as with embeddings off. Decision: such a job gives an
//! empty but valid docpack (the build's summary shows `0 parsed` and what
//! was skipped), the same docpack with embeddings on or off, rather than
//! an error — it is what the repository holds.
//!
//! Fan-out: with `ctx.shard == Some(i)` the handler embeds chunk shard `i`
//! only and writes `vectors-<iiiii>.bin`; the fan-in ([`StageHandler::merge`])
//! then builds `vectors.bin` over all shards from the cache (every vector is
//! there by then): the bytes an unsharded run over a warm cache writes. Its
//! totals add up the shards' work.

use crate::backend::Backend;
use crate::batching::BatchPlan;
use crate::cache::EmbeddingCache;
use crate::config::EmbedConfig;
use crate::engine::embed_texts;
use crate::error::EmbedError;
use crate::events::{
    EmbeddingBatchCompleted, EmbeddingBatchStarted, EmbeddingCompleted, EmbeddingStarted,
};
use crate::hooks::{BatchHooks, BatchInfo};
use crate::job_texts::{read_chunks, write_vectors, Texts};
use crate::memo::VectorMemo;
use crate::prefetch::EmbedPrefetcher;
use crate::stats::Stats;
use doctown_core::{IngestManifest, JobStatus, Stage, StageStatus};
use doctown_pipeline::memo::Memo;
use doctown_pipeline::{StageContext, StageFailure, StageHandler, StageOutput};
use doctown_store::get_json;
use rayon::prelude::*;
use std::sync::Arc;
use std::time::Instant;

/// The artifact's name in the stage output.
pub const VECTORS_ARTIFACT: &str = "vectors";
/// Its file name under `jobs/<job>/embed/`.
pub const VECTORS_FILE: &str = "vectors.bin";

pub struct EmbedHandler {
    config: EmbedConfig,
    prefetcher: Option<Arc<EmbedPrefetcher>>,
    release_model: bool,
}

impl EmbedHandler {
    /// A handler with the host's configuration; each job's
    /// `options["embed"]` is laid over it.
    pub fn new(config: EmbedConfig) -> Self {
        EmbedHandler {
            config,
            prefetcher: None,
            release_model: false,
        }
    }

    /// Releases the process-wide model when the stage ends
    /// ([`crate::Embedder::release_shared`]): for a host that runs one
    /// build, where nothing after the embed stage embeds, and the model's
    /// session and arena (about 300 MB after the medium benchmark's
    /// batches) would otherwise raise the peak of assemble and pack.
    pub fn releasing_model(mut self) -> Self {
        self.release_model = true;
        self
    }

    /// [`EmbedHandler::unit`], then the model released when asked.
    fn unit_then_release(
        &self,
        ctx: &StageContext<'_>,
        merge: bool,
    ) -> Result<StageOutput, StageFailure> {
        let output = self.unit(ctx, merge);
        if self.release_model {
            crate::Embedder::release_shared();
        }
        output
    }

    /// In-process: waits for this prefetcher to finish before reading the
    /// cache, so the chunks it embedded while ingest ran are hits.
    pub fn with_prefetcher(mut self, prefetcher: Arc<EmbedPrefetcher>) -> Self {
        self.prefetcher = Some(prefetcher);
        self
    }

    pub fn config(&self) -> &EmbedConfig {
        &self.config
    }
}

/// Emits batch events, writes each batch to the cache, honours cancellation.
struct StageHooks<'a, 'c> {
    ctx: &'a StageContext<'c>,
    cache: &'a EmbeddingCache,
    misses: &'a [usize],
    texts: &'a Texts,
    vectors: &'a mut [Option<Vec<f32>>],
}

impl BatchHooks for StageHooks<'_, '_> {
    fn started(&mut self, b: &BatchInfo) -> Result<(), EmbedError> {
        if self.ctx.cancel.is_cancelled() {
            return Err(EmbedError::Cancelled);
        }
        self.ctx.events.emit(&EmbeddingBatchStarted {
            batch: b.index,
            texts: b.texts as u64,
            tokens: b.tokens as u64,
            padded_tokens: b.padded_tokens as u64,
        });
        Ok(())
    }

    fn completed(
        &mut self,
        b: &BatchInfo,
        ms: u64,
        items: &[usize],
        vectors: Vec<Vec<f32>>,
    ) -> Result<(), EmbedError> {
        for (&i, vector) in items.iter().zip(vectors) {
            let slot = self.misses[i];
            self.cache
                .put(self.ctx.store, &self.texts.unique[slot].0, &vector)?;
            self.vectors[slot] = Some(vector);
        }
        self.ctx.events.emit(&EmbeddingBatchCompleted {
            batch: b.index,
            texts: b.texts as u64,
            tokens: b.tokens as u64,
            duration_ms: ms,
        });
        Ok(())
    }
}

impl EmbedHandler {
    /// Embeds the chunks of one shard (all when `shard` is `None`), writes
    /// their vectors file; returns its key and the device, if the model ran,
    /// or `None` when the whole job has no chunks (nothing is written).
    fn embed(
        &self,
        ctx: &StageContext<'_>,
        config: &EmbedConfig,
        shard: Option<u32>,
        stats: &mut Stats,
    ) -> Result<Option<(String, Option<&'static str>)>, StageFailure> {
        let manifest = read_manifest(ctx)?;
        let (shards, file) = shard_selection(&manifest, shard)?;
        let texts = read_chunks(ctx.store, shards, config)?;
        let cache = EmbeddingCache::new(&config.cache_id());
        // The whole stage of a source reads its last embed's vectors in one
        // piece first (a shard covers part of the texts: it has none).
        let cache_id = config.cache_id();
        let memo = shard
            .is_none()
            .then(|| Memo::for_job(ctx.store, ctx.job, Stage::Embed));
        let last = memo.as_ref().map_or_else(VectorMemo::default, |memo| {
            memo.get(crate::memo::slot(&cache_id))
                .map_or_else(VectorMemo::default, |payload| VectorMemo::parse(&payload))
        });
        // The chunks and the memo are read while the prefetcher works (a
        // rebuild's few new texts wait on its model load); the cache only
        // once it is done, so what it embedded is there.
        self.wait_for_prefetcher(stats);
        let mut vectors = known_vectors(ctx, &texts, &last, &cache, stats)?;
        let (embedder, dims) = model_if_needed(config, &mut vectors)?;
        let misses: Vec<usize> = (0..vectors.len())
            .filter(|&i| vectors[i].is_none())
            .collect();
        count(stats, &texts, &misses, dims);
        announce(ctx, config, shard, stats);
        if shard.is_none() && texts.chunks.is_empty() {
            return Ok(None);
        }
        if let Some(embedder) = &embedder {
            let miss_texts: Vec<&str> =
                misses.iter().map(|&i| texts.unique[i].1.as_str()).collect();
            let mut hooks = StageHooks {
                ctx,
                cache: &cache,
                misses: &misses,
                texts: &texts,
                vectors: &mut vectors,
            };
            let plan = BatchPlan::from_config(config);
            stats.add_run(embed_texts(embedder, &plan, &miss_texts, 0, &mut hooks)?);
        }
        let bytes = write_vectors(&texts, &vectors, dims.unwrap_or(0))?;
        let key = ctx.artifact_key(Stage::Embed, &file);
        ctx.store.put(&key, &bytes)?;
        if let Some(memo) = memo {
            let hashes = texts.unique.iter().map(|(hash, _)| hash.as_str());
            if !last.holds_exactly(hashes) {
                keep_vectors(&memo, &cache_id, &texts, &vectors, dims);
            }
        }
        Ok(Some((key, embedder.map(|e| e.device()))))
    }

    /// Waits for the prefetcher, if there is one, and counts what it embedded.
    fn wait_for_prefetcher(&self, stats: &mut Stats) {
        if let Some(prefetcher) = &self.prefetcher {
            let prefetched = prefetcher.finish();
            stats.prefetched = prefetched.embedded;
            stats.prefetched_tokens = prefetched.tokens;
        }
    }

    /// Runs one unit (the whole stage, a shard, or the fan-in) and reports it.
    fn unit(&self, ctx: &StageContext<'_>, merge: bool) -> Result<StageOutput, StageFailure> {
        let started = Instant::now();
        let options = ctx.job.input.options.get(Stage::Embed.name());
        let config = self.config.overlay_job_options(options)?;
        if !config.enabled {
            if let Some(prefetcher) = &self.prefetcher {
                prefetcher.finish();
            }
            let mut output = StageOutput::succeeded();
            output.status = StageStatus::Skipped;
            output.summary = serde_json::json!({"enabled": false});
            return Ok(output);
        }
        let shard = if merge { None } else { ctx.shard };
        let mut stats = Stats::default();
        let result = self.embed(ctx, &config, shard, &mut stats);
        if merge {
            add_shard_work(ctx, &mut stats);
        }
        stats.finish(started.elapsed().as_secs_f64());
        let (status, device, error) = match &result {
            Ok(written) => (
                JobStatus::Succeeded,
                written.as_ref().and_then(|(_, d)| *d),
                None,
            ),
            Err(failure) => (JobStatus::Failed, None, Some(failure.message.clone())),
        };
        ctx.events.emit(&EmbeddingCompleted {
            status,
            model_id: config.embedding_model_id(),
            shard,
            device: device.map(str::to_string),
            totals: stats.totals(),
            duration_ms: started.elapsed().as_millis() as u64,
            error,
        });
        let Some((key, _)) = result? else {
            // No chunks: skipped, like embeddings off (see the module docs).
            let mut output = StageOutput::succeeded();
            output.status = StageStatus::Skipped;
            output.summary = serde_json::json!({"enabled": true, "chunks": 0});
            return Ok(output);
        };
        let mut output = StageOutput::succeeded().with_artifact(VECTORS_ARTIFACT, key);
        output.summary = serde_json::to_value(&stats).unwrap_or_default();
        if let Some(summary) = output.summary.as_object_mut() {
            summary.insert("model_id".into(), config.embedding_model_id().into());
        }
        Ok(output)
    }
}

/// Ingest's manifest for this job.
fn read_manifest(ctx: &StageContext<'_>) -> Result<IngestManifest, StageFailure> {
    let manifest_key =
        doctown_core::artifacts::artifact_key(&ctx.job.job_id, "ingest", IngestManifest::NAME);
    get_json(ctx.store, &manifest_key)?.ok_or_else(|| {
        StageFailure::invalid(format!(
            "{manifest_key} not found: run the ingest stage first"
        ))
    })
}

/// The chunk shards a unit embeds (all, or shard `i`) and the name of the
/// vectors file it writes.
fn shard_selection(
    manifest: &IngestManifest,
    shard: Option<u32>,
) -> Result<(&[String], String), StageFailure> {
    Ok(match shard {
        None => (&manifest.chunk_shards[..], VECTORS_FILE.to_string()),
        Some(i) => {
            let one = manifest.chunk_shards.get(i as usize..=i as usize);
            let one = one.ok_or_else(|| {
                let n = manifest.chunk_shards.len();
                StageFailure::invalid(format!("chunk shard {i} does not exist (ingest wrote {n})"))
            })?;
            (one, format!("vectors-{i:05}.bin"))
        }
    })
}

/// Each unique text's vector from the last build's memo or the cache
/// (`None` for a miss), read on every core; counts those from the memo.
fn known_vectors(
    ctx: &StageContext<'_>,
    texts: &Texts,
    memo: &VectorMemo,
    cache: &EmbeddingCache,
    stats: &mut Stats,
) -> Result<Vec<Option<Vec<f32>>>, StageFailure> {
    // The rest: one small object per text, read on every core.
    let vectors: Vec<Option<Vec<f32>>> = texts
        .unique
        .par_iter()
        .map(|(hash, _)| match memo.get(hash) {
            Some(vector) => Ok(Some(vector.to_vec())),
            None => cache.get(ctx.store, hash),
        })
        .collect::<Result<_, _>>()?;
    stats.from_last_build = texts
        .unique
        .iter()
        .filter(|(hash, _)| memo.get(hash).is_some())
        .count() as u64;
    Ok(vectors)
}

/// The model, loaded when a text is missing or the known vectors disagree
/// on their length (those not of the model's length then count as
/// missing), and the vectors' length.
fn model_if_needed(
    config: &EmbedConfig,
    vectors: &mut [Option<Vec<f32>>],
) -> Result<(Option<Backend>, Option<usize>), StageFailure> {
    let mut embedder = None;
    let mut dims = vectors.iter().flatten().map(Vec::len).max();
    let mixed = vectors.iter().flatten().any(|v| Some(v.len()) != dims);
    if vectors.iter().any(Option::is_none) || mixed {
        let loaded = Backend::shared(config)?;
        let loaded_dims = loaded.dims()?;
        dims = Some(loaded_dims);
        vectors
            .iter_mut()
            .filter(|v| v.as_ref().is_some_and(|v| v.len() != loaded_dims))
            .for_each(|v| *v = None);
        embedder = Some(loaded);
    }
    Ok((embedder, dims))
}

/// The unit's counts: chunks, unique texts, hits and misses, dimensions.
fn count(stats: &mut Stats, texts: &Texts, misses: &[usize], dims: Option<usize>) {
    stats.chunks = texts.chunks.len() as u64;
    stats.skipped_chunks = texts.skipped;
    stats.unique_texts = texts.unique.len() as u64;
    stats.cache_misses = misses.len() as u64;
    stats.cache_hits = stats.unique_texts - stats.cache_misses;
    stats.prefetched = stats.prefetched.min(stats.cache_hits);
    stats.dims = dims.unwrap_or(0) as u64;
}

/// `embedding.started.v1`: what the unit embeds and what the cache holds.
fn announce(ctx: &StageContext<'_>, config: &EmbedConfig, shard: Option<u32>, stats: &Stats) {
    ctx.events.emit(&EmbeddingStarted {
        model_id: config.embedding_model_id(),
        shard,
        chunks: stats.chunks,
        unique_texts: stats.unique_texts,
        cache_hits: stats.cache_hits,
        cache_misses: stats.cache_misses,
    });
}

/// Keeps this embed's vectors for the next build of the source. A failure
/// only costs the next build the cache reads.
fn keep_vectors(
    memo: &Memo<'_>,
    cache_id: &str,
    texts: &Texts,
    vectors: &[Option<Vec<f32>>],
    dims: Option<usize>,
) {
    let (Some(dims), Some(rows)) = (
        dims,
        vectors
            .iter()
            .map(Option::as_deref)
            .collect::<Option<Vec<_>>>(),
    ) else {
        return;
    };
    if rows.iter().any(|v| v.len() != dims) {
        return;
    }
    let entries = texts.unique.iter().map(|(hash, _)| hash.as_str()).zip(rows);
    memo.put(
        crate::memo::slot(cache_id),
        &crate::memo::encode(dims, entries),
    );
}

/// The fan-in's totals also count what the shards embedded (the fan-in
/// itself finds everything in the cache).
fn add_shard_work(ctx: &StageContext<'_>, stats: &mut Stats) {
    let shards = &ctx.job.stage(Stage::Embed).shards;
    let sum = |field: &str| {
        shards
            .values()
            .map(|s| s.summary[field].as_u64().unwrap_or(0))
            .sum::<u64>()
    };
    let misses = sum("cache_misses").min(stats.unique_texts - stats.cache_misses);
    stats.cache_misses += misses;
    stats.cache_hits = stats.unique_texts - stats.cache_misses;
    stats.prefetched = sum("prefetched").min(stats.cache_hits);
    stats.prefetched_tokens = sum("prefetched_tokens");
    stats.batches += sum("batches");
    stats.tokens += sum("tokens");
    stats.padded_tokens += sum("padded_tokens");
}

impl StageHandler for EmbedHandler {
    fn stage(&self) -> Stage {
        Stage::Embed
    }

    /// The whole stage (`ctx.shard == None`) or one chunk shard.
    fn run(&self, ctx: &StageContext<'_>) -> Result<StageOutput, StageFailure> {
        self.unit_then_release(ctx, false)
    }

    /// The fan-in: `vectors.bin` over every shard, from the cache.
    fn merge(&self, ctx: &StageContext<'_>) -> Result<StageOutput, StageFailure> {
        self.unit_then_release(ctx, true)
    }
}

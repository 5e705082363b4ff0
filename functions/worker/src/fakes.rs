//! Simple deterministic stage handlers for tests and benchmarks of the
//! distributed runtime: an embed stage that fans out per chunk shard and
//! merges to the same bytes an unsharded run writes, and assemble,
//! generate and pack stages that derive their artifacts from their inputs.
//! Each can be slowed down (to kill a worker mid-stage) or made to fail.

use doctown_core::{Chunk, IngestManifest, Stage};
use doctown_pipeline::{StageContext, StageFailure, StageHandler, StageOutput};
use doctown_store::get_json;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A fake stage: `stage`'s deterministic work, after `delay`, unless `fail`.
#[derive(Debug)]
pub struct FakeStage {
    pub stage: Stage,
    pub delay: Duration,
    /// Fail every run with a retryable error.
    pub fail: bool,
    /// How many times `run`/`merge` started.
    pub runs: AtomicU32,
}

impl FakeStage {
    pub fn new(stage: Stage) -> FakeStage {
        FakeStage {
            stage,
            delay: Duration::ZERO,
            fail: false,
            runs: AtomicU32::new(0),
        }
    }

    pub fn slow(mut self, delay: Duration) -> FakeStage {
        self.delay = delay;
        self
    }

    pub fn failing(mut self) -> FakeStage {
        self.fail = true;
        self
    }

    /// Embed, assemble, generate and pack fakes.
    pub fn all_after_ingest() -> Vec<FakeStage> {
        [Stage::Embed, Stage::Assemble, Stage::Generate, Stage::Pack]
            .into_iter()
            .map(FakeStage::new)
            .collect()
    }

    fn begin(&self, ctx: &StageContext<'_>) -> Result<(), StageFailure> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        let until = Instant::now() + self.delay;
        while Instant::now() < until {
            if ctx.cancel.is_cancelled() {
                return Err(StageFailure::cancelled());
            }
            std::thread::sleep(Duration::from_millis(10).min(self.delay));
        }
        if self.fail {
            return Err(StageFailure::transient(format!(
                "{} always fails",
                self.stage
            )));
        }
        Ok(())
    }
}

fn read(ctx: &StageContext<'_>, key: &str) -> Result<Vec<u8>, StageFailure> {
    Ok(ctx
        .store
        .get(key)?
        .ok_or_else(|| StageFailure::invalid(format!("missing input {key}")))?
        .bytes)
}

fn manifest(ctx: &StageContext<'_>) -> Result<IngestManifest, StageFailure> {
    let key = ctx
        .job
        .stage(Stage::Ingest)
        .artifacts
        .get("manifest")
        .ok_or_else(|| StageFailure::invalid("no ingest manifest"))?;
    get_json(ctx.store, key)?.ok_or_else(|| StageFailure::invalid("ingest manifest missing"))
}

/// One line per chunk of a shard: `<chunk id>\t<sha256 of its text>`.
fn embed_shard(ctx: &StageContext<'_>, key: &str) -> Result<Vec<u8>, StageFailure> {
    let reader = ctx
        .store
        .get_stream(key)?
        .ok_or_else(|| StageFailure::invalid(format!("missing shard {key}")))?;
    let mut out = Vec::new();
    for line in BufReader::new(reader).lines() {
        let line = line.map_err(|e| StageFailure::transient(e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        let chunk: Chunk =
            serde_json::from_str(&line).map_err(|e| StageFailure::invalid(e.to_string()))?;
        let hash = hex::encode(Sha256::digest(chunk.text.as_bytes()));
        out.extend_from_slice(format!("{}\t{}\n", chunk.id.as_str(), &hash[..32]).as_bytes());
    }
    Ok(out)
}

fn part_key(ctx: &StageContext<'_>, shard: u32) -> String {
    ctx.artifact_key(Stage::Embed, &format!("vectors-{shard:05}.txt"))
}

impl StageHandler for FakeStage {
    fn stage(&self) -> Stage {
        self.stage
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<StageOutput, StageFailure> {
        self.begin(ctx)?;
        let out = |name: &str, bytes: &[u8]| -> Result<StageOutput, StageFailure> {
            let key = ctx.artifact_key(self.stage, name);
            ctx.store.put(&key, bytes)?;
            Ok(StageOutput::succeeded().with_artifact(name, key))
        };
        match self.stage {
            Stage::Embed => {
                let m = manifest(ctx)?;
                if let Some(i) = ctx.shard {
                    let key = m
                        .chunk_shards
                        .get(i as usize)
                        .ok_or_else(|| StageFailure::invalid(format!("no chunk shard {i}")))?;
                    let bytes = embed_shard(ctx, key)?;
                    let part = part_key(ctx, i);
                    ctx.store.put(&part, &bytes)?;
                    return Ok(StageOutput::succeeded().with_artifact("part", part));
                }
                let mut all = Vec::new();
                for key in &m.chunk_shards {
                    all.extend(embed_shard(ctx, key)?);
                }
                out("vectors.bin", &all)
            }
            Stage::Assemble => {
                let vectors = read(ctx, &ctx.artifact_key(Stage::Embed, "vectors.bin"))?;
                let symbols = read(ctx, &manifest(ctx)?.symbols)?;
                let mut h = Sha256::new();
                h.update(&vectors);
                h.update(&symbols);
                let lines = String::from_utf8_lossy(&symbols).lines().count();
                out(
                    "contexts.txt",
                    format!("{} symbols, inputs {}\n", lines, hex::encode(h.finalize())).as_bytes(),
                )
            }
            Stage::Generate => {
                let contexts = read(ctx, &ctx.artifact_key(Stage::Assemble, "contexts.txt"))?;
                let mut docs = b"docs from ".to_vec();
                docs.extend(contexts);
                out("docs.txt", &docs)
            }
            Stage::Pack => {
                let m = manifest(ctx)?;
                let mut pack = Vec::new();
                for key in [
                    m.symbols.clone(),
                    m.files.clone(),
                    ctx.artifact_key(Stage::Embed, "vectors.bin"),
                    ctx.artifact_key(Stage::Assemble, "contexts.txt"),
                    ctx.artifact_key(Stage::Generate, "docs.txt"),
                ] {
                    let bytes = read(ctx, &key)?;
                    let name = key.rsplit('/').next().unwrap_or_default();
                    pack.extend(format!("{name} {}\n", bytes.len()).as_bytes());
                    pack.extend(bytes);
                }
                let name = ctx.job.source.as_ref().map_or("job", |s| s.name.as_str());
                out(&format!("{name}.docpack"), &pack)
            }
            Stage::Ingest => out("fake.txt", ctx.job.input.source.as_bytes()),
        }
    }

    fn merge(&self, ctx: &StageContext<'_>) -> Result<StageOutput, StageFailure> {
        self.begin(ctx)?;
        let n = ctx.job.stage(self.stage).fan_out.unwrap_or(0);
        let mut all = Vec::new();
        for i in 0..n {
            all.extend(read(ctx, &part_key(ctx, i))?);
        }
        let key = ctx.artifact_key(self.stage, "vectors.bin");
        ctx.store.put(&key, &all)?;
        Ok(StageOutput::succeeded().with_artifact("vectors.bin", key))
    }
}

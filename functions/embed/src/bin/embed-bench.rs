//! Embedding throughput on real code chunks; run by `scripts/bench-embed.sh`.
//!
//! `embed-bench --chunks CHUNKS.jsonl --texts-out TEXTS.jsonl [--threads N] [--batch 32]`
//!
//! CHUNKS.jsonl has one `{"id", "path", "name", "text"}` per line (Rust
//! functions, from `scripts/embed_corpus.py`). Each becomes a chunk and its
//! embedded text ([`doctown_embed::text::chunk_text`]); the texts are written
//! to TEXTS.jsonl so Python ONNX Runtime can embed the very same ones. Then,
//! one JSON line per configuration on stdout:
//!
//! - `naive`: padded batches of `--batch` in input order;
//! - `sorted`: the same batch size after sorting by token length;
//! - `stage-cold`: the embed stage (the stage's batches, cache writes)
//!   over a local object store with an empty cache;
//! - `stage-warm`: the stage again over the same chunks (all cache hits);
//! - `uniform`: the kernels on batches of one fixed length (the mean), no
//!   padding — the ceiling for tokens/s.

use doctown_core::artifacts::artifact_key;
use doctown_core::{
    ByteRange, Chunk, ChunkId, ChunkKind, EventContext, IngestManifest, JobId, JobInput, JobState,
};
use doctown_core::{Language, Position, Span, SymbolKind};
use doctown_embed::{text::chunk_text, BatchPlan, EmbedConfig, EmbedHandler, Embedder};
use doctown_pipeline::{CancelToken, EventEmitter, StageContext, StageHandler};
use doctown_store::{put_json, LocalStore, ObjectStore};
use serde_json::json;
use std::io::{BufRead, Write};
use std::time::Instant;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn to_chunk(line: &serde_json::Value) -> Option<Chunk> {
    let (path, text) = (line["path"].as_str()?, line["text"].as_str()?);
    Some(Chunk {
        id: ChunkId::from_raw(line["id"].as_str()?),
        kind: ChunkKind::Symbol,
        path: path.to_string(),
        language: Language::Rust,
        span: Span {
            bytes: ByteRange {
                start: 0,
                end: text.len(),
            },
            start: Position { line: 1, column: 0 },
            end: Position {
                line: 1 + text.lines().count() as u32,
                column: 0,
            },
        },
        symbol_id: None,
        symbol_kind: Some(SymbolKind::Function),
        qualified_name: line["name"].as_str().map(str::to_string),
        signature: None,
        doc: None,
        part: None,
        text: text.to_string(),
        role: None,
    })
}

/// Tokenises and runs `batches` (built from token lengths) with
/// [`Embedder::run`], timing it all: padded batches on one session, or each
/// text alone on the lanes, as `model` was configured.
fn measure(
    model: &Embedder,
    texts: &[&str],
    cut: impl Fn(&[usize]) -> Vec<Vec<usize>>,
) -> Result<(f64, usize, usize)> {
    let started = Instant::now();
    let tokens = model.tokenize(texts)?;
    let lengths: Vec<usize> = tokens.iter().map(Vec::len).collect();
    let batches = cut(&lengths);
    for batch in &batches {
        let ids: Vec<&[u32]> = batch.iter().map(|&i| tokens[i].as_slice()).collect();
        model.run(&ids)?;
    }
    let tokens = lengths.iter().sum();
    let padded = if model.runs_each_text() {
        tokens
    } else {
        BatchPlan::padded_tokens(&batches, &lengths)
    };
    Ok((started.elapsed().as_secs_f64(), tokens, padded))
}

fn report(
    config: &str,
    chunks: usize,
    seconds: f64,
    tokens: usize,
    padded: usize,
    extra: serde_json::Value,
) {
    let mut line = json!({
        "impl": "rust-ort", "config": config, "chunks": chunks, "tokens": tokens, "padded_tokens": padded,
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "chunks_per_s": (chunks as f64 / seconds * 100.0).round() / 100.0,
        "tokens_per_s": (tokens as f64 / seconds * 10.0).round() / 10.0,
    });
    if let (Some(line), Some(extra)) = (line.as_object_mut(), extra.as_object()) {
        line.extend(extra.clone());
    }
    println!("{line}");
    let _ = std::io::stdout().flush();
}

fn run_stage(
    store: &dyn ObjectStore,
    config: &EmbedConfig,
    job: &str,
    chunks: &[Chunk],
) -> Result<serde_json::Value> {
    let job_id = JobId::new(job)?;
    let shard = artifact_key(&job_id, "ingest", "chunks-00000.jsonl");
    let mut lines = Vec::new();
    for c in chunks {
        serde_json::to_writer(&mut lines, c)?;
        lines.push(b'\n');
    }
    store.put(&shard, &lines)?;
    let manifest = IngestManifest {
        chunk_shards: vec![shard],
        chunk_count: chunks.len() as u64,
        ..Default::default()
    };
    put_json(
        store,
        &artifact_key(&job_id, "ingest", IngestManifest::NAME),
        &manifest,
    )?;
    let state = JobState::new(
        job_id.clone(),
        JobInput::default(),
        "2026-01-01T00:00:00.000Z".into(),
    );
    let emitter = EventEmitter::new(
        job_id,
        "embed-bench",
        EventContext::default(),
        0,
        1,
        Vec::new(),
    );
    let cancel = CancelToken::default();
    let ctx = StageContext {
        job: &state,
        store,
        events: &emitter,
        cancel: &cancel,
        chunk_observer: None,
        shard: None,
    };
    Ok(EmbedHandler::new(config.clone()).run(&ctx)?.summary)
}

/// Batches of `batch` after sorting by length.
fn sorted(lengths: &[usize], batch: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by_key(|&i| (lengths[i], i));
    order.chunks(batch).map(<[usize]>::to_vec).collect()
}

/// The stage over a local store: cold (empty cache), then warm (all hits).
fn stage(config: &EmbedConfig, chunks: &[Chunk]) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("embed-bench-{}", std::process::id()));
    let store = LocalStore::open(&dir)?;
    for (name, job) in [("stage-cold", "bench-cold"), ("stage-warm", "bench-warm")] {
        let started = Instant::now();
        let summary = run_stage(&store, config, job, chunks)?;
        let s = started.elapsed().as_secs_f64();
        let field = |f: &str| summary[f].as_u64().unwrap_or(0) as usize;
        let extra = json!({"cache_hits": field("cache_hits"), "cache_misses": field("cache_misses"), "batches": field("batches")});
        report(
            name,
            chunks.len(),
            s,
            field("tokens"),
            field("padded_tokens"),
            extra,
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// The kernels on batches of one length (the mean), no padding.
fn uniform(model: &Embedder, tokens: usize, texts: usize, batch: usize) -> Result<()> {
    let width = (tokens / texts.max(1)).max(8);
    let long = "x ".repeat(4096);
    let mut ids = model.tokenize(&[long.as_str()])?.remove(0);
    ids.truncate(width);
    let rows: Vec<&[u32]> = vec![ids.as_slice(); batch];
    let reps = (tokens / (batch * width) / 4).clamp(2, 20);
    let started = Instant::now();
    for _ in 0..reps {
        model.run_batch(&rows)?;
    }
    let s = started.elapsed().as_secs_f64();
    let rate = ((reps * batch * width) as f64 / s * 10.0).round() / 10.0;
    println!(
        "{}",
        json!({"impl": "rust-ort", "config": "uniform", "seq_len": width, "batch": batch, "tokens_per_s": rate})
    );
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let chunks_path = arg(&args, "--chunks")
        .ok_or("usage: embed-bench --chunks FILE --texts-out FILE [--threads N] [--batch 32]")?;
    let texts_out = arg(&args, "--texts-out").ok_or("--texts-out FILE is required")?;
    let batch: usize = arg(&args, "--batch")
        .map(|b| b.parse())
        .transpose()?
        .unwrap_or(32);
    let mut config = EmbedConfig::from_env()?;
    if let Some(threads) = arg(&args, "--threads") {
        config.intra_threads = threads.parse()?;
    }
    let reader = std::io::BufReader::new(std::fs::File::open(&chunks_path)?);
    let mut chunks = Vec::new();
    for line in reader.lines() {
        chunks.extend(to_chunk(&serde_json::from_str(&line?)?));
    }
    let texts: Vec<String> = chunks
        .iter()
        .map(|c| chunk_text(c, config.max_length))
        .collect();
    let mut out = std::io::BufWriter::new(std::fs::File::create(&texts_out)?);
    for (c, t) in chunks.iter().zip(&texts) {
        writeln!(out, "{}", json!({"id": c.id.as_str(), "text": t}))?;
    }
    out.flush()?;
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();

    let started = Instant::now();
    let model = Embedder::shared(&config)?;
    eprintln!(
        "embed-bench: model loaded in {:.2}s, {} threads, {} chunks",
        started.elapsed().as_secs_f64(),
        config.threads(),
        chunks.len()
    );
    model.run_batch(&[&model.tokenize(&["warm up"])?[0]])?;
    // The runtime's own batches: one session on every thread, each batch
    // padded to its longest text (the stage runs each text alone instead).
    let batched = Embedder::shared(&EmbedConfig {
        each_text: false,
        ..config.clone()
    })?;

    let configs =
        arg(&args, "--configs").unwrap_or_else(|| "naive,sorted,bucketed,stage,uniform".into());
    let mut tokens = 0;
    for name in configs.split(',') {
        match name {
            "naive" | "sorted" | "bucketed" => {
                let plan = BatchPlan::from_config(&config);
                let runs = if name == "bucketed" { &model } else { &batched };
                let (s, t, padded) = measure(runs, &texts, |lengths| match name {
                    "naive" => BatchPlan::naive(batch).plan(lengths),
                    "sorted" => sorted(lengths, batch),
                    _ if model.runs_each_text() => plan.for_texts_alone().plan(lengths),
                    _ => plan.plan(lengths),
                })?;
                tokens = t;
                report(name, texts.len(), s, t, padded, json!({"batch": batch}));
            }
            "stage" => stage(&config, &chunks)?,
            "uniform" => uniform(
                &batched,
                if tokens > 0 {
                    tokens
                } else {
                    model.tokenize(&texts)?.iter().map(Vec::len).sum()
                },
                texts.len(),
                batch,
            )?,
            other => return Err(format!("unknown configuration {other:?}").into()),
        }
    }
    Ok(())
}

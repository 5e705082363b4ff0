//! The embedding model: a tokenizer and an ONNX Runtime session, loaded once
//! per process and shared ([`Embedder::shared`]).
//!
//! Any sentence-transformers ONNX export works: a directory with
//! `model.onnx` (inputs `input_ids`, `attention_mask` and optionally
//! `token_type_ids`; a `[batch, seq, dims]` output, `last_hidden_state` or
//! the configured or first output) and `tokenizer.json`. The tokenizer's own
//! truncation and padding are replaced: truncation to `max_length` tokens
//! (LongestFirst), no padding per text — batches are padded here, to their
//! longest member, so that bucketing by length keeps padding small.
//!
//! On the CPU each text runs alone ([`Embedder::run`]), on one
//! single-threaded session per core ("lanes"): no padding at all, the
//! cores busy with independent texts rather than splitting one batch's
//! small matrices, and a text's vector the same whatever else was
//! embedded with it, which the default model needs (its activations are
//! quantised per tensor at run time, so in a batch they would depend on
//! the batch). A GPU runs whole batches on one session.

use crate::config::EmbedConfig;
use crate::error::EmbedError;
use crate::pooling::mean_pool_normalize;
use crate::session_cache::CachedModel;
use crate::verify::verify_model_file;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::{Session, SessionInputValue};
use ort::value::Tensor;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tokenizers::{Tokenizer, TruncationParams, TruncationStrategy};

/// A loaded model, ready to embed batches. `Send + Sync`. On a GPU, runs
/// serialise on the session, whose intra-op threads use the cores; on the
/// CPU each of [`Lanes`] runs one text at a time.
pub struct Embedder {
    model_id: String,
    tokenizer: Tokenizer,
    session: Mutex<Session>,
    lanes: Lanes,
    output: String,
    token_type_ids: bool,
    dims: usize,
    max_chars: usize,
    device: &'static str,
    from_cache: bool,
}

/// Most sessions the CPU runs side by side: each holds the model's
/// prepacked weights (tens of MiB), so a many-core server stops here.
pub const MAX_LANES: usize = 16;

/// The sessions beside the first that run texts alone on the CPU, one
/// thread each; made when a run first has more than one text (a rebuild
/// that embeds one new text never pays for them), from the optimised model
/// the first session kept.
struct Lanes {
    /// Whether texts run alone: on the CPU.
    each_text: bool,
    /// Sessions beside the first: 0 on a GPU or with one thread.
    extra: usize,
    config: EmbedConfig,
    model_path: PathBuf,
    loaded: OnceLock<Vec<Mutex<Session>>>,
}

impl Lanes {
    /// How `config` runs: `(lanes, the configuration each lane's session
    /// is made with)`. One lane is a batch on every thread.
    fn plan(config: &EmbedConfig) -> (usize, EmbedConfig) {
        let lanes = if config.use_gpu || !config.each_text {
            1
        } else {
            config.threads().min(MAX_LANES)
        };
        let mut lane = config.clone();
        if lanes > 1 {
            lane.intra_threads = 1;
        }
        (lanes, lane)
    }

    /// The extra sessions, made on first use, side by side. One that
    /// cannot be made leaves the work to the others.
    fn sessions(&self) -> &[Mutex<Session>] {
        self.loaded.get_or_init(|| {
            if self.extra == 0 {
                return Vec::new();
            }
            let environment = match crate::runtime::environment(&self.config) {
                Ok(environment) => environment,
                Err(e) => {
                    tracing::warn!("no more embedding lanes, the first runs alone: {e}");
                    return Vec::new();
                }
            };
            std::thread::scope(|scope| {
                let made: Vec<_> = (0..self.extra)
                    .map(|_| {
                        scope.spawn(|| open_session(&self.config, &environment, &self.model_path))
                    })
                    .collect();
                made.into_iter()
                    .filter_map(|m| match m.join() {
                        Ok(Ok(opened)) => Some(Mutex::new(opened.session)),
                        Ok(Err(e)) => {
                            tracing::warn!("an embedding lane was not made, the others run: {e}");
                            None
                        }
                        Err(panic) => std::panic::resume_unwind(panic),
                    })
                    .collect()
            })
        })
    }
}

static SHARED: Mutex<Vec<(String, Arc<Embedder>)>> = Mutex::new(Vec::new());

impl Embedder {
    /// The process-wide embedder for this configuration, loaded on first use.
    pub fn shared(config: &EmbedConfig) -> Result<Arc<Embedder>, EmbedError> {
        let key = format!(
            "{:?}",
            (
                &config.model_dir,
                &config.runtime_lib,
                &config.model_id,
                &config.model_sha256,
                &config.output_name,
                config.max_length,
                config.threads(),
                config.use_gpu,
                config.each_text,
                &config.session_cache
            )
        );
        let mut shared = SHARED.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, embedder)) = shared.iter().find(|(k, _)| *k == key) {
            return Ok(embedder.clone());
        }
        let embedder = Arc::new(Embedder::load(config)?);
        shared.push((key, embedder.clone()));
        Ok(embedder)
    }

    /// Forgets the process-wide embedders: each is dropped (its session
    /// and the arena its largest batch grew) once no one else holds it. A
    /// host that runs one job's stages in one process calls this when the
    /// embed stage ends, so that the model does not stay resident through
    /// assemble and pack; the next [`Embedder::shared`] loads it again.
    pub fn release_shared() {
        // Taken out under the lock, dropped after it: freeing a session
        // takes a while, and no one need wait for it.
        let released = std::mem::take(&mut *SHARED.lock().unwrap_or_else(|p| p.into_inner()));
        drop(released);
    }

    /// How many process-wide embedders are loaded.
    pub fn shared_count() -> usize {
        SHARED.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Loads the model: checks the files are there, loads the runtime,
    /// verifies the checksum, loads tokenizer and session, then probes the
    /// model once to learn its dimensions (and that it works).
    pub fn load(config: &EmbedConfig) -> Result<Embedder, EmbedError> {
        config.validate().map_err(EmbedError::Config)?;
        let (model_path, tokenizer_path) = (config.model_path(), config.tokenizer_path());
        require_files(config, &model_path, &tokenizer_path)?;
        let invalid = |e: &dyn std::fmt::Display| EmbedError::InvalidModel {
            path: model_path.clone(),
            message: e.to_string(),
        };
        let (lanes, lane_config) = Lanes::plan(config);
        let (tokenizer, opened) =
            open_beside_tokenizer(config, &lane_config, &model_path, &tokenizer_path)?;
        let OpenedSession {
            session,
            device,
            from_cache,
        } = opened;
        let inputs = input_names(&session, &model_path)?;
        let output = output_name(&session, config, &model_path)?;
        let mut embedder = Embedder {
            model_id: config.model_id.clone(),
            tokenizer,
            session: Mutex::new(session),
            lanes: Lanes {
                each_text: device == "cpu" && config.each_text,
                extra: if device == "cpu" { lanes - 1 } else { 0 },
                config: lane_config,
                model_path: model_path.clone(),
                loaded: OnceLock::new(),
            },
            output,
            token_type_ids: inputs.iter().any(|i| i == "token_type_ids"),
            dims: 0,
            max_chars: config.max_length.saturating_mul(32),
            device,
            from_cache,
        };
        let probe = embedder.tokenize(&["probe"])?;
        let dims = embedder
            .run_batch(&[probe[0].as_slice()])
            .map_err(|e| invalid(&e))?[0]
            .len();
        if dims == 0 {
            return Err(invalid(&"it produces empty vectors"));
        }
        embedder.dims = dims;
        tracing::info!(model = %config.model_id, dims, device, threads = config.threads(), lanes, from_cache, "embedding model loaded");
        Ok(embedder)
    }

    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    /// The length of the vectors (384 for all-MiniLM-L6-v2).
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Whether the session was made from the optimised model kept by an
    /// earlier load (`crate::session_cache`), not optimised again.
    pub fn session_from_cache(&self) -> bool {
        self.from_cache
    }

    /// `cpu` or `cuda`.
    pub fn device(&self) -> &'static str {
        self.device
    }

    /// Token ids of each text, with special tokens, truncated to
    /// `max_length`. Texts far beyond that are cut (on a character boundary,
    /// well past where truncation would cut) before tokenising, so a huge
    /// text costs no more than a long one.
    pub fn tokenize(&self, texts: &[&str]) -> Result<Vec<Vec<u32>>, EmbedError> {
        let capped: Vec<&str> = texts.iter().map(|t| cap_chars(t, self.max_chars)).collect();
        let encodings = self
            .tokenizer
            .encode_batch_fast(capped, true)
            .map_err(EmbedError::inference)?;
        Ok(encodings
            .into_iter()
            .map(|e| e.get_ids().to_vec())
            .collect())
    }

    /// Whether [`Embedder::run`] runs each text alone (on the CPU's lanes).
    pub fn runs_each_text(&self) -> bool {
        self.lanes.each_text
    }

    /// Embeds tokenised texts; one unit vector per text, in order. On the
    /// CPU each text runs alone, the texts shared among the lanes; on a
    /// GPU they run as one batch.
    pub fn run(&self, texts: &[&[u32]]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if !self.runs_each_text() {
            return self.run_batch(texts);
        }
        let extra = if texts.len() > 1 {
            self.lanes.sessions()
        } else {
            &[]
        };
        let lanes: Vec<&Mutex<Session>> = std::iter::once(&self.session).chain(extra).collect();
        let next = AtomicUsize::new(0);
        // Each lane takes the next text until none is left (or one fails).
        let run_lane = |lane: &Mutex<Session>| -> Result<Vec<(usize, Vec<f32>)>, EmbedError> {
            let mut session = lane.lock().unwrap_or_else(|p| p.into_inner());
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(ids) = texts.get(i) else {
                    return Ok(done);
                };
                match self.run_on(&mut session, &[ids]) {
                    Ok(mut vectors) => done.push((i, vectors.pop().unwrap_or_default())),
                    Err(e) => {
                        next.store(texts.len(), Ordering::Relaxed);
                        return Err(e);
                    }
                }
            }
        };
        let ran: Vec<_> = if lanes.len() == 1 {
            vec![run_lane(lanes[0])]
        } else {
            std::thread::scope(|scope| {
                let running: Vec<_> = lanes
                    .iter()
                    .map(|&lane| scope.spawn(move || run_lane(lane)))
                    .collect();
                running
                    .into_iter()
                    .map(|r| r.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            })
        };
        let mut vectors = vec![Vec::new(); texts.len()];
        for lane in ran {
            for (i, v) in lane? {
                vectors[i] = v;
            }
        }
        Ok(vectors)
    }

    /// Embeds one batch of tokenised texts, padded to its longest member,
    /// on the first session; returns one unit vector per text, in order.
    pub fn run_batch(&self, batch: &[&[u32]]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        self.run_on(&mut session, batch)
    }

    fn run_on(&self, session: &mut Session, batch: &[&[u32]]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let rows = batch.len();
        let seq = batch.iter().map(|ids| ids.len()).max().unwrap_or(0).max(1);
        let mut ids = vec![0i64; rows * seq];
        let mut mask = vec![0i64; rows * seq];
        for (r, tokens) in batch.iter().enumerate() {
            for (c, &t) in tokens.iter().enumerate() {
                ids[r * seq + c] = i64::from(t);
                mask[r * seq + c] = 1;
            }
        }
        let lengths: Vec<usize> = batch.iter().map(|ids| ids.len()).collect();
        let tensor =
            |data: Vec<i64>| Tensor::from_array(([rows, seq], data)).map_err(EmbedError::inference);
        let mut inputs: Vec<(&str, SessionInputValue)> = vec![
            ("input_ids", tensor(ids)?.into()),
            ("attention_mask", tensor(mask)?.into()),
        ];
        if self.token_type_ids {
            inputs.push(("token_type_ids", tensor(vec![0i64; rows * seq])?.into()));
        }
        let outputs = session.run(inputs).map_err(EmbedError::inference)?;
        let value = outputs
            .get(&self.output)
            .ok_or_else(|| EmbedError::Inference(format!("output {:?} missing", self.output)))?;
        let (shape, hidden) = value
            .try_extract_tensor::<f32>()
            .map_err(EmbedError::inference)?;
        let shape: Vec<i64> = shape.iter().copied().collect();
        let [b, s, d] = shape[..] else {
            return Err(EmbedError::Inference(format!(
                "output {:?} has shape {shape:?}, expected [batch, seq, dims]",
                self.output
            )));
        };
        if b as usize != rows
            || s as usize != seq
            || d <= 0
            || hidden.len() != rows * seq * d as usize
        {
            return Err(EmbedError::Inference(format!(
                "output shape {shape:?} does not match the batch [{rows}, {seq}, _]"
            )));
        }
        if hidden.iter().any(|x| !x.is_finite()) {
            return Err(EmbedError::Inference(
                "the model produced NaN or infinite values".into(),
            ));
        }
        Ok(mean_pool_normalize(hidden, seq, d as usize, &lengths))
    }
}

/// The model's files are there: `model.onnx`, then `tokenizer.json`.
fn require_files(
    config: &EmbedConfig,
    model_path: &Path,
    tokenizer_path: &Path,
) -> Result<(), EmbedError> {
    for (path, file) in [
        (model_path, "model.onnx"),
        (tokenizer_path, "tokenizer.json"),
    ] {
        if !path.is_file() {
            return Err(EmbedError::ModelMissing {
                dir: config.model_dir.clone(),
                file,
            });
        }
    }
    Ok(())
}

/// The tokenizer and the session, the tokenizer read beside the runtime
/// and the session (which is most of a load: a rebuild with one new text
/// waits for it). Errors keep the order of a load in turn: runtime,
/// checksum, tokenizer, session.
fn open_beside_tokenizer(
    config: &EmbedConfig,
    lane_config: &EmbedConfig,
    model_path: &Path,
    tokenizer_path: &Path,
) -> Result<(Tokenizer, OpenedSession), EmbedError> {
    std::thread::scope(|scope| {
        let tokenizer = scope.spawn(|| load_tokenizer(tokenizer_path, config.max_length));
        type Opened = Result<OpenedSession, EmbedError>;
        let session = (|| -> Result<Opened, EmbedError> {
            let environment = crate::runtime::environment(config)?;
            if let Some(expected) = &config.model_sha256 {
                verify_model_file(model_path, expected)?;
            }
            Ok(open_session(lane_config, &environment, model_path))
        })();
        let tokenizer = tokenizer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let opened = session?;
        let tokenizer = tokenizer?;
        Ok::<_, EmbedError>((tokenizer, opened?))
    })
}

/// The session's inputs: `input_ids` and `attention_mask`, and perhaps
/// `token_type_ids`; any other is refused.
fn input_names(session: &Session, model_path: &Path) -> Result<Vec<String>, EmbedError> {
    let invalid = |e: &dyn std::fmt::Display| invalid_model(model_path, e);
    let inputs: Vec<String> = session
        .inputs()
        .iter()
        .map(|i| i.name().to_string())
        .collect();
    for required in ["input_ids", "attention_mask"] {
        if !inputs.iter().any(|i| i == required) {
            return Err(invalid(&format!(
                "it has no {required:?} input (inputs: {inputs:?})"
            )));
        }
    }
    if let Some(other) = inputs
        .iter()
        .find(|i| !["input_ids", "attention_mask", "token_type_ids"].contains(&i.as_str()))
    {
        return Err(invalid(&format!(
            "unsupported input {other:?} (inputs: {inputs:?})"
        )));
    }
    Ok(inputs)
}

/// The output the vectors are pooled from: the configured one, else
/// `last_hidden_state`, else the first.
fn output_name(
    session: &Session,
    config: &EmbedConfig,
    model_path: &Path,
) -> Result<String, EmbedError> {
    let invalid = |e: &dyn std::fmt::Display| invalid_model(model_path, e);
    let outputs: Vec<String> = session
        .outputs()
        .iter()
        .map(|o| o.name().to_string())
        .collect();
    let output = match &config.output_name {
        Some(name) if outputs.contains(name) => name.clone(),
        Some(name) => {
            return Err(invalid(&format!(
                "it has no output {name:?} (outputs: {outputs:?})"
            )))
        }
        None if outputs.iter().any(|o| o == "last_hidden_state") => "last_hidden_state".to_string(),
        None => outputs
            .first()
            .cloned()
            .ok_or_else(|| invalid(&"it has no outputs"))?,
    };
    Ok(output)
}

/// A session, the device it runs on, and whether it was made from the
/// optimised model an earlier load kept.
struct OpenedSession {
    session: Session,
    device: &'static str,
    from_cache: bool,
}

/// An ONNX Runtime session over the model file: from the optimised model
/// kept for this machine when there is a whole one, else optimised here
/// (and kept, when a cache is configured).
fn open_session(
    config: &EmbedConfig,
    environment: &ort::environment::Environment,
    model_path: &Path,
) -> Result<OpenedSession, EmbedError> {
    let cached = CachedModel::for_config(config, model_path).filter(|c| !c.is_refused());
    if let Some(session) = cached
        .as_ref()
        .and_then(|c| open_cached(config, environment, c))
    {
        return Ok(OpenedSession {
            session,
            device: "cpu",
            from_cache: true,
        });
    }
    // A key the runtime just refused is not written again.
    let cached = cached.filter(|c| !c.is_refused());
    let staging = cached.as_ref().and_then(|c| {
        c.staging()
            .map_err(|e| tracing::warn!("the optimised model will not be kept: {e}"))
            .ok()
    });
    let (session, device, written) = optimise(config, environment, model_path, staging.as_deref())?;
    if let (Some(cached), Some(staged), true) = (&cached, staging, written) {
        match cached.store(staged) {
            Ok(entry) => tracing::debug!(path = %entry.path.display(), "optimised model kept"),
            Err(e) => tracing::warn!("the optimised model was not kept: {e}"),
        }
    }
    Ok(OpenedSession {
        session,
        device,
        from_cache: false,
    })
}

/// A session optimised at load, on the device the configuration asks
/// for; with `staged`, the runtime also writes the optimised model there
/// (the last value says whether it did). The runtime counts that write as
/// part of making the session, so a write that fails (a full disk, a
/// model past protobuf's 2 GB) would fail the load: the session is then
/// made again without it.
fn optimise(
    config: &EmbedConfig,
    environment: &ort::environment::Environment,
    model_path: &Path,
    staged: Option<&Path>,
) -> Result<(Session, &'static str, bool), EmbedError> {
    let invalid = |e: &dyn std::fmt::Display| invalid_model(model_path, e);
    let commit = |staged: Option<&Path>| -> Result<(Session, &'static str), EmbedError> {
        let mut builder = session_builder(config, environment).map_err(|e| invalid(&e))?;
        if let Some(path) = staged {
            builder = builder
                .with_optimized_model_path(path)
                .map_err(|e| invalid(&e))?;
        }
        let (mut builder, device) = crate::gpu::with_device(builder, config.use_gpu)?;
        let session = builder
            .commit_from_file(model_path)
            .map_err(|e| invalid(&e))?;
        Ok((session, device))
    };
    if let Some(path) = staged {
        match commit(Some(path)) {
            Ok((session, device)) => return Ok((session, device, true)),
            Err(e) => tracing::warn!("the optimised model cannot be kept, loading without: {e}"),
        }
    }
    let (session, device) = commit(None)?;
    Ok((session, device, false))
}

/// The session options every load uses. An option that changes how the
/// graph is optimised must join the kept model's key
/// (`crate::session_cache`), or bump its format.
fn session_builder(
    config: &EmbedConfig,
    environment: &ort::environment::Environment,
) -> ort::Result<ort::session::builder::SessionBuilder> {
    let builder = Session::builder(environment)?
        .with_intra_threads(config.threads())?
        // Batch shapes vary with every batch: planning memory per shape
        // only grows the arena.
        .with_memory_pattern(false)?;
    if config.use_gpu {
        return Ok(builder);
    }
    // On the CPU the runtime's fused SkipLayerNormalization was slower than
    // the Add and LayerNormalization it replaces: without it the exporter's
    // graph ran 1.2x as fast (BENCHMARKS.md, "Embeddings in int8
    // arithmetic"); on the graph built here it makes no measurable
    // difference. The Python reference (parity fixture) uses the same option.
    Ok(builder.with_disabled_optimizers("SkipLayerNormFusion")?)
}

/// A session made from the kept optimised model with optimisation off,
/// its digest checked on another thread meanwhile; none (and the entry
/// removed when it is damaged or refused) when it cannot be used.
fn open_cached(
    config: &EmbedConfig,
    environment: &ort::environment::Environment,
    cached: &CachedModel,
) -> Option<Session> {
    let entry = cached.find()?;
    let (whole, session) = std::thread::scope(|scope| {
        let whole = scope.spawn(|| entry.is_whole());
        let session = (|| -> ort::Result<Session> {
            session_builder(config, environment)?
                .with_optimization_level(GraphOptimizationLevel::Disable)?
                .commit_from_file(&entry.path)
        })();
        let whole = whole
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (whole, session)
    });
    let reason = match (whole, session) {
        (true, Ok(session)) => {
            entry.mark_used();
            return Some(session);
        }
        (false, _) => "its digest does not match (damaged, or replaced meanwhile)".to_string(),
        (true, Err(e)) => {
            // The runtime cannot read its own optimised form of this
            // model: trying again at every load would only cost a write.
            cached.refuse();
            format!("the runtime refused it, and this model will be optimised at every load: {e}")
        }
    };
    tracing::warn!(path = %entry.path.display(), "the kept optimised model is not used: {reason}");
    entry.remove();
    None
}

fn load_tokenizer(path: &std::path::Path, max_length: usize) -> Result<Tokenizer, EmbedError> {
    let error = |e: &dyn std::fmt::Display| EmbedError::Tokenizer {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut tokenizer = Tokenizer::from_file(path).map_err(|e| error(&e))?;
    let truncation = TruncationParams {
        max_length,
        strategy: TruncationStrategy::LongestFirst,
        stride: 0,
        ..Default::default()
    };
    tokenizer
        .with_truncation(Some(truncation))
        .map_err(|e| error(&e))?;
    tokenizer.with_padding(None);
    Ok(tokenizer)
}

/// The longest prefix of `text` with at most `max` characters.
pub(crate) fn cap_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// A model file that cannot be used, and why.
fn invalid_model(path: &Path, problem: &dyn std::fmt::Display) -> EmbedError {
    EmbedError::InvalidModel {
        path: path.to_path_buf(),
        message: problem.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[ignore = "needs the embedding model (scripts/fetch-model.sh)"]
    fn a_load_survives_an_optimised_model_that_cannot_be_written() {
        let config = EmbedConfig::from_env().unwrap();
        let environment = crate::runtime::environment(&config).expect("the runtime");
        let model = config.model_path();
        let nowhere = Path::new("/nonexistent-doctown-dir/optimised.onnx");
        // The runtime fails the session when it cannot write the file…
        let failed = session_builder(&config, &environment)
            .and_then(|b| Ok(b.with_optimized_model_path(nowhere)?))
            .and_then(|mut b| b.commit_from_file(&model));
        assert!(failed.is_err(), "the runtime wrote nowhere");
        // …so the load makes it again without, and says nothing was kept.
        let (_, device, written) = optimise(&config, &environment, &model, Some(nowhere)).unwrap();
        assert_eq!((device, written), ("cpu", false));
        let (_, _, written) = optimise(&config, &environment, &model, None).unwrap();
        assert!(!written);
    }
}

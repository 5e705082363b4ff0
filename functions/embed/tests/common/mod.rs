//! Shared test helpers: the model, located like the stage does (defaults
//! under `$DOCTOWN_CACHE`, or `DOCTOWN_MODEL_DIR` / `DOCTOWN_ORT_LIB`).
//! Model tests fail with a pointer to `scripts/fetch-model.sh` when it is
//! absent; `DOCTOWN_SKIP_MODEL_TESTS=1` skips them instead.
#![allow(dead_code)]

pub mod job;

use doctown_embed::{EmbedConfig, Embedder};
use std::sync::Arc;

pub fn config() -> EmbedConfig {
    EmbedConfig::from_env().expect("embed configuration from the environment")
}

/// The shared model, or `None` when model tests are to be skipped.
pub fn embedder() -> Option<Arc<Embedder>> {
    if std::env::var_os("DOCTOWN_SKIP_MODEL_TESTS").is_some() {
        eprintln!("DOCTOWN_SKIP_MODEL_TESTS is set: skipping a test that needs the model");
        return None;
    }
    match Embedder::shared(&config()) {
        Ok(e) => Some(e),
        Err(e) => {
            panic!("{e}\nthese tests need the model and runtime: run scripts/fetch-model.sh first")
        }
    }
}

pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    doctown_embed::pooling::cosine(a, b)
}

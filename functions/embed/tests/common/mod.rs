//! Shared test helpers: the model, located like the stage does (defaults
//! under `$DOCTOWN_CACHE`, or `DOCTOWN_MODEL_DIR` / `DOCTOWN_ORT_LIB`).
//! Tests that need the model are `#[ignore = "needs the embedding model …"]`
//! (`scripts/test.sh` fetches it and runs them with `--include-ignored`);
//! run without it, they fail with a pointer to `scripts/fetch-model.sh`.
#![allow(dead_code)]

pub mod job;
pub mod server;

use doctown_embed::{EmbedConfig, Embedder};
use std::sync::Arc;

pub fn config() -> EmbedConfig {
    EmbedConfig::from_env().expect("embed configuration from the environment")
}

/// The shared model; a test that asks for it without it fails.
pub fn embedder() -> Arc<Embedder> {
    match Embedder::shared(&config()) {
        Ok(e) => e,
        Err(e) => {
            panic!("{e}\nthese tests need the model and runtime: run scripts/fetch-model.sh first")
        }
    }
}

pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    doctown_embed::pooling::cosine(a, b)
}

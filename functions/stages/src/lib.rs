//! The full set of stage handlers, configured once from the environment.
//!
//! Every host (the `doctown` CLI, queue workers, serverless adapters, the
//! HTTP trigger's in-process launcher) builds its handlers here, so a stage
//! is wired the same way wherever it runs.

mod job_options;
mod vectors;

use doctown_assemble::AssembleHandler;
use doctown_embed::{EmbedConfig, EmbedHandler, EmbedPrefetcher};
use doctown_generate::{GenerateConfig, GenerateHandler};
use doctown_ingest::IngestHandler;
use doctown_pack::PackHandler;
use doctown_pipeline::StageHandler;
use doctown_sources::{GitHubConfig, JobTokens};
use std::sync::Arc;

pub use job_options::{check_job_options, OptionsPolicy};
pub use vectors::EmbedVectors;

/// Host configuration of every stage.
#[derive(Debug, Clone, Default)]
pub struct StagesConfig {
    pub github: GitHubConfig,
    pub embed: EmbedConfig,
    pub generate: GenerateConfig,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

impl StagesConfig {
    /// From `DOCTOWN_*`, `GITHUB_TOKEN`, `OPENAI_*` environment variables.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(StagesConfig {
            github: GitHubConfig::from_env(),
            embed: EmbedConfig::from_env()
                .map_err(|e| ConfigError(format!("embed configuration: {e}")))?,
            generate: GenerateConfig::from_env()
                .map_err(|e| ConfigError(format!("generate configuration: {e}")))?,
        })
    }
}

/// One handler per stage.
pub struct Stages {
    config: StagesConfig,
    ingest: IngestHandler,
    embed: EmbedHandler,
    assemble: AssembleHandler,
    generate: GenerateHandler,
    pack: PackHandler,
}

impl Stages {
    pub fn new(config: StagesConfig) -> Self {
        Stages {
            ingest: IngestHandler::new(config.github.clone()),
            embed: EmbedHandler::new(config.embed.clone()),
            assemble: AssembleHandler::new(Arc::new(EmbedVectors)),
            generate: GenerateHandler::new(config.generate.clone()),
            pack: PackHandler,
            config,
        }
    }

    /// Distributed hosts: ingest resolves the GitHub token of each job that
    /// names an owner or an installation through `tokens` (see
    /// `doctown_sources::JobTokens`), instead of fetching it with
    /// `config.github.token`.
    pub fn with_job_tokens(mut self, tokens: Option<Arc<dyn JobTokens>>) -> Self {
        self.ingest = IngestHandler::new(self.config.github.clone()).with_tokens(tokens);
        self
    }

    /// In-process, one build: an embedder that starts on ingest's chunks
    /// while ingest still runs; the embed stage then waits for it and finds
    /// cache hits, and releases the model when it ends (nothing after it
    /// embeds).
    pub fn with_prefetcher(mut self, prefetcher: Arc<EmbedPrefetcher>) -> Self {
        self.embed = EmbedHandler::new(self.config.embed.clone())
            .with_prefetcher(prefetcher)
            .releasing_model();
        self
    }

    pub fn config(&self) -> &StagesConfig {
        &self.config
    }

    /// Every handler, in pipeline order.
    pub fn handlers(&self) -> Vec<&dyn StageHandler> {
        vec![
            &self.ingest,
            &self.embed,
            &self.assemble,
            &self.generate,
            &self.pack,
        ]
    }

    /// Every handler, owned, in pipeline order (for hosts that run jobs on
    /// other threads).
    pub fn into_handlers(self) -> Vec<Box<dyn StageHandler>> {
        vec![
            Box::new(self.ingest),
            Box::new(self.embed),
            Box::new(self.assemble),
            Box::new(self.generate),
            Box::new(self.pack),
        ]
    }

    /// The first `n` stages (e.g. 1 for `doctown ingest`).
    pub fn first(&self, n: usize) -> Vec<&dyn StageHandler> {
        self.handlers().into_iter().take(n).collect()
    }
}

//! The in-process host: the local store, the stage handlers this build has,
//! and a runner wired to the terminal.

use crate::args::{SourceArgs, StoreArgs};
use crate::output::JsonLinesSink;
use crate::progress::ProgressSink;
use anyhow::{Context, Result};
use doctown_core::{JobId, JobInput};
use doctown_ingest::IngestHandler;
use doctown_pipeline::{now_ms, EventSink, Runner, StageHandler};
use doctown_sources::GitHubConfig;
use doctown_store::LocalStore;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

pub struct Host {
    pub store: LocalStore,
    ingest: IngestHandler,
}

/// How events reach the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feedback {
    /// JSON Lines on stdout.
    Json,
    /// A progress bar on a terminal; nothing otherwise.
    Progress,
}

impl Host {
    pub fn open(store: &StoreArgs) -> Result<Host> {
        let root = match &store.store {
            Some(dir) => dir.clone(),
            None => default_store_dir()?,
        };
        let store = LocalStore::open(&root)
            .with_context(|| format!("cannot open the store at {}", root.display()))?;
        Ok(Host {
            store,
            ingest: IngestHandler::new(GitHubConfig::from_env()),
        })
    }

    pub fn handlers(&self) -> Vec<&dyn StageHandler> {
        vec![&self.ingest]
    }

    pub fn runner(&self, feedback: Feedback) -> (Runner<'_>, Option<Arc<ProgressSink>>) {
        self.runner_with(self.handlers(), feedback)
    }

    pub fn runner_with<'a>(
        &'a self,
        handlers: Vec<&'a dyn StageHandler>,
        feedback: Feedback,
    ) -> (Runner<'a>, Option<Arc<ProgressSink>>) {
        let runner = Runner::new(&self.store, handlers);
        match feedback {
            Feedback::Json => (
                runner.with_sink(Arc::new(JsonLinesSink) as Arc<dyn EventSink>),
                None,
            ),
            Feedback::Progress if std::io::stderr().is_terminal() => {
                let progress = Arc::new(ProgressSink::new());
                (
                    runner.with_sink(progress.clone() as Arc<dyn EventSink>),
                    Some(progress),
                )
            }
            Feedback::Progress => (runner, None),
        }
    }
}

fn default_store_dir() -> Result<PathBuf> {
    let base = dirs::data_dir().or_else(|| dirs::home_dir().map(|h| h.join(".local/share")));
    Ok(base
        .context("no data directory for the job store; pass --store DIR")?
        .join("doctown"))
}

/// A fresh job id.
pub fn new_job_id() -> JobId {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    JobId::generate(
        now_ms(),
        &[std::process::id().to_be_bytes(), nanos.to_be_bytes()].concat(),
    )
}

/// The job input for a source, with its ingest limits.
pub fn job_input(source: &SourceArgs) -> JobInput {
    let mut input = JobInput {
        source: source.source.clone(),
        git_ref: source.git_ref.clone(),
        ..JobInput::default()
    };
    let mut ingest = serde_json::Map::new();
    if let Some(v) = source.max_file_bytes {
        ingest.insert("max_file_bytes".into(), v.into());
    }
    if let Some(v) = source.max_total_bytes {
        ingest.insert("max_total_bytes".into(), v.into());
    }
    if !ingest.is_empty() {
        input.options.insert("ingest".into(), ingest.into());
    }
    input
}

/// The ingest options a source's flags ask for.
pub fn ingest_options(source: &SourceArgs) -> doctown_ingest::IngestOptions {
    let mut options = doctown_ingest::IngestOptions::default();
    if let Some(v) = source.max_file_bytes {
        options.max_file_bytes = v;
    }
    if let Some(v) = source.max_total_bytes {
        options.max_total_bytes = v;
    }
    options
}

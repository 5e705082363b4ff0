//! The in-process host: the local store, every stage handler, and a runner
//! wired to the terminal.

use crate::args::{BuildOptions, HistoryMode, SourceArgs, StoreArgs};
use crate::output::JsonLinesSink;
use crate::progress::ProgressSink;
use anyhow::{Context, Result};
use doctown_core::{JobId, JobInput};
use doctown_embed::EmbedPrefetcher;
use doctown_pipeline::{now_ms, EventSink, Runner, StageHandler};
use doctown_stages::{Stages, StagesConfig};
use doctown_store::{LocalStore, ObjectStore};
use std::io::IsTerminal;
use std::sync::Arc;

pub struct Host {
    pub store: Arc<LocalStore>,
    pub stages: Stages,
    prefetcher: Option<Arc<EmbedPrefetcher>>,
}

/// How events reach the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feedback {
    /// JSON Lines on stdout.
    Json,
    /// A progress bar on a terminal; nothing otherwise.
    Progress,
    /// Nothing (a build in the background of a server).
    Quiet,
}

impl Host {
    pub fn open(store: &StoreArgs) -> Result<Host> {
        let root = store.dir()?;
        let store = LocalStore::open(&root)
            .with_context(|| format!("cannot open the store at {}", root.display()))?;
        let config = StagesConfig::from_env()?;
        Ok(Host {
            store: Arc::new(store),
            stages: Stages::new(config),
            prefetcher: None,
        })
    }

    /// Starts embedding ingest's chunks as they come (in-process only).
    pub fn with_prefetch(mut self, embeddings: bool) -> Self {
        if embeddings && self.stages.config().embed.enabled {
            let store: Arc<dyn ObjectStore> = self.store.clone();
            let prefetcher = Arc::new(EmbedPrefetcher::new(
                self.stages.config().embed.clone(),
                store,
            ));
            self.stages =
                Stages::new(self.stages.config().clone()).with_prefetcher(prefetcher.clone());
            self.prefetcher = Some(prefetcher);
        }
        self
    }

    pub fn store(&self) -> &dyn ObjectStore {
        self.store.as_ref()
    }

    pub fn runner(&self, feedback: Feedback) -> (Runner<'_>, Option<Arc<ProgressSink>>) {
        self.runner_with(self.stages.handlers(), feedback)
    }

    pub fn runner_with<'a>(
        &'a self,
        handlers: Vec<&'a dyn StageHandler>,
        feedback: Feedback,
    ) -> (Runner<'a>, Option<Arc<ProgressSink>>) {
        let mut runner = Runner::new(self.store.as_ref(), handlers);
        if let Some(prefetcher) = &self.prefetcher {
            runner = runner.with_chunk_observer(prefetcher.as_ref());
        }
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
            Feedback::Progress | Feedback::Quiet => (runner, None),
        }
    }
}

impl Drop for Host {
    /// Stops and joins the embedding prefetcher before the host goes (and
    /// with it, usually, the process): a process that exits while that
    /// thread is still bringing up ONNX Runtime can die with a segfault
    /// instead of the job's exit status. Dropping the prefetcher joins too;
    /// this makes it happen here, whoever else still holds it. Then waits
    /// until every write to the store is durable (a command whose last
    /// writes were no state commit, such as a cache, leaves none behind).
    fn drop(&mut self) {
        if let Some(prefetcher) = self.prefetcher.take() {
            prefetcher.stop();
        }
        if let Err(e) = self.store.flush() {
            tracing::warn!("the store's last writes may not be on disk: {e}");
        }
    }
}

/// Gives the calling thread (not its process) the lowest priority, for
/// work done beside a build that should take only the cores the stages
/// leave idle (threads it starts inherit it); a failure leaves it as it
/// was. Elsewhere than on Linux, where a process's priority is not a
/// thread's, it does nothing.
pub(crate) fn lowest_priority() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 19) {
        tracing::debug!("the thread keeps its priority: {e}");
    }
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

/// The job input for a source, with its stage options. A local source is
/// made absolute ([`doctown_sources::absolute_local`]), so the caches kept
/// per source are found whichever directory the command runs from.
pub fn job_input(source: &SourceArgs, build: &BuildOptions) -> JobInput {
    let mut input = JobInput {
        source: doctown_sources::absolute_local(&source.source),
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
    if let Some(path) = scip_path(source) {
        ingest.insert("scip".into(), path.into());
    }
    if source.no_gitignore {
        ingest.insert("gitignore".into(), false.into());
    }
    if let Some(history) = history_options(build) {
        ingest.insert("history".into(), history);
    }
    if !ingest.is_empty() {
        input.options.insert("ingest".into(), ingest.into());
    }
    if !build.embeddings_on() {
        input.disable_embeddings();
    }
    let mut generate = serde_json::Map::new();
    if let Some(v) = build.llm_top {
        generate.insert("llm_top".into(), v.into());
    }
    if let Some(v) = build.budget {
        generate.insert("budget_usd".into(), v.into());
    }
    if build.all_symbols {
        generate.insert("budget_per_file_usd".into(), serde_json::Value::Null);
    }
    if let Some(v) = build.max_cost {
        generate.insert("max_cost".into(), v.into());
    }
    if !generate.is_empty() {
        input.options.insert("generate".into(), generate.into());
    }
    input
}

/// The ingest's `history` options the build's flags ask for, if any.
fn history_options(build: &BuildOptions) -> Option<serde_json::Value> {
    let mut history = serde_json::Map::new();
    if let Some(mode) = build.history {
        let mode = match mode {
            HistoryMode::Off => "off",
            HistoryMode::Files => "files",
            HistoryMode::Symbols => "symbols",
        };
        history.insert("mode".into(), mode.into());
    }
    if let Some(n) = build.history_max_commits {
        history.insert("max_commits".into(), n.into());
    }
    if let Some(since) = &build.history_since {
        history.insert("since".into(), since.clone().into());
    }
    if build.history_github {
        history.insert("github".into(), true.into());
    }
    (!history.is_empty()).then(|| history.into())
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
    options.scip = scip_path(source);
    options.gitignore = !source.no_gitignore;
    options
}

/// `--scip`, made absolute (jobs may run in another directory).
fn scip_path(source: &SourceArgs) -> Option<String> {
    let path = source.scip.as_ref()?;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
    Some(absolute.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> SourceArgs {
        SourceArgs {
            source: ".".into(),
            git_ref: None,
            max_file_bytes: None,
            max_total_bytes: None,
            scip: None,
            no_gitignore: false,
        }
    }

    #[test]
    fn history_flags_become_ingest_options() {
        let input = job_input(
            &source(),
            &BuildOptions {
                history_max_commits: Some(0),
                history_github: true,
                ..Default::default()
            },
        );
        let history = &input.options["ingest"]["history"];
        assert_eq!(
            history,
            &serde_json::json!({"max_commits": 0, "github": true})
        );
        let config: doctown_ingest::history::HistoryConfig =
            serde_json::from_value(history.clone()).unwrap();
        assert!(config.github);
    }

    #[test]
    fn generate_flags_become_job_options() {
        let plain = job_input(&source(), &BuildOptions::default());
        assert!(!plain.options.contains_key("generate"));
        let all = job_input(
            &source(),
            &BuildOptions {
                all_symbols: true,
                max_cost: Some(0.5),
                ..Default::default()
            },
        );
        assert_eq!(
            all.options["generate"],
            serde_json::json!({ "budget_per_file_usd": null, "max_cost": 0.5 })
        );
        let lifted = doctown_generate::GenerateConfig::default()
            .overlay_job_options(&all.options["generate"])
            .unwrap();
        assert_eq!(lifted.effective_budget(50), None);
        assert_eq!(
            doctown_generate::GenerateConfig::default().effective_budget(50),
            Some(0.005)
        );
    }
}

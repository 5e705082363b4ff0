//! The generate stage handler: reads the assemble artifacts, runs a
//! [`Generator`], writes `docs.json`, `cost.json` and `manifest.json` under
//! `jobs/<job>/generate/`, and emits the generation events.
//!
//! The handler is synchronous like every stage; it owns one tokio runtime
//! (created on first use) for the asynchronous model client.

use crate::artifacts::generate::GenerateManifest;
use crate::artifacts::generate::{CostReport, DocSource, Insight};
use crate::config::{Backend, GenerateConfig};
use crate::engine::{Generator, Outcome, Progress};
use crate::error::GenerateError;
use crate::events::generate::{
    GenerationCompleted, GenerationStarted, GenerationTotals, SymbolDocumented,
};
use crate::facts::GenerateInput;
use crate::model::LanguageModel;
use crate::stream::DocsStream;
use doctown_core::artifacts::artifact_key;
use doctown_core::{JobStatus, Stage, StageStatus};
use doctown_pipeline::memo::{EntryWriter, Memo, Slot};
use doctown_pipeline::{now_ms, StageContext, StageFailure, StageHandler, StageOutput};
use doctown_store::{ObjectStore, StoreError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// The generate stage.
pub struct GenerateHandler {
    config: GenerateConfig,
    model: Option<Arc<dyn LanguageModel>>,
    runtime: OnceLock<Result<tokio::runtime::Runtime, String>>,
}

impl GenerateHandler {
    /// A handler with the host's configuration (e.g. [`GenerateConfig::from_env`]);
    /// job options are laid over it per job.
    pub fn new(config: GenerateConfig) -> Self {
        GenerateHandler {
            config,
            model: None,
            runtime: OnceLock::new(),
        }
    }

    /// A handler that uses this model whatever the backend says (tests).
    pub fn with_model(config: GenerateConfig, model: Arc<dyn LanguageModel>) -> Self {
        GenerateHandler {
            config,
            model: Some(model),
            runtime: OnceLock::new(),
        }
    }

    fn runtime(&self) -> Result<&tokio::runtime::Runtime, GenerateError> {
        let built = self.runtime.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("doctown-generate")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        });
        built
            .as_ref()
            .map_err(|e| GenerateError::Runtime(e.clone()))
    }

    /// The configuration for a job: host settings with the job's options.
    pub fn config_for(&self, ctx: &StageContext<'_>) -> Result<GenerateConfig, GenerateError> {
        match ctx.job.input.options.get(Stage::Generate.name()) {
            None => Ok(self.config.clone()),
            Some(options) => self.config.overlay_job_options(options),
        }
    }

    fn generate(
        &self,
        ctx: &StageContext<'_>,
        totals: &mut GenerationTotals,
    ) -> Result<StageOutput, GenerateError> {
        let config = self.config_for(ctx)?;
        let generator = match (&self.model, config.backend) {
            (Some(model), _) => Generator::with_model(config, model.clone())?,
            (None, Backend::OpenAi) => {
                config.require_key()?;
                config.require_price()?;
                Generator::new(config)?
            }
            (None, Backend::Facts) => Generator::new(config)?,
        };
        let repository = ctx
            .job
            .source
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_else(|| {
                ctx.job
                    .input
                    .source
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
                    .to_string()
            });
        let ingest = crate::input::load_ingest(ctx.store, &ctx.job.job_id)?;
        let asked = match generator.model() {
            Some(_) => Some(self.ask_model(ctx, &generator, &repository, &ingest)?),
            None => None,
        };
        self.write_docs(ctx, &generator, &repository, &ingest, asked, totals)
    }

    /// The model's answers: every symbol's facts in memory (what the plan
    /// ranks and the prompts say), freed before `docs.json` is written.
    fn ask_model(
        &self,
        ctx: &StageContext<'_>,
        generator: &Generator,
        repository: &str,
        ingest: &crate::input::IngestFacts,
    ) -> Result<Outcome, GenerateError> {
        let mut input = GenerateInput::load(ctx.store, &ctx.job.job_id, repository)?;
        input.programs = ingest.programs.clone();
        input.about = ingest.about.clone();
        if let Some(history) = &ingest.history {
            crate::history::attach(&mut input, history);
        }
        self.run_generator(ctx, generator, &input, self.runtime()?)
    }

    fn run_generator(
        &self,
        ctx: &StageContext<'_>,
        generator: &Generator,
        input: &GenerateInput,
        runtime: &tokio::runtime::Runtime,
    ) -> Result<Outcome, GenerateError> {
        let run = || {
            let mut emitted = 0;
            let mut progress = |p: Progress| match p {
                Progress::Started(started) => ctx.events.emit(&started),
                Progress::Symbol(symbol) => {
                    if symbol_event_wanted(emitted, &symbol) {
                        emitted += 1;
                        ctx.events.emit(&symbol);
                    }
                }
            };
            runtime.block_on(generator.run(input, Some(ctx.store), &mut progress, ctx.cancel))
        };
        // block_on panics inside another runtime: then run on a thread of our own.
        if tokio::runtime::Handle::try_current().is_ok() {
            std::thread::scope(|scope| scope.spawn(run).join())
                .map_err(|_| GenerateError::Runtime("the generate thread panicked".into()))?
        } else {
            run()
        }
    }

    /// The insight families (`crate::insights`), with the model when one
    /// is configured and its worst case fits under `max_cost` with what
    /// the summaries cost (`spent_usd`).
    fn insights(
        &self,
        generator: &Generator,
        input: &GenerateInput,
        history: &doctown_docpack::history::History,
        spent_usd: f64,
    ) -> Result<Vec<Insight>, GenerateError> {
        let config = generator.config();
        let mut model = generator.model();
        let mut note = None;
        if let (Some(max), Some(_)) = (config.max_cost, model) {
            let price =
                crate::price::PriceTable::with_overrides(&config.prices).lookup(&config.model);
            let tokens = (crate::insights::PROMPT_TOKENS as u64
                + u64::from(crate::insights::ANSWER_TOKENS))
                * u64::from(crate::insights::ATTEMPTS)
                * crate::insights::Family::ALL.len() as u64;
            let worst = crate::price::cost_usd(price, tokens, tokens);
            if spent_usd + worst > max {
                model = None;
                note = Some(format!(
                    "written from the facts: the model's worst case (${worst:.4}) with the \
                     summaries' cost would pass max_cost ${max}"
                ));
            }
        }
        let runtime = self.runtime()?;
        let run = || runtime.block_on(crate::insights::insights(input, history, model, config));
        // block_on panics inside another runtime: then a thread of our own.
        let mut insights = if tokio::runtime::Handle::try_current().is_ok() {
            std::thread::scope(|scope| scope.spawn(run).join())
                .map_err(|_| GenerateError::Runtime("the insights thread panicked".into()))?
        } else {
            run()
        };
        if let Some(note) = note {
            for insight in &mut insights {
                insight.error = Some(note.clone());
            }
        }
        Ok(insights)
    }

    /// `docs.json`, written symbol by symbol ([`crate::stream`]): every
    /// summary from the facts, with what the model settled (`asked`) laid
    /// over them; then the reports.
    fn write_docs(
        &self,
        ctx: &StageContext<'_>,
        generator: &Generator,
        repository: &str,
        ingest: &crate::input::IngestFacts,
        asked: Option<Outcome>,
        totals: &mut GenerationTotals,
    ) -> Result<StageOutput, GenerateError> {
        let history = ingest.history.as_ref();
        let manifest = crate::input::assemble_manifest(ctx.store, &ctx.job.job_id)?;
        let pass = FirstPass::read(ctx.store, &manifest, history.is_some())?;
        let backend = generator.config().backend.name().to_string();
        if asked.is_none() {
            ctx.events.emit(&GenerationStarted {
                backend: backend.clone(),
                model: None,
                symbols: pass.index.len() as u64,
                modules: pass.modules.len() as u64,
                to_model: 0,
                cache_hits: 0,
                requests_planned: 0,
                estimated_cost_usd: 0.0,
            });
        }
        let spent_usd = asked.as_ref().map_or(0.0, |o| o.totals.cost_usd);
        let write_insights = |input: &GenerateInput| match history {
            Some(history) => self.insights(generator, input, history, spent_usd),
            None => Ok(Vec::new()),
        };
        let run = DocsRun {
            ctx,
            repository,
            contexts: &manifest.contexts,
            pass: &pass,
            asked: asked.as_ref(),
            history,
            programs: &ingest.programs,
            about: &ingest.about,
        };
        let symbols = run.stream(&write_insights)?;
        let (cost, partial) = match asked {
            Some(outcome) => {
                *totals = outcome.totals;
                (outcome.cost, outcome.partial)
            }
            None => {
                *totals = GenerationTotals {
                    symbols,
                    modules: pass.modules.len() as u64,
                    from_facts: symbols,
                    ..Default::default()
                };
                let cost = CostReport {
                    backend,
                    ..Default::default()
                };
                (cost, false)
            }
        };
        self.write_reports(ctx, generator, &cost, totals, partial)
    }

    /// `cost.json` and `manifest.json` once `docs.json` is written, and
    /// the stage's output.
    fn write_reports(
        &self,
        ctx: &StageContext<'_>,
        generator: &Generator,
        cost: &CostReport,
        totals: &GenerationTotals,
        partial: bool,
    ) -> Result<StageOutput, GenerateError> {
        let key = |name: &str| artifact_key(&ctx.job.job_id, Stage::Generate.name(), name);
        let config = generator.config();
        let manifest = GenerateManifest {
            docs: key(GenerateManifest::DOCS),
            cost: key(GenerateManifest::COST),
            backend: config.backend.name().to_string(),
            model: cost.model.clone(),
            symbols: totals.symbols,
            from_model: totals.documented,
            from_facts: totals.from_facts,
            failed: totals.failed,
            modules: totals.modules,
            cost_usd: totals.cost_usd,
        };
        doctown_store::put_json(ctx.store, &manifest.cost, cost)?;
        let manifest_key = key(GenerateManifest::NAME);
        doctown_store::put_json(ctx.store, &manifest_key, &manifest)?;
        Ok(StageOutput {
            status: if partial {
                StageStatus::Partial
            } else {
                StageStatus::Succeeded
            },
            artifacts: [
                ("manifest", manifest_key),
                ("docs", manifest.docs),
                ("cost", manifest.cost),
            ]
            .into_iter()
            .map(|(name, key)| (name.to_string(), key))
            .collect(),
            summary: serde_json::to_value(totals).unwrap_or_default(),
            source: None,
        })
    }
}

/// The first pass over the contexts, and the modules and clusters read
/// beside it.
struct FirstPass {
    index: crate::stream::SymbolIndex,
    modules: Vec<crate::facts::ModuleFacts>,
    clusters: Vec<crate::facts::ClusterFacts>,
    /// What the first pass read: the contexts' outline where assemble
    /// wrote one (a tenth of their bytes), else the contexts.
    read: String,
}

impl FirstPass {
    /// With `files`, each file's most central symbol too. Contexts out of
    /// id order (assemble writes them in id order) are refused.
    fn read(
        store: &dyn ObjectStore,
        manifest: &doctown_core::artifacts::assemble::AssembleManifest,
        files: bool,
    ) -> Result<FirstPass, GenerateError> {
        let first = &manifest.outline;
        let (index, loaded) = std::thread::scope(|scope| {
            let loaded = scope.spawn(|| crate::input::load_modules_and_clusters(store, manifest));
            let index = crate::stream::read_index(store, first, files);
            let loaded = loaded.join().map_err(|_| {
                GenerateError::Runtime("the thread reading the modules panicked".into())
            });
            (index, loaded)
        });
        let Some(index) = index? else {
            return Err(GenerateError::BadInput {
                key: first.to_string(),
                message: "its symbols are not in id order (or an id is there twice)".into(),
            });
        };
        let (modules, clusters) = loaded??;
        Ok(FirstPass {
            index,
            modules,
            clusters,
            read: first.to_string(),
        })
    }
}

/// One `docs.json` being written: what the stream reads and lays over.
struct DocsRun<'r> {
    ctx: &'r StageContext<'r>,
    repository: &'r str,
    /// The contexts' key.
    contexts: &'r str,
    pass: &'r FirstPass,
    asked: Option<&'r Outcome>,
    history: Option<&'r doctown_docpack::history::History>,
    programs: &'r [doctown_core::artifacts::Program],
    about: &'r doctown_core::artifacts::About,
}

impl DocsRun<'_> {
    /// Streams `docs.json` into the store, the contexts read (and recalled
    /// from the memo) on a thread ahead of it; the symbols written.
    fn stream(
        &self,
        write_insights: &crate::stream::WriteInsights<'_>,
    ) -> Result<u64, GenerateError> {
        let ctx = self.ctx;
        let index = &self.pass.index;
        let mut blocks = crate::input::JsonlBlocks::open(ctx.store, self.contexts)?;
        let docs_key = artifact_key(
            &ctx.job.job_id,
            Stage::Generate.name(),
            GenerateManifest::DOCS,
        );
        let history = self.history;
        let changes = history.map(crate::history::Changes::new);
        let mut memo = DocsMemo::open(ctx, crate::memo::SLOT);
        let recollection = crate::memo::Recollection {
            index,
            changes: changes.as_ref(),
            insights: history.is_some(),
            key: self.contexts,
        };
        let recall = |at: usize, line: &str| recollection.whole_facts(at, line);
        let (symbols, stored) = std::thread::scope(|scope| {
            let mut last = memo.last.take();
            let recollection = &recollection;
            let ahead = doctown_pipeline::process::made_ahead(scope, move || {
                crate::memo::next_block(&mut blocks, &mut last, recollection)
            });
            let mut read = crate::stream::IdsDigest::default();
            let mut next = || {
                if ctx.cancel.is_cancelled() {
                    return Err(GenerateError::Cancelled);
                }
                let block = ahead.recv().map_err(|_| {
                    GenerateError::Runtime("the thread reading the contexts stopped".into())
                })??;
                self.checked(block, &mut read, &mut memo)
            };
            // A model run reported its symbols as it settled them.
            let report = self.asked.is_none();
            let mut emitted = 0;
            let mut progress = |event: SymbolDocumented| {
                if report && symbol_event_wanted(emitted, &event) {
                    emitted += 1;
                    ctx.events.emit(&event);
                }
            };
            let pass = self.pass;
            let mut stream = DocsStream::new(
                self.repository,
                &pass.modules,
                &pass.clusters,
                index.len() as u64,
                &mut next,
                &mut progress,
            )
            .with_recall(&recall)
            .with_programs(self.programs, self.about);
            if let Some(asked) = self.asked {
                stream = stream.with_answers(&asked.answers);
            }
            if let Some(history) = history {
                let aggregates = crate::stream::Aggregates::with_history(history);
                stream = stream.with_insights(aggregates, write_insights);
            }
            let stored = put_streamed(ctx.store, &docs_key, &stream);
            (stream.finish(), stored)
        });
        let symbols = symbols?;
        stored?;
        memo.commit();
        Ok(symbols)
    }

    /// A block read ahead, its lines kept in this run's memo and its ids
    /// added to `read`; at the end, a check that they were the ids of the
    /// first pass.
    fn checked(
        &self,
        block: Option<Vec<crate::memo::Remembered>>,
        read: &mut crate::stream::IdsDigest,
        memo: &mut DocsMemo<'_>,
    ) -> Result<Option<Vec<crate::stream::Documented>>, GenerateError> {
        match block {
            Some(block) => Ok(Some(
                block
                    .into_iter()
                    .map(|(d, line)| {
                        read.add(&d.id);
                        memo.keep(&line);
                        d
                    })
                    .collect(),
            )),
            None if read.value() != self.pass.index.ids_digest() => Err(GenerateError::BadInput {
                key: self.contexts.to_string(),
                message: format!("its symbols are not those of {}", self.pass.read),
            }),
            None => Ok(None),
        }
    }
}

/// The memo of a source's summaries ([`crate::memo`]): the last run's,
/// being read, and this run's, being written beside `docs.json` and kept
/// only when it is stored. Reading or writing it may fail; that only costs
/// documenting the symbols again.
struct DocsMemo<'a> {
    last: Option<crate::memo::MemoReader>,
    next: Option<EntryWriter<'a>>,
}

impl<'a> DocsMemo<'a> {
    fn open(ctx: &'a StageContext<'_>, slot: Slot<'_>) -> Self {
        let memo = Memo::for_job(ctx.store, ctx.job, Stage::Generate);
        DocsMemo {
            last: memo
                .reader(slot)
                .map(|r| crate::memo::MemoReader::new(Box::new(r))),
            next: memo.writer(slot),
        }
    }

    /// Adds a record to this run's memo.
    fn keep(&mut self, record: &[u8]) {
        use std::io::Write;
        let Some(writer) = self.next.as_mut() else {
            return;
        };
        if let Err(e) = writer.write_all(record) {
            tracing::warn!("the summaries not kept for the next build: {e}");
            self.next = None;
        }
    }

    /// Stores this run's memo.
    fn commit(self) {
        if let Some(writer) = self.next {
            writer.commit();
        }
    }
}

/// Serialises `value` as `doctown_store::put_json` would (pretty, a
/// newline at the end) straight into the store through a pipe, the store
/// reading on a thread of its own: the document is never whole in memory.
/// When serialising fails the store's read fails too, so nothing is
/// stored.
fn put_streamed(
    store: &dyn ObjectStore,
    key: &str,
    value: &impl serde::Serialize,
) -> Result<(), GenerateError> {
    use std::io::Write;
    let (reader, writer) = std::io::pipe().map_err(|e| StoreError::io(key, e))?;
    let failed = AtomicBool::new(false);
    let failed = &failed;
    std::thread::scope(|scope| {
        let stored = scope.spawn(move || {
            let mut reader = FailingAtEnd {
                inner: reader,
                failed,
            };
            store.put_stream(key, &mut reader)
        });
        let mut out = std::io::BufWriter::with_capacity(1 << 20, writer);
        let written = serde_json::to_writer_pretty(&mut out, value)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush());
        if written.is_err() {
            failed.store(true, Ordering::SeqCst);
        }
        drop(out);
        stored
            .join()
            .map_err(|_| GenerateError::Runtime("the store's writing thread panicked".into()))??;
        written.map_err(|e| StoreError::io(key, e))?;
        Ok(())
    })
}

/// A pipe's reading end that fails at its end when the writer failed.
struct FailingAtEnd<'a> {
    inner: std::io::PipeReader,
    failed: &'a AtomicBool,
}

impl std::io::Read for FailingAtEnd<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() && self.failed.load(Ordering::SeqCst) {
            return Err(std::io::Error::other(
                "the document could not be serialised",
            ));
        }
        Ok(n)
    }
}

impl StageHandler for GenerateHandler {
    fn stage(&self) -> Stage {
        Stage::Generate
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<StageOutput, StageFailure> {
        let started = now_ms();
        let mut totals = GenerationTotals::default();
        let result = self.generate(ctx, &mut totals);
        let (status, error) = match &result {
            Ok(output) if output.status == StageStatus::Partial => (JobStatus::Partial, None),
            Ok(_) => (JobStatus::Succeeded, None),
            Err(GenerateError::Cancelled) => (JobStatus::Cancelled, Some("cancelled".to_string())),
            Err(e) => (JobStatus::Failed, Some(e.to_string())),
        };
        let duration_ms = now_ms().saturating_sub(started);
        ctx.events.emit(&GenerationCompleted {
            status,
            totals,
            duration_ms,
            error,
        });
        result.map_err(StageFailure::from)
    }
}

/// Per-symbol `generation.symbol_documented.v1` events show a build's
/// first steps live; a kernel's four million symbols would log four million
/// events (2 GB, each 256 KiB segment synced to the store: most of
/// generate's time). `generation.completed.v1` carries the totals.
pub const SYMBOL_EVENT_LIMIT: u64 = 10_000;

/// Summaries from facts are settled all at once, faster than a feed can
/// show them, and say nothing `docs.json` does not: past this many events
/// they are not logged (a 300-file repository's 8,000 were half of a
/// rebuild's event log).
pub const FACTS_EVENT_LIMIT: u64 = 1_000;

/// Whether a symbol's event is logged, after `emitted` were: the first
/// [`FACTS_EVENT_LIMIT`] (from facts) or [`SYMBOL_EVENT_LIMIT`] (from the
/// model), and every one that says why the model's answer was not used.
fn symbol_event_wanted(emitted: u64, event: &SymbolDocumented) -> bool {
    let limit = if event.source == DocSource::Facts {
        FACTS_EVENT_LIMIT
    } else {
        SYMBOL_EVENT_LIMIT
    };
    emitted < limit || event.error.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbol_events_stop_at_the_limit_but_failures_are_logged() {
        let event = |source: DocSource, error: Option<&str>| SymbolDocumented {
            symbol_id: doctown_core::SymbolId::from_parts(&[b"a.c", b"f"]),
            source,
            model: None,
            error: error.map(str::to_string),
        };
        let (facts, model) = (DocSource::Facts, DocSource::Model);
        assert!(symbol_event_wanted(0, &event(facts, None)));
        assert!(symbol_event_wanted(
            FACTS_EVENT_LIMIT - 1,
            &event(facts, None)
        ));
        assert!(!symbol_event_wanted(FACTS_EVENT_LIMIT, &event(facts, None)));
        assert!(symbol_event_wanted(FACTS_EVENT_LIMIT, &event(model, None)));
        assert!(symbol_event_wanted(
            SYMBOL_EVENT_LIMIT - 1,
            &event(model, None)
        ));
        assert!(!symbol_event_wanted(
            SYMBOL_EVENT_LIMIT,
            &event(model, None)
        ));
        assert!(symbol_event_wanted(
            SYMBOL_EVENT_LIMIT * 100,
            &event(facts, Some("timeout"))
        ));
    }
}

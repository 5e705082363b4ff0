//! A model run: cache lookups, the tier, the cost check, batched requests,
//! and every answer and failure settled as [`Answers`] with a
//! [`CostReport`] and totals. The facts summaries the answers replace are
//! written by [`crate::stream`], the one writer of `docs.json`.

use crate::artifacts::generate::{CostReport, RequestCost};
use crate::batch::pack;
use crate::cache::{AnswerCache, CachedAnswer};
use crate::config::{Backend, GenerateConfig};
use crate::engine_docs::{fatal_error, finish, from_facts, Keys};
pub use crate::engine_docs::{Answers, Outcome, Settled};
use crate::engine_run::{dispatch, Job, JobResult, Shared};
use crate::error::GenerateError;
use crate::events::generate::{GenerationStarted, GenerationTotals, SymbolDocumented};
use crate::facts::GenerateInput;
use crate::model::{LanguageModel, ModelError};
use crate::openai::OpenAiModel;
use crate::plan::{build_plan, expected_cost, select_tier, Cost};
use crate::price::round_usd;
use crate::prompt::ItemKind;
use crate::stream::architecture_facts;
use crate::tokens::TokenCounter;
use crate::work_item::WorkItem;
use crate::writer::FactsWriter;
use doctown_pipeline::CancelToken;
use doctown_store::ObjectStore;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// What a run reports as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    Started(GenerationStarted),
    Symbol(SymbolDocumented),
}

/// Runs generations with one configuration and model.
pub struct Generator {
    config: GenerateConfig,
    model: Option<Arc<dyn LanguageModel>>,
}

impl Generator {
    /// A generator for the configured backend. The openai backend needs a
    /// key: without one this fails before any work.
    pub fn new(config: GenerateConfig) -> Result<Generator, GenerateError> {
        config.validate()?;
        let model: Option<Arc<dyn LanguageModel>> = match config.backend {
            Backend::Facts => None,
            Backend::OpenAi => Some(Arc::new(OpenAiModel::new(&config)?)),
        };
        Ok(Generator { config, model })
    }

    /// A generator with any model (tests, other backends).
    pub fn with_model(
        config: GenerateConfig,
        model: Arc<dyn LanguageModel>,
    ) -> Result<Generator, GenerateError> {
        config.validate()?;
        Ok(Generator {
            config,
            model: Some(model),
        })
    }

    pub fn config(&self) -> &GenerateConfig {
        &self.config
    }

    /// The model, when one is configured.
    pub fn model(&self) -> Option<&dyn LanguageModel> {
        self.model.as_deref()
    }

    /// Asks the model about what the plan picks and settles every answer
    /// and failure ([`Answers`]); `docs.json` is written by
    /// [`crate::stream`], which lays the answers over the facts. Without a
    /// model nothing is asked. `store` holds the answer cache (none: no
    /// cache); `cancel` stops the requests in flight when it is set.
    pub async fn run(
        &self,
        input: &GenerateInput,
        store: Option<&dyn ObjectStore>,
        progress: &mut dyn FnMut(Progress),
        cancel: &CancelToken,
    ) -> Result<Outcome, GenerateError> {
        let mut tally = Tally::new(input, self.config.backend.name());
        let Some(model) = self.model.clone() else {
            return Ok(finish(tally.answers, tally.cost, tally.totals, false));
        };
        let config = &self.config;
        let writer = FactsWriter::new(input);
        let arch = architecture_facts(&writer, input);
        let counter = TokenCounter::for_model(&config.model);
        let plan = build_plan(input, &writer, &arch, &counter, config);
        let cache = store
            .filter(|_| config.cache)
            .map(|s| (s, AnswerCache::new(&config.model)));
        let hits = cached_answers(&plan, cache.as_ref())?;
        let n = select_tier(&plan, config, &counter, &|i| hits.contains_key(&i.hash));
        let all_items = plan.symbols[..n]
            .iter()
            .chain(&plan.modules)
            .chain(&plan.architecture);
        let (cached, misses): (Vec<&WorkItem>, Vec<&WorkItem>) =
            all_items.partition(|i| hits.contains_key(&i.hash));
        let (jobs, planned) = jobs_for(&misses, &tally.keys, config, &counter);
        if let Some(max_cost) = config.max_cost.filter(|max| planned.cost_usd > *max) {
            return Err(GenerateError::CostLimit {
                estimated: planned.cost_usd,
                max_cost,
                symbols: misses.iter().filter(|i| i.kind == ItemKind::Symbol).count(),
                model: config.model.clone(),
            });
        }
        let model_id = model.id().to_string();
        progress(Progress::Started(GenerationStarted {
            backend: tally.cost.backend.clone(),
            model: Some(model_id.clone()),
            symbols: tally.totals.symbols,
            modules: tally.totals.modules,
            to_model: n as u64,
            cache_hits: cached.len() as u64,
            requests_planned: jobs.len() as u64,
            estimated_cost_usd: round_usd(planned.cost_usd),
        }));
        tally.settle_unasked(&cached, &hits, &plan.symbols[..n], progress);
        let shared = Arc::new(Shared {
            model,
            counter,
            price: config.price(),
            backoff: config.backoff(),
            attempts: config.attempts,
            max_cost: config.max_cost,
            spent: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let hashes: HashMap<usize, &str> = misses
            .iter()
            .map(|i| (tally.keys.of(i), i.hash.as_str()))
            .collect();
        let asking = Asking {
            shared,
            cache,
            hashes,
        };
        let results = asking
            .ask(jobs, config, &mut tally, progress, cancel)
            .await?;
        let any_failed = tally.add_up(&results);
        tally.cost.model = Some(model_id);
        tally.cost.price = config.price();
        tally.cost.requests = tally.totals.requests;
        tally.cost.cache_hits = tally.totals.cache_hits;
        Ok(finish(tally.answers, tally.cost, tally.totals, any_failed))
    }
}

/// What a run has settled and counted so far.
struct Tally<'a> {
    input: &'a GenerateInput,
    keys: Keys,
    answers: Answers,
    totals: GenerationTotals,
    cost: CostReport,
}

impl<'a> Tally<'a> {
    fn new(input: &'a GenerateInput, backend: &str) -> Self {
        Tally {
            input,
            keys: Keys {
                symbols: input.symbols.len(),
                modules: input.modules.len(),
            },
            answers: Answers::default(),
            totals: GenerationTotals {
                symbols: input.symbols.len() as u64,
                modules: input.modules.len() as u64,
                ..Default::default()
            },
            cost: CostReport {
                backend: backend.into(),
                ..Default::default()
            },
        }
    }

    /// Settles item `key`, reporting a symbol; a failed symbol counts.
    fn settle(&mut self, key: usize, settled: Settled, progress: &mut dyn FnMut(Progress)) {
        let failed = matches!(settled, Settled::Failed(_));
        if let Some(event) = self.answers.settle(self.input, &self.keys, key, settled) {
            self.totals.failed += u64::from(failed);
            progress(Progress::Symbol(event));
        }
    }

    /// Settles what the cache answered, and reports the symbols left to
    /// their facts (those outside `to_model`).
    fn settle_unasked(
        &mut self,
        cached: &[&WorkItem],
        hits: &HashMap<String, CachedAnswer>,
        to_model: &[WorkItem],
        progress: &mut dyn FnMut(Progress),
    ) {
        for item in cached {
            let answer = &hits[&item.hash];
            let settled = Settled::Answered {
                summary: answer.summary.clone(),
                model: answer.model.clone(),
            };
            self.settle(self.keys.of(item), settled, progress);
        }
        self.totals.cache_hits = cached.len() as u64;
        let to_model: HashSet<usize> = to_model.iter().map(|i| i.index).collect();
        for (_, s) in self
            .input
            .symbols
            .iter()
            .enumerate()
            .filter(|(i, _)| !to_model.contains(i))
        {
            progress(Progress::Symbol(from_facts(s.id.clone())));
        }
    }

    /// Adds the requests' attempts, tokens and costs, in request order;
    /// whether any item failed.
    fn add_up(&mut self, results: &[JobResult]) -> bool {
        let (totals, cost) = (&mut self.totals, &mut self.cost);
        let mut any_failed = false;
        for r in results {
            any_failed |= !r.failed.is_empty();
            totals.requests += u64::from(r.attempts);
            totals.retries += u64::from(r.attempts.saturating_sub(1));
            cost.prompt_tokens += r.usage.prompt_tokens;
            cost.completion_tokens += r.usage.completion_tokens;
            cost.cost_usd += r.cost_usd;
            cost.estimated_tokens |= r.estimated_tokens;
            cost.per_request.push(RequestCost {
                request: r.number,
                kind: r.kind.map(ItemKind::name).unwrap_or_default().into(),
                items: r.asked,
                answered: r.answered.len() as u32,
                attempts: r.attempts,
                prompt_tokens: r.usage.prompt_tokens,
                completion_tokens: r.usage.completion_tokens,
                cost_usd: round_usd(r.cost_usd),
                error: (!r.failed.is_empty()).then(|| r.last_error.clone().unwrap_or_default()),
            });
        }
        any_failed
    }
}

/// The answer cache in `store`, when the run keeps one.
type Cache<'s> = Option<(&'s dyn ObjectStore, AnswerCache)>;

/// The cached answers of every planned item, by item hash.
fn cached_answers(
    plan: &crate::plan::Plan,
    cache: Option<&(&dyn ObjectStore, AnswerCache)>,
) -> Result<HashMap<String, CachedAnswer>, GenerateError> {
    let mut hits = HashMap::new();
    if let Some((store, cache)) = cache {
        for item in plan
            .symbols
            .iter()
            .chain(&plan.modules)
            .chain(&plan.architecture)
        {
            if let Some(answer) = cache.get(*store, &item.hash)? {
                hits.insert(item.hash.clone(), answer);
            }
        }
    }
    Ok(hits)
}

/// The requests for the items the cache did not answer, batched per kind,
/// and what they are expected to cost.
fn jobs_for(
    misses: &[&WorkItem],
    keys: &Keys,
    config: &GenerateConfig,
    counter: &TokenCounter,
) -> (Vec<Job>, Cost) {
    let mut jobs = Vec::new();
    let mut planned = Cost::default();
    for kind in [ItemKind::Symbol, ItemKind::Module, ItemKind::Architecture] {
        let items: Vec<&WorkItem> = misses.iter().copied().filter(|i| i.kind == kind).collect();
        for batch in pack(kind, &items, config, counter) {
            let members: Vec<&WorkItem> = batch.items.iter().map(|i| items[*i]).collect();
            let estimate = expected_cost(&members, config, counter);
            planned.add(estimate);
            let items = members
                .iter()
                .map(|w| (keys.of(w), w.block.clone()))
                .collect();
            jobs.push(Job {
                number: jobs.len() as u32,
                kind,
                items,
                estimated_cost: estimate.cost_usd,
            });
        }
    }
    (jobs, planned)
}

/// The requests in flight: the model, the cache its answers go to, and
/// each item's hash there.
struct Asking<'s> {
    shared: Arc<Shared>,
    cache: Cache<'s>,
    hashes: HashMap<usize, &'s str>,
}

impl Asking<'_> {
    /// Sends `jobs` and settles their answers as they come; the results
    /// in request order, or the first fatal error, or `Cancelled`.
    async fn ask(
        self,
        jobs: Vec<Job>,
        config: &GenerateConfig,
        tally: &mut Tally<'_>,
        progress: &mut dyn FnMut(Progress),
        cancel: &CancelToken,
    ) -> Result<Vec<JobResult>, GenerateError> {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let dispatcher = tokio::spawn(dispatch(
            self.shared.clone(),
            jobs,
            config.max_in_flight,
            tx,
        ));
        let cancelled = Arc::new(tokio::sync::Notify::new());
        cancel.on_cancel({
            let cancelled = cancelled.clone();
            move || cancelled.notify_one()
        });
        let mut fatal: Option<ModelError> = None;
        let mut results: Vec<JobResult> = Vec::new();
        loop {
            let result = tokio::select! {
                received = rx.recv() => match received {
                    None => break,
                    Some(result) => result,
                },
                () = cancelled.notified() => {
                    self.shared.stop.store(true, Ordering::SeqCst);
                    dispatcher.abort();
                    return Err(GenerateError::Cancelled);
                }
            };
            self.settle(&result, tally, progress)?;
            if fatal.is_none() {
                fatal = result.fatal.clone();
            }
            results.push(result);
        }
        if let Some(error) = fatal {
            return Err(fatal_error(config, error));
        }
        results.sort_by_key(|r| r.number);
        Ok(results)
    }

    /// Settles one request's answers (kept in the cache) and failures.
    fn settle(
        &self,
        result: &JobResult,
        tally: &mut Tally<'_>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), GenerateError> {
        for (key, summary, answered_by) in &result.answered {
            if let (Some((store, cache)), Some(hash)) = (&self.cache, self.hashes.get(key)) {
                let entry = CachedAnswer {
                    summary: summary.clone(),
                    model: answered_by.clone(),
                };
                cache.put(*store, hash, &entry)?;
            }
            let settled = Settled::Answered {
                summary: summary.clone(),
                model: answered_by.clone(),
            };
            tally.settle(*key, settled, progress);
        }
        for (key, reason) in &result.failed {
            tally.settle(*key, Settled::Failed(reason.clone()), progress);
        }
        Ok(())
    }
}

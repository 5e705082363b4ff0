//! A model run: cache lookups, the tier, the cost check, batched requests,
//! and every answer and failure settled as [`Answers`] with a
//! [`CostReport`] and totals. The facts summaries the answers replace are
//! written by [`crate::stream`], the one writer of `docs.json`.

use crate::artifacts::generate::{CostReport, RequestCost};
use crate::batch::pack;
use crate::cache::{AnswerCache, CachedAnswer};
use crate::config::{Backend, GenerateConfig};
use crate::engine_docs::{fatal_error, finish, from_facts, Keys};
pub use crate::engine_docs::{Answers, Settled};
use crate::engine_run::{dispatch, Job, JobResult, Shared};
use crate::error::GenerateError;
use crate::events::generate::{GenerationStarted, GenerationTotals, SymbolDocumented};
use crate::facts::GenerateInput;
use crate::model::{LanguageModel, ModelError};
use crate::openai::OpenAiModel;
use crate::overview::architecture_facts;
use crate::plan::{build_plan, expected_cost, select_tier, Cost, WorkItem};
use crate::price::round_usd;
use crate::prompt::ItemKind;
use crate::retry::Backoff;
use crate::tokens::TokenCounter;
use crate::writer::FactsWriter;
use doctown_store::ObjectStore;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What a run reports as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    Started(GenerationStarted),
    Symbol(SymbolDocumented),
}

/// What a run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// What the model settled, to lay over the facts summaries.
    pub answers: Answers,
    pub cost: CostReport,
    pub totals: GenerationTotals,
    /// Some items the model was asked about fell back to facts.
    pub partial: bool,
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
    /// cache); `cancelled` is polled while requests are in flight.
    pub async fn run(
        &self,
        input: &GenerateInput,
        store: Option<&dyn ObjectStore>,
        progress: &mut dyn FnMut(Progress),
        cancelled: &dyn Fn() -> bool,
    ) -> Result<Outcome, GenerateError> {
        let mut answers = Answers::default();
        let keys = Keys {
            symbols: input.symbols.len(),
            modules: input.modules.len(),
        };
        let mut totals = GenerationTotals {
            symbols: input.symbols.len() as u64,
            modules: input.modules.len() as u64,
            ..Default::default()
        };
        let mut cost = CostReport {
            backend: self.config.backend.name().into(),
            ..Default::default()
        };
        let Some(model) = self.model.clone() else {
            return Ok(finish(answers, cost, totals, false));
        };
        let config = &self.config;
        let writer = FactsWriter::new(input);
        let arch = architecture_facts(&writer, input);
        let counter = TokenCounter::for_model(&config.model);
        let plan = build_plan(input, &writer, &arch, &counter, config);
        let cache = store
            .filter(|_| config.cache)
            .map(|s| (s, AnswerCache::new(&config.model)));
        let mut hits: HashMap<String, CachedAnswer> = HashMap::new();
        if let Some((store, cache)) = &cache {
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
        let n = select_tier(&plan, config, &counter, &|i| hits.contains_key(&i.hash));
        let all_items = plan.symbols[..n]
            .iter()
            .chain(&plan.modules)
            .chain(&plan.architecture);
        let (cached, misses): (Vec<&WorkItem>, Vec<&WorkItem>) =
            all_items.partition(|i| hits.contains_key(&i.hash));
        let mut jobs = Vec::new();
        let mut planned = Cost::default();
        for kind in [ItemKind::Symbol, ItemKind::Module, ItemKind::Architecture] {
            let items: Vec<&WorkItem> = misses.iter().copied().filter(|i| i.kind == kind).collect();
            for batch in pack(kind, &items, config, &counter) {
                let members: Vec<&WorkItem> = batch.items.iter().map(|i| items[*i]).collect();
                let estimate = expected_cost(&members, config, &counter);
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
            backend: cost.backend.clone(),
            model: Some(model_id.clone()),
            symbols: totals.symbols,
            modules: totals.modules,
            to_model: n as u64,
            cache_hits: cached.len() as u64,
            requests_planned: jobs.len() as u64,
            estimated_cost_usd: round_usd(planned.cost_usd),
        }));
        for item in &cached {
            let answer = &hits[&item.hash];
            let settled = Settled::Answered {
                summary: answer.summary.clone(),
                model: answer.model.clone(),
            };
            if let Some(event) = answers.settle(input, &keys, keys.of(item), settled) {
                progress(Progress::Symbol(event));
            }
        }
        totals.cache_hits = cached.len() as u64;
        let to_model: std::collections::HashSet<usize> =
            plan.symbols[..n].iter().map(|i| i.index).collect();
        for (_, s) in input
            .symbols
            .iter()
            .enumerate()
            .filter(|(i, _)| !to_model.contains(i))
        {
            progress(Progress::Symbol(from_facts(s.id.clone())));
        }
        let shared = Arc::new(Shared {
            model,
            counter,
            price: config.price(),
            backoff: Backoff::from_config(config),
            attempts: config.attempts,
            max_cost: config.max_cost,
            spent: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let hashes: HashMap<usize, &str> = misses
            .iter()
            .map(|i| (keys.of(i), i.hash.as_str()))
            .collect();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let dispatcher = tokio::spawn(dispatch(shared.clone(), jobs, config.max_in_flight, tx));
        let mut fatal: Option<ModelError> = None;
        let mut results: Vec<JobResult> = Vec::new();
        loop {
            let received = tokio::time::timeout(Duration::from_millis(100), rx.recv()).await;
            if cancelled() {
                shared.stop.store(true, Ordering::SeqCst);
                dispatcher.abort();
                return Err(GenerateError::Cancelled);
            }
            let result = match received {
                Err(_) => continue,
                Ok(None) => break,
                Ok(Some(result)) => result,
            };
            for (key, summary, answered_by) in &result.answered {
                if let (Some((store, cache)), Some(hash)) = (&cache, hashes.get(key)) {
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
                if let Some(event) = answers.settle(input, &keys, *key, settled) {
                    progress(Progress::Symbol(event));
                }
            }
            for (key, reason) in &result.failed {
                let settled = Settled::Failed(reason.clone());
                if let Some(event) = answers.settle(input, &keys, *key, settled) {
                    totals.failed += 1;
                    progress(Progress::Symbol(event));
                }
            }
            if fatal.is_none() {
                fatal = result.fatal.clone();
            }
            results.push(result);
        }
        if let Some(error) = fatal {
            return Err(fatal_error(config, error));
        }
        results.sort_by_key(|r| r.number);
        let mut any_failed = false;
        for r in &results {
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
        cost.model = Some(model_id);
        cost.price = config.price();
        cost.requests = totals.requests;
        cost.cache_hits = totals.cache_hits;
        Ok(finish(answers, cost, totals, any_failed))
    }
}

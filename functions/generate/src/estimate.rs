//! The cost of a generation before any model is called: requests, prompt
//! and completion tokens and dollars, for the configured tier and for the
//! standard tiers (facts only, top 10 / 25 / 50 %, everything), so that
//! `doctown estimate SOURCE` can show what each choice costs.
//!
//! Prompt tokens are counted on the exact requests the run would send;
//! completion tokens are an expectation per item (a summary is ~40 tokens).
//! [`estimate`] ignores the cache (an upper bound); [`estimate_cached`]
//! counts cached items as free.

use crate::artifacts::generate::ModelPrice;
use crate::cache::AnswerCache;
use crate::config::GenerateConfig;
use crate::facts::GenerateInput;
use crate::plan::{build_plan, expected_cost, overview_cost, select_tier, Cost, Plan};
use crate::price::round_usd;
use crate::stream::architecture_facts;
use crate::tokens::TokenCounter;
use crate::work_item::WorkItem;
use crate::writer::FactsWriter;
use doctown_store::ObjectStore;
use serde::{Deserialize, Serialize};

/// One tier: the first `symbols` symbols (by priority) go to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierEstimate {
    pub name: String,
    pub symbols: usize,
    pub requests: usize,
    pub prompt_tokens: usize,
    pub completion_tokens: usize,
    pub cost_usd: f64,
}

/// What a generation would cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub backend: String,
    pub model: String,
    /// The tokenizer encoding used for counting.
    pub encoding: String,
    /// `None` when the price table does not know the model (cost shows 0).
    pub price: Option<ModelPrice>,
    pub symbols: usize,
    pub modules: usize,
    /// Symbols whose facts were cut to `prompt_truncate_tokens`.
    pub truncated: usize,
    /// Items the cache already answers (only with [`estimate_cached`]).
    pub cached: usize,
    /// What this configuration would do (with the `openai` backend).
    pub selected: TierEstimate,
    pub tiers: Vec<TierEstimate>,
}

/// The estimate, ignoring the cache.
pub fn estimate(input: &GenerateInput, config: &GenerateConfig) -> Estimate {
    estimate_with(input, config, &|_| false)
}

/// The estimate, counting items the cache answers as free.
pub fn estimate_cached(
    input: &GenerateInput,
    config: &GenerateConfig,
    store: &dyn ObjectStore,
) -> Estimate {
    let cache = AnswerCache::new(&config.model);
    estimate_with(input, config, &|item| {
        cache.get(store, &item.hash).ok().flatten().is_some()
    })
}

fn tier(
    name: String,
    plan: &Plan,
    n: usize,
    overviews: Cost,
    c: &GenerateConfig,
    t: &TokenCounter,
    cached: &dyn Fn(&WorkItem) -> bool,
) -> TierEstimate {
    let misses: Vec<&WorkItem> = plan.symbols[..n].iter().filter(|i| !cached(i)).collect();
    let mut cost = expected_cost(&misses, c, t);
    cost.add(overviews);
    TierEstimate {
        name,
        symbols: n,
        requests: cost.requests,
        prompt_tokens: cost.prompt_tokens,
        completion_tokens: cost.completion_tokens,
        cost_usd: round_usd(cost.cost_usd),
    }
}

fn estimate_with(
    input: &GenerateInput,
    config: &GenerateConfig,
    cached: &dyn Fn(&WorkItem) -> bool,
) -> Estimate {
    let counter = TokenCounter::for_model(&config.model);
    let writer = FactsWriter::new(input);
    let arch = architecture_facts(&writer, input);
    let plan = build_plan(input, &writer, &arch, &counter, config);
    let overviews = overview_cost(&plan, config, &counter, cached);
    let total = plan.symbols.len();
    let mut tiers = vec![TierEstimate {
        name: "facts only".into(),
        symbols: 0,
        requests: 0,
        prompt_tokens: 0,
        completion_tokens: 0,
        cost_usd: 0.0,
    }];
    for percent in [10usize, 25, 50] {
        let n = (total * percent).div_ceil(100);
        tiers.push(tier(
            format!("top {percent}%"),
            &plan,
            n,
            overviews,
            config,
            &counter,
            cached,
        ));
    }
    tiers.push(tier(
        "all symbols".into(),
        &plan,
        total,
        overviews,
        config,
        &counter,
        cached,
    ));
    let n = select_tier(&plan, config, &counter, cached);
    let name = config.tier_name(plan.source_files);
    let selected = tier(name, &plan, n, overviews, config, &counter, cached);
    let cached_items = plan
        .symbols
        .iter()
        .chain(&plan.modules)
        .chain(&plan.architecture)
        .filter(|i| cached(i))
        .count();
    Estimate {
        backend: config.backend.name().to_string(),
        model: config.model.clone(),
        encoding: counter.encoding().to_string(),
        price: config.price(),
        symbols: total,
        modules: input.modules.len(),
        truncated: plan
            .symbols
            .iter()
            .filter(|i| !i.dropped.is_empty())
            .count(),
        cached: cached_items,
        selected,
        tiers,
    }
}

impl Estimate {
    /// A small table for people.
    pub fn render(&self) -> String {
        let price = match self.price {
            Some(p) => format!(
                "${}/${} per 1M input/output tokens",
                p.input_per_million, p.output_per_million
            ),
            None => "no price known (set `prices`); costs show as 0".to_string(),
        };
        let mut out = format!(
            "model {} ({}; {price})\n{} symbols, {} modules; {} symbols truncated; {} cached\n\n",
            self.model, self.encoding, self.symbols, self.modules, self.truncated, self.cached
        );
        out.push_str(&format!(
            "{:<26} {:>8} {:>9} {:>14} {:>12} {:>10}\n",
            "tier", "symbols", "requests", "prompt tok", "output tok", "cost $"
        ));
        for t in self.tiers.iter().chain(std::iter::once(&self.selected)) {
            out.push_str(&format!(
                "{:<26} {:>8} {:>9} {:>14} {:>12} {:>10.4}\n",
                t.name, t.symbols, t.requests, t.prompt_tokens, t.completion_tokens, t.cost_usd
            ));
        }
        out.push_str(&format!(
            "\nselected: {} (backend {})\n",
            self.selected.name, self.backend
        ));
        out
    }
}

//! What goes to the model, in what order: work items (one facts block per
//! symbol, module and the repository, truncated), the priority order of
//! symbols (cluster representatives first, then by centrality), and the
//! tier that fits `llm_top` / `budget_usd`.

use crate::batch::pack;
use crate::cache::AnswerCache;
use crate::config::GenerateConfig;
use crate::facts::GenerateInput;
use crate::overview::{architecture_block, module_block, ArchitectureFacts};
use crate::price::cost_usd;
use crate::prompt::{block_json, ItemKind, SymbolBlock};
use crate::tokens::TokenCounter;
use crate::truncate::{truncate_block, Dropped};
use crate::work_item::WorkItem;
use crate::writer::FactsWriter;
use std::collections::HashSet;

/// All items, symbols in priority order (trivial ones left out when
/// `trivial_to_facts`).
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub symbols: Vec<WorkItem>,
    pub modules: Vec<WorkItem>,
    pub architecture: Option<WorkItem>,
    /// Source files in the repository (what a per-file budget scales with).
    pub source_files: usize,
}

/// Symbol indices, most important first: each cluster's representative
/// (by centrality), then every other symbol by centrality; ties by id.
pub fn priority_order(input: &GenerateInput) -> Vec<usize> {
    let representatives: HashSet<&str> = input
        .clusters
        .iter()
        .filter_map(|c| c.representative.as_ref())
        .map(|id| id.as_str())
        .collect();
    let mut order: Vec<usize> = (0..input.symbols.len()).collect();
    order.sort_by(|a, b| {
        let (sa, sb) = (&input.symbols[*a], &input.symbols[*b]);
        let ra = representatives.contains(sa.id.as_str());
        let rb = representatives.contains(sb.id.as_str());
        rb.cmp(&ra)
            .then(sb.centrality.total_cmp(&sa.centrality))
            .then_with(|| sa.id.cmp(&sb.id))
    });
    order
}

fn item(
    kind: ItemKind,
    index: usize,
    block: String,
    dropped: Dropped,
    c: &TokenCounter,
    g: &GenerateConfig,
) -> WorkItem {
    let hash = AnswerCache::hash(g, kind, &block);
    WorkItem {
        kind,
        index,
        tokens: c.count(&block),
        block,
        dropped,
        hash,
    }
}

/// Builds every item (overviews only when `config.overviews`).
pub fn build_plan(
    input: &GenerateInput,
    writer: &FactsWriter,
    arch: &ArchitectureFacts,
    counter: &TokenCounter,
    config: &GenerateConfig,
) -> Plan {
    let limit = config.prompt_truncate_tokens;
    let source_files = input.source_files();
    let symbols = priority_order(input)
        .into_iter()
        .filter(|i| !(config.trivial_to_facts && writer.is_trivial(&input.symbols[*i])))
        .map(|i| {
            let mut block = SymbolBlock::new(writer, &input.symbols[i]);
            let dropped = truncate_block(&mut block, counter, limit);
            item(
                ItemKind::Symbol,
                i,
                block_json(&block),
                dropped,
                counter,
                config,
            )
        })
        .collect();
    if !config.overviews {
        return Plan {
            symbols,
            modules: Vec::new(),
            architecture: None,
            source_files,
        };
    }
    let cut = |text: String| {
        if counter.count(&text) > limit * 2 {
            counter.truncate(&text, limit * 2)
        } else {
            text
        }
    };
    let modules = input
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| {
            item(
                ItemKind::Module,
                i,
                cut(block_json(&module_block(input, m))),
                Vec::new(),
                counter,
                config,
            )
        })
        .collect();
    let arch_block = cut(block_json(&architecture_block(input, arch)));
    let architecture = Some(item(
        ItemKind::Architecture,
        0,
        arch_block,
        Vec::new(),
        counter,
        config,
    ));
    Plan {
        symbols,
        modules,
        architecture,
        source_files,
    }
}

/// Requests, tokens and dollars for a set of items.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cost {
    pub items: usize,
    pub requests: usize,
    pub prompt_tokens: usize,
    pub completion_tokens: usize,
    pub cost_usd: f64,
}

impl Cost {
    pub fn add(&mut self, other: Cost) {
        self.items += other.items;
        self.requests += other.requests;
        self.prompt_tokens += other.prompt_tokens;
        self.completion_tokens += other.completion_tokens;
        self.cost_usd += other.cost_usd;
    }
}

/// The expected cost of asking about these items (all of one kind).
pub fn expected_cost(items: &[&WorkItem], config: &GenerateConfig, counter: &TokenCounter) -> Cost {
    let Some(kind) = items.first().map(|i| i.kind) else {
        return Cost::default();
    };
    let batches = pack(kind, items, config, counter);
    let prompt_tokens: usize = batches.iter().map(|b| b.prompt_tokens).sum();
    let completion_tokens = items.len() * kind.completion_expected();
    Cost {
        items: items.len(),
        requests: batches.len(),
        prompt_tokens,
        completion_tokens,
        cost_usd: cost_usd(
            config.price(),
            prompt_tokens as u64,
            completion_tokens as u64,
        ),
    }
}

/// The expected cost of the overviews (modules and architecture) not cached.
pub fn overview_cost(
    plan: &Plan,
    config: &GenerateConfig,
    counter: &TokenCounter,
    cached: &dyn Fn(&WorkItem) -> bool,
) -> Cost {
    let modules: Vec<&WorkItem> = plan.modules.iter().filter(|i| !cached(i)).collect();
    let mut cost = expected_cost(&modules, config, counter);
    if let Some(arch) = plan.architecture.as_ref().filter(|i| !cached(i)) {
        cost.add(expected_cost(&[arch], config, counter));
    }
    cost
}

/// How many symbols (a prefix of `plan.symbols`) go to the model: all, the
/// `llm_top` first, or as many as the budget
/// ([`GenerateConfig::effective_budget`]) covers after the overviews.
/// Cached items cost nothing.
pub fn select_tier(
    plan: &Plan,
    config: &GenerateConfig,
    counter: &TokenCounter,
    cached: &dyn Fn(&WorkItem) -> bool,
) -> usize {
    let mut n = plan.symbols.len();
    if let Some(top) = config.llm_top {
        n = n.min(top);
    }
    let Some(budget) = config.effective_budget(plan.source_files) else {
        return n;
    };
    let left = budget - overview_cost(plan, config, counter, cached).cost_usd;
    let cost_of = |k: usize| {
        let misses: Vec<&WorkItem> = plan.symbols[..k].iter().filter(|i| !cached(i)).collect();
        expected_cost(&misses, config, counter).cost_usd
    };
    if cost_of(n) <= left {
        return n;
    }
    // The largest prefix within the budget (cost grows with the prefix).
    let (mut lo, mut hi) = (0usize, n);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if cost_of(mid) <= left {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

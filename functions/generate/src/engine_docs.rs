//! Bookkeeping of a model run: what the model settled for each item
//! ([`Answers`], laid over the facts summaries where `docs.json` is
//! written), item keys, the totals, what the run produced ([`Outcome`]),
//! and the mapping of fatal model errors to stage errors.

use crate::artifacts::generate::{CostReport, DocSource, Documentation};
use crate::config::GenerateConfig;
use crate::error::GenerateError;
use crate::events::generate::{GenerationTotals, SymbolDocumented};
use crate::facts::GenerateInput;
use crate::model::ModelError;
use crate::price::round_usd;
use crate::prompt::ItemKind;
use crate::work_item::WorkItem;
use doctown_core::SymbolId;
use std::collections::HashMap;

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

/// What the model settled for one item.
#[derive(Debug, Clone, PartialEq)]
pub enum Settled {
    /// The model's summary (or the answer cache's), and the model that
    /// wrote it.
    Answered { summary: String, model: String },
    /// Asked and not answered: the facts summary stays, with the reason.
    Failed(String),
}

impl Settled {
    /// Lays this over an item's facts documentation.
    pub fn apply(&self, doc: &mut Documentation) {
        match self {
            Settled::Answered { summary, model } => {
                doc.summary.clone_from(summary);
                doc.source = DocSource::Model;
                doc.model = Some(model.clone());
            }
            Settled::Failed(reason) => doc.error = Some(reason.clone()),
        }
    }
}

/// Every item the model settled: symbols by id, module overviews by
/// module id, the architecture summary. Items not here keep their facts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answers {
    pub symbols: HashMap<SymbolId, Settled>,
    pub modules: HashMap<String, Settled>,
    pub architecture: Option<Settled>,
}

impl Answers {
    /// Settles the item `key`; for a symbol, the event that says so.
    pub(crate) fn settle(
        &mut self,
        input: &GenerateInput,
        keys: &Keys,
        key: usize,
        settled: Settled,
    ) -> Option<SymbolDocumented> {
        if key < keys.symbols {
            let id = input.symbols[key].id.clone();
            let event = match &settled {
                Settled::Answered { model, .. } => SymbolDocumented {
                    symbol_id: id.clone(),
                    source: DocSource::Model,
                    model: Some(model.clone()),
                    error: None,
                },
                Settled::Failed(reason) => SymbolDocumented {
                    error: Some(reason.clone()),
                    ..from_facts(id.clone())
                },
            };
            self.symbols.insert(id, settled);
            Some(event)
        } else if key < keys.symbols + keys.modules {
            let id = input.modules[key - keys.symbols].id.clone();
            self.modules.insert(id, settled);
            None
        } else {
            self.architecture = Some(settled);
            None
        }
    }

    /// Lays the settled overviews over the facts ones.
    pub(crate) fn lay_over(
        &self,
        modules: &mut [crate::artifacts::generate::ModuleOverview],
        architecture: &mut crate::artifacts::generate::ArchitectureSummary,
    ) {
        for module in modules {
            if let Some(settled) = self.modules.get(&module.id) {
                settled.apply(&mut module.documentation);
            }
        }
        if let Some(settled) = &self.architecture {
            settled.apply(&mut architecture.documentation);
        }
    }

    /// Symbols the model wrote the summary of.
    fn answered_symbols(&self) -> u64 {
        self.symbols
            .values()
            .filter(|s| matches!(s, Settled::Answered { .. }))
            .count() as u64
    }
}

/// The event of a symbol left to its facts summary.
pub(crate) fn from_facts(symbol_id: SymbolId) -> SymbolDocumented {
    SymbolDocumented {
        symbol_id,
        source: DocSource::Facts,
        model: None,
        error: None,
    }
}

/// Item keys: symbols `0..s`, modules `s..s+m`, the architecture `s+m`.
pub(crate) struct Keys {
    pub(crate) symbols: usize,
    pub(crate) modules: usize,
}

impl Keys {
    pub(crate) fn of(&self, item: &WorkItem) -> usize {
        match item.kind {
            ItemKind::Symbol => item.index,
            ItemKind::Module => self.symbols + item.index,
            ItemKind::Architecture => self.symbols + self.modules,
        }
    }
}

pub(crate) fn fatal_error(config: &GenerateConfig, error: ModelError) -> GenerateError {
    let base_url = config.base_url_or_default().to_string();
    match error {
        ModelError::Unauthorized { status, message } => GenerateError::Unauthorized {
            base_url,
            status,
            message,
        },
        ModelError::Connect(message) => GenerateError::Unreachable {
            base_url,
            attempts: config.attempts,
            message,
        },
        ModelError::QuotaExceeded { message } => GenerateError::Refused {
            base_url,
            status: 429,
            message,
        },
        ModelError::NotFound { status, message } => GenerateError::Refused {
            base_url,
            status,
            message: format!("model {:?}: {message}", config.model),
        },
        other => GenerateError::Refused {
            base_url,
            status: 0,
            message: other.reason(),
        },
    }
}

pub(crate) fn finish(
    answers: Answers,
    mut cost: CostReport,
    mut totals: GenerationTotals,
    partial: bool,
) -> Outcome {
    totals.documented = answers.answered_symbols();
    totals.from_facts = totals.symbols - totals.documented;
    totals.prompt_tokens = cost.prompt_tokens;
    totals.completion_tokens = cost.completion_tokens;
    cost.cost_usd = round_usd(cost.cost_usd);
    totals.cost_usd = cost.cost_usd;
    Outcome {
        answers,
        cost,
        totals,
        partial,
    }
}

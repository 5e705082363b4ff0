//! Bookkeeping of a run: the settled documentation of every item (facts
//! first, replaced by model answers as they arrive), item keys, the final
//! assembly of [`GeneratedDocs`] and totals, and the mapping of fatal model
//! errors to stage errors.

use crate::artifacts::generate::{
    ArchitectureSummary, CostReport, DocSource, Documentation, GeneratedDocs, ModuleOverview,
    SymbolDoc,
};
use crate::config::GenerateConfig;
use crate::engine::Outcome;
use crate::error::GenerateError;
use crate::events::generate::{GenerationTotals, SymbolDocumented};
use crate::facts::GenerateInput;
use crate::model::ModelError;
use crate::plan::WorkItem;
use crate::price::round_usd;
use crate::prompt::ItemKind;

/// Settled documentation of all items, by item key.
pub(crate) struct Docs {
    pub(crate) symbols: Vec<Documentation>,
    pub(crate) modules: Vec<Documentation>,
    pub(crate) architecture: Documentation,
}

pub(crate) fn facts_doc(summary: String) -> Documentation {
    Documentation {
        summary,
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

impl Docs {
    pub(crate) fn slot(&mut self, keys: &Keys, key: usize) -> &mut Documentation {
        if key < keys.symbols {
            &mut self.symbols[key]
        } else if key < keys.symbols + keys.modules {
            &mut self.modules[key - keys.symbols]
        } else {
            &mut self.architecture
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

pub(crate) fn documented(
    symbol_id: doctown_core::SymbolId,
    doc: &Documentation,
) -> SymbolDocumented {
    SymbolDocumented {
        symbol_id,
        source: doc.source,
        model: doc.model.clone(),
        error: doc.error.clone(),
    }
}

pub(crate) fn finish(
    input: &GenerateInput,
    docs: Docs,
    arch: crate::overview::ArchitectureFacts,
    mut cost: CostReport,
    mut totals: GenerationTotals,
    partial: bool,
) -> Outcome {
    totals.documented = docs
        .symbols
        .iter()
        .filter(|d| d.source == DocSource::Model)
        .count() as u64;
    totals.from_facts = totals.symbols - totals.documented;
    totals.prompt_tokens = cost.prompt_tokens;
    totals.completion_tokens = cost.completion_tokens;
    cost.cost_usd = round_usd(cost.cost_usd);
    totals.cost_usd = cost.cost_usd;
    let symbols = input
        .symbols
        .iter()
        .zip(docs.symbols)
        .map(|(s, documentation)| SymbolDoc {
            id: s.id.clone(),
            qualified_name: s.qualified_name.clone(),
            documentation,
        })
        .collect();
    let modules = input
        .modules
        .iter()
        .zip(docs.modules)
        .map(|(m, documentation)| ModuleOverview {
            id: m.id.clone(),
            path: m.path.clone(),
            documentation,
            dependencies: m.dependencies.clone(),
            dependents: m.dependents.clone(),
        })
        .collect();
    let architecture = ArchitectureSummary {
        documentation: docs.architecture,
        main_parts: arch
            .main_parts
            .iter()
            .map(|(label, _)| label.clone())
            .collect(),
        entry_points: arch.entry_points.clone(),
        central_symbols: arch.central_qualified.clone(),
    };
    Outcome {
        docs: GeneratedDocs {
            symbols,
            modules,
            architecture,
            insights: Vec::new(),
        },
        cost,
        totals,
        partial,
    }
}

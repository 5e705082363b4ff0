//! Payloads of the generate stage.
//!
//! `generation.started.v1` once the plan is made (what goes to the model,
//! what the cache answers, the estimated cost); one
//! `generation.symbol_documented.v1` per symbol as its summary is settled;
//! `generation.completed.v1` at the end, with totals and a status
//! (`partial` when some symbols fell back to facts after model failures).

use crate::artifacts::generate::DocSource;
use crate::{EventPayload, JobStatus, SymbolId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationStarted {
    /// `facts` or `openai`.
    pub backend: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    pub symbols: u64,
    pub modules: u64,
    /// Symbols planned for the model (after `llm_top` / `budget_usd`).
    pub to_model: u64,
    /// Items answered from the cache.
    pub cache_hits: u64,
    /// Requests planned (before retries).
    pub requests_planned: u64,
    pub estimated_cost_usd: f64,
}

impl EventPayload for GenerationStarted {
    const TYPE: &'static str = "generation.started.v1";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolDocumented {
    pub symbol_id: SymbolId,
    pub source: DocSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Why the model's answer was not used (the summary came from facts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl EventPayload for SymbolDocumented {
    const TYPE: &'static str = "generation.symbol_documented.v1";
}

/// Totals of a generate run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GenerationTotals {
    pub symbols: u64,
    pub modules: u64,
    /// Symbols summarised by the model (cache hits included).
    pub documented: u64,
    /// Symbols summarised from facts.
    pub from_facts: u64,
    /// Symbols the model failed on (they have a flagged facts summary).
    pub failed: u64,
    pub cache_hits: u64,
    /// HTTP requests sent, retries included.
    pub requests: u64,
    pub retries: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_usd: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationCompleted {
    pub status: JobStatus,
    pub totals: GenerationTotals,
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl EventPayload for GenerationCompleted {
    const TYPE: &'static str = "generation.completed.v1";
    fn status(&self) -> Option<JobStatus> {
        Some(self.status)
    }
}

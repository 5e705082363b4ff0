//! The generate stage's artifacts under `jobs/<job>/generate/`, read by the
//! pack stage:
//!
//! | name | content |
//! |---|---|
//! | `manifest.json` | [`GenerateManifest`]: keys of the others, totals |
//! | `docs.json` | [`GeneratedDocs`]: one [`Documentation`] per symbol, module overviews, the architecture summary |
//! | `cost.json` | [`CostReport`]: tokens and cost of this run, per request |
//!
//! `docs.json` depends only on the inputs, the configuration and (for model
//! summaries) the cached model answers, so a rebuild writes the same bytes;
//! what this run spent goes to `cost.json`. No API key is ever written.

use crate::SymbolId;
use serde::{Deserialize, Serialize};

/// Where a summary came from.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocSource {
    /// Written by a language model from the facts.
    Model,
    /// Written deterministically from the facts, without a model.
    Facts,
}

impl DocSource {
    pub fn name(self) -> &'static str {
        match self {
            DocSource::Model => "model",
            DocSource::Facts => "facts",
        }
    }
}

/// A summary and its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Documentation {
    /// One or two sentences (a paragraph for the architecture).
    pub summary: String,
    pub source: DocSource,
    /// The model id, for `source: model`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Set when a model was asked but gave no usable answer: why. The
    /// summary is then the facts summary (`source: facts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The documentation of one symbol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolDoc {
    pub id: SymbolId,
    pub qualified_name: String,
    pub documentation: Documentation,
}

/// What one module (directory) is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleOverview {
    /// `mod:<dir>`.
    pub id: String,
    /// The directory, `.` for the repository root.
    pub path: String,
    pub documentation: Documentation,
    /// Modules it depends on, sorted.
    pub dependencies: Vec<String>,
    /// Modules that depend on it, sorted.
    pub dependents: Vec<String>,
}

/// The repository as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchitectureSummary {
    pub documentation: Documentation,
    /// The main parts: cluster labels, largest first.
    pub main_parts: Vec<String>,
    /// Entry points (`main` functions and the like), by qualified name.
    pub entry_points: Vec<String>,
    /// The most central symbols, by qualified name.
    pub central_symbols: Vec<String>,
}

/// `docs.json`: symbols sorted by id, modules by path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedDocs {
    pub symbols: Vec<SymbolDoc>,
    pub modules: Vec<ModuleOverview>,
    pub architecture: ArchitectureSummary,
    /// Insights from the history joined to the structure (issue #17), in
    /// family order; empty without a history.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub insights: Vec<Insight>,
}

/// One insight family's answer (`risk_hotspots`, `reading_order`,
/// `module_health`): JSON that satisfies `schema`, written by a model or
/// from the facts, with what it takes to replay the model's request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Insight {
    pub family: String,
    pub source: DocSource,
    /// The model id when `source` is `model`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The JSON Schema (draft 2020-12) the answer satisfies.
    pub schema: serde_json::Value,
    pub answer: serde_json::Value,
    /// With a model: the request (system and user messages, model,
    /// parameters) and each attempt's outcome, tokens and cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<serde_json::Value>,
    /// Why the model's answer is not the one kept (then `source` is
    /// `facts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A model's price in US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelPrice {
    pub input_per_million: f64,
    pub output_per_million: f64,
}

/// Tokens and cost of one model request (all its attempts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestCost {
    /// 0-based, in dispatch order.
    pub request: u32,
    /// `symbols`, `modules` or `architecture`.
    pub kind: String,
    /// Items asked about in the first attempt.
    pub items: u32,
    /// Items that got a usable answer.
    pub answered: u32,
    pub attempts: u32,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_usd: f64,
    /// The last error, when some items got no answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `cost.json`: what this run spent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CostReport {
    /// `facts` or `openai`.
    pub backend: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// `None` when the price table has no entry for the model (cost is 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<ModelPrice>,
    /// HTTP requests sent, retries included.
    pub requests: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_usd: f64,
    /// Items answered from the cache (no request).
    pub cache_hits: u64,
    /// Tokens counted locally because a response had no `usage` field.
    #[serde(default)]
    pub estimated_tokens: bool,
    pub per_request: Vec<RequestCost>,
}

/// `manifest.json`: the index of the generate outputs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GenerateManifest {
    pub docs: String,
    pub cost: String,
    /// `facts` or `openai`.
    pub backend: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    pub symbols: u64,
    /// Symbols summarised by the model (cache hits included).
    pub from_model: u64,
    /// Symbols summarised from the facts (by choice or as a fallback).
    pub from_facts: u64,
    /// Symbols the model was asked about but that got no usable answer.
    pub failed: u64,
    pub modules: u64,
    pub cost_usd: f64,
}

impl GenerateManifest {
    pub const NAME: &'static str = "manifest.json";
    pub const DOCS: &'static str = "docs.json";
    pub const COST: &'static str = "cost.json";
}

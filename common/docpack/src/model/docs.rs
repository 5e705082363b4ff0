//! `docs.json` (module overviews and the architecture summary) and
//! `symbol_contexts.json` (the facts each summary was made from).

use doctown_core::FileRole;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a piece of documentation came from.
/// Where a summary came from (one declaration, in `doctown-core`).
pub use doctown_core::artifacts::generate::DocSource;

/// A generated summary and its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Documentation {
    /// Markdown text.
    pub summary: String,
    pub source: DocSource,
    /// The model id when `source` is `model`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// `docs.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Docs {
    /// The architecture summary of the whole repository, if generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<ArchitectureDoc>,
    /// Module overviews, sorted by `id`.
    #[serde(default)]
    pub modules: Vec<ModuleDoc>,
    /// Insights from the history joined to the structure (since 1.4,
    /// DOCPACK_SPEC.md §4.6): one per family, in the order
    /// `risk_hotspots`, `reading_order`, `module_health`; absent without a
    /// history.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub insights: Vec<Insight>,
}

/// One insight family's answer (since 1.4): JSON that satisfies `schema`,
/// written by a model or from the facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Insight {
    /// `risk_hotspots`, `reading_order` or `module_health` (open: a
    /// reader skips families it does not know).
    pub family: String,
    pub source: DocSource,
    /// The model id when `source` is `model`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The JSON Schema (draft 2020-12) `answer` satisfies; its targets are
    /// an `enum` of the candidates the facts named.
    pub schema: serde_json::Value,
    /// `{"hotspots": [{path, risk, why}…]}`, `{"steps": [{target, why}…]}`
    /// or `{"modules": [{path, health, why}…]}`.
    pub answer: serde_json::Value,
    /// With a model: `{model, system, user, parameters, attempts,
    /// prompt_tokens, completion_tokens, cost_usd}` — the request as sent
    /// and each attempt's outcome, to replay it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<serde_json::Value>,
    /// Why the model's answer is not the one kept (`source` is then
    /// `facts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The architecture summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ArchitectureDoc {
    pub documentation: Documentation,
    /// What the repository says it is for, in its own words. Since 1.5
    /// (DOCPACK_SPEC.md §4.6); absent when it says nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Purpose>,
}

/// The repository's purpose in its own words: its README's first
/// paragraph of prose, else its root manifest's description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Purpose {
    /// Plain text with inline code in backticks, a few sentences at most.
    pub text: String,
    /// The file it was read from (`README.md`, `Cargo.toml`).
    pub source: String,
}

/// The package a module is the code of, as its manifest names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ModulePackage {
    /// The name as published (`doctown-extract`, `@scope/web`).
    pub name: String,
    /// The manifest's description, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The overview of one module (a package, directory or cluster).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ModuleDoc {
    /// The module's graph node id (`module:<name>`) or another stable id.
    pub id: String,
    /// Display name, e.g. `common/store` or `doctown_store`.
    pub name: String,
    /// The directory or file the module corresponds to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The cluster the module corresponds to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    pub documentation: Documentation,
    /// Member symbol ids, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub symbols: Vec<String>,
    /// How much code the module holds. Since 1.4, computed by the writer
    /// (DOCPACK_SPEC.md §4.6); absent in older docpacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<ModuleCode>,
    /// The modules this one depends on, sorted by `module`: confident
    /// calls and imports from its source code to theirs. Since 1.4,
    /// computed by the writer (DOCPACK_SPEC.md §4.6); absent in older
    /// docpacks (readers then count them from `graph.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<Vec<ModuleDependency>>,
    /// The package the module's code belongs to: the one whose manifest's
    /// directory holds the module most closely. Since 1.5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<ModulePackage>,
}

/// How much code a module holds (since 1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ModuleCode {
    /// Symbols in the module: those its `symbols` list names, and the
    /// other symbols of its files.
    pub symbols: u64,
    /// Files of `source_map.json` in the module: the file its `path`
    /// names, or the files of that directory.
    pub files: u64,
    /// The lines of those files.
    pub lines: u64,
    /// `source` if any of those files is source code (or there are none);
    /// otherwise the role most of them have (`test`, `example`, …).
    pub role: FileRole,
}

/// One module's dependency on another (since 1.4): the confident edges
/// from its source code to the other's, by kind. Only edges of confidence
/// at least 0.8 (or none) between source code count (tests, fixtures and
/// generated code do not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ModuleDependency {
    /// The module depended on (its `id` in `docs.json`).
    pub module: String,
    /// `calls` edges.
    pub calls: u64,
    /// `imports` edges.
    pub imports: u64,
}

/// `symbol_contexts.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SymbolContexts {
    /// One context per summarised symbol, sorted by `symbol_id`.
    pub contexts: Vec<SymbolContext>,
}

/// What a symbol's summary was made from. The envelope is typed; `facts` is
/// the generator's own structure (format-defined only as a JSON value) so
/// the generate stage can evolve it without a docpack format change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SymbolContext {
    pub symbol_id: String,
    /// The model that was given this context, or `facts`.
    pub model: String,
    /// The exact prompt text, when a model was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// The facts: any JSON value (canonicalised like every JSON part).
    pub facts: serde_json::Value,
}

//! The generate stage: one or two sentences per symbol, an overview per
//! module and an architecture summary, from the facts the assemble stage
//! computed.
//!
//! The design rule: do not ask a model to understand code — give it the
//! computed facts (signature, doc comment, callers, callees, cluster,
//! centrality) as data and ask it only to put them into words. Without a
//! model ([`Backend::Facts`], the default) the [`writer`] turns the same facts
//! into deterministic summaries.
//!
//! - [`config`]: [`GenerateConfig`] (backend, model, limits, prices).
//! - [`facts`], [`input`]: the facts view and its conversion from the
//!   assemble artifacts; [`history`], [`change_facts`]: how each symbol
//!   changed, from the repository's history.
//! - [`writer`], [`overview`]: the static (facts) summaries.
//! - [`tokens`], [`prompt`], [`truncate`], [`batch`]: prompts under a token
//!   budget; [`plan`]: the [`work_item`]s, priorities and tiers;
//!   [`estimate`]: the cost before any request.
//! - [`model`], [`openai`], [`parse`]: the [`LanguageModel`] trait, the
//!   OpenAI-compatible client (on `doctown-http`, with its backoff),
//!   strict answer parsing.
//! - [`cache`], [`engine`], [`handler`]: cached answers, the run, and the
//!   [`GenerateHandler`] stage; [`stream`]: the facts backend written
//!   symbol by symbol, for repositories of any size.

pub mod batch;
pub mod cache;
pub mod change_facts;
pub mod config;
pub mod engine;
mod engine_docs;
mod engine_run;
pub mod error;
pub mod estimate;
pub mod facts;
pub mod handler;
pub mod history;
pub mod input;
pub mod insights;
pub mod layers;
pub mod memo;
pub mod model;
pub mod openai;
pub mod overview;
pub mod parse;
pub mod plan;
pub mod price;
pub mod prompt;
pub mod stream;
/// Token counting, one counter for the whole workspace (it lives with the
/// readers, in `doctown-query`, whose budgets count by it too).
pub use doctown_query::tokens;
pub mod truncate;
pub mod work_item;
pub mod writer;
mod writer_text;

// The artifact and event types live in doctown-core, where the assemble and
// pack stages read them too.

/// The artifact types this stage reads and writes.
pub mod artifacts {
    pub use doctown_core::artifacts::{assemble, generate};
}

/// The generate stage's event payloads.
pub mod events {
    pub use doctown_core::events::generate;
}

pub use artifacts::generate::{DocSource, Documentation, GenerateManifest, GeneratedDocs};
pub use config::{Backend, GenerateConfig, ResponseFormatMode};
pub use engine::{Generator, Outcome};
pub use error::GenerateError;
pub use estimate::{estimate, Estimate, TierEstimate};
pub use facts::{ClusterFacts, GenerateInput, ModuleFacts, SymbolFacts};
pub use handler::GenerateHandler;
pub use model::{ChatReply, ChatRequest, FactsModel, LanguageModel, ModelError};
pub use openai::OpenAiModel;
pub use price::PriceTable;

//! The query engine over docpacks: load once, answer in milliseconds.
//!
//! [`Engine`] holds the docpacks being served — named at start or found in
//! a [`Catalog`] ([`StoreCatalog`]: a store's finished jobs) — each as a [`Pack`]: the
//! verified docpack plus the indexes questions need (ids and names, the
//! confident call graph both ways, tests, modules, files, a BM25 index and
//! the normalised embedding matrix). The questions:
//!
//! * [`search()`]: hybrid search (BM25F + vectors, fused by normalised
//!   score, one hop of callers/callees), with filters;
//! * [`views`]: a symbol with its source lines, callers, callees, a module,
//!   a cluster, a file's outline, the architecture;
//! * [`impact()`]: what reaches a symbol, by depth, with its tests;
//! * [`flows()`]: execution flows from entry points, named and ranked;
//! * [`changes()`]: what changed between two docpacks, and its blast radius;
//! * [`ask`]: the evidence for a question, the prompt that asks a model to
//!   answer from it, and the check of the answer's citations;
//! * [`history`]: the docpack's git history (1.4): in brief or of a file or
//!   symbol, hotspots, owners, what changes together (hidden coupling).
//!
//! [`render`] turns each answer into compact text for a model's context.
//! Everything here is synchronous and free of network code; reading
//! docpack files (and a checkout's source lines) is the only IO.

pub mod answer;
pub mod ask;
pub mod changes;
pub mod context;
pub mod engine;
pub mod flows;
pub mod history;
pub mod impact;
pub mod in_place;
pub mod lexical;
pub mod outline;
pub mod pack;
pub mod reader;
pub mod render;
pub mod render_history;
pub mod review;
pub mod search;
pub mod sidecar;
pub mod source;
pub mod store_catalog;
pub mod synthetic;
pub mod text;
pub mod tokens;
pub mod vectors;
pub mod views;

pub use answer::{Page, SymbolRef};
pub use ask::{AskAnswer, AskModel, Cited};
pub use changes::{changes, Changes};
pub use context::{context, Context, ContextRequest};
pub use engine::{
    load_file, open_file, Catalog, CatalogEntry, Engine, LoadFailure, Opened, Opening, PackInfo,
    QueryError, Target,
};
pub use flows::{flows, Flows};
pub use impact::{impact, Impact};
pub use in_place::InPlace;
pub use outline::{DocsOutline, Members, Outline};
pub use pack::{EntryKind, Origin, Pack, Sym};
pub use reader::Reader;
pub use review::{render_review, review, Review};
pub use search::{
    query_vector, search, Filters, Mode, QueryEmbedder, SearchHit, SearchRequest, SearchResult,
};
pub use store_catalog::StoreCatalog;

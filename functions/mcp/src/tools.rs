//! The tools: their arguments (whose doc comments are the JSON Schemas'
//! descriptions) and the engine call each one makes.

use crate::output;
use crate::DoctownMcp;
use doctown_query::views::{self, Direction};
use doctown_query::{
    ask, changes, context, flows, impact, query_vector, render, render_review, review, search,
    AskAnswer, AskModel, ContextRequest, Engine, EntryKind, Filters, Mode, QueryEmbedder,
    QueryError, Reader, SearchRequest, Target,
};
use doctown_query::{history, render_history};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router, ErrorData};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt::Write;
use std::sync::Arc;

/// How `search` ranks symbols.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchMode {
    /// Words (BM25) and meaning (embeddings) fused; words only when the
    /// docpack has no embeddings or this host no embedding model.
    #[default]
    Hybrid,
    /// Words only: names, paths, signatures, doc comments, summaries.
    Lexical,
    /// Meaning only (needs the docpack's embeddings and its model here).
    Semantic,
}

impl From<SearchMode> for Mode {
    fn from(m: SearchMode) -> Mode {
        match m {
            SearchMode::Hybrid => Mode::Hybrid,
            SearchMode::Lexical => Mode::Lexical,
            SearchMode::Semantic => Mode::Semantic,
        }
    }
}

/// Where an execution flow starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    /// A `main` function.
    Main,
    /// An HTTP route handler (decorated or attributed as one).
    Route,
    /// A CLI command.
    Command,
    /// A function passed as a value (a callback, a registered handler) and never called directly.
    Handler,
    /// A public function no source code calls, which calls at least two of its repository's.
    Api,
}

impl From<FlowKind> for EntryKind {
    fn from(k: FlowKind) -> EntryKind {
        match k {
            FlowKind::Main => EntryKind::Main,
            FlowKind::Route => EntryKind::Route,
            FlowKind::Command => EntryKind::Command,
            FlowKind::Handler => EntryKind::Handler,
            FlowKind::Api => EntryKind::Api,
        }
    }
}

/// Which hotspots.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HotspotLevel {
    /// Source files (the default).
    #[default]
    Files,
    /// Functions, methods and types (needs per-symbol history).
    Symbols,
    /// Directories.
    Modules,
}

impl From<HotspotLevel> for history::Level {
    fn from(l: HotspotLevel) -> history::Level {
        match l {
            HotspotLevel::Files => history::Level::Files,
            HotspotLevel::Symbols => history::Level::Symbols,
            HotspotLevel::Modules => history::Level::Modules,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct HistoryArgs {
    /// A file path, or a symbol (an id or a name), whose history to give besides the
    /// repository's; the repository's alone when omitted.
    #[serde(default)]
    pub target: Option<String>,
    /// The docpack (a key from `list_docpacks`); needed when several are served.
    #[serde(default)]
    pub docpack: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct HotspotsArgs {
    /// `files` (default), `symbols` or `modules`.
    #[serde(default)]
    pub level: Option<HotspotLevel>,
    /// Skip this many (the `offset=` a previous page ended with; default 0).
    #[serde(default)]
    pub offset: Option<usize>,
    /// Most to return (default 20, at most 100).
    #[serde(default)]
    pub limit: Option<usize>,
    /// The docpack (a key from `list_docpacks`); needed when several are served.
    #[serde(default)]
    pub docpack: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct OwnersArgs {
    /// A file path or a module directory (down to the history's module depth, 2);
    /// the repository and its largest modules when omitted.
    #[serde(default)]
    pub path: Option<String>,
    /// The docpack (a key from `list_docpacks`); needed when several are served.
    #[serde(default)]
    pub docpack: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct CoupledArgs {
    /// A file path, or a symbol (an id or a name; needs per-symbol history).
    pub target: String,
    /// Only the partners no call, reference, import or inheritance links to it (hidden coupling).
    #[serde(default)]
    pub hidden_only: Option<bool>,
    /// Skip this many (the `offset=` a previous page ended with; default 0).
    #[serde(default)]
    pub offset: Option<usize>,
    /// Most to return (default 20, at most 100).
    #[serde(default)]
    pub limit: Option<usize>,
    /// The docpack (a key from `list_docpacks`); all served docpacks are looked in when omitted.
    #[serde(default)]
    pub docpack: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct SearchArgs {
    /// What to look for: words, an identifier, or a description of what the code does.
    pub query: String,
    /// `hybrid` (default), `lexical` or `semantic`.
    #[serde(default)]
    pub mode: Option<SearchMode>,
    /// Most hits to return (default 10, at most 50).
    #[serde(default)]
    pub limit: Option<usize>,
    /// Only symbols in this language: rust, python, typescript, tsx, javascript, go.
    #[serde(default)]
    pub language: Option<String>,
    /// Only symbols of this kind (several comma-separated): function, method, struct, enum,
    /// variant, trait, impl, module, constant, static, type_alias, macro, class, interface, variable.
    #[serde(default)]
    pub kind: Option<String>,
    /// Only symbols under this path (a directory or a file prefix, e.g. `src/api/`).
    #[serde(default)]
    pub path_prefix: Option<String>,
    /// Only symbols in files of this role: source, test, fixture, example, bench, generated,
    /// vendored, docs.
    #[serde(default)]
    pub role: Option<String>,
    /// Only members of this cluster (an id or a label from `architecture`).
    #[serde(default)]
    pub cluster: Option<String>,
    /// The docpack to search (a key from `list_docpacks`); all served docpacks when omitted.
    #[serde(default)]
    pub docpack: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct SymbolArgs {
    /// A symbol id from another result (exact), or a name: qualified (`crate::mod::f`),
    /// a tail (`Type::method`, `module.func`) or simple.
    pub symbol: String,
    /// Source lines to show when a checkout of the repository is on the server
    /// (default 40, at most 200; 0 for none).
    #[serde(default)]
    pub source_lines: Option<usize>,
    /// The docpack (a key from `list_docpacks`); all served docpacks are looked in when omitted.
    #[serde(default)]
    pub docpack: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct NeighbourArgs {
    /// A symbol id from another result (exact), or a name (`Type::method`, `module.func`, `f`).
    pub symbol: String,
    /// Skip this many (the `offset=` a previous page ended with; default 0).
    #[serde(default)]
    pub offset: Option<usize>,
    /// Most to return (default 20, at most 100).
    #[serde(default)]
    pub limit: Option<usize>,
    /// The docpack (a key from `list_docpacks`); all served docpacks are looked in when omitted.
    #[serde(default)]
    pub docpack: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct ImpactArgs {
    /// The symbol that would change: an id from another result, or a name.
    pub symbol: String,
    /// Call steps to follow back from the symbol (default 3, at most 10).
    #[serde(default)]
    pub depth: Option<u32>,
    /// Skip this many affected symbols (the `offset=` a previous page ended with; default 0).
    #[serde(default)]
    pub offset: Option<usize>,
    /// Most affected symbols to list (default 30, at most 100).
    #[serde(default)]
    pub limit: Option<usize>,
    /// The docpack (a key from `list_docpacks`); all served docpacks are looked in when omitted.
    #[serde(default)]
    pub docpack: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct FlowsArgs {
    /// Only the flows that reach this symbol (an id or a name).
    #[serde(default)]
    pub through: Option<String>,
    /// Only flows from this kind of entry point: main, route, command, handler, api.
    #[serde(default)]
    pub kind: Option<FlowKind>,
    /// Skip this many flows (the `offset=` a previous page ended with; default 0).
    #[serde(default)]
    pub offset: Option<usize>,
    /// Most flows to return (default 10, at most 50).
    #[serde(default)]
    pub limit: Option<usize>,
    /// The docpack (a key from `list_docpacks`); needed when several are served.
    #[serde(default)]
    pub docpack: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct ModuleArgs {
    /// A module's id, name or path (as `architecture` lists them).
    pub module: String,
    /// The docpack (a key from `list_docpacks`); needed when several are served.
    #[serde(default)]
    pub docpack: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct ArchitectureArgs {
    /// The docpack (a key from `list_docpacks`); needed when several are served.
    #[serde(default)]
    pub docpack: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct ClusterArgs {
    /// A cluster's id or label (as `architecture` lists them).
    pub cluster: String,
    /// Skip this many members (the `offset=` a previous page ended with; default 0).
    #[serde(default)]
    pub offset: Option<usize>,
    /// Most members to list (default 30, at most 100).
    #[serde(default)]
    pub limit: Option<usize>,
    /// The docpack (a key from `list_docpacks`); needed when several are served.
    #[serde(default)]
    pub docpack: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct FileOutlineArgs {
    /// The file's path in the repository (e.g. `src/lib.rs`).
    pub path: String,
    /// Most symbols to list (default 200, at most 500).
    #[serde(default)]
    pub limit: Option<usize>,
    /// The docpack (a key from `list_docpacks`); needed when several are served.
    #[serde(default)]
    pub docpack: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct ChangesArgs {
    /// The older docpack's key (from `list_docpacks`).
    pub old: String,
    /// The newer docpack's key (from `list_docpacks`).
    pub new: String,
    /// Call steps to follow back from each changed symbol (default 3, at most 10).
    #[serde(default)]
    pub depth: Option<u32>,
    /// Skip this many impacted symbols (the `offset=` a previous page ended with; default 0).
    #[serde(default)]
    pub offset: Option<usize>,
    /// Most symbols to list in each part (default 30, at most 100).
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct ReviewArgs {
    /// The older docpack's key (from `list_docpacks`): the base.
    pub old: String,
    /// The newer docpack's key: the change.
    pub new: String,
    /// The review's budget in tokens (default 2000, at most 5000; counted with tiktoken's o200k_base).
    #[serde(default)]
    pub max_tokens: Option<usize>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct AskArgs {
    /// A question about the repository, in words.
    pub question: String,
    /// The docpack (a key from `list_docpacks`); all served docpacks when omitted.
    #[serde(default)]
    pub docpack: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct ContextArgs {
    /// The task, in words (searched by words and meaning).
    #[serde(default)]
    pub task: Option<String>,
    /// Symbols to explain (ids or names), before the task's.
    #[serde(default)]
    pub symbols: Option<Vec<String>>,
    /// The budget in tokens (default 4000, at most 5000; counted with tiktoken's o200k_base).
    #[serde(default)]
    pub max_tokens: Option<usize>,
    /// The docpack (a key from `list_docpacks`); all served docpacks when omitted.
    #[serde(default)]
    pub docpack: Option<String>,
}

/// `value` (default `default`) brought within `1..=max`.
fn bounded(value: Option<usize>, default: usize, max: usize) -> usize {
    value.unwrap_or(default).clamp(1, max)
}

/// Parses a lowercase name into one of the docpack vocabulary's enums.
fn parse_name<T: serde::de::DeserializeOwned>(what: &str, value: &str) -> Result<T, QueryError> {
    serde_json::from_value(value.trim().to_lowercase().into()).map_err(|_| {
        QueryError::BadRequest(format!(
            "unknown {what} {:?}",
            value.chars().take(100).collect::<String>()
        ))
    })
}

/// A text argument that says something (not absent, not blank).
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn filters(args: &SearchArgs) -> Result<Filters, QueryError> {
    Ok(Filters {
        language: given(&args.language)
            .map(|l| parse_name("language", l))
            .transpose()?,
        kinds: given(&args.kind)
            .map(|k| {
                k.split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(|k| parse_name("kind", k))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default(),
        path_prefix: given(&args.path_prefix).map(str::to_string),
        role: given(&args.role)
            .map(|r| parse_name("role", r))
            .transpose()?,
        cluster: given(&args.cluster).map(str::to_string),
    })
}

/// What a tool's blocking work may use.
pub(crate) struct Ctx {
    pub engine: Arc<Engine>,
    pub embedder: Option<Arc<dyn QueryEmbedder>>,
    pub ask_model: Option<Arc<dyn AskModel>>,
}

/// `search` over whole packs or one read in place.
fn search_in<R: Reader>(
    ctx: &Ctx,
    packs: &[Arc<R>],
    args: SearchArgs,
) -> Result<doctown_query::SearchResult, QueryError> {
    let mode: Mode = args.mode.unwrap_or_default().into();
    let filters = filters(&args)?;
    let embedder = match mode {
        Mode::Lexical => None,
        _ => ctx.embedder.as_deref(),
    };
    let (vector, note) = query_vector(packs, embedder, &args.query);
    if mode == Mode::Semantic && vector.is_none() {
        return Err(QueryError::BadRequest(format!(
            "cannot search by meaning: {}; use mode hybrid or lexical",
            note.unwrap_or_else(|| "the docpack has no embeddings".into())
        )));
    }
    let mut result = search(
        packs,
        &SearchRequest {
            query: args.query,
            vector,
            mode,
            limit: bounded(args.limit, 10, 50),
            filters,
            expand: 3,
        },
    )?;
    result.notes.extend(note);
    Ok(result)
}

/// The answer's rendering and the answer.
type Answer<T> = Result<(String, T), QueryError>;

impl DoctownMcp {
    /// Runs `work` on the blocking pool and makes its answer a tool result.
    async fn answer<T, F>(&self, work: F) -> Result<CallToolResult, ErrorData>
    where
        T: Serialize + Send + 'static,
        F: FnOnce(&Ctx) -> Answer<T> + Send + 'static,
    {
        let ctx = Ctx {
            engine: self.engine.clone(),
            embedder: self.embedder.clone(),
            ask_model: self.ask_model.clone(),
        };
        let result = tokio::task::spawn_blocking(move || match work(&ctx) {
            Ok((text, answer)) => output::success(&text, &answer),
            Err(e) => output::query_error(&e),
        })
        .await;
        Ok(result.unwrap_or_else(|e| {
            tracing::error!("a query failed: {e}");
            output::error_line("internal error: the query failed; the server goes on")
        }))
    }
}

#[tool_router(router = tools_router, vis = "pub(crate)")]
impl DoctownMcp {
    #[tool(
        description = "Find symbols (functions, types, methods…) by words and meaning, ranked; \
                       the first hits come with their main callers and callees. \
                       Returns one line per hit: name (kind) path:line id=…, signature, summary.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn search(
        &self,
        Parameters(args): Parameters<SearchArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |ctx| {
            let result = match ctx.engine.target(args.docpack.as_deref())? {
                Target::Whole(packs) => search_in(ctx, &packs, args)?,
                Target::InPlace(pack) => search_in(ctx, &[pack], args)?,
            };
            Ok((render::search(&result), result))
        })
        .await
    }

    #[tool(
        description = "Everything about one symbol: signature, summary, doc comment, parent and \
                       members, module, cluster, the most central callers and callees, tests, \
                       metrics, and its source lines when a checkout is on the server.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn symbol(
        &self,
        Parameters(args): Parameters<SymbolArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |ctx| {
            let lines = args.source_lines.unwrap_or(40).min(200);
            let detail = doctown_query::on_symbol!(
                ctx.engine,
                ctx.engine.target(args.docpack.as_deref())?,
                &args.symbol,
                |p, i| p.detail(i, lines)?
            );
            Ok((render::symbol(&detail), detail))
        })
        .await
    }

    #[tool(
        description = "Who calls a symbol (or passes it as a value), through confident call-graph \
                       edges, most central first, paged.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn callers(
        &self,
        Parameters(args): Parameters<NeighbourArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.neighbours(args, Direction::Callers).await
    }

    #[tool(
        description = "What a symbol calls (or passes as a value), through confident call-graph \
                       edges, most central first, paged.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn callees(
        &self,
        Parameters(args): Parameters<NeighbourArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.neighbours(args, Direction::Callees).await
    }

    #[tool(
        description = "What can break if a symbol changes: everything that reaches it through \
                       confident calls, by depth (nearest first, paged), the modules affected, \
                       the tests that exercise it and the files that import its file.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn impact(
        &self,
        Parameters(args): Parameters<ImpactArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |ctx| {
            let depth = args.depth.unwrap_or(3).clamp(1, 10);
            let (offset, limit) = (args.offset.unwrap_or(0), bounded(args.limit, 30, 100));
            let answer = doctown_query::on_symbol!(
                ctx.engine,
                ctx.engine.target(args.docpack.as_deref())?,
                &args.symbol,
                |p, i| impact(p, i, depth, offset, limit)
            );
            Ok((render::impact(&answer), answer))
        })
        .await
    }

    #[tool(
        description = "Execution flows from entry points (mains, HTTP routes, CLI commands, \
                       handlers, public API) down the call graph, ranked; each with its main path \
                       and how much it reaches. Optionally only those through a symbol.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn flows(
        &self,
        Parameters(args): Parameters<FlowsArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |ctx| {
            let (pack, through) = match given(&args.through) {
                Some(symbol) => {
                    let packs = ctx.engine.packs(args.docpack.as_deref())?;
                    let (pack, i) = ctx.engine.find_symbol(&packs, symbol)?;
                    (pack, Some(i))
                }
                None => (ctx.engine.one_pack(args.docpack.as_deref())?, None),
            };
            let answer = flows(
                &pack,
                through,
                args.kind.map(EntryKind::from),
                args.offset.unwrap_or(0),
                bounded(args.limit, 10, 50),
            );
            Ok((render::flows(&answer), answer))
        })
        .await
    }

    #[tool(
        description = "A module: its summary, size, most central symbols, and the modules it \
                       depends on and is used by.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn module(
        &self,
        Parameters(args): Parameters<ModuleArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |ctx| {
            let pack = ctx.engine.one_pack(args.docpack.as_deref())?;
            let answer = views::module(&pack, &args.module)?;
            Ok((render::module(&answer), answer))
        })
        .await
    }

    #[tool(
        description = "The repository's architecture: its summary, size, largest modules and \
                       clusters. A good first call on an unfamiliar repository.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn architecture(
        &self,
        Parameters(args): Parameters<ArchitectureArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |ctx| {
            let pack = ctx.engine.one_pack(args.docpack.as_deref())?;
            let answer = views::architecture(&pack);
            Ok((render::architecture(&answer), answer))
        })
        .await
    }

    #[tool(
        description = "A cluster of related symbols (by id or label): its members, most central \
                       first, paged.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn cluster(
        &self,
        Parameters(args): Parameters<ClusterArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |ctx| {
            let pack = ctx.engine.one_pack(args.docpack.as_deref())?;
            let answer = views::cluster(
                &pack,
                &args.cluster,
                args.offset.unwrap_or(0),
                bounded(args.limit, 30, 100),
            )?;
            Ok((render::cluster(&answer), answer))
        })
        .await
    }

    #[tool(
        description = "A file's symbols in source order, nested, with their lines and signatures.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn file_outline(
        &self,
        Parameters(args): Parameters<FileOutlineArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |ctx| {
            let pack = ctx.engine.one_pack(args.docpack.as_deref())?;
            let answer = views::file_outline(&pack, &args.path, bounded(args.limit, 200, 500))?;
            Ok((render::outline(&answer), answer))
        })
        .await
    }

    #[tool(
        description = "What changed between two docpacks of a repository (old → new): changed, \
                       added and removed symbols, what they impact, the modules touched and the \
                       tests to run.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn changes(
        &self,
        Parameters(args): Parameters<ChangesArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |ctx| {
            let old = ctx.engine.pack(args.old.trim())?;
            let new = ctx.engine.pack(args.new.trim())?;
            let answer = changes(
                &old,
                &new,
                args.depth.unwrap_or(3).clamp(1, 10),
                args.offset.unwrap_or(0),
                bounded(args.limit, 30, 100),
            );
            Ok((render::changes(&answer), answer))
        })
        .await
    }

    #[tool(
        description = "A review of the change between two docpacks of a repository (old → new), \
                       as Markdown within a token budget: a verdict (low, medium, high risk), each \
                       changed or removed symbol with what reaches it by depth, the flows and \
                       modules it crosses, the tests that reach it, its complexity and commits, \
                       files that usually change with the edited ones but did not, tests to run.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn review(
        &self,
        Parameters(args): Parameters<ReviewArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |ctx| {
            let old = ctx.engine.pack(args.old.trim())?;
            let new = ctx.engine.pack(args.new.trim())?;
            let answer = review(&old, &new);
            let max = bounded(args.max_tokens, 2000, 5000).max(100);
            Ok((
                render_review(&answer, max, &doctown_query::tokens::budget_tokens),
                answer,
            ))
        })
        .await
    }

    #[tool(
        description = "The docpacks this server answers about: the key to pass as `docpack`, the \
                       repository's name, its size, and whether it has embeddings.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn list_docpacks(&self) -> Result<CallToolResult, ErrorData> {
        self.answer(move |ctx| {
            let list = ctx.engine.list()?;
            let text = render::list(&list);
            Ok((text, serde_json::json!({ "docpacks": list })))
        })
        .await
    }

    #[tool(
        description = "Answers a question about the repository in a few paragraphs that cite \
                       path:line, from evidence the engine gathers (search, callers, callees, \
                       flows, source lines); citations outside the evidence are marked \
                       [unverified]. Without a model on the server, the ranked evidence is the answer.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn ask(
        &self,
        Parameters(args): Parameters<AskArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |ctx| {
            let packs = ctx.engine.packs(args.docpack.as_deref())?;
            let (vector, note) = query_vector(&packs, ctx.embedder.as_deref(), &args.question);
            let request = SearchRequest {
                query: args.question,
                vector,
                mode: Mode::Hybrid,
                limit: ask::EVIDENCE_ITEMS,
                filters: Filters::default(),
                expand: 3,
            };
            let mut answer = ask::answer(&packs, &request, ctx.ask_model.as_deref(), &mut |_| {})?;
            answer.evidence.notes.extend(note);
            Ok((render_ask(&answer), answer))
        })
        .await
    }

    #[tool(
        description = "The smallest context that explains a task or some symbols within a token \
                       budget: the symbols named or found for the task (source lines when a \
                       checkout is on the server, else signature and summary), then what they \
                       call and what calls them, and a list of what did not fit.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn context(
        &self,
        Parameters(args): Parameters<ContextArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |ctx| {
            let packs = ctx.engine.packs(args.docpack.as_deref())?;
            let task = args.task.filter(|t| !t.trim().is_empty());
            let search = task.map(|query| {
                let (vector, _) = query_vector(&packs, ctx.embedder.as_deref(), &query);
                SearchRequest {
                    query,
                    vector,
                    ..SearchRequest::default()
                }
            });
            let request = ContextRequest {
                search,
                symbols: args.symbols.unwrap_or_default(),
                max_tokens: bounded(args.max_tokens, 4000, 5000).max(50),
            };
            let answer = context(&ctx.engine, &packs, &request)?;
            Ok((render::context(&answer), answer))
        })
        .await
    }
}

/// The history tools (`history.json`, docpack 1.4).
#[tool_router(router = history_router, vis = "pub(crate)")]
impl DoctownMcp {
    #[tool(
        description = "The repository's git history in brief — commits, authors, dates, \
                       shallow or cut, top authors, file hotspots, hidden coupling, the last \
                       months — and, with a target (a file path or a symbol), that one's own: \
                       commits, authors, lines added and removed, first and last change.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn history(
        &self,
        Parameters(args): Parameters<HistoryArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |ctx| {
            let (pack, target) = match given(&args.target) {
                Some(t) => {
                    let packs = ctx.engine.packs(args.docpack.as_deref())?;
                    let (pack, target) = history::find_target(&ctx.engine, &packs, t)?;
                    (pack, Some(target))
                }
                None => (ctx.engine.one_pack(args.docpack.as_deref())?, None),
            };
            let answer = history::history(&pack, target.as_ref())?;
            Ok((render_history::history(&answer), answer))
        })
        .await
    }

    #[tool(
        description = "Where change meets complexity and importance: files, symbols or modules \
                       ranked by commits × cyclomatic complexity × PageRank centrality (or lines \
                       when the docpack has no graph join), paged. Good places to review first, \
                       and risky places to change.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn hotspots(
        &self,
        Parameters(args): Parameters<HotspotsArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |ctx| {
            let pack = ctx.engine.one_pack(args.docpack.as_deref())?;
            let answer = history::hotspots(
                &pack,
                args.level.unwrap_or_default().into(),
                args.offset.unwrap_or(0),
                bounded(args.limit, 20, 100),
            )?;
            Ok((render_history::hotspots(&answer), answer))
        })
        .await
    }

    #[tool(
        description = "Who knows a file or module: its main author and share, the authors by \
                       degree of authorship, and for modules the truck factor (how many authors \
                       would have to leave before most files have no author left) and who they \
                       are. Without a path: the repository and its largest modules.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn owners(
        &self,
        Parameters(args): Parameters<OwnersArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |ctx| {
            let pack = ctx.engine.one_pack(args.docpack.as_deref())?;
            let answer = history::owners(&pack, given(&args.path), 10)?;
            Ok((render_history::owners(&answer), answer))
        })
        .await
    }

    #[tool(
        description = "What changes together with a file or symbol in the git history (commits \
                       in common, confidence, degree), strongest first, each marked linked by \
                       the code or hidden coupling (no call, reference, import or inheritance \
                       between them), paged. Use before changing it: its partners may need to \
                       change too.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn coupled_with(
        &self,
        Parameters(args): Parameters<CoupledArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |ctx| {
            let packs = ctx.engine.packs(args.docpack.as_deref())?;
            let (pack, target) = history::find_target(&ctx.engine, &packs, &args.target)?;
            let answer = history::coupled_with(
                &pack,
                &target,
                args.hidden_only.unwrap_or(false),
                args.offset.unwrap_or(0),
                bounded(args.limit, 20, 100),
            )?;
            Ok((render_history::coupled(&answer), answer))
        })
        .await
    }
}

impl DoctownMcp {
    async fn neighbours(
        &self,
        args: NeighbourArgs,
        direction: Direction,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |ctx| {
            let (offset, limit) = (args.offset.unwrap_or(0), bounded(args.limit, 20, 100));
            let answer = doctown_query::on_symbol!(
                ctx.engine,
                ctx.engine.target(args.docpack.as_deref())?,
                &args.symbol,
                |p, i| views::neighbours(p, i, direction, offset, limit)
            );
            Ok((render::neighbours(&answer), answer))
        })
        .await
    }
}

/// `ask`'s answer as text: the answer, what it cites, and who wrote it.
fn render_ask(a: &AskAnswer) -> String {
    let mut out = String::new();
    out.push_str(a.answer.trim_end());
    out.push('\n');
    if !a.citations.is_empty() {
        let _ = writeln!(out, "citations: {}", a.citations.join(", "));
    }
    if !a.unverified.is_empty() {
        let _ = writeln!(out, "unverified: {}", a.unverified.join(", "));
    }
    match &a.note {
        Some(note) => {
            let _ = writeln!(out, "answered with the evidence: {note}");
        }
        None => {
            let _ = writeln!(out, "answered by {}", a.model);
        }
    }
    for note in &a.evidence.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}

/// Every tool.
pub(crate) fn router() -> ToolRouter<DoctownMcp> {
    DoctownMcp::tools_router() + DoctownMcp::history_router()
}

//! Doctown's Model Context Protocol server: the query engine's questions
//! (`doctown-query`) as MCP tools, and the docpacks' architecture and
//! module overviews as MCP resources, over stdio ([`serve_stdio`]) or
//! Streamable HTTP ([`http_service`], nested in axum at `/mcp`).
//!
//! Every tool answers with the engine's compact rendering, a last line
//! `(N tokens)` (`o200k_base`, as every budget counts), and the answer as
//! JSON in `structuredContent`. Text is cut at [`MAX_TOKENS`] tokens (and
//! says so); lists are paged with
//! `offset`/`limit`. A question the engine cannot answer (unknown symbol or
//! docpack, an ambiguous name, a bad request) is a tool result with
//! `isError: true` and the one-line reason, never a protocol error; bad
//! argument types are the protocol's invalid-params errors.
//!
//! Engine calls are synchronous and run on Tokio's blocking pool.

mod output;
mod resources;
mod tools;

pub use output::MAX_TOKENS;
pub use tools::{
    ArchitectureArgs, AskArgs, ChangesArgs, ClusterArgs, CoupledArgs, FileOutlineArgs, FlowKind,
    FlowsArgs, HistoryArgs, HotspotLevel, HotspotsArgs, ImpactArgs, ModuleArgs, NeighbourArgs,
    OwnersArgs, SearchArgs, SearchMode, SymbolArgs,
};

use doctown_query::{AskModel, Engine, QueryEmbedder};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{
    Implementation, ListResourceTemplatesResult, ListResourcesResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
pub use rmcp::transport::streamable_http_server::StreamableHttpServerConfig;
use rmcp::transport::streamable_http_server::StreamableHttpService;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use std::sync::Arc;

/// The tools, in the order `tools/list` gives them.
pub const TOOLS: [&str; 19] = [
    "search",
    "symbol",
    "callers",
    "callees",
    "impact",
    "flows",
    "module",
    "architecture",
    "cluster",
    "file_outline",
    "changes",
    "review",
    "list_docpacks",
    "ask",
    "context",
    "history",
    "hotspots",
    "owners",
    "coupled_with",
];

/// What a model is told about this server when it connects.
pub const INSTRUCTIONS: &str = "Doctown answers questions about code repositories from their docpacks: \
prebuilt indexes of every symbol, the confident call graph, modules, clusters, execution flows and summaries. \
When several docpacks are served, call list_docpacks and pass its key as `docpack`. \
The usual path: `search` (by words and meaning, with filters) to find the symbols a question is about; \
`symbol` for one symbol's signature, summary, callers, callees, tests and source lines; \
`callers`/`callees` to walk the call graph and `impact` to see everything a change would reach, with the tests to run; \
`ask` for a short answer to a question that cites path:line from the evidence it gathered; \
`context` for the code, signatures and summaries that explain a task or some symbols within a token budget. \
For structure: `architecture`, `module`, `cluster`, `file_outline`, and `flows` (execution paths from mains, routes, commands, handlers). \
`changes` compares two docpacks of a repository, and `review` reviews that change (verdict, risk, tests to run). \
From the git history (docpacks built from a git repository): `history` (in brief, or of a file or symbol), \
`hotspots` (commits × complexity × centrality), `owners` (main authors, truck factor) and \
`coupled_with` (what changes together with a file or symbol; hidden coupling has no static link). \
Name symbols by the `id` results give (exact) or by name (`Type::method`, `module.func`, or a simple name). \
Every result cites path:line, ends with its size in tokens and is bounded (about 6,000 tokens); \
long lists end with `offset=N` to page on.";

/// The MCP server over a query engine.
#[derive(Clone)]
pub struct DoctownMcp {
    engine: Arc<Engine>,
    embedder: Option<Arc<dyn QueryEmbedder>>,
    ask_model: Option<Arc<dyn AskModel>>,
    tool_router: ToolRouter<DoctownMcp>,
}

impl DoctownMcp {
    /// A server answering from `engine`; search goes by words only and
    /// `ask` answers with the evidence until [`with_embedder`] and
    /// [`with_ask_model`] say otherwise.
    ///
    /// [`with_embedder`]: DoctownMcp::with_embedder
    /// [`with_ask_model`]: DoctownMcp::with_ask_model
    pub fn new(engine: Arc<Engine>) -> DoctownMcp {
        DoctownMcp {
            engine,
            embedder: None,
            ask_model: None,
            tool_router: tools::router(),
        }
    }

    /// The model that embeds queries (used when a docpack was embedded with it).
    pub fn with_embedder(mut self, embedder: Option<Arc<dyn QueryEmbedder>>) -> DoctownMcp {
        self.embedder = embedder;
        self
    }

    /// The model that writes `ask`'s answers.
    pub fn with_ask_model(mut self, model: Option<Arc<dyn AskModel>>) -> DoctownMcp {
        self.ask_model = model;
        self
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }
}

impl ServerHandler for DoctownMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new("doctown", env!("CARGO_PKG_VERSION")))
        .with_instructions(INSTRUCTIONS)
    }

    async fn call_tool(
        &self,
        request: rmcp::model::CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::CallToolResponse, ErrorData> {
        let tcc = rmcp::handler::server::tool::ToolCallContext::new(self, request, context);
        self.tool_router.call(tcc).await
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::ListToolsResult, ErrorData> {
        Ok(rmcp::model::ListToolsResult::with_all_items(
            self.tool_router.list_all(),
        ))
    }

    fn get_tool(&self, name: &str) -> Option<rmcp::model::Tool> {
        self.tool_router.get(name).cloned()
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let engine = self.engine.clone();
        let resources = tokio::task::spawn_blocking(move || resources::list(&engine))
            .await
            .map_err(|e| ErrorData::internal_error(format!("listing failed: {e}"), None))??;
        Ok(ListResourcesResult::with_all_items(resources))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(ListResourceTemplatesResult::with_all_items(
            resources::templates(),
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let engine = self.engine.clone();
        let uri = request.uri;
        let result = tokio::task::spawn_blocking(move || resources::read(&engine, &uri))
            .await
            .map_err(|e| ErrorData::internal_error(format!("reading failed: {e}"), None))??;
        Ok(result.into())
    }
}

/// Serves `server` over this process's stdin and stdout until the client
/// disconnects. Nothing else may write to stdout meanwhile.
pub async fn serve_stdio(server: DoctownMcp) -> anyhow::Result<()> {
    let running = server.serve(rmcp::transport::stdio()).await?;
    running.waiting().await?;
    Ok(())
}

/// The Streamable HTTP endpoint, a tower service to nest at `/mcp`.
pub type HttpService = StreamableHttpService<DoctownMcp, LocalSessionManager>;

/// [`http_service_with`] rmcp's defaults: sessions kept in memory, and
/// only loopback `Host` headers accepted (against DNS rebinding).
pub fn http_service(server: DoctownMcp) -> HttpService {
    http_service_with(server, StreamableHttpServerConfig::default())
}

/// The Streamable HTTP endpoint with `config` (allowed hosts and origins,
/// keep-alives, body limit).
pub fn http_service_with(server: DoctownMcp, config: StreamableHttpServerConfig) -> HttpService {
    StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    )
}

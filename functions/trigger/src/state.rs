//! What every handler shares ([`AppState`]): the object store, the job
//! launcher, the configuration, and what the host may add — download
//! links, an [`Estimator`], the query engine ([`QueryState`]), an MCP
//! endpoint, accounts.

use crate::config::TriggerConfig;
use crate::launcher::JobLauncher;
use doctown_core::JobInput;
use doctown_query::AskModel;
use doctown_store::ObjectStore;
use std::sync::Arc;

/// Turns an artifact key into a direct download URL (for example an S3
/// pre-signed URL); the docpack route then redirects instead of streaming.
pub trait DownloadLinks: Send + Sync {
    fn download_url(&self, key: &str, filename: &str) -> Option<String>;
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn ObjectStore>,
    pub launcher: Arc<dyn JobLauncher>,
    pub config: Arc<TriggerConfig>,
    pub downloads: Option<Arc<dyn DownloadLinks>>,
    /// Prices jobs before they run (`POST /estimate`), when a model is configured.
    pub estimator: Option<Arc<dyn Estimator>>,
    /// When this router was built (uptime in `/health`).
    pub started_at: std::time::Instant,
    /// The Model Context Protocol endpoint served at `/mcp`, when the host gives one.
    pub mcp: Option<doctown_mcp::HttpService>,
    /// The query engine behind `GET /jobs/{id}/search`, `/ask`, `/impact`,
    /// `/outline`, `/members` and `/symbol`,
    /// when the host gives one.
    pub query: Option<QueryState>,
    /// Users, keys, plans, the library and billing (`doctown-accounts`);
    /// `None` is local mode: one user, no sign-in, every job visible.
    pub accounts: Option<Arc<doctown_accounts::Accounts>>,
    /// Permits of `POST /estimate` (each ingests a repository).
    pub estimates: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    pub fn new(
        store: Arc<dyn ObjectStore>,
        launcher: Arc<dyn JobLauncher>,
        config: TriggerConfig,
    ) -> Self {
        let estimates = Arc::new(tokio::sync::Semaphore::new(
            config.max_concurrent_estimates.max(1),
        ));
        AppState {
            estimates,
            store,
            launcher,
            config: Arc::new(config),
            downloads: None,
            estimator: None,
            started_at: std::time::Instant::now(),
            mcp: None,
            query: None,
            accounts: None,
        }
    }

    /// Turns accounts on: sign-in, keys, plans, ownership on every route.
    pub fn with_accounts(mut self, accounts: Arc<doctown_accounts::Accounts>) -> Self {
        self.accounts = Some(accounts);
        self
    }

    /// Answers `GET /jobs/{id}/search` with `engine` (over this store's jobs)
    /// and, for search by meaning, `embedder`.
    pub fn with_query(
        mut self,
        engine: Arc<doctown_query::Engine>,
        embedder: Option<Arc<dyn doctown_query::QueryEmbedder>>,
    ) -> Self {
        self.query = Some(QueryState {
            engine,
            embedder,
            ask_model: None,
        });
        self
    }

    /// Answers `GET /jobs/{id}/ask` with `model` (after [`Self::with_query`]);
    /// without one the answer is the evidence.
    pub fn with_ask_model(mut self, model: Option<Arc<dyn doctown_query::AskModel>>) -> Self {
        if let Some(query) = &mut self.query {
            query.ask_model = model;
        }
        self
    }

    /// Serves `service` (an MCP server over, typically, a [`crate::StoreCatalog`]
    /// of this store) at `/mcp`, behind the API keys.
    pub fn with_mcp(mut self, service: doctown_mcp::HttpService) -> Self {
        self.mcp = Some(service);
        self
    }

    /// Answers `POST /estimate` with `estimator`.
    pub fn with_estimator(mut self, estimator: Arc<dyn Estimator>) -> Self {
        self.estimator = Some(estimator);
        self
    }

    /// Redirects docpack downloads to links made by `links` (pre-signed URLs).
    pub fn with_download_links(mut self, links: Arc<dyn DownloadLinks>) -> Self {
        self.downloads = Some(links);
        self
    }

    /// An absolute URL when `public_url` is configured, else the path.
    pub fn url(&self, path: &str) -> String {
        match &self.config.public_url {
            Some(base) => format!("{base}{path}"),
            None => path.to_string(),
        }
    }
}

/// Prices a job. The host provides one when a model is configured; it
/// runs ingest and a structural assemble and counts the prompts' tokens.
pub trait Estimator: Send + Sync {
    /// The estimate as JSON: `model`, `tiers` (each with `symbols`,
    /// `requests`, `prompt_tokens`, `completion_tokens`, `cost_usd`).
    fn estimate(&self, input: &JobInput) -> Result<serde_json::Value, String>;
}

/// What the query routes answer with.
#[derive(Clone)]
pub struct QueryState {
    pub engine: Arc<doctown_query::Engine>,
    pub embedder: Option<Arc<dyn doctown_query::QueryEmbedder>>,
    /// The chat model behind `ask`; `None`: the answer is the evidence.
    pub ask_model: Option<Arc<dyn AskModel>>,
}

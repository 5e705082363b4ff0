//! `doctown serve` and `doctown schedule`: the trigger API, the website and
//! scheduled builds, with jobs run in-process (or, `serve --distributed`,
//! sent to the stage queues for `doctown worker` processes).

use crate::args::{ScheduleArgs, ServeArgs, ServerArgs};
use crate::query_host;
use anyhow::{Context, Result};
use doctown_accounts::{Accounts, AccountsConfig};
use doctown_core::JobInput;
use doctown_mcp::{DoctownMcp, StreamableHttpServerConfig};
use doctown_query::Engine;
use doctown_sources::JobTokens;
use doctown_stages::{Stages, StagesConfig};
use doctown_store::{LocalStore, ObjectStore};
use doctown_trigger::{
    check_exposure_with, installation_tokens, load_api_key_hashes, run_schedule_loop,
    run_schedule_once, serve, AccountTokens, AppState, DownloadLinks, Estimator, HandlerFactory,
    InProcessLauncher, InProcessOptions, JobLauncher, LaunchContext, QueueLauncher, Schedule,
    ServerName, SourceResolver, StoreCatalog, TokenSource, TriggerConfig,
};
use doctown_worker::{deploy, WorkerTokens};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// The stage handlers of every job, with the job's GitHub token if it has one.
fn factory(config: StagesConfig) -> HandlerFactory {
    Arc::new(move |ctx: &LaunchContext| {
        let mut config = config.clone();
        if let Some(token) = &ctx.github_token {
            config.github.token = Some(token.clone());
        }
        Stages::new(config).into_handlers()
    })
}

/// Prices a job before it runs: ingest and a structural assemble in memory,
/// then the generate stage's token count for the configured model.
struct PipelineEstimator {
    config: StagesConfig,
}

impl Estimator for PipelineEstimator {
    fn estimate(&self, input: &JobInput) -> Result<serde_json::Value, String> {
        let store = doctown_store::MemoryStore::new();
        let stages = Stages::new(self.config.clone());
        let mut input = input.clone();
        input
            .options
            .insert("embed".into(), serde_json::json!({ "enabled": false }));
        input.options.insert(
            "assemble".into(),
            serde_json::json!({ "use_embeddings": false }),
        );
        let runner = doctown_pipeline::Runner::new(&store, stages.first(3));
        let job = crate::host::new_job_id();
        runner
            .submit(job.clone(), input)
            .map_err(|e| e.to_string())?;
        let state = runner.run(&job).map_err(|e| e.to_string())?;
        let name = state
            .source
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_default();
        let generate_input = doctown_generate::GenerateInput::load(&store, &job, &name)
            .map_err(|e| e.to_string())?;
        let estimate = doctown_generate::estimate(&generate_input, &self.config.generate);
        serde_json::to_value(&estimate).map_err(|e| e.to_string())
    }
}

/// An estimator when a model writes the summaries; facts cost nothing.
fn estimator(config: &StagesConfig) -> Option<Arc<dyn Estimator>> {
    (config.generate.backend == doctown_generate::Backend::OpenAi).then(|| {
        Arc::new(PipelineEstimator {
            config: config.clone(),
        }) as Arc<dyn Estimator>
    })
}

/// The `Host` headers the MCP endpoint accepts: loopback names (rmcp's
/// default, against DNS rebinding), the public URL's host when configured,
/// and any host when listening beyond loopback without a public URL (API
/// keys, or `--open`, then decide who may call).
fn mcp_http_config(addr: &SocketAddr, config: &TriggerConfig) -> StreamableHttpServerConfig {
    let base = StreamableHttpServerConfig::default();
    let public = config.public_url.as_deref().and_then(|url| {
        let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
        let authority = rest.split('/').next().unwrap_or_default();
        (!authority.is_empty()).then(|| authority.to_string())
    });
    let mut hosts = base.allowed_hosts.clone();
    match public {
        Some(authority) => hosts.push(authority),
        None if !addr.ip().is_loopback() => return base.disable_allowed_hosts(),
        None => {}
    }
    if !addr.ip().is_loopback() && !addr.ip().is_unspecified() {
        hosts.push(addr.ip().to_string());
    }
    base.with_allowed_hosts(hosts)
}

/// The query engine over the store's finished jobs (a few kept loaded),
/// shared by `/mcp` and the search route.
fn store_engine(store: Arc<dyn ObjectStore>, in_place: bool) -> Arc<Engine> {
    let opening = doctown_query::Opening {
        in_place,
        sidecars: Some(query_host::sidecars()),
    };
    let catalog = Arc::new(StoreCatalog::new(store));
    Arc::new(Engine::with_catalog(catalog, 4).with_opening(opening))
}

/// The chat model `ask` answers with (`/mcp` and `GET /jobs/{id}/ask`);
/// `None` (the answer is the evidence) when none is configured or its
/// configuration is unusable.
fn ask_model() -> Option<Arc<dyn doctown_query::AskModel>> {
    query_host::ask_model().unwrap_or_else(|e| {
        eprintln!("doctown serve: ask answers with the evidence only: {e:#}");
        None
    })
}

/// The MCP endpoint over the store's finished jobs (`/mcp`).
fn mcp_service(
    engine: Arc<Engine>,
    ask_model: Option<Arc<dyn doctown_query::AskModel>>,
    addr: &SocketAddr,
    config: &TriggerConfig,
) -> doctown_mcp::HttpService {
    let server = DoctownMcp::new(engine)
        .with_embedder(query_host::embedder())
        .with_ask_model(ask_model);
    doctown_mcp::http_service_with(server, mcp_http_config(addr, config))
}

/// Opens the accounts database when the environment turns accounts on
/// (`docs/ACCOUNTS.md`): `DATABASE_URL`, else SQLite at `default_db`.
async fn open_accounts(
    config: Option<AccountsConfig>,
    default_db: PathBuf,
) -> Result<Option<Arc<Accounts>>> {
    let Some(config) = config else {
        return Ok(None);
    };
    if !config.keyring_configured {
        eprintln!(
            "warning: DOCTOWN_TOKEN_KEYS is not set: GitHub tokens and share links are sealed \
             with a key that dies with this process (users sign in again after a restart)"
        );
    }
    if config.github.is_none() {
        eprintln!("note: accounts without DOCTOWN_GITHUB_CLIENT_ID: nobody can sign in; operator keys and anonymous builds only");
    }
    let database = match &config.database_url {
        Some(url) if url.starts_with("postgres") => "PostgreSQL (DATABASE_URL)".to_string(),
        Some(url) => url.clone(),
        None => format!("SQLite at {}", default_db.display()),
    };
    if let Some(dir) = default_db.parent() {
        std::fs::create_dir_all(dir).ok();
    }
    let accounts = Accounts::open(config, &default_db)
        .await
        .with_context(|| format!("cannot open the accounts database ({database})"))?;
    eprintln!("doctown serve: accounts on, database: {database}");
    Ok(Some(Arc::new(accounts)))
}

/// Cookies are `Secure` unless the server is plain HTTP on loopback
/// (`DOCTOWN_SECURE_COOKIES` overrides).
fn secure_cookies(addr: &SocketAddr, config: &mut TriggerConfig) {
    if doctown_config::var("DOCTOWN_SECURE_COOKIES").is_none() {
        let https = config
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"));
        config.secure_cookies = https || !addr.ip().is_loopback();
    }
}

fn launcher(
    args: &ServerArgs,
    config: &TriggerConfig,
    accounts: Option<Arc<Accounts>>,
) -> Result<(Arc<LocalStore>, InProcessLauncher)> {
    let dir = args.store.dir()?;
    let store = Arc::new(
        LocalStore::open(&dir)
            .with_context(|| format!("cannot open the store at {}", dir.display()))?,
    );
    let mut tokens = installation_tokens(config)?.map(|t| t as Arc<dyn TokenSource>);
    if let Some(accounts) = accounts {
        tokens = Some(Arc::new(AccountTokens {
            accounts,
            app: tokens,
            runtime: tokio::runtime::Handle::current(),
        }));
    }
    let options = InProcessOptions {
        max_concurrent_jobs: args.jobs.max(1),
        tokens,
        ..InProcessOptions::default()
    };
    let dyn_store: Arc<dyn ObjectStore> = store.clone();
    let launcher = InProcessLauncher::new(dyn_store, factory(StagesConfig::from_env()?), options)?;
    Ok((store, launcher))
}

pub fn serve_cmd(args: ServeArgs) -> Result<ExitCode> {
    let mut config = TriggerConfig::from_env()?;
    config.allow_local |= args.server.allow_local;
    config.cors_origins.extend(args.cors_origin.iter().cloned());
    for name in &args.server_name {
        let name = ServerName::parse(name).map_err(|e| anyhow::anyhow!("--server-name {e}"))?;
        config.server_names.push(name);
    }
    config.server_names.extend(ServerName::of_addr(&args.addr));
    config.private_reads &= !args.addr.ip().is_loopback() && !args.public_reads;
    config.ask_model_needs_key = !args.addr.ip().is_loopback();
    if let Some(file) = &args.api_keys_file {
        config.api_key_hashes = load_api_key_hashes(file)?;
    }
    if let Some(file) = &args.schedule {
        config.schedule = Some(Schedule::load(file)?);
    }
    let static_dir = args.static_dir.clone().or_else(|| {
        let built = PathBuf::from("website/build");
        built.join("index.html").is_file().then_some(built)
    });
    if let Some(dir) = static_dir {
        config = config.with_static_dir(dir);
    }
    let accounts_config = AccountsConfig::from_env()?;
    secure_cookies(&args.addr, &mut config);
    let checked = check_exposure_with(&args.addr, &config, args.open, accounts_config.is_some());
    for note in checked.map_err(anyhow::Error::msg)? {
        eprintln!("{note}");
    }
    if args.distributed {
        return serve_distributed(&args, config, accounts_config);
    }
    runtime()?.block_on(async {
        let db = args.server.store.dir()?.join("accounts.db");
        let accounts = open_accounts(accounts_config, db).await?;
        let (store, launcher) = launcher(&args.server, &config, accounts.clone())?;
        let engine = store_engine(store.clone(), args.in_place);
        let (watching, served) = (args.watch.clone(), engine.clone());
        let store_args = args.server.store.clone();
        let _watchers = tokio::task::spawn_blocking(move || {
            crate::live::serve_trees(&watching, &store_args, &served)
        })
        .await??;
        let ask_model = ask_model();
        let mcp = mcp_service(engine.clone(), ask_model.clone(), &args.addr, &config);
        let mcp_stop = mcp.config.cancellation_token.clone();
        let mut state = AppState::new(store, Arc::new(launcher.clone()), config)
            .with_mcp(mcp)
            .with_query(engine, query_host::embedder())
            .with_ask_model(ask_model);
        if let Some(estimator) = estimator(&StagesConfig::from_env()?) {
            state = state.with_estimator(estimator);
        }
        if let Some(accounts) = accounts {
            state = state.with_accounts(accounts);
        }
        eprintln!("doctown serving on http://{} (MCP at /mcp)", args.addr);
        serve(args.addr, state, async move {
            let _ = tokio::signal::ctrl_c().await;
            mcp_stop.cancel();
        })
        .await?;
        launcher.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}

/// How long a pre-signed download link works: long enough to start the
/// download the redirect begins at once, short enough that revoking a
/// share link or making a job private means something.
const DOWNLOAD_LINK_LIFETIME: Duration = Duration::from_secs(60);

/// Docpack downloads from S3 go to pre-signed URLs (a minute), after
/// the route has checked who may read the job.
struct PresignedLinks<F>(F);

impl<F: Fn(&str, &str) -> Option<String> + Send + Sync> DownloadLinks for PresignedLinks<F> {
    fn download_url(&self, key: &str, filename: &str) -> Option<String> {
        (self.0)(key, filename)
    }
}

/// `serve --distributed`: the store and queues come from the environment;
/// jobs go to the stage queues and separate workers run them. `POST
/// /stages/{stage}` runs that stage in this process (debugging).
fn serve_distributed(
    args: &ServeArgs,
    config: TriggerConfig,
    accounts_config: Option<AccountsConfig>,
) -> Result<ExitCode> {
    let s3 = Arc::new(
        deploy::store_from_env().context("cannot open the S3 store (DOCTOWN_S3_* variables)")?,
    );
    let signer = s3.clone();
    let links = PresignedLinks(move |key: &str, name: &str| {
        signer
            .presigned_get(key, name, DOWNLOAD_LINK_LIFETIME)
            .map_err(|e| tracing::warn!("cannot pre-sign {key}: {e}"))
            .ok()
    });
    let store: Arc<dyn ObjectStore> = s3;
    let queues = deploy::queues_from_env(true)
        .context("cannot open the stage queues (DOCTOWN_SQS_* variables)")?;
    for warning in distributed_warnings(accounts_config.as_ref(), config.github_app.is_some()) {
        eprintln!("{warning}");
    }
    // `POST /stages/ingest` runs here: with the workers' token resolver.
    let tokens: Arc<dyn JobTokens> =
        Arc::new(WorkerTokens::from_env().map_err(anyhow::Error::msg)?);
    let stages_config = StagesConfig::from_env()?;
    let handlers: HandlerFactory = Arc::new(move |_: &LaunchContext| {
        Stages::new(stages_config.clone())
            .with_job_tokens(Some(tokens.clone()))
            .into_handlers()
    });
    let launcher: Arc<dyn JobLauncher> =
        Arc::new(QueueLauncher::new(store.clone(), queues).with_handlers(handlers));
    let engine = store_engine(store.clone(), args.in_place);
    let ask_model = ask_model();
    let mcp = mcp_service(engine.clone(), ask_model.clone(), &args.addr, &config);
    let mcp_stop = mcp.config.cancellation_token.clone();
    let mut state = AppState::new(store.clone(), launcher.clone(), config)
        .with_mcp(mcp)
        .with_query(engine, query_host::embedder())
        .with_ask_model(ask_model)
        .with_download_links(Arc::new(links));
    let runtime = runtime()?;
    let db = args.server.store.dir()?.join("accounts.db");
    if let Some(accounts) = runtime.block_on(open_accounts(accounts_config, db))? {
        state = state.with_accounts(accounts);
    }
    runtime.block_on(async {
        eprintln!(
            "doctown serving on http://{} (distributed: jobs go to the stage queues; MCP at /mcp)",
            args.addr
        );
        serve(args.addr, state, async move {
            let _ = tokio::signal::ctrl_c().await;
            mcp_stop.cancel();
        })
        .await?;
        Ok::<_, anyhow::Error>(())
    })?;
    drop(launcher);
    drop(store);
    Ok(ExitCode::SUCCESS)
}

/// What `serve --distributed` can tell at start about the workers that
/// will run its jobs: with accounts, a user's private repository is fetched
/// by a worker that reads the owner's sealed token from the accounts
/// database and opens it with `DOCTOWN_TOKEN_KEYS`; an App installation's
/// by a worker with the App's credentials (docs/ACCOUNTS.md).
fn distributed_warnings(accounts: Option<&AccountsConfig>, github_app: bool) -> Vec<String> {
    let mut warnings = Vec::new();
    if let Some(accounts) = accounts {
        let postgres = accounts
            .database_url
            .as_deref()
            .is_some_and(|u| u.starts_with("postgres"));
        if !postgres {
            warnings.push(
                "warning: the accounts database is SQLite on this machine: workers elsewhere cannot \
                 read the owners' GitHub tokens, so users' private repositories fail at ingest; \
                 give this server and the workers the same PostgreSQL DATABASE_URL and \
                 DOCTOWN_TOKEN_KEYS"
                    .to_string(),
            );
        }
        if !accounts.keyring_configured {
            warnings.push(
                "warning: DOCTOWN_TOKEN_KEYS is not set: the users' GitHub tokens are sealed with a key \
                 only this process has, so no worker can open them and users' private \
                 repositories fail at ingest; set the same DOCTOWN_TOKEN_KEYS here and on the workers"
                    .to_string(),
            );
        }
    }
    if github_app {
        warnings.push(
            "note: jobs of GitHub App installations are fetched by the workers: give the ingest \
             workers the same DOCTOWN_GITHUB_APP_ID and DOCTOWN_GITHUB_APP_PRIVATE_KEY(_FILE)"
                .to_string(),
        );
    }
    warnings
}

pub fn schedule_cmd(args: ScheduleArgs) -> Result<ExitCode> {
    let schedule = Schedule::load(&args.file)?;
    let config = TriggerConfig::from_env()?;
    runtime()?.block_on(async {
        let (store, launcher) = launcher(&args.server, &config, None)?;
        let resolver = SourceResolver::from_env();
        if args.once {
            let runs = run_schedule_once(
                &schedule,
                SystemTime::now(),
                store.as_ref(),
                &launcher,
                &resolver,
            )?;
            launcher.wait_idle().await;
            for run in &runs {
                println!("{}", serde_json::to_string(run)?);
            }
        } else {
            let launcher: Arc<dyn JobLauncher> = Arc::new(launcher);
            run_schedule_loop(
                schedule,
                store,
                launcher,
                Arc::new(resolver),
                Duration::from_secs(30),
                async {
                    let _ = tokio::signal::ctrl_c().await;
                },
            )
            .await;
        }
        Ok(ExitCode::SUCCESS)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distributed_accounts_warn_when_workers_cannot_read_the_tokens() {
        assert!(distributed_warnings(None, false).is_empty());
        let sqlite = AccountsConfig::default();
        let warned = distributed_warnings(Some(&sqlite), false);
        assert_eq!(warned.len(), 2, "{warned:?}");
        assert!(warned[0].contains("SQLite") && warned[0].contains("DATABASE_URL"));
        assert!(warned[1].contains("DOCTOWN_TOKEN_KEYS"));
        let deployed = AccountsConfig {
            database_url: Some("postgres://db/doctown".into()),
            keyring_configured: true,
            ..AccountsConfig::default()
        };
        assert!(distributed_warnings(Some(&deployed), false).is_empty());
        let app = distributed_warnings(Some(&deployed), true);
        assert_eq!(app.len(), 1);
        assert!(app[0].starts_with("note:") && app[0].contains("DOCTOWN_GITHUB_APP_ID"));
    }
}

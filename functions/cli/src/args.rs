//! Command-line arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Doctown turns a code repository into a .docpack: symbols, calls,
/// clusters, summaries and embeddings in one checksummed archive.
#[derive(Debug, Parser)]
#[command(name = "doctown", version, about)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug); DOCTOWN_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole pipeline on a repository and store the job.
    Build(BuildArgs),
    /// Run only the ingest stage and print what it found.
    Ingest(IngestArgs),
    /// List every symbol of a repository without storing anything.
    Symbols(SymbolsArgs),
    /// How the code got here: churn, hotspots, co-change coupling and owners from git history.
    History(HistoryArgs),
    /// Re-run one stage of a stored job from its stored inputs.
    Stage(StageArgs),
    /// List stored jobs with their status.
    Jobs(JobsArgs),
    /// Continue a failed or interrupted job from its first unfinished stage.
    Resume(ResumeArgs),
    /// Check a docpack's checksums and structure (exit 0 only if valid).
    Verify(VerifyArgs),
    /// Show what a docpack holds: source, statistics, clusters, central symbols.
    Inspect(InspectArgs),
    /// Search a docpack by words (BM25) and meaning (its embeddings), fused.
    Search(SearchArgs),
    /// The resident engine `doctown search` starts: keeps a docpack and the
    /// model loaded and answers searches of it on a Unix socket.
    #[command(hide = true)]
    SearchServer(SearchServerArgs),
    /// What reaches a symbol through confident calls: what can break if it changes.
    Impact(ImpactArgs),
    /// Execution flows from entry points (mains, routes, commands, handlers, API).
    Flows(FlowsArgs),
    /// The symbols whose code changed between two docpacks, and their blast radius.
    Changes(ChangesArgs),
    /// Answer a question about a repository from its docpack, citing path:line.
    Ask(AskArgs),
    /// The code, signatures and summaries that explain a task or some
    /// symbols, within a token budget, and what was left out.
    Context(ContextArgs),
    /// Review a change: what changed, what it reaches, the tests to run,
    /// its risk and a verdict, as Markdown within a token budget.
    Review(ReviewArgs),
    /// Serve docpacks to AI assistants over the Model Context Protocol (stdio).
    Mcp(McpArgs),
    /// Write a docpack as a browsable Markdown site.
    Export(ExportArgs),
    /// What changed between two docpacks of the same repository.
    Diff(DiffArgs),
    /// Rewrite a docpack in the current format (1.6: with access.bin, so
    /// readers open it in place at any size).
    Upgrade(UpgradeArgs),
    /// Expected model tokens and cost of documenting a repository, before any model is called.
    Estimate(EstimateArgs),
    /// Embed texts from JSON Lines ({"id", "text"}) into vectors ({"id", "vector"}).
    Embed(EmbedArgs),
    /// Serve the HTTP trigger API, the website and the MCP endpoint (/mcp),
    /// running jobs in-process (or on the stage queues with --distributed).
    Serve(ServeArgs),
    /// Run scheduled batch builds from a schedule file.
    Schedule(ScheduleArgs),
    /// Host stages for the distributed pipeline (S3 + SQS, RunPod).
    Worker(WorkerArgs),
    /// The effective configuration: each setting's value and where it came from.
    Config(ConfigArgs),
    /// Add Doctown's MCP server to the coding tools installed for this user
    /// (Claude Code, Cursor, VS Code, Codex, Zed, Gemini CLI, …).
    Setup(SetupArgs),
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Show what would change in each file, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Remove Doctown's server from the tools instead.
    #[arg(long)]
    pub remove: bool,
    /// Only these tools (repeatable; as `doctown setup --dry-run` names them, any case).
    #[arg(long = "tool", value_name = "NAME")]
    pub tools: Vec<String>,
    /// Write the project's own files instead (`.mcp.json`, `.cursor/mcp.json`,
    /// `.vscode/mcp.json`, …, to commit): `doctown mcp .` on the working tree,
    /// live, for everyone who opens the project [default DIR: here].
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = ".")]
    pub project: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Every setting, the unset ones with what happens without them.
    #[arg(long, conflicts_with_all = ["markdown", "json"])]
    pub all: bool,
    /// The reference table of every setting (docs/CONFIG.md), as Markdown.
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
    /// The settings set, as JSON (secrets hidden).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Dispatch {
    /// Feed RunPod serverless endpoints from the stage queues.
    Runpod,
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The stages to work on (repeatable); all when none is given.
    #[arg(long = "stage", value_name = "STAGE")]
    pub stages: Vec<String>,
    /// Messages processed at once.
    #[arg(long, default_value_t = 1)]
    pub concurrency: usize,
    /// Dispatch to RunPod endpoints instead of running stages here.
    #[arg(long, value_enum)]
    pub dispatch: Option<Dispatch>,
    /// Run as a RunPod serverless worker (speaks RunPod's worker protocol).
    #[arg(long, conflicts_with = "dispatch")]
    pub runpod: bool,
}

#[derive(Debug, Args, Clone)]
pub struct ServerArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Accept local paths as repository sources (single-user servers only).
    #[arg(long)]
    pub allow_local: bool,
    /// Jobs that run at once.
    #[arg(long, default_value_t = 2)]
    pub jobs: usize,
}

#[derive(Debug, Args)]
pub struct McpArgs {
    /// Docpack files to serve (each one's key is its file name without
    /// `.docpack`), or working trees: built at once, served live and built
    /// again when their files change (key: the directory's name).
    #[arg(value_name = "DOCPACK", required_unless_present = "store")]
    pub files: Vec<PathBuf>,
    /// Serve the finished jobs of this job store instead (keys are job ids).
    #[arg(long, value_name = "DIR", conflicts_with = "files")]
    pub store: Option<PathBuf>,
    /// Docpacks of the store kept loaded at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub cache: usize,
    /// Read every docpack in place (its blocks on demand, its search
    /// index kept in the cache), not only those too large to hold whole.
    #[arg(long)]
    pub in_place: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// The website's built files [default: website/build when it exists].
    #[arg(long, value_name = "DIR")]
    pub static_dir: Option<PathBuf>,
    /// A file of SHA-256 hashes of the API keys mutating requests must carry.
    #[arg(long, value_name = "FILE")]
    pub api_keys_file: Option<PathBuf>,
    /// An origin allowed to call the API from a browser (repeatable).
    #[arg(long, value_name = "ORIGIN")]
    pub cors_origin: Vec<String>,
    /// A host name requests may name besides the listening address's
    /// (repeatable; `.example.com` for every name under it, `*` for any):
    /// others are refused, so a DNS name pointed at this address cannot
    /// reach it from a browser.
    #[arg(long, value_name = "NAME")]
    pub server_name: Vec<String>,
    /// Also run this schedule file's builds.
    #[arg(long, value_name = "FILE")]
    pub schedule: Option<PathBuf>,
    /// Send jobs to the stage queues (S3 + SQS from the `DOCTOWN_S3_*`,
    /// `DOCTOWN_SQS_*` and `DOCTOWN_QUEUE_PREFIX` environment) for separate
    /// `doctown worker` processes to run, instead of running them in-process
    /// (`--store` and `--jobs` are then unused).
    #[arg(long)]
    pub distributed: bool,
    /// Listen beyond loopback without API keys, on purpose: every mutating
    /// route is then open to whoever can reach the address.
    #[arg(long)]
    pub open: bool,
    /// Also serve this working tree live at `/mcp` (repeatable): built at
    /// start and again whenever its files change, as `doctown mcp DIR`.
    #[arg(long, value_name = "DIR", conflicts_with = "distributed")]
    pub watch: Vec<PathBuf>,
    /// Beyond loopback without accounts, let anyone read what jobs built
    /// (job states, events, docpacks, search, the library); by default
    /// those routes need an API key too, since a job may have built
    /// private code.
    #[arg(long)]
    pub public_reads: bool,
    /// Answer questions about every job's docpack in place (its blocks on
    /// demand, its search index kept in the cache), not only about those
    /// too large to hold whole.
    #[arg(long)]
    pub in_place: bool,
}

#[derive(Debug, Args)]
pub struct ScheduleArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The schedule file (TOML: [[schedule]] name, cron, [[schedule.repos]] url, refs).
    #[arg(long, value_name = "FILE")]
    pub file: PathBuf,
    /// Run what is due now, wait for it, and exit.
    #[arg(long)]
    pub once: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    pub file: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    pub file: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args, serde::Serialize, serde::Deserialize)]
pub struct SearchArgs {
    pub file: PathBuf,
    /// Read the docpack in place (its blocks on demand, its search index
    /// kept in the cache), as a docpack too large to hold always is.
    #[arg(long)]
    pub in_place: bool,
    /// The query (words, a name, or a description); omit with --batch.
    #[arg(required_unless_present = "batch")]
    pub query: Option<String>,
    /// How many results (at most 50).
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// hybrid (words and meaning, fused), lexical, semantic, or legacy
    /// (the name-and-vector score of earlier versions).
    #[arg(long, default_value = "hybrid")]
    pub mode: String,
    /// Words only: do not load the embedding model (same as --mode lexical).
    #[arg(long)]
    pub names_only: bool,
    /// Queries from a JSON Lines file ({"id", "query"}), one result line each.
    #[arg(long, value_name = "FILE", conflicts_with = "query")]
    pub batch: Option<PathBuf>,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Show this many confident callers and callees of the first hits.
    #[arg(long, default_value_t = 0)]
    pub expand: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SearchServerArgs {
    /// The socket to listen on.
    #[arg(long)]
    pub socket: PathBuf,
    pub file: PathBuf,
}

/// Which symbols a search may return.
#[derive(Debug, Args, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct FilterArgs {
    /// Only this language (rust, python, typescript, tsx, javascript, go).
    #[arg(long)]
    pub language: Option<String>,
    /// Only these kinds (function, method, struct, class, …), repeatable.
    #[arg(long = "kind")]
    pub kinds: Vec<String>,
    /// Only symbols under this path.
    #[arg(long = "path")]
    pub path_prefix: Option<String>,
    /// Only symbols of files with this role (source, test, example, …).
    #[arg(long)]
    pub role: Option<String>,
    /// Only this cluster (id or label).
    #[arg(long)]
    pub cluster: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImpactArgs {
    pub file: PathBuf,
    /// Read the docpack in place (its blocks on demand, its search index
    /// kept in the cache), as a docpack too large to hold always is.
    #[arg(long)]
    pub in_place: bool,
    /// A symbol id, qualified name, `Type::method` or name.
    pub symbol: String,
    /// Steps to follow back from the symbol (1-10).
    #[arg(long, default_value_t = 3)]
    pub depth: u32,
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ContextArgs {
    pub file: PathBuf,
    /// The task, in words (searched by words and meaning).
    pub task: Option<String>,
    /// A symbol to explain (an id or a name; repeatable), before the task's.
    #[arg(long = "symbol", value_name = "SYMBOL")]
    pub symbols: Vec<String>,
    /// The budget, in tokens (4 characters a token).
    #[arg(long, default_value_t = 4000)]
    pub max_tokens: usize,
    /// A checkout of the repository, for source lines (a file that changed
    /// since the build gives none).
    #[arg(long, value_name = "DIR")]
    pub checkout: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct FlowsArgs {
    pub file: PathBuf,
    /// Only the flows that reach this symbol.
    #[arg(long)]
    pub through: Option<String>,
    /// Only flows from this kind of entry: main, route, command, handler, api.
    #[arg(long)]
    pub kind: Option<String>,
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ChangesArgs {
    pub old: PathBuf,
    pub new: PathBuf,
    /// Steps of impact to follow from each changed symbol.
    #[arg(long, default_value_t = 2)]
    pub depth: u32,
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The base: a .docpack file, or a ref of the repository (`--repo`).
    pub base: String,
    /// The change: a .docpack file, or a ref of the repository.
    pub head: String,
    /// The git repository the refs are of.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    /// The review's budget, in tokens (counted with o200k_base).
    #[arg(long, default_value_t = 2000)]
    pub max_tokens: usize,
    /// The review and its Markdown as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also post it on the GitHub pull request, editing Doctown's earlier
    /// comment there (GITHUB_REPOSITORY, GITHUB_TOKEN, GITHUB_API_URL and
    /// the pull request of GITHUB_EVENT_PATH, as a GitHub Actions job has).
    #[arg(long)]
    pub comment: bool,
    /// The pull request to comment on, instead of the event's.
    #[arg(long, value_name = "N", requires = "comment")]
    pub pull: Option<u64>,
}

#[derive(Debug, Args)]
pub struct AskArgs {
    pub file: PathBuf,
    pub question: String,
    /// Answer with the ranked evidence even when a model is configured.
    #[arg(long)]
    pub no_model: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    pub file: PathBuf,
    /// The directory to write the Markdown site into.
    #[arg(long, value_name = "DIR")]
    pub markdown: PathBuf,
}

#[derive(Debug, Args)]
pub struct UpgradeArgs {
    pub file: PathBuf,
    /// Where to write the upgraded docpack (the same path replaces it).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    pub old: PathBuf,
    pub new: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EstimateArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub options: BuildOptions,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// JSON Lines input, `-` for stdin.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// JSON Lines output, `-` for stdout.
    #[arg(long, value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Args, Clone)]
pub struct StoreArgs {
    /// Directory of the local job store [default: the `store` setting, else
    /// the user's data dir/doctown].
    #[arg(long, value_name = "DIR", global = true)]
    pub store: Option<PathBuf>,
}

impl StoreArgs {
    /// `--store`, else the `store` setting (`DOCTOWN_STORE`), else
    /// `doctown` in the user's data directory.
    pub fn dir(&self) -> anyhow::Result<PathBuf> {
        if let Some(dir) = self
            .store
            .clone()
            .or_else(|| doctown_config::var("DOCTOWN_STORE").map(PathBuf::from))
        {
            return Ok(dir);
        }
        let base = dirs::data_dir().or_else(|| dirs::home_dir().map(|h| h.join(".local/share")));
        match base {
            Some(base) => Ok(base.join("doctown")),
            None => anyhow::bail!("no data directory for the job store; pass --store DIR"),
        }
    }
}

#[derive(Debug, Args, Clone)]
pub struct SourceArgs {
    /// A local directory, a local git repository, a .zip/.tar.gz archive, or a GitHub URL.
    pub source: String,
    /// Branch, tag or commit (for git repositories and GitHub URLs).
    #[arg(long = "ref", value_name = "REF")]
    pub git_ref: Option<String>,
    /// Skip files larger than this many bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_file_bytes: Option<u64>,
    /// Refuse sources whose parsed files add up to more than this many bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_total_bytes: Option<u64>,
    /// A SCIP index of the source (scip-typescript, scip-python,
    /// rust-analyzer scip, scip-go…): its references link calls exactly.
    /// Without it, an `index.scip` at the repository root is used.
    #[arg(long, value_name = "FILE")]
    pub scip: Option<std::path::PathBuf>,
    /// Read files that `.gitignore` files exclude (for trees whose
    /// `.gitignore` belongs to something else, such as Debian's
    /// `linux-source`, which ignores `/*`).
    #[arg(long)]
    pub no_gitignore: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

/// Pipeline options shared by the commands that run stages.
#[derive(Debug, Args, Clone, Default)]
pub struct BuildOptions {
    /// Compute embeddings (semantic clusters, related symbols, search);
    /// `off` builds a structural docpack in seconds.
    #[arg(long, value_enum, value_name = "on|off")]
    pub embeddings: Option<OnOff>,
    /// With a model configured: document only the N most central symbols by model.
    #[arg(long, value_name = "N")]
    pub llm_top: Option<usize>,
    /// With a model configured: spend at most this many US dollars on the
    /// model [default: $0.0001 per source file, $0.005 for 50 files].
    #[arg(long, value_name = "USD", conflicts_with = "all_symbols")]
    pub budget: Option<f64>,
    /// With a model configured: send every non-trivial symbol to the model,
    /// with no default budget (see `doctown estimate` for what it costs).
    #[arg(long, conflicts_with = "llm_top")]
    pub all_symbols: bool,
    /// Refuse (or stop) a model generation that would cost more than this.
    #[arg(long, value_name = "USD")]
    pub max_cost: Option<f64>,
    /// The git history in the docpack (history.json), for local
    /// repositories: `files` [default] (churn, co-change, owners and
    /// hotspots per file and module), `symbols` (also per symbol: parses
    /// every changed version of each file, minutes on long histories) or `off`.
    #[arg(long, value_enum, value_name = "MODE")]
    pub history: Option<HistoryMode>,
    /// Read at most N commits of history, newest first [default: 10,000,
    /// so that a long history does not double a cold build; `0` reads
    /// them all]. A rebuild reads only the commits new since the last one.
    #[arg(long, value_name = "N")]
    pub history_max_commits: Option<usize>,
    /// Leave out history before this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub history_since: Option<String>,
    /// For a GitHub source: clone the repository with git over HTTPS (with
    /// the GitHub token, if any) to read its history; without it a GitHub
    /// source, downloaded as a tarball, has none.
    #[arg(long)]
    pub history_github: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryMode {
    Off,
    Files,
    Symbols,
}

impl BuildOptions {
    pub fn embeddings_on(&self) -> bool {
        self.embeddings != Some(OnOff::Off)
    }
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub options: BuildOptions,
    /// Where to write the docpack [default: NAME.docpack in the current directory].
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print the events as JSON Lines on stdout instead of a summary.
    #[arg(long)]
    pub events: bool,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Jobs of this source kept in the store, this build included: the
    /// newest ones and the last that succeeded; the older ones are removed
    /// while the build runs. A number, or `all`.
    #[arg(long, value_name = "N|all", default_value = "3")]
    pub keep_jobs: crate::retention::Keep,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print the events as JSON Lines on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SymbolFormat {
    /// Aligned columns (the default on a terminal).
    Table,
    /// One JSON object per symbol (the default when piped).
    Jsonl,
}

#[derive(Debug, Args)]
pub struct SymbolsArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[arg(long, value_enum)]
    pub format: Option<SymbolFormat>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// A local git repository: its root, or a bare git directory.
    pub path: PathBuf,
    /// Leave out commits committed before this date (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Read at most N commits, newest first.
    #[arg(long, value_name = "N")]
    pub max_commits: Option<usize>,
    /// Follow first parents only, each merge diffed against its first parent.
    #[arg(long, conflicts_with = "all")]
    pub first_parent: bool,
    /// Every commit reachable from HEAD, merges without a diff (the default).
    #[arg(long)]
    pub all: bool,
    /// Print the history document as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also give each symbol its history (parses every changed version of each file).
    #[arg(long)]
    pub symbols: bool,
    /// Diff threads [default: every core].
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    pub threads: usize,
    /// Rows per list in the text output.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
}

#[derive(Debug, Args)]
pub struct StageArgs {
    /// ingest, embed, assemble, generate or pack.
    pub stage: String,
    #[arg(long, value_name = "ID")]
    pub job: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print the events as JSON Lines on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct JobsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// One JSON object per job.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    pub job: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print the events as JSON Lines on stdout.
    #[arg(long)]
    pub json: bool,
}

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
    /// Re-run one stage of a stored job from its stored inputs.
    Stage(StageArgs),
    /// List stored jobs with their status.
    Jobs(JobsArgs),
    /// Continue a failed or interrupted job from its first unfinished stage.
    Resume(ResumeArgs),
}

#[derive(Debug, Args, Clone)]
pub struct StoreArgs {
    /// Directory of the local job store [default: the user's data dir]/doctown.
    #[arg(long, env = "DOCTOWN_STORE", value_name = "DIR", global = true)]
    pub store: Option<PathBuf>,
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
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print the events as JSON Lines on stdout instead of a summary.
    #[arg(long)]
    pub events: bool,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
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

//! One module per subcommand.

mod build;
mod config;
mod docpack;
mod embed;
mod history;
mod jobs;
mod mcp;
pub(crate) mod query;
mod review;
#[cfg(feature = "hosted")]
mod serve;
mod setup;
mod symbols;
#[cfg(feature = "hosted")]
mod worker;

use crate::args::{Cli, Command};
use anyhow::Result;
pub(crate) use build::{build_quietly, stored_docpack};
use std::process::ExitCode;

pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Build(args) => build::build(args),
        Command::Ingest(args) => build::ingest(args),
        Command::Estimate(args) => build::estimate(args),
        Command::Symbols(args) => symbols::symbols(args),
        Command::History(args) => history::history_cmd(args),
        Command::Stage(args) => jobs::stage(args),
        Command::Jobs(args) => jobs::jobs(args),
        Command::Resume(args) => jobs::resume(args),
        Command::Verify(args) => docpack::verify_cmd(args),
        Command::Inspect(args) => docpack::inspect_cmd(args),
        Command::Search(args) => query::search_cmd(args),
        #[cfg(unix)]
        Command::SearchServer(args) => crate::resident::serve(&args.file, &args.socket),
        #[cfg(not(unix))]
        Command::SearchServer(_) => anyhow::bail!("resident engines need Unix sockets"),
        Command::Impact(args) => query::impact_cmd(args),
        Command::Flows(args) => query::flows_cmd(args),
        Command::Changes(args) => query::changes_cmd(args),
        Command::Ask(args) => query::ask_cmd(args),
        Command::Context(args) => query::context_cmd(args),
        Command::Review(args) => review::review_cmd(args),
        Command::Mcp(args) => mcp::mcp_cmd(args),
        Command::Export(args) => docpack::export_cmd(args),
        Command::Diff(args) => docpack::diff_cmd(args),
        Command::Upgrade(args) => docpack::upgrade_cmd(args),
        Command::Embed(args) => embed::embed(args),
        Command::Config(args) => config::config_cmd(args),
        Command::Setup(args) => setup::setup_cmd(args),
        #[cfg(feature = "hosted")]
        Command::Serve(args) => serve::serve_cmd(args),
        #[cfg(feature = "hosted")]
        Command::Schedule(args) => serve::schedule_cmd(args),
        #[cfg(feature = "hosted")]
        Command::Worker(args) => worker::worker(args),
        #[cfg(not(feature = "hosted"))]
        Command::Serve(_) | Command::Schedule(_) | Command::Worker(_) => Err(not_hosted()),
    }
}

/// What a binary built without the `hosted` feature (`scripts/demo.sh`'s)
/// says when asked to serve: where to get one that can.
#[cfg(not(feature = "hosted"))]
fn not_hosted() -> anyhow::Error {
    anyhow::anyhow!(
        "this doctown was built without the hosted service (serve, schedule, worker); \
         build it with `cargo build --release -p doctown-cli` or install a release \
         (scripts/install.sh, npx doctown)"
    )
}

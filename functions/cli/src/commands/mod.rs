//! One module per subcommand.

mod build;
mod docpack;
mod embed;
mod history;
mod jobs;
mod mcp;
mod query;
mod serve;
mod symbols;
mod worker;

use crate::args::{Cli, Command};
use anyhow::Result;
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
        Command::Impact(args) => query::impact_cmd(args),
        Command::Flows(args) => query::flows_cmd(args),
        Command::Changes(args) => query::changes_cmd(args),
        Command::Ask(args) => query::ask_cmd(args),
        Command::Mcp(args) => mcp::mcp_cmd(args),
        Command::Export(args) => docpack::export_cmd(args),
        Command::Diff(args) => docpack::diff_cmd(args),
        Command::Embed(args) => embed::embed(args),
        Command::Serve(args) => serve::serve_cmd(args),
        Command::Schedule(args) => serve::schedule_cmd(args),
        Command::Worker(args) => worker::worker(args),
    }
}

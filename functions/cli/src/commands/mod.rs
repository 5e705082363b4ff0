//! One module per subcommand.

mod build;
mod jobs;
mod symbols;

use crate::args::{Cli, Command};
use anyhow::Result;
use std::process::ExitCode;

pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Build(args) => build::build(args),
        Command::Ingest(args) => build::ingest(args),
        Command::Symbols(args) => symbols::symbols(args),
        Command::Stage(args) => jobs::stage(args),
        Command::Jobs(args) => jobs::jobs(args),
        Command::Resume(args) => jobs::resume(args),
    }
}

//! The `doctown` command-line interface: argument parsing, the in-process
//! host for the stage handlers, and terminal output.
//!
//! Every command returns `anyhow::Result`; `main` prints an error as one line
//! on stderr and exits non-zero.

mod args;
mod commands;
mod host;
mod live;
mod output;
mod progress;
mod query_host;
#[cfg(unix)]
mod resident;
mod retention;
mod setup;

use clap::Parser;
use std::process::ExitCode;

pub use args::Cli;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // `doctown config` reports a broken configuration itself.
    if !matches!(cli.command, args::Command::Config(_)) {
        if let Err(e) = doctown_config::init() {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    init_tracing(cli.verbose);
    match commands::dispatch(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", one_line(&error));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, without repeats.
pub(crate) fn one_line(error: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string().replace('\n', " ");
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = doctown_config::var("DOCTOWN_LOG")
        .and_then(|f| tracing_subscriber::EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .try_init();
}

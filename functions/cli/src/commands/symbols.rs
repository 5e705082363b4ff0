//! `doctown symbols`: every symbol of a source, without touching the store.

use crate::args::{SymbolFormat, SymbolsArgs};
use crate::host::ingest_options;
use anyhow::Result;
use doctown_core::Symbol;
use doctown_sources::{fetch, parse_source, FetchOptions, GitHubConfig};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub fn symbols(args: SymbolsArgs) -> Result<ExitCode> {
    let options = ingest_options(&args.source);
    let spec = parse_source(&args.source.source, args.source.git_ref.as_deref())?;
    let fetch_options = FetchOptions {
        max_total_bytes: options.max_total_bytes,
        max_file_bytes: options.max_file_bytes,
        github: GitHubConfig::from_env(),
    };
    let fetched = fetch(&spec, &fetch_options)?;
    let symbols = doctown_ingest::list_symbols(&fetched.root, &options)?;
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        SymbolFormat::Table
    } else {
        SymbolFormat::Jsonl
    });
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match format {
        SymbolFormat::Jsonl => write_jsonl(&mut out, &symbols),
        SymbolFormat::Table => write_table(&mut out, &symbols),
    };
    match written.and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        other => other.map(|_| ExitCode::SUCCESS).map_err(Into::into),
    }
}

fn write_jsonl(out: &mut impl Write, symbols: &[Symbol]) -> std::io::Result<()> {
    for s in symbols {
        let line = serde_json::json!({
            "name": s.name,
            "kind": s.kind,
            "qualified_name": s.qualified_name,
            "language": s.language,
            "path": s.path,
            "start_line": s.span.start.line,
            "end_line": s.span.end.line,
            "signature": s.signature,
        });
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn write_table(out: &mut impl Write, symbols: &[Symbol]) -> std::io::Result<()> {
    let kind_width = symbols
        .iter()
        .map(|s| s.kind.name().len())
        .max()
        .unwrap_or(4);
    let name_width = symbols
        .iter()
        .map(|s| s.qualified_name.len())
        .max()
        .unwrap_or(4)
        .min(60);
    for s in symbols {
        let location = format!("{}:{}-{}", s.path, s.span.start.line, s.span.end.line);
        writeln!(
            out,
            "{:<kind_width$}  {:<name_width$}  {location}",
            s.kind.name(),
            s.qualified_name
        )?;
    }
    Ok(())
}

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
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        SymbolFormat::Table
    } else {
        SymbolFormat::Jsonl
    });
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match format {
        // Lines are written while later files are parsed, each file's
        // lines encoded on the thread that parsed it.
        SymbolFormat::Jsonl => doctown_ingest::stream_symbols(
            &fetched.root,
            &options,
            |symbols| jsonl_lines(&symbols),
            |lines| out.write_all(&lines).map_err(anyhow::Error::from),
        ),
        // A table's columns are as wide as its widest name: every symbol first.
        SymbolFormat::Table => doctown_ingest::list_symbols(&fetched.root, &options)
            .map_err(anyhow::Error::from)
            .and_then(|symbols| write_table(&mut out, &symbols).map_err(Into::into)),
    };
    match written.and_then(|_| out.flush().map_err(Into::into)) {
        Err(e) if is_broken_pipe(&e) => Ok(ExitCode::SUCCESS),
        other => other.map(|_| ExitCode::SUCCESS),
    }
}

/// Whether printing stopped because the reader went away (`| head`):
/// not an error.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// One line of `--format jsonl`, its members in name order (what the
/// format has always printed), serialised straight from the symbol.
#[derive(serde::Serialize)]
struct Line<'s> {
    end_line: u32,
    kind: &'s doctown_core::SymbolKind,
    language: &'s doctown_core::Language,
    name: &'s str,
    path: &'s str,
    qualified_name: &'s str,
    signature: &'s str,
    start_line: u32,
}

/// One file's symbols as `--format jsonl` lines.
fn jsonl_lines(symbols: &[Symbol]) -> Vec<u8> {
    let mut out = Vec::with_capacity(symbols.len() * 320);
    for s in symbols {
        let line = Line {
            end_line: s.span.end.line,
            kind: &s.kind,
            language: &s.language,
            name: &s.name,
            path: &s.path,
            qualified_name: &s.qualified_name,
            signature: &s.signature,
            start_line: s.span.start.line,
        };
        // Writing into a Vec cannot fail; a symbol always serialises.
        if serde_json::to_writer(&mut out, &line).is_ok() {
            out.push(b'\n');
        }
    }
    out
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

//! `doctown history`: how the code got here — churn, hotspots, co-change
//! coupling and owners from a local repository's git history
//! (`doctown-history`), with `--symbols` per symbol through the extractor.

use crate::args::HistoryArgs;
use anyhow::{anyhow, Result};
use doctown_history::document::History;
use doctown_history::{AnalysisOptions, HistoryOptions, SymbolSource};
use doctown_ingest::history::ExtractSymbols;
use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

pub fn history_cmd(args: HistoryArgs) -> Result<ExitCode> {
    let since = match &args.since {
        Some(text) => Some(doctown_history::time::parse_since(text).ok_or_else(|| {
            anyhow!("invalid --since date `{text}` (use YYYY-MM-DD or an RFC 3339 time)")
        })?),
        None => None,
    };
    let options = HistoryOptions {
        since,
        max_commits: args.max_commits,
        first_parent: args.first_parent && !args.all,
        threads: args.threads,
        ..HistoryOptions::default()
    };
    let source: Option<&dyn SymbolSource> = if args.symbols {
        Some(&ExtractSymbols)
    } else {
        None
    };
    let history =
        doctown_history::history(&args.path, &options, source, &AnalysisOptions::default())?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = if args.json {
        serde_json::to_writer_pretty(&mut out, &history)
            .map_err(std::io::Error::from)
            .and_then(|_| writeln!(out))
    } else {
        write_human(&mut out, &history, args.top)
    };
    match written.and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        other => other.map(|_| ExitCode::SUCCESS).map_err(Into::into),
    }
}

fn write_human(out: &mut impl Write, h: &History, top: usize) -> std::io::Result<()> {
    write_summary(out, h)?;
    writeln!(out, "\nHotspots (commits × lines of code):")?;
    for spot in h.hotspots.files.iter().take(top) {
        writeln!(
            out,
            "  {:>10}  {:>5} commits  {:>6} lines  {}",
            spot.score, spot.commits, spot.complexity, spot.name
        )?;
    }
    if h.summary.symbols {
        writeln!(out, "\nSymbol hotspots:")?;
        for spot in h.hotspots.symbols.iter().take(top) {
            writeln!(
                out,
                "  {:>10}  {:>5} commits  {:>6} lines  {}",
                spot.score, spot.commits, spot.complexity, spot.name
            )?;
        }
    }
    writeln!(out, "\nChange together (support, degree):")?;
    if h.coupling.files.is_empty() {
        writeln!(out, "  none above the thresholds")?;
    }
    for pair in h.coupling.files.iter().take(top) {
        writeln!(
            out,
            "  {:>5}  {:>4.0}%  {}  ⟷  {}",
            pair.support,
            pair.degree * 100.0,
            pair.a,
            pair.b
        )?;
    }
    write_owners(out, h, top)
}

fn write_summary(out: &mut impl Write, h: &History) -> std::io::Result<()> {
    let s = &h.summary;
    let range = match (&s.first_commit, &s.last_commit) {
        (Some(first), Some(last)) => format!("{} to {}", &first[..10], &last[..10]),
        _ => "no commits".to_string(),
    };
    writeln!(
        out,
        "{} commit(s) ({} merges) by {} author(s), {range}; {} file(s) changed",
        s.commits, s.merges, s.authors, s.files
    )?;
    let mut notes = vec![if s.first_parent {
        "first parents only".to_string()
    } else {
        "all commits from HEAD".to_string()
    }];
    if let Some(since) = &s.since {
        notes.push(format!("since {since}"));
    }
    if s.truncated {
        notes.push(format!(
            "stopped at --max-commits {}",
            s.max_commits.unwrap_or(0)
        ));
    }
    if s.shallow {
        notes.push(format!(
            "shallow clone: history ends at {} boundary commit(s)",
            s.boundary_commits
        ));
    }
    writeln!(out, "({})", notes.join("; "))
}

fn write_owners(out: &mut impl Write, h: &History, top: usize) -> std::io::Result<()> {
    writeln!(out, "\nOwners (truck factor, main author and share):")?;
    let mut modules: Vec<_> = h.ownership.modules.iter().collect();
    // The whole repository first, then the largest modules.
    modules.sort_by(|a, b| {
        (!a.path.is_empty())
            .cmp(&!b.path.is_empty())
            .then(b.files.cmp(&a.files))
            .then_with(|| a.path.cmp(&b.path))
    });
    let names: HashMap<&str, &str> = h
        .authors
        .iter()
        .map(|a| (a.key.as_str(), a.name.as_str()))
        .collect();
    for m in modules.into_iter().take(top + 1) {
        let name = if m.path.is_empty() {
            "(repository)"
        } else {
            &m.path
        };
        let author = names.get(m.main_author.as_str()).unwrap_or(&"?");
        writeln!(
            out,
            "  {:>3}  {:<40} {:>5} files  {author} ({:.0}%)",
            m.truck_factor,
            name,
            m.files,
            m.main_share * 100.0
        )?;
    }
    writeln!(out, "\nAuthors:")?;
    for a in h.authors.iter().take(top) {
        writeln!(
            out,
            "  {:>6} commits  +{:<8} -{:<8} {} <{}>",
            a.commits, a.added, a.removed, a.name, a.key
        )?;
    }
    Ok(())
}

//! The Markdown export's `history.md` (from `history.json`): summary,
//! hotspots, co-change pairs, owners, authors and the timeline, plus the
//! one line each symbol's section gets. Pure: text out.

use crate::model::history::{CoupledPair, History, Hotspot, Summary, SymbolHistory};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Rows per table.
const ROWS: usize = 20;

/// Inline code that survives backticks in the text.
fn code(s: &str) -> String {
    if s.contains('`') {
        format!("`` {} ``", s.replace('\n', " "))
    } else {
        format!("`{}`", s.replace('\n', " "))
    }
}

fn day(t: &Option<String>) -> String {
    t.as_deref()
        .map_or("?".into(), |t| t.chars().take(10).collect())
}

/// "N commits (M merges) by A authors, FIRST to LAST; F files changed":
/// the history's extent, as the export and the query answers say it.
pub fn extent(s: &Summary) -> String {
    let n = |count: u32, one: &str, many: &str| {
        if count == 1 {
            format!("1 {one}")
        } else {
            format!("{count} {many}")
        }
    };
    format!(
        "{} ({}) by {}, {} to {}; {} changed",
        n(s.commits, "commit", "commits"),
        n(s.merges, "merge", "merges"),
        n(s.authors, "author", "authors"),
        day(&s.first_commit),
        day(&s.last_commit),
        n(s.files, "file", "files")
    )
}

/// The summary sentence: commits, authors, dates, and what limits them.
pub fn summary(h: &History) -> String {
    let s = &h.summary;
    let mut out = extent(s);
    let mut notes = vec![if s.first_parent {
        "first parents only".to_string()
    } else {
        "every commit from the head".to_string()
    }];
    if let Some(since) = &s.since {
        notes.push(format!("since {since}"));
    }
    if s.truncated {
        notes.push(format!(
            "cut at {} commits",
            s.max_commits.unwrap_or(s.commits)
        ));
    }
    if s.shallow {
        notes.push(format!(
            "shallow clone: history stops at {} boundary commits",
            s.boundary_commits
        ));
    }
    let _ = write!(out, " ({}).", notes.join("; "));
    out
}

/// `history.md`. `link` turns a symbol id into a Markdown link;
/// `insights` are `docs.json`'s (a section before the hotspots).
pub fn page(
    h: &History,
    insights: &[crate::model::Insight],
    link: &dyn Fn(&str) -> Option<String>,
) -> String {
    let mut out = String::from("# History\n\n[Index](index.md)\n\n");
    let _ = writeln!(out, "{}\n", summary(h));
    crate::insights_text::markdown(&mut out, insights);
    let ids: BTreeMap<String, &str> = h
        .symbols
        .iter()
        .filter_map(|s| Some((format!("{}#{}", s.path, s.name), s.id.as_deref()?)))
        .collect();
    let name = |n: &str| {
        ids.get(n)
            .and_then(|id| link(id))
            .unwrap_or_else(|| code(n))
    };
    let basis = match h.hotspots.basis.as_str() {
        "structure" => "cyclomatic complexity and PageRank centrality",
        "lines" => "lines of code; centrality 1",
        other => other,
    };
    hotspots(&mut out, ("Hotspots", basis), &h.hotspots.files, &name);
    if h.summary.symbols {
        let title = ("Symbol hotspots", basis);
        hotspots(&mut out, title, &h.hotspots.symbols, &name);
    }
    hotspots(
        &mut out,
        ("Module hotspots", basis),
        &h.hotspots.modules,
        &name,
    );
    pairs(
        &mut out,
        "Files that change together",
        &h.coupling.files,
        &name,
    );
    if h.summary.symbols {
        pairs(
            &mut out,
            "Symbols that change together",
            &h.coupling.symbols,
            &name,
        );
    }
    owners(&mut out, h);
    timeline(&mut out, h);
    out
}

fn hotspots(
    out: &mut String,
    (title, basis): (&str, &str),
    list: &[Hotspot],
    name: &dyn Fn(&str) -> String,
) {
    let _ = writeln!(
        out,
        "## {title}\n\nScore = commits × complexity × centrality ({basis}).\n"
    );
    if list.is_empty() {
        let _ = writeln!(out, "None.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| | score | commits | complexity | centrality |\n|---|---:|---:|---:|---:|"
    );
    for s in list.iter().take(ROWS) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            name(&s.name),
            s.score,
            s.commits,
            s.complexity,
            s.centrality
        );
    }
    out.push('\n');
}

fn pairs(out: &mut String, title: &str, list: &[CoupledPair], name: &dyn Fn(&str) -> String) {
    let _ = writeln!(
        out,
        "## {title}\n\nSupport: commits that changed both; degree: support over their mean commits; hidden coupling: no call, reference, import or inheritance links the two.\n"
    );
    if list.is_empty() {
        let _ = writeln!(out, "None above the thresholds.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| | | support | degree | static link |\n|---|---|---:|---:|---|"
    );
    for p in list.iter().take(ROWS) {
        let link = match p.linked {
            Some(true) => "yes",
            Some(false) => "none: hidden coupling",
            None => "?",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.0}% | {link} |",
            name(&p.a),
            name(&p.b),
            p.support,
            p.degree * 100.0
        );
    }
    out.push('\n');
}

fn owners(out: &mut String, h: &History) {
    let names: BTreeMap<&str, &str> = h
        .authors
        .iter()
        .map(|a| (a.key.as_str(), a.name.as_str()))
        .collect();
    let _ = writeln!(
        out,
        "## Owners\n\nTruck factor: how many authors would have to leave before most of a module's files have no author left.\n"
    );
    let _ = writeln!(
        out,
        "| module | files | truck factor | main author | share |\n|---|---:|---:|---|---:|"
    );
    let mut modules: Vec<_> = h.ownership.modules.iter().collect();
    modules.sort_by(|a, b| {
        (!a.path.is_empty(), b.files, &a.path).cmp(&(!b.path.is_empty(), a.files, &b.path))
    });
    for m in modules.into_iter().take(ROWS) {
        let module = if m.path.is_empty() {
            "(repository)"
        } else {
            &m.path
        };
        let author = names.get(m.main_author.as_str()).unwrap_or(&"?");
        let _ = writeln!(
            out,
            "| {} | {} | {} | {author} | {:.0}% |",
            code(module),
            m.files,
            m.truck_factor,
            m.main_share * 100.0
        );
    }
    let _ = writeln!(
        out,
        "\n## Authors\n\n| author | commits | added | removed |\n|---|---:|---:|---:|"
    );
    for a in h.authors.iter().take(ROWS) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            a.name, a.commits, a.added, a.removed
        );
    }
    out.push('\n');
}

fn timeline(out: &mut String, h: &History) {
    let _ = writeln!(
        out,
        "## Timeline\n\n| month | commits | authors | added | removed | symbols added | symbols removed |\n|---|---:|---:|---:|---:|---:|---:|"
    );
    for m in &h.timeline {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            m.month, m.commits, m.authors, m.added, m.removed, m.symbols_added, m.symbols_removed
        );
    }
}

/// The line a symbol's section gets: `Changed in 12 commits by 3 authors, last on 2024-05-01.`
pub fn symbol_line(s: &SymbolHistory) -> String {
    let authors = if s.authors == 1 {
        "1 author".to_string()
    } else {
        format!("{} authors", s.authors)
    };
    let commits = if s.commits == 1 {
        "1 commit".to_string()
    } else {
        format!("{} commits", s.commits)
    };
    format!(
        "History: changed in {commits} by {authors} (+{} −{} lines), last on {}.",
        s.added,
        s.removed,
        s.last_change.chars().take(10).collect::<String>()
    )
}

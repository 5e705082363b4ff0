//! A change reviewed from two docpacks of one repository: what changed,
//! what each changed symbol reaches (callers by depth, flows, modules),
//! the tests that exercise it, how risky it is, what usually changes with
//! the edited files but did not this time, and a verdict — rendered as
//! Markdown within a token budget.
//!
//! Risk of a changed (or removed) symbol: `ln(1 + reached) × (1 +
//! complexity / 10) × (1 + ln(1 + commits))`, times 2 when no test reaches
//! it; `reached` counts the symbols within three call steps, `complexity`
//! is its cyclomatic complexity (1 when unknown) and `commits` the commits
//! that changed it (from the history: the symbol's when the history has
//! symbols, else its file's; 0 without a history). The verdict is `high`
//! when a symbol scores 12 or more, or one reached by 20 or more has no
//! test; `medium` from 4, or when a changed source symbol has no test;
//! `low` otherwise. The weights are a heuristic, stated so a reader can
//! weigh the verdict.

use crate::answer::SymbolRef;
use crate::changes::{changes, Changes};
use crate::flows::flows;
use crate::history::history_of;
use crate::impact::impact;
use crate::pack::{Pack, Sym};
use crate::reader::Reader;
use doctown_core::FileRole;
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt::Write;

/// Changed symbols analysed one by one (the most central first).
const DETAILED: usize = 40;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    /// `low`, `medium` or `high`.
    pub risk: &'static str,
    pub verdict: String,
    pub changes: Changes,
    /// The changed and removed symbols, riskiest first.
    pub symbols: Vec<SymbolRisk>,
    /// Files that usually change with an edited file (no static link)
    /// but did not change here.
    pub hidden_coupling: Vec<Coupling>,
    /// Whether the newer docpack has a history (churn and coupling).
    pub history: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SymbolRisk {
    #[serde(flatten)]
    pub symbol: SymbolRef,
    /// `changed` or `removed`.
    pub change: &'static str,
    /// Symbols reaching it at depths 1, 2, 3 (tests aside).
    pub callers_by_depth: Vec<usize>,
    pub flows: usize,
    pub modules: usize,
    pub tests: usize,
    pub complexity: u32,
    pub commits: u32,
    pub score: f64,
    /// In source code (not a test, example, …).
    #[serde(skip)]
    pub source: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coupling {
    pub edited: String,
    pub partner: String,
    /// Commits that changed both.
    pub support: u32,
    /// Of the edited file's commits, the share that changed the partner.
    pub confidence: f64,
}

/// Reviews the change from `old` to `new`.
pub fn review(old: &Pack, new: &Pack) -> Review {
    let all = changes(old, new, 3, 0, 200);
    let mut symbols: Vec<SymbolRisk> = Vec::new();
    let mut by_centrality: Vec<(&Pack, Sym, &'static str)> = Vec::new();
    by_centrality.extend(
        all.changed
            .iter()
            .filter_map(|s| Some((new, new.index_of(&s.id)?, "changed"))),
    );
    by_centrality.extend(
        all.removed
            .iter()
            .filter_map(|s| Some((old, old.index_of(&s.id)?, "removed"))),
    );
    by_centrality.sort_by(|a, b| {
        b.0.symbol(b.1)
            .centrality
            .total_cmp(&a.0.symbol(a.1).centrality)
    });
    for (p, i, change) in by_centrality.into_iter().take(DETAILED) {
        symbols.push(symbol_risk(p, i, change));
    }
    symbols.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.symbol.name.cmp(&b.symbol.name))
    });
    let hidden_coupling = hidden_coupling(new, &all);
    let (risk, verdict) = verdict(&all, &symbols, &hidden_coupling);
    Review {
        risk,
        verdict,
        history: history_of(new).is_ok(),
        changes: all,
        symbols,
        hidden_coupling,
    }
}

fn symbol_risk(p: &Pack, i: Sym, change: &'static str) -> SymbolRisk {
    let reach = impact(p, i, 3, 0, 0);
    let s = p.symbol(i);
    let complexity = s.metrics.complexity.unwrap_or(1);
    // The symbol's own commits when the history has symbols, else its file's.
    let commits = history_of(p).ok().map_or(0, |h| {
        let own = h
            .symbols
            .iter()
            .find(|hs| hs.id.as_deref() == Some(s.id.as_str()));
        let file = || h.files.iter().find(|f| f.path == s.path).map(|f| f.commits);
        own.map(|hs| hs.commits).or_else(file).unwrap_or(0)
    });
    let reached: usize = reach.by_depth.iter().sum();
    let untested = if reach.tests_total == 0 { 2.0 } else { 1.0 };
    let score = (1.0 + reached as f64).ln()
        * (1.0 + f64::from(complexity) / 10.0)
        * (1.0 + (1.0 + f64::from(commits)).ln())
        * untested;
    SymbolRisk {
        symbol: SymbolRef::new(p, i),
        change,
        callers_by_depth: reach.by_depth,
        flows: flows(p, Some(i), None, 0, 1).page.total,
        modules: reach.modules.len(),
        tests: reach.tests_total,
        complexity,
        commits,
        score: (score * 100.0).round() / 100.0,
        source: s.role.is_none_or(|r| r == FileRole::Source),
    }
}

/// Partners of the edited files in the history's coupling that no static
/// edge links and that did not change here, strongest first.
fn hidden_coupling(new: &Pack, all: &Changes) -> Vec<Coupling> {
    let Ok(h) = history_of(new) else {
        return Vec::new();
    };
    let edited: BTreeSet<&str> = all
        .changed
        .iter()
        .chain(&all.added)
        .chain(&all.removed)
        .map(|s| s.path.as_str())
        .collect();
    let mut out: Vec<Coupling> = Vec::new();
    for pair in h.coupling.files.iter().filter(|p| p.linked == Some(false)) {
        for (a, b, confidence) in [
            (&pair.a, &pair.b, pair.confidence_a),
            (&pair.b, &pair.a, pair.confidence_b),
        ] {
            if edited.contains(a.as_str()) && !edited.contains(b.as_str()) && confidence >= 0.3 {
                out.push(Coupling {
                    edited: a.clone(),
                    partner: b.clone(),
                    support: pair.support,
                    confidence,
                });
            }
        }
    }
    out.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then(b.support.cmp(&a.support))
    });
    out.truncate(10);
    out
}

fn verdict(all: &Changes, symbols: &[SymbolRisk], coupling: &[Coupling]) -> (&'static str, String) {
    let untested_hub = symbols
        .iter()
        .find(|s| s.tests == 0 && s.callers_by_depth.iter().sum::<usize>() >= 20);
    let top = symbols.first();
    let untested_source = symbols.iter().filter(|s| s.tests == 0 && s.source).count();
    let risk = match top.map_or(0.0, |s| s.score) {
        _ if untested_hub.is_some() => "high",
        x if x >= 12.0 => "high",
        x if x >= 4.0 => "medium",
        _ if untested_source > 0 => "medium",
        _ => "low",
    };
    let mut why = format!(
        "{} changed, {} added, {} removed; {} symbols reached, {} tests to run",
        all.changed_total,
        all.added_total,
        all.removed_total,
        all.impacted_page.total,
        all.tests_total
    );
    if let Some(s) = untested_hub.or(top) {
        let reached: usize = s.callers_by_depth.iter().sum();
        let tested = match s.tests {
            0 => "no test reaches it".to_string(),
            n => format!("{n} tests reach it"),
        };
        let _ = write!(
            why,
            "; riskiest: {} ({reached} reach it, {tested})",
            code(&s.symbol.name)
        );
    }
    if let Some(c) = coupling.first() {
        let _ = write!(
            why,
            "; {} usually changes with {} but did not here",
            code(&c.partner),
            code(&c.edited)
        );
    }
    (risk, why)
}

/// The review as Markdown, in order of importance, cut to `max_tokens` as
/// `count` measures them (the last line says what was cut).
pub fn render_review(r: &Review, max_tokens: usize, count: &dyn Fn(&str) -> usize) -> String {
    let mut doc = Budgeted::new(max_tokens, count);
    doc.line(&format!("## Doctown review: {} risk\n", r.risk));
    doc.line(&format!("**Verdict:** {}.\n", r.verdict));
    if !r.symbols.is_empty() {
        doc.line("| symbol | change | reached (d1/d2/d3) | flows | modules | tests | complexity | commits | risk |");
        doc.line("|---|---|---|---|---|---|---|---|---|");
        for s in &r.symbols {
            let depths: Vec<String> = s.callers_by_depth.iter().map(|n| n.to_string()).collect();
            doc.line(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {:.1} |",
                place(&s.symbol),
                s.change,
                depths.join("/"),
                s.flows,
                s.modules,
                s.tests,
                s.complexity,
                s.commits,
                s.score
            ));
        }
        doc.line("");
    }
    if !r.hidden_coupling.is_empty() {
        doc.line("**Usually changes together, not here** (history, no static link):");
        for c in &r.hidden_coupling {
            doc.line(&format!(
                "- {} with {} ({} commits, {:.0} %)",
                code(&c.partner),
                code(&c.edited),
                c.support,
                c.confidence * 100.0
            ));
        }
        doc.line("");
    }
    let lists: [(&str, &[SymbolRef], usize); 4] = [
        ("Tests to run", &r.changes.tests, r.changes.tests_total),
        ("Added", &r.changes.added, r.changes.added_total),
        ("Removed", &r.changes.removed, r.changes.removed_total),
        (
            "Reached",
            &r.changes.impacted,
            r.changes.impacted_page.total,
        ),
    ];
    for (title, list, total) in lists {
        if total > 0 {
            doc.line(&format!("**{title}** ({total}):"));
            for s in list {
                doc.line(&format!("- {}", place(s)));
            }
            doc.line("");
        }
    }
    if !r.history {
        doc.line("_Built without history: churn and coupling are not weighed._");
    }
    doc.finish()
}

/// A symbol and where it is: `` `name` path:line ``.
fn place(s: &SymbolRef) -> String {
    format!(
        "{} {}",
        code(&s.name),
        code(&format!("{}:{}", s.path, s.line))
    )
}

/// `text` as a Markdown code span that nothing in it can end or leave: a
/// name or path of the reviewed code (a pull request's, perhaps a
/// stranger's) never becomes a link, an image, a mention or a table cell
/// of its own. The fence is one backtick longer than any run inside, line
/// breaks become spaces and `|` is escaped (GitHub splits table rows on it
/// even inside code).
fn code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ").replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// Text that stops at a token budget, counting what it left out.
struct Budgeted<'a> {
    text: String,
    left: usize,
    cut: usize,
    count: &'a dyn Fn(&str) -> usize,
}

impl<'a> Budgeted<'a> {
    fn new(max_tokens: usize, count: &'a dyn Fn(&str) -> usize) -> Self {
        // Room for the closing line.
        let reserve = count("\n_… 9999 lines cut to stay within 99999 tokens._\n");
        Budgeted {
            text: String::new(),
            left: max_tokens.saturating_sub(reserve),
            cut: 0,
            count,
        }
    }

    /// A line that is written whole or not at all.
    fn line(&mut self, line: &str) {
        let tokens = (self.count)(&format!("{line}\n"));
        if self.cut == 0 && tokens <= self.left {
            self.left -= tokens;
            self.text.push_str(line);
            self.text.push('\n');
        } else {
            self.cut += 1;
        }
    }

    fn finish(mut self) -> String {
        if self.cut > 0 {
            let _ = writeln!(
                self.text,
                "\n_… {} lines cut to stay within the token budget._",
                self.cut
            );
        }
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::code;

    #[test]
    fn a_code_span_holds_whatever_a_name_or_path_carries() {
        assert_eq!(code("src/lib.rs:3"), "`src/lib.rs:3`");
        // A link, an image or a mention stays text inside the span.
        assert_eq!(
            code("[x](https://e.test) ![i](u) @team"),
            "`[x](https://e.test) ![i](u) @team`"
        );
        // Backticks cannot close it early; an edge backtick is padded.
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("a``b"), "```a``b```");
        assert_eq!(code("`x"), "`` `x ``");
        // A row of a table stays one cell; a line break stays on the line.
        assert_eq!(code("a|b\nc"), "`a\\|b c`");
    }
}

//! Compact text for each answer: what a terminal prints and what an MCP
//! tool returns to a model. One line per item, each citing `path:line`;
//! lists end with how many more there are and the offset that pages on.

use crate::answer::{Page, SymbolRef};
use crate::changes::Changes;
use crate::engine::PackInfo;
use crate::flows::Flows;
use crate::impact::Impact;
use crate::search::SearchResult;
use crate::source::SourceLines;
use crate::views::{ArchitectureView, ClusterView, ModuleView, Neighbours, Outline, SymbolDetail};
use std::fmt::Write;

fn sym(s: &SymbolRef) -> String {
    format!("{} ({}) {}", s.name, s.kind, s.cite())
}

fn more(out: &mut String, page: &Page, what: &str) {
    if let Some(next) = page.next_offset {
        let _ = writeln!(out, "… {} more {what} (offset={next})", page.total - next);
    }
}

pub fn search(r: &SearchResult) -> String {
    let mut out = String::new();
    if r.hits.is_empty() {
        let _ = writeln!(out, "no matches for {:?}", r.query);
    }
    for (n, h) in r.hits.iter().enumerate() {
        let from = h
            .docpack
            .as_deref()
            .map(|d| format!(" [{d}]"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}. {}{from}  id={}",
            n + 1,
            sym(&h.symbol),
            h.symbol.id
        );
        if !h.signature.is_empty() {
            let _ = writeln!(out, "   {}", h.signature);
        }
        if let Some(s) = &h.summary {
            let _ = writeln!(out, "   {s}");
        }
        for rel in &h.related {
            let _ = writeln!(out, "   {}: {}", rel.relation, sym(&rel.symbol));
        }
    }
    for note in &r.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}

pub fn symbol(d: &SymbolDetail) -> String {
    let mut out = String::new();
    symbol_facts(&mut out, d);
    symbol_context(&mut out, d);
    let _ = writeln!(
        out,
        "callers: {}, callees: {}, unresolved calls: {}, tests: {}",
        d.callers_total, d.callees_total, d.unresolved_calls, d.tests_total
    );
    for r in &d.related {
        let _ = writeln!(out, "  {}: {}", r.relation, sym(&r.symbol));
    }
    for t in &d.tests {
        let _ = writeln!(out, "  test: {}", sym(t));
    }
    shown_source(&mut out, &d.source);
    out
}

/// A symbol's name and id, where and what it is, its signature, summary
/// and doc comment.
fn symbol_facts(out: &mut String, d: &SymbolDetail) {
    let _ = writeln!(out, "{}  id={}", sym(&d.symbol), d.symbol.id);
    let _ = writeln!(
        out,
        "lines {}-{}, {} {}{}, centrality {:.4}, {} loc{}",
        d.symbol.line,
        d.end_line,
        d.visibility,
        d.language,
        d.role.map(|r| format!(", {r} code")).unwrap_or_default(),
        d.centrality,
        d.loc,
        d.complexity
            .map(|c| format!(", complexity {c}"))
            .unwrap_or_default()
    );
    let _ = writeln!(out, "signature: {}", d.signature);
    if let Some(s) = &d.summary {
        let _ = writeln!(out, "summary ({}): {s}", d.summary_source.unwrap_or("?"));
    }
    if let Some(doc) = &d.doc_comment {
        let _ = writeln!(out, "doc: {doc}");
    }
}

/// What holds a symbol (its parent, module and cluster) and what it holds.
fn symbol_context(out: &mut String, d: &SymbolDetail) {
    if let Some(p) = &d.parent {
        let _ = writeln!(out, "in: {}", sym(p));
    }
    if let Some(m) = &d.module {
        let _ = writeln!(out, "module: {m}");
    }
    if let Some(c) = &d.cluster {
        let _ = writeln!(out, "cluster: {c}");
    }
    if d.members_total > 0 {
        let names: Vec<String> = d
            .members
            .iter()
            .map(|m| {
                format!(
                    "{} :{}",
                    m.name.rsplit([':', '.']).next().unwrap_or(&m.name),
                    m.line
                )
            })
            .collect();
        let _ = writeln!(out, "members ({}): {}", d.members_total, names.join(", "));
    }
}

/// A symbol's source lines, or why they are not shown.
fn shown_source(out: &mut String, s: &SourceLines) {
    match (&s.unavailable, s.lines.is_empty()) {
        (Some(why), _) => {
            let _ = writeln!(out, "source {}: not shown ({why})", s.cite);
        }
        (None, false) => {
            let stale = if s.stale {
                " (the checkout's file has changed since the docpack was built)"
            } else {
                ""
            };
            let _ = writeln!(out, "source {}{stale}:", s.cite);
            for line in &s.lines {
                let _ = writeln!(out, "{line}");
            }
            if s.omitted > 0 {
                let _ = writeln!(out, "… {} more lines", s.omitted);
            }
        }
        (None, true) => {}
    }
}

pub fn neighbours(n: &Neighbours) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} of {} ({} confident):",
        n.direction,
        sym(&n.symbol),
        n.page.total
    );
    for item in &n.items {
        let via = if item.link == "references" {
            " [passed as a value]"
        } else {
            ""
        };
        let _ = writeln!(out, "- {}{via}", sym(&item.symbol));
        if let Some(s) = &item.summary {
            let _ = writeln!(out, "  {s}");
        }
    }
    more(&mut out, &n.page, n.direction);
    out
}

/// A context: its items' texts, then what was left out.
pub fn context(c: &crate::Context) -> String {
    let mut out = String::new();
    let what = match &c.task {
        Some(task) => format!("“{task}”"),
        None => "the symbols named".to_string(),
    };
    let _ = writeln!(
        out,
        "context for {what}: {} symbols in ~{} of {} tokens\n",
        c.items.len(),
        c.used_tokens,
        c.max_tokens
    );
    for item in &c.items {
        let _ = writeln!(out, "{}", item.text);
    }
    if !c.left_out.is_empty() {
        let _ = writeln!(out, "left out ({}, over the budget):", c.left_out.len());
        for l in c.left_out.iter().take(30) {
            let _ = writeln!(
                out,
                "- {} ({}, ~{} tokens)",
                sym(&l.symbol),
                l.role,
                l.tokens
            );
        }
        if c.left_out.len() > 30 {
            let _ = writeln!(out, "- and {} more", c.left_out.len() - 30);
        }
    }
    for note in &c.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}

pub fn impact(i: &Impact) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "impact of changing {}: {} symbols within {} steps (by depth: {}){}",
        sym(&i.target),
        i.page.total,
        i.depth,
        i.by_depth
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        if i.truncated { "; walk cut short" } else { "" }
    );
    for a in &i.affected {
        let _ = writeln!(out, "- d{} {} via {}", a.depth, sym(&a.symbol), a.via);
    }
    more(&mut out, &i.page, "affected symbols");
    if !i.modules.is_empty() {
        let list: Vec<String> = i
            .modules
            .iter()
            .map(|(m, n)| format!("{m} ({n})"))
            .collect();
        let _ = writeln!(out, "modules: {}", list.join(", "));
    }
    let _ = writeln!(out, "tests ({}):", i.tests_total);
    for t in &i.tests {
        let _ = writeln!(out, "- {}", sym(t));
    }
    if i.importing_files_total > 0 {
        let _ = writeln!(
            out,
            "files importing {} ({}): {}",
            i.target.path,
            i.importing_files_total,
            i.importing_files.join(", ")
        );
    }
    for note in &i.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}

pub fn flows(f: &Flows) -> String {
    let mut out = String::new();
    match &f.through {
        Some(t) => {
            let _ = writeln!(out, "{} flows through {}:", f.page.total, sym(t));
        }
        None => {
            let _ = writeln!(out, "{} flows:", f.page.total);
        }
    }
    for (n, flow) in f.flows.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}. [{}] {}  (reaches {}, {} modules)",
            f.page.offset + n + 1,
            flow.kind,
            flow.name,
            flow.reach,
            flow.modules.len()
        );
        for (k, step) in flow.path.iter().enumerate() {
            let _ = writeln!(out, "   {}{}", "  ".repeat(k.min(6)), sym(step));
        }
    }
    more(&mut out, &f.page, "flows");
    out
}

pub fn module(m: &ModuleView) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "module {}{} — {} symbols",
        m.name,
        m.path
            .as_deref()
            .map(|p| format!(" ({p})"))
            .unwrap_or_default(),
        m.symbols_total
    );
    let _ = writeln!(out, "{}", m.summary);
    if !m.depends_on.is_empty() {
        let _ = writeln!(out, "depends on: {}", m.depends_on.join(", "));
    }
    if !m.used_by.is_empty() {
        let _ = writeln!(out, "used by: {}", m.used_by.join(", "));
    }
    let _ = writeln!(out, "most central:");
    for s in &m.central {
        let _ = writeln!(out, "- {}", sym(s));
    }
    out
}

pub fn architecture(a: &ArchitectureView) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}{}: {} symbols in {} files, {} modules",
        a.repository,
        a.commit
            .as_deref()
            .map(|c| format!(" @ {}", &c[..c.len().min(12)]))
            .unwrap_or_default(),
        a.symbols,
        a.files,
        a.modules_total
    );
    let _ = writeln!(out, "{}", a.summary);
    let list: Vec<String> = a
        .modules
        .iter()
        .map(|(m, n)| format!("{m} ({n})"))
        .collect();
    let _ = writeln!(out, "largest modules: {}", list.join(", "));
    let list: Vec<String> = a
        .clusters
        .iter()
        .map(|(id, label, n)| format!("{label} [{id}] ({n})"))
        .collect();
    let _ = writeln!(out, "largest clusters: {}", list.join(", "));
    out
}

pub fn cluster(c: &ClusterView) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "cluster {} “{}” ({}), {} members:",
        c.id, c.label, c.method, c.members_total
    );
    for m in &c.members {
        let _ = writeln!(out, "- {}", sym(m));
    }
    more(&mut out, &c.page, "members");
    out
}

pub fn outline(o: &Outline) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}{}, {} lines, {} symbols)",
        o.path,
        o.language,
        o.role.map(|r| format!(", {r}")).unwrap_or_default(),
        o.lines,
        o.items_total
    );
    for item in &o.items {
        let _ = writeln!(
            out,
            "{}{} {} :{}-{}  {}",
            "  ".repeat(item.depth.min(8) as usize),
            item.kind,
            item.name,
            item.line,
            item.end_line,
            item.signature
        );
    }
    if o.items_total > o.items.len() {
        let _ = writeln!(out, "… {} more symbols", o.items_total - o.items.len());
    }
    out
}

pub fn changes(c: &Changes) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} → {}: {} changed, {} added, {} removed; {} symbols impacted, {} tests to run{}",
        c.old,
        c.new,
        c.changed_total,
        c.added_total,
        c.removed_total,
        c.impacted_page.total,
        c.tests_total,
        if c.truncated { " (walk cut short)" } else { "" }
    );
    for (title, list, total) in [
        ("changed", &c.changed, c.changed_total),
        ("added", &c.added, c.added_total),
        ("removed", &c.removed, c.removed_total),
    ] {
        if total > 0 {
            let _ = writeln!(out, "{title} ({total}):");
            for s in list {
                let _ = writeln!(out, "- {}", sym(s));
            }
            if total > list.len() {
                let _ = writeln!(out, "… {} more", total - list.len());
            }
        }
    }
    if !c.impacted.is_empty() {
        let _ = writeln!(out, "impacted:");
        for s in &c.impacted {
            let _ = writeln!(out, "- {}", sym(s));
        }
        more(&mut out, &c.impacted_page, "impacted symbols");
    }
    if !c.modules.is_empty() {
        let list: Vec<String> = c
            .modules
            .iter()
            .map(|(m, n)| format!("{m} ({n})"))
            .collect();
        let _ = writeln!(out, "modules: {}", list.join(", "));
    }
    if c.tests_total > 0 {
        let _ = writeln!(out, "tests to run ({}):", c.tests_total);
        for t in &c.tests {
            let _ = writeln!(out, "- {}", sym(t));
        }
    }
    out
}

pub fn list(packs: &[PackInfo]) -> String {
    let mut out = String::new();
    if packs.is_empty() {
        out.push_str("no docpacks are served\n");
    }
    for p in packs {
        let _ = writeln!(
            out,
            "{}: {}{}{}{}",
            p.key,
            p.name,
            p.symbols
                .map(|n| format!(", {n} symbols"))
                .unwrap_or_default(),
            if p.loaded && !p.embeddings {
                ", no embeddings"
            } else {
                ""
            },
            p.detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        );
    }
    out
}

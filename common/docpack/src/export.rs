//! `doctown docpack export --markdown`: a browsable Markdown site.
//!
//! Layout: `index.md` (source, statistics, modules, clusters),
//! `architecture.md` (the architecture summary and the clusters), and
//! `modules/<slug>.md`, one page per module of `docs.json`; symbols that no
//! module lists are grouped by directory. Every symbol has an anchor named by
//! its id (`#sym_…`) with its signature, summary, callers and callees.
//! The architecture page and each module page carry Mermaid diagrams of
//! the module dependencies ([`crate::mermaid`]), which GitHub renders; given
//! the top execution flows ([`export_markdown_with_flows`]), the
//! architecture page draws each as a sequence diagram across the modules.
//! With `history.json`, `history.md` shows the history (hotspots, co-change,
//! owners, timeline: [`crate::export_history`]) and each symbol the history
//! has gets a line of it.
//!
//! Safety: only `index.md`, `architecture.md`, `history.md` and
//! `modules/<slug>.md` are written, where a slug keeps `[a-z0-9_-]` only (at most 80 characters),
//! and nothing is written through a symbolic link, so nothing lands outside
//! the target directory.

use crate::error::DocpackError;
use crate::mermaid::{flow_diagram, FlowLine, ModuleGraph, MAX_FLOWS};
use crate::model::history::SymbolHistory;
use crate::model::{Docpack, Documentation, EdgeKind, SymbolNode};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportReport {
    pub dir: PathBuf,
    /// Paths written, relative to `dir`, `/`-separated.
    pub files: Vec<String>,
}

struct Page<'a> {
    title: String,
    slug: String,
    path: Option<String>,
    doc: Option<&'a Documentation>,
    symbols: Vec<&'a SymbolNode>,
}

/// A file-name-safe slug: `[a-z0-9_-]`, at most 80 characters, never empty.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '-'
        };
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(c);
        }
    }
    let mut out: String = out.trim_end_matches('-').chars().take(80).collect();
    if out.is_empty() {
        out = "module".to_string();
    }
    const RESERVED: [&str; 6] = ["con", "prn", "aux", "nul", "com1", "lpt1"];
    if RESERVED.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// Inline code that survives backticks in the text.
fn code(s: &str) -> String {
    if s.contains('`') {
        format!("`` {} ``", s.replace('\n', " "))
    } else {
        format!("`{}`", s.replace('\n', " "))
    }
}

fn provenance(doc: &Documentation) -> String {
    match &doc.model {
        Some(m) => format!("_Source: {} ({m})_", doc.source.name()),
        None => format!("_Source: {}_", doc.source.name()),
    }
}

fn pages(d: &Docpack) -> Vec<Page<'_>> {
    let mut pages: Vec<Page<'_>> = Vec::new();
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    for m in &d.docs.modules {
        let symbols: Vec<&SymbolNode> = m
            .symbols
            .iter()
            .filter(|id| placed.insert(id.as_str()))
            .filter_map(|id| d.symbol(id))
            .collect();
        pages.push(Page {
            title: m.name.clone(),
            slug: slug(&m.name),
            path: m.path.clone(),
            doc: Some(&m.documentation),
            symbols,
        });
    }
    let mut by_dir: BTreeMap<String, Vec<&SymbolNode>> = BTreeMap::new();
    for s in d
        .nodes
        .symbols
        .iter()
        .filter(|s| !placed.contains(s.id.as_str()))
    {
        let dir = s
            .path
            .rsplit_once('/')
            .map_or(".", |(dir, _)| dir)
            .to_string();
        by_dir.entry(dir).or_default().push(s);
    }
    for (dir, symbols) in by_dir {
        pages.push(Page {
            title: dir.clone(),
            slug: slug(&format!("dir-{dir}")),
            path: Some(dir),
            doc: None,
            symbols,
        });
    }
    let mut used = BTreeSet::new();
    for p in &mut pages {
        let base = p.slug.clone();
        let mut n = 2;
        while !used.insert(p.slug.clone()) {
            p.slug = format!("{base}-{n}");
            n += 1;
        }
        p.symbols.sort_by(|a, b| {
            a.qualified_name
                .cmp(&b.qualified_name)
                .then(a.id.cmp(&b.id))
        });
    }
    pages
}

/// Writes the site into `dir` (created if needed) and returns what was written.
pub fn export_markdown(d: &Docpack, dir: &Path) -> Result<ExportReport, DocpackError> {
    export_markdown_with_flows(d, dir, &[])
}

/// [`export_markdown`], with the top execution flows (the query engine's,
/// best first; at most [`crate::mermaid::MAX_FLOWS`] are drawn) as
/// sequence diagrams on the architecture page.
pub fn export_markdown_with_flows(
    d: &Docpack,
    dir: &Path,
    flows: &[FlowLine],
) -> Result<ExportReport, DocpackError> {
    let pages = pages(d);
    let page_of: BTreeMap<&str, &str> = pages
        .iter()
        .flat_map(|p| {
            p.symbols
                .iter()
                .map(move |s| (s.id.as_str(), p.slug.as_str()))
        })
        .collect();
    let (callees, callers) = confident_calls(d, &page_of);

    let modules = ModuleGraph::of(d);
    let mut files: Vec<(String, String)> = vec![
        ("index.md".to_string(), index_page(d, &pages)),
        (
            "architecture.md".to_string(),
            architecture_page(d, &page_of, &modules, flows),
        ),
    ];
    let symbol_history: BTreeMap<&str, &SymbolHistory> = d
        .history
        .iter()
        .flat_map(|h| &h.symbols)
        .filter_map(|s| Some((s.id.as_deref()?, s)))
        .collect();
    if let Some(h) = &d.history {
        // Links from the site's root, where history.md is.
        let root_link = |id: &str| -> Option<String> {
            let page = page_of.get(id)?;
            let name = d.symbol(id).map_or(id, |s| s.qualified_name.as_str());
            Some(format!("[{}](modules/{page}.md#{id})", code(name)))
        };
        let page = crate::export_history::page(h, &d.docs.insights, &root_link);
        files.push(("history.md".to_string(), page));
    }
    let site = Site {
        d,
        page_of,
        callees,
        callers,
        symbol_history,
    };
    for (i, p) in pages.iter().enumerate() {
        files.push((format!("modules/{}.md", p.slug), site.page(i, p, &modules)));
    }
    write_files(dir, &files)?;
    Ok(ExportReport {
        dir: dir.to_path_buf(),
        files: files.into_iter().map(|(p, _)| p).collect(),
    })
}

/// The confident calls and references between symbols that have pages,
/// both ways (callees of each symbol, callers of each), each list by
/// qualified name.
fn confident_calls<'a>(d: &'a Docpack, page_of: &BTreeMap<&str, &str>) -> (Linked<'a>, Linked<'a>) {
    let mut callees: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut callers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    // Only links that state facts: an uncertain edge is a guess.
    let confident_calls =
        d.graph.edges.iter().filter(|e| {
            matches!(e.kind, EdgeKind::Calls | EdgeKind::References) && e.is_confident()
        });
    for e in confident_calls {
        if page_of.contains_key(e.from.as_str()) && page_of.contains_key(e.to.as_str()) {
            callees.entry(&e.from).or_default().push(&e.to);
            callers.entry(&e.to).or_default().push(&e.from);
        }
    }
    let qualified = |id: &str| {
        d.symbol(id)
            .map_or(String::new(), |s| s.qualified_name.clone())
    };
    for list in callees.values_mut().chain(callers.values_mut()) {
        list.sort_by_key(|id| (qualified(id), id.to_string()));
    }
    (callees, callers)
}

/// Symbol ids and the ids each links to.
type Linked<'a> = BTreeMap<&'a str, Vec<&'a str>>;

/// What the module pages are written from: the docpack, each symbol's
/// page, the confident calls both ways, and each symbol's history.
struct Site<'a> {
    d: &'a Docpack,
    page_of: BTreeMap<&'a str, &'a str>,
    callees: Linked<'a>,
    callers: Linked<'a>,
    symbol_history: BTreeMap<&'a str, &'a SymbolHistory>,
}

impl Site<'_> {
    /// A link to a symbol's anchor on its page, from another module page.
    fn link(&self, id: &str) -> String {
        let name = self.d.symbol(id).map_or(id, |s| s.qualified_name.as_str());
        format!("[{}]({}.md#{id})", code(name), self.page_of[id])
    }

    /// The page `i`: its title, path and summary, its dependencies (when a
    /// module of `docs.json`), and its symbols.
    fn page(&self, i: usize, p: &Page<'_>, modules: &ModuleGraph) -> String {
        let mut out = format!(
            "# {}\n\n[Index](../index.md) · [Architecture](../architecture.md)\n\n",
            code(&p.title)
        );
        if let Some(path) = &p.path {
            let _ = writeln!(out, "Path: {}\n", code(path));
        }
        if let Some(doc) = p.doc {
            let _ = writeln!(out, "{}\n\n{}\n", doc.summary.trim(), provenance(doc));
        }
        // The first pages are docs.json's modules, in order.
        if i < modules.names.len() {
            let _ = writeln!(out, "## Dependencies\n\n{}", modules.neighbourhood(i));
        }
        let _ = writeln!(out, "## Symbols\n");
        for s in &p.symbols {
            let _ = writeln!(out, "- [{}](#{}) — {}", code(&s.name), s.id, s.kind);
        }
        for s in &p.symbols {
            self.symbol(&mut out, s);
        }
        out
    }

    /// A symbol's section: its anchor and name, what and where it is, its
    /// signature, summary and history, its callees and callers.
    fn symbol(&self, out: &mut String, s: &SymbolNode) {
        let _ = write!(
            out,
            "\n<a id=\"{}\"></a>\n\n### {}\n\n",
            s.id,
            code(&s.qualified_name)
        );
        let _ = writeln!(
            out,
            "*{}* · {} · {} · centrality {:.4}\n",
            s.kind,
            code(&format!("{}:{}", s.path, s.range.start_line)),
            format!("{:?}", s.visibility).to_lowercase(),
            s.centrality
        );
        let fence = "`".repeat(3.max(longest_backtick_run(&s.signature) + 1));
        let _ = writeln!(out, "{fence}{}\n{}\n{fence}\n", s.language, s.signature);
        if let Some(doc) = &s.documentation {
            let _ = writeln!(out, "{}\n\n{}\n", doc.summary.trim(), provenance(doc));
        }
        if let Some(h) = self.symbol_history.get(s.id.as_str()) {
            let _ = writeln!(out, "{}\n", crate::export_history::symbol_line(h));
        }
        for (label, list) in [
            ("Calls", self.callees.get(s.id.as_str())),
            ("Called by", self.callers.get(s.id.as_str())),
        ] {
            if let Some(list) = list {
                let links: Vec<String> = list.iter().map(|id| self.link(id)).collect();
                let _ = writeln!(out, "**{label}:** {}\n", links.join(", "));
            }
        }
    }
}

fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

fn index_page(d: &Docpack, pages: &[Page<'_>]) -> String {
    let m = &d.manifest;
    let s = &m.statistics;
    let mut out = format!("# {}\n\n", code(&m.source.name));
    for (k, v) in [
        ("Repository", &m.source.repo_url),
        ("Ref", &m.source.git_ref),
        ("Commit", &m.source.commit),
    ] {
        if let Some(v) = v {
            let _ = writeln!(out, "- {k}: {}", code(v));
        }
    }
    let _ = writeln!(out, "- Docpack: {}", code(&m.docpack_id));
    let _ = writeln!(
        out,
        "- {} files, {} symbols, {} clusters; summaries by {}\n",
        s.files, s.symbols, s.clusters, m.models.summary
    );
    match (&d.history, &m.parts.history_absent) {
        (Some(h), _) => {
            let _ = writeln!(
                out,
                "- History: {} [History](history.md)\n",
                crate::export_history::summary(h)
            );
        }
        (None, Some(reason)) => {
            let _ = writeln!(out, "- No history: {reason}\n");
        }
        (None, None) => {}
    }
    let _ = writeln!(out, "[Architecture](architecture.md)\n\n## Modules\n");
    for p in pages {
        let first = p
            .doc
            .and_then(|doc| doc.summary.lines().find(|l| !l.trim().is_empty()));
        let tail = first
            .map(|l| format!(" — {}", l.trim()))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- [{}](modules/{}.md) ({} symbols){tail}",
            code(&p.title),
            p.slug,
            p.symbols.len()
        );
    }
    out
}

fn architecture_page(
    d: &Docpack,
    page_of: &BTreeMap<&str, &str>,
    modules: &ModuleGraph,
    flows: &[FlowLine],
) -> String {
    let mut out = String::from("# Architecture\n\n[Index](index.md)\n\n");
    match &d.docs.architecture {
        Some(a) => {
            let doc = &a.documentation;
            let _ = writeln!(out, "{}\n\n{}\n", doc.summary.trim(), provenance(doc));
        }
        None => out.push_str("_No architecture summary in this docpack._\n\n"),
    }
    if !modules.names.is_empty() {
        let _ = writeln!(
            out,
            "## Modules and their dependencies\n\n{}",
            modules.architecture()
        );
    }
    if !flows.is_empty() {
        let _ = writeln!(
            out,
            "## Top execution flows\n\nFrom entry points over confident calls: each flow's main line, \
             one lifeline per module.\n"
        );
        for f in flows.iter().take(MAX_FLOWS) {
            let _ = writeln!(
                out,
                "### {} ({}, reaches {} symbols)\n\n{}",
                code(&f.name),
                f.kind,
                f.reach,
                flow_diagram(f)
            );
        }
    }
    let _ = writeln!(out, "## Clusters\n");
    for c in &d.clusters.clusters {
        let _ = writeln!(
            out,
            "### {} ({} members, {})\n",
            code(&c.label),
            c.members.len(),
            c.method
        );
        for id in &c.members {
            if let (Some(s), Some(page)) = (d.symbol(id), page_of.get(id.as_str())) {
                let _ = writeln!(
                    out,
                    "- [{}](modules/{page}.md#{id})",
                    code(&s.qualified_name)
                );
            }
        }
        out.push('\n');
    }
    out
}

fn write_files(dir: &Path, files: &[(String, String)]) -> Result<(), DocpackError> {
    let modules = dir.join("modules");
    refuse_symlink(&modules)?;
    std::fs::create_dir_all(&modules).map_err(|e| DocpackError::io(&modules, e))?;
    for (rel, text) in files {
        let path = dir.join(rel);
        refuse_symlink(&path)?;
        std::fs::write(&path, text).map_err(|e| DocpackError::io(&path, e))?;
    }
    Ok(())
}

fn refuse_symlink(path: &Path) -> Result<(), DocpackError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(DocpackError::Invalid(format!(
            "refusing to write through the symbolic link {}",
            path.display()
        ))),
        _ => Ok(()),
    }
}

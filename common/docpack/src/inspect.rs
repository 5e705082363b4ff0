//! `doctown docpack inspect`: a summary of a docpack, as JSON (`Serialize`)
//! or as text ([`Inspection::render`] / `Display`). Every list is ordered
//! deterministically, so the text is stable enough for golden tests.

use crate::model::history::History;
use crate::model::{Docpack, GeneratorInfo, ModelInfo, OptionalParts, SourceInfo, Statistics};
use serde::Serialize;
use std::fmt::{self, Write};

/// Clusters listed by [`inspect`].
pub const TOP_CLUSTERS: usize = 5;
/// Symbols listed by [`inspect`].
pub const TOP_SYMBOLS: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inspection {
    pub docpack_id: String,
    pub schema_version: String,
    pub source: SourceInfo,
    pub generator: GeneratorInfo,
    pub models: ModelInfo,
    pub statistics: Statistics,
    pub parts: OptionalParts,
    /// Languages by symbols, then files, then name (descending counts).
    pub languages: Vec<LanguageLine>,
    /// Largest clusters by members, then id.
    pub largest_clusters: Vec<ClusterLine>,
    /// Most central symbols by centrality, then qualified name.
    pub central_symbols: Vec<CentralSymbol>,
    /// What the repository says it is for (since 1.5), when it says so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The first line of the architecture summary, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// What `history.json` says in brief (since 1.4), when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryLine>,
    /// `docs.json`'s insights in brief (since 1.4), one line per family.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub insights: Vec<String>,
}

/// The history part in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryLine {
    pub commits: u32,
    pub authors: u32,
    pub merges: u32,
    /// `YYYY-MM-DD` of the oldest and newest commit analysed.
    pub first: Option<String>,
    pub last: Option<String>,
    pub shallow: bool,
    pub truncated: bool,
    /// Per-symbol history is included.
    pub symbols: bool,
    /// The highest-scoring file hotspots, at most three.
    pub hotspots: Vec<String>,
    /// Co-change pairs (files and symbols) that no static edge links.
    pub hidden_coupling: usize,
}

/// The first line of the architecture summary that says something.
fn first_line(a: &crate::model::ArchitectureDoc) -> Option<String> {
    a.documentation
        .summary
        .lines()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.trim().to_string())
}

fn history_line(h: &History) -> HistoryLine {
    let s = &h.summary;
    let day = |t: &Option<String>| t.as_ref().map(|t| t.chars().take(10).collect());
    HistoryLine {
        commits: s.commits,
        authors: s.authors,
        merges: s.merges,
        first: day(&s.first_commit),
        last: day(&s.last_commit),
        shallow: s.shallow,
        truncated: s.truncated,
        symbols: s.symbols,
        hotspots: h
            .hotspots
            .files
            .iter()
            .take(3)
            .map(|x| x.name.clone())
            .collect(),
        hidden_coupling: h
            .coupling
            .files
            .iter()
            .chain(&h.coupling.symbols)
            .filter(|p| p.linked == Some(false))
            .count(),
    }
}

impl HistoryLine {
    /// One line: `412 commits by 9 authors, 2019-01-02 to 2024-05-01 (…)`.
    pub fn render(&self) -> String {
        let mut out = format!(
            "{} commit{} by {} author{}",
            self.commits,
            if self.commits == 1 { "" } else { "s" },
            self.authors,
            if self.authors == 1 { "" } else { "s" }
        );
        if let (Some(first), Some(last)) = (&self.first, &self.last) {
            let _ = write!(out, ", {first} to {last}");
        }
        let mut notes = Vec::new();
        if self.shallow {
            notes.push("shallow clone: history stops at its boundary");
        }
        if self.truncated {
            notes.push("cut at the commit limit");
        }
        if self.symbols {
            notes.push("per symbol");
        }
        if !notes.is_empty() {
            let _ = write!(out, " ({})", notes.join("; "));
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LanguageLine {
    pub language: String,
    pub files: u64,
    pub symbols: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterLine {
    pub id: String,
    pub label: String,
    pub method: String,
    pub members: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CentralSymbol {
    pub id: String,
    pub qualified_name: String,
    pub kind: String,
    pub path: String,
    pub line: u32,
    pub centrality: f64,
}

/// Inspects with the default list lengths.
pub fn inspect(d: &Docpack) -> Inspection {
    inspect_with(d, TOP_CLUSTERS, TOP_SYMBOLS)
}

/// Inspects, listing at most `clusters` clusters and `symbols` symbols.
pub fn inspect_with(d: &Docpack, clusters: usize, symbols: usize) -> Inspection {
    let m = &d.manifest;
    let mut languages: Vec<LanguageLine> = m
        .statistics
        .languages
        .iter()
        .map(|(l, s)| LanguageLine {
            language: l.clone(),
            files: s.files,
            symbols: s.symbols,
        })
        .collect();
    languages.sort_by(|a, b| {
        (b.symbols, b.files)
            .cmp(&(a.symbols, a.files))
            .then_with(|| a.language.cmp(&b.language))
    });
    let mut largest: Vec<ClusterLine> = d
        .clusters
        .clusters
        .iter()
        .map(|c| ClusterLine {
            id: c.id.clone(),
            label: c.label.clone(),
            method: c.method.clone(),
            members: c.members.len(),
        })
        .collect();
    largest.sort_by(|a, b| b.members.cmp(&a.members).then_with(|| a.id.cmp(&b.id)));
    largest.truncate(clusters);
    let mut central: Vec<CentralSymbol> = d
        .nodes
        .symbols
        .iter()
        .map(|s| CentralSymbol {
            id: s.id.clone(),
            qualified_name: s.qualified_name.clone(),
            kind: s.kind.name().to_string(),
            path: s.path.clone(),
            line: s.range.start_line,
            centrality: s.centrality,
        })
        .collect();
    central.sort_by(|a, b| {
        b.centrality
            .total_cmp(&a.centrality)
            .then_with(|| a.qualified_name.cmp(&b.qualified_name))
            .then_with(|| a.id.cmp(&b.id))
    });
    central.truncate(symbols);
    Inspection {
        docpack_id: m.docpack_id.clone(),
        schema_version: m.schema_version.clone(),
        source: m.source.clone(),
        generator: m.generator.clone(),
        models: m.models.clone(),
        statistics: m.statistics.clone(),
        parts: m.parts.clone(),
        languages,
        largest_clusters: largest,
        central_symbols: central,
        purpose: d
            .docs
            .architecture
            .as_ref()
            .and_then(|a| Some(a.purpose.as_ref()?.text.clone())),
        architecture: d.docs.architecture.as_ref().and_then(first_line),
        history: d.history.as_ref().map(history_line),
        insights: d
            .docs
            .insights
            .iter()
            .filter_map(crate::insights_text::line)
            .collect(),
    }
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

impl Inspection {
    /// The text form (what `Display` writes).
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_facts(&mut out);
        if let Some(text) = self.history_text() {
            let _ = writeln!(out, "history   {text}");
        }
        for (i, line) in self.insights.iter().enumerate() {
            let label = if i == 0 { "insights" } else { "" };
            let _ = writeln!(out, "{label:<9} {line}");
        }
        if let Some(p) = &self.purpose {
            let _ = writeln!(out, "\npurpose\n  {p}");
        }
        if let Some(a) = &self.architecture {
            let _ = writeln!(out, "\narchitecture\n  {a}");
        }
        self.render_lists(&mut out);
        out
    }

    /// The source, as one line: name, URL, ref and short commit.
    fn source_line(&self) -> String {
        let src = &self.source;
        let mut source = src.name.clone();
        if let Some(url) = &src.repo_url {
            let _ = write!(source, " ({url})");
        }
        if let Some(r) = &src.git_ref {
            let _ = write!(source, " ref {r}");
        }
        if let Some(c) = &src.commit {
            let _ = write!(source, " commit {}", c.chars().take(12).collect::<String>());
        }
        source
    }

    /// The facts of the manifest: id, format, source, generator, models,
    /// contents, vectors and optional parts.
    fn render_facts(&self, out: &mut String) {
        let s = &self.statistics;
        let _ = writeln!(out, "docpack   {}", self.docpack_id);
        let _ = writeln!(out, "format    {}", self.schema_version);
        let source = self.source_line();
        let _ = writeln!(out, "source    {source}");
        let _ = writeln!(
            out,
            "generator {} {}",
            self.generator.name, self.generator.version
        );
        let embedding = self.models.embedding.as_deref().unwrap_or("none");
        let _ = writeln!(
            out,
            "models    summary {}, embedding {embedding}",
            self.models.summary
        );
        let _ = writeln!(
            out,
            "contents  {} files, {} symbols, {} chunks, {} clusters, {} modules, {} graph nodes, {} edges",
            s.files, s.symbols, s.chunks, s.clusters, s.modules, s.graph_nodes, s.graph_edges
        );
        let vectors = match s.embedding_dimensions {
            Some(dims) => format!("{} vectors × {dims} dims", s.embeddings),
            None => "none".to_string(),
        };
        let _ = writeln!(out, "vectors   {vectors}");
        let _ = writeln!(
            out,
            "optional  embeddings {}, symbol_contexts {}, history {}",
            yes(self.parts.embeddings),
            yes(self.parts.symbol_contexts),
            yes(self.parts.history)
        );
    }

    /// The languages, the largest clusters and the most central symbols.
    fn render_lists(&self, out: &mut String) {
        let _ = writeln!(out, "\nlanguages");
        for l in &self.languages {
            let _ = writeln!(
                out,
                "  {:<12} {:>6} files {:>7} symbols",
                l.language, l.files, l.symbols
            );
        }
        let _ = writeln!(out, "\nlargest clusters");
        for c in &self.largest_clusters {
            let _ = writeln!(
                out,
                "  {:>5} members  {} [{}] ({})",
                c.members, c.label, c.id, c.method
            );
        }
        let _ = writeln!(out, "\nmost central symbols");
        for c in &self.central_symbols {
            let _ = writeln!(
                out,
                "  {:.4}  {:<9} {}  {}:{}",
                c.centrality, c.kind, c.qualified_name, c.path, c.line
            );
        }
    }
}

impl Inspection {
    /// The history line: the part in brief, or why there is none (`None`
    /// when the docpack does not say).
    pub fn history_text(&self) -> Option<String> {
        match (&self.history, &self.parts.history_absent) {
            (Some(h), _) => {
                let mut line = h.render();
                if !h.hotspots.is_empty() {
                    let _ = write!(line, "; hotspots {}", h.hotspots.join(", "));
                }
                if h.hidden_coupling > 0 {
                    let _ = write!(line, "; {} hidden co-change pairs", h.hidden_coupling);
                }
                Some(line)
            }
            (None, Some(reason)) => Some(format!("no history: {reason}")),
            (None, None) => None,
        }
    }
}

impl fmt::Display for Inspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

//! Answers about one thing: a symbol (with its source lines), its callers
//! or callees, a module, a cluster, a file's outline, the architecture.
//! Every list is bounded and paged; every text field is clipped.

use crate::answer::{clip, Page, SymbolRef};
use crate::engine::QueryError;
use crate::pack::{Link, Pack, Sym};
use crate::reader::Reader;
use crate::source::{source_lines, SourceLines};
use doctown_docpack::SymbolNode;
use rustc_hash::FxHashMap;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SymbolDetail {
    #[serde(flatten)]
    pub symbol: SymbolRef,
    pub end_line: u32,
    pub language: &'static str,
    pub visibility: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'static str>,
    pub signature: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// `model` or `facts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary_source: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc_comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<SymbolRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<SymbolRef>,
    pub members_total: usize,
    pub callers_total: usize,
    pub callees_total: usize,
    pub unresolved_calls: u32,
    /// The most central callers and callees (up to 5 each).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<crate::search::Related>,
    pub tests_total: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<SymbolRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    pub centrality: f64,
    pub loc: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complexity: Option<u32>,
    pub source: SourceLines,
}

/// Everything about one symbol; its source lines up to `max_lines`.
pub fn symbol(p: &Pack, i: Sym, max_lines: usize) -> SymbolDetail {
    let mut members: Vec<Sym> = p.children[i as usize].clone();
    members.sort_by_key(|&m| p.symbol(m).range.start_byte);
    detail(p, i, p.symbol(i), &members, source_lines(p, i, max_lines))
}

/// Everything about symbol `i`, whose record is `s`, with its members
/// (in source order) and source lines.
pub(crate) fn detail<R: Reader + ?Sized>(
    p: &R,
    i: Sym,
    s: &SymbolNode,
    members: &[Sym],
    source: SourceLines,
) -> SymbolDetail {
    let mut tests = p.tests_of(i).to_vec();
    tests.dedup();
    SymbolDetail {
        symbol: SymbolRef::new(p, i),
        end_line: s.range.end_line,
        language: s.language.name(),
        visibility: match s.visibility {
            doctown_core::Visibility::Public => "public",
            doctown_core::Visibility::Restricted => "restricted",
            doctown_core::Visibility::Private => "private",
        },
        role: s.role.map(|r| r.name()),
        signature: clip(&s.signature, 400),
        summary: s.documentation.as_ref().map(|d| clip(&d.summary, 800)),
        summary_source: s.documentation.as_ref().map(|d| d.source.name()),
        doc_comment: s.doc_comment.as_deref().map(|d| clip(d, 600)),
        parent: s
            .parent
            .as_deref()
            .and_then(|id| p.index_of(id))
            .map(|j| SymbolRef::new(p, j)),
        members_total: members.len(),
        members: members
            .iter()
            .take(30)
            .map(|&m| SymbolRef::new(p, m))
            .collect(),
        callers_total: p.callers(i).len(),
        callees_total: p.callees(i).len(),
        unresolved_calls: s.unresolved_calls,
        related: crate::search::neighbours(p, i, 5),
        tests_total: tests.len(),
        tests: tests
            .iter()
            .take(10)
            .map(|&t| SymbolRef::new(p, t))
            .collect(),
        module: p.module_name(i).map(str::to_string),
        cluster: s
            .cluster
            .as_deref()
            .map(|c| p.cluster_label(c).unwrap_or(c).to_string()),
        centrality: s.centrality,
        loc: s.metrics.loc,
        complexity: s.metrics.complexity,
        source,
    }
}

/// Direction of a neighbour listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Callers,
    Callees,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Neighbours {
    pub symbol: SymbolRef,
    pub direction: &'static str,
    pub items: Vec<Neighbour>,
    pub page: Page,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Neighbour {
    #[serde(flatten)]
    pub symbol: SymbolRef,
    /// `calls` or `references` (a function passed as a value).
    pub link: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// A page of a symbol's confident callers or callees, most central first.
pub fn neighbours<R: Reader + ?Sized>(
    p: &R,
    i: Sym,
    dir: Direction,
    offset: usize,
    limit: usize,
) -> Neighbours {
    let mut list: Vec<(Sym, Link)> = match dir {
        Direction::Callers => p.callers(i).collect(),
        Direction::Callees => p.callees(i).collect(),
    };
    list.sort_by(|a, b| {
        p.centrality(b.0)
            .total_cmp(&p.centrality(a.0))
            .then(a.0.cmp(&b.0))
    });
    let page = Page::new(offset, limit, list.len());
    Neighbours {
        symbol: SymbolRef::new(p, i),
        direction: match dir {
            Direction::Callers => "callers",
            Direction::Callees => "callees",
        },
        items: list[page.range()]
            .iter()
            .map(|&(j, link)| Neighbour {
                symbol: SymbolRef::new(p, j),
                link: link.name(),
                summary: p
                    .record(j)
                    .ok()
                    .and_then(|s| s.documentation.as_ref().map(|d| clip(&d.summary, 160))),
            })
            .collect(),
        page,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModuleView {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub summary: String,
    pub symbols_total: usize,
    /// The most central symbols of the module.
    pub central: Vec<SymbolRef>,
    /// Modules this one imports from / is imported by, by file imports.
    pub depends_on: Vec<String>,
    pub used_by: Vec<String>,
}

/// A module by id, name or path (case-insensitive).
pub fn module(p: &Pack, query: &str) -> Result<ModuleView, QueryError> {
    let modules = &p.docpack.docs.modules;
    let q = query.trim().trim_end_matches('/');
    let m = modules
        .iter()
        .position(|m| m.id == q || m.name == q || m.path.as_deref() == Some(q))
        .or_else(|| {
            modules.iter().position(|m| {
                m.name.eq_ignore_ascii_case(q) || m.id.eq_ignore_ascii_case(&format!("module:{q}"))
            })
        })
        .ok_or_else(|| QueryError::UnknownSymbol {
            query: query.chars().take(200).collect(),
            hint: format!(
                " among the {} modules; see the architecture for their names",
                modules.len()
            ),
        })?;
    let doc = &modules[m];
    let mut members: Vec<Sym> = (0..p.len() as Sym)
        .filter(|&i| p.module_of[i as usize] == Some(m as u32))
        .collect();
    members.sort_by(|a, b| p.symbol(*b).centrality.total_cmp(&p.symbol(*a).centrality));
    let (depends_on, used_by) = module_links(p, m as u32);
    Ok(ModuleView {
        id: doc.id.clone(),
        name: doc.name.clone(),
        path: doc.path.clone(),
        summary: clip(&doc.documentation.summary, 1500),
        symbols_total: members.len(),
        central: members
            .iter()
            .take(10)
            .map(|&i| SymbolRef::new(p, i))
            .collect(),
        depends_on,
        used_by,
    })
}

/// Modules module `m` depends on and is used by, through confident calls,
/// most links first, at most 15 each.
fn module_links(p: &Pack, m: u32) -> (Vec<String>, Vec<String>) {
    let mut out: FxHashMap<u32, usize> = FxHashMap::default();
    let mut into: FxHashMap<u32, usize> = FxHashMap::default();
    for i in 0..p.len() {
        if p.module_of[i] != Some(m) {
            continue;
        }
        for (j, _) in p.callees(i as Sym) {
            if let Some(o) = p.module_of[j as usize].filter(|&o| o != m) {
                *out.entry(o).or_default() += 1;
            }
        }
        for (j, _) in p.callers(i as Sym) {
            if let Some(o) = p.module_of[j as usize].filter(|&o| o != m) {
                *into.entry(o).or_default() += 1;
            }
        }
    }
    let names = |map: FxHashMap<u32, usize>| {
        let mut list: Vec<(u32, usize)> = map.into_iter().collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        list.into_iter()
            .take(15)
            .map(|(o, _)| p.docpack.docs.modules[o as usize].name.clone())
            .collect()
    };
    (names(out), names(into))
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArchitectureView {
    pub repository: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    pub summary: String,
    pub symbols: usize,
    pub files: usize,
    /// The largest modules: `(name, symbols)`.
    pub modules: Vec<(String, usize)>,
    pub modules_total: usize,
    /// The largest clusters: `(id, label, members)`.
    pub clusters: Vec<(String, String, usize)>,
}

pub fn architecture(p: &Pack) -> ArchitectureView {
    let d = &p.docpack;
    let mut sizes = vec![0usize; d.docs.modules.len()];
    for m in p.module_of.iter().flatten() {
        sizes[*m as usize] += 1;
    }
    let mut modules: Vec<(String, usize)> = d
        .docs
        .modules
        .iter()
        .zip(&sizes)
        .map(|(m, &n)| (m.name.clone(), n))
        .filter(|(_, n)| *n > 0)
        .collect();
    modules.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    modules.truncate(20);
    let mut clusters: Vec<(String, String, usize)> = d
        .clusters
        .clusters
        .iter()
        .map(|c| (c.id.clone(), c.label.clone(), c.members.len()))
        .collect();
    clusters.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    clusters.truncate(12);
    ArchitectureView {
        repository: d.manifest.source.name.clone(),
        commit: d.manifest.source.commit.clone(),
        summary: d
            .docs
            .architecture
            .as_ref()
            .map(|a| clip(&a.documentation.summary, 3000))
            .unwrap_or_else(|| "(no architecture summary in this docpack)".into()),
        symbols: p.len(),
        files: d.source_map.files.len(),
        modules_total: d.docs.modules.len(),
        modules,
        clusters,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterView {
    pub id: String,
    pub label: String,
    pub method: String,
    pub members_total: usize,
    pub members: Vec<SymbolRef>,
    pub page: Page,
}

/// A cluster by id or label, its members most central first.
pub fn cluster(
    p: &Pack,
    query: &str,
    offset: usize,
    limit: usize,
) -> Result<ClusterView, QueryError> {
    let q = query.trim();
    let clusters = &p.docpack.clusters.clusters;
    let found: Vec<&doctown_docpack::Cluster> = match clusters.iter().find(|c| c.id == q) {
        Some(c) => vec![c],
        None => clusters
            .iter()
            .filter(|c| c.label.eq_ignore_ascii_case(q))
            .collect(),
    };
    let c = match found.as_slice() {
        [one] => *one,
        [] => {
            return Err(QueryError::UnknownSymbol {
                query: q.chars().take(200).collect(),
                hint: " among the clusters; the architecture lists them".into(),
            })
        }
        many => {
            return Err(QueryError::Ambiguous {
                query: q.chars().take(200).collect(),
                count: many.len(),
                candidates: many
                    .iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        }
    };
    let mut members: Vec<Sym> = c.members.iter().filter_map(|m| p.index_of(m)).collect();
    members.sort_by(|a, b| {
        p.symbol(*b)
            .centrality
            .total_cmp(&p.symbol(*a).centrality)
            .then(a.cmp(b))
    });
    let page = Page::new(offset, limit, members.len());
    Ok(ClusterView {
        id: c.id.clone(),
        label: c.label.clone(),
        method: c.method.clone(),
        members_total: members.len(),
        members: members[page.range()]
            .iter()
            .map(|&i| SymbolRef::new(p, i))
            .collect(),
        page,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outline {
    pub path: String,
    pub language: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'static str>,
    pub lines: u32,
    pub items: Vec<OutlineItem>,
    pub items_total: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutlineItem {
    /// Nesting depth (0: top level).
    pub depth: u32,
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub line: u32,
    pub end_line: u32,
    pub signature: String,
}

/// A file's symbols in source order, nested by parent, at most `limit`.
pub fn file_outline(p: &Pack, path: &str, limit: usize) -> Result<Outline, QueryError> {
    let path = path.trim().trim_start_matches("./");
    let files = &p.docpack.source_map.files;
    let file = files
        .binary_search_by(|f| f.path.as_str().cmp(path))
        .ok()
        .map(|k| &files[k])
        .or_else(|| files.iter().find(|f| f.path == path))
        .ok_or_else(|| {
            let near: Vec<&str> = files
                .iter()
                .filter(|f| f.path.ends_with(path) || path.ends_with(f.path.as_str()))
                .take(5)
                .map(|f| f.path.as_str())
                .collect();
            QueryError::UnknownSymbol {
                query: path.chars().take(300).collect(),
                hint: if near.is_empty() {
                    " (no such file in the docpack)".into()
                } else {
                    format!(" (no such file; did you mean {})", near.join(", "))
                },
            }
        })?;
    let symbols = p.files.get(path).cloned().unwrap_or_default();
    let mut depth_of: FxHashMap<Sym, u32> = FxHashMap::default();
    let mut items = Vec::new();
    for &i in &symbols {
        let s = p.symbol(i);
        let depth = s
            .parent
            .as_deref()
            .and_then(|id| p.index_of(id))
            .and_then(|parent| depth_of.get(&parent).map(|d| d + 1))
            .unwrap_or(0);
        depth_of.insert(i, depth);
        items.push(OutlineItem {
            depth,
            id: s.id.clone(),
            name: s.name.clone(),
            kind: s.kind.name(),
            line: s.range.start_line,
            end_line: s.range.end_line,
            signature: clip(&s.signature, 120),
        });
    }
    let total = items.len();
    items.truncate(limit);
    Ok(Outline {
        path: file.path.clone(),
        language: file.language.name(),
        role: file.role.map(|r| r.name()),
        lines: file.lines,
        items,
        items_total: total,
    })
}

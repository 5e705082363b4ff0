//! History questions, answered from a docpack's `history.json` (format
//! 1.4): the history in brief or of one file or symbol, hotspots, owners,
//! and what changes together with a file or symbol (hidden coupling
//! marked). A docpack without a history says why (the manifest's reason).
//!
//! Targets are a file path the history knows, a `path#name` history key, or
//! a symbol as the other questions name it (id, qualified name, tail, simple
//! name), which needs the per-symbol history (`doctown build --history
//! symbols`).

use crate::answer::{Page, SymbolRef};
use crate::engine::{Engine, QueryError};
use crate::pack::Pack;
use crate::reader::Reader;
use doctown_docpack::history::{
    AuthorStats, CoupledPair, FileHistory, History, Hotspot, ModuleOwnership, Month, Summary,
    SymbolHistory,
};
use serde::Serialize;
use std::sync::Arc;

/// Months of the timeline `history` shows.
const RECENT_MONTHS: usize = 12;

/// What a question is about: a file or a symbol of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "key", rename_all = "snake_case")]
pub enum Target {
    File(String),
    /// `path#name`.
    Symbol(String),
}

impl Target {
    pub fn key(&self) -> &str {
        match self {
            Target::File(k) | Target::Symbol(k) => k,
        }
    }
}

/// The docpack's history, or why it has none.
pub fn history_of(p: &Pack) -> Result<&History, QueryError> {
    p.docpack.history.as_ref().ok_or_else(|| {
        let reason = p.docpack.manifest.parts.history_absent.as_deref();
        QueryError::BadRequest(format!(
            "docpack {} has no history: {}",
            p.key,
            reason
                .unwrap_or("it was built without one (docpack format before 1.4, or history off)")
        ))
    })
}

/// Finds what `query` names, in the first pack whose history has it.
pub fn find_target(
    engine: &Engine,
    packs: &[Arc<Pack>],
    query: &str,
) -> Result<(Arc<Pack>, Target), QueryError> {
    let q = query.trim().trim_start_matches("./");
    for p in packs {
        let Some(h) = p.docpack.history.as_ref() else {
            continue;
        };
        if h.files.iter().any(|f| f.path == q) {
            return Ok((p.clone(), Target::File(q.to_string())));
        }
        if let Some((path, name)) = q.split_once('#') {
            if h.symbols.iter().any(|s| s.path == path && s.name == name) {
                return Ok((p.clone(), Target::Symbol(q.to_string())));
            }
        }
    }
    let (pack, i) = engine.find_symbol(packs, q)?;
    let id = &pack.symbol(i).id;
    let h = history_of(&pack)?;
    let found = h.symbols.iter().find(|s| s.id.as_deref() == Some(id));
    match found {
        Some(s) => {
            let key = format!("{}#{}", s.path, s.name);
            Ok((pack, Target::Symbol(key)))
        }
        None => Err(QueryError::BadRequest(no_symbol_history(&pack, i, h))),
    }
}

fn no_symbol_history(p: &Pack, i: crate::pack::Sym, h: &History) -> String {
    let name = &p.symbol(i).qualified_name;
    if h.summary.symbols {
        format!("{name} has no history (no commit analysed touched it)")
    } else {
        format!(
            "{name}: this docpack's history is per file (build with `--history symbols` for \
             symbols); ask about its file {}",
            p.symbol(i).path
        )
    }
}

/// `history`: the repository's history in brief, and a target's own.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryView {
    pub summary: Summary,
    /// The most active authors, at most 10.
    pub authors: Vec<AuthorStats>,
    /// The last months of the timeline.
    pub recent: Vec<Month>,
    /// The highest file hotspots, at most 5.
    pub hotspots: Vec<Hotspot>,
    pub hotspot_basis: String,
    /// Co-change pairs no static edge links.
    pub hidden_coupling: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<FileHistory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<SymbolHistory>,
}

pub fn history(p: &Pack, target: Option<&Target>) -> Result<HistoryView, QueryError> {
    let h = history_of(p)?;
    let recent = h.timeline.len().saturating_sub(RECENT_MONTHS);
    let (file, symbol) = match target {
        Some(Target::File(path)) => (h.files.iter().find(|f| &f.path == path).cloned(), None),
        Some(Target::Symbol(key)) => (None, symbol_history(h, key).cloned()),
        None => (None, None),
    };
    Ok(HistoryView {
        summary: h.summary.clone(),
        authors: h.authors.iter().take(10).cloned().collect(),
        recent: h.timeline[recent..].to_vec(),
        hotspots: h.hotspots.files.iter().take(5).cloned().collect(),
        hotspot_basis: h.hotspots.basis.clone(),
        hidden_coupling: hidden(h).count(),
        file,
        symbol,
    })
}

fn symbol_history<'a>(h: &'a History, key: &str) -> Option<&'a SymbolHistory> {
    let (path, name) = key.split_once('#')?;
    h.symbols.iter().find(|s| s.path == path && s.name == name)
}

fn hidden(h: &History) -> impl Iterator<Item = &CoupledPair> {
    let c = &h.coupling;
    c.files
        .iter()
        .chain(&c.symbols)
        .filter(|p| p.linked == Some(false))
}

/// Which hotspots.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    #[default]
    Files,
    Symbols,
    Modules,
}

/// A hotspot, with the symbol it is when the docpack has it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotspotItem {
    #[serde(flatten)]
    pub hotspot: Hotspot,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<SymbolRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotspotsView {
    pub level: Level,
    /// What complexity and centrality are (`structure`, `lines`).
    pub basis: String,
    pub hotspots: Vec<HotspotItem>,
    pub page: Page,
}

pub fn hotspots(
    p: &Pack,
    level: Level,
    offset: usize,
    limit: usize,
) -> Result<HotspotsView, QueryError> {
    let h = history_of(p)?;
    let list = match level {
        Level::Files => &h.hotspots.files,
        Level::Symbols => &h.hotspots.symbols,
        Level::Modules => &h.hotspots.modules,
    };
    let page = Page::new(offset, limit, list.len());
    let hotspots = list
        .iter()
        .skip(offset)
        .take(limit)
        .map(|s| HotspotItem {
            hotspot: s.clone(),
            symbol: symbol_history(h, &s.name)
                .and_then(|s| p.index_of(s.id.as_deref()?))
                .map(|i| SymbolRef::new(p, i)),
        })
        .collect();
    Ok(HotspotsView {
        level,
        basis: h.hotspots.basis.clone(),
        hotspots,
        page,
    })
}

/// Who knows a file or a module.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Owner {
    /// The path (`""`: the repository).
    pub path: String,
    pub files: u32,
    pub authors: u32,
    /// The main author's name and key.
    pub main_author: String,
    pub main_share: f64,
    /// The authors by degree of authorship (files) or whose loss leaves
    /// most of the module without an author (modules), by name.
    pub key_authors: Vec<String>,
    /// Modules only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truck_factor: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnersView {
    pub owners: Vec<Owner>,
    pub module_depth: u32,
}

/// The owners of a file, of a module (a directory down to the history's
/// module depth), or — with no path — of the repository and its largest
/// modules.
pub fn owners(p: &Pack, path: Option<&str>, limit: usize) -> Result<OwnersView, QueryError> {
    let h = history_of(p)?;
    let name = |key: &str| author_name(h, key);
    let module = |m: &ModuleOwnership| Owner {
        path: m.path.clone(),
        files: m.files,
        authors: m.authors,
        main_author: name(&m.main_author),
        main_share: m.main_share,
        key_authors: m.truck_authors.iter().map(|k| name(k)).collect(),
        truck_factor: Some(m.truck_factor),
    };
    let own = &h.ownership;
    let owners: Vec<Owner> = match path.map(|p| p.trim().trim_matches('/')) {
        None | Some("") => {
            let mut modules: Vec<&ModuleOwnership> = own.modules.iter().collect();
            modules.sort_by(|a, b| {
                (!a.path.is_empty(), b.files, &a.path).cmp(&(!b.path.is_empty(), a.files, &b.path))
            });
            modules.into_iter().take(limit + 1).map(module).collect()
        }
        Some(q) => match own.files.iter().find(|f| f.path == q) {
            Some(f) => vec![Owner {
                path: f.path.clone(),
                files: 1,
                authors: f.authors,
                main_author: name(&f.main_author),
                main_share: f.main_share,
                key_authors: f.doa_authors.iter().map(|k| name(k)).collect(),
                truck_factor: None,
            }],
            None => vec![own.modules.iter().find(|m| m.path == q).map(module).ok_or_else(
                || QueryError::BadRequest(format!(
                    "the history has no living file or module {q:?} (modules are directories down to depth {})",
                    own.module_depth
                )),
            )?],
        },
    };
    Ok(OwnersView {
        owners,
        module_depth: own.module_depth,
    })
}

fn author_name(h: &History, key: &str) -> String {
    match h.authors.iter().find(|a| a.key == key) {
        Some(a) => format!("{} <{}>", a.name, a.key),
        None => key.to_string(),
    }
}

/// One co-change partner.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Partner {
    /// A path or a `path#name`.
    pub name: String,
    /// Commits that changed both.
    pub support: u32,
    /// Of the target's commits, the share that changed the partner too.
    pub confidence: f64,
    pub degree: f64,
    /// A static edge links the two; `false`: hidden coupling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linked: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoupledView {
    pub target: Target,
    pub partners: Vec<Partner>,
    pub page: Page,
    /// The thresholds a pair must pass to be listed.
    pub min_support: u32,
    pub min_degree: f64,
}

/// What changes together with `target`, strongest first; only the pairs
/// no static edge links when `hidden_only`.
pub fn coupled_with(
    p: &Pack,
    target: &Target,
    hidden_only: bool,
    offset: usize,
    limit: usize,
) -> Result<CoupledView, QueryError> {
    let h = history_of(p)?;
    let pairs = match target {
        Target::File(_) => &h.coupling.files,
        Target::Symbol(_) => &h.coupling.symbols,
    };
    let key = target.key();
    let all: Vec<Partner> = pairs
        .iter()
        .filter(|pair| !hidden_only || pair.linked == Some(false))
        .filter_map(|pair| partner(pair, key))
        .collect();
    let page = Page::new(offset, limit, all.len());
    Ok(CoupledView {
        target: target.clone(),
        partners: all.into_iter().skip(offset).take(limit).collect(),
        page,
        min_support: h.coupling.min_support,
        min_degree: h.coupling.min_degree,
    })
}

fn partner(pair: &CoupledPair, key: &str) -> Option<Partner> {
    let (name, confidence) = if pair.a == key {
        (&pair.b, pair.confidence_a)
    } else if pair.b == key {
        (&pair.a, pair.confidence_b)
    } else {
        return None;
    };
    Some(Partner {
        name: name.clone(),
        support: pair.support,
        confidence,
        degree: pair.degree,
        linked: pair.linked,
    })
}

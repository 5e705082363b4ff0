//! The smallest context that explains a task or some symbols within a
//! token budget, for a coding assistant to read before it works.
//!
//! The symbols named, or those a search for the task finds, come first
//! ("seeds"), then what they call and what calls them through confident
//! edges, the ones linked to most seeds and most central first. Each is
//! given as much as fits, in three passes: every seed as its signature and
//! summary (or the signature alone), then the seeds' source lines (when a
//! checkout is on this machine) in their order, then the neighbours as
//! signature and summary (or signature). What does not fit is listed.

use crate::answer::{clip, SymbolRef};
use crate::engine::{Engine, QueryError};
use crate::pack::{Pack, Sym};
use crate::reader::Reader;
use crate::search::{search, SearchRequest};
use crate::source::source_lines;
use crate::tokens::budget_tokens;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// Seeds a task's search contributes.
const TASK_SEEDS: usize = 8;
/// Neighbours considered beyond the seeds.
const NEIGHBOURS: usize = 40;
/// Source lines of one seed, at most.
const SOURCE_LINES: usize = 80;

/// What to explain, and in how many tokens.
#[derive(Debug, Clone, Default)]
pub struct ContextRequest {
    /// A task in words, searched like `search` (its vector, when one is
    /// made, rides in `search.vector`).
    pub search: Option<SearchRequest>,
    /// Symbols named (ids or names), before the task's.
    pub symbols: Vec<String>,
    pub max_tokens: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Context {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    pub max_tokens: usize,
    /// Tokens the items' texts take (`o200k_base`, [`budget_tokens`]).
    pub used_tokens: usize,
    pub items: Vec<ContextItem>,
    /// What did not fit, with the fewest tokens it needed.
    pub left_out: Vec<LeftOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContextItem {
    #[serde(flatten)]
    pub symbol: SymbolRef,
    /// `named`, `found` (by the task), `called` (by a seed) or `caller`.
    pub role: &'static str,
    /// `source`, `summary` or `signature`: how much of it is given.
    pub level: &'static str,
    pub tokens: usize,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeftOut {
    #[serde(flatten)]
    pub symbol: SymbolRef,
    pub role: &'static str,
    pub tokens: usize,
}

/// One candidate: its pack, symbol, role, and its text at each level it
/// may take, fullest first.
struct Candidate {
    pack: Arc<Pack>,
    sym: Sym,
    role: &'static str,
    levels: Vec<(&'static str, String)>,
}

/// The context for `req` from `packs`.
pub fn context(
    engine: &Engine,
    packs: &[Arc<Pack>],
    req: &ContextRequest,
) -> Result<Context, QueryError> {
    if req.symbols.is_empty()
        && req
            .search
            .as_ref()
            .is_none_or(|s| s.query.trim().is_empty())
    {
        return Err(QueryError::BadRequest(
            "describe a task or name symbols".into(),
        ));
    }
    let (seeds, notes) = seeds(engine, packs, req)?;
    let neighbours = neighbours(&seeds);
    let mut budget = Budget::new(req.max_tokens);
    let mut placed: Vec<Option<usize>> = vec![None; seeds.len() + neighbours.len()];
    // Every seed, briefly; then the seeds' code; then the neighbours.
    for (k, c) in seeds.iter().enumerate() {
        placed[k] = budget.take_first_fitting(c, brief(c));
    }
    for (k, c) in seeds.iter().enumerate() {
        if let Some(level) = placed[k].filter(|l| *l > 0) {
            placed[k] = budget.upgrade(c, level).or(Some(level));
        }
    }
    for (k, c) in neighbours.iter().enumerate() {
        placed[seeds.len() + k] = budget.take_first_fitting(c, brief(c));
    }
    let all: Vec<&Candidate> = seeds.iter().chain(&neighbours).collect();
    let mut items = Vec::new();
    let mut left_out = Vec::new();
    for (c, level) in all.iter().zip(placed) {
        let symbol = SymbolRef::new(&*c.pack, c.sym);
        match level {
            Some(l) => items.push(ContextItem {
                symbol,
                role: c.role,
                level: c.levels[l].0,
                tokens: budget_tokens(&c.levels[l].1),
                text: c.levels[l].1.clone(),
            }),
            None => left_out.push(LeftOut {
                symbol,
                role: c.role,
                tokens: c.levels.last().map_or(0, |(_, t)| budget_tokens(t)),
            }),
        }
    }
    Ok(Context {
        task: req.search.as_ref().map(|s| clip(&s.query, 2000)),
        max_tokens: req.max_tokens,
        used_tokens: req.max_tokens - budget.left,
        items,
        left_out,
        notes,
    })
}

/// The fullest level short of source lines.
fn brief(c: &Candidate) -> usize {
    c.levels
        .iter()
        .position(|(name, _)| *name != "source")
        .unwrap_or(0)
}

/// Tokens left to spend.
struct Budget {
    left: usize,
}

impl Budget {
    fn new(max: usize) -> Budget {
        Budget { left: max }
    }

    /// Takes the fullest level from `from` down that fits; its index.
    fn take_first_fitting(&mut self, c: &Candidate, from: usize) -> Option<usize> {
        let k = (from..c.levels.len()).find(|&k| budget_tokens(&c.levels[k].1) <= self.left)?;
        self.left -= budget_tokens(&c.levels[k].1);
        Some(k)
    }

    /// Trades level `now` for the fullest one above it that fits.
    fn upgrade(&mut self, c: &Candidate, now: usize) -> Option<usize> {
        let held = budget_tokens(&c.levels[now].1);
        let k = (0..now).find(|&k| budget_tokens(&c.levels[k].1) <= self.left + held)?;
        self.left = self.left + held - budget_tokens(&c.levels[k].1);
        Some(k)
    }
}

/// The symbols named, then the task's hits, each once.
fn seeds(
    engine: &Engine,
    packs: &[Arc<Pack>],
    req: &ContextRequest,
) -> Result<(Vec<Candidate>, Vec<String>), QueryError> {
    let mut out: Vec<Candidate> = Vec::new();
    let mut notes = Vec::new();
    for name in &req.symbols {
        let (pack, sym) = engine.find_symbol(packs, name)?;
        push(&mut out, candidate(pack, sym, "named", true));
    }
    if let Some(task) = req.search.as_ref().filter(|s| !s.query.trim().is_empty()) {
        let mut task = task.clone();
        task.limit = TASK_SEEDS;
        task.expand = 0;
        let result = search(packs, &task)?;
        notes.extend(result.notes);
        for hit in result.hits {
            let found = packs
                .iter()
                .filter(|p| hit.docpack.as_deref().is_none_or(|k| k == p.key))
                .find_map(|p| p.index_of(&hit.symbol.id).map(|i| (p.clone(), i)));
            if let Some((pack, sym)) = found {
                push(&mut out, candidate(pack, sym, "found", true));
            }
        }
    }
    Ok((out, notes))
}

fn push(list: &mut Vec<Candidate>, c: Candidate) {
    if !list
        .iter()
        .any(|o| Arc::ptr_eq(&o.pack, &c.pack) && o.sym == c.sym)
    {
        list.push(c);
    }
}

/// A symbol next to the seeds: how it is linked, and to how many.
struct Link {
    pack: Arc<Pack>,
    sym: Sym,
    role: &'static str,
    seeds: usize,
}

/// What the seeds call and what calls them, linked to most seeds first,
/// then most central.
fn neighbours(seeds: &[Candidate]) -> Vec<Candidate> {
    let mut links: HashMap<(usize, Sym), Link> = HashMap::new();
    for s in seeds {
        let p = &s.pack;
        let out = p.callees(s.sym).map(|(j, _)| (j, "called"));
        let into = p.callers(s.sym).map(|(j, _)| (j, "caller"));
        for (sym, role) in out.chain(into) {
            if seeds
                .iter()
                .any(|o| Arc::ptr_eq(&o.pack, p) && o.sym == sym)
            {
                continue;
            }
            let link = links
                .entry((Arc::as_ptr(p) as usize, sym))
                .or_insert_with(|| Link {
                    pack: p.clone(),
                    sym,
                    role,
                    seeds: 0,
                });
            link.seeds += 1;
        }
    }
    let mut ranked: Vec<Link> = links.into_values().collect();
    ranked.sort_by(|a, b| {
        let centrality = |l: &Link| l.pack.symbol(l.sym).centrality;
        b.seeds
            .cmp(&a.seeds)
            .then(centrality(b).total_cmp(&centrality(a)))
            .then(a.sym.cmp(&b.sym))
    });
    ranked
        .into_iter()
        .take(NEIGHBOURS)
        .map(|l| candidate(l.pack, l.sym, l.role, false))
        .collect()
}

/// A symbol's texts: with source lines (seeds, when a checkout is here),
/// with its summary, and its signature alone.
fn candidate(pack: Arc<Pack>, sym: Sym, role: &'static str, with_source: bool) -> Candidate {
    let s = pack.symbol(sym);
    let head = format!(
        "### `{}` ({}) {}:{}-{}\n{}\n",
        s.qualified_name,
        s.kind,
        s.path,
        s.range.start_line,
        s.range.end_line.max(s.range.start_line),
        clip(&s.signature, 400)
    );
    let summary = s.documentation.as_ref().map(|d| clip(&d.summary, 600));
    let with_summary = match &summary {
        Some(text) => format!("{head}{text}\n"),
        None => head.clone(),
    };
    let mut levels = Vec::new();
    if with_source {
        let lines = source_lines(&pack, sym, SOURCE_LINES);
        if !lines.lines.is_empty() && !lines.stale {
            let more = match lines.omitted {
                0 => String::new(),
                n => format!("… {n} more lines\n"),
            };
            levels.push((
                "source",
                format!("{with_summary}```\n{}\n{more}```\n", lines.lines.join("\n")),
            ));
        }
    }
    if summary.is_some() {
        levels.push(("summary", with_summary));
    }
    levels.push(("signature", head));
    Candidate {
        pack,
        sym,
        role,
        levels,
    }
}

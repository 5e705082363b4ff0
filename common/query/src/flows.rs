//! `flows`: execution flows from the places a program is entered, down the
//! confident call graph — what a reader follows to see how a request or a
//! command is handled.
//!
//! Entry points, strongest first:
//! * `main`: a function named `main` in source code;
//! * `route`: a function decorated or attributed as an HTTP route
//!   (`@app.route`, `@router.get`, `#[get(…)]`, `@api_view`, …);
//! * `command`: a CLI command (`@click.command`, `@app.command`, …);
//! * `handler`: a function that source code passes as a value (a callback,
//!   a handler registered with a router) and never calls directly;
//! * `api`: a public function or method that no source code calls, which
//!   calls at least two functions of its own repository.
//!
//! A flow is everything its entry reaches through confident calls and
//! references (breadth-first, at most [`MAX_DEPTH`] steps and
//! [`MAX_REACH`] symbols); its *path* follows, from the entry, the callee
//! under which most of the flow lies. Flows are ranked by
//! `weight(kind) × (ln(1 + reach) + ½ × modules crossed)`, with weights
//! main 4, route 3, command 3, handler 2, api 1, and named after their path.

use crate::answer::{Page, SymbolRef};
use crate::pack::{EntryKind, Flow, Link, Pack, Sym};
use crate::reader::Reader;
use doctown_core::{FileRole, SymbolKind, Visibility};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

pub const MAX_DEPTH: u32 = 12;
pub const MAX_REACH: usize = 500;
/// Flows kept per docpack, best first.
pub const MAX_FLOWS: usize = 5_000;
const PATH_STEPS: usize = 8;

/// A flow as answers show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FlowView {
    pub name: String,
    pub kind: &'static str,
    pub entry: SymbolRef,
    /// From the entry down the flow's main line.
    pub path: Vec<SymbolRef>,
    /// Symbols the flow reaches, the entry included.
    pub reach: usize,
    pub modules: Vec<String>,
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flows {
    pub flows: Vec<FlowView>,
    pub page: Page,
    /// When asked for the flows through a symbol: that symbol.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub through: Option<SymbolRef>,
}

/// The flows of a pack, best first (computed on first use).
pub fn all(p: &Pack) -> &[Flow] {
    p.flows.get_or_init(|| compute(p))
}

/// A page of the flows, optionally only those that reach `through` or
/// start at an entry of `kind`.
pub fn flows(
    p: &Pack,
    through: Option<Sym>,
    kind: Option<EntryKind>,
    offset: usize,
    limit: usize,
) -> Flows {
    let chosen: Vec<&Flow> = all(p)
        .iter()
        .filter(|f| kind.is_none_or(|k| f.kind == k))
        .filter(|f| through.is_none_or(|t| f.reach.binary_search(&t).is_ok()))
        .collect();
    let page = Page::new(offset, limit, chosen.len());
    Flows {
        flows: chosen[page.range()].iter().map(|f| view(p, f)).collect(),
        page,
        through: through.map(|t| SymbolRef::new(p, t)),
    }
}

pub fn view(p: &Pack, f: &Flow) -> FlowView {
    let path: Vec<SymbolRef> = f.path.iter().map(|&s| SymbolRef::new(p, s)).collect();
    let name = f
        .path
        .iter()
        .map(|&s| p.symbol(s).name.as_str())
        .collect::<Vec<_>>()
        .join(" → ");
    FlowView {
        name,
        kind: f.kind.name(),
        entry: SymbolRef::new(p, f.entry),
        path,
        reach: f.reach.len(),
        modules: f
            .modules
            .iter()
            .take(8)
            .map(|&m| p.docpack.docs.modules[m as usize].name.clone())
            .collect(),
        score: (f.score * 1000.0).round() / 1000.0,
    }
}

fn compute(p: &Pack) -> Vec<Flow> {
    let entries: Vec<(Sym, EntryKind)> = (0..p.len() as Sym)
        .filter_map(|i| entry_kind(p, i).map(|k| (i, k)))
        .collect();
    let mut flows: Vec<Flow> = entries
        .par_iter()
        .filter_map(|&(i, kind)| walk(p, i, kind))
        .collect();
    flows.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| {
                p.symbol(a.entry)
                    .qualified_name
                    .cmp(&p.symbol(b.entry).qualified_name)
            })
            .then(a.entry.cmp(&b.entry))
    });
    flows.truncate(MAX_FLOWS);
    flows
}

fn is_source(p: &Pack, i: Sym) -> bool {
    p.symbol(i).role.is_none_or(|r| r == FileRole::Source)
}

/// Why symbol `i` is an entry point, if it is one.
pub fn entry_kind(p: &Pack, i: Sym) -> Option<EntryKind> {
    let s = p.symbol(i);
    if !matches!(s.kind, SymbolKind::Function | SymbolKind::Method) || !is_source(p, i) {
        return None;
    }
    if s.name == "main" && s.kind == SymbolKind::Function {
        return Some(EntryKind::Main);
    }
    let attrs = s.attributes.join(" ").to_lowercase();
    const ROUTE: [&str; 9] = [
        "route(", ".get(", ".post(", ".put(", ".delete(", ".patch(", "api_view", "#[get(",
        "#[post(",
    ];
    if ROUTE.iter().any(|r| attrs.contains(r)) {
        return Some(EntryKind::Route);
    }
    if attrs.contains("command") || attrs.contains("#[tokio::main]") {
        return Some(EntryKind::Command);
    }
    let called_from_source = p
        .callers(i)
        .any(|(c, link)| link == Link::Calls && is_source(p, c));
    if called_from_source {
        return None;
    }
    let referenced_from_source = p
        .callers(i)
        .any(|(c, link)| link == Link::References && is_source(p, c));
    if referenced_from_source {
        return Some(EntryKind::Handler);
    }
    let own_callees = p.callees(i).len();
    (s.visibility == Visibility::Public && own_callees >= 2).then_some(EntryKind::Api)
}

/// The flow from one entry; `None` when it reaches nothing.
fn walk(p: &Pack, entry: Sym, kind: EntryKind) -> Option<Flow> {
    let mut parent: FxHashMap<Sym, Sym> = FxHashMap::default();
    let mut order = vec![entry];
    let mut seen: FxHashSet<Sym> = FxHashSet::default();
    seen.insert(entry);
    let mut frontier = vec![entry];
    for _ in 0..MAX_DEPTH {
        let mut next = Vec::new();
        for &s in &frontier {
            for (callee, _) in p.callees(s) {
                if order.len() >= MAX_REACH {
                    break;
                }
                if is_source(p, callee) && seen.insert(callee) {
                    parent.insert(callee, s);
                    order.push(callee);
                    next.push(callee);
                }
            }
        }
        if next.is_empty() || order.len() >= MAX_REACH {
            break;
        }
        frontier = next;
    }
    if order.len() < 2 {
        return None;
    }
    // Subtree sizes in the breadth-first tree, leaves first.
    let mut size: FxHashMap<Sym, usize> = order.iter().map(|&s| (s, 1)).collect();
    let mut children: FxHashMap<Sym, Vec<Sym>> = FxHashMap::default();
    for &s in order.iter().skip(1).rev() {
        let up = parent[&s];
        let n = size[&s];
        *size.entry(up).or_default() += n;
        children.entry(up).or_default().push(s);
    }
    let mut path = vec![entry];
    let mut at = entry;
    while path.len() < PATH_STEPS {
        let Some(next) = children.get(&at).and_then(|c| {
            c.iter().copied().max_by(|a, b| {
                size[a]
                    .cmp(&size[b])
                    .then(p.symbol(*a).centrality.total_cmp(&p.symbol(*b).centrality))
                    .then(b.cmp(a))
            })
        }) else {
            break;
        };
        path.push(next);
        at = next;
    }
    let mut modules: Vec<u32> = Vec::new();
    for &s in &order {
        if let Some(m) = p.module_of[s as usize] {
            if !modules.contains(&m) {
                modules.push(m);
            }
        }
    }
    let mut reach = order;
    reach.sort_unstable();
    let score = kind.weight() * ((1.0 + reach.len() as f64).ln() + 0.5 * modules.len() as f64);
    Some(Flow {
        entry,
        kind,
        reach,
        path,
        modules,
        score,
    })
}

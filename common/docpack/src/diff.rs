//! `doctown docpack diff`: what changed between two docpacks of a repository.
//!
//! Symbols are matched by id (ids hash path, qualified name, kind and an
//! ordinal, so a symbol that moves file shows as removed and added).
//! Clusters are matched across the two docpacks by the largest member
//! overlap (Jaccard, ties by id), so renumbered clusters do not count as
//! moves; a symbol has *moved* when its new cluster is not the counterpart
//! of its old one.

use crate::diff_history::{diff_history, HistoryDiff};
use crate::model::{Docpack, SymbolNode};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write};

/// Centrality shifts listed by [`diff`].
pub const TOP_SHIFTS: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocpackDiff {
    pub old_id: String,
    pub new_id: String,
    pub added: Vec<SymbolRef>,
    pub removed: Vec<SymbolRef>,
    pub signature_changed: Vec<Change>,
    pub summary_changed: Vec<Change>,
    pub moved: Vec<ClusterMove>,
    /// Largest absolute centrality changes, at most [`TOP_SHIFTS`].
    pub centrality_shifts: Vec<CentralityShift>,
    /// What changed in `history.json` (since 1.4), if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryDiff>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SymbolRef {
    pub id: String,
    pub qualified_name: String,
    pub kind: String,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub symbol: SymbolRef,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterMove {
    pub symbol: SymbolRef,
    /// Old cluster label.
    pub from: String,
    /// New cluster label.
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CentralityShift {
    pub symbol: SymbolRef,
    pub old: f64,
    pub new: f64,
    pub delta: f64,
}

fn sref(s: &SymbolNode) -> SymbolRef {
    SymbolRef {
        id: s.id.clone(),
        qualified_name: s.qualified_name.clone(),
        kind: s.kind.name().to_string(),
        path: s.path.clone(),
    }
}

/// Old cluster id → the new cluster id with the largest member overlap.
fn match_clusters(old: &Docpack, new: &Docpack) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for o in &old.clusters.clusters {
        let a: BTreeSet<&String> = o.members.iter().collect();
        let mut best: Option<(f64, &str)> = None;
        for n in &new.clusters.clusters {
            let b: BTreeSet<&String> = n.members.iter().collect();
            let inter = a.intersection(&b).count() as f64;
            let union = a.union(&b).count() as f64;
            let j = if union == 0.0 { 0.0 } else { inter / union };
            if j > 0.0 && best.is_none_or(|(bj, _)| j > bj) {
                best = Some((j, &n.id));
            }
        }
        if let Some((_, id)) = best {
            out.insert(o.id.clone(), id.to_string());
        }
    }
    out
}

/// Compares two docpacks.
pub fn diff(old: &Docpack, new: &Docpack) -> DocpackDiff {
    let olds: BTreeMap<&str, &SymbolNode> = old
        .nodes
        .symbols
        .iter()
        .map(|s| (s.id.as_str(), s))
        .collect();
    let news: BTreeMap<&str, &SymbolNode> = new
        .nodes
        .symbols
        .iter()
        .map(|s| (s.id.as_str(), s))
        .collect();
    let counterpart = match_clusters(old, new);
    let label = |d: &Docpack, id: &str| d.cluster(id).map_or(id.to_string(), |c| c.label.clone());
    let mut out = DocpackDiff {
        old_id: old.manifest.docpack_id.clone(),
        new_id: new.manifest.docpack_id.clone(),
        added: news
            .iter()
            .filter(|(id, _)| !olds.contains_key(*id))
            .map(|(_, s)| sref(s))
            .collect(),
        removed: olds
            .iter()
            .filter(|(id, _)| !news.contains_key(*id))
            .map(|(_, s)| sref(s))
            .collect(),
        signature_changed: Vec::new(),
        summary_changed: Vec::new(),
        moved: Vec::new(),
        centrality_shifts: Vec::new(),
        history: diff_history(old.history.as_ref(), new.history.as_ref()),
    };
    for (id, o) in &olds {
        let Some(n) = news.get(id) else { continue };
        if o.signature != n.signature {
            out.signature_changed.push(Change {
                symbol: sref(n),
                old: Some(o.signature.clone()),
                new: Some(n.signature.clone()),
            });
        }
        let summary = |s: &SymbolNode| s.documentation.as_ref().map(|d| d.summary.clone());
        if summary(o) != summary(n) {
            out.summary_changed.push(Change {
                symbol: sref(n),
                old: summary(o),
                new: summary(n),
            });
        }
        if let (Some(oc), Some(nc)) = (&o.cluster, &n.cluster) {
            if counterpart.get(oc) != Some(nc) {
                out.moved.push(ClusterMove {
                    symbol: sref(n),
                    from: label(old, oc),
                    to: label(new, nc),
                });
            }
        }
        let delta = n.centrality - o.centrality;
        if delta != 0.0 {
            out.centrality_shifts.push(CentralityShift {
                symbol: sref(n),
                old: o.centrality,
                new: n.centrality,
                delta: crate::canonical::round_f64(delta),
            });
        }
    }
    out.centrality_shifts.sort_by(|a, b| {
        b.delta
            .abs()
            .total_cmp(&a.delta.abs())
            .then_with(|| a.symbol.qualified_name.cmp(&b.symbol.qualified_name))
    });
    out.centrality_shifts.truncate(TOP_SHIFTS);
    out
}

impl DocpackDiff {
    /// True when no symbol was added, removed or changed, nor the history.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.signature_changed.is_empty()
            && self.summary_changed.is_empty()
            && self.moved.is_empty()
            && self.centrality_shifts.is_empty()
            && self.history.is_none()
    }

    /// The text form (what `Display` writes).
    pub fn render(&self) -> String {
        let mut out = format!(
            "docpack diff {} -> {}\n",
            short(&self.old_id),
            short(&self.new_id)
        );
        if self.is_empty() {
            out.push_str("no changes\n");
            return out;
        }
        let list = |out: &mut String, title: &str, items: Vec<String>| {
            if !items.is_empty() {
                let _ = writeln!(out, "\n{title} ({})", items.len());
                for i in items {
                    let _ = writeln!(out, "  {i}");
                }
            }
        };
        let name = |s: &SymbolRef| format!("{} {} ({})", s.kind, s.qualified_name, s.path);
        list(
            &mut out,
            "added",
            self.added
                .iter()
                .map(|s| format!("+ {}", name(s)))
                .collect(),
        );
        list(
            &mut out,
            "removed",
            self.removed
                .iter()
                .map(|s| format!("- {}", name(s)))
                .collect(),
        );
        let change = |c: &Change| {
            let show = |v: &Option<String>| v.as_deref().unwrap_or("(none)").replace('\n', " ");
            format!(
                "~ {}\n      old: {}\n      new: {}",
                name(&c.symbol),
                show(&c.old),
                show(&c.new)
            )
        };
        list(
            &mut out,
            "signature changed",
            self.signature_changed.iter().map(change).collect(),
        );
        list(
            &mut out,
            "summary changed",
            self.summary_changed.iter().map(change).collect(),
        );
        let moved = |m: &ClusterMove| format!("> {}: {} -> {}", name(&m.symbol), m.from, m.to);
        list(
            &mut out,
            "moved between clusters",
            self.moved.iter().map(moved).collect(),
        );
        let shift = |c: &CentralityShift| {
            format!(
                "{:+.4} {} ({:.4} -> {:.4})",
                c.delta,
                name(&c.symbol),
                c.old,
                c.new
            )
        };
        list(
            &mut out,
            "largest centrality shifts",
            self.centrality_shifts.iter().map(shift).collect(),
        );
        if let Some(h) = &self.history {
            let _ = write!(out, "\nhistory\n{}", h.render());
        }
        out
    }
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

impl fmt::Display for DocpackDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

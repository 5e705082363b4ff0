//! A symbol's context borrowed from what it is made of. Assemble makes a
//! context only to serialise it (a line of `contexts.jsonl` and one of
//! `outline.jsonl`), so it writes these views: the same JSON, field for
//! field, as the owned [`SymbolContext`] and [`ContextOutline`], without
//! copying every id, name, path and import list of every symbol first.
//!
//! Each view mirrors its owned type's fields, order and `serde`
//! attributes; [`SymbolContext::view`] names every field of the owned
//! type, and the outline's owned form is made only from its view, so a
//! field added to either does not compile until it is handled there; the
//! tests below check that both forms write the same bytes.

use super::{ClusterRef, ContextOutline, ScoredSymbol, SymbolContext, SymbolRef};
use crate::{FileRole, Language, SymbolId, SymbolKind, Visibility};
use serde::Serialize;

/// [`SymbolRef`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SymbolRefView<'a> {
    pub id: &'a SymbolId,
    pub qualified_name: &'a str,
}

/// [`ScoredSymbol`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoredSymbolView<'a> {
    pub id: &'a SymbolId,
    pub qualified_name: &'a str,
    pub score: f64,
}

/// [`ClusterRef`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClusterRefView<'a> {
    pub id: &'a str,
    pub label: &'a str,
}

/// [`SymbolContext`], borrowed: see the module's documentation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SymbolContextView<'a> {
    pub id: &'a SymbolId,
    pub name: &'a str,
    pub kind: SymbolKind,
    pub qualified_name: &'a str,
    pub language: Language,
    pub path: &'a str,
    pub module: &'a str,
    pub start_line: u32,
    pub end_line: u32,
    pub signature: &'a str,
    pub visibility: Visibility,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<SymbolRefView<'a>>,
    pub calls: Vec<SymbolRefView<'a>>,
    pub calls_total: u32,
    pub called_by: Vec<SymbolRefView<'a>>,
    pub called_by_total: u32,
    pub unresolved_calls: &'a [String],
    pub callers_may_be_unresolved: bool,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub tested_by: Vec<SymbolRefView<'a>>,
    pub role: FileRole,
    pub imports: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub supertypes: Vec<SymbolRefView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterRefView<'a>>,
    pub centrality: f64,
    pub related: Vec<ScoredSymbolView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complexity: Option<u32>,
    pub loc: u32,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub vectors_missing: bool,
}

/// [`ContextOutline`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ContextOutlineView<'a> {
    pub id: &'a SymbolId,
    pub kind: SymbolKind,
    pub centrality: f64,
    pub path: &'a str,
    pub module: &'a str,
    pub loc: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complexity: Option<u32>,
}

impl SymbolRef {
    pub fn view(&self) -> SymbolRefView<'_> {
        let SymbolRef { id, qualified_name } = self;
        SymbolRefView { id, qualified_name }
    }
}

impl SymbolRefView<'_> {
    pub fn to_owned_ref(&self) -> SymbolRef {
        SymbolRef {
            id: self.id.clone(),
            qualified_name: self.qualified_name.to_string(),
        }
    }
}

fn owned_refs(refs: &[SymbolRefView<'_>]) -> Vec<SymbolRef> {
    refs.iter().map(SymbolRefView::to_owned_ref).collect()
}

fn ref_views(refs: &[SymbolRef]) -> Vec<SymbolRefView<'_>> {
    refs.iter().map(SymbolRef::view).collect()
}

impl SymbolContext {
    /// This context, borrowed (every field named: a field added here
    /// must be added to the view).
    pub fn view(&self) -> SymbolContextView<'_> {
        let SymbolContext {
            id,
            name,
            kind,
            qualified_name,
            language,
            path,
            module,
            start_line,
            end_line,
            signature,
            visibility,
            doc,
            parent,
            calls,
            calls_total,
            called_by,
            called_by_total,
            unresolved_calls,
            callers_may_be_unresolved,
            tested_by,
            role,
            imports,
            supertypes,
            cluster,
            centrality,
            related,
            complexity,
            loc,
            vectors_missing,
        } = self;
        SymbolContextView {
            id,
            name,
            kind: *kind,
            qualified_name,
            language: *language,
            path,
            module,
            start_line: *start_line,
            end_line: *end_line,
            signature,
            visibility: *visibility,
            doc: doc.as_deref(),
            parent: parent.as_ref().map(SymbolRef::view),
            calls: ref_views(calls),
            calls_total: *calls_total,
            called_by: ref_views(called_by),
            called_by_total: *called_by_total,
            unresolved_calls,
            callers_may_be_unresolved: *callers_may_be_unresolved,
            tested_by: ref_views(tested_by),
            role: *role,
            imports,
            supertypes: ref_views(supertypes),
            cluster: cluster.as_ref().map(|c| ClusterRefView {
                id: &c.id,
                label: &c.label,
            }),
            centrality: *centrality,
            related: related
                .iter()
                .map(|r| ScoredSymbolView {
                    id: &r.id,
                    qualified_name: &r.qualified_name,
                    score: r.score,
                })
                .collect(),
            complexity: *complexity,
            loc: *loc,
            vectors_missing: *vectors_missing,
        }
    }
}

impl<'a> SymbolContextView<'a> {
    /// The owned context (what a reader of `contexts.jsonl` parses).
    pub fn to_owned_context(&self) -> SymbolContext {
        SymbolContext {
            id: self.id.clone(),
            name: self.name.to_string(),
            kind: self.kind,
            qualified_name: self.qualified_name.to_string(),
            language: self.language,
            path: self.path.to_string(),
            module: self.module.to_string(),
            start_line: self.start_line,
            end_line: self.end_line,
            signature: self.signature.to_string(),
            visibility: self.visibility,
            doc: self.doc.map(str::to_string),
            parent: self.parent.as_ref().map(SymbolRefView::to_owned_ref),
            calls: owned_refs(&self.calls),
            calls_total: self.calls_total,
            called_by: owned_refs(&self.called_by),
            called_by_total: self.called_by_total,
            unresolved_calls: self.unresolved_calls.to_vec(),
            callers_may_be_unresolved: self.callers_may_be_unresolved,
            tested_by: owned_refs(&self.tested_by),
            role: self.role,
            imports: self.imports.to_vec(),
            supertypes: owned_refs(&self.supertypes),
            cluster: self.cluster.map(|c| ClusterRef {
                id: c.id.to_string(),
                label: c.label.to_string(),
            }),
            centrality: self.centrality,
            related: self
                .related
                .iter()
                .map(|r| ScoredSymbol {
                    id: r.id.clone(),
                    qualified_name: r.qualified_name.to_string(),
                    score: r.score,
                })
                .collect(),
            complexity: self.complexity,
            loc: self.loc,
            vectors_missing: self.vectors_missing,
        }
    }

    /// The context's line of `outline.jsonl`.
    pub fn outline(&self) -> ContextOutlineView<'a> {
        ContextOutlineView {
            id: self.id,
            kind: self.kind,
            centrality: self.centrality,
            path: self.path,
            module: self.module,
            loc: self.loc,
            complexity: self.complexity,
        }
    }
}

impl ContextOutlineView<'_> {
    /// The owned outline (what a reader of `outline.jsonl` parses).
    pub fn to_owned_outline(&self) -> ContextOutline {
        ContextOutline {
            id: self.id.clone(),
            kind: self.kind,
            centrality: self.centrality,
            path: self.path.to_string(),
            module: self.module.to_string(),
            loc: self.loc,
            complexity: self.complexity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symbol_ref(n: u32) -> SymbolRef {
        SymbolRef {
            id: SymbolId::from_raw(format!("sym_{n:016x}")),
            qualified_name: format!("pkg.mod.f{n}"),
        }
    }

    /// Every optional field set and every list filled, or every one
    /// empty: the two sides of each `skip_serializing_if`.
    fn context(full: bool) -> SymbolContext {
        let some = |n: u32| {
            if full {
                vec![symbol_ref(n)]
            } else {
                Vec::new()
            }
        };
        SymbolContext {
            id: SymbolId::from_raw("sym_00000000000000aa"),
            name: "parse \"quoted\"".into(),
            kind: SymbolKind::Function,
            qualified_name: "pkg.mod.parse".into(),
            language: Language::Python,
            path: "pkg/mod.py".into(),
            module: "pkg".into(),
            start_line: 3,
            end_line: 9,
            signature: "def parse(text)".into(),
            visibility: Visibility::Public,
            doc: full.then(|| "Parses.\nTwice.".to_string()),
            parent: full.then(|| symbol_ref(1)),
            calls: some(2),
            calls_total: u32::from(full) * 4,
            called_by: some(3),
            called_by_total: u32::from(full),
            unresolved_calls: if full {
                vec!["json.loads".into()]
            } else {
                Vec::new()
            },
            callers_may_be_unresolved: full,
            tested_by: some(4),
            role: if full {
                FileRole::Test
            } else {
                FileRole::default()
            },
            imports: if full {
                vec!["json".into(), "os".into()]
            } else {
                Vec::new()
            },
            supertypes: some(5),
            cluster: full.then(|| ClusterRef {
                id: "cluster-001".into(),
                label: "parsing".into(),
            }),
            centrality: if full { 0.125 } else { 0.0 },
            related: if full {
                vec![ScoredSymbol {
                    id: SymbolId::from_raw("sym_00000000000000bb"),
                    qualified_name: "pkg.other".into(),
                    score: 0.75,
                }]
            } else {
                Vec::new()
            },
            complexity: full.then_some(3),
            loc: 7,
            vectors_missing: full,
        }
    }

    #[test]
    fn a_view_writes_what_its_owned_context_writes() {
        for full in [true, false] {
            let owned = context(full);
            let view = owned.view();
            assert_eq!(
                serde_json::to_string(&view).unwrap(),
                serde_json::to_string(&owned).unwrap()
            );
            assert_eq!(view.to_owned_context(), owned);
            let outline = ContextOutline::from(&owned);
            assert_eq!(
                serde_json::to_string(&view.outline()).unwrap(),
                serde_json::to_string(&outline).unwrap()
            );
            assert_eq!(
                outline,
                ContextOutline {
                    id: owned.id.clone(),
                    kind: owned.kind,
                    centrality: owned.centrality,
                    path: owned.path.clone(),
                    module: owned.module.clone(),
                    loc: owned.loc,
                    complexity: owned.complexity,
                }
            );
        }
    }
}

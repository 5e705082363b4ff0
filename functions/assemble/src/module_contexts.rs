//! Module contexts: the facts of a module overview — files, languages,
//! members, most central symbols, and coupling to other modules.

use crate::artifacts::{ModuleContext, ScoredSymbol};
use crate::graph::RepoGraph;
use crate::imports::module_of;
use crate::metrics::{coupling, module_dependencies};
use crate::numeric::fixed;
use crate::topk::top_k_by;
use doctown_core::{Symbol, SymbolKind};
use std::collections::BTreeSet;

/// Top symbols listed per module.
pub const TOP_SYMBOLS: usize = 10;

/// One context per module, in path order. `node_module` maps every node to
/// its module; `centrality` is per symbol.
pub fn module_contexts(
    g: &RepoGraph,
    symbols: &[Symbol],
    node_module: &[usize],
    centrality: &[f64],
) -> Vec<ModuleContext> {
    let deps = module_dependencies(g, node_module);
    let coupling = coupling(g.modules.len(), &deps);
    let mut files: Vec<Vec<usize>> = vec![Vec::new(); g.modules.len()];
    for (f, path) in g.files.iter().enumerate() {
        if let Some(m) = g.module_index(module_of(path)) {
            files[m].push(f);
        }
    }
    let offset = g.modules.len() + g.files.len();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); g.modules.len()];
    for i in 0..symbols.len() {
        members[node_module[offset + i]].push(i);
    }
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); g.modules.len()];
    for &(from, to) in &deps {
        dependents[to].push(from);
    }
    let name = |m: usize| g.modules[m].clone();
    (0..g.modules.len())
        .map(|m| {
            let (ca, ce, instability) = coupling[m];
            let top = top_k_by(candidates(&members[m], symbols), TOP_SYMBOLS, |a, b| {
                centrality[*b].total_cmp(&centrality[*a]).then(a.cmp(b))
            });
            ModuleContext {
                id: format!("mod:{}", g.modules[m]),
                path: g.modules[m].clone(),
                files: files[m].iter().map(|f| g.files[*f].clone()).collect(),
                languages: files[m]
                    .iter()
                    .map(|f| g.file_languages[*f])
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                symbols: members[m].len() as u32,
                top_symbols: top
                    .into_iter()
                    .map(|i| ScoredSymbol {
                        id: symbols[i].id.clone(),
                        qualified_name: symbols[i].qualified_name.clone(),
                        score: fixed(centrality[i]),
                    })
                    .collect(),
                dependencies: deps
                    .range((m, 0)..=(m, usize::MAX))
                    .map(|(_, to)| name(*to))
                    .collect(),
                dependents: dependents[m].iter().map(|from| name(*from)).collect(),
                afferent: ca,
                efferent: ce,
                instability: fixed(instability),
            }
        })
        .collect()
}

/// The members a module's most central symbols are chosen from: not its
/// fields (a schema's columns, a struct's fields say what data is kept,
/// not what the module does), unless it has nothing else.
fn candidates(members: &[usize], symbols: &[Symbol]) -> Vec<usize> {
    let kept: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| symbols[i].kind != SymbolKind::Field)
        .collect();
    if kept.is_empty() {
        members.to_vec()
    } else {
        kept
    }
}

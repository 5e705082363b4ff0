//! What the repository's history (ingest's `history.json`, the docpack's
//! part) says of each symbol, as the [`ChangeFacts`] the writer and the
//! prompt use: "changed in 41 commits by 3 authors between 2021-03-02 and
//! 2024-05-01; changes with `X` in 8 of its 10 commits".
//!
//! A symbol gets its own history when the per-symbol pass ran (matched by
//! the id ingest gave it); otherwise the history of its file, said once per
//! file — on the file's most central symbol (`lead`) — so that the
//! summaries of a file's symbols do not all repeat it.

use crate::change_facts::{ChangeFacts, ChangeScope, CoChange, MIN_CONFIDENCE, MIN_TOGETHER};
use crate::facts::{GenerateInput, SymbolFacts};
use doctown_docpack::history::{CoupledPair, History};
use std::collections::HashMap;

/// Partners kept per symbol.
const PARTNERS: usize = 2;
/// File hotspots named as such.
const HOTSPOT_RANKS: u32 = 10;

/// Each author's display name by key (`.mailmap` applied by the history).
pub(crate) fn author_names(history: &History) -> HashMap<&str, &str> {
    history
        .authors
        .iter()
        .map(|a| (a.key.as_str(), a.name.as_str()))
        .collect()
}

/// Gives each symbol of `input` its [`ChangeFacts`] from `history`.
/// Returns how many symbols got one.
pub fn attach(input: &mut GenerateInput, history: &History) -> usize {
    let changes = Changes::new(history);
    let leads = leads(&input.symbols);
    let mut attached = 0;
    for (s, lead) in input.symbols.iter_mut().zip(leads) {
        s.history = changes.of(s, lead);
        attached += usize::from(s.history.is_some());
    }
    attached
}

/// What the history says of any symbol, looked up by its id or its file.
pub struct Changes<'h> {
    history: &'h History,
    by_id: HashMap<&'h str, usize>,
    files: HashMap<&'h str, usize>,
    owners: HashMap<&'h str, (&'h str, f64)>,
    hot: HashMap<&'h str, u32>,
    symbol_partners: HashMap<String, Vec<CoChange>>,
    file_partners: HashMap<String, Vec<CoChange>>,
}

impl<'h> Changes<'h> {
    pub fn new(history: &'h History) -> Self {
        let by_id = history
            .symbols
            .iter()
            .enumerate()
            .filter(|(_, s)| s.alive)
            .filter_map(|(i, s)| s.id.as_deref().map(|id| (id, i)))
            .collect();
        let files = history
            .files
            .iter()
            .enumerate()
            .filter(|(_, f)| f.alive)
            .map(|(i, f)| (f.path.as_str(), i))
            .collect();
        let names = author_names(history);
        let owners = history
            .ownership
            .files
            .iter()
            .filter(|o| o.authors > 1 && o.main_share >= 0.5)
            .map(|o| {
                let name = names.get(o.main_author.as_str()).copied();
                (
                    o.path.as_str(),
                    (name.unwrap_or(&o.main_author), o.main_share),
                )
            })
            .collect();
        let hot = history
            .hotspots
            .files
            .iter()
            .take(HOTSPOT_RANKS as usize)
            .enumerate()
            .map(|(i, h)| (h.name.as_str(), i as u32 + 1))
            .collect();
        let symbol_partners = partners(&history.coupling.symbols, |key| {
            key.split_once('#')
                .map_or(key, |(_, name)| name)
                .to_string()
        });
        let file_partners = partners(&history.coupling.files, str::to_string);
        Changes {
            history,
            by_id,
            files,
            owners,
            hot,
            symbol_partners,
            file_partners,
        }
    }

    /// How `s` changed: by its id, else by its file (`lead`: `s` is its
    /// file's most central symbol).
    pub fn of(&self, s: &SymbolFacts, lead: bool) -> Option<ChangeFacts> {
        self.of_symbol(s.id.as_str(), &s.path, lead)
    }

    /// How the symbol `id` of the file `path` changed (see [`Changes::of`]).
    pub fn of_symbol(&self, id: &str, path: &str, lead: bool) -> Option<ChangeFacts> {
        let owner = self.owners.get(path);
        let base = |commits, authors, first: &str, last: &str, scope| ChangeFacts {
            scope,
            commits,
            authors,
            first_change: day(first),
            last_change: day(last),
            changes_with: Vec::new(),
            main_author: owner.map(|(n, _)| n.to_string()),
            main_share: owner.map(|(_, share)| *share),
            hotspot_rank: self.hot.get(path).copied(),
            lead: false,
        };
        if let Some(&i) = self.by_id.get(id) {
            let h = &self.history.symbols[i];
            let mut facts = base(
                h.commits,
                h.authors,
                &h.first_change,
                &h.last_change,
                ChangeScope::Symbol,
            );
            facts.changes_with = self
                .symbol_partners
                .get(&format!("{}#{}", h.path, h.name))
                .cloned()
                .unwrap_or_default();
            Some(facts)
        } else if let Some(&i) = self.files.get(path) {
            let f = &self.history.files[i];
            let mut facts = base(
                f.commits,
                f.authors,
                &f.first_change,
                &f.last_change,
                ChangeScope::File,
            );
            facts.changes_with = self.file_partners.get(&f.path).cloned().unwrap_or_default();
            facts.lead = lead;
            Some(facts)
        } else {
            None
        }
    }
}

/// The date of an RFC 3339 time.
fn day(time: &str) -> String {
    time.get(..10).unwrap_or(time).to_string()
}

/// Each side's strong partners, strongest first (confidence, then
/// support, then name).
fn partners(
    pairs: &[CoupledPair],
    name: impl Fn(&str) -> String,
) -> HashMap<String, Vec<CoChange>> {
    let mut out: HashMap<String, Vec<(f64, CoChange)>> = HashMap::new();
    for p in pairs {
        for (this, other, confidence) in
            [(&p.a, &p.b, p.confidence_a), (&p.b, &p.a, p.confidence_b)]
        {
            if confidence < MIN_CONFIDENCE || p.support < MIN_TOGETHER || confidence <= 0.0 {
                continue;
            }
            let of = (f64::from(p.support) / confidence).round() as u32;
            out.entry(this.clone()).or_default().push((
                confidence,
                CoChange {
                    name: name(other),
                    together: p.support,
                    of: of.max(p.support),
                },
            ));
        }
    }
    out.into_iter()
        .map(|(key, mut list)| {
            list.sort_by(|(ca, a), (cb, b)| {
                cb.total_cmp(ca)
                    .then(b.together.cmp(&a.together))
                    .then_with(|| a.name.cmp(&b.name))
            });
            (
                key,
                list.into_iter().take(PARTNERS).map(|(_, c)| c).collect(),
            )
        })
        .collect()
}

/// Each file's most central symbol (ties: the smaller id), by index.
fn leads(symbols: &[SymbolFacts]) -> Vec<bool> {
    let mut best: HashMap<&str, usize> = HashMap::new();
    for (i, s) in symbols.iter().enumerate() {
        let lead = best.entry(s.path.as_str()).or_insert(i);
        let l = &symbols[*lead];
        if s.centrality > l.centrality || (s.centrality == l.centrality && s.id < l.id) {
            *lead = i;
        }
    }
    let mut out = vec![false; symbols.len()];
    for i in best.into_values() {
        out[i] = true;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partners_need_confidence_and_support() {
        let pair = |a: &str, b: &str, support, ca, cb| CoupledPair {
            a: a.into(),
            b: b.into(),
            support,
            confidence_a: ca,
            confidence_b: cb,
            degree: 0.0,
            linked: None,
        };
        let found = partners(
            &[
                pair("x.rs#f", "y.rs#g", 8, 0.8, 0.2),
                pair("x.rs#f", "z.rs#h", 2, 1.0, 1.0),
                pair("x.rs#f", "w.rs#k", 5, 0.5, 0.5),
            ],
            |k| k.split_once('#').unwrap().1.to_string(),
        );
        let f = &found["x.rs#f"];
        assert_eq!(f.len(), 2);
        assert_eq!((f[0].name.as_str(), f[0].together, f[0].of), ("g", 8, 10));
        assert_eq!((f[1].name.as_str(), f[1].together, f[1].of), ("k", 5, 10));
        assert!(!found.contains_key("y.rs#g"), "g's confidence is 0.2");
        assert!(!found.contains_key("z.rs#h"), "two commits are too few");
        assert_eq!(found["w.rs#k"][0].name, "f");
    }
}

//! The facts view the generate stage works from: what a summary may say.
//!
//! These are plain owned values, independent of how the assemble stage
//! stores its artifacts (the `input` module converts those). Lists are already
//! ordered by importance (most central first) and names are short display
//! names (`LocalStore::get`, not `crate::local::LocalStore::get`).

use crate::change_facts::ChangeFacts;
use doctown_core::{FileRole, Language, SymbolId, SymbolKind, Visibility};
use serde::{Deserialize, Serialize};

/// The facts about one symbol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SymbolFacts {
    pub id: SymbolId,
    pub name: String,
    pub qualified_name: String,
    pub kind: SymbolKind,
    pub language: Language,
    pub path: String,
    /// The module (directory) of its file.
    pub module: String,
    pub start_line: u32,
    pub end_line: u32,
    pub signature: String,
    pub visibility: Visibility,
    pub doc: Option<String>,
    /// The enclosing symbol's display name and kind (a method's type or trait).
    pub parent: Option<String>,
    pub parent_kind: Option<SymbolKind>,
    /// Callees in the repository, most central first (at most 10).
    pub calls: Vec<String>,
    pub calls_total: u32,
    /// Callers, most central first (at most 10).
    pub called_by: Vec<String>,
    pub called_by_total: u32,
    /// Callees outside the repository, as written.
    pub external_calls: Vec<String>,
    /// Modules its file imports.
    pub imports: Vec<String>,
    /// Traits, interfaces or base classes it implements or extends.
    pub supertypes: Vec<String>,
    pub cluster_id: Option<String>,
    pub cluster: Option<String>,
    /// Normalised PageRank, 0-1 (1 = the most central symbol).
    pub centrality: f64,
    /// Up to 3 most similar symbols.
    pub related: Vec<String>,
    pub complexity: Option<u32>,
    pub loc: u32,
    /// Whether callers may exist that resolution could not link (see
    /// `SymbolContext::callers_may_be_unresolved`): then a summary says "no
    /// resolved callers", never "nothing calls it".
    pub callers_may_be_unresolved: bool,
    /// Test functions that call it, most central first.
    pub tested_by: Vec<String>,
    /// What its code is for.
    pub role: FileRole,
    /// How it (or its file) changed, from the repository's history; absent
    /// without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<ChangeFacts>,
}

/// The facts about one module (directory).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleFacts {
    /// `mod:<dir>`.
    pub id: String,
    pub path: String,
    pub files: Vec<String>,
    pub languages: Vec<Language>,
    pub symbols: u32,
    /// Display names, most central first.
    pub top_symbols: Vec<String>,
    pub dependencies: Vec<String>,
    pub dependents: Vec<String>,
}

/// The facts about one cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterFacts {
    pub id: String,
    pub label: String,
    pub size: u32,
    /// Display names of its most central members.
    pub top_members: Vec<String>,
    /// Its most central member: the cluster's representative.
    pub representative: Option<SymbolId>,
}

/// Everything a generate run reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GenerateInput {
    /// A short name for the repository.
    pub repository: String,
    /// Sorted by id.
    pub symbols: Vec<SymbolFacts>,
    /// Sorted by path.
    pub modules: Vec<ModuleFacts>,
    /// Largest first.
    pub clusters: Vec<ClusterFacts>,
    /// The programs the repository's manifests declare.
    pub programs: Vec<doctown_core::artifacts::Program>,
    /// What the repository says about itself: its packages name the main
    /// parts.
    pub about: doctown_core::artifacts::About,
}

impl GenerateInput {
    /// Distinct source files: those of the modules and of the symbols.
    pub fn source_files(&self) -> usize {
        let mut paths: std::collections::HashSet<&str> = self
            .modules
            .iter()
            .flat_map(|m| m.files.iter().map(String::as_str))
            .collect();
        paths.extend(self.symbols.iter().map(|s| s.path.as_str()));
        paths.len()
    }
}

/// A short display name: the last two segments of a qualified name
/// (`crate::store::LocalStore::get` → `LocalStore::get`, `pkg.mod.f` → `mod.f`).
/// A Rust trait impl's member keeps its owner whole (`<Hir as
/// fmt::Debug>::fmt`): separators inside `<…>` do not split.
pub fn display_name(qualified: &str) -> String {
    let sep = if qualified.contains("::") { "::" } else { "." };
    let (parent, last) = doctown_core::symbol::last_two_parts(qualified, sep);
    match (parent, last) {
        (_, None) => qualified.to_string(),
        (None, Some(one)) => one.to_string(),
        (Some("crate" | "self" | "super"), Some(last)) => last.to_string(),
        (Some(parent), Some(last))
            if parent
                .chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || c == '<') =>
        {
            format!("{parent}{sep}{last}")
        }
        (_, Some(last)) => last.to_string(),
    }
}

/// How a summary names the type that holds a method: the display name,
/// with a Rust `impl` block read as the type it is for
/// (`<impl AccountsError>` → `AccountsError`, `<impl<T> Read for Buf<T>>`
/// → `Buf<T>`).
pub fn owner_name(qualified: &str) -> String {
    let display = display_name(qualified);
    let Some(inner) = display
        .strip_prefix("<impl")
        .and_then(|rest| rest.strip_suffix('>'))
    else {
        return display;
    };
    let mut inner = inner.trim_start();
    if inner.starts_with('<') {
        let mut depth = 0usize;
        for (i, c) in inner.char_indices() {
            match c {
                '<' => depth += 1,
                '>' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth == 0 {
                inner = inner[i + 1..].trim_start();
                break;
            }
        }
    }
    let owner = inner
        .rsplit_once(" for ")
        .map_or(inner, |(_, ty)| ty)
        .trim();
    if owner.is_empty() {
        display
    } else {
        owner.to_string()
    }
}

/// A context's centrality as the facts hold it: within 0-1, 0 when not
/// a number.
pub fn centrality_of(raw: f64) -> f64 {
    if raw.is_finite() {
        raw.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

impl SymbolFacts {
    /// The name to show: `Type::method` for members, else the bare name.
    pub fn display(&self) -> String {
        display_name(&self.qualified_name)
    }

    /// Whether this is a function or method.
    pub fn is_callable(&self) -> bool {
        self.kind.is_callable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule as first written: every part collected, then matched.
    fn display_name_by_parts(qualified: &str) -> String {
        let sep = if qualified.contains("::") { "::" } else { "." };
        let mut parts = Vec::new();
        let (mut depth, mut start, mut i) = (0usize, 0usize, 0usize);
        while i < qualified.len() {
            let rest = &qualified[i..];
            if rest.starts_with('<') {
                depth += 1;
            } else if rest.starts_with('>') {
                depth = depth.saturating_sub(1);
            } else if depth == 0 && rest.starts_with(sep) {
                parts.push(&qualified[start..i]);
                i += sep.len();
                start = i;
                continue;
            }
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
        parts.push(&qualified[start..]);
        parts.retain(|p| !p.is_empty());
        match parts.as_slice() {
            [] => qualified.to_string(),
            [one] => one.to_string(),
            [.., module, last] if matches!(*module, "crate" | "self" | "super") => last.to_string(),
            [.., parent, last]
                if parent
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_uppercase() || c == '<') =>
            {
                format!("{parent}{sep}{last}")
            }
            [.., last] => last.to_string(),
        }
    }

    proptest::proptest! {
        #[test]
        fn display_names_match_the_rule_by_parts(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", "B", "crate", "self", "super", "::", ":", ".", "<", ">", " as ", "é", "Éa", "_",
                    "::", ".",
                ]),
                0..12,
            )
        ) {
            let qualified = pieces.concat();
            proptest::prop_assert_eq!(display_name(&qualified), display_name_by_parts(&qualified));
        }
    }

    #[test]
    fn display_names() {
        assert_eq!(
            display_name("crate::store::LocalStore::get"),
            "LocalStore::get"
        );
        assert_eq!(display_name("crate::store::validate_key"), "validate_key");
        assert_eq!(display_name("crate::main"), "main");
        assert_eq!(display_name("pkg.Client.send"), "Client.send");
        assert_eq!(display_name("util.helpers.slugify"), "slugify");
        assert_eq!(display_name("main"), "main");
        assert_eq!(
            display_name("regex_syntax::hir::<Hir as fmt::Debug>::fmt"),
            "<Hir as fmt::Debug>::fmt"
        );
        assert_eq!(display_name(""), "");
        assert_eq!(
            owner_name("a::error::<impl AccountsError>"),
            "AccountsError"
        );
        assert_eq!(owner_name("a::<impl<T> Read for Buf<T>>"), "Buf<T>");
        assert_eq!(owner_name("pkg.Client"), "Client");
        assert_eq!(owner_name("a::<impl>"), "<impl>");
    }
}

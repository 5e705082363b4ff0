//! Naming symbols within their file, the same way for every version of
//! the file and for the symbols a build extracts, so the history's
//! symbols (`path#name`) can be joined to a docpack's (ids). Pure.

use crate::document::History;
use std::collections::HashMap;

/// What naming needs of an extracted symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Named<'a> {
    pub name: &'a str,
    /// The extractor's qualified name (rooted at the crate, package or
    /// module, which can depend on the build's layout).
    pub qualified_name: &'a str,
    /// It has no enclosing symbol.
    pub top_level: bool,
}

/// Each symbol's name within its file, for symbols in the order the
/// extractor gives them: the qualified name without the file's own
/// module path (`Store::get`, `<Store as Get>::get`, not
/// `crate::store::Store::get`), so a symbol keeps its name when its file
/// moves and whatever root the build gave its module; a repeated name
/// gets `#2`, `#3` in order.
pub fn local_names(symbols: &[Named<'_>]) -> Vec<String> {
    // The file's module path: what a top-level symbol's qualified name
    // has before its own name.
    let prefix = symbols
        .iter()
        .filter(|s| s.top_level && s.qualified_name != s.name)
        .find_map(|s| s.qualified_name.strip_suffix(s.name))
        .unwrap_or("");
    let mut seen: HashMap<String, u32> = HashMap::new();
    symbols
        .iter()
        .map(|s| {
            let stripped = if prefix.is_empty() {
                s.qualified_name.to_string()
            } else {
                s.qualified_name.replace(prefix, "")
            };
            let base = if stripped.is_empty() {
                s.qualified_name.to_string()
            } else {
                stripped
            };
            let count = seen.entry(base.clone()).or_default();
            *count += 1;
            match *count {
                1 => base,
                n => format!("{base}#{n}"),
            }
        })
        .collect()
}

/// Gives each symbol of `history` its docpack id: `ids` maps
/// `(path, name within the file)` to an id. Symbols not found keep none.
pub fn attach_ids(history: &mut History, ids: &HashMap<(String, String), String>) -> usize {
    let mut found = 0;
    for s in &mut history.symbols {
        s.id = ids.get(&(s.path.clone(), s.name.clone())).cloned();
        found += usize::from(s.id.is_some());
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named<'a>(name: &'a str, qualified_name: &'a str, top_level: bool) -> Named<'a> {
        Named {
            name,
            qualified_name,
            top_level,
        }
    }

    #[test]
    fn names_drop_the_module_path_whatever_its_root() {
        for root in ["crate::store::", "doctown_store::store::"] {
            let q = |rest: &str| format!("{root}{rest}");
            let (a, b, c, d) = (
                q("Store"),
                q("Store::get"),
                format!("<{root}Store as {root}Get>::get"),
                q("helper"),
            );
            let symbols = [
                named("Store", &a, true),
                named("get", &b, false),
                named("get", &c, false),
                named("helper", &d, true),
                named("helper", &d, true),
            ];
            assert_eq!(
                local_names(&symbols),
                [
                    "Store",
                    "Store::get",
                    "<Store as Get>::get",
                    "helper",
                    "helper#2"
                ]
            );
        }
    }

    #[test]
    fn files_without_a_module_path_keep_qualified_names() {
        let symbols = [named("main", "main", true), named("Point", "Point", true)];
        assert_eq!(local_names(&symbols), ["main", "Point"]);
        assert!(local_names(&[]).is_empty());
    }
}

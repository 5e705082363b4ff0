//! Rust `use` declarations, expanded: `use a::{b, c::d as e, f::*}` gives
//! `a` [`b`], `a::c` [`d`] alias `e`, `a::f` [`*`].

use crate::text::compact;
use crate::walk::Cx;
use tree_sitter::Node;

struct Entry {
    module: String,
    name: Option<String>,
    alias: Option<String>,
}

fn join(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty()) {
        (true, _) => path.to_string(),
        (_, true) => prefix.to_string(),
        _ => format!("{prefix}::{path}"),
    }
}

/// `prefix` + `a::b::c` → module `prefix::a::b`, name `c`.
fn split(cx: &Cx, prefix: &str, node: Node) -> (String, Option<String>) {
    if node.kind() == "scoped_identifier" {
        let path = node
            .child_by_field_name("path")
            .map(|p| compact(cx.text(p), 500))
            .unwrap_or_default();
        let name = cx.field(node, "name").unwrap_or("").to_string();
        (join(prefix, &path), Some(name))
    } else {
        let text = compact(cx.text(node), 500);
        if text == "self" {
            (prefix.to_string(), None)
        } else if prefix.is_empty() {
            (text, None)
        } else {
            (prefix.to_string(), Some(text))
        }
    }
}

/// Records the imports of one `use` declaration.
pub(crate) fn use_declaration(node: Node, cx: &mut Cx) {
    let Some(argument) = node.child_by_field_name("argument") else {
        return;
    };
    let mut entries: Vec<Entry> = Vec::new();
    let mut stack = vec![(argument, String::new())];
    while let Some((n, prefix)) = stack.pop() {
        match n.kind() {
            "use_as_clause" => {
                let Some(path) = n.child_by_field_name("path") else {
                    continue;
                };
                let (module, name) = split(cx, &prefix, path);
                let alias = cx.field(n, "alias").map(str::to_string);
                entries.push(Entry {
                    module,
                    name,
                    alias,
                });
            }
            "use_wildcard" => {
                let text = compact(cx.text(n), 500);
                let path = text.strip_suffix("::*").unwrap_or("");
                entries.push(Entry {
                    module: join(&prefix, path),
                    name: Some("*".into()),
                    alias: None,
                });
            }
            "scoped_use_list" => {
                let path = n
                    .child_by_field_name("path")
                    .map(|p| compact(cx.text(p), 500))
                    .unwrap_or_default();
                if let Some(list) = n.child_by_field_name("list") {
                    stack.push((list, join(&prefix, &path)));
                }
            }
            "use_list" => {
                let mut cursor = n.walk();
                let children: Vec<Node> = n.named_children(&mut cursor).collect();
                // Reversed so that the stack pops them in source order.
                for child in children.into_iter().rev() {
                    stack.push((child, prefix.clone()));
                }
            }
            "scoped_identifier" | "identifier" | "self" | "crate" | "super" => {
                let (module, name) = split(cx, &prefix, n);
                entries.push(Entry {
                    module,
                    name,
                    alias: None,
                });
            }
            _ => {}
        }
    }
    // One import per module for plain names, one per aliased name.
    let mut merged: Vec<(String, Vec<String>, Option<String>)> = Vec::new();
    for entry in entries {
        if let (None, Some(name)) = (&entry.alias, &entry.name) {
            let same = |(m, names, a): &&mut (String, Vec<String>, Option<String>)| {
                *m == entry.module && a.is_none() && !names.is_empty()
            };
            if let Some(existing) = merged.iter_mut().find(same) {
                if !existing.1.contains(name) {
                    existing.1.push(name.clone());
                }
                continue;
            }
        }
        merged.push((entry.module, entry.name.into_iter().collect(), entry.alias));
    }
    for (module, names, alias) in merged {
        cx.import(node, &module, names, alias.as_deref());
    }
}

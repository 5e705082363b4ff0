//! ES and CommonJS imports: `import x, { a, b as c } from 'm'` gives `m`
//! [`default`] alias `x`, `m` [`a`], `m` [`b`] alias `c`; `import * as ns`
//! and `const ns = require('m')` give `m` alias `ns`; side-effect imports and
//! dynamic `import('m')` give `m`; `export … from 'm'` is an import of `m`.

use crate::walk::Cx;
use tree_sitter::Node;

fn unquote(text: &str) -> &str {
    text.trim_matches(|c| c == '"' || c == '\'' || c == '`')
}

/// Records an `import` statement.
pub(crate) fn import_statement(node: Node, cx: &mut Cx) {
    let mut cursor = node.walk();
    let children: Vec<Node> = node.named_children(&mut cursor).collect();
    if let Some(req) = children
        .iter()
        .find(|c| c.kind() == "import_require_clause")
    {
        // TypeScript `import x = require('m')`.
        let alias = req
            .named_child(0)
            .filter(|n| n.kind() == "identifier")
            .map(|n| cx.text(n));
        if let Some(source) = cx.field(*req, "source") {
            cx.import(node, unquote(source), Vec::new(), alias);
        }
        return;
    }
    let Some(module) = cx.field(node, "source").map(unquote) else {
        return;
    };
    let Some(clause) = children.iter().find(|c| c.kind() == "import_clause") else {
        cx.import(node, module, Vec::new(), None);
        return;
    };
    let mut plain = Vec::new();
    let mut aliased: Vec<(String, &str)> = Vec::new();
    let mut namespace = None;
    let mut cursor = clause.walk();
    for part in clause.named_children(&mut cursor) {
        match part.kind() {
            "identifier" => aliased.insert(0, ("default".into(), cx.text(part))),
            "namespace_import" => namespace = part.named_child(0).map(|n| cx.text(n)),
            "named_imports" => {
                let mut inner = part.walk();
                for spec in part
                    .named_children(&mut inner)
                    .filter(|s| s.kind() == "import_specifier")
                {
                    let name = unquote(cx.field(spec, "name").unwrap_or("")).to_string();
                    match cx.field(spec, "alias") {
                        Some(alias) => aliased.push((name, alias)),
                        None => plain.push(name),
                    }
                }
            }
            _ => {}
        }
    }
    let (defaults, others): (Vec<_>, Vec<_>) =
        aliased.into_iter().partition(|(n, _)| n == "default");
    for (name, alias) in defaults {
        cx.import(node, module, vec![name], Some(alias));
    }
    if let Some(ns) = namespace {
        cx.import(node, module, Vec::new(), Some(ns));
    }
    if !plain.is_empty() {
        cx.import(node, module, plain, None);
    }
    for (name, alias) in others {
        cx.import(node, module, vec![name], Some(alias));
    }
}

/// Records `export { a, b as c } from 'm'` and `export * (as ns) from 'm'`.
pub(crate) fn reexport(node: Node, cx: &mut Cx) {
    let Some(module) = cx.field(node, "source").map(unquote) else {
        return;
    };
    let mut cursor = node.walk();
    let children: Vec<Node> = node.children(&mut cursor).collect();
    if let Some(ns) = children.iter().find(|c| c.kind() == "namespace_export") {
        let alias = ns.named_child(0).map(|n| unquote(cx.text(n)));
        cx.import(node, module, Vec::new(), alias);
        return;
    }
    let Some(clause) = children.iter().find(|c| c.kind() == "export_clause") else {
        cx.import(node, module, vec!["*".into()], None);
        return;
    };
    let mut plain = Vec::new();
    let mut aliased = Vec::new();
    let mut inner = clause.walk();
    for spec in clause
        .named_children(&mut inner)
        .filter(|s| s.kind() == "export_specifier")
    {
        let name = unquote(cx.field(spec, "name").unwrap_or("")).to_string();
        match cx.field(spec, "alias") {
            Some(alias) => aliased.push((name, alias)),
            None => plain.push(name),
        }
    }
    if !plain.is_empty() || aliased.is_empty() {
        cx.import(node, module, plain, None);
    }
    for (name, alias) in aliased {
        cx.import(node, module, vec![name], Some(alias));
    }
}

/// `require('m')` and `import('m')` at any level; the binding it is
/// assigned to, if any, becomes the alias (or the names, when destructured).
pub(crate) fn require(call: Node, cx: &mut Cx) {
    let Some(args) = call.child_by_field_name("arguments") else {
        return;
    };
    let Some(first) = args.named_child(0).filter(|a| a.kind() == "string") else {
        return;
    };
    let module = unquote(cx.text(first));
    let declarator = cx.ancestor(1).filter(|p| p.kind() == "variable_declarator");
    let target = declarator.and_then(|d| d.child_by_field_name("name"));
    match target {
        Some(t) if t.kind() == "identifier" => {
            cx.import(call, module, Vec::new(), Some(cx.text(t)))
        }
        Some(t) if t.kind() == "object_pattern" => {
            let mut names = Vec::new();
            let mut cursor = t.walk();
            for p in t.named_children(&mut cursor) {
                match p.kind() {
                    "shorthand_property_identifier_pattern" => names.push(cx.text(p).to_string()),
                    "pair_pattern" => names.push(cx.field(p, "key").unwrap_or("").to_string()),
                    _ => {}
                }
            }
            cx.import(call, module, names, None);
        }
        _ => cx.import(call, module, Vec::new(), None),
    }
}

//! Go rules: functions, methods with receivers, struct and interface types
//! (embedding as bases, interface methods), other type declarations,
//! package-level consts and vars, imports, and calls (`pkg.F()` on an
//! imported package is a path call).

use crate::text::{binding_signature, clean_comment_lines, collapse, signature};
use crate::walk::{reclassify_module_calls, Cx, Decl, Rules};
use doctown_core::{SymbolKind, Visibility};
use std::collections::HashSet;
use tree_sitter::Node;

pub(crate) struct GoRules {
    /// The file's prefix is its package's import path (from `go.mod`).
    pub import_path: bool,
}

fn visibility(name: &str) -> Visibility {
    if name.starts_with(char::is_uppercase) {
        Visibility::Public
    } else {
        Visibility::Private
    }
}

/// The `//` comment block ending on the line before the node `up` levels above.
fn doc(cx: &Cx, node: Node, up: usize) -> Option<String> {
    let mut expected = node.start_position().row;
    let mut lines = Vec::new();
    for comment in cx.leading(up).iter().rev() {
        if comment.end_position().row + 1 != expected {
            break;
        }
        expected = comment.start_position().row;
        lines.push(cx.text(*comment));
    }
    lines.reverse();
    clean_comment_lines(lines)
}

/// The receiver's type name: `(s *Server[T])` → `Server`.
pub(crate) fn receiver_type(text: &str) -> String {
    let inner = text.trim().trim_start_matches('(').trim_end_matches(')');
    let ty = inner.split_whitespace().last().unwrap_or("");
    let ty = ty.trim_start_matches('*');
    ty.split('[').next().unwrap_or(ty).to_string()
}

impl Rules for GoRules {
    fn is_leading(&self, kind: &str) -> bool {
        kind == "comment"
    }

    fn enter<'t>(&mut self, kind: &'static str, node: Node<'t>, cx: &mut Cx<'t, '_>) -> bool {
        if !cx.outline {
            crate::bindings::go(kind, node, cx);
        }
        match kind {
            "package_clause" => {
                if let Some(name) = node.named_child(0) {
                    let name = cx.text(name).to_string();
                    // Under a go.mod the prefix is the import path; an
                    // external test package (`x_test`) is a package of its own.
                    if !self.import_path {
                        cx.set_root_prefix(name);
                    } else if name.ends_with("_test") {
                        let prefix = format!("{}_test", cx.prefix());
                        cx.set_root_prefix(prefix);
                    }
                }
                false
            }
            "function_declaration" | "method_declaration" => {
                function(node, cx);
                true
            }
            "type_spec" | "type_alias" => {
                type_spec(node, cx);
                true
            }
            "method_elem" => {
                let Some(name) = cx.field(node, "name") else {
                    return false;
                };
                let mut decl = Decl::new(node, name, SymbolKind::Method, signature(cx.text(node)));
                decl.visibility = visibility(name);
                decl.doc = doc(cx, node, 0);
                cx.declare(decl, false, None);
                false
            }
            "const_spec" | "var_spec" => {
                if cx.at_module_level() {
                    binding(node, cx);
                }
                true
            }
            "import_spec" => {
                if let Some(path) = cx.field(node, "path") {
                    let alias = cx.field(node, "name");
                    cx.import(node, path.trim_matches(['"', '`']), Vec::new(), alias);
                }
                false
            }
            "call_expression" => {
                if !cx.outline {
                    call(node, cx);
                }
                true
            }
            "comment" => false,
            _ => true,
        }
    }
}

fn function<'t>(node: Node<'t>, cx: &mut Cx<'t, '_>) {
    let Some(name) = cx.field(node, "name") else {
        return;
    };
    let sig = match node.child_by_field_name("body") {
        Some(body) => signature(cx.slice(node.start_byte(), body.start_byte())),
        None => signature(cx.text(node)),
    };
    let method = node.kind() == "method_declaration";
    let kind = if method {
        SymbolKind::Method
    } else {
        SymbolKind::Function
    };
    let mut decl = Decl::new(node, name, kind, sig);
    decl.visibility = visibility(name);
    decl.doc = doc(cx, node, 0);
    if method {
        if let Some(receiver) = cx.field(node, "receiver") {
            let target = receiver_type(receiver);
            let type_prefix = cx.qualify(cx.prefix(), &target);
            decl.qualified_name = Some(cx.qualify(&type_prefix, name));
            decl.target = Some(target);
        }
    }
    cx.declare(decl, true, None);
}

/// How many named children of `node` have kind `kind`.
fn count(node: Node, kinds: &[&str]) -> usize {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|c| kinds.contains(&c.kind()))
        .count()
}

fn type_spec<'t>(node: Node<'t>, cx: &mut Cx<'t, '_>) {
    let Some(name) = cx.field(node, "name") else {
        return;
    };
    let single = cx.ancestor(1).is_some_and(|d| {
        d.kind() == "type_declaration" && count(d, &["type_spec", "type_alias"]) == 1
    });
    let (span, up) = match cx.ancestor(1) {
        Some(d) if single => (d, 1),
        _ => (node, 0),
    };
    let prefix = if single { "" } else { "type " };
    let ty = node.child_by_field_name("type");
    let body = ty.and_then(|t| match t.kind() {
        "struct_type" => Some((SymbolKind::Struct, t.named_child(0))),
        "interface_type" => Some((SymbolKind::Interface, None)),
        _ => None,
    });
    let (kind, sig) = match (node.kind(), body, ty) {
        ("type_spec", Some((kind, fields)), Some(t)) => {
            let end = fields
                .map_or(t.start_byte() + 6, |f| f.start_byte())
                .min(t.end_byte());
            let cut = if kind == SymbolKind::Interface {
                t.start_byte() + "interface".len()
            } else {
                end
            };
            (
                kind,
                signature(&format!(
                    "{prefix}{}",
                    cx.slice(span.start_byte(), cut.min(t.end_byte()))
                )),
            )
        }
        _ => (
            SymbolKind::TypeAlias,
            signature(&format!("{prefix}{}", cx.text(span))),
        ),
    };
    let mut decl = Decl::new(span, name, kind, sig);
    decl.visibility = visibility(name);
    decl.doc = doc(cx, span, up);
    if let Some(t) = ty {
        decl.bases = embedded(cx, t, kind);
    }
    cx.declare(decl, kind == SymbolKind::Interface, None);
}

/// Embedded struct fields and embedded interfaces.
fn embedded(cx: &Cx, ty: Node, kind: SymbolKind) -> Vec<String> {
    let mut bases = Vec::new();
    let list = match kind {
        SymbolKind::Struct => ty.named_child(0),
        SymbolKind::Interface => Some(ty),
        _ => None,
    };
    let Some(list) = list else { return bases };
    let mut cursor = list.walk();
    for child in list.named_children(&mut cursor) {
        let embedded_type = match child.kind() {
            "field_declaration" if child.child_by_field_name("name").is_none() => {
                child.child_by_field_name("type")
            }
            "type_elem" => Some(child),
            _ => None,
        };
        if let Some(t) = embedded_type {
            bases.push(
                collapse(cx.text(t), 120)
                    .trim_start_matches('*')
                    .to_string(),
            );
        }
    }
    bases
}

fn binding<'t>(node: Node<'t>, cx: &mut Cx<'t, '_>) {
    let kind = if node.kind() == "const_spec" {
        SymbolKind::Constant
    } else {
        SymbolKind::Variable
    };
    let keyword = if kind == SymbolKind::Constant {
        "const"
    } else {
        "var"
    };
    let mut cursor = node.walk();
    let names: Vec<Node> = node.children_by_field_name("name", &mut cursor).collect();
    let declaration = (1..=2)
        .filter_map(|up| cx.ancestor(up))
        .find(|d| matches!(d.kind(), "const_declaration" | "var_declaration"));
    let single = names.len() == 1
        && declaration.is_some_and(|d| count(d, &["const_spec", "var_spec"]) == 1)
        && cx
            .ancestor(1)
            .is_some_and(|p| matches!(p.kind(), "const_declaration" | "var_declaration"));
    let (span, up) = match declaration {
        Some(d) if single => (d, 1),
        _ => (node, 0),
    };
    let value = node.child_by_field_name("value");
    let head = if single {
        cx.slice(
            span.start_byte(),
            value.map_or(span.end_byte(), |v| v.start_byte()),
        )
        .to_string()
    } else {
        format!(
            "{keyword} {}",
            cx.slice(
                node.start_byte(),
                value.map_or(node.end_byte(), |v| v.start_byte())
            )
        )
    };
    let sig = binding_signature(&head, value.map(|v| cx.text(v)));
    let comment = doc(cx, span, up);
    for name_node in names {
        let name = cx.text(name_node);
        if name == "_" {
            continue;
        }
        let mut decl = Decl::new(span, name, kind, sig.clone());
        decl.visibility = visibility(name);
        decl.doc = comment.clone();
        cx.declare(decl, false, None);
    }
}

/// Builtin types: `string(b)` is a conversion, not a call.
const BUILTIN_TYPES: [&str; 21] = [
    "string",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "uintptr",
    "float32",
    "float64",
    "complex64",
    "complex128",
    "byte",
    "rune",
    "bool",
    "any",
    "error",
];

fn call(node: Node, cx: &mut Cx) {
    let Some(f) = node.child_by_field_name("function") else {
        return;
    };
    match f.kind() {
        "identifier" if BUILTIN_TYPES.contains(&cx.text(f)) => {}
        "identifier" => {
            let name = cx.text(f);
            cx.call(node, name, name, None, doctown_core::CallKind::Function);
        }
        "selector_expression" => {
            let name = cx.field(f, "field").unwrap_or("");
            let operand = cx.field(f, "operand");
            cx.call(
                node,
                cx.text(f),
                name,
                operand,
                doctown_core::CallKind::Method,
            );
        }
        _ => {}
    }
}

/// The name a Go import binds: its alias, or the path's last segment
/// (without a `.vN` or `/vN` version suffix).
pub(crate) fn import_binding(module: &str, alias: Option<&str>) -> String {
    if let Some(alias) = alias {
        return alias.to_string();
    }
    let mut segments = module.rsplit('/');
    let mut last = segments.next().unwrap_or(module);
    let is_version =
        |s: &str| s.len() > 1 && s.starts_with('v') && s[1..].chars().all(|c| c.is_ascii_digit());
    if is_version(last) {
        last = segments.next().unwrap_or(last);
    }
    let last = match last.rsplit_once('.') {
        Some((base, v)) if is_version(v) => base,
        _ => last,
    };
    last.to_string()
}

/// Links methods to their receiver type when it is declared in this file,
/// and marks calls on imported packages as path calls.
pub(crate) fn finish(cx: &mut Cx) {
    let mut types: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, s) in cx.symbols.iter().enumerate() {
        if matches!(
            s.kind,
            SymbolKind::Struct | SymbolKind::Interface | SymbolKind::TypeAlias
        ) {
            types.entry(s.name.as_str()).or_insert(i);
        }
    }
    for (i, s) in cx.symbols.iter().enumerate() {
        if s.kind == SymbolKind::Method && cx.parents[i].is_none() {
            cx.parents[i] = s.target.as_deref().and_then(|t| types.get(t).copied());
        }
    }
    let bindings: HashSet<String> = cx
        .imports
        .iter()
        .map(|i| import_binding(&i.module, i.alias.as_deref()))
        .filter(|b| b != "_" && b != ".")
        .collect();
    reclassify_module_calls(&mut cx.symbols, &bindings);
    crate::walk::fill_field_receivers(cx, |s| {
        let receiver = s.signature.strip_prefix("func (")?;
        let name = receiver.split([' ', ')']).next()?;
        (s.kind == SymbolKind::Method && !name.is_empty()).then(|| name.to_string())
    });
}

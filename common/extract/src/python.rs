//! Python rules: functions and methods (async, decorators, docstrings),
//! classes and their bases, module-level assignments and `__all__`,
//! imports, and calls.

use crate::text::{
    binding_signature, clean_docstring, collapse, is_upper_case, signature, SIGNATURE_CAP,
};
use crate::walk::{reclassify_module_calls, Cx, Decl, Rules};
use doctown_core::{CallKind, SymbolKind, Visibility};
use std::collections::HashSet;
use tree_sitter::Node;

pub(crate) struct PythonRules;

impl Rules for PythonRules {
    fn is_leading(&self, kind: &str) -> bool {
        matches!(kind, "decorator" | "comment")
    }

    fn enter<'t>(&mut self, kind: &'static str, node: Node<'t>, cx: &mut Cx<'t, '_>) -> bool {
        if !cx.outline {
            crate::bindings::python(kind, node, cx);
        }
        match kind {
            "function_definition" => {
                function(node, cx);
                true
            }
            "class_definition" => {
                class(node, cx);
                true
            }
            "expression_statement" => {
                statement_assignment(node, cx);
                !cx.prune
            }
            "import_statement" | "import_from_statement" | "future_import_statement"
                if cx.outline =>
            {
                false
            }
            "import_statement" => {
                import(node, cx);
                false
            }
            "import_from_statement" | "future_import_statement" => {
                from_import(node, cx);
                false
            }
            "call" => {
                if !cx.outline {
                    call(node, cx);
                }
                !cx.prune
            }
            "comment" => false,
            _ => !cx.prune || holds_statements(kind),
        }
    }
}

/// A function, or a method when its scope is a class; async ones marked.
fn function<'t>(node: Node<'t>, cx: &mut Cx<'t, '_>) {
    let in_class = cx
        .scope_symbol()
        .is_some_and(|p| cx.symbols[p].kind == SymbolKind::Class);
    let kind = if in_class {
        SymbolKind::Method
    } else {
        SymbolKind::Function
    };
    if let Some(i) = definition(node, cx, kind) {
        if node.child(0).is_some_and(|c| c.kind() == "async") {
            cx.symbols[i].attributes.push("async".into());
        }
    }
}

/// A class and its bases (keyword arguments such as `metaclass=` left out).
fn class<'t>(node: Node<'t>, cx: &mut Cx<'t, '_>) {
    if let Some(i) = definition(node, cx, SymbolKind::Class) {
        if let Some(args) = node.child_by_field_name("superclasses") {
            let mut cursor = args.walk();
            let bases = args
                .named_children(&mut cursor)
                .filter(|a| !matches!(a.kind(), "keyword_argument" | "comment"))
                .map(|a| collapse(cx.text(a), 120))
                .collect();
            cx.symbols[i].bases = bases;
        }
    }
}

/// An assignment statement at module level or in a class body.
fn statement_assignment<'t>(node: Node<'t>, cx: &mut Cx<'t, '_>) {
    let at = match cx.ancestor(1).map(|p| p.kind()) {
        Some("module") => Some(Binding::Module),
        Some("block")
            if cx
                .ancestor(2)
                .is_some_and(|c| c.kind() == "class_definition") =>
        {
            Some(Binding::ClassBody)
        }
        _ => None,
    };
    if let Some(at) = at {
        if let Some(a) = node.named_child(0).filter(|a| a.kind() == "assignment") {
            assignment(node, a, at, cx);
        }
    }
}

/// `import a.b as c, d`: one import per name.
fn import<'t>(node: Node<'t>, cx: &mut Cx<'t, '_>) {
    let mut cursor = node.walk();
    let names: Vec<Node> = node.children_by_field_name("name", &mut cursor).collect();
    for n in names {
        let (module, alias) = aliased(cx, n);
        cx.import(node, &module, Vec::new(), alias);
    }
}

/// Whether a node of this kind can hold statements, so definitions: a
/// Python definition is a statement, and no expression holds one (a
/// lambda's body is an expression). What a pruned outline walks into.
fn holds_statements(kind: &str) -> bool {
    matches!(
        kind,
        "module"
            | "block"
            | "decorated_definition"
            | "function_definition"
            | "class_definition"
            | "if_statement"
            | "elif_clause"
            | "else_clause"
            | "for_statement"
            | "while_statement"
            | "try_statement"
            | "except_clause"
            | "except_group_clause"
            | "finally_clause"
            | "with_statement"
            | "match_statement"
            | "case_clause"
    )
}

fn visibility(name: &str) -> Visibility {
    let dunder = name.len() > 4 && name.starts_with("__") && name.ends_with("__");
    if name.starts_with('_') && !dunder {
        Visibility::Private
    } else {
        Visibility::Public
    }
}

fn docstring(cx: &Cx, body: Node) -> Option<String> {
    let mut cursor = body.walk();
    let first = body
        .named_children(&mut cursor)
        .find(|n| n.kind() != "comment")?;
    let string = first
        .named_child(0)
        .filter(|s| first.kind() == "expression_statement" && s.kind() == "string")?;
    clean_docstring(cx.text(string))
}

fn definition<'t>(node: Node<'t>, cx: &mut Cx<'t, '_>, kind: SymbolKind) -> Option<usize> {
    let name = cx.field(node, "name")?;
    let body = node.child_by_field_name("body");
    // The head ends at the `:` before the body (comments may sit between).
    let mut cursor = node.walk();
    let colon = node
        .children(&mut cursor)
        .filter(|c| c.kind() == ":")
        .last();
    let end = colon
        .map(|c| c.start_byte())
        .or(body.map(|b| b.start_byte()))
        .unwrap_or(node.end_byte());
    let head = cx.slice(node.start_byte(), end);
    let mut decl = Decl::new(node, name, kind, signature(head));
    decl.visibility = visibility(name);
    decl.doc = body.and_then(|b| docstring(cx, b));
    decl.attributes = cx
        .leading(0)
        .iter()
        .filter(|n| n.kind() == "decorator")
        .map(|n| collapse(cx.text(*n), SIGNATURE_CAP))
        .collect();
    Some(cx.declare(decl, true, None))
}

/// Where an assignment binds a name that is a symbol.
#[derive(Clone, Copy, PartialEq)]
enum Binding {
    /// A module's variable or constant.
    Module,
    /// A class attribute (`count = 0`, `name: str`): a field of the class.
    ClassBody,
}

fn assignment<'t>(statement: Node<'t>, a: Node<'t>, at: Binding, cx: &mut Cx<'t, '_>) {
    let Some(left) = a
        .child_by_field_name("left")
        .filter(|l| l.kind() == "identifier")
    else {
        return;
    };
    let name = cx.text(left);
    let right = a.child_by_field_name("right");
    let sig = match right {
        _ if name == "__all__" => signature(cx.text(a)),
        Some(r) => binding_signature(cx.slice(a.start_byte(), r.start_byte()), Some(cx.text(r))),
        None => signature(cx.text(a)),
    };
    let kind = match at {
        _ if is_upper_case(name) => SymbolKind::Constant,
        Binding::Module => SymbolKind::Variable,
        Binding::ClassBody => SymbolKind::Field,
    };
    let mut decl = Decl::new(statement, name, kind, sig);
    decl.visibility = visibility(name);
    if name == "__all__" {
        if let Some(r) = right {
            let mut cursor = r.walk();
            decl.attributes = r
                .named_children(&mut cursor)
                .filter(|s| s.kind() == "string")
                .map(|s| cx.text(s).trim_matches(['"', '\'']).to_string())
                .collect();
        }
    }
    cx.declare(decl, false, None);
}

/// `a.b as c` → (`a.b`, Some(`c`)).
fn aliased<'s>(cx: &Cx<'_, 's>, node: Node) -> (String, Option<&'s str>) {
    if node.kind() == "aliased_import" {
        let name = node
            .child_by_field_name("name")
            .map(|n| collapse(cx.text(n), 200))
            .unwrap_or_default();
        (name, cx.field(node, "alias"))
    } else {
        (collapse(cx.text(node), 200), None)
    }
}

fn from_import(node: Node, cx: &mut Cx) {
    let module = match node.child_by_field_name("module_name") {
        Some(m) => collapse(cx.text(m), 200).replace(' ', ""),
        None => "__future__".to_string(),
    };
    let mut plain = Vec::new();
    let mut aliased_names = Vec::new();
    let mut cursor = node.walk();
    if node
        .children(&mut cursor)
        .any(|c| c.kind() == "wildcard_import")
    {
        plain.push("*".to_string());
    }
    let mut cursor = node.walk();
    for n in node.children_by_field_name("name", &mut cursor) {
        match aliased(cx, n) {
            (name, None) => plain.push(name),
            (name, Some(alias)) => aliased_names.push((name, alias)),
        }
    }
    if !plain.is_empty() || aliased_names.is_empty() {
        cx.import(node, &module, plain, None);
    }
    for (name, alias) in aliased_names {
        cx.import(node, &module, vec![name], Some(alias));
    }
}

fn call(node: Node, cx: &mut Cx) {
    let Some(f) = node.child_by_field_name("function") else {
        return;
    };
    match f.kind() {
        "identifier" => {
            let name = cx.text(f);
            let kind = if name.starts_with(char::is_uppercase) {
                CallKind::Constructor
            } else {
                CallKind::Function
            };
            cx.call(node, name, name, None, kind);
        }
        "attribute" => {
            let name = cx.field(f, "attribute").unwrap_or("");
            let object = f.child_by_field_name("object");
            let qualifier = object.map(|o| cx.text(o));
            let capitalised = object.is_some_and(|o| o.kind() == "identifier")
                && qualifier.is_some_and(|q| q.starts_with(char::is_uppercase));
            let kind = if capitalised {
                CallKind::Path
            } else {
                CallKind::Method
            };
            cx.call(node, cx.text(f), name, qualifier, kind);
        }
        _ => {}
    }
}

/// Marks `module.f()` calls as path calls, where `module` is bound by an
/// `import` statement (or `from . import module`).
pub(crate) fn finish(cx: &mut Cx) {
    let mut bindings: HashSet<String> = HashSet::new();
    for import in &cx.imports {
        if let Some(alias) = &import.alias {
            if import.names.is_empty() || import.module.chars().all(|c| c == '.') {
                bindings.insert(alias.clone());
            }
        } else if import.names.is_empty() {
            bindings.insert(import.module.clone());
            bindings.insert(import.module.split('.').next().unwrap_or("").to_string());
        } else if import.module.chars().all(|c| c == '.') {
            bindings.extend(import.names.iter().cloned());
        }
    }
    reclassify_module_calls(&mut cx.symbols, &bindings);
    crate::walk::fill_field_receivers(cx, |s| {
        (s.kind == SymbolKind::Method).then(|| "self".to_string())
    });
}

//! Rust rules: items, impl blocks and their methods, enum variants, trait
//! items, `use` imports, and calls (functions, methods, paths, macros, and
//! calls written inside macro arguments).

use crate::rust_calls::{call, split_path, token_tree_calls};
use crate::text::{
    base_type_name, binding_signature, clean_comment_lines, collapse, signature, SIGNATURE_CAP,
};
use crate::walk::{Cx, Decl, Rules};
use doctown_core::{CallKind, SymbolKind, Visibility};
use tree_sitter::Node;

pub(crate) struct RustRules;

impl Rules for RustRules {
    fn is_leading(&self, kind: &str) -> bool {
        matches!(kind, "line_comment" | "block_comment" | "attribute_item")
    }

    fn enter<'t>(&mut self, kind: &'static str, node: Node<'t>, cx: &mut Cx<'t, '_>) -> bool {
        if !cx.outline {
            crate::bindings::rust(kind, node, cx);
        }
        if let Some(descend) = definition(kind, node, cx) {
            return descend;
        }
        match kind {
            // An outline needs definitions only: imports, calls and macro
            // arguments (token trees: tree-sitter parses no items inside
            // them) hold none.
            "use_declaration" | "extern_crate_declaration" | "macro_invocation" | "token_tree"
                if cx.outline =>
            {
                false
            }
            "call_expression" if cx.outline => true,
            "use_declaration" => {
                crate::rust_imports::use_declaration(node, cx);
                false
            }
            "extern_crate_declaration" => {
                if let Some(name) = cx.field(node, "name") {
                    let alias = cx.field(node, "alias");
                    cx.import(node, name, Vec::new(), alias);
                }
                false
            }
            "call_expression" => {
                call(node, cx);
                true
            }
            "macro_invocation" => {
                if let Some(m) = node.child_by_field_name("macro") {
                    let (name, qualifier) = split_path(cx, m);
                    let callee = format!("{}!", cx.text(m));
                    cx.call(node, &callee, name, qualifier, CallKind::Macro);
                }
                true
            }
            "token_tree" => {
                token_tree_calls(node, cx);
                true
            }
            "line_comment"
            | "block_comment"
            | "attribute_item"
            | "inner_attribute_item"
            | "macro_rule" => false,
            _ => true,
        }
    }
}

/// A definition's node: declares it and says whether to walk into it;
/// `None` for every other node.
fn definition<'t>(kind: &str, node: Node<'t>, cx: &mut Cx<'t, '_>) -> Option<bool> {
    Some(match kind {
        "function_item" | "function_signature_item" => function(node, cx),
        "struct_item" | "union_item" => {
            let body = node.child_by_field_name("body");
            let sig = match body {
                Some(b) if b.kind() == "field_declaration_list" => head(cx, node, b),
                _ => signature(cx.text(node)),
            };
            item(node, cx, "name", SymbolKind::Struct, sig, false);
            false
        }
        "enum_item" => body_item(node, cx, SymbolKind::Enum),
        "trait_item" => body_item(node, cx, SymbolKind::Trait),
        // `mod x { … }`, and `pub mod parser;`: the declaration of a
        // module whose body is its own file (the symbol says where the
        // module enters the tree, with its visibility and doc).
        "mod_item" => body_item(node, cx, SymbolKind::Module),
        "enum_variant" => {
            let vis = cx
                .scope_symbol()
                .map_or(Visibility::Private, |p| cx.symbols[p].visibility);
            if let Some(i) = item(
                node,
                cx,
                "name",
                SymbolKind::Variant,
                signature(cx.text(node)),
                false,
            ) {
                cx.symbols[i].visibility = vis;
            }
            false
        }
        "const_item" | "static_item" => {
            let kind = if node.kind() == "const_item" {
                SymbolKind::Constant
            } else {
                SymbolKind::Static
            };
            let sig = match node.child_by_field_name("value") {
                Some(v) => binding_signature(
                    cx.slice(node.start_byte(), v.start_byte()),
                    Some(cx.text(v)),
                ),
                None => signature(cx.text(node)),
            };
            item(node, cx, "name", kind, sig, false);
            false
        }
        "type_item" | "associated_type" => {
            item(
                node,
                cx,
                "name",
                SymbolKind::TypeAlias,
                signature(cx.text(node)),
                false,
            );
            false
        }
        "macro_definition" => {
            let name = cx.field(node, "name").unwrap_or_default();
            item(
                node,
                cx,
                "name",
                SymbolKind::Macro,
                format!("macro_rules! {name}"),
                false,
            );
            false
        }
        "impl_item" => {
            impl_block(node, cx);
            true
        }
        _ => return None,
    })
}

/// The signature from a node's start to its body's start.
fn head(cx: &Cx, node: Node, body: Node) -> String {
    signature(cx.slice(node.start_byte(), body.start_byte()))
}

fn visibility(cx: &Cx, node: Node) -> (Visibility, Option<String>) {
    let mut cursor = node.walk();
    let found = node
        .named_children(&mut cursor)
        .find(|c| c.kind() == "visibility_modifier");
    match found {
        None => (Visibility::Private, None),
        Some(v) => {
            let text = collapse(cx.text(v), 60);
            if text == "pub" {
                (Visibility::Public, None)
            } else {
                (Visibility::Restricted, Some(text))
            }
        }
    }
}

/// Docs and attributes from the run of comments and attributes before the
/// current node.
fn leading(cx: &Cx) -> (Option<String>, Vec<String>) {
    let mut docs = Vec::new();
    let mut attributes = Vec::new();
    for node in cx.leading(0) {
        let text = cx.text(*node);
        match node.kind() {
            "attribute_item" => attributes.push(collapse(text, SIGNATURE_CAP)),
            "line_comment" if text.starts_with("///") && !text.starts_with("////") => {
                docs.push(text)
            }
            "block_comment"
                if text.starts_with("/**") && !text.starts_with("/***") && text != "/**/" =>
            {
                docs.push(text)
            }
            _ => {}
        }
    }
    (clean_comment_lines(docs), attributes)
}

/// Declares a named item with visibility, docs and attributes.
fn item<'t>(
    node: Node<'t>,
    cx: &mut Cx<'t, '_>,
    name_field: &str,
    kind: SymbolKind,
    sig: String,
    open: bool,
) -> Option<usize> {
    let name = cx.field(node, name_field)?;
    let mut decl = Decl::new(node, name, kind, sig);
    let (doc, attributes) = leading(cx);
    let (vis, restricted) = visibility(cx, node);
    decl.visibility = vis;
    decl.doc = doc;
    decl.attributes = attributes;
    decl.attributes.extend(restricted);
    Some(cx.declare(decl, open, None))
}

fn body_item<'t>(node: Node<'t>, cx: &mut Cx<'t, '_>, kind: SymbolKind) -> bool {
    let sig = match node.child_by_field_name("body") {
        Some(body) => head(cx, node, body),
        None => signature(cx.text(node)),
    };
    if let Some(i) = item(node, cx, "name", kind, sig, true) {
        if let Some(bounds) = node.child_by_field_name("bounds") {
            let mut cursor = bounds.walk();
            let bases = bounds
                .named_children(&mut cursor)
                .map(|b| collapse(cx.text(b), 120))
                .collect();
            cx.symbols[i].bases = bases;
        }
    }
    true
}

fn function<'t>(node: Node<'t>, cx: &mut Cx<'t, '_>) -> bool {
    let container = cx.scope_symbol().map(|p| {
        (
            cx.symbols[p].kind,
            cx.symbols[p].visibility,
            !cx.symbols[p].bases.is_empty(),
        )
    });
    let kind = match container {
        Some((SymbolKind::Impl | SymbolKind::Trait, _, _)) => SymbolKind::Method,
        _ => SymbolKind::Function,
    };
    let sig = match node.child_by_field_name("body") {
        Some(body) => head(cx, node, body),
        None => signature(cx.text(node)),
    };
    let Some(i) = item(node, cx, "name", kind, sig, true) else {
        return true;
    };
    match container {
        Some((SymbolKind::Trait, vis, _)) => cx.symbols[i].visibility = vis,
        Some((SymbolKind::Impl, _, true)) => cx.symbols[i].visibility = Visibility::Public,
        _ => {}
    }
    let mut cursor = node.walk();
    if let Some(modifiers) = node
        .children(&mut cursor)
        .find(|c| c.kind() == "function_modifiers")
    {
        let mut inner = modifiers.walk();
        for m in modifiers.children(&mut inner) {
            let word = if m.kind() == "extern_modifier" {
                "extern"
            } else {
                m.kind()
            };
            cx.symbols[i].attributes.push(word.to_string());
        }
    }
    true
}

/// The owner of an inherent impl's members: the type's name, with its
/// generic arguments when they are not just the impl's own parameters
/// (`impl<T> Foo<T>` → `Foo`; `impl Foo<u8>` and `impl Foo<u16>` are two
/// owners, `Foo<u8>` and `Foo<u16>`).
fn inherent_owner(node: Node, cx: &Cx, target: &str) -> String {
    let name = base_type_name(target);
    let Some(args) = target
        .split_once('<')
        .map(|(_, a)| a.strip_suffix('>').unwrap_or(a))
    else {
        return name.to_string();
    };
    let params = node
        .child_by_field_name("type_parameters")
        .map_or("", |p| cx.text(p));
    let declared = |arg: &str| {
        params
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '\''))
            .any(|p| p == arg)
    };
    if args.split(',').map(str::trim).all(declared) {
        name.to_string()
    } else {
        format!("{name}<{args}>")
    }
}

fn impl_block<'t>(node: Node<'t>, cx: &mut Cx<'t, '_>) {
    let Some(ty) = node.child_by_field_name("type") else {
        return;
    };
    let target = collapse(cx.text(ty), 120);
    let trait_name = node
        .child_by_field_name("trait")
        .map(|t| collapse(cx.text(t), 120));
    let name = match &trait_name {
        Some(t) => format!("impl {t} for {target}"),
        None => format!("impl {target}"),
    };
    let sig = match node.child_by_field_name("body") {
        Some(body) => head(cx, node, body),
        None => signature(cx.text(node)),
    };
    let prefix = cx.prefix().to_string();
    let mut decl = Decl::new(node, name.clone(), SymbolKind::Impl, sig);
    // A type's several impl blocks in one module are numbered from the
    // second on (`<impl Grant>`, `<impl Grant>#2`), as rustc numbers them.
    let qualified = cx.qualify(&prefix, &format!("<{name}>"));
    let before = cx
        .symbols
        .iter()
        .filter(|s| s.kind == SymbolKind::Impl && s.name == name)
        .filter(|s| s.qualified_name.split('#').next() == Some(qualified.as_str()))
        .count();
    decl.qualified_name = Some(match before {
        0 => qualified,
        n => format!("{qualified}#{}", n + 1),
    });
    let (doc, attributes) = leading(cx);
    decl.doc = doc;
    decl.attributes = attributes;
    decl.visibility = Visibility::Public;
    // Members are named as Rust names them: `Type::f` for an inherent
    // impl, `<Type as Trait>::f` for a trait's (a type may implement
    // several traits with a method of the same name, and have its own).
    let owner = match &trait_name {
        Some(t) => format!("<{target} as {t}>"),
        None => inherent_owner(node, cx, &target),
    };
    let child_prefix = cx.qualify(&prefix, &owner);
    decl.bases = trait_name.into_iter().collect();
    decl.target = Some(target);
    cx.declare(decl, true, Some(child_prefix));
}

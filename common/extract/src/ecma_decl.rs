//! TypeScript/JavaScript declarations: export wrapping, JSDoc and
//! decorators, modifiers, classes and members, and variable bindings.

use crate::text::{
    binding_signature, clean_comment_lines, collapse, is_upper_case, signature, SIGNATURE_CAP,
};
use crate::walk::{Cx, Decl};
use doctown_core::{SymbolKind, Visibility};
use tree_sitter::Node;

/// Values that make a binding a function.
pub(crate) const FUNCTION_VALUES: [&str; 4] = [
    "arrow_function",
    "function_expression",
    "function",
    "generator_function",
];

/// How a declaration is wrapped: the node its span covers, how many levels
/// up its leading comments are, and its export status.
pub(crate) struct Wrapping<'t> {
    pub span: Node<'t>,
    pub up: usize,
    pub exported: bool,
    pub default: bool,
}

pub(crate) fn wrapping<'t>(cx: &Cx<'t, '_>, node: Node<'t>, base_up: usize) -> Wrapping<'t> {
    let mut w = Wrapping {
        span: node,
        up: base_up,
        exported: false,
        default: false,
    };
    while let Some(parent) = cx.ancestor(w.up + 1) {
        match parent.kind() {
            "export_statement" => {
                w.exported = true;
                let mut cursor = parent.walk();
                w.default = parent.children(&mut cursor).any(|c| c.kind() == "default");
            }
            "ambient_declaration" => {}
            _ => break,
        }
        w.span = parent;
        w.up += 1;
    }
    w
}

/// The JSDoc comment and decorators before the node `up` levels above.
pub(crate) fn leading(cx: &Cx, up: usize) -> (Option<String>, Vec<String>) {
    let run = cx.leading(up);
    let decorators = run
        .iter()
        .filter(|n| n.kind() == "decorator")
        .map(|n| collapse(cx.text(*n), SIGNATURE_CAP))
        .collect();
    let doc = run
        .iter()
        .rev()
        .find(|n| n.kind() == "comment")
        .map(|n| cx.text(*n))
        .filter(|t| t.starts_with("/**") && t != &"/**/")
        .and_then(|t| clean_comment_lines([t]));
    (doc, decorators)
}

pub(crate) fn body_head(cx: &Cx, start: Node, node: Node) -> String {
    match node.child_by_field_name("body") {
        Some(body) => signature(cx.slice(start.start_byte(), body.start_byte())),
        None => signature(cx.slice(start.start_byte(), node.end_byte())),
    }
}

pub(crate) fn modifiers(node: Node, cx: &Cx, attributes: &mut Vec<String>) {
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        match child.kind() {
            "async" | "static" | "get" | "set" | "readonly" | "abstract" | "declare" => {
                attributes.push(child.kind().to_string())
            }
            "*" => attributes.push("generator".into()),
            "accessibility_modifier" | "override_modifier" => {
                attributes.push(cx.text(child).to_string())
            }
            "decorator" => attributes.push(collapse(cx.text(child), SIGNATURE_CAP)),
            _ => {}
        }
        if child.kind() == "formal_parameters" || child.kind() == "statement_block" {
            break;
        }
    }
}

pub(crate) fn declaration<'t>(
    node: Node<'t>,
    cx: &mut Cx<'t, '_>,
    kind: SymbolKind,
    open: bool,
) -> Option<usize> {
    let name_node = node.child_by_field_name("name")?;
    let name = cx.text(name_node).trim_matches(['"', '\'']).to_string();
    let w = wrapping(cx, node, 0);
    let sig = match kind {
        SymbolKind::TypeAlias => signature(cx.text(w.span)),
        _ => body_head(cx, w.span, node),
    };
    let mut decl = Decl::new(w.span, name, kind, sig);
    let (doc, mut attributes) = leading(cx, w.up);
    modifiers(node, cx, &mut attributes);
    if w.default {
        attributes.push("export default".into());
    }
    decl.doc = doc;
    decl.attributes = attributes;
    decl.visibility = if w.exported {
        Visibility::Public
    } else {
        Visibility::Private
    };
    Some(cx.declare(decl, open, None))
}

pub(crate) fn heritage(cx: &Cx, class: Node) -> Vec<String> {
    let mut bases = Vec::new();
    let mut cursor = class.walk();
    let Some(h) = class
        .children(&mut cursor)
        .find(|c| c.kind() == "class_heritage")
    else {
        return bases;
    };
    let mut outer = h.walk();
    for child in h.named_children(&mut outer) {
        if matches!(child.kind(), "extends_clause" | "implements_clause") {
            let mut inner = child.walk();
            for base in child
                .named_children(&mut inner)
                .filter(|b| b.kind() != "type_arguments")
            {
                bases.push(collapse(cx.text(base), 120));
            }
        } else if child.kind() != "comment" {
            bases.push(collapse(cx.text(child), 120));
        }
    }
    bases
}

/// A class member (method, accessor, function-valued field) or an
/// interface/abstract method signature.
pub(crate) fn member<'t>(
    node: Node<'t>,
    cx: &mut Cx<'t, '_>,
    name_field: &str,
    open: bool,
) -> Option<usize> {
    let name = cx.field(node, name_field)?;
    let sig = match node.child_by_field_name("value") {
        Some(value)
            if value.kind() == "arrow_function" || node.child_by_field_name("body").is_none() =>
        {
            match value.child_by_field_name("body") {
                Some(body) => signature(cx.slice(node.start_byte(), body.start_byte())),
                None => signature(cx.text(node)),
            }
        }
        Some(value) => body_head(cx, node, value),
        None => body_head(cx, node, node),
    };
    let mut decl = Decl::new(node, name, SymbolKind::Method, sig);
    let (doc, mut attributes) = leading(cx, 0);
    modifiers(node, cx, &mut attributes);
    let inherited = cx
        .scope_symbol()
        .map_or(Visibility::Private, |p| cx.symbols[p].visibility);
    decl.visibility = if name.starts_with('#') || attributes.iter().any(|a| a == "private") {
        Visibility::Private
    } else if attributes.iter().any(|a| a == "protected") {
        Visibility::Restricted
    } else {
        inherited
    };
    decl.doc = doc;
    decl.attributes = attributes;
    Some(cx.declare(decl, open, None))
}

/// A function value, through parentheses: `function () {}`,
/// `(function name() {})`, `() => x`.
pub(crate) fn function_value(mut node: Node) -> Option<Node> {
    while node.kind() == "parenthesized_expression" {
        node = node.named_child(0)?;
    }
    FUNCTION_VALUES.contains(&node.kind()).then_some(node)
}

/// Whether the node `up` levels above the current one is at module level:
/// directly in the program or a namespace body, possibly exported, or in
/// the body of a function that the program calls at once (an IIFE:
/// `(function () { … })()`, `;(function () { … }.call(this))`, `!function
/// () { … }()`, as bundles and UMD libraries wrap a module).
pub(crate) fn top_level(cx: &Cx, mut up: usize) -> bool {
    loop {
        while cx
            .ancestor(up)
            .is_some_and(|p| matches!(p.kind(), "export_statement" | "ambient_declaration"))
        {
            up += 1;
        }
        match cx.ancestor(up).map(|p| p.kind()) {
            Some("program") => return true,
            Some("statement_block") => {
                if cx
                    .ancestor(up + 1)
                    .is_some_and(|p| matches!(p.kind(), "internal_module" | "module"))
                {
                    return true;
                }
                match iife_statement(cx, up + 1) {
                    // The statement that calls the function: at module level
                    // when its own container is.
                    Some(statement) => up = statement + 1,
                    None => return false,
                }
            }
            _ => return false,
        }
    }
}

/// When the node `up` levels above is a function called where it is
/// written, as a statement of its own, how many levels above the statement
/// is.
fn iife_statement(cx: &Cx, up: usize) -> Option<usize> {
    let function = cx.ancestor(up)?;
    if !FUNCTION_VALUES.contains(&function.kind()) {
        return None;
    }
    let (mut child, mut up) = (function, up + 1);
    // Up to the call: parentheses, `.call(this)`, `.apply(this, args)`.
    loop {
        let parent = cx.ancestor(up)?;
        match parent.kind() {
            "parenthesized_expression" => {}
            "member_expression"
                if parent.child_by_field_name("object") == Some(child)
                    && matches!(cx.field(parent, "property"), Some("call" | "apply")) => {}
            "call_expression" if parent.child_by_field_name("function") == Some(child) => break,
            _ => return None,
        }
        child = parent;
        up += 1;
    }
    // Up to the statement: parentheses, `!`, `void`.
    loop {
        up += 1;
        match cx.ancestor(up)?.kind() {
            "parenthesized_expression" | "unary_expression" => {}
            "expression_statement" => return Some(up),
            _ => return None,
        }
    }
}

pub(crate) fn variable<'t>(node: Node<'t>, cx: &mut Cx<'t, '_>) {
    let Some(name_node) = node.child_by_field_name("name") else {
        return;
    };
    if matches!(name_node.kind(), "object_pattern" | "array_pattern") {
        destructured(node, name_node, cx);
        return;
    }
    if name_node.kind() != "identifier" {
        return;
    }
    let Some(statement) = cx
        .ancestor(1)
        .filter(|s| matches!(s.kind(), "lexical_declaration" | "variable_declaration"))
    else {
        return;
    };
    let value = node.child_by_field_name("value");
    let function = value.and_then(function_value);
    if function.is_none() && !(cx.at_module_level() && top_level(cx, 2)) {
        return;
    }
    let name = cx.text(name_node);
    let keyword = statement.child(0).map_or("", |k| cx.text(k));
    let mut cursor = statement.walk();
    let single = statement
        .named_children(&mut cursor)
        .filter(|c| c.kind() == "variable_declarator")
        .count()
        == 1;
    let place = placement(cx, node, statement, single, keyword);
    let (kind, sig) = variable_signature(cx, node, &place, function, value, keyword, name);
    let w = place.wrapping;
    let mut decl = Decl::new(w.span, name, kind, sig);
    let (doc, mut attributes) = leading(cx, if single { w.up } else { 0 });
    if let Some(f) = function {
        modifiers(f, cx, &mut attributes);
    }
    decl.doc = doc;
    decl.attributes = attributes;
    decl.visibility = if place.exported {
        Visibility::Public
    } else {
        Visibility::Private
    };
    cx.declare(decl, true, None);
}

/// Where a declarator's symbol sits: the wrapping its span and comments
/// come from, whether it is exported, and where its signature's text starts.
struct Placement<'t> {
    wrapping: Wrapping<'t>,
    exported: bool,
    head_start: usize,
    head_prefix: String,
}

/// The placement of a declarator: the whole statement's when it declares
/// one name, else the declarator's own, after the statement's keyword.
fn placement<'t>(
    cx: &Cx<'t, '_>,
    node: Node<'t>,
    statement: Node<'t>,
    single: bool,
    keyword: &str,
) -> Placement<'t> {
    let w = if single {
        wrapping(cx, statement, 1)
    } else {
        Wrapping {
            span: node,
            up: 0,
            exported: false,
            default: false,
        }
    };
    let exported = if single {
        w.exported
    } else {
        wrapping(cx, statement, 1).exported
    };
    let head_start = if single {
        w.span.start_byte()
    } else {
        node.start_byte()
    };
    let head_prefix = if single {
        String::new()
    } else {
        format!("{keyword} ")
    };
    Placement {
        wrapping: w,
        exported,
        head_start,
        head_prefix,
    }
}

/// The kind and signature of a declarator's symbol: a function up to its
/// body, a binding with its value, or a bare declaration.
fn variable_signature(
    cx: &Cx,
    node: Node,
    place: &Placement,
    function: Option<Node>,
    value: Option<Node>,
    keyword: &str,
    name: &str,
) -> (SymbolKind, String) {
    let (head_start, head_prefix) = (place.head_start, &place.head_prefix);
    match (function, value) {
        (Some(f), _) => {
            let cut = f
                .child_by_field_name("body")
                .map_or(f.end_byte(), |b| b.start_byte());
            (
                SymbolKind::Function,
                signature(&format!("{head_prefix}{}", cx.slice(head_start, cut))),
            )
        }
        (None, Some(v)) => {
            let kind = if keyword == "const" && is_upper_case(name) {
                SymbolKind::Constant
            } else {
                SymbolKind::Variable
            };
            let head = format!("{head_prefix}{}", cx.slice(head_start, v.start_byte()));
            (kind, binding_signature(&head, Some(cx.text(v))))
        }
        (None, None) => (
            SymbolKind::Variable,
            signature(&format!(
                "{head_prefix}{}",
                cx.slice(head_start, node.end_byte())
            )),
        ),
    }
}

/// The names a module-level destructuring binds, one variable each:
/// `const { isArray } = Array;`, `const { keys: getKeys, ...rest } = Object;`
/// (`getKeys` and `rest`), `const [first, , second = 2] = pair;`. The span
/// and signature are the declaration's; a local destructuring binds locals.
fn destructured<'t>(node: Node<'t>, pattern: Node<'t>, cx: &mut Cx<'t, '_>) {
    let Some(statement) = cx
        .ancestor(1)
        .filter(|s| matches!(s.kind(), "lexical_declaration" | "variable_declaration"))
    else {
        return;
    };
    if !(cx.at_module_level() && top_level(cx, 2)) {
        return;
    }
    let mut names = Vec::new();
    // Patterns nest (`{ a: { b } }`); an explicit stack keeps any depth safe.
    let mut stack = vec![pattern];
    while let Some(p) = stack.pop() {
        match p.kind() {
            "identifier" | "shorthand_property_identifier_pattern" => names.push(p),
            "pair_pattern" => stack.extend(p.child_by_field_name("value")),
            "assignment_pattern" | "object_assignment_pattern" => {
                stack.extend(p.child_by_field_name("left"))
            }
            "object_pattern" | "array_pattern" | "rest_pattern" => {
                let mut cursor = p.walk();
                let children: Vec<_> = p.named_children(&mut cursor).collect();
                stack.extend(children.into_iter().rev());
            }
            _ => {}
        }
    }
    let keyword = statement.child(0).map_or("", |k| cx.text(k));
    let w = wrapping(cx, statement, 1);
    let value = node.child_by_field_name("value");
    let head = cx.slice(
        w.span.start_byte(),
        value.map_or(node.end_byte(), |v| v.start_byte()),
    );
    let head = head.trim_end().trim_end_matches('=').trim_end();
    let sig = binding_signature(head, value.map(|v| cx.text(v)));
    let (doc, attributes) = leading(cx, w.up);
    for name_node in names {
        let name = cx.text(name_node);
        let kind = if keyword == "const" && is_upper_case(name) {
            SymbolKind::Constant
        } else {
            SymbolKind::Variable
        };
        let mut decl = Decl::new(w.span, name, kind, sig.clone());
        decl.doc = doc.clone();
        decl.attributes = attributes.clone();
        decl.visibility = if w.exported {
            Visibility::Public
        } else {
            Visibility::Private
        };
        cx.declare(decl, false, None);
    }
}

/// `a.b.c` → (`c`, Some(`a.b`)); `f` → (`f`, None).
pub(crate) fn member_parts<'s>(cx: &Cx<'_, 's>, node: Node) -> (&'s str, Option<&'s str>) {
    match node.kind() {
        "member_expression"
        | "nested_identifier"
        | "jsx_namespace_name"
        | "member_expression_jsx" => {
            let name = cx.field(node, "property").or_else(|| {
                node.named_child(node.named_child_count().saturating_sub(1))
                    .map(|n| cx.text(n))
            });
            let qualifier = node
                .child_by_field_name("object")
                .or_else(|| node.named_child(0))
                .map(|n| cx.text(n));
            (name.unwrap_or(""), qualifier)
        }
        "identifier" | "type_identifier" | "property_identifier" => (cx.text(node), None),
        _ => ("", None),
    }
}

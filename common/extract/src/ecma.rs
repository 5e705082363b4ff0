//! TypeScript, TSX and JavaScript rules: functions (declarations, overload
//! signatures, arrow-function and function-expression bindings), classes and
//! their members, interfaces, type aliases, enums, namespaces, module-level
//! bindings, CommonJS exports, and calls (`f()`, `x.f()`, `new T()`, and JSX
//! components rendered as `<Component/>`, recorded as function calls).

use crate::ecma_decl::{
    declaration, function_value, heritage, leading, member, member_parts, modifiers, top_level,
    variable, FUNCTION_VALUES,
};
use crate::ecma_imports as imports;
use crate::text::{binding_signature, collapse, is_upper_case, signature};
use crate::walk::{reclassify_module_calls, Cx, Decl, Rules};
use doctown_core::{CallKind, SymbolKind, Visibility};
use std::collections::HashSet;
use tree_sitter::Node;

#[derive(Default)]
pub(crate) struct EcmaRules {
    /// Names exported by `export { a }`, `module.exports = { a }`.
    exported: Vec<String>,
    /// The name exported by `export default name`.
    default_export: Option<String>,
}

impl Rules for EcmaRules {
    fn is_leading(&self, kind: &str) -> bool {
        matches!(kind, "comment" | "decorator")
    }

    fn enter<'t>(&mut self, kind: &'static str, node: Node<'t>, cx: &mut Cx<'t, '_>) -> bool {
        if !cx.outline {
            crate::bindings::ecma(kind, node, cx);
        }
        if let Some(descend) = definition(kind, node, cx) {
            return descend;
        }
        if let Some(descend) = member_definition(kind, node, cx) {
            return descend;
        }
        match kind {
            "variable_declarator" => {
                variable(node, cx);
                true
            }
            "assignment_expression" => {
                self.commonjs_export(node, cx);
                true
            }
            "export_statement" => {
                self.export(node, cx);
                true
            }
            "import_statement" => {
                imports::import_statement(node, cx);
                false
            }
            // An outline needs definitions only.
            "call_expression"
            | "new_expression"
            | "jsx_opening_element"
            | "jsx_self_closing_element"
                if cx.outline =>
            {
                true
            }
            "call_expression" => {
                call(node, cx);
                true
            }
            "new_expression" => {
                construction(node, cx);
                true
            }
            "jsx_opening_element" | "jsx_self_closing_element" => {
                jsx_component(node, cx);
                true
            }
            "comment" => false,
            _ => true,
        }
    }
}

/// Declares a function, class, interface, type alias, enum or namespace;
/// `Some(descend)` for those kinds, `None` for any other node.
fn definition<'t>(kind: &'static str, node: Node<'t>, cx: &mut Cx<'t, '_>) -> Option<bool> {
    let descend = match kind {
        "function_declaration" | "generator_function_declaration" | "function_signature" => {
            let open = node.kind() != "function_signature";
            declaration(node, cx, SymbolKind::Function, open);
            open
        }
        // A named function expression handed on where it is written:
        // `return function expressInit(req, res, next) {…}`,
        // `router.use(path, function mounted_app(…) {…})`,
        // `module.exports = function query(options) {…}`. (A bound one,
        // `const f = function g() {}`, is the binding's symbol.)
        "function_expression" | "generator_function"
            if node.child_by_field_name("name").is_some() && handed_on(node, cx) =>
        {
            declaration(node, cx, SymbolKind::Function, true);
            true
        }
        "class_declaration" | "abstract_class_declaration" | "class" => {
            if node.child_by_field_name("name").is_some() {
                if let Some(i) = declaration(node, cx, SymbolKind::Class, true) {
                    cx.symbols[i].bases = heritage(cx, node);
                }
            }
            true
        }
        "interface_declaration" => {
            interface(node, cx);
            true
        }
        "type_alias_declaration" => {
            declaration(node, cx, SymbolKind::TypeAlias, false);
            false
        }
        "enum_declaration" => {
            declaration(node, cx, SymbolKind::Enum, true);
            true
        }
        "internal_module" | "module" => {
            declaration(node, cx, SymbolKind::Module, true);
            true
        }
        _ => return None,
    };
    Some(descend)
}

/// Declares a member of an enum, interface or class (variants, methods,
/// construct signatures, function-valued fields); `Some(descend)` for those
/// kinds, `None` for any other node.
fn member_definition<'t>(kind: &'static str, node: Node<'t>, cx: &mut Cx<'t, '_>) -> Option<bool> {
    let descend = match kind {
        "property_identifier" | "enum_assignment"
            if cx.ancestor(1).is_some_and(|p| p.kind() == "enum_body") =>
        {
            variant(node, cx);
            false
        }
        "method_signature" | "abstract_method_signature"
            if !cx
                .ancestor(1)
                .is_some_and(|p| matches!(p.kind(), "interface_body" | "class_body")) =>
        {
            false
        }
        "method_definition" | "method_signature" | "abstract_method_signature" => {
            let open = node.kind() == "method_definition";
            member(node, cx, "name", open);
            open
        }
        // `interface ErrorCtor { new (message: string): Error }`: how the
        // type is constructed, a method named `new`.
        "construct_signature" if cx.ancestor(1).is_some_and(|p| p.kind() == "interface_body") => {
            construct_signature(node, cx);
            false
        }
        "public_field_definition" | "field_definition" => {
            function_field(node, cx);
            true
        }
        _ => return None,
    };
    Some(descend)
}

/// An interface and the types its `extends` clause names as its bases.
fn interface<'t>(node: Node<'t>, cx: &mut Cx<'t, '_>) {
    if let Some(i) = declaration(node, cx, SymbolKind::Interface, true) {
        let mut cursor = node.walk();
        let clause = node
            .children(&mut cursor)
            .find(|c| c.kind() == "extends_type_clause");
        if let Some(clause) = clause {
            let mut inner = clause.walk();
            let bases = clause
                .named_children(&mut inner)
                .map(|b| collapse(cx.text(b), 120))
                .collect();
            cx.symbols[i].bases = bases;
        }
    }
}

/// An enum member, as visible as its enum.
fn variant<'t>(node: Node<'t>, cx: &mut Cx<'t, '_>) {
    let name = cx.field(node, "name").unwrap_or_else(|| cx.text(node));
    let mut decl = Decl::new(node, name, SymbolKind::Variant, signature(cx.text(node)));
    decl.visibility = cx
        .scope_symbol()
        .map_or(Visibility::Private, |p| cx.symbols[p].visibility);
    cx.declare(decl, false, None);
}

/// An interface's construct signature, declared as a method named `new`.
fn construct_signature<'t>(node: Node<'t>, cx: &mut Cx<'t, '_>) {
    let mut decl = Decl::new(node, "new", SymbolKind::Method, signature(cx.text(node)));
    let (doc, _) = leading(cx, 0);
    decl.doc = doc;
    decl.visibility = cx
        .scope_symbol()
        .map_or(Visibility::Private, |p| cx.symbols[p].visibility);
    cx.declare(decl, false, None);
}

/// A class field whose value is a function, declared as a method.
fn function_field<'t>(node: Node<'t>, cx: &mut Cx<'t, '_>) {
    let is_function = node
        .child_by_field_name("value")
        .is_some_and(|v| FUNCTION_VALUES.contains(&v.kind()));
    if is_function {
        let field = if node.kind() == "field_definition" {
            "property"
        } else {
            "name"
        };
        member(node, cx, field, true);
    }
}

/// `new T(…)`: a constructor call.
fn construction(node: Node, cx: &mut Cx) {
    if let Some(c) = node.child_by_field_name("constructor") {
        let (name, qualifier) = member_parts(cx, c);
        if !name.is_empty() {
            cx.call(node, cx.text(c), name, qualifier, CallKind::Constructor);
        }
    }
}

/// `<Component/>`: a JSX component rendered, recorded as a function call.
fn jsx_component(node: Node, cx: &mut Cx) {
    if let Some(n) = node.child_by_field_name("name") {
        let (name, qualifier) = member_parts(cx, n);
        if name.starts_with(char::is_uppercase) {
            cx.call(node, cx.text(n), name, qualifier, CallKind::Function);
        }
    }
}

fn call(node: Node, cx: &mut Cx) {
    let Some(mut f) = node.child_by_field_name("function") else {
        return;
    };
    // `await f<T>(x)` parses as a call of `await f` in TypeScript.
    if f.kind() == "await_expression" {
        match f.named_child(0) {
            Some(inner) => f = inner,
            None => return,
        }
    }
    match f.kind() {
        "identifier" if cx.text(f) == "require" => imports::require(node, cx),
        "import" => imports::require(node, cx),
        "identifier" => {
            let name = cx.text(f);
            cx.call(node, name, name, None, CallKind::Function);
        }
        "member_expression" => {
            let (name, qualifier) = member_parts(cx, f);
            cx.call(node, cx.text(f), name, qualifier, CallKind::Method);
        }
        _ => {}
    }
}

impl EcmaRules {
    fn export(&mut self, node: Node, cx: &mut Cx) {
        if node.child_by_field_name("source").is_some() {
            imports::reexport(node, cx);
            return;
        }
        if let Some(value) = node
            .child_by_field_name("value")
            .filter(|v| v.kind() == "identifier")
        {
            self.default_export = Some(cx.text(value).to_string());
        }
        let mut cursor = node.walk();
        for clause in node
            .named_children(&mut cursor)
            .filter(|c| c.kind() == "export_clause")
        {
            let mut inner = clause.walk();
            for spec in clause.named_children(&mut inner) {
                if let Some(name) = cx.field(spec, "name") {
                    self.exported.push(name.to_string());
                }
            }
        }
    }

    /// `module.exports = { a, b }`, `module.exports = a`, and
    /// `exports.x = function () {}` at module level.
    fn commonjs_export<'t>(&mut self, node: Node<'t>, cx: &mut Cx<'t, '_>) {
        if !(cx.at_module_level()
            && cx
                .ancestor(1)
                .is_some_and(|p| p.kind() == "expression_statement")
            && top_level(cx, 2))
        {
            return;
        }
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return;
        };
        let target = crate::text::compact(cx.text(left), 200);
        if target == "module.exports" {
            self.module_exports(right, cx);
            return;
        }
        let name = target
            .strip_prefix("module.exports.")
            .or_else(|| target.strip_prefix("exports."));
        let Some(name) = name.filter(|n| !n.contains('.')) else {
            member_function(node, left, right, cx);
            return;
        };
        let Some(mut decl) = exports_property(node, right, name, cx) else {
            return;
        };
        decl.doc = leading(cx, 1).0;
        decl.visibility = Visibility::Public;
        let open = decl.kind == SymbolKind::Function;
        cx.declare(decl, open, None);
    }

    /// `module.exports = a` and `module.exports = { a, b: c }`: the names
    /// exported.
    fn module_exports(&mut self, right: Node, cx: &Cx) {
        match right.kind() {
            "identifier" => self.exported.push(cx.text(right).to_string()),
            "object" => {
                let mut cursor = right.walk();
                for p in right.named_children(&mut cursor) {
                    match p.kind() {
                        "shorthand_property_identifier" => {
                            self.exported.push(cx.text(p).to_string())
                        }
                        "pair" => {
                            if let Some(v) = p
                                .child_by_field_name("value")
                                .filter(|v| v.kind() == "identifier")
                            {
                                self.exported.push(cx.text(v).to_string());
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// Marks exported names public and turns calls on module bindings into
    /// path calls.
    pub(crate) fn finish(&mut self, cx: &mut Cx) {
        let exported: HashSet<&str> = self.exported.iter().map(String::as_str).collect();
        let mut promoted = vec![false; cx.symbols.len()];
        for (i, (symbol, parent)) in cx.symbols.iter_mut().zip(&cx.parents).enumerate() {
            match parent {
                None => {
                    let default = self.default_export.as_deref() == Some(symbol.name.as_str());
                    if default {
                        symbol.attributes.push("export default".into());
                    }
                    if (default || exported.contains(symbol.name.as_str()))
                        && symbol.visibility != Visibility::Public
                    {
                        symbol.visibility = Visibility::Public;
                        promoted[i] = true;
                    }
                }
                // Members inherit the export of their (earlier) container.
                Some(p) if promoted[*p] && symbol.visibility == Visibility::Private => {
                    let hidden = symbol.name.starts_with('#')
                        || symbol.attributes.iter().any(|a| a == "private");
                    if !hidden {
                        symbol.visibility = Visibility::Public;
                    }
                }
                _ => {}
            }
        }
        let bindings: HashSet<String> = cx
            .imports
            .iter()
            .filter(|i| i.names.is_empty() || i.names == ["default"])
            .filter_map(|i| i.alias.clone())
            .collect();
        reclassify_module_calls(&mut cx.symbols, &bindings);
        crate::walk::fill_field_receivers(cx, |s| {
            (s.kind == SymbolKind::Method).then(|| "this".to_string())
        });
    }
}

/// The declaration of `exports.name = value` (or `module.exports.name`): a
/// function, or exported data; `None` for a chain's inner assignment.
fn exports_property<'t>(
    node: Node<'t>,
    right: Node<'t>,
    name: &str,
    cx: &Cx<'t, '_>,
) -> Option<Decl<'t>> {
    let statement = cx.ancestor(1).unwrap_or(node);
    let decl = match function_value(right) {
        Some(function) => {
            assigned_function(statement, name, SymbolKind::Function, node, function, cx)
        }
        // `exports.aliasToReal = {…}`: exported data. (A chain,
        // `exports.a = exports.b = f`, is its last value's.)
        None if right.kind() != "assignment_expression" => {
            let kind = if is_upper_case(name) {
                SymbolKind::Constant
            } else {
                SymbolKind::Variable
            };
            let head = cx.slice(node.start_byte(), right.start_byte());
            Decl::new(
                statement,
                name,
                kind,
                binding_signature(head, Some(cx.text(right))),
            )
        }
        None => return None,
    };
    Some(decl)
}

/// A function assigned to a property at module level: `app.init =
/// function init() {…}` (a function `init`, qualified `app.init`) and
/// `Route.prototype.dispatch = function (req) {…}` (a method `dispatch` of
/// `Route`), as CommonJS libraries define their API.
fn member_function<'t>(node: Node<'t>, left: Node<'t>, right: Node<'t>, cx: &mut Cx<'t, '_>) {
    let Some(function) = function_value(right) else {
        return;
    };
    if left.kind() != "member_expression" {
        return;
    }
    let (Some(object), Some(property)) = (
        left.child_by_field_name("object"),
        left.child_by_field_name("property"),
    ) else {
        return;
    };
    if property.kind() != "property_identifier" {
        return;
    }
    let object = crate::text::compact(cx.text(object), 200);
    let (owner, kind) = match object.strip_suffix(".prototype") {
        Some(class) => (class.to_string(), SymbolKind::Method),
        None => (object, SymbolKind::Function),
    };
    let name = cx.text(property);
    let statement = cx.ancestor(1).unwrap_or(node);
    let mut decl = assigned_function(statement, name, kind, node, function, cx);
    decl.qualified_name = Some(cx.qualify(cx.prefix(), &format!("{owner}.{name}")));
    if kind == SymbolKind::Method && !owner.contains(['.', '[', '(']) {
        decl.target = Some(owner);
    }
    decl.doc = leading(cx, 1).0;
    cx.declare(decl, true, None);
}

/// A function assigned by `node` (`exports.f = function …`, `A.prototype.f
/// = …`): declared by `statement`, its signature the assignment up to the
/// function's body, with the function's modifiers.
fn assigned_function<'t>(
    statement: Node<'t>,
    name: &str,
    kind: SymbolKind,
    node: Node<'t>,
    function: Node<'t>,
    cx: &Cx<'t, '_>,
) -> Decl<'t> {
    let cut = function
        .child_by_field_name("body")
        .map_or(function.end_byte(), |b| b.start_byte());
    let mut decl = Decl::new(
        statement,
        name,
        kind,
        signature(cx.slice(node.start_byte(), cut)),
    );
    modifiers(function, cx, &mut decl.attributes);
    decl
}

/// Whether a function expression is an argument, a returned value or the
/// whole of `module.exports`, through parentheses.
fn handed_on(node: Node, cx: &Cx) -> bool {
    let mut up = 1;
    let mut child = node;
    while let Some(parent) = cx.ancestor(up) {
        match parent.kind() {
            "parenthesized_expression" => {}
            "arguments" | "return_statement" => return true,
            "assignment_expression" => {
                return parent.child_by_field_name("right") == Some(child)
                    && parent
                        .child_by_field_name("left")
                        .is_some_and(|l| cx.text(l) == "module.exports");
            }
            _ => return false,
        }
        child = parent;
        up += 1;
    }
    false
}

//! What the code says about names inside function bodies, for call
//! resolution: parameters and locals (which shadow symbols of the same
//! name), the types they are declared or constructed with (`x: &Store`,
//! `let s = Store::new()`, `s = Store()`, `const s = new Store()`,
//! `s := &Store{}`), the declared types of fields (`self.store.get()`), and
//! functions passed as values (`map(f)`, `callback=f`, route handlers),
//! recorded as [`CallKind::Reference`] call sites.
//!
//! Each language has one hook, called on every node before its rules.

use crate::text::{base_type_name, compact_tail, CALLEE_CAP};
use crate::walk::{Bound, Cx};
use doctown_core::{CallKind, CallbackSlot, ReturnedBy};
use tree_sitter::Node;

/// `f(…)`, `pkg.F(…)`, `T::f(…)?`, `await f(…)`, `f(…).unwrap()` → the
/// value `f` returns; `r.unwrap()`, `r?` or `r` of a local `r` → what `r`
/// is bound to.
fn returned_by(value: Node, cx: &Cx) -> Option<Bound> {
    let mut v = value;
    loop {
        v = match v.kind() {
            "identifier" => return cx.local(cx.text(v)).flatten().cloned(),
            "try_expression" | "await_expression" | "parenthesized_expression" => {
                v.named_child(0)?
            }
            "call_expression" | "call" => {
                let f = v.child_by_field_name("function")?;
                let field = cx.field(f, "field");
                if matches!(field, Some("unwrap" | "expect")) {
                    f.child_by_field_name("value")?
                } else if matches!(field, Some("unwrap_err" | "expect_err")) {
                    // `let e = r.unwrap_err()`: the error `r`'s call gives.
                    let Some(Bound::Given(given)) =
                        returned_by(f.child_by_field_name("value")?, cx)
                    else {
                        return None;
                    };
                    return given.error_of().map(Bound::Given);
                } else {
                    let text = cx.text(f);
                    let simple = !text.is_empty()
                        && text.len() <= 120
                        && text
                            .chars()
                            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | ':' | '$'));
                    if simple {
                        return Some(Bound::Given(ReturnedBy::call(text)));
                    }
                    // A method of a chain (`cmd.clone().get_matches_from`)
                    // or a path with a type's arguments (`Graph::<N,
                    // E>::new`): its call site's callee as the walk
                    // records it.
                    let recorded =
                        cx.field(f, "field").is_some() || f.kind() == "scoped_identifier";
                    return recorded
                        .then(|| Bound::Given(ReturnedBy::call(&compact_tail(text, CALLEE_CAP))));
                }
            }
            _ => return None,
        };
    }
}

/// The name of a type as written, when it names one type whose methods a
/// value of it has: `&mut a::Foo<T>` → `Foo`; smart pointers and `dyn`/
/// `impl` bounds see through to their content; `Optional[Foo]`, `Foo |
/// None`, `*Foo`, quoted forward references likewise. Lowercase names
/// (primitives, `list`, `str`) are not types with repository methods.
pub(crate) fn type_name(ty: &str) -> Option<String> {
    let mut ty = ty.trim().trim_start_matches(':').trim();
    ty = ty.trim_matches(['"', '\'']);
    loop {
        let t = ty
            .trim_start_matches('&')
            .trim_start_matches('*')
            .trim_start();
        let t = t.strip_prefix("mut ").unwrap_or(t);
        let t = t.strip_prefix("'").map_or(t, |rest| {
            rest.split_once(' ').map_or(rest, |(_, after)| after)
        });
        let t = t
            .strip_prefix("dyn ")
            .or_else(|| t.strip_prefix("impl "))
            .unwrap_or(t);
        let t = t.split(" + ").next().unwrap_or(t);
        let t = t
            .split(" | ")
            .find(|p| p.trim() != "None" && p.trim() != "null" && p.trim() != "undefined")
            .unwrap_or(t);
        let t = t.trim();
        let unwrapped = ["Box<", "Arc<", "Rc<", "Optional[", "Readonly<"]
            .iter()
            .find_map(|w| t.strip_prefix(w))
            .map(|inner| inner.trim_end_matches(['>', ']']));
        match unwrapped {
            Some(inner) => ty = inner,
            None => {
                ty = t;
                break;
            }
        }
    }
    if ty.ends_with("[]") || ty.starts_with('[') {
        return None;
    }
    if rust_standard_path(ty) {
        return None;
    }
    let name = base_type_name(ty.split('[').next().unwrap_or(ty));
    let name = name.rsplit('.').next().unwrap_or(name);
    crate::text::is_type_name(name).then(|| name.to_string())
}

/// A Rust type written through a module of the standard library
/// (`vec::IntoIter<T>`, `slice::Iter<'a, T>`, `hash_map::Entry`,
/// `std::sync::Mutex<T>`): not a repository type of the same last name.
/// Only the modules whose names a repository rarely gives its own.
fn rust_standard_path(ty: &str) -> bool {
    const STD: [&str; 24] = [
        "std",
        "core",
        "alloc",
        "vec",
        "slice",
        "hash_map",
        "btree_map",
        "hash_set",
        "btree_set",
        "vec_deque",
        "binary_heap",
        "linked_list",
        "collections",
        "string",
        "option",
        "result",
        "iter",
        "sync",
        "rc",
        "cell",
        "boxed",
        "mpsc",
        "atomic",
        "array",
    ];
    ty.split_once("::")
        .is_some_and(|(first, _)| STD.contains(&first.trim()))
}

/// Binds every identifier in a pattern (`(a, b)`, `Some(x)`, `[a, ...b]`,
/// `{a, b: c}`) as an untyped local.
fn bind_pattern(node: Node, cx: &mut Cx) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match n.kind() {
            "identifier" | "shorthand_property_identifier_pattern" => {
                let name = cx.text(n).to_string();
                cx.bind_local(&name, None);
            }
            // Only the bound parts of these: not types, not constructors.
            "type_identifier" | "scoped_identifier" | "scoped_type_identifier" => {}
            _ => {
                let mut cursor = n.walk();
                stack.extend(n.named_children(&mut cursor));
            }
        }
    }
}

fn bind_typed(pattern: Node, ty: Option<Bound>, cx: &mut Cx) {
    if pattern.kind() == "identifier" {
        let name = cx.text(pattern).to_string();
        cx.bind_local(&name, ty);
    } else {
        bind_pattern(pattern, cx);
    }
}

/// Records the arguments of a call that name functions: `map(f)`,
/// `run(Self::step)`, `on(handler)`, `callback=f`, `self.method`.
fn references(arguments: Node, cx: &mut Cx, path_kind: &str, member_kind: &str) {
    let mut cursor = arguments.walk();
    for arg in arguments.named_children(&mut cursor) {
        let arg = match arg.kind() {
            "keyword_argument" => match arg.child_by_field_name("value") {
                Some(v) => v,
                None => continue,
            },
            _ => arg,
        };
        let text = cx.text(arg);
        match arg.kind() {
            "identifier" => cx.call(arg, text, text, None, CallKind::Reference),
            k if k == path_kind || k == member_kind => {
                let (name, qualifier) = match text.rsplit_once("::") {
                    Some((q, n)) => (n, Some(q)),
                    // Rust names no method by `self.f` (a field read:
                    // `finish(self.index)`); `Self::f` is its reference.
                    None if k == "field_expression" => continue,
                    None => match text.rsplit_once('.') {
                        Some((q, n)) => (n, Some(q)),
                        None => continue,
                    },
                };
                let simple = |s: &str| s.chars().all(|c| c.is_alphanumeric() || c == '_');
                // A method of the receiver's own type or a type's function
                // (`self.f`, `this.f`, `Self::f`, `Type::f`, `module::f`);
                // not a field read (`user.id`) nor a constant (`Kind::A`).
                let owner_like = qualifier.is_some_and(|q| {
                    matches!(q, "self" | "this" | "cls" | "Self")
                        || (simple(q) && q.starts_with(char::is_uppercase))
                        || (q.contains("::") && !q.contains('.'))
                });
                let constant = name.chars().all(|c| !c.is_lowercase())
                    || (text.contains("::") && name.starts_with(char::is_uppercase));
                if simple(name) && owner_like && !constant {
                    cx.call(arg, text, name, qualifier, CallKind::Reference);
                }
            }
            _ => {}
        }
    }
}

/// Rust: parameters, `let` (type, struct literal, `Type::ctor(…)`),
/// closure and `for` patterns, struct field types, function references.
pub(crate) fn rust(kind: &str, node: Node, cx: &mut Cx) {
    match kind {
        "parameter" => {
            if let Some(pattern) = node.child_by_field_name("pattern") {
                let ty = cx.field(node, "type").and_then(type_name).map(Bound::Type);
                bind_typed(pattern, ty, cx);
            }
        }
        "let_declaration" => {
            let Some(pattern) = node.child_by_field_name("pattern") else {
                return;
            };
            let value = node.child_by_field_name("value");
            let ty = cx
                .field(node, "type")
                .and_then(type_name)
                .or_else(|| value.and_then(|v| rust_value_type(v, cx)))
                .map(Bound::Type)
                .or_else(|| value.and_then(|v| returned_by(v, cx)));
            bind_typed(pattern, ty, cx);
        }
        "closure_parameters" => bind_pattern(node, cx),
        "for_expression" | "let_condition" | "match_arm" => {
            if let Some(pattern) = node.child_by_field_name("pattern") {
                bind_pattern(pattern, cx);
            }
        }
        "struct_item" => {
            let (Some(name), Some(body)) =
                (cx.field(node, "name"), node.child_by_field_name("body"))
            else {
                return;
            };
            let name = name.to_string();
            // A tuple struct's fields are `0`, `1`, … (`self.0.get()`).
            if body.kind() == "ordered_field_declaration_list" {
                let mut cursor = body.walk();
                let types: Vec<&str> = body
                    .children_by_field_name("type", &mut cursor)
                    .map(|t| cx.text(t))
                    .collect();
                for (i, ty) in types.into_iter().enumerate() {
                    if let Some(ty) = type_name(ty) {
                        cx.field_types.insert((name.clone(), i.to_string()), ty);
                    }
                }
                return;
            }
            let mut cursor = body.walk();
            for field in body.named_children(&mut cursor) {
                if field.kind() != "field_declaration" {
                    continue;
                }
                let (Some(f), Some(ty)) = (cx.field(field, "name"), cx.field(field, "type")) else {
                    continue;
                };
                if let Some(ty) = type_name(ty) {
                    cx.field_types.insert((name.clone(), f.to_string()), ty);
                }
            }
        }
        "arguments" => references(node, cx, "scoped_identifier", "field_expression"),
        _ => {}
    }
}

/// The type a Rust expression evidently has: a struct literal, or an
/// associated function of a type (`Store::new(…)`, `Store::open(…)?`).
fn rust_value_type(value: Node, cx: &Cx) -> Option<String> {
    let mut v = value;
    loop {
        v = match v.kind() {
            "try_expression" | "reference_expression" | "parenthesized_expression" => {
                v.named_child(v.named_child_count().checked_sub(1)?)?
            }
            "call_expression" => {
                let f = v.child_by_field_name("function")?;
                match f.kind() {
                    // `Store::open(..).unwrap()` / `.expect(..)`
                    "field_expression"
                        if matches!(cx.field(f, "field"), Some("unwrap" | "expect")) =>
                    {
                        f.child_by_field_name("value")?
                    }
                    "scoped_identifier" => {
                        let path = cx.field(f, "path")?;
                        return type_name(path);
                    }
                    _ => return None,
                }
            }
            "struct_expression" => return cx.field(v, "name").and_then(type_name),
            _ => return None,
        };
    }
}

/// Python: parameters (annotated or not), assignments in functions
/// (`x = Store()`, `self.x = Store()`, `x: Store = …`), class attribute
/// annotations, `for`/`with` targets, function references.
pub(crate) fn python(kind: &str, node: Node, cx: &mut Cx) {
    match kind {
        "parameters" | "lambda_parameters" => {
            let mut cursor = node.walk();
            let params: Vec<Node> = node.named_children(&mut cursor).collect();
            for p in params {
                let (name, ty) = match p.kind() {
                    "identifier" => (Some(p), None),
                    "typed_parameter" => (p.named_child(0), cx.field(p, "type")),
                    "default_parameter" | "typed_default_parameter" => {
                        (p.child_by_field_name("name"), cx.field(p, "type"))
                    }
                    "list_splat_pattern" | "dictionary_splat_pattern" => (p.named_child(0), None),
                    _ => (None, None),
                };
                let name = name.map(|n| match n.kind() {
                    "list_splat_pattern" | "dictionary_splat_pattern" => {
                        n.named_child(0).unwrap_or(n)
                    }
                    _ => n,
                });
                if let Some(name) = name.filter(|n| n.kind() == "identifier") {
                    let name = cx.text(name).to_string();
                    if name != "self" && name != "cls" {
                        cx.bind_local(&name, ty.and_then(type_name).map(Bound::Type));
                    }
                }
            }
        }
        "assignment" => python_assignment(node, cx),
        "for_statement" | "for_in_clause" => {
            if let Some(left) = node.child_by_field_name("left") {
                bind_pattern(left, cx);
            }
        }
        "as_pattern_target" => bind_pattern(node, cx),
        "argument_list" => references(node, cx, "", "attribute"),
        _ => {}
    }
}

fn python_assignment(node: Node, cx: &mut Cx) {
    let Some(left) = node.child_by_field_name("left") else {
        return;
    };
    let right = node.child_by_field_name("right");
    let ty = cx
        .field(node, "type")
        .and_then(type_name)
        .or_else(|| {
            let f = right
                .filter(|r| r.kind() == "call")
                .and_then(|r| r.child_by_field_name("function"))?;
            let callee = cx.text(f);
            type_name(callee.rsplit('.').next().unwrap_or(callee))
        })
        .map(Bound::Type)
        .or_else(|| right.and_then(|r| returned_by(r, cx)));
    match left.kind() {
        "identifier" if cx.callable().is_some() => {
            let name = cx.text(left).to_string();
            cx.bind_local(&name, ty);
        }
        // A class attribute annotation `store: Store` (dataclasses, attrs).
        "identifier" => {
            if let Some(ty) = ty {
                let field = cx.text(left).to_string();
                cx.class_field(&field, field_type(ty));
            }
        }
        "attribute" => {
            let object = cx.field(left, "object");
            let attr = cx.field(left, "attribute");
            if let (Some("self"), Some(attr), Some(ty)) = (object, attr, ty) {
                cx.receiver_field(attr, field_type(ty));
            }
        }
        "pattern_list" | "tuple_pattern" | "list_pattern" => bind_pattern(left, cx),
        _ => {}
    }
}

/// TypeScript/JavaScript: parameters (typed, destructured, constructor
/// parameter properties), `const x: T = …`/`new T()`, class fields,
/// `this.x = new T()`, function references.
pub(crate) fn ecma(kind: &str, node: Node, cx: &mut Cx) {
    match kind {
        "required_parameter" | "optional_parameter" => ecma_parameter(node, cx),
        "formal_parameters" => js_parameters(node, cx),
        "arrow_function" => {
            if let Some(p) = node.child_by_field_name("parameter") {
                let ty = callback_parameter(p, cx);
                bind_typed(p, ty, cx);
            }
        }
        "variable_declarator" if cx.callable().is_some() => ecma_local(node, cx),
        "public_field_definition" | "field_definition" => ecma_class_field(node, cx),
        "assignment_expression" => this_field(node, cx),
        "for_in_statement" => {
            if let Some(left) = node.child_by_field_name("left") {
                bind_pattern(left, cx);
            }
        }
        "catch_clause" => {
            if let Some(p) = node.child_by_field_name("parameter") {
                bind_pattern(p, cx);
            }
        }
        "arguments" => references(node, cx, "", "member_expression"),
        _ => {}
    }
}

/// A TypeScript parameter: bound with its type (or its callback type), and
/// a constructor's parameter property recorded as a field.
fn ecma_parameter(node: Node, cx: &mut Cx) {
    let Some(pattern) = node.child_by_field_name("pattern") else {
        return;
    };
    let ty = cx.field(node, "type").and_then(type_name);
    let property = {
        let mut cursor = node.walk();
        let found = node
            .children(&mut cursor)
            .any(|c| matches!(c.kind(), "accessibility_modifier" | "readonly"));
        found
    };
    if let (true, Some(ty)) = (property, ty.clone()) {
        cx.receiver_field(cx.text(pattern), ty);
    }
    let ty = ty.map(Bound::Type).or_else(|| callback_parameter(node, cx));
    bind_typed(pattern, ty, cx);
}

/// JavaScript parameters, plain patterns: each name bound.
fn js_parameters(node: Node, cx: &mut Cx) {
    let mut cursor = node.walk();
    let params: Vec<Node> = node.named_children(&mut cursor).collect();
    for p in params {
        match p.kind() {
            "identifier" => {
                let ty = callback_parameter(p, cx);
                bind_typed(p, ty, cx);
            }
            "object_pattern" | "array_pattern" | "rest_pattern" => bind_pattern(p, cx),
            "assignment_pattern" => {
                if let Some(left) = p.child_by_field_name("left") {
                    bind_pattern(left, cx);
                }
            }
            _ => {}
        }
    }
}

/// A local binding in a function (`const x: T = …`, `= new T()`, `= f()`);
/// a bound function is a nested function, not a local.
fn ecma_local(node: Node, cx: &mut Cx) {
    let Some(name) = node.child_by_field_name("name") else {
        return;
    };
    let value = node.child_by_field_name("value");
    // `const f = () => …` is a nested function, a symbol that calls
    // of `f` resolve to (by scope), not a local that hides one.
    if value.and_then(crate::ecma_decl::function_value).is_some() {
        return;
    }
    let ty = cx
        .field(node, "type")
        .and_then(type_name)
        .or_else(|| ecma_new_type(value?, cx))
        .map(Bound::Type)
        .or_else(|| returned_by(value?, cx));
    bind_typed(name, ty, cx);
}

/// A class field's type, stated or constructed (`x: Store`, `x = new Store()`).
fn ecma_class_field(node: Node, cx: &mut Cx) {
    let name = cx
        .field(node, "name")
        .or_else(|| cx.field(node, "property"));
    let ty = cx
        .field(node, "type")
        .and_then(type_name)
        .or_else(|| ecma_new_type(node.child_by_field_name("value")?, cx));
    if let (Some(name), Some(ty)) = (name, ty) {
        cx.class_field(name, ty);
    }
}

/// `this.x = new T()`: the type of the receiver's field `x`.
fn this_field(node: Node, cx: &mut Cx) {
    let (Some(left), Some(right)) = (
        node.child_by_field_name("left"),
        node.child_by_field_name("right"),
    ) else {
        return;
    };
    let field = cx.text(left).strip_prefix("this.");
    if let (Some(field), Some(ty)) = (field, ecma_new_type(right, cx)) {
        if !field.contains('.') {
            cx.receiver_field(field, ty);
        }
    }
}

/// An untyped parameter of a function written as a call's argument
/// (`operate((source, subscriber) => …)`, `new Observable(function (s) {…})`)
/// takes its type from the callee's signature, read at resolution: the
/// callee as written, the argument and the parameter (`operate`, 0, 1).
fn callback_parameter(param: Node, cx: &Cx) -> Option<Bound> {
    let (function, position) = match param.parent()? {
        p if p.kind() == "formal_parameters" => {
            let mut cursor = p.walk();
            let params = p
                .named_children(&mut cursor)
                .filter(|n| !matches!(n.kind(), "comment" | "decorator"));
            let position = params
                .filter(|n| {
                    // TypeScript's `this` parameter is not an argument.
                    n.kind() != "this"
                        && n.child_by_field_name("pattern")
                            .is_none_or(|p| p.kind() != "this")
                })
                .position(|n| n.id() == param.id())?;
            (p.parent()?, position)
        }
        f if f.kind() == "arrow_function" => (f, 0),
        _ => return None,
    };
    if !matches!(
        function.kind(),
        "arrow_function" | "function_expression" | "function"
    ) {
        return None;
    }
    // `cond ? (s) => … : (s) => …` as the argument: either branch.
    let mut function = function;
    while let Some(p) = function
        .parent()
        .filter(|p| matches!(p.kind(), "ternary_expression" | "parenthesized_expression"))
    {
        function = p;
    }
    let arguments = function.parent().filter(|a| a.kind() == "arguments")?;
    let call = arguments.parent()?;
    let callee = match call.kind() {
        "call_expression" => call.child_by_field_name("function")?,
        "new_expression" => call.child_by_field_name("constructor")?,
        _ => return None,
    };
    let mut cursor = arguments.walk();
    let argument = arguments
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .position(|n| n.id() == function.id())?;
    let callee = cx.text(callee);
    let simple = !callee.is_empty()
        && callee.len() <= 120
        && callee
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '$'));
    simple.then(|| {
        Bound::Given(ReturnedBy {
            callee: callee.into(),
            callback: Some(CallbackSlot {
                argument: argument as u32,
                parameter: position as u32,
            }),
            error: false,
        })
    })
}

/// The type a field is recorded with. A field bound to a call's value
/// (`self.x = f()` in Python) keeps the call as `=>f`: no type has that
/// name, so calls on the field stay unresolved (not guessed by name), as
/// the call-graph evaluations measured them. Reading `f`'s return type
/// for them instead is a change of edges, to be measured first.
fn field_type(bound: Bound) -> String {
    match bound {
        Bound::Type(ty) => ty,
        Bound::Given(given) => format!("=>{}", given.callee),
    }
}

/// `new Store(…)` (also under `await`/`as`) → `Store`.
fn ecma_new_type(value: Node, cx: &Cx) -> Option<String> {
    let value = match value.kind() {
        "await_expression" | "as_expression" | "non_null_expression" => value.named_child(0)?,
        _ => value,
    };
    (value.kind() == "new_expression")
        .then(|| cx.field(value, "constructor"))
        .flatten()
        .and_then(type_name)
}

/// Go: parameters and receivers, `x := T{}`/`&T{}`, `var x T`, range and
/// short-declared names, struct field types, function references.
pub(crate) fn go(kind: &str, node: Node, cx: &mut Cx) {
    match kind {
        "parameter_declaration" | "variadic_parameter_declaration" => go_names(node, cx),
        "short_var_declaration" | "assignment_statement" | "range_clause" => {
            go_short_declaration(node, cx)
        }
        "var_spec" if cx.callable().is_some() => go_names(node, cx),
        "type_spec" => go_struct_fields(node, cx),
        "argument_list" => references(node, cx, "", "selector_expression"),
        _ => {}
    }
}

/// A parameter or `var` declaration: each name bound with the stated type.
fn go_names(node: Node, cx: &mut Cx) {
    let ty = cx
        .field(node, "type")
        .and_then(go_type_name)
        .map(Bound::Type);
    let mut cursor = node.walk();
    let names: Vec<Node> = node.children_by_field_name("name", &mut cursor).collect();
    for n in names {
        let name = cx.text(n).to_string();
        cx.bind_local(&name, ty.clone());
    }
}

/// `x := T{}`, `r, err := NewRouter()` and range clauses: each name bound,
/// typed by its value where one value stands for it.
fn go_short_declaration(node: Node, cx: &mut Cx) {
    let (Some(left), right) = (
        node.child_by_field_name("left"),
        node.child_by_field_name("right"),
    ) else {
        return;
    };
    if node.kind() == "assignment_statement" {
        return;
    }
    let mut lc = left.walk();
    let names: Vec<Node> = left.named_children(&mut lc).collect();
    let values: Vec<Node> = match right {
        Some(r) if r.kind() == "expression_list" => {
            let mut rc = r.walk();
            r.named_children(&mut rc).collect()
        }
        Some(r) => vec![r],
        None => Vec::new(),
    };
    let short = node.kind() == "short_var_declaration";
    let single = names.len() == values.len() && short;
    for (i, n) in names.iter().enumerate() {
        let ty = if single {
            values.get(i).and_then(|v| {
                go_value_type(*v, cx)
                    .map(Bound::Type)
                    .or_else(|| returned_by(*v, cx))
            })
        } else if short && i == 0 && values.len() == 1 {
            // `r, err := NewRouter()`: the first result.
            returned_by(values[0], cx)
        } else {
            None
        };
        if n.kind() == "identifier" {
            let name = cx.text(*n).to_string();
            cx.bind_local(&name, ty);
        }
    }
}

/// A struct type's declaration: the types of its fields.
fn go_struct_fields(node: Node, cx: &mut Cx) {
    let (Some(name), Some(ty)) = (cx.field(node, "name"), node.child_by_field_name("type")) else {
        return;
    };
    if ty.kind() != "struct_type" {
        return;
    }
    let name = name.to_string();
    let Some(list) = ty.named_child(0) else {
        return;
    };
    let mut cursor = list.walk();
    for field in list.named_children(&mut cursor) {
        let Some(fty) = cx.field(field, "type").and_then(go_type_name) else {
            continue;
        };
        let mut inner = field.walk();
        let names: Vec<String> = field
            .children_by_field_name("name", &mut inner)
            .map(|n| cx.text(n).to_string())
            .collect();
        for f in names {
            cx.field_types.insert((name.clone(), f), fty.clone());
        }
    }
}

/// `*pkg.Store` → `Store`; maps, slices, channels, funcs → None.
pub(crate) fn go_type_name(ty: &str) -> Option<String> {
    let ty = ty.trim().trim_start_matches('*');
    if ty.starts_with(['[', '('])
        || ty.starts_with("map[")
        || ty.starts_with("chan ")
        || ty.starts_with("func")
    {
        return None;
    }
    let ty = ty.split('[').next().unwrap_or(ty);
    let name = ty.rsplit('.').next().unwrap_or(ty);
    let ok = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    // Lowercase Go types are still types (unexported), unlike builtins.
    let builtin = matches!(
        name,
        "string"
            | "int"
            | "int8"
            | "int16"
            | "int32"
            | "int64"
            | "uint"
            | "uint8"
            | "uint16"
            | "uint32"
            | "uint64"
            | "uintptr"
            | "byte"
            | "rune"
            | "bool"
            | "error"
            | "float32"
            | "float64"
            | "complex64"
            | "complex128"
            | "any"
            | "interface{}"
    );
    (ok && !builtin).then(|| name.to_string())
}

/// `T{…}`, `&T{…}` → `T`.
fn go_value_type(value: Node, cx: &Cx) -> Option<String> {
    let value = match value.kind() {
        "unary_expression" if cx.field(value, "operator") == Some("&") => {
            value.child_by_field_name("operand")?
        }
        _ => value,
    };
    (value.kind() == "composite_literal")
        .then(|| cx.field(value, "type"))
        .flatten()
        .and_then(go_type_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names() {
        let cases = [
            ("&mut crate::store::Store<'a>", Some("Store")),
            ("Arc<dyn ObjectStore + Send>", Some("ObjectStore")),
            ("Box<Store>", Some("Store")),
            ("&'a Store", Some("Store")),
            ("impl Handler", Some("Handler")),
            ("Optional[Session]", Some("Session")),
            ("Session | None", Some("Session")),
            ("'Session'", Some("Session")),
            ("models.User", Some("User")),
            (": Store", Some("Store")),
            ("str", None),
            ("&[u8]", None),
            ("list[int]", None),
            ("(A, B)", None),
            ("Todo[]", None),
            // The standard library's own `IntoIter`, `Iter`, `Entry`.
            ("vec::IntoIter<Bucket<K, V>>", None),
            ("slice::Iter<'a, T>", None),
            ("Box<std::sync::Mutex<Store>>", None),
            ("map::IntoIter<K, V>", Some("IntoIter")),
        ];
        for (ty, want) in cases {
            assert_eq!(type_name(ty).as_deref(), want, "{ty}");
        }
        assert_eq!(go_type_name("*store.Store").as_deref(), Some("Store"));
        assert_eq!(go_type_name("map[string]int"), None);
        assert_eq!(go_type_name("error"), None);
        assert_eq!(go_type_name("client").as_deref(), Some("client"));
    }
}

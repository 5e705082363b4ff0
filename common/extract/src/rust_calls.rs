//! Rust call sites: `f()`, `x.f()`, `Path::f()`, `T(..)` tuple
//! constructors, `name!()` macros, and calls written inside macro
//! arguments (which tree-sitter leaves as token trees).

use crate::walk::Cx;
use doctown_core::CallKind;
use tree_sitter::Node;

/// Tuple constructors so common that recording them is noise.
const PRELUDE_CONSTRUCTORS: [&str; 3] = ["Some", "Ok", "Err"];
/// Keywords that can precede a parenthesis inside a macro's token tree.
const KEYWORDS: [&str; 14] = [
    "if", "while", "match", "return", "in", "fn", "for", "let", "move", "as", "mut", "ref",
    "where", "loop",
];

/// `a::b::c` → (`c`, Some(`a::b`)); `f` → (`f`, None). A type's
/// arguments are not part of the qualifier (`Graph::<N, E>::new` →
/// `Graph`): the type is what the call is looked up in; in `<T as
/// Trait>::f` that is the trait.
pub(crate) fn split_path<'s>(cx: &Cx<'_, 's>, node: Node) -> (&'s str, Option<&'s str>) {
    match node.kind() {
        "scoped_identifier" => {
            let path = node.child_by_field_name("path").map(|p| match p.kind() {
                "generic_type" => p.child_by_field_name("type").unwrap_or(p),
                // `<Ix as IndexType>::max()` is the trait's.
                "bracketed_type" => p
                    .named_child(0)
                    .filter(|q| q.kind() == "qualified_type")
                    .and_then(|q| q.child_by_field_name("alias"))
                    .map(|alias| match alias.kind() {
                        "generic_type" => alias.child_by_field_name("type").unwrap_or(alias),
                        _ => alias,
                    })
                    .unwrap_or(p),
                _ => p,
            });
            (
                cx.field(node, "name").unwrap_or(""),
                path.map(|p| cx.text(p)),
            )
        }
        _ => (cx.text(node), None),
    }
}

pub(crate) fn call(node: Node, cx: &mut Cx) {
    let Some(mut f) = node.child_by_field_name("function") else {
        return;
    };
    if f.kind() == "generic_function" {
        match f.child_by_field_name("function") {
            Some(inner) => f = inner,
            None => return,
        }
    }
    match f.kind() {
        "identifier" => {
            let name = cx.text(f);
            if PRELUDE_CONSTRUCTORS.contains(&name) {
                return;
            }
            let kind = if name.starts_with(char::is_uppercase) {
                CallKind::Constructor
            } else {
                CallKind::Function
            };
            cx.call(node, name, name, None, kind);
        }
        "field_expression" => {
            let name = cx.field(f, "field").unwrap_or("");
            let qualifier = cx.field(f, "value");
            cx.call(node, cx.text(f), name, qualifier, CallKind::Method);
        }
        "scoped_identifier" => {
            let (name, qualifier) = split_path(cx, f);
            cx.call(node, cx.text(f), name, qualifier, CallKind::Path);
        }
        _ => {}
    }
}

/// Where a turbofish after token `i` (`::<String>`, `::<Vec<u8>>`) ends:
/// the index of its last `>`.
fn turbofish_end(tokens: &[Node], i: usize, cx: &Cx) -> Option<usize> {
    let is = |k: usize, text: &str| tokens.get(k).is_some_and(|n| cx.text(*n) == text);
    if !is(i + 1, "::") || !is(i + 2, "<") {
        return None;
    }
    let mut depth = 0i32;
    for (k, token) in tokens.iter().enumerate().skip(i + 2).take(32) {
        match cx.text(*token) {
            "<" => depth += 1,
            ">" => depth -= 1,
            ">>" => depth -= 2,
            _ => {}
        }
        if depth <= 0 {
            return (depth == 0).then_some(k);
        }
    }
    None
}

/// Calls inside a macro's arguments, which tree-sitter keeps as tokens:
/// `name(`, `recv.name(`, `Path::name(`, `recv.name::<T>(` and `name!(`.
pub(crate) fn token_tree_calls(node: Node, cx: &mut Cx) {
    let mut cursor = node.walk();
    let tokens: Vec<Node> = node.children(&mut cursor).collect();
    for (i, token) in tokens.iter().enumerate() {
        if token.kind() != "identifier" {
            continue;
        }
        let name = cx.text(*token);
        if KEYWORDS.contains(&name) {
            continue;
        }
        let next = tokens.get(i + 1);
        let is_group = |n: Option<&Node>| {
            n.is_some_and(|n| n.kind() == "token_tree" && cx.text(*n).starts_with('('))
        };
        if next.is_some_and(|n| n.kind() == "!")
            && tokens.get(i + 2).is_some_and(|n| n.kind() == "token_tree")
        {
            cx.call(*token, &format!("{name}!"), name, None, CallKind::Macro);
            continue;
        }
        // `recv.get::<T>(`: the turbofish between the name and its
        // arguments.
        let args = match turbofish_end(&tokens, i, cx) {
            Some(end) => tokens.get(end + 1),
            None => next,
        };
        if !is_group(args) {
            continue;
        }
        let before = i.checked_sub(1).map(|j| tokens[j].kind());
        // Walk back over `a.b::c.` to the start of the receiver or path.
        let mut first = i;
        while first >= 2
            && matches!(tokens[first - 1].kind(), "." | "::")
            && matches!(
                tokens[first - 2].kind(),
                "identifier" | "self" | "super" | "crate"
            )
            && i - first < 16
        {
            first -= 2;
        }
        let receiver =
            (first < i).then(|| cx.slice(tokens[first].start_byte(), tokens[i - 1].start_byte()));
        match (before, receiver) {
            (Some(sep @ ("." | "::")), Some(q)) => {
                let callee = cx.slice(tokens[first].start_byte(), token.end_byte());
                let kind = if sep == "." {
                    CallKind::Method
                } else {
                    CallKind::Path
                };
                cx.call(*token, callee, name, Some(q), kind);
            }
            (Some("." | "::"), None) => {}
            _ if name.starts_with(char::is_uppercase) => {
                if !PRELUDE_CONSTRUCTORS.contains(&name) {
                    cx.call(*token, name, name, None, CallKind::Constructor);
                }
            }
            _ => cx.call(*token, name, name, None, CallKind::Function),
        }
    }
}

//! The query engine: extraction as data. A language's data file
//! (`queries/<language>.scm`) is a tree-sitter query whose captures say what
//! each match is; the engine turns the matches into symbols (nested by
//! their ranges), call sites (attributed to the innermost enclosing
//! function or method), imports and doc comments. What a query cannot say
//! (visibility conventions, comment syntax, the qualified-name separator)
//! is the language's [`Spec`](crate::specs::Spec).
//!
//! Captures (see `queries/README.md`):
//!
//! | capture | on | means |
//! |---|---|---|
//! | `@definition.<kind>` | the declaration | a symbol of that docpack kind |
//! | `@name` | a child | the symbol's (or call's) name |
//! | `@declarator` | a child | one of several names one declaration declares (`int lo, hi;`): a symbol each |
//! | `@body` | a child | where the signature ends |
//! | `@doc` | a node | the doc text (a docstring, `@doc`), instead of comments |
//! | `@modifiers` | nodes | text searched for visibility keywords; kept as attributes |
//! | `@base` | nodes | supertypes as written |
//! | `@target` | a child | the type a method or extension belongs to |
//! | `@reference.call` | the call | a call of `@name`, on `@receiver` if captured |
//! | `@reference.new` | the expression | a constructor call of the type `@name` |
//! | `@import` | the import | an import of `@import.module`, naming `@import.name`, as `@import.alias` |
//! | `@package` | a node | the file's qualified-name prefix (Java `package`) |
//! | `@comment` | comments | doc comment candidates |

use crate::captures::Role;
use crate::derived::{Derivation, Derived};
use crate::specs::{Compiled, Spec, VisibilityRule};
use crate::text::{clean_styled_comments, collapse, compact, signature, CALLEE_CAP};
use crate::walk::span_between;
use doctown_core::{
    CallKind, CallSite, Import, Language, Symbol, SymbolId, SymbolKind, Visibility,
};
use rustc_hash::FxHashSet;
use std::collections::HashMap;
use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, QueryCapture, QueryCursor};

/// One definition match, before nesting.
struct Def<'t> {
    node: Node<'t>,
    /// The query pattern that matched: of two on one node the first wins.
    pattern: usize,
    /// The start of the `@declarator` naming this symbol, where one
    /// declaration declares several.
    part: Option<usize>,
    /// The last clause, where clauses merged (`Spec::merge_clauses`).
    last: Option<Node<'t>>,
    kind: SymbolKind,
    name: String,
    body: Option<Node<'t>>,
    doc: Option<Node<'t>>,
    modifiers: Vec<Node<'t>>,
    bases: Vec<String>,
    target: Option<String>,
}

struct Call<'t> {
    node: Node<'t>,
    name: Node<'t>,
    receiver: Option<Node<'t>>,
    constructor: bool,
    /// The callee's name where no one node holds it: an Objective-C
    /// message send's selector (`insert:at:`).
    selector: Option<String>,
}

/// What the engine extracts from one file: symbols in source order (outer
/// before inner) with their parents as indexes, and imports.
pub(crate) struct Extracted {
    pub symbols: Vec<Symbol>,
    pub parents: Vec<Option<usize>>,
    pub imports: Vec<Import>,
}

/// Everything the query's matches say, grouped.
#[derive(Default)]
struct Matches<'t> {
    defs: Vec<Def<'t>>,
    calls: Vec<Call<'t>>,
    imports: Vec<Import>,
    comments: Vec<Node<'t>>,
    package: Option<String>,
}

/// Extracts one parsed file with a form of a language's query. An
/// `outline` ([`crate::Extractor::outline`], with the query's outline
/// form) leaves signatures and docs empty.
pub(crate) fn extract(
    spec: &Spec,
    compiled: &Compiled,
    root: Node<'_>,
    src: &str,
    path: &str,
    prefix: String,
    outline: bool,
) -> Extracted {
    let mut m = collect(compiled, root, src);
    if spec.language == Language::ObjC {
        name_selectors(&mut m, src);
    }
    only_calls(spec, &mut m.calls);
    let prefix = match m.package.take() {
        Some(package) if prefix.is_empty() => package,
        _ => prefix,
    };
    // Outer before inner; of two patterns on one node the first wins;
    // several matches of that pattern (one per base, one per modifier) are
    // one definition — one per `@declarator` where a declaration names
    // several (`int lo, hi;`).
    m.defs.sort_by_key(|d| {
        (
            d.node.start_byte(),
            std::cmp::Reverse(d.node.end_byte()),
            d.pattern,
            d.part,
        )
    });
    m.defs.dedup_by(|later, kept| {
        let same_node = (later.node.start_byte(), later.node.end_byte())
            == (kept.node.start_byte(), kept.node.end_byte());
        if !same_node {
            return false;
        }
        if later.pattern != kept.pattern {
            return true;
        }
        if later.part == kept.part {
            merge(kept, later);
            return true;
        }
        false
    });
    m.comments.sort_by_key(|c| c.start_byte());
    let parents = nest(&m.defs);
    let (defs, parents) = without_locals(m.defs, parents);
    let (defs, parents) = if spec.merge_clauses {
        merge_clauses(defs, parents)
    } else {
        (defs, parents)
    };
    m.defs = defs;
    let mut symbols: Vec<Symbol> = Vec::with_capacity(m.defs.len());
    for (i, def) in m.defs.iter().enumerate() {
        let parent = parents[i].map(|p| &symbols[p]);
        let symbol = match outline {
            false => symbol(spec, def, parent, &prefix, &m.comments, src, path),
            true => {
                let (kind, qualified_name) = identity(spec, def, parent, &prefix);
                outline_symbol(kind, qualified_name, spec, def, path)
            }
        };
        symbols.push(symbol);
    }
    attribute_calls(&mut symbols, &parents, &m.calls, src);
    Extracted {
        symbols,
        parents,
        imports: m.imports,
    }
}

/// Drops what only looks like a call: a call inside a node the spec says
/// holds none (Erlang's types), and a call without a receiver whose callee
/// another match names with one (Erlang's `maps:put(…)` holds the call
/// `put(…)`: one call, on `maps`).
fn only_calls(spec: &Spec, calls: &mut Vec<Call>) {
    let received: FxHashSet<usize> = calls
        .iter()
        .filter(|c| c.receiver.is_some())
        .map(|c| c.name.start_byte())
        .collect();
    calls.retain(|c| {
        if c.receiver.is_none() && received.contains(&c.name.start_byte()) {
            return false;
        }
        let mut node = c.node.parent().filter(|_| !spec.no_calls_in.is_empty());
        while let Some(n) = node {
            if spec.no_calls_in.contains(&n.kind()) {
                return false;
            }
            node = n.parent();
        }
        true
    });
}

/// Objective-C: a method and a message send are named by the whole
/// selector (`insert:at:`, `objc::selector`), not by its first keyword.
fn name_selectors(m: &mut Matches, src: &str) {
    for def in &mut m.defs {
        if let Some(selector) = crate::objc::selector(def.node, src) {
            def.name = selector;
        }
    }
    for call in m.calls.iter_mut().filter(|c| !c.constructor) {
        call.selector = crate::objc::selector(call.node, src);
    }
}

fn text<'s>(src: &'s str, node: Node) -> &'s str {
    src.get(node.start_byte()..node.end_byte()).unwrap_or("")
}

/// One match's captures, looked up by role.
struct Captures<'m, 't> {
    captures: &'m [QueryCapture<'t>],
    roles: &'m [Role],
    pattern: usize,
    /// What the pattern leaves to the engine to find from the definition.
    derived: &'m Derived,
}

impl<'t> Captures<'_, 't> {
    fn role(&self, index: u32) -> Role {
        self.roles
            .get(index as usize)
            .copied()
            .unwrap_or(Role::Other)
    }

    fn first(&self, want: Role) -> Option<Node<'t>> {
        self.all(want).next()
    }

    fn all(&self, want: Role) -> impl Iterator<Item = Node<'t>> + '_ {
        self.captures
            .iter()
            .filter(move |c| self.role(c.index) == want)
            .map(|c| c.node)
    }

    /// A derived capture: found from its capture's node, or from the
    /// definition's.
    fn derive(&self, d: &Derivation, definition: Node<'t>) -> Option<Node<'t>> {
        let start = match d.from {
            Some(index) => self.captures.iter().find(|c| c.index == index)?.node,
            None => definition,
        };
        d.locator.find(start)
    }

    fn definition(&self) -> Option<(Node<'t>, SymbolKind)> {
        self.captures.iter().find_map(|c| match self.role(c.index) {
            Role::Definition(kind) => Some((c.node, kind)),
            _ => None,
        })
    }
}

/// Runs the query once over the tree and sorts its matches by what they
/// capture: a definition, a call, an import, the package, or comments.
/// Definitions carry the full query's pattern numbers, whatever form of
/// it ran.
fn collect<'t>(compiled: &Compiled, root: Node<'t>, src: &str) -> Matches<'t> {
    let mut out = Matches::default();
    let mut cursor = QueryCursor::new();
    let mut matches = cursor.matches(&compiled.query, root, src.as_bytes());
    while let Some(m) = matches.next() {
        let c = Captures {
            captures: m.captures,
            roles: &compiled.roles,
            pattern: compiled.patterns[m.pattern_index],
            derived: &compiled.derived[m.pattern_index],
        };
        if let Some((node, kind)) = c.definition() {
            out.defs.extend(def_of(&c, node, kind, src));
        } else if let Some(call) = call_of(&c) {
            out.calls.push(call);
        } else if let Some(node) = c.first(Role::Import) {
            out.imports.extend(import_of(&c, node, src));
        } else if let Some(node) = c.first(Role::Package) {
            out.package
                .get_or_insert_with(|| compact(text(src, node), 200));
        } else {
            out.comments.extend(c.all(Role::Comment));
        }
    }
    out
}

fn def_of<'t>(
    c: &Captures<'_, 't>,
    node: Node<'t>,
    kind: SymbolKind,
    src: &str,
) -> Option<Def<'t>> {
    let derived = c.derived;
    let name_node = match &derived.name {
        Some(d) => c.derive(d, node),
        None => c.first(Role::Name),
    };
    // A Ruby `attr_reader :size` names `size`.
    let name = text(src, name_node?).trim().trim_start_matches(':');
    if name.is_empty() {
        return None;
    }
    // Kotlin: an unnamed companion object is `Companion` (the query can
    // only name it by its keyword).
    let name = if node.kind() == "companion_object" && name == "companion" {
        "Companion"
    } else {
        name
    };
    Some(Def {
        node,
        pattern: c.pattern,
        part: c.first(Role::Declarator).map(|n| n.start_byte()),
        last: None,
        kind,
        name: name.to_string(),
        body: match &derived.body {
            Some(d) => c.derive(d, node),
            None => c.first(Role::Body),
        },
        doc: c.first(Role::Doc),
        modifiers: match &derived.modifiers {
            Some(d) => c.derive(d, node).into_iter().collect(),
            None => c.all(Role::Modifiers).collect(),
        },
        bases: c
            .all(Role::Base)
            .map(|n| collapse(text(src, n), CALLEE_CAP))
            .collect(),
        target: c
            .first(Role::Target)
            .map(|n| collapse(text(src, n), CALLEE_CAP)),
    })
}

fn call_of<'t>(c: &Captures<'_, 't>) -> Option<Call<'t>> {
    let (node, constructor) = c
        .first(Role::Call)
        .map(|n| (n, false))
        .or_else(|| c.first(Role::New).map(|n| (n, true)))?;
    Some(Call {
        node,
        name: c.first(Role::Name)?,
        receiver: c.first(Role::Receiver),
        constructor,
        selector: None,
    })
}

fn import_of(c: &Captures, node: Node, src: &str) -> Option<Import> {
    // A path written as several nodes (Scala's `a.b.C`) is joined.
    let parts: Vec<&str> = c
        .all(Role::ImportModule)
        .map(|n| unquote(text(src, n)))
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        return None;
    }
    Some(Import {
        module: parts.join("."),
        names: c
            .all(Role::ImportName)
            .map(|n| text(src, n).to_string())
            .collect(),
        alias: c.first(Role::ImportAlias).map(|n| text(src, n).to_string()),
        line: node.start_position().row as u32 + 1,
    })
}

/// Adds what another match of the same pattern on the same node captured
/// (a quantified `@base` or `@modifiers` yields one match per node).
fn merge<'t>(kept: &mut Def<'t>, other: &mut Def<'t>) {
    for base in other.bases.drain(..) {
        if !kept.bases.contains(&base) {
            kept.bases.push(base);
        }
    }
    for modifier in other.modifiers.drain(..) {
        if !kept.modifiers.iter().any(|m| m.id() == modifier.id()) {
            kept.modifiers.push(modifier);
        }
    }
    kept.doc = kept.doc.or(other.doc);
    kept.body = kept.body.or(other.body);
    kept.target = kept.target.take().or(other.target.take());
}

/// Drops the variables, constants and statics declared inside a function
/// or method: locals, not symbols (queries may match declarations
/// anywhere — a C global under `#ifdef` is not a child of the file's root).
/// Such definitions are never parents, so the others' parents only shift.
fn without_locals<'t>(
    defs: Vec<Def<'t>>,
    parents: Vec<Option<usize>>,
) -> (Vec<Def<'t>>, Vec<Option<usize>>) {
    use SymbolKind as K;
    let local: Vec<bool> = defs
        .iter()
        .zip(&parents)
        .map(|(d, p)| {
            matches!(d.kind, K::Variable | K::Constant | K::Static)
                && p.is_some_and(|p| defs[p].kind.is_callable())
        })
        .collect();
    if !local.contains(&true) {
        return (defs, parents);
    }
    let mut new_index = Vec::with_capacity(defs.len());
    let mut next = 0;
    for &l in &local {
        new_index.push(next);
        next += usize::from(!l);
    }
    let parents = parents
        .iter()
        .zip(&local)
        .filter(|(_, l)| !**l)
        .map(|(p, _)| p.map(|p| new_index[p]))
        .collect();
    let defs = defs
        .into_iter()
        .zip(local)
        .filter_map(|(d, l)| (!l).then_some(d))
        .collect();
    (defs, parents)
}

/// Joins each function, method or macro to the sibling right before it
/// when both have the same name and kind: the clauses of one function (a Haskell type
/// signature and its equations, Elixir `def` heads). The first clause
/// keeps its signature and doc; the symbol spans to the last; what the
/// later clauses held belongs to it.
fn merge_clauses<'t>(
    defs: Vec<Def<'t>>,
    parents: Vec<Option<usize>>,
) -> (Vec<Def<'t>>, Vec<Option<usize>>) {
    let mut kept: Vec<Def<'t>> = Vec::with_capacity(defs.len());
    let mut kept_parents: Vec<Option<usize>> = Vec::with_capacity(defs.len());
    // Old index → index in `kept` (of the clause it joined).
    let mut new_index: Vec<usize> = Vec::with_capacity(defs.len());
    let mut last_child: HashMap<Option<usize>, usize> = HashMap::new();
    for (def, parent) in defs.into_iter().zip(parents) {
        let parent = parent.map(|p| new_index[p]);
        // The previous definition, or where one declaration declared
        // several names (Haskell's `readChar, peekChar :: …`), any of
        // them: the equations of each follow the signature.
        let group = last_child.get(&parent).map_or(0..0, |&last| {
            let node = kept[last].node;
            let first = (0..=last)
                .rev()
                .take_while(|&j| kept[j].node == node && kept_parents[j] == parent)
                .last()
                .unwrap_or(last);
            first..last + 1
        });
        let previous = group.rev().find(|&j| {
            let p = &kept[j];
            p.name == def.name
                && p.kind == def.kind
                && matches!(
                    def.kind,
                    SymbolKind::Function | SymbolKind::Method | SymbolKind::Macro
                )
                && p.last.unwrap_or(p.node).end_byte() <= def.node.start_byte()
        });
        match previous {
            Some(j) => {
                kept[j].last = Some(def.last.unwrap_or(def.node));
                new_index.push(j);
            }
            None => {
                last_child.insert(parent, kept.len());
                new_index.push(kept.len());
                kept.push(def);
                kept_parents.push(parent);
            }
        }
    }
    (kept, kept_parents)
}

/// `"x.h"`, `<x.h>`, `'x'` → `x.h`, `x`.
fn unquote(module: &str) -> &str {
    let module = module.trim();
    let stripped = module
        .strip_prefix(['"', '\'', '<', '`'])
        .and_then(|m| m.strip_suffix(['"', '\'', '>', '`']));
    stripped.unwrap_or(module).trim()
}

/// Each definition's parent: the innermost earlier definition whose range
/// contains it and that can have members (definitions are sorted outer
/// before inner). A C `typedef struct s {…} t;` holds `struct s`, but the
/// struct is not the typedef's member.
fn nest(defs: &[Def]) -> Vec<Option<usize>> {
    use SymbolKind as K;
    let mut parents = Vec::with_capacity(defs.len());
    let mut open: Vec<usize> = Vec::new();
    for (i, def) in defs.iter().enumerate() {
        let container = !matches!(
            def.kind,
            K::TypeAlias | K::Variable | K::Field | K::Constant | K::Static | K::Macro | K::Variant
        );
        while let Some(&top) = open.last() {
            // Another name of the same declaration (`readChar, peekChar ::
            // …`) is a sibling, not a member.
            if defs[top].node != def.node
                && defs[top].node.end_byte() >= def.node.end_byte()
                && defs[top].node.start_byte() <= def.node.start_byte()
            {
                break;
            }
            open.pop();
        }
        parents.push(open.last().copied());
        if container {
            open.push(i);
        }
    }
    parents
}

/// A function declared inside a type is a method.
fn effective_kind(kind: SymbolKind, parent: Option<&Symbol>) -> SymbolKind {
    use SymbolKind as K;
    let in_type = parent.is_some_and(|p| {
        matches!(
            p.kind,
            K::Class | K::Struct | K::Interface | K::Trait | K::Impl | K::Enum
        )
    });
    if kind == K::Function && in_type {
        K::Method
    } else {
        kind
    }
}

/// A definition's kind and qualified name, from its parent's.
fn identity(spec: &Spec, def: &Def, parent: Option<&Symbol>, prefix: &str) -> (SymbolKind, String) {
    let kind = if spec.functions_stay_functions {
        def.kind
    } else {
        effective_kind(def.kind, parent)
    };
    let outer = parent.map(|p| p.qualified_name.as_str()).unwrap_or(prefix);
    let outside_type = parent.is_none_or(|p| p.kind == SymbolKind::Module);
    let qualified_name = match def.target.as_deref() {
        // A method declared outside its type (`void Store::get()` at the
        // top level or in a namespace, `function M.f`) is named by the type.
        Some(target) if outside_type && kind != SymbolKind::Impl => join(
            spec.separator,
            &join(spec.separator, outer, target),
            &def.name,
        ),
        // `namespace App\Models;` declares the prefix itself.
        _ if parent.is_none() && outer == def.name => def.name.clone(),
        _ => join(spec.separator, outer, &def.name),
    };
    (kind, qualified_name)
}

fn symbol(
    spec: &Spec,
    def: &Def,
    parent: Option<&Symbol>,
    prefix: &str,
    comments: &[Node],
    src: &str,
    path: &str,
) -> Symbol {
    let (kind, qualified_name) = identity(spec, def, parent, prefix);
    let head_end = def
        .body
        .map(|b| b.start_byte())
        .unwrap_or_else(|| first_line_end(src, def.node));
    let head = without_comments(src, def.node.start_byte(), head_end, comments);
    let modifiers: Vec<&str> = def.modifiers.iter().map(|n| text(src, *n)).collect();
    Symbol {
        signature: signature(&head),
        visibility: visibility(spec, &def.name, &modifiers, &head, parent),
        doc: doc(spec, def, comments, src),
        attributes: modifiers
            .iter()
            .flat_map(|m| m.split_whitespace())
            .filter(|w| !w.is_empty())
            .map(|w| compact(w, CALLEE_CAP))
            .collect(),
        bases: def.bases.clone(),
        target: def.target.clone(),
        ..outline_symbol(kind, qualified_name, spec, def, path)
    }
}

/// A definition's symbol as an outline has it: what it is and where.
fn outline_symbol(
    kind: SymbolKind,
    qualified_name: String,
    spec: &Spec,
    def: &Def,
    path: &str,
) -> Symbol {
    Symbol {
        id: SymbolId::from_raw(""),
        name: def.name.clone(),
        kind,
        qualified_name,
        language: spec.language,
        path: path.to_string(),
        span: span_between(def.node, def.last.unwrap_or(def.node)),
        signature: String::new(),
        visibility: Visibility::Private,
        doc: None,
        attributes: Vec::new(),
        parent: None,
        bases: Vec::new(),
        target: None,
        calls: Vec::new(),
        field_types: Default::default(),
        words: String::new(),
    }
}

/// The source from `start` to `end` without the comments inside it (a
/// Javadoc between an annotation and its method is no part of the
/// signature).
fn without_comments(src: &str, start: usize, end: usize, comments: &[Node]) -> String {
    let end = end.max(start);
    let mut out = String::new();
    let mut at = start;
    let first = comments.partition_point(|c| c.start_byte() < start);
    for c in comments[first..].iter().take_while(|c| c.end_byte() <= end) {
        out.push_str(src.get(at..c.start_byte()).unwrap_or(""));
        at = c.end_byte();
    }
    out.push_str(src.get(at..end).unwrap_or(""));
    out
}

fn join(sep: &str, prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}{sep}{name}")
    }
}

/// The end of a definition's first line (or the whole node when it is one line).
fn first_line_end(src: &str, node: Node) -> usize {
    let text = text(src, node);
    node.start_byte() + text.find('\n').unwrap_or(text.len())
}

fn visibility(
    spec: &Spec,
    name: &str,
    modifiers: &[&str],
    head: &str,
    parent: Option<&Symbol>,
) -> Visibility {
    let has = |words: &[&str]| {
        modifiers
            .iter()
            .flat_map(|m| m.split(|c: char| !c.is_alphanumeric() && c != '_'))
            .any(|w| words.contains(&w))
    };
    match &spec.visibility {
        VisibilityRule::Public => Visibility::Public,
        VisibilityRule::Underscore => {
            if name.starts_with('_') {
                Visibility::Private
            } else {
                Visibility::Public
            }
        }
        VisibilityRule::Keywords {
            public,
            restricted,
            private,
            default,
            member_default,
        } => {
            if has(private) {
                Visibility::Private
            } else if has(restricted) {
                Visibility::Restricted
            } else if has(public) {
                Visibility::Public
            } else if let Some(parent) = parent {
                // What an interface, trait or enum declares is as visible
                // as itself.
                if matches!(
                    parent.kind,
                    SymbolKind::Interface | SymbolKind::Trait | SymbolKind::Enum
                ) {
                    parent.visibility
                } else {
                    *member_default
                }
            } else {
                // Some keywords lead the declaration itself (`defp`,
                // `local function`): look at its first word too.
                let first = head.split_whitespace().next().unwrap_or("");
                if private.contains(&first) {
                    Visibility::Private
                } else {
                    *default
                }
            }
        }
    }
}

/// The doc text: an explicit `@doc` capture, else the comments that end
/// right before the definition (no blank line between).
fn doc(spec: &Spec, def: &Def, comments: &[Node], src: &str) -> Option<String> {
    let doc = raw_doc(spec, def, comments, src)?;
    if spec.xml_docs {
        return without_xml_tags(&doc);
    }
    Some(doc)
}

/// `<summary>Adds <paramref name="x"/> to the total.</summary>` → `Adds x
/// to the total.`: tags dropped (a self-closing reference keeps its name),
/// blank edges trimmed.
fn without_xml_tags(doc: &str) -> Option<String> {
    let mut out = String::with_capacity(doc.len());
    let mut rest = doc;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let tag = &rest[open + 1..open + close];
        if tag.ends_with('/') {
            // `<see cref="Foo"/>`, `<paramref name="x"/>`: the name it cites.
            if let Some(value) = tag.split('"').nth(1) {
                out.push_str(value.rsplit(':').next().unwrap_or(value));
            }
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    let text = lines.join("\n");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn raw_doc(spec: &Spec, def: &Def, comments: &[Node], src: &str) -> Option<String> {
    if let Some(node) = def.doc {
        let raw = text(src, node).trim_start();
        let commented = spec.comments.line.iter().any(|m| raw.starts_with(m))
            || spec
                .comments
                .block
                .iter()
                .any(|(open, _)| raw.starts_with(open));
        if commented {
            return clean_styled_comments(&spec.comments, [raw]);
        }
        return crate::text::clean_docstring(raw)
            .or_else(|| clean_styled_comments(&spec.comments, [raw]));
    }
    // The comment precedes any wrapper (`template <…>`) of the declaration.
    let mut anchor = def.node;
    while let Some(parent) = anchor
        .parent()
        .filter(|p| spec.wrappers.contains(&p.kind()))
    {
        anchor = parent;
    }
    let mut start = anchor.start_byte();
    let upto = comments.partition_point(|c| c.end_byte() <= start);
    let mut run: Vec<&str> = Vec::new();
    for c in comments[..upto].iter().rev() {
        let gap = src.get(c.end_byte()..start).unwrap_or("x");
        if !gap.trim().is_empty() || gap.matches('\n').count() > 1 {
            break;
        }
        run.push(text(src, *c));
        start = c.start_byte();
    }
    if run.is_empty() {
        return None;
    }
    run.reverse();
    if !spec.doc_markers.is_empty()
        && !run
            .iter()
            .any(|c| spec.doc_markers.iter().any(|m| c.starts_with(m)))
    {
        return None;
    }
    clean_styled_comments(&spec.comments, run)
}

/// Gives each call to the innermost function or method that contains it.
fn attribute_calls(symbols: &mut [Symbol], parents: &[Option<usize>], calls: &[Call], src: &str) {
    let starts: Vec<usize> = symbols.iter().map(|s| s.span.bytes.start).collect();
    let mut seen: FxHashSet<(usize, String, u32)> = FxHashSet::default();
    let mut by_owner: HashMap<usize, Vec<CallSite>> = HashMap::new();
    for call in calls {
        let at = call.node.start_byte();
        let end = call.node.end_byte();
        let mut candidate = starts.partition_point(|&s| s <= at).checked_sub(1);
        let owner = loop {
            let Some(i) = candidate else { break None };
            if symbols[i].kind.is_callable() && symbols[i].span.bytes.end >= end {
                break Some(i);
            }
            candidate = parents[i];
        };
        let Some(owner) = owner else { continue };
        let name = match &call.selector {
            Some(selector) => compact(selector, CALLEE_CAP),
            None => compact(text(src, call.name), CALLEE_CAP),
        };
        // A receiver node may hold its separator (Haskell's `List.`).
        let qualifier = call.receiver.map(|r| {
            let r = text(src, r).trim_end_matches(['.', ':', '-', '>']);
            collapse(r, CALLEE_CAP)
        });
        let callee = match &qualifier {
            Some(q) => format!("{q}.{name}"),
            None => name.clone(),
        };
        let line = call.node.start_position().row as u32 + 1;
        if name.is_empty() || !seen.insert((owner, callee.clone(), line)) {
            continue;
        }
        by_owner.entry(owner).or_default().push(CallSite {
            callee: callee.into(),
            name: name.into(),
            kind: if call.constructor {
                CallKind::Constructor
            } else if qualifier.is_some() {
                CallKind::Method
            } else {
                CallKind::Function
            },
            qualifier: qualifier.map(Into::into),
            line,
            receiver_type: None,
            receiver_from: None,
            resolved: None,
            provenance: None,
            confidence: None,
        });
    }
    for (owner, mut calls) in by_owner {
        calls.sort_by_key(|c| c.line);
        symbols[owner].calls = calls;
    }
}

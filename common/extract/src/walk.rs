//! The one tree walk every language shares: an iterative pre-order walk with
//! a `TreeCursor` (no recursion, so any nesting depth is safe), a scope stack
//! of the symbols that enclose the current node, and the runs of comments and
//! attributes that precede each node (kept by the walk itself, because
//! `Node::prev_sibling` costs O(siblings) per call).

use crate::text::{compact, compact_tail, CALLEE_CAP};
use doctown_core::{
    ByteRange, CallKind, CallSite, Import, Language, Position, ReturnedBy, Span, Symbol, SymbolId,
    SymbolKind, Visibility,
};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use tree_sitter::Node;

/// One language's rules: which nodes lead a declaration (comments,
/// attributes, decorators) and what to do on entering a node.
pub(crate) trait Rules {
    /// Whether a node of this kind belongs to the run that precedes a
    /// declaration (doc comments, attributes, decorators).
    fn is_leading(&self, kind: &str) -> bool;
    /// Handles a named node (or a token with children) of kind `kind`;
    /// returns whether to walk into its children. Tokens without children
    /// (punctuation, keywords) are not handed to the rules.
    fn enter<'t>(&mut self, kind: &'static str, node: Node<'t>, cx: &mut Cx<'t, '_>) -> bool;
}

/// The name of every node kind of a language's grammar, by kind id: what
/// `Node::kind` returns, without its C string scan and UTF-8 check on
/// every call (the walk asks once per node). Built once per language.
pub(crate) fn kind_names(language: Language) -> &'static [&'static str] {
    type Tables = Mutex<FxHashMap<Language, &'static [&'static str]>>;
    static TABLES: OnceLock<Tables> = OnceLock::new();
    let tables = TABLES.get_or_init(Tables::default);
    let mut tables = tables
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    tables.entry(language).or_insert_with(|| {
        let grammar = crate::grammar(language);
        let names: Vec<&'static str> = (0..grammar.node_kind_count())
            .map(|id| {
                u16::try_from(id)
                    .ok()
                    .and_then(|id| grammar.node_kind_for_id(id))
                    .unwrap_or("")
            })
            .collect();
        Box::leak(names.into_boxed_slice())
    })
}

/// A symbol being declared, before it gets an id.
pub(crate) struct Decl<'t> {
    /// The node whose range is the symbol's span.
    pub node: Node<'t>,
    pub name: String,
    pub kind: SymbolKind,
    pub signature: String,
    pub visibility: Visibility,
    pub doc: Option<String>,
    pub attributes: Vec<String>,
    pub bases: Vec<String>,
    pub target: Option<String>,
    /// Overrides `prefix + sep + name` (used for impl blocks).
    pub qualified_name: Option<String>,
}

impl<'t> Decl<'t> {
    pub fn new(
        node: Node<'t>,
        name: impl Into<String>,
        kind: SymbolKind,
        signature: String,
    ) -> Self {
        Decl {
            node,
            name: name.into(),
            kind,
            signature,
            visibility: Visibility::Private,
            doc: None,
            attributes: Vec::new(),
            bases: Vec::new(),
            target: None,
            qualified_name: None,
        }
    }
}

struct Scope {
    depth: usize,
    symbol: Option<usize>,
    prefix: String,
    callable: bool,
}

/// What the code says a bound name holds: a type it states or
/// constructs (`x: &Store`, `Store::new()`), or the value a call gives
/// (`let s = open()?`, a callback's parameter), whose type resolution
/// reads from the callee.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bound {
    Type(String),
    Given(ReturnedBy),
}

/// The walk's state, handed to the language rules.
pub(crate) struct Cx<'t, 's> {
    pub src: &'s str,
    pub path: &'s str,
    pub language: Language,
    pub symbols: Vec<Symbol>,
    pub parents: Vec<Option<usize>>,
    pub imports: Vec<Import>,
    sep: &'static str,
    root_prefix: String,
    scopes: Vec<Scope>,
    depth: usize,
    ancestors: Vec<Node<'t>>,
    runs: Vec<Vec<Node<'t>>>,
    preceding: Vec<Vec<Node<'t>>>,
    seen_calls: FxHashSet<(usize, String, u32)>,
    /// Names bound inside each callable (parameters, locals) with what the
    /// code says they hold, if anything.
    locals: FxHashMap<usize, FxHashMap<String, Option<Bound>>>,
    /// (type name, field name) → the field's declared type: struct fields,
    /// class attributes, `self.x = Foo()` in a method.
    pub field_types: FxHashMap<(String, String), String>,
    /// Definitions only ([`crate::Extractor::outline`]): the rules skip
    /// bindings, calls and imports, and what holds no definition.
    pub outline: bool,
    /// An outline of a tree without syntax errors: the rules may also skip
    /// what the grammar says cannot hold a definition (a Python
    /// expression). A tree with errors is walked whole, as the full
    /// extraction walks it, so both find the same definitions there too.
    pub prune: bool,
}

impl<'t, 's> Cx<'t, 's> {
    pub fn new(
        src: &'s str,
        path: &'s str,
        language: Language,
        root_prefix: String,
        sep: &'static str,
    ) -> Self {
        Cx {
            src,
            path,
            language,
            symbols: Vec::new(),
            parents: Vec::new(),
            imports: Vec::new(),
            sep,
            root_prefix,
            scopes: Vec::new(),
            depth: 0,
            ancestors: Vec::new(),
            runs: vec![Vec::new()],
            preceding: vec![Vec::new()],
            seen_calls: FxHashSet::default(),
            locals: FxHashMap::default(),
            field_types: FxHashMap::default(),
            outline: false,
            prune: false,
        }
    }

    /// This walk in outline mode or not, of a tree whose root is `root`.
    pub fn outline(mut self, outline: bool, root: Node) -> Self {
        self.outline = outline;
        self.prune = outline && !root.has_error();
        self
    }

    /// The innermost enclosing function or method.
    pub fn callable(&self) -> Option<usize> {
        self.scopes
            .iter()
            .rev()
            .find(|s| s.callable)
            .and_then(|s| s.symbol)
    }

    /// Binds a name in the innermost callable (a parameter or a local),
    /// with what it holds when the code says. A later binding of the same
    /// name replaces it (shadowing).
    pub fn bind_local(&mut self, name: &str, ty: Option<Bound>) {
        if let Some(owner) = self.callable() {
            let ty = ty.filter(|t| !matches!(t, Bound::Type(t) if t.is_empty()));
            self.locals
                .entry(owner)
                .or_default()
                .insert(name.to_string(), ty);
        }
    }

    /// The binding of `name` in the enclosing callables, innermost first:
    /// `Some(what it holds)` when bound, `None` when not a local.
    pub fn local(&self, name: &str) -> Option<Option<&Bound>> {
        self.scopes
            .iter()
            .rev()
            .filter(|s| s.callable)
            .filter_map(|s| self.locals.get(&s.symbol?)?.get(name))
            .map(Option::as_ref)
            .next()
    }

    /// Records the declared type of a field of the class whose body
    /// encloses the current node (`x: Store` in a class body).
    pub fn class_field(&mut self, field: &str, ty: String) {
        let class = self
            .scope_symbol()
            .filter(|&p| self.symbols[p].kind == SymbolKind::Class);
        if let Some(class) = class {
            let key = (self.symbols[class].name.clone(), field.to_string());
            self.field_types.insert(key, ty);
        }
    }

    /// Records the type of a field of the enclosing method's own type
    /// (`self.x = Store()`, `this.x = new Store()`, a constructor's
    /// parameter property).
    pub fn receiver_field(&mut self, field: &str, ty: String) {
        if let Some(owner) = self.callable().and_then(|m| self.owner_type_of(m)) {
            self.field_types.insert((owner, field.to_string()), ty);
        }
    }

    /// The type a method's `self`/`this`/receiver has: its class, its
    /// impl's target, its Go receiver type.
    pub fn owner_type_of(&self, symbol: usize) -> Option<String> {
        let parent = self.parents.get(symbol).copied().flatten();
        match parent.map(|p| &self.symbols[p]) {
            Some(p) if p.kind == SymbolKind::Impl => p
                .target
                .as_deref()
                .map(|t| crate::text::base_type_name(t).to_string()),
            Some(p) if matches!(p.kind, SymbolKind::Class | SymbolKind::Struct) => {
                Some(p.name.clone())
            }
            _ => self.symbols[symbol].target.clone(),
        }
    }

    /// The source text of a node.
    pub fn text(&self, node: Node) -> &'s str {
        self.src
            .get(node.start_byte()..node.end_byte())
            .unwrap_or("")
    }

    /// The text of a node's field child.
    pub fn field(&self, node: Node, field: &str) -> Option<&'s str> {
        node.child_by_field_name(field).map(|n| self.text(n))
    }

    /// The source between two byte offsets.
    pub fn slice(&self, start: usize, end: usize) -> &'s str {
        self.src.get(start..end.max(start)).unwrap_or("")
    }

    /// The `n`-th ancestor of the current node (1 = parent).
    pub fn ancestor(&self, n: usize) -> Option<Node<'t>> {
        self.ancestors
            .len()
            .checked_sub(n)
            .map(|i| self.ancestors[i])
    }

    /// The comments/attributes immediately before the current node
    /// (`up` = 0), or before its `up`-th ancestor.
    pub fn leading(&self, up: usize) -> &[Node<'t>] {
        self.depth
            .checked_sub(up)
            .map(|d| self.preceding[d].as_slice())
            .unwrap_or(&[])
    }

    /// The qualified-name prefix of the current scope.
    pub fn prefix(&self) -> &str {
        self.scopes
            .last()
            .map(|s| s.prefix.as_str())
            .unwrap_or(&self.root_prefix)
    }

    /// Replaces the qualified-name prefix of the file (Go's `package` clause).
    pub fn set_root_prefix(&mut self, prefix: String) {
        self.root_prefix = prefix;
    }

    /// The symbol of the innermost scope, if any.
    pub fn scope_symbol(&self) -> Option<usize> {
        self.scopes.last().and_then(|s| s.symbol)
    }

    /// Whether no function or method encloses the current node.
    pub fn at_module_level(&self) -> bool {
        !self.scopes.iter().any(|s| s.callable)
    }

    /// Joins a prefix and a name with this language's separator.
    pub fn qualify(&self, prefix: &str, name: &str) -> String {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}{}{name}", self.sep)
        }
    }

    /// Records a symbol; when `open` is set, it becomes the scope of the
    /// current node's descendants, with `child_prefix` (default: its
    /// qualified name) as their prefix.
    pub fn declare(&mut self, decl: Decl<'t>, open: bool, child_prefix: Option<String>) -> usize {
        let qualified_name = decl
            .qualified_name
            .unwrap_or_else(|| self.qualify(self.prefix(), &decl.name));
        let span = span_between(decl.node, decl.node);
        let index = self.symbols.len();
        self.parents.push(self.scope_symbol());
        let callable = decl.kind.is_callable();
        let prefix = child_prefix.unwrap_or_else(|| qualified_name.clone());
        self.symbols.push(Symbol {
            id: SymbolId::from_raw(""),
            name: decl.name,
            kind: decl.kind,
            qualified_name,
            language: self.language,
            path: self.path.to_string(),
            span,
            signature: decl.signature,
            visibility: decl.visibility,
            doc: decl.doc,
            attributes: decl.attributes,
            parent: None,
            bases: decl.bases,
            target: decl.target,
            calls: Vec::new(),
            field_types: Default::default(),
            words: String::new(),
        });
        if open {
            self.scopes.push(Scope {
                depth: self.depth,
                symbol: Some(index),
                prefix,
                callable,
            });
        }
        index
    }

    /// Records a call at `node` to the innermost enclosing function or method.
    pub fn call(
        &mut self,
        node: Node,
        callee: &str,
        name: &str,
        qualifier: Option<&str>,
        kind: CallKind,
    ) {
        if self.outline {
            return;
        }
        let Some(owner) = self.callable() else {
            return;
        };
        // A call of a parameter or local (a closure, a callback) is not a
        // call of a symbol: it shadows any symbol of that name.
        let local_call = matches!(kind, CallKind::Function | CallKind::Reference)
            && qualifier.is_none()
            && self.local(name).is_some();
        if local_call {
            return;
        }
        // `x.clone().f()`, `make()?.f()`, `make().unwrap().f()`: the
        // receiver is `x`'s value, or what `make` returns.
        let receiver = qualifier.map(|q| through_transparent(q, self.language));
        let bound = match receiver {
            Some(q) if kind == CallKind::Method && is_identifier(q) => self.local(q).flatten(),
            _ => None,
        };
        let error = receiver.filter(|_| kind == CallKind::Method);
        let error = error.and_then(|q| self.error_receiver(q));
        let (receiver_type, receiver_from) = match bound {
            _ if error.is_some() => (None, error.map(Box::new)),
            Some(Bound::Type(ty)) => (Some(ty.as_str().into()), None),
            Some(Bound::Given(given)) => (None, Some(Box::new(given.clone()))),
            // A chain: `r.NewRoute().Path("/")` calls `Path` on what
            // `r.NewRoute` returned.
            None if kind == CallKind::Method => (
                None,
                receiver
                    .and_then(called)
                    .map(|callee| Box::new(ReturnedBy::call(&callee))),
            ),
            None => (None, None),
        };
        let callee = compact_tail(callee, CALLEE_CAP);
        let line = node.start_position().row as u32 + 1;
        if name.is_empty() || !self.seen_calls.insert((owner, callee.clone(), line)) {
            return;
        }
        self.symbols[owner].calls.push(CallSite {
            callee: callee.into(),
            name: compact(name, CALLEE_CAP).into(),
            qualifier: qualifier.map(|q| compact(q, CALLEE_CAP).into()),
            kind,
            line,
            receiver_type,
            receiver_from,
            resolved: None,
            provenance: None,
            confidence: None,
        });
    }

    /// `r.unwrap_err()`, `f()?.expect_err("…")`: the error that a local's
    /// call or the call written gives (Rust).
    fn error_receiver(&self, receiver: &str) -> Option<ReturnedBy> {
        if self.language != Language::Rust {
            return None;
        }
        let inner = error_taken(receiver)?;
        let inner = through_transparent(inner, self.language);
        let given = if is_identifier(inner) {
            match self.local(inner).flatten() {
                Some(Bound::Given(given)) => given.clone(),
                _ => return None,
            }
        } else {
            ReturnedBy::call(&called(inner)?)
        };
        given.error_of()
    }

    /// Records an import.
    pub fn import(&mut self, node: Node, module: &str, names: Vec<String>, alias: Option<&str>) {
        if self.outline {
            return;
        }
        self.imports.push(Import {
            module: module.to_string(),
            names,
            alias: alias.map(str::to_string),
            line: node.start_position().row as u32 + 1,
        });
    }

    fn enter_level(&mut self) {
        self.depth += 1;
        if self.runs.len() <= self.depth {
            self.runs.push(Vec::new());
            self.preceding.push(Vec::new());
        }
        self.runs[self.depth].clear();
        self.preceding[self.depth].clear();
    }

    fn leave_node(&mut self) {
        while self.scopes.last().is_some_and(|s| s.depth >= self.depth) {
            self.scopes.pop();
        }
    }
}

/// The span from the start of `first` to the end of `last` (one node, or
/// the clauses of one definition).
pub(crate) fn span_between(first: Node, last: Node) -> Span {
    let (start, end) = (first.start_position(), last.end_position());
    Span {
        bytes: ByteRange {
            start: first.start_byte(),
            end: last.end_byte(),
        },
        start: Position {
            line: start.row as u32 + 1,
            column: start.column as u32,
        },
        end: Position {
            line: end.row as u32 + 1,
            column: end.column as u32,
        },
    }
}

/// Walks the whole tree once, in pre-order, without recursion.
pub(crate) fn walk<'t, R: Rules>(root: Node<'t>, rules: &mut R, cx: &mut Cx<'t, '_>) {
    let kinds = kind_names(cx.language);
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        // A token (punctuation, a keyword) ends a run of leading nodes and
        // holds nothing: about half of all nodes, so no kind lookup for it.
        let token = !node.is_named() && node.child_count() == 0;
        let kind = if token {
            ""
        } else {
            kinds
                .get(usize::from(node.kind_id()))
                .copied()
                .unwrap_or_else(|| node.kind())
        };
        let leading = !token && rules.is_leading(kind);
        if !leading {
            let d = cx.depth;
            std::mem::swap(&mut cx.runs[d], &mut cx.preceding[d]);
            cx.runs[d].clear();
        }
        let descend = !token && rules.enter(kind, node, cx);
        if leading {
            let d = cx.depth;
            cx.runs[d].push(node);
        }
        if descend && cursor.goto_first_child() {
            cx.ancestors.push(node);
            cx.enter_level();
            continue;
        }
        loop {
            cx.leave_node();
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
            cx.ancestors.pop();
            cx.depth -= 1;
        }
    }
}

/// `a.b(x, y)` → `a.b`: the callee of a call written as a receiver.
fn called(receiver: &str) -> Option<String> {
    let body = receiver.strip_suffix(')')?;
    let callee = body[..call_open(body)?].trim_end();
    let callee = callee.strip_suffix('?').unwrap_or(callee);
    (!callee.is_empty()).then(|| compact_tail(callee, CALLEE_CAP))
}

/// Rust's standard methods whose value is their receiver's, as call
/// resolution sees types: a clone or a borrow of it, or (since a declared
/// `Result<T>` or `Option<T>` is read as `T`, and a local bound to
/// `f().expect(…)` is `f`'s value) what it holds. Not `as_ref`: a type's
/// own `AsRef` gives another type.
const TRANSPARENT: [&str; 7] = [
    "clone",
    "to_owned",
    "borrow",
    "borrow_mut",
    "by_ref",
    "unwrap",
    "expect",
];

/// A Rust receiver without the standard calls that keep its value
/// (`x.clone()` → `x`, `make()?` → `make()`, `make().unwrap()` → `make()`).
fn through_transparent(receiver: &str, language: doctown_core::Language) -> &str {
    if language != doctown_core::Language::Rust {
        return receiver;
    }
    let mut r = receiver.trim_end();
    loop {
        if let Some(inner) = r.strip_suffix('?') {
            r = inner.trim_end();
            continue;
        }
        let Some(open) = r.strip_suffix(')').and_then(call_open) else {
            return r;
        };
        let callee = r[..open].trim_end();
        match callee.rsplit_once('.') {
            Some((inner, name)) if TRANSPARENT.contains(&name.trim()) && !inner.is_empty() => {
                r = inner.trim_end();
            }
            _ => return r,
        }
    }
}

/// `x.unwrap_err()`, `x.expect_err(…)` → `x` (Rust's calls that give a
/// `Result`'s error).
fn error_taken(receiver: &str) -> Option<&str> {
    let body = receiver.trim_end().strip_suffix(')')?;
    let (inner, name) = body[..call_open(body)?].trim_end().rsplit_once('.')?;
    (matches!(name.trim(), "unwrap_err" | "expect_err") && !inner.is_empty())
        .then(|| inner.trim_end())
}

/// Where the argument list closing `body`'s end opens (`body` is a call's
/// text without its last `)`).
fn call_open(body: &str) -> Option<usize> {
    let mut depth = 1usize;
    for (i, c) in body.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// Gives method calls on `SELF.field` (`self.store.get()`, `this.db.query()`,
/// a Go receiver's field) the field's declared type as the receiver type.
/// `self_name` names the receiver in a method (None: not a method).
pub(crate) fn fill_field_receivers(cx: &mut Cx, self_name: impl Fn(&Symbol) -> Option<String>) {
    if cx.field_types.is_empty() {
        return;
    }
    // The struct or class keeps its field types, for methods in other files.
    for ((owner, field), ty) in &cx.field_types {
        let found = cx
            .symbols
            .iter_mut()
            .find(|s| s.name == *owner && matches!(s.kind, SymbolKind::Struct | SymbolKind::Class));
        if let Some(s) = found {
            s.field_types.insert(field.clone(), ty.clone());
        }
    }
    for i in 0..cx.symbols.len() {
        if cx.symbols[i].calls.is_empty() {
            continue;
        }
        let Some(me) = self_name(&cx.symbols[i]) else {
            continue;
        };
        let Some(owner) = cx.owner_type_of(i) else {
            continue;
        };
        let prefix = format!("{me}.");
        let field_types = &cx.field_types;
        for call in &mut cx.symbols[i].calls {
            if call.receiver_type.is_some() || call.kind != CallKind::Method {
                continue;
            }
            let field = call
                .qualifier
                .as_deref()
                .and_then(|q| q.strip_prefix(&prefix));
            if let Some(field) = field.filter(|f| is_identifier(f)) {
                call.receiver_type = field_types
                    .get(&(owner.clone(), field.to_string()))
                    .map(|t| t.as_str().into());
            }
        }
    }
}

/// Turns method calls on an imported module's binding (`os.getcwd()`,
/// `http.Get()`, `ns.f()`) into path calls.
pub(crate) fn reclassify_module_calls(symbols: &mut [Symbol], bindings: &HashSet<String>) {
    if bindings.is_empty() {
        return;
    }
    for call in symbols.iter_mut().flat_map(|s| s.calls.iter_mut()) {
        if call.kind == CallKind::Method
            && call
                .qualifier
                .as_ref()
                .is_some_and(|q| bindings.contains(&**q))
        {
            call.kind = CallKind::Path;
        }
    }
}

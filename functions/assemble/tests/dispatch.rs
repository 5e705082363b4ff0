//! Dispatch edges on small realistic sources, extracted and resolved by
//! the real extractor: a call to a trait, interface or base-class method
//! also links its implementations and overrides (provenance `dispatch`,
//! below the confidence threshold), and nothing else.

use doctown_assemble::artifacts::{AssembleGraph, EdgeKind};
use doctown_assemble::{assemble, AssembleInput, AssembleOptions};
use doctown_core::{FileRecord, FileRole, Import, Language, Provenance, Symbol, CONFIDENT};
use doctown_extract::{resolve_calls, Extractor, ProjectLayout};
use std::collections::{BTreeSet, HashMap};

const RUST: &str = r#"
pub trait Store {
    fn get(&self, key: &str) -> Option<String>;
    fn name(&self) -> &str { "store" }
}

pub struct Local;
impl Store for Local {
    fn get(&self, key: &str) -> Option<String> { Some(key.to_string()) }
}

pub struct Remote;
impl Store for Remote {
    fn get(&self, key: &str) -> Option<String> { None }
    fn name(&self) -> &str { "remote" }
}

pub struct Cache;
impl Cache {
    fn get(&self, key: &str) -> Option<String> { None }
}

pub fn lookup(store: &dyn Store, key: &str) -> Option<String> {
    store.get(key)
}

pub fn describe(store: &dyn Store) -> usize {
    store.name().len()
}
"#;

const PYTHON: &str = r#"
class Shape:
    def area(self):
        raise NotImplementedError

    def report(self):
        return self.area()


class Square(Shape):
    def area(self):
        return 4


class Unit(Square):
    def area(self):
        return 1


class Table:
    def area(self):
        return 0
"#;

const TYPESCRIPT: &str = r#"
export interface Handler {
  handle(req: string): string;
}

export class Echo implements Handler {
  handle(req: string): string { return req; }
}

export class Upper implements Handler {
  handle(req: string): string { return req.toUpperCase(); }
}

export function serve(h: Handler, req: string): string {
  return h.handle(req);
}
"#;

const GO: &str = r#"
package shapes

type Sizer interface {
	Size() int
	Name() string
}

type Box struct{}

func (b *Box) Size() int     { return 1 }
func (b *Box) Name() string  { return "box" }

type Half struct{}

func (h *Half) Size() int { return 0 }

func Total(s Sizer) int {
	return s.Size()
}
"#;

fn build(files: &[(&str, Language, &str)]) -> (Vec<Symbol>, AssembleGraph) {
    let layout = std::sync::Arc::new(ProjectLayout::default());
    let mut extractor = Extractor::with_layout(layout.clone());
    let mut symbols = Vec::new();
    let mut imports: HashMap<String, Vec<Import>> = HashMap::new();
    for (path, language, source) in files {
        let e = extractor.extract(path, *language, source);
        symbols.extend(e.symbols);
        imports.insert(path.to_string(), e.imports);
    }
    resolve_calls(&mut symbols, &imports, &layout);
    let files = files
        .iter()
        .map(|(path, language, source)| FileRecord {
            path: path.to_string(),
            language: *language,
            size_bytes: source.len() as u64,
            lines: source.lines().count() as u32,
            sha256: String::new(),
            symbols: 0,
            chunks: 0,
            imports: imports[*path].clone(),
            import_files: None,
            has_syntax_errors: false,
            lossy_utf8: false,
            role: FileRole::default(),
        })
        .collect();
    let input = AssembleInput::new(symbols.clone(), files, Vec::new(), None);
    let out = assemble(&input, &AssembleOptions::default()).unwrap();
    (symbols, out.graph)
}

/// `caller -> callee` (by qualified name) of every calls edge with this provenance.
fn edges(symbols: &[Symbol], g: &AssembleGraph, how: Provenance) -> BTreeSet<String> {
    let name: HashMap<&str, &str> = symbols
        .iter()
        .map(|s| (s.id.as_str(), s.qualified_name.as_str()))
        .collect();
    g.edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Calls && e.provenance == Some(how))
        .map(|e| {
            assert!(e.confidence.unwrap_or(1.0) < f64::from(CONFIDENT), "{e:?}");
            let n = |id: &str| name.get(id).copied().unwrap_or("?").to_string();
            format!("{} -> {}", n(&e.source), n(&e.target))
        })
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn trait_methods_dispatch_to_their_impls_only() {
    let (symbols, g) = build(&[("src/lib.rs", Language::Rust, RUST)]);
    assert_eq!(
        edges(&symbols, &g, Provenance::Dispatch),
        set(&[
            "crate::describe -> crate::<Remote as Store>::name",
            "crate::lookup -> crate::<Local as Store>::get",
            "crate::lookup -> crate::<Remote as Store>::get",
        ])
    );
}

#[test]
fn overrides_are_found_down_the_class_hierarchy() {
    let (symbols, g) = build(&[("shapes.py", Language::Python, PYTHON)]);
    assert_eq!(
        edges(&symbols, &g, Provenance::Dispatch),
        set(&[
            "shapes.Shape.report -> shapes.Square.area",
            "shapes.Shape.report -> shapes.Unit.area",
        ])
    );
}

#[test]
fn interface_methods_dispatch_to_implementing_classes() {
    let (symbols, g) = build(&[("src/handler.ts", Language::TypeScript, TYPESCRIPT)]);
    assert_eq!(
        edges(&symbols, &g, Provenance::Dispatch),
        set(&[
            "src/handler.serve -> src/handler.Echo.handle",
            "src/handler.serve -> src/handler.Upper.handle",
        ])
    );
}

#[test]
fn go_interfaces_are_satisfied_structurally() {
    let (symbols, g) = build(&[("shapes/shapes.go", Language::Go, GO)]);
    // `Half` lacks `Name`, so it does not implement `Sizer`.
    assert_eq!(
        edges(&symbols, &g, Provenance::Dispatch),
        set(&["shapes.Total -> shapes.Box.Size"])
    );
}

/// A constructor call (`super().__init__()`, `super(...)`) runs that
/// constructor: no dispatch edges to the sibling subclasses' constructors
/// (click had 33 such edges, rxjs 40 constructor "overrides").
#[test]
fn constructors_are_not_overrides() {
    const PY: &str = r#"
class Base:
    def __init__(self):
        self.x = 1

    def run(self):
        return 0


class Child(Base):
    def __init__(self):
        super().__init__()

    def run(self):
        return 1


class Other(Base):
    def __init__(self):
        super().__init__()


def start(b: Base):
    return b.run()
"#;
    let (symbols, g) = build(&[("pkg/base.py", Language::Python, PY)]);
    assert_eq!(
        edges(&symbols, &g, Provenance::Dispatch),
        set(&["pkg.base.start -> pkg.base.Child.run"])
    );
}

/// Go methods belong to any named type, not only structs: a function type
/// or a map type with the interface's methods implements it (gorilla/mux's
/// `MatcherFunc`, `headerMatcher`).
#[test]
fn go_named_non_struct_types_implement_interfaces() {
    const GO: &str = r#"
package route

type matcher interface {
	Match(s string) bool
}

type MatcherFunc func(string) bool

func (f MatcherFunc) Match(s string) bool { return f(s) }

type headers map[string]string

func (h headers) Match(s string) bool { return h[s] != "" }

func Run(m matcher, s string) bool {
	return m.Match(s)
}
"#;
    let (symbols, g) = build(&[("route/route.go", Language::Go, GO)]);
    assert_eq!(
        edges(&symbols, &g, Provenance::Dispatch),
        set(&[
            "route.Run -> route.MatcherFunc.Match",
            "route.Run -> route.headers.Match",
        ])
    );
}

/// An `impl Trait for` names a trait: an associated type of the same name
/// (`type Bound: Bound;`) is not a candidate (regex-syntax's `Bound`).
#[test]
fn a_rust_impl_names_a_trait_not_an_associated_type() {
    const RS: &str = r#"
pub trait Interval {
    type Bound: Bound;
    fn lower(&self) -> Self::Bound;
}

pub trait Bound {
    fn as_u32(&self) -> u32;
}

impl Bound for u8 {
    fn as_u32(&self) -> u32 { *self as u32 }
}

impl Bound for char {
    fn as_u32(&self) -> u32 { *self as u32 }
}

pub fn width(b: &dyn Bound) -> u32 {
    b.as_u32()
}
"#;
    let (symbols, g) = build(&[("src/lib.rs", Language::Rust, RS)]);
    assert_eq!(
        edges(&symbols, &g, Provenance::Dispatch),
        set(&[
            "crate::width -> crate::<char as Bound>::as_u32",
            "crate::width -> crate::<u8 as Bound>::as_u32"
        ])
    );
}

/// Two traits of one name: the file's `use` decides which one an impl
/// implements, before the same directory (regex-syntax's `hir::translate`
/// implements `ast::Visitor`, beside `hir::visitor::Visitor`).
#[test]
fn imports_pick_the_trait_before_the_same_directory() {
    const AST: &str = r#"
pub trait Visitor {
    fn visit(&self);
}

pub fn walk(v: &dyn Visitor) {
    v.visit()
}
"#;
    const HIR: &str = r#"
pub trait Visitor {
    fn visit(&self);
}

pub fn walk_hir(v: &dyn Visitor) {
    v.visit()
}
"#;
    const TRANSLATE: &str = r#"
use crate::ast::Visitor;

pub struct Translator;

impl Visitor for Translator {
    fn visit(&self) {}
}
"#;
    let (symbols, g) = build(&[
        (
            "src/ast/mod.rs",
            Language::Rust,
            "pub mod visitor;\npub use self::visitor::Visitor;\n",
        ),
        ("src/ast/visitor.rs", Language::Rust, AST),
        ("src/hir/visitor.rs", Language::Rust, HIR),
        ("src/hir/translate.rs", Language::Rust, TRANSLATE),
    ]);
    assert_eq!(
        edges(&symbols, &g, Provenance::Dispatch),
        set(&[
            "crate::ast::visitor::walk -> crate::hir::translate::<Translator as Visitor>::visit"
        ])
    );
}

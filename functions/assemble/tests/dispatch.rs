//! Dispatch edges on small realistic sources, extracted and resolved by
//! the real extractor: a call to a trait, interface or base-class method
//! also links its implementations and overrides (provenance `dispatch`,
//! below the confidence threshold), and nothing else.

use doctown_assemble::artifacts::{AssembleGraph, EdgeKind};
use doctown_assemble::{assemble, AssembleInput, AssembleOptions};
use doctown_core::{Import, Language, Provenance, Symbol, CONFIDENT};
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
    let input = AssembleInput::new(symbols.clone(), Vec::new(), Vec::new(), None);
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

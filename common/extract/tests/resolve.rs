//! Cross-file call resolution over a small multi-language repository with
//! known answers, and resolution at scale.

mod common;

use doctown_core::{
    CallKind, CallSite, Language, Position, Span, Symbol, SymbolId, SymbolKind, Visibility,
};
use doctown_extract::{resolve_calls, resolve_calls_and_imports, ProjectLayout};
use std::collections::HashMap;
use std::time::Instant;

const FILES: &[(&str, Language, &str)] = &[
    ("src/lib.rs", Language::Rust, "mod store;\nmod util;\nuse crate::store::Store;\npub fn run() {\n    let s = Store::open();\n    s.flush_all();\n    store::helpers::tidy();\n    util_fn();\n    crate::util::util_fn();\n}\n"),
    ("src/store/mod.rs", Language::Rust, "pub mod helpers;\npub struct Store;\nimpl Store {\n    pub fn open() -> Self { Self::init(); Store }\n    fn init() {}\n    pub fn flush_all(&self) { self.init2() }\n}\nimpl Store {\n    fn init2(&self) {}\n}\n"),
    ("src/store/helpers.rs", Language::Rust, "pub fn tidy() { super::Store::open(); }\n"),
    ("src/util.rs", Language::Rust, "pub fn util_fn() {}\n"),
    ("app/main.py", Language::Python, "from .services import billing\nfrom app.models import Order as O\nimport app.utils as u\n\ndef main(o):\n    billing.charge()\n    O()\n    u.fmt_money()\n    o.grand_total()\n    helper()\n"),
    ("app/services/billing.py", Language::Python, "def charge():\n    pass\n\ndef helper():\n    pass\n"),
    ("app/models.py", Language::Python, "class Order:\n    def grand_total(self):\n        return self._sum()\n    def _sum(self):\n        return 0\n\nclass Special(Order):\n    def extra(self):\n        return self._sum()\n\ndef helper():\n    pass\n"),
    ("app/utils.py", Language::Python, "def fmt_money():\n    pass\n"),
    ("src/index.ts", Language::TypeScript, "import { add as plus } from \"./math\";\nimport * as str from \"./lib/strings\";\nimport Widget from \"./widget.js\";\nexport function main() {\n  plus(1, 2);\n  str.upper(\"x\");\n  new Widget();\n  missing();\n}\n"),
    ("src/math.ts", Language::TypeScript, "export function add(a: number, b: number) { return a + b; }\n"),
    ("src/lib/strings/index.ts", Language::TypeScript, "export const upper = (s: string) => s.toUpperCase();\n"),
    ("src/widget.tsx", Language::Tsx, "export default class Widget { render() { return <div/>; } }\n"),
    ("lib/a.js", Language::JavaScript, "const b = require('./b');\nfunction go() { b.run(); }\n"),
    ("lib/b.js", Language::JavaScript, "function run() {}\nmodule.exports = { run };\n"),
    ("cmd/app/main.go", Language::Go, "package main\n\nimport \"example.com/proj/internal/store\"\n\nfunc main() {\n\tstore.NewStore()\n\tlocalHelper()\n\tNewStore()\n}\n"),
    ("cmd/app/util.go", Language::Go, "package main\n\nfunc localHelper() {}\n"),
    ("internal/store/store.go", Language::Go, "package store\n\ntype Store struct{}\n\nfunc NewStore() *Store { s := &Store{}; s.reset(); return s }\n"),
    ("internal/store/reset.go", Language::Go, "package store\n\nfunc (s *Store) reset() {}\n"),
];

fn resolved() -> HashMap<(String, String), String> {
    let extractions = common::extract_all(FILES);
    let all: Vec<Symbol> = extractions.iter().flat_map(|e| e.symbols.clone()).collect();
    let names: HashMap<&str, &str> = all
        .iter()
        .map(|s| (s.id.as_str(), s.qualified_name.as_str()))
        .collect();
    let mut out = HashMap::new();
    for s in &all {
        for c in &s.calls {
            let target = c.resolved.as_ref().map_or("?", |id| names[id.as_str()]);
            out.insert(
                (s.qualified_name.clone(), c.callee.to_string()),
                target.to_string(),
            );
        }
    }
    out
}

#[test]
fn resolves_across_files_and_languages() {
    let got = resolved();
    let expect = [
        ("crate::run", "Store::open", "crate::store::Store::open"),
        (
            "crate::run",
            "s.flush_all",
            "crate::store::Store::flush_all",
        ),
        (
            "crate::run",
            "store::helpers::tidy",
            "crate::store::helpers::tidy",
        ),
        // Not in scope: `mod util;` alone does not import its functions
        // (rustc would reject the call), so no same-named guess.
        ("crate::run", "util_fn", "?"),
        ("crate::run", "crate::util::util_fn", "crate::util::util_fn"),
        (
            "crate::store::Store::open",
            "Self::init",
            "crate::store::Store::init",
        ),
        (
            "crate::store::Store::flush_all",
            "self.init2",
            "crate::store::Store::init2",
        ),
        (
            "crate::store::helpers::tidy",
            "super::Store::open",
            "crate::store::Store::open",
        ),
        (
            "app.main.main",
            "billing.charge",
            "app.services.billing.charge",
        ),
        ("app.main.main", "O", "app.models.Order"),
        ("app.main.main", "u.fmt_money", "app.utils.fmt_money"),
        (
            "app.main.main",
            "o.grand_total",
            "app.models.Order.grand_total",
        ),
        ("app.main.main", "helper", "?"),
        (
            "app.models.Order.grand_total",
            "self._sum",
            "app.models.Order._sum",
        ),
        (
            "app.models.Special.extra",
            "self._sum",
            "app.models.Order._sum",
        ),
        ("src.main", "plus", "src/math.add"),
        ("src.main", "str.upper", "src/lib/strings.upper"),
        ("src.main", "Widget", "src/widget.Widget"),
        ("src.main", "missing", "?"),
        ("lib/a.go", "b.run", "lib/b.run"),
        ("main.main", "store.NewStore", "store.NewStore"),
        ("main.main", "localHelper", "main.localHelper"),
        ("main.main", "NewStore", "?"),
        ("store.NewStore", "s.reset", "store.Store.reset"),
    ];
    let mut failures = Vec::new();
    for (caller, callee, want) in expect {
        let key = (caller.to_string(), callee.to_string());
        match got.get(&key) {
            Some(target) if target == want => {}
            other => failures.push(format!("{caller} -> {callee}: want {want}, got {other:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{}\nall: {got:#?}",
        failures.join("\n")
    );
}

#[test]
fn resolution_is_deterministic() {
    assert_eq!(resolved(), resolved());
}

fn symbol(path: &str, name: &str, kind: SymbolKind, ordinal: u32) -> Symbol {
    let position = Position { line: 1, column: 0 };
    Symbol {
        id: SymbolId::for_symbol(path, name, kind.name(), ordinal),
        name: name.to_string(),
        kind,
        qualified_name: name.to_string(),
        language: Language::Python,
        path: path.to_string(),
        span: Span {
            bytes: doctown_core::ByteRange { start: 0, end: 1 },
            start: position,
            end: position,
        },
        signature: String::new(),
        visibility: Visibility::Public,
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

#[test]
fn resolution_scales_linearly() {
    let mut symbols = Vec::new();
    for f in 0..1_000 {
        for s in 0..100 {
            symbols.push(symbol(
                &format!("pkg/m{f}.py"),
                &format!("f{f}_{s}"),
                SymbolKind::Function,
                0,
            ));
        }
    }
    symbols.push(symbol(
        "pkg/target.py",
        "target_method",
        SymbolKind::Method,
        0,
    ));
    let call = |callee: &str, name: &str, qualifier: Option<&str>, kind| CallSite {
        callee: callee.into(),
        name: name.into(),
        qualifier: qualifier.map(Into::into),
        kind,
        line: 1,
        receiver_type: None,
        receiver_from: None,
        resolved: None,
        provenance: None,
        confidence: None,
    };
    for caller in &mut symbols[..10_000] {
        caller.calls.push(call(
            "x.target_method",
            "target_method",
            Some("x"),
            CallKind::Method,
        ));
        caller
            .calls
            .push(call("f7_7", "f7_7", None, CallKind::Function));
        caller
            .calls
            .push(call("x.f7_7", "f7_7", Some("x"), CallKind::Method));
    }
    let started = Instant::now();
    let stats = resolve_calls(&mut symbols, &HashMap::new(), &ProjectLayout::default());
    let elapsed = started.elapsed();
    assert_eq!(stats.calls, 30_000);
    assert_eq!(
        stats.resolved,
        10_000 + 100,
        "the one method of a unique name resolves; a function neither imported \
         nor in the caller's file does not (but does for the 100 callers in \
         its own file), nor a method call to a function"
    );
    assert_eq!(
        stats.confident, 100,
        "same-file calls are confident, unique names are not"
    );
    assert!(elapsed.as_secs() < 5, "took {elapsed:?}");
}

/// Glob imports that re-export each other (`use crate::m1::*` in `m2`, and
/// so on) make every unresolved name a walk through the chain; the walk is
/// memoised per repository, so the cost stays linear in calls.
#[test]
fn glob_chains_stay_linear() {
    let files: Vec<(String, String)> = (0..300usize)
        .map(|i| {
            let globs: String = (i.saturating_sub(3)..i)
                .map(|j| format!("pub use crate::m{j}::*;\n"))
                .collect();
            let calls: String = (0..20).map(|k| format!("    unknown_{k}();\n")).collect();
            let source = format!("{globs}pub fn f{i}() {{\n{calls}    f0();\n}}\n");
            (format!("src/m{i}.rs"), source)
        })
        .collect();
    let inputs: Vec<(&str, Language, &str)> = files
        .iter()
        .map(|(p, s)| (p.as_str(), Language::Rust, s.as_str()))
        .collect();
    let started = Instant::now();
    let extractions = common::extract_all(&inputs);
    let elapsed = started.elapsed();
    let f0_calls = extractions
        .iter()
        .flat_map(|e| &e.symbols)
        .flat_map(|s| &s.calls)
        .filter(|c| &*c.name == "f0" && c.resolved.is_some())
        .count();
    assert!(
        f0_calls >= 3,
        "f0 is reached through the globs ({f0_calls})"
    );
    assert!(elapsed.as_secs() < 10, "took {elapsed:?}");
}

/// Each file's imported repository files come from the same pass as the
/// call links: external modules and the file itself left out, and a file
/// without symbols (an index of re-exports) has its imports too.
#[test]
fn import_targets_come_with_the_call_links() {
    let files: &[(&str, Language, &str)] = &[
        ("src/models.ts", Language::TypeScript, "export class User { save() {} }\n"),
        ("src/util.ts", Language::TypeScript, "export function helper() {}\n"),
        (
            "src/index.ts",
            Language::TypeScript,
            "export * from './models';\nexport { helper as util } from './util';\n",
        ),
        (
            "src/app.ts",
            Language::TypeScript,
            "import { User, util } from './index';\nimport { readFile } from 'fs';\nimport * as self from './app';\n\
             export function main() { new User(); util(); readFile('x'); }\n",
        ),
    ];
    let extractor = &mut doctown_extract::Extractor::with_layout(Default::default());
    let extractions: Vec<_> = files
        .iter()
        .map(|(p, l, t)| extractor.extract(p, *l, t))
        .collect();
    let imports = files
        .iter()
        .zip(&extractions)
        .map(|((p, _, _), e)| (p.to_string(), e.imports.clone()))
        .collect();
    let mut symbols: Vec<Symbol> = extractions.into_iter().flat_map(|e| e.symbols).collect();
    let (stats, targets) =
        resolve_calls_and_imports(&mut symbols, &imports, &ProjectLayout::default());
    assert_eq!(stats.calls, 3);
    assert_eq!(stats.resolved, 2, "User and util, not fs.readFile");
    assert_eq!(targets["src/app.ts"], vec!["src/index.ts"]);
    assert_eq!(
        targets["src/index.ts"],
        vec!["src/models.ts", "src/util.ts"]
    );
    assert!(targets["src/models.ts"].is_empty());
}

/// ripgrep's case: `grep-searcher` calls `.map` on the `Option<Match>` a
/// method of its own returns, where `Match` is `grep-matcher`'s; the
/// `ignore` crate, which the searcher does not depend on, has a `Match`
/// with a method `map`. The link into `ignore` is dropped; declared
/// (through a facade crate that declares it), it would stand.
#[test]
fn a_link_into_a_crate_the_caller_does_not_declare_is_dropped() {
    let files: &[(&str, Language, &str)] = &[
        ("crates/searcher/src/lib.rs", Language::Rust, "use grep_matcher::Match;\npub struct Stepper;\nimpl Stepper {\n    pub fn next_match(&mut self) -> Option<Match> { None }\n}\npub fn first(s: &mut Stepper) -> Option<usize> {\n    s.next_match().map(|m| m.start())\n}\n"),
        ("crates/matcher/src/lib.rs", Language::Rust, "pub struct Match;\nimpl Match {\n    pub fn start(&self) -> usize { 0 }\n}\n"),
        ("crates/ignore/src/lib.rs", Language::Rust, "pub enum Match<T> { None, Some(T) }\nimpl<T> Match<T> {\n    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Match<U> { Match::None }\n}\n"),
    ];
    // Whether `first`'s `.map` links `ignore`'s `Match::map`, under the
    // searcher's manifest.
    let links = |searcher_manifest: &str| -> bool {
        let mut layout = ProjectLayout::default();
        layout.add_manifest("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n");
        layout.add_manifest("crates/searcher/Cargo.toml", searcher_manifest);
        layout.add_manifest(
            "crates/matcher/Cargo.toml",
            "[package]\nname = \"grep-matcher\"\n",
        );
        layout.add_manifest("crates/ignore/Cargo.toml", "[package]\nname = \"ignore\"\n");
        layout.add_manifest(
            "crates/grep/Cargo.toml",
            "[package]\nname = \"grep\"\n[dependencies]\nignore = { path = \"../ignore\" }\n",
        );
        let extractions = common::extract_with_layout(files, layout);
        let caller = extractions[0]
            .symbols
            .iter()
            .find(|s| s.name == "first")
            .unwrap();
        let map = extractions[2]
            .symbols
            .iter()
            .find(|s| s.name == "map")
            .unwrap();
        let call = caller
            .calls
            .iter()
            .find(|c| c.callee.ends_with("map"))
            .unwrap();
        call.resolved.as_ref() == Some(&map.id)
    };
    let matcher = "grep-matcher = { path = \"../matcher\" }\n";
    assert!(!links(&format!(
        "[package]\nname = \"grep-searcher\"\n[dependencies]\n{matcher}"
    )));
    assert!(links(&format!("[package]\nname = \"grep-searcher\"\n[dependencies]\n{matcher}grep = {{ path = \"../grep\" }}\n")));
}

/// once_cell's shape: `sync` and `unsync` are inline modules of `lib.rs`,
/// each with its own `Lazy` and `OnceCell`; an integration test imports
/// one of each by path, calls through the type, through a value of it, and
/// through the other module's full path; inside a module, a bare name is
/// the item beside it there.
#[test]
fn items_of_inline_modules_resolve_through_imports() {
    let files: &[(&str, Language, &str)] = &[
        ("src/lib.rs", Language::Rust, "pub mod unsync {\n    pub struct Lazy { cell: OnceCell }\n    impl Lazy {\n        pub fn new() -> Lazy { Lazy { cell: OnceCell::new() } }\n        pub fn peek(&self) { self.cell.get() }\n    }\n    pub struct OnceCell;\n    impl OnceCell {\n        pub fn new() -> OnceCell { OnceCell }\n        pub fn get(&self) {}\n    }\n}\npub mod sync {\n    pub struct Lazy;\n    impl Lazy {\n        pub fn new() -> Lazy { Lazy }\n        pub fn force(&self) {}\n    }\n    pub struct OnceCell;\n    impl OnceCell {\n        pub fn new() -> OnceCell { OnceCell }\n        pub fn get(&self) {}\n    }\n}\n"),
        ("tests/it.rs", Language::Rust, "use once_cell::sync::{Lazy, OnceCell};\nfn lazy_works(c: OnceCell) {\n    let l = Lazy::new();\n    l.force();\n    once_cell::unsync::Lazy::new();\n    c.get();\n}\nfn both_cells(c: OnceCell) {\n    let u = once_cell::unsync::OnceCell::new();\n    u.get();\n    c.get();\n}\n"),
    ];
    let mut layout = ProjectLayout::default();
    layout.add_manifest("Cargo.toml", "[package]\nname = \"once_cell\"\n");
    let extractions = common::extract_with_layout(files, layout);
    let all: Vec<Symbol> = extractions.iter().flat_map(|e| e.symbols.clone()).collect();
    let name_of = |id: &SymbolId| {
        all.iter()
            .find(|s| &s.id == id)
            .unwrap()
            .qualified_name
            .clone()
    };
    let test = all.iter().find(|s| s.name == "lazy_works").unwrap();
    let got: Vec<(String, Option<String>)> = test
        .calls
        .iter()
        .map(|c| (c.callee.to_string(), c.resolved.as_ref().map(name_of)))
        .collect();
    assert_eq!(
        got,
        [
            (
                "Lazy::new".to_string(),
                Some("once_cell::sync::Lazy::new".to_string())
            ),
            (
                "l.force".to_string(),
                Some("once_cell::sync::Lazy::force".to_string())
            ),
            (
                "once_cell::unsync::Lazy::new".to_string(),
                Some("once_cell::unsync::Lazy::new".to_string())
            ),
            (
                "c.get".to_string(),
                Some("once_cell::sync::OnceCell::get".to_string())
            ),
        ]
    );
    // A function that names the other module's `OnceCell` by its path: a
    // value known only as `OnceCell` may be of either, so neither `get` is
    // taken from the import (unknown, not wrong).
    let both = all.iter().find(|s| s.name == "both_cells").unwrap();
    let got: Vec<(String, Option<String>)> = both
        .calls
        .iter()
        .map(|c| (c.callee.to_string(), c.resolved.as_ref().map(name_of)))
        .collect();
    let unsync_new = "once_cell::unsync::OnceCell::new".to_string();
    assert_eq!(
        got,
        [
            (unsync_new.clone(), Some(unsync_new.clone())),
            ("u.get".to_string(), None),
            ("c.get".to_string(), None),
        ]
    );
    // Inside `mod unsync`, a bare `OnceCell` is the one beside it there,
    // not `sync`'s in the same file: by a path and through a field's type.
    let linked = |owner: &str, callee: &str| {
        let s = all.iter().find(|s| s.qualified_name == owner).unwrap();
        let c = s.calls.iter().find(|c| &*c.callee == callee).unwrap();
        c.resolved.as_ref().map(name_of)
    };
    assert_eq!(
        linked("once_cell::unsync::Lazy::new", "OnceCell::new"),
        Some(unsync_new)
    );
    assert_eq!(
        linked("once_cell::unsync::Lazy::peek", "self.cell.get"),
        Some("once_cell::unsync::OnceCell::get".to_string())
    );
}

/// A builder's chain, longer than a callee's text is kept, its value
/// cloned, unwrapped from a crate's own `Result` alias and bound to a
/// local: every call of it resolves, and so do the calls on that local
/// (in a macro's arguments too, through a turbofish).
/// (Each of the three — standard calls that keep their receiver's value,
/// locals bound to a chain's call with the chain's end kept in its text,
/// `…Result<T>` read as `T` — fails this test without it; `Other` has the
/// same method names, so no call is left to a name found once.)
#[test]
fn builder_chains_resolve_through_clones_unwraps_and_result_aliases() {
    let long = "x".repeat(150);
    let source = format!(
        "pub type AppResult<T> = Result<T, Error>;\n\
         pub struct Error;\n\
         impl Error {{ pub fn kind(&self) -> u8 {{ 0 }} }}\n\
         pub struct Matches;\n\
         impl Matches {{ pub fn get_one(&self, id: &str) -> u32 {{ 0 }} }}\n\
         pub struct Command;\n\
         pub struct Other;\n\
         impl Other {{\n\
             pub fn get_one(&self, id: &str) -> u32 {{ 0 }}\n\
             pub fn try_get_matches_from(self, args: &[&str]) -> Other {{ self }}\n\
         }}\n\
         impl Command {{\n\
             pub fn new(name: &str) -> Command {{ Command }}\n\
             pub fn arg(self, a: &str) -> Self {{ self }}\n\
             pub fn try_get_matches_from(self, args: &[&str]) -> AppResult<Matches> {{ Ok(Matches) }}\n\
         }}\n\
         fn uses() {{\n\
             let cmd = Command::new(\"prog\").arg(\"{long}\").arg(\"c\");\n\
             let m = cmd.clone().try_get_matches_from(&[\"x\"]).unwrap();\n\
             m.get_one(\"a\");\n\
             let n = Command::new(\"prog\").arg(\"{long}\").try_get_matches_from(&[]).expect(\"ok\");\n\
             n.get_one(\"b\");\n\
             let r = Command::new(\"p\").try_get_matches_from(&[]);\n\
             let k = r.unwrap();\n\
             k.get_one(\"c\");\n\
             assert_eq!(k.get_one::<u32>(\"d\"), 0);\n\
         }}\n"
    );
    let files: &[(&str, Language, &str)] = &[("src/lib.rs", Language::Rust, &source)];
    let mut layout = ProjectLayout::default();
    layout.add_manifest("Cargo.toml", "[package]\nname = \"app\"\n");
    let extractions = common::extract_with_layout(files, layout);
    let all: Vec<Symbol> = extractions.iter().flat_map(|e| e.symbols.clone()).collect();
    let name_of = |id: &SymbolId| {
        let s = all.iter().find(|s| &s.id == id).unwrap();
        s.qualified_name.clone()
    };
    let uses = all.iter().find(|s| s.name == "uses").unwrap();
    let unresolved: Vec<&str> = uses
        .calls
        .iter()
        .filter(|c| c.resolved.is_none() && c.kind != CallKind::Macro)
        .filter(|c| !["clone", "unwrap", "expect"].contains(&&*c.name))
        .map(|c| &*c.callee)
        .collect();
    assert!(unresolved.is_empty(), "unresolved: {unresolved:?}");
    let targets: Vec<String> = uses
        .calls
        .iter()
        .filter_map(|c| c.resolved.as_ref().map(name_of))
        .collect();
    for wanted in [
        "app::Command::try_get_matches_from",
        "app::Matches::get_one",
    ] {
        let n = targets.iter().filter(|t| *t == wanted).count();
        let times = if wanted.ends_with("get_one") { 4 } else { 3 };
        assert_eq!(n, times, "{wanted} {times} times in {targets:?}");
    }
}

/// Test crates that are directories (`tests/builder/main.rs`, as
/// `automod` or `mod` lists make them) each have their own modules: a
/// `super::utils` of one is its own `utils.rs`, not its neighbour's.
#[test]
fn test_crates_in_directories_keep_their_own_modules() {
    let files: &[(&str, Language, &str)] = &[
        ("src/lib.rs", Language::Rust, "pub fn lib() {}\n"),
        (
            "tests/builder/main.rs",
            Language::Rust,
            "mod utils;\nmod help;\n",
        ),
        (
            "tests/builder/utils.rs",
            Language::Rust,
            "pub(crate) fn assert_output() {}\n",
        ),
        (
            "tests/builder/help.rs",
            Language::Rust,
            "use super::utils;\nfn help_works() { utils::assert_output(); }\n",
        ),
        ("tests/derive/main.rs", Language::Rust, "mod utils;\n"),
        (
            "tests/derive/utils.rs",
            Language::Rust,
            "pub(crate) fn assert_output() {}\n",
        ),
    ];
    let mut layout = ProjectLayout::default();
    layout.add_manifest("Cargo.toml", "[package]\nname = \"app\"\n");
    let extractions = common::extract_with_layout(files, layout);
    let all: Vec<Symbol> = extractions.iter().flat_map(|e| e.symbols.clone()).collect();
    let caller = all.iter().find(|s| s.name == "help_works").unwrap();
    let target = caller.calls[0].resolved.as_ref().expect("resolved");
    let callee = all.iter().find(|s| &s.id == target).unwrap();
    assert_eq!(callee.path, "tests/builder/utils.rs");
}

/// A type that derives a trait of the repository has that trait's
/// methods: `Opt::try_parse_from(…)` with `#[derive(Parser)] struct Opt`
/// calls the trait's provided method (the derive writes the impl). Fails
/// without the derive read as a base. (Ingest keeps the attribute while it
/// resolves: `resolution_reads_attribute`, checked by the evaluation.)
#[test]
fn a_derived_trait_s_methods_are_the_type_s() {
    let files: &[(&str, Language, &str)] = &[
        ("src/lib.rs", Language::Rust, "pub trait Parser {\n    fn try_parse_from(x: u32) -> u32 {\n        x\n    }\n    fn parse() -> u32;\n}\npub struct Other;\nimpl Other {\n    pub fn try_parse_from(x: u32) -> u32 { x }\n}\npub mod parser {\n    pub struct Parser;\n    impl Parser {\n        pub fn try_parse_from(x: u32) -> u32 { x }\n        pub fn parse() -> u32 { 0 }\n    }\n}\n"),
        ("tests/it.rs", Language::Rust, "use app::Parser;\n#[test]\nfn t() {\n    #[derive(Parser, Debug)]\n    struct Opt { a: u32 }\n    let o = Opt::try_parse_from(1);\n    assert_eq!(Opt::try_parse_from(2), 2);\n    Opt::parse();\n}\n"),
    ];
    let mut layout = ProjectLayout::default();
    layout.add_manifest("Cargo.toml", "[package]\nname = \"app\"\n");
    let extractions = common::extract_with_layout(files, layout);
    let all: Vec<Symbol> = extractions.iter().flat_map(|e| e.symbols.clone()).collect();
    let t = all.iter().find(|s| s.name == "t").unwrap();
    let method = all
        .iter()
        .find(|s| s.qualified_name == "app::Parser::try_parse_from")
        .unwrap();
    let calls: Vec<_> = t
        .calls
        .iter()
        .filter(|c| &*c.name == "try_parse_from")
        .collect();
    assert_eq!(calls.len(), 2);
    for c in calls {
        assert_eq!(c.resolved.as_ref(), Some(&method.id), "{c:?}");
    }
    // A required method is the derive's own code; the struct that shares
    // the trait's name is not the trait.
    let parse = t.calls.iter().find(|c| &*c.name == "parse").unwrap();
    assert_eq!(parse.resolved, None, "{parse:?}");
}

/// A facade crate that re-exports another by glob (`pub use
/// clap_builder::*;` in `clap`): a path written through the facade
/// (`clap::Command::new(…)`) is the re-exported type's method, and a
/// `Result`'s error (`r.unwrap_err().kind()`, `let e = r.unwrap_err()`)
/// is the error type its signature holds — `Error` of a one-argument
/// crate alias (`AppResult<T>`), `E` of `Result<T, E>` — not the value.
/// Fails without either: no edge, or `kind` of the value's type.
#[test]
fn facade_paths_and_result_errors_resolve() {
    let files: &[(&str, Language, &str)] = &[
        ("src/lib.rs", Language::Rust, "pub use builder_crate::*;\n"),
        (
            "builder/src/lib.rs",
            Language::Rust,
            "mod command;\nmod error;\npub use command::Command;\npub use error::{Error, Parse};\n",
        ),
        (
            "builder/src/error.rs",
            Language::Rust,
            "pub type AppResult<T, E = Error> = std::result::Result<T, E>;\n\
             pub struct Error;\nimpl Error {\n    pub fn kind(&self) -> u8 { 0 }\n}\n\
             pub struct Parse;\nimpl Parse {\n    pub fn kind(&self) -> u8 { 1 }\n}\n",
        ),
        (
            "builder/src/command.rs",
            Language::Rust,
            "use crate::error::{AppResult, Error, Parse};\npub struct Command;\nimpl Command {\n\
             \x20   pub fn new(name: &str) -> Command { Command }\n\
             \x20   pub fn kind(&self) -> u8 { 2 }\n\
             \x20   pub fn run(self) -> AppResult<Command> { Ok(self) }\n\
             \x20   pub fn parse(self) -> Result<Command, Parse> { Ok(self) }\n}\n",
        ),
        (
            "mangen/src/lib.rs",
            Language::Rust,
            "fn uses() {\n    let c = app::Command::new(\"x\");\n\
             \x20   let r = app::Command::new(\"y\").run();\n\
             \x20   let e = r.unwrap_err();\n    e.kind();\n\
             \x20   app::Command::new(\"z\").parse().unwrap_err().kind();\n\
             \x20   app::Command::new(\"w\").run().unwrap().kind();\n}\n",
        ),
    ];
    let mut layout = ProjectLayout::default();
    layout.add_manifest(
        "Cargo.toml",
        "[package]\nname = \"app\"\n[dependencies]\nbuilder_crate = { path = \"builder\" }\n",
    );
    layout.add_manifest(
        "builder/Cargo.toml",
        "[package]\nname = \"builder_crate\"\n",
    );
    layout.add_manifest(
        "mangen/Cargo.toml",
        "[package]\nname = \"mangen\"\n[dependencies]\napp = { path = \"..\" }\nbuilder_crate = { path = \"../builder\" }\n",
    );
    let extractions = common::extract_with_layout(files, layout);
    let all: Vec<Symbol> = extractions.iter().flat_map(|e| e.symbols.clone()).collect();
    let id = |q: &str| &all.iter().find(|s| s.qualified_name == q).unwrap().id;
    let uses = all.iter().find(|s| s.name == "uses").unwrap();
    let at = |line: u32, name: &str| {
        uses.calls
            .iter()
            .find(|c| c.line == line && &*c.name == name)
            .unwrap_or_else(|| panic!("no call of {name} on line {line}: {:?}", uses.calls))
            .resolved
            .as_ref()
    };
    let new = id("builder_crate::command::Command::new");
    assert_eq!(at(2, "new"), Some(new));
    assert_eq!(
        at(3, "run"),
        Some(id("builder_crate::command::Command::run"))
    );
    assert_eq!(at(5, "kind"), Some(id("builder_crate::error::Error::kind")));
    assert_eq!(at(6, "kind"), Some(id("builder_crate::error::Parse::kind")));
    assert_eq!(
        at(7, "kind"),
        Some(id("builder_crate::command::Command::kind"))
    );
}

/// A Rust type alias names its target's methods: `UnGraph::new_undirected()`
/// with `type UnGraph<N> = Graph<N, Undirected>` calls `Graph`'s, and so
/// does a method of the value it returns (`Self`). Fails without aliases
/// read: neither call has an edge.
#[test]
fn type_aliases_name_their_target_s_methods() {
    let files: &[(&str, Language, &str)] = &[
        (
            "src/graph.rs",
            Language::Rust,
            "pub struct Graph<N, Ty> { n: N, t: Ty }\n\
             pub type UnGraph<N, Ix = u32> = Graph<N, Undirected>;\n\
             impl<N, Ty> Graph<N, Ty> {\n\
             \x20   pub fn new_undirected() -> Self { todo!() }\n\
             \x20   pub fn add_node(&mut self, n: N) -> usize { 0 }\n}\n",
        ),
        ("src/lib.rs", Language::Rust, "pub mod graph;\n"),
        (
            "tests/it.rs",
            Language::Rust,
            "use app::graph::UnGraph;\nfn t() {\n    let mut g = UnGraph::new_undirected();\n    g.add_node(1);\n}\n",
        ),
    ];
    let mut layout = ProjectLayout::default();
    layout.add_manifest("Cargo.toml", "[package]\nname = \"app\"\n");
    let extractions = common::extract_with_layout(files, layout);
    let all: Vec<Symbol> = extractions.iter().flat_map(|e| e.symbols.clone()).collect();
    let t = all.iter().find(|s| s.name == "t").unwrap();
    for name in ["new_undirected", "add_node"] {
        let call = t.calls.iter().find(|c| &*c.name == name).unwrap();
        let want = all
            .iter()
            .find(|s| s.qualified_name == format!("app::graph::Graph::{name}"))
            .unwrap();
        assert_eq!(call.resolved.as_ref(), Some(&want.id), "{call:?}");
    }
}

/// A parameter, field or path whose type is a type parameter calls the
/// methods of the traits that bound it (`g: G` with `G: IntoNeighbors +
/// NodeIndexable` or a `where` clause, on the function or its impl;
/// `self.g`, `Ix::new()`, `<Ix as IndexType>::new()`) — the trait's
/// declaration, as the compiler resolves it — and a type alias local to
/// another function (`type G = Other;` in a test) is not that `G`. Fails
/// without bounds read: no edge, or the alias's target's method.
#[test]
fn generic_parameters_call_their_bounds_methods() {
    let files: &[(&str, Language, &str)] = &[
        (
            "src/visit.rs",
            Language::Rust,
            "pub trait IntoNeighbors {\n    fn neighbors(self, a: u32) -> Vec<u32>;\n}\n\
             pub trait NodeIndexable {\n    fn to_index(&self, a: u32) -> usize;\n}\n\
             pub trait IndexType {\n    fn new(x: usize) -> Self;\n}\n",
        ),
        (
            "src/algo.rs",
            Language::Rust,
            "use crate::visit::{IntoNeighbors, NodeIndexable};\n\
             pub fn dfs<G: IntoNeighbors + Copy>(g: G, h: &G) where G: NodeIndexable {\n\
             \x20   g.to_index(0);\n    g.neighbors(0);\n    h.to_index(1);\n}\n\
             pub struct Walker<G> { g: G }\n\
             impl<G> Walker<G> where G: NodeIndexable {\n\
             \x20   pub fn step(&self, graph: G) -> usize { graph.to_index(2) }\n\
             \x20   pub fn own(&self) -> usize { self.g.to_index(5) }\n}\n\
             pub fn make<Ix: IndexType>() -> Ix {\n    Ix::new(3)\n}\n\
             pub fn max_of<Ix: IndexType>() -> Ix {\n    <Ix as IndexType>::new(4)\n}\n\
             pub fn built() {\n    let mut w = Walker::<u8>::make_one();\n    w.grow();\n}\n\
             impl<G> Walker<G> {\n    pub fn make_one() -> Self { todo!() }\n    pub fn grow(&mut self) {}\n}\n",
        ),
        (
            "src/other.rs",
            Language::Rust,
            "pub struct Other;\nimpl Other {\n    pub fn to_index(&self, a: u32) -> usize { 9 }\n}\n\
             fn uses() {\n    type G = Other;\n    G::to_index(&Other, 1);\n}\n",
        ),
        ("src/lib.rs", Language::Rust, "pub mod visit;\npub mod algo;\npub mod other;\n"),
    ];
    let mut layout = ProjectLayout::default();
    layout.add_manifest("Cargo.toml", "[package]\nname = \"app\"\n");
    let extractions = common::extract_with_layout(files, layout);
    let all: Vec<Symbol> = extractions.iter().flat_map(|e| e.symbols.clone()).collect();
    let id = |q: &str| &all.iter().find(|s| s.qualified_name == q).unwrap().id;
    let to_index = id("app::visit::NodeIndexable::to_index");
    let neighbors = id("app::visit::IntoNeighbors::neighbors");
    let dfs = all.iter().find(|s| s.name == "dfs").unwrap();
    let targets: Vec<_> = dfs.calls.iter().map(|c| c.resolved.as_ref()).collect();
    assert_eq!(
        targets,
        [Some(to_index), Some(neighbors), Some(to_index)],
        "{:?}",
        dfs.calls
    );
    for name in ["step", "own"] {
        let method = all.iter().find(|s| s.name == name).unwrap();
        let resolved = method.calls[0].resolved.as_ref();
        assert_eq!(resolved, Some(to_index), "{:?}", method.calls);
    }
    let make = all.iter().find(|s| s.name == "make").unwrap();
    assert_eq!(
        make.calls[0].resolved.as_ref(),
        Some(id("app::visit::IndexType::new")),
        "{:?}",
        make.calls
    );
    let max_of = all.iter().find(|s| s.name == "max_of").unwrap();
    assert_eq!(
        max_of.calls[0].resolved.as_ref(),
        Some(id("app::visit::IndexType::new")),
        "{:?}",
        max_of.calls
    );
    // A type's arguments written in the path (`Walker::<u8>::make_one()`)
    // and the value it returns.
    let built = all.iter().find(|s| s.name == "built").unwrap();
    let targets: Vec<_> = built.calls.iter().map(|c| c.resolved.as_ref()).collect();
    assert_eq!(
        targets,
        [
            Some(id("app::algo::Walker::make_one")),
            Some(id("app::algo::Walker::grow"))
        ],
        "{:?}",
        built.calls
    );
    let uses = all.iter().find(|s| s.name == "uses").unwrap();
    let call = uses.calls.iter().find(|c| &*c.name == "to_index").unwrap();
    assert_eq!(
        call.resolved.as_ref(),
        Some(id("app::other::Other::to_index"))
    );
}

/// A trait impl's method that calls its own name on `self` (`impl
/// NodeCount for Graph { fn node_count(&self) -> usize {
/// self.node_count() } }`) calls the type's inherent method, which Rust
/// picks first; without an inherent one it is recursion. Fails without
/// the inherent method preferred: the edge points at the caller itself.
#[test]
fn a_trait_method_calling_its_name_calls_the_inherent_one() {
    let files: &[(&str, Language, &str)] = &[(
        "src/lib.rs",
        Language::Rust,
        "pub trait NodeCount {\n    fn node_count(&self) -> usize;\n}\n\
         pub struct Graph;\nimpl Graph {\n    pub fn node_count(&self) -> usize { 0 }\n}\n\
         impl NodeCount for Graph {\n    fn node_count(&self) -> usize {\n        self.node_count()\n    }\n}\n\
         pub struct Tree;\nimpl NodeCount for Tree {\n    fn node_count(&self) -> usize {\n        self.node_count()\n    }\n}\n",
    )];
    let mut layout = ProjectLayout::default();
    layout.add_manifest("Cargo.toml", "[package]\nname = \"app\"\n");
    let extractions = common::extract_with_layout(files, layout);
    let all: Vec<Symbol> = extractions.iter().flat_map(|e| e.symbols.clone()).collect();
    let named = |q: &str| all.iter().find(|s| s.qualified_name == q).unwrap();
    let inherent = named("app::Graph::node_count");
    let delegating = named("app::<Graph as NodeCount>::node_count");
    assert_eq!(delegating.calls[0].resolved.as_ref(), Some(&inherent.id));
    let recursive = named("app::<Tree as NodeCount>::node_count");
    assert_eq!(recursive.calls[0].resolved.as_ref(), Some(&recursive.id));
}

/// Receivers whose type is declared away from the call: a tuple struct's
/// field (`self.0.initialize()` with `struct OnceCell(Imp)`), a type
/// imported under another name (`use crate::imp::OnceCell as Imp`), and a
/// `static` of the function or of the file (`CELL.get()` with `static
/// CELL: OnceCell = …`). Fails without each: no edge.
#[test]
fn tuple_fields_renamed_imports_and_statics_type_receivers() {
    let files: &[(&str, Language, &str)] = &[
        (
            "src/imp.rs",
            Language::Rust,
            "pub struct OnceCell;\nimpl OnceCell {\n    pub fn initialize(&self) {}\n}\n",
        ),
        (
            "src/lib.rs",
            Language::Rust,
            "mod imp;\nuse crate::imp::OnceCell as Imp;\npub struct OnceCell(Imp);\n\
             impl OnceCell {\n    pub const fn new() -> OnceCell { todo!() }\n\
             \x20   pub fn get(&self) { self.0.initialize() }\n}\n\
             static CELL: OnceCell = OnceCell::new();\n\
             pub fn module_static() {\n    CELL.get();\n}\n\
             pub fn local_static() {\n    static O: OnceCell = OnceCell::new();\n    O.get();\n}\n",
        ),
    ];
    let mut layout = ProjectLayout::default();
    layout.add_manifest("Cargo.toml", "[package]\nname = \"app\"\n");
    let extractions = common::extract_with_layout(files, layout);
    let all: Vec<Symbol> = extractions.iter().flat_map(|e| e.symbols.clone()).collect();
    let id = |q: &str| &all.iter().find(|s| s.qualified_name == q).unwrap().id;
    let call = |caller: &str, name: &str| {
        let s = all.iter().find(|s| s.qualified_name == caller).unwrap();
        let c = s.calls.iter().find(|c| &*c.name == name).unwrap();
        c.resolved.clone()
    };
    assert_eq!(
        call("app::OnceCell::get", "initialize").as_ref(),
        Some(id("app::imp::OnceCell::initialize"))
    );
    let get = id("app::OnceCell::get");
    assert_eq!(call("app::module_static", "get").as_ref(), Some(get));
    assert_eq!(call("app::local_static", "get").as_ref(), Some(get));
}

/// A package whose binary is declared outside `src/` (ripgrep: `[[bin]]
/// path = "crates/core/main.rs"`): `crate::` paths in its files start
/// at that binary's directory. Fails without the declared path read: the
/// module is looked for under the repository root, and no edge is made.
#[test]
fn a_target_declared_outside_src_roots_its_crate_paths() {
    let files: &[(&str, Language, &str)] = &[
        (
            "crates/core/main.rs",
            Language::Rust,
            "mod flags;\nfn main() { flags::run(); }\n",
        ),
        (
            "crates/core/flags/mod.rs",
            Language::Rust,
            "mod defs;\nmod parse;\npub(crate) fn run() {}\n",
        ),
        (
            "crates/core/flags/parse.rs",
            Language::Rust,
            "pub(crate) fn parse_low_raw() -> u8 { 0 }\n",
        ),
        (
            "crates/core/flags/defs.rs",
            Language::Rust,
            "use crate::flags::parse::parse_low_raw;\nfn test_count() {\n    parse_low_raw();\n}\n",
        ),
        (
            "crates/other/src/lib.rs",
            Language::Rust,
            "pub fn parse_low_raw() -> u8 { 1 }\n",
        ),
    ];
    let mut layout = ProjectLayout::default();
    layout.add_manifest(
        "Cargo.toml",
        "[package]\nname = \"ripgrep\"\n[[bin]]\nname = \"rg\"\npath = \"crates/core/main.rs\"\n",
    );
    layout.add_manifest("crates/other/Cargo.toml", "[package]\nname = \"other\"\n");
    let extractions = common::extract_with_layout(files, layout);
    let all: Vec<Symbol> = extractions.iter().flat_map(|e| e.symbols.clone()).collect();
    let target = all
        .iter()
        .find(|s| s.qualified_name == "ripgrep::flags::parse::parse_low_raw")
        .expect("named from the binary's directory");
    let caller = all.iter().find(|s| s.name == "test_count").unwrap();
    assert_eq!(caller.calls[0].resolved.as_ref(), Some(&target.id));
}

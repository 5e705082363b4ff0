//! Resolution on small realistic repositories built around the traps that
//! make name-based resolvers wrong: same-named methods on different types,
//! an external import shadowing a local name, `self` calls, constructor-
//! typed locals, trait dispatch, re-exports, calls of parameters and
//! closures, two crates with the same module names. The golden files list
//! every call site with what it resolved to (`?` when left unresolved) and
//! how; `UPDATE_GOLDEN=1` rewrites them. Assertions below pin the traps.

mod common;

use doctown_core::{Language, Symbol};
use doctown_extract::{ProjectLayout, MANIFEST_NAMES};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Extracts and resolves one fixture repository; returns its symbols.
fn repository(name: &str) -> Vec<Symbol> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/traps")
        .join(name);
    let mut paths = Vec::new();
    files_under(&root, &mut paths);
    paths.sort();
    let mut layout = ProjectLayout::default();
    let mut sources = Vec::new();
    for path in paths {
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&path).unwrap();
        let file_name = rel.rsplit('/').next().unwrap();
        if MANIFEST_NAMES.contains(&file_name) {
            layout.add_manifest(&rel, &text);
        } else if let Some(language) = rel.rsplit('.').next().and_then(Language::from_extension) {
            sources.push((rel, language, text));
        }
    }
    let inputs: Vec<(&str, Language, &str)> = sources
        .iter()
        .map(|(p, l, t)| (p.as_str(), *l, t.as_str()))
        .collect();
    common::extract_with_layout(&inputs, layout)
        .into_iter()
        .flat_map(|e| e.symbols)
        .collect()
}

/// `caller -> callee (kind, Lline) [target] via provenance`, one per call.
fn render(symbols: &[Symbol]) -> String {
    let names: BTreeMap<&str, &str> = symbols
        .iter()
        .map(|s| (s.id.as_str(), s.qualified_name.as_str()))
        .collect();
    let mut out = String::new();
    for s in symbols {
        for c in &s.calls {
            let target = c.resolved.as_ref().map_or("?", |id| names[id.as_str()]);
            let how = c
                .provenance
                .map(|p| format!(" via {}", p.name()))
                .unwrap_or_default();
            let kind = format!("{:?}", c.kind).to_lowercase();
            writeln!(
                out,
                "{} -> {} ({kind}, L{}) [{target}]{how}",
                s.qualified_name, c.callee, c.line
            )
            .unwrap();
        }
    }
    out
}

fn golden(name: &str) -> BTreeMap<(String, String), String> {
    let text = render(&repository(name));
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/traps")
        .join(format!("{name}.golden"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        text,
        expected,
        "{} differs; UPDATE_GOLDEN=1 rewrites it",
        path.display()
    );
    text.lines()
        .map(|l| {
            let (caller, rest) = l.split_once(" -> ").unwrap();
            let callee = rest.split(" (").next().unwrap();
            let target = rest.split('[').nth(1).unwrap().split(']').next().unwrap();
            ((caller.to_string(), callee.to_string()), target.to_string())
        })
        .collect()
}

fn expect(got: &BTreeMap<(String, String), String>, cases: &[(&str, &str, &str)]) {
    let mut failures = Vec::new();
    for (caller, callee, want) in cases {
        let key = (caller.to_string(), callee.to_string());
        match got.get(&key) {
            Some(t) if t == want => {}
            other => failures.push(format!("{caller} -> {callee}: want {want}, got {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rust_traps() {
    let got = golden("rust");
    expect(
        &got,
        &[
            // Through the `pub use db::Db` re-export of another crate.
            ("app::main::main", "Db::new", "store::db::Db::new"),
            // A constructor-typed local.
            ("app::main::main", "d.get", "store::db::Db::get"),
            // This crate's `db`, not the other crate's module of that name.
            ("app::main::main", "db::connect", "app::db::connect"),
            (
                "app::main::main",
                "store::db::context",
                "store::db::context",
            ),
            // A std type: its `get` is not `Db::get` or `Cache::get`.
            ("app::main::main", "m.get", "?"),
            // A field's declared type.
            (
                "store::db::Db::get",
                "self.cache.get",
                "store::db::Cache::get",
            ),
            // anyhow's `Context::context`, not the same-named local function.
            ("store::db::Db::get", "self.load().context", "?"),
            ("store::db::Db::get", "self.load", "store::db::Db::load"),
            // The trait's default method, from an implementation.
            (
                "store::db::<Db as crate::Backend>::put",
                "self.flush",
                "store::Backend::flush",
            ),
            // A `dyn Trait` receiver: the trait's methods.
            ("app::main::helper", "b.put", "store::Backend::put"),
            ("app::main::helper", "b.flush", "store::Backend::flush"),
            // A type's own method wins over its trait's of the same name.
            (
                "store::names::<Key as Describe>::describe",
                "Key::describe",
                "store::names::Key::describe",
            ),
            (
                "store::names::<Key as fmt::Display>::fmt",
                "self.describe",
                "store::names::Key::describe",
            ),
            // Guessing by name: only in the method's own crate, never a
            // standard method name, never an external trait's method.
            (
                "store::names::guesses",
                "v.summarize",
                "store::names::Key::summarize",
            ),
            ("app::main::elsewhere", "v.summarize", "?"),
            ("store::names::guesses", "v.iter().all", "?"),
            ("store::names::guesses", "v.serialize", "?"),
        ],
    );
    // A closure bound to `get` is not a call of any symbol.
    assert!(!got.contains_key(&("app::main::main".to_string(), "get".to_string())));
}

/// Names that identify: a method of a trait impl is `<Type as Trait>::f`
/// (two `From` impls, a trait method beside an inherent one), a type's
/// second impl block is numbered; no two symbols share a qualified name.
#[test]
fn rust_qualified_names_are_unique() {
    let symbols = repository("rust");
    let mut seen = BTreeMap::new();
    for s in &symbols {
        if let Some(other) = seen.insert((s.qualified_name.as_str(), s.kind), &s.path) {
            panic!(
                "{} ({:?}) twice: {other} and {}",
                s.qualified_name, s.kind, s.path
            );
        }
    }
    for name in [
        "store::names::Key::describe",
        "store::names::<Key as Describe>::describe",
        "store::names::<Key as From<u32>>::from",
        "store::names::<Key as From<u8>>::from",
        "store::names::<Key as fmt::Display>::fmt",
        "store::names::<impl Key>",
        "store::names::<impl Key>#2",
        "store::names::Key::next",
    ] {
        assert!(
            symbols.iter().any(|s| s.qualified_name == name),
            "{name} missing"
        );
    }
}

#[test]
fn python_traps() {
    let got = golden("python");
    expect(
        &got,
        &[
            // An annotated parameter, through the `__init__.py` re-export.
            ("pkg.views.handle", "user.save", "pkg.models.User.save"),
            // Untyped, and two classes have `save`.
            ("pkg.views.handle", "order.save", "?"),
            // `os.path.join`, not `pkg.utils.join`.
            ("pkg.views.handle", "join", "?"),
            ("pkg.views.handle", "User", "pkg.models.User"),
            ("pkg.views.handle", "u.validate", "pkg.models.User.validate"),
            ("pkg.views.handle", "render", "pkg.views.render"),
            (
                "pkg.models.User.save",
                "self.validate",
                "pkg.models.User.validate",
            ),
            // Inherited through the base class.
            (
                "pkg.models.Admin.promote",
                "self.save",
                "pkg.models.User.save",
            ),
        ],
    );
    assert!(!got.contains_key(&("pkg.views.handle".to_string(), "callback".to_string())));
    assert!(!got.contains_key(&("pkg.views.render".to_string(), "save".to_string())));
}

#[test]
fn typescript_traps() {
    let got = golden("typescript");
    expect(
        &got,
        &[
            // `export *` and `export { helper as util }` re-exports.
            (
                "@traps/web/src/app.main",
                "User",
                "@traps/web/src/models.User",
            ),
            (
                "@traps/web/src/app.main",
                "u.save",
                "@traps/web/src/models.User.save",
            ),
            (
                "@traps/web/src/app.main",
                "util",
                "@traps/web/src/util.helper",
            ),
            ("@traps/web/src/app.main", "order.save", "?"),
            // `fs.readFile`, not the repository's `readFile`.
            ("@traps/web/src/app.main", "readFile", "?"),
            // Callback parameters typed by the callee's signature.
            (
                "@traps/web/src/stream.tap",
                "source.pipe",
                "@traps/web/src/stream.Emitter.pipe",
            ),
            (
                "@traps/web/src/stream.tap",
                "sink.next",
                "@traps/web/src/stream.Sink.next",
            ),
            (
                "@traps/web/src/stream.tap.finish",
                "sink.close",
                "@traps/web/src/stream.Sink.close",
            ),
            // A nested `const f = () => …` is a function, not a local.
            (
                "@traps/web/src/stream.tap",
                "finish",
                "@traps/web/src/stream.tap.finish",
            ),
            // A constructor's callback, through a ternary, `this` skipped.
            (
                "@traps/web/src/stream.make",
                "sink.next",
                "@traps/web/src/stream.Sink.next",
            ),
            ("@traps/web/src/stream.untyped", "s.save", "?"),
        ],
    );
    assert!(!got.contains_key(&("@traps/web/src/app.main".to_string(), "cb".to_string())));
}

#[test]
fn go_traps() {
    let got = golden("go");
    expect(
        &got,
        &[
            (
                "example.com/traps.main",
                "store.New",
                "example.com/traps/store.New",
            ),
            // A composite literal types the local.
            (
                "example.com/traps.main",
                "st.Get",
                "example.com/traps/store.Store.Get",
            ),
            ("example.com/traps.main", "fmt.Println", "?"),
            (
                "example.com/traps.helper",
                "c.Get",
                "example.com/traps/cache.Cache.Get",
            ),
            (
                "example.com/traps/store.Store.Get",
                "s.db.Get",
                "example.com/traps/store.DB.Get",
            ),
        ],
    );
}

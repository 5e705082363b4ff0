//! Golden tests: each fixture's extraction, rendered as text, must match the
//! `.golden` file beside it. `UPDATE_GOLDEN=1 cargo test -p doctown-extract`
//! rewrites them; review the diff by eye.

mod common;

use doctown_core::Language;
use std::path::PathBuf;

fn golden(fixture: &str, repo_path: &str, language: Language) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let source = std::fs::read_to_string(dir.join(fixture)).unwrap();
    let extractions = common::extract_all(&[(repo_path, language, &source)]);
    let text = format!(
        "path: {repo_path}\n{}",
        common::render(&extractions[0], &extractions[0].symbols)
    );
    common::check_golden(&dir.join(format!("{fixture}.golden")), &text);
}

#[test]
fn rust_golden() {
    golden("geometry.rs", "src/geometry.rs", Language::Rust);
}

#[test]
fn python_golden() {
    golden("shop_models.py", "shop/models.py", Language::Python);
}

#[test]
fn typescript_golden() {
    golden("users.ts", "src/services/users.ts", Language::TypeScript);
}

#[test]
fn tsx_golden() {
    golden("TodoList.tsx", "src/components/TodoList.tsx", Language::Tsx);
}

#[test]
fn javascript_golden() {
    golden("server.js", "lib/server.js", Language::JavaScript);
}

#[test]
fn javascript_commonjs_and_iife_golden() {
    golden("legacy_lib.js", "lib/legacy_lib.js", Language::JavaScript);
}

#[test]
fn typescript_module_bindings_golden() {
    golden(
        "module_bindings.ts",
        "src/util/module_bindings.ts",
        Language::TypeScript,
    );
}

#[test]
fn go_golden() {
    golden("store.go", "internal/store/store.go", Language::Go);
}

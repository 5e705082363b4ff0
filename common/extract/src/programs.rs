//! The programs a repository's manifests declare, by the names people run
//! them by: Cargo binaries (`[[bin]]`, and without `autobins = false`
//! `src/main.rs` and `src/bin/*.rs`), npm's `bin`, Python's
//! `[project.scripts]` (and Poetry's `[tool.poetry.scripts]`). Each is
//! kept only when the file it starts in is in the repository.
//!
//! Pure: the manifests' texts and the repository's file paths in, the
//! programs out, in manifest order and then by name.

use doctown_core::artifacts::Program;
use std::collections::{BTreeMap, BTreeSet};

/// The programs `manifests` (repository-relative path, text) declare whose
/// start files are among `files` (repository-relative paths).
pub fn declared_programs(manifests: &[(String, String)], files: &BTreeSet<&str>) -> Vec<Program> {
    let mut out = Vec::new();
    for (path, text) in manifests {
        let dir = path.rfind('/').map_or("", |i| &path[..=i]);
        let found = match path.rsplit('/').next().unwrap_or(path) {
            "Cargo.toml" => cargo(dir, text, files),
            "package.json" => npm(dir, text),
            "pyproject.toml" => python(dir, text, files),
            _ => Vec::new(),
        };
        let by_name: BTreeMap<String, Program> = found
            .into_iter()
            .filter(|p| files.contains(p.path.as_str()))
            .map(|p| {
                let manifest = path.clone();
                (p.name.clone(), Program { manifest, ..p })
            })
            .collect();
        out.extend(by_name.into_values());
    }
    // One program per command name: the first manifest's (an npm
    // launcher named like the binary it runs is not another program).
    let mut seen = BTreeSet::new();
    out.retain(|p| seen.insert(p.name.clone()));
    out
}

fn program(name: &str, path: String, function: Option<String>) -> Program {
    Program {
        name: name.to_string(),
        path,
        manifest: String::new(),
        function,
    }
}

/// `a/./b/../c` → `a/c`; `None` when it leaves the repository.
fn normalise(dir: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn cargo(dir: &str, text: &str, files: &BTreeSet<&str>) -> Vec<Program> {
    let Ok(manifest) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let Some(package) = manifest.get("package").and_then(|p| p.as_table()) else {
        return Vec::new();
    };
    let Some(name) = package.get("name").and_then(|n| n.as_str()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let declared = manifest.get("bin").and_then(|b| b.as_array());
    for bin in declared.into_iter().flatten().filter_map(|b| b.as_table()) {
        let Some(bin_name) = bin.get("name").and_then(|n| n.as_str()) else {
            continue;
        };
        let default = if bin_name == name {
            "src/main.rs".to_string()
        } else {
            format!("src/bin/{bin_name}.rs")
        };
        let path = bin.get("path").and_then(|p| p.as_str()).unwrap_or(&default);
        if let Some(path) = normalise(dir, path) {
            out.push(program(bin_name, path, None));
        }
    }
    if package.get("autobins").and_then(|a| a.as_bool()) != Some(false) {
        // A file a `[[bin]]` names is that target, not another one.
        let inferred: Vec<Program> = cargo_autobins(dir, name, files)
            .into_iter()
            .filter(|p| out.iter().all(|d| d.path != p.path))
            .collect();
        out.extend(inferred);
    }
    out
}

/// `src/main.rs` (the package's name), `src/bin/NAME.rs` and
/// `src/bin/NAME/main.rs`.
fn cargo_autobins(dir: &str, package: &str, files: &BTreeSet<&str>) -> Vec<Program> {
    let mut out = Vec::new();
    let main = format!("{dir}src/main.rs");
    if files.contains(main.as_str()) {
        out.push(program(package, main, None));
    }
    let bins = format!("{dir}src/bin/");
    for file in files
        .range(bins.as_str()..)
        .take_while(|f| f.starts_with(&bins))
    {
        let rest = &file[bins.len()..];
        let name = match rest.split_once('/') {
            Some((name, "main.rs")) => name,
            None => match rest.strip_suffix(".rs") {
                Some(name) => name,
                None => continue,
            },
            Some(_) => continue,
        };
        out.push(program(name, file.to_string(), None));
    }
    out
}

fn npm(dir: &str, text: &str) -> Vec<Program> {
    let Ok(package) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let name = package.get("name").and_then(|n| n.as_str()).unwrap_or("");
    let unscoped = name.rsplit('/').next().unwrap_or(name);
    let bins: Vec<(&str, &str)> = match package.get("bin") {
        Some(serde_json::Value::String(path)) if !unscoped.is_empty() => vec![(unscoped, path)],
        Some(serde_json::Value::Object(map)) => map
            .iter()
            .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
            .collect(),
        _ => Vec::new(),
    };
    bins.into_iter()
        .filter_map(|(bin, path)| Some(program(bin, normalise(dir, path)?, None)))
        .collect()
}

fn python(dir: &str, text: &str, files: &BTreeSet<&str>) -> Vec<Program> {
    let Ok(manifest) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let tables = [
        manifest.get("project").and_then(|p| p.get("scripts")),
        manifest
            .get("tool")
            .and_then(|t| t.get("poetry"))
            .and_then(|p| p.get("scripts")),
    ];
    let mut out = Vec::new();
    for scripts in tables.into_iter().flatten().filter_map(|s| s.as_table()) {
        for (name, target) in scripts {
            let Some((module, function)) = target.as_str().and_then(|t| t.split_once(':')) else {
                continue;
            };
            // `module:function [extras]`: the extras name optional
            // dependencies, not the function.
            let function = function.split('[').next().unwrap_or("").trim();
            if function.is_empty() {
                continue;
            }
            if let Some(path) = python_module_file(dir, module.trim(), files) {
                out.push(program(name, path, Some(function.to_string())));
            }
        }
    }
    out
}

/// The file of a dotted module under the manifest's directory or its
/// `src/`: `pkg/cli.py` or `pkg/cli/__init__.py`.
fn python_module_file(dir: &str, module: &str, files: &BTreeSet<&str>) -> Option<String> {
    let relative = module.replace('.', "/");
    ["", "src/"].iter().find_map(|base| {
        [
            format!("{dir}{base}{relative}.py"),
            format!("{dir}{base}{relative}/__init__.py"),
        ]
        .into_iter()
        .find(|f| files.contains(f.as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programs(manifests: &[(&str, &str)], files: &[&str]) -> Vec<(String, String)> {
        let manifests: Vec<(String, String)> = manifests
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        declared_programs(&manifests, &files.iter().copied().collect())
            .into_iter()
            .map(|p| (p.name, p.path))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn cargo_binaries_declared_and_found_by_convention() {
        let manifest = "[package]\nname = \"doctown-worker\"\n\n[[bin]]\nname = \"worker\"\npath = \"src/run.rs\"\n\n[[bin]]\nname = \"tools\"\npath = \"src/bin/tools.rs\"\n";
        let files = [
            "functions/worker/src/run.rs",
            "functions/worker/src/main.rs",
            "functions/worker/src/bin/doctown-lambda.rs",
            "functions/worker/src/bin/tools.rs",
            "functions/worker/src/bin/tool/main.rs",
            "functions/worker/src/bin/tool/helper.rs",
            "functions/worker/src/lib.rs",
        ];
        assert_eq!(
            programs(&[("functions/worker/Cargo.toml", manifest)], &files),
            pairs(&[
                (
                    "doctown-lambda",
                    "functions/worker/src/bin/doctown-lambda.rs"
                ),
                ("doctown-worker", "functions/worker/src/main.rs"),
                ("tool", "functions/worker/src/bin/tool/main.rs"),
                ("tools", "functions/worker/src/bin/tools.rs"),
                ("worker", "functions/worker/src/run.rs"),
            ])
        );
    }

    #[test]
    fn a_workspace_manifest_or_autobins_off_declares_no_convention_binaries() {
        let files = ["src/main.rs", "crates/a/src/main.rs"];
        assert!(programs(
            &[("Cargo.toml", "[workspace]\nmembers = [\"crates/a\"]\n")],
            &files
        )
        .is_empty());
        let off = "[package]\nname = \"a\"\nautobins = false\n";
        assert!(programs(&[("crates/a/Cargo.toml", off)], &files).is_empty());
    }

    #[test]
    fn npm_bin_as_a_string_or_a_map() {
        let files = ["cli/bin/run.js", "cli/lib/other.js"];
        assert_eq!(
            programs(
                &[(
                    "cli/package.json",
                    r#"{"name": "@acme/tool", "bin": "./bin/run.js"}"#
                )],
                &files
            ),
            pairs(&[("tool", "cli/bin/run.js")])
        );
        assert_eq!(
            programs(
                &[(
                    "cli/package.json",
                    r#"{"name": "x", "bin": {"a": "bin/run.js", "b": "lib/other.js", "c": "gone.js"}}"#
                )],
                &files
            ),
            pairs(&[("a", "cli/bin/run.js"), ("b", "cli/lib/other.js")])
        );
    }

    #[test]
    fn python_scripts_name_their_module_and_function() {
        let manifest = "[project]\nname = \"flask\"\n[project.scripts]\nflask = \"flask.cli:main\"\n\n[tool.poetry.scripts]\nold = \"legacy:run [extra]\"\n";
        let files = ["src/flask/cli.py", "legacy/__init__.py"];
        let manifests = [("pyproject.toml".to_string(), manifest.to_string())];
        let found = declared_programs(&manifests, &files.iter().copied().collect());
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].name.as_str(), found[0].path.as_str()),
            ("flask", "src/flask/cli.py")
        );
        assert_eq!(found[0].function.as_deref(), Some("main"));
        assert_eq!(found[1].path, "legacy/__init__.py");
        assert_eq!(
            found[1].function.as_deref(),
            Some("run"),
            "extras are not the function"
        );
    }

    #[test]
    fn broken_manifests_and_paths_outside_the_repository_declare_nothing() {
        let files = ["bin/x.js"];
        for (path, text) in [
            ("Cargo.toml", "[package\nname="),
            ("package.json", "{\"bin\": "),
            (
                "package.json",
                r#"{"name": "x", "bin": "../../etc/passwd"}"#,
            ),
            ("pyproject.toml", "[project.scripts]\nx = 3\n"),
            ("pyproject.toml", "[project.scripts]\nx = \"no_function\"\n"),
        ] {
            assert!(
                programs(&[(path, text)], &files).is_empty(),
                "{path}: {text}"
            );
        }
    }
}

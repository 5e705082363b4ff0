//! The packages of a repository and what each declares it depends on, as
//! its build system says: Rust packages (`Cargo.toml`: dependencies, dev-
//! and build-dependencies, per target too, renames and workspace
//! inheritance followed), Go modules (`go.mod`'s `require`s) and npm
//! packages (`package.json`'s dependencies, dev, peer and optional).
//!
//! Resolution asks [`PackageGraph::may_link`]: code of one package can
//! only call into a package of the repository that it declares, directly
//! or through the packages those declare (a facade crate re-exporting
//! another's items, as ripgrep's `grep` does). A link that crosses to any
//! other package is a wrong guess — two same-named methods in unrelated
//! crates — and is left unresolved: "unknown" is better than "wrong".
//! Pure: manifest text in.

use doctown_core::Language;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The build systems whose packages are told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PackageKind {
    Cargo,
    Go,
    Npm,
}

impl PackageKind {
    /// The packages a file of `language` belongs to.
    fn of(language: Language) -> Option<PackageKind> {
        match language {
            Language::Rust => Some(PackageKind::Cargo),
            Language::Go => Some(PackageKind::Go),
            Language::TypeScript | Language::Tsx | Language::JavaScript => Some(PackageKind::Npm),
            _ => None,
        }
    }
}

/// One manifest's package: its name (Rust's with dashes as underscores)
/// and the names it declares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub name: String,
    /// The name as published (Rust's with its dashes).
    pub published: String,
    /// What the manifest says the package is, when it says so.
    pub description: Option<String>,
    /// Cargo: the `[lib] name` (dashes as underscores), when set.
    pub lib: Option<String>,
    /// Cargo: the source files the `[lib]` and `[[bin]]` targets name by
    /// `path`, relative to the manifest (`crates/core/main.rs`).
    pub target_paths: Vec<String>,
    pub declares: BTreeSet<String>,
    /// Cargo: declared with `workspace = true`, resolved through the
    /// workspace's `[workspace.dependencies]` (which may rename).
    pub inherited: BTreeSet<String>,
    /// Cargo: a workspace root's `[workspace.dependencies]` renames
    /// (key → package).
    pub workspace_renames: BTreeMap<String, String>,
}

/// Parses one manifest (`Cargo.toml`, `go.mod` or `package.json` by file
/// name); `None` for anything else, an unreadable one, or one that
/// declares no package (a virtual workspace still gives its renames).
pub fn parse(file_name: &str, text: &str) -> Option<(PackageKind, Manifest)> {
    match file_name {
        "Cargo.toml" => cargo(text).map(|m| (PackageKind::Cargo, m)),
        "go.mod" => go(text).map(|m| (PackageKind::Go, m)),
        "package.json" => npm(text).map(|m| (PackageKind::Npm, m)),
        _ => None,
    }
}

fn ident(name: &str) -> String {
    name.replace('-', "_")
}

/// The `path`s of a Cargo manifest's `[lib]` and `[[bin]]` targets.
fn cargo_target_paths(value: &toml::Table) -> Vec<String> {
    let lib = value.get("lib").into_iter();
    let bins = value
        .get("bin")
        .and_then(|b| b.as_array())
        .into_iter()
        .flatten();
    lib.chain(bins)
        .filter_map(|t| t.get("path")?.as_str())
        .map(|p| p.trim_start_matches("./").to_string())
        .collect()
}

fn cargo(text: &str) -> Option<Manifest> {
    let value: toml::Table = text.parse().ok()?;
    let package = value.get("package");
    let published = package
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .unwrap_or_default();
    let mut m = Manifest {
        name: ident(published),
        published: published.to_string(),
        description: text_field(package, "description"),
        lib: value
            .get("lib")
            .and_then(|l| l.get("name"))
            .and_then(|n| n.as_str())
            .map(ident),
        target_paths: cargo_target_paths(&value),
        ..Manifest::default()
    };
    let mut tables: Vec<&toml::Table> = Vec::new();
    let sections = [
        "dependencies",
        "dev-dependencies",
        "build-dependencies",
        "dev_dependencies",
        "build_dependencies",
    ];
    for owner in std::iter::once(&value).chain(
        value
            .get("target")
            .and_then(|t| t.as_table())
            .into_iter()
            .flat_map(|t| t.values().filter_map(|v| v.as_table())),
    ) {
        tables.extend(sections.iter().filter_map(|s| owner.get(*s)?.as_table()));
    }
    for table in tables {
        for (key, spec) in table {
            if spec.get("workspace").and_then(|w| w.as_bool()) == Some(true) {
                m.inherited.insert(key.clone());
            } else {
                m.declares.insert(ident(package_of(key, spec)));
            }
        }
    }
    if let Some(shared) = value
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(|d| d.as_table())
    {
        for (key, spec) in shared {
            m.workspace_renames
                .insert(key.clone(), ident(package_of(key, spec)));
        }
    }
    Some(m)
}

/// A table's string field (a Cargo `{ workspace = true }` is none).
fn text_field(table: Option<&toml::Value>, key: &str) -> Option<String> {
    Some(table?.get(key)?.as_str()?.to_string())
}

/// The package a Cargo dependency entry names: its `package`, else its key.
fn package_of<'a>(key: &'a str, spec: &'a toml::Value) -> &'a str {
    spec.get("package").and_then(|p| p.as_str()).unwrap_or(key)
}

fn go(text: &str) -> Option<Manifest> {
    let mut m = Manifest::default();
    let mut in_require = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        if let Some(rest) = line.strip_prefix("module") {
            if rest.starts_with(char::is_whitespace) {
                m.name = rest.trim().trim_matches('"').to_string();
                m.published = m.name.clone();
            }
            continue;
        }
        let spec = if in_require {
            if line == ")" {
                in_require = false;
                continue;
            }
            line
        } else if let Some(rest) = line.strip_prefix("require") {
            let rest = rest.trim();
            if rest == "(" {
                in_require = true;
                continue;
            }
            rest
        } else {
            continue;
        };
        if let Some(module) = spec.split_whitespace().next().filter(|s| !s.is_empty()) {
            m.declares.insert(module.trim_matches('"').to_string());
        }
    }
    (!m.name.is_empty()).then_some(m)
}

fn npm(text: &str) -> Option<Manifest> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let name = value.get("name")?.as_str().filter(|n| !n.is_empty())?;
    let mut m = Manifest {
        name: name.to_string(),
        published: name.to_string(),
        description: value
            .get("description")
            .and_then(|d| d.as_str())
            .map(str::to_string),
        ..Manifest::default()
    };
    for field in [
        "dependencies",
        "devDependencies",
        "peerDependencies",
        "optionalDependencies",
    ] {
        if let Some(deps) = value.get(field).and_then(|d| d.as_object()) {
            m.declares.extend(deps.keys().cloned());
        }
    }
    Some(m)
}

/// The repository's packages with what each may reach.
#[derive(Debug, Clone, Default)]
pub struct PackageGraph {
    /// Directory (with a trailing `/`, or `""`) → its packages, by kind.
    places: HashMap<String, Vec<(PackageKind, usize)>>,
    /// Per package: the packages of the repository it declares, directly
    /// or through those (itself included).
    reach: Vec<BTreeSet<usize>>,
}

impl PackageGraph {
    /// The graph of `manifests`: (kind, directory, manifest), the
    /// directory `""` for the root, else ending in `/`.
    pub fn new(manifests: &[(PackageKind, String, Manifest)]) -> PackageGraph {
        let renames: BTreeMap<&str, &str> = manifests
            .iter()
            .flat_map(|(_, _, m)| m.workspace_renames.iter())
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let packages: Vec<&(PackageKind, String, Manifest)> = manifests
            .iter()
            .filter(|(_, _, m)| !m.name.is_empty())
            .collect();
        let index: BTreeMap<(PackageKind, &str), usize> = packages
            .iter()
            .enumerate()
            .map(|(i, (kind, _, m))| ((*kind, m.name.as_str()), i))
            .collect();
        let direct: Vec<Vec<usize>> = packages
            .iter()
            .map(|(kind, _, m)| {
                let inherited = m.inherited.iter().map(|k| {
                    renames
                        .get(k.as_str())
                        .map_or_else(|| ident(k), |p| p.to_string())
                });
                m.declares
                    .iter()
                    .cloned()
                    .chain(inherited)
                    .filter_map(|name| index.get(&(*kind, name.as_str())).copied())
                    .collect()
            })
            .collect();
        let reach = (0..packages.len())
            .map(|start| {
                let mut seen = BTreeSet::from([start]);
                let mut stack = vec![start];
                while let Some(p) = stack.pop() {
                    for &q in &direct[p] {
                        if seen.insert(q) {
                            stack.push(q);
                        }
                    }
                }
                seen
            })
            .collect();
        PackageGraph {
            places: packages.iter().enumerate().fold(
                HashMap::new(),
                |mut places: HashMap<String, Vec<(PackageKind, usize)>>, (i, (kind, dir, _))| {
                    places.entry(dir.clone()).or_default().push((*kind, i));
                    places
                },
            ),
            reach,
        }
    }

    /// The innermost package of `kind` holding `path`: its directories
    /// looked up from the deepest (a link checks two paths, and a
    /// repository may hold thousands of packages).
    fn package_of(&self, kind: PackageKind, path: &str) -> Option<usize> {
        let cuts = path.rmatch_indices('/').map(|(i, _)| i + 1);
        cuts.chain([0]).find_map(|cut| {
            let here = self.places.get(&path[..cut])?;
            here.iter().find(|(k, _)| *k == kind).map(|&(_, i)| i)
        })
    }

    /// Whether code at `from` (of `language`) may link to code at `to`:
    /// yes unless both lie in packages of the repository of the same
    /// build system and `from`'s does not reach `to`'s.
    pub fn may_link(&self, language: Language, from: &str, to: &str) -> bool {
        let Some(kind) = PackageKind::of(language).filter(|_| !self.places.is_empty()) else {
            return true;
        };
        match (self.package_of(kind, from), self.package_of(kind, to)) {
            (Some(a), Some(b)) => self.reach[a].contains(&b),
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(files: &[(&str, &str)]) -> PackageGraph {
        let manifests: Vec<(PackageKind, String, Manifest)> = files
            .iter()
            .filter_map(|(path, text)| {
                let (dir, name) = path.rsplit_once('/').map_or(("", *path), |(d, n)| (d, n));
                let dir = if dir.is_empty() {
                    String::new()
                } else {
                    format!("{dir}/")
                };
                parse(name, text).map(|(k, m)| (k, dir, m))
            })
            .collect();
        PackageGraph::new(&manifests)
    }

    #[test]
    fn cargo_packages_reach_what_they_declare_and_through_it() {
        let g = graph(&[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"crates/*\"]\n[workspace.dependencies]\nmatcher = { package = \"grep-matcher\", path = \"crates/matcher\" }\n",
            ),
            (
                "crates/core/Cargo.toml",
                "[package]\nname = \"ripgrep\"\n[dependencies]\ngrep = { path = \"../grep\" }\n",
            ),
            (
                "crates/grep/Cargo.toml",
                "[package]\nname = \"grep\"\n[target.'cfg(unix)'.dependencies]\ngrep-searcher = \"1\"\n",
            ),
            (
                "crates/searcher/Cargo.toml",
                "[package]\nname = \"grep-searcher\"\n[dev-dependencies]\nmatcher.workspace = true\n",
            ),
            ("crates/matcher/Cargo.toml", "[package]\nname = \"grep-matcher\"\n"),
            ("crates/ignore/Cargo.toml", "[package]\nname = \"ignore\"\n"),
        ]);
        let rust = |a: &str, b: &str| graph_link(&g, a, b);
        fn graph_link(g: &PackageGraph, a: &str, b: &str) -> bool {
            g.may_link(Language::Rust, a, b)
        }
        assert!(rust("crates/core/main.rs", "crates/grep/src/lib.rs"));
        // Through the facade, a target-specific dependency.
        assert!(rust("crates/core/main.rs", "crates/searcher/src/lines.rs"));
        // A renamed workspace dependency, inherited in dev-dependencies.
        assert!(rust(
            "crates/searcher/tests/t.rs",
            "crates/matcher/src/lib.rs"
        ));
        // Not declared at all: the searcher cannot call the ignore crate.
        assert!(!rust(
            "crates/searcher/src/lines.rs",
            "crates/ignore/src/lib.rs"
        ));
        assert!(!rust("crates/matcher/src/lib.rs", "crates/core/main.rs"));
        // Within a package, and outside every package, anything goes.
        assert!(rust("crates/ignore/src/a.rs", "crates/ignore/src/b.rs"));
        assert!(rust("scripts/x.rs", "crates/ignore/src/lib.rs"));
        // Other languages are not Cargo's.
        assert!(g.may_link(
            Language::Python,
            "crates/searcher/x.py",
            "crates/ignore/y.py"
        ));
    }

    #[test]
    fn go_modules_and_npm_packages() {
        let g = graph(&[
            ("go.mod", "module example.com/tools\n\nrequire (\n\texample.com/tools/gopls v0.1.0 // indirect\n)\n"),
            ("gopls/go.mod", "module example.com/tools/gopls\nrequire example.com/other v1.0.0\n"),
            ("web/package.json", r#"{"name": "@app/web", "dependencies": {"@app/ui": "*"}}"#),
            ("ui/package.json", r#"{"name": "@app/ui"}"#),
            ("broken/package.json", "{ not json"),
        ]);
        assert!(g.may_link(Language::Go, "cmd/main.go", "gopls/server.go"));
        assert!(!g.may_link(Language::Go, "gopls/server.go", "cmd/main.go"));
        assert!(g.may_link(Language::TypeScript, "web/src/a.ts", "ui/src/button.ts"));
        assert!(!g.may_link(Language::TypeScript, "ui/src/button.ts", "web/src/a.ts"));
        assert!(g.may_link(Language::TypeScript, "broken/a.ts", "web/src/a.ts"));
    }
}

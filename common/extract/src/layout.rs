//! What a repository's manifests say about its module system: Rust crate
//! names (`Cargo.toml`), Go module paths (`go.mod`), JS/TS package names
//! (`package.json`). Qualified names start from these roots, and Rust
//! `use other_crate::…` resolves through them. Pure: manifest text in.

use crate::modpath::{go_package_dir, module_path, rust_crate_dir};
use crate::packages::{self, Manifest, PackageGraph, PackageKind};
use doctown_core::artifacts::{About, Program};
use doctown_core::Language;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// File names a layout is read from (and `pyproject.toml`, read only for
/// the programs it declares: [`crate::programs`]).
pub const MANIFEST_NAMES: [&str; 4] = ["Cargo.toml", "go.mod", "package.json", "pyproject.toml"];

/// The roots of a repository's module systems, keyed by the directory of
/// each manifest (`""` for the root, else ending in `/`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectLayout {
    rust_crates: BTreeMap<String, String>,
    /// Rust targets whose source is outside the package's `src/`
    /// (`[[bin]] path = "crates/core/main.rs"`): that directory →
    /// the package's `src/`, where the module conventions read it.
    rust_sources: BTreeMap<String, String>,
    go_modules: BTreeMap<String, String>,
    js_packages: BTreeMap<String, String>,
    /// The programs the manifests declare ([`crate::programs`]); not part
    /// of the fingerprint, since names do not depend on them.
    programs: Vec<Program>,
    /// Each manifest's package and what it declares ([`crate::packages`]),
    /// by directory; not part of the fingerprint either: resolution, which
    /// they bound, runs again on every build.
    packages: Vec<(PackageKind, String, Manifest)>,
    /// What the repository says about itself ([`crate::about`]); not part
    /// of the fingerprint.
    about: About,
}

fn manifest_dir(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..=i])
}

impl ProjectLayout {
    /// Adds one manifest (`path` repository-relative). Unreadable or
    /// nameless manifests add nothing.
    pub fn add_manifest(&mut self, path: &str, text: &str) {
        let dir = manifest_dir(path).to_string();
        let file = path.rsplit('/').next().unwrap_or(path);
        let Some((kind, manifest)) = packages::parse(file, text) else {
            return;
        };
        let roots = match kind {
            PackageKind::Cargo => &mut self.rust_crates,
            PackageKind::Go => &mut self.go_modules,
            PackageKind::Npm => &mut self.js_packages,
        };
        // A Rust crate is named in paths by its `[lib] name`, else its
        // package's; a virtual workspace names none.
        let root = manifest
            .lib
            .clone()
            .unwrap_or_else(|| manifest.name.clone());
        if !root.is_empty() {
            roots.insert(dir.clone(), root);
        }
        if kind == PackageKind::Cargo {
            self.rust_sources
                .retain(|_, to| *to != format!("{dir}src/"));
            for target in &manifest.target_paths {
                // Under `src/` the conventions hold already.
                let source_dir = target.rsplit_once('/').map_or("", |(d, _)| d);
                if source_dir == "src"
                    || source_dir.starts_with("src/")
                    || source_dir.contains("..")
                {
                    continue;
                }
                let from = match source_dir {
                    "" => dir.clone(),
                    d => format!("{dir}{d}/"),
                };
                self.rust_sources.insert(from, format!("{dir}src/"));
            }
        }
        self.packages
            .retain(|(k, d, _)| (*k, d.as_str()) != (kind, dir.as_str()));
        self.packages.push((kind, dir, manifest));
    }

    /// The repository's packages and what each may link to.
    pub fn package_graph(&self) -> PackageGraph {
        PackageGraph::new(&self.packages)
    }

    /// Sets the programs the manifests declare.
    pub fn set_programs(&mut self, programs: Vec<Program>) {
        self.programs = programs;
    }

    /// Sets what the repository says about itself.
    pub fn set_about(&mut self, about: About) {
        self.about = about;
    }

    /// What the repository says about itself.
    pub fn about(&self) -> &About {
        &self.about
    }

    /// The programs the manifests declare, in manifest order.
    pub fn programs(&self) -> &[Program] {
        &self.programs
    }

    /// A stable summary of the layout: extractions made under a different
    /// layout have different qualified names and are not reused.
    pub fn fingerprint(&self) -> String {
        let mut text = String::new();
        for (tag, map) in [
            ("rust", &self.rust_crates),
            ("go", &self.go_modules),
            ("js", &self.js_packages),
        ] {
            for (dir, name) in map {
                text.push_str(&format!("{tag}\t{dir}\t{name}\n"));
            }
        }
        for (from, to) in &self.rust_sources {
            text.push_str(&format!("rust-source\t{from}\t{to}\n"));
        }
        doctown_core::stable_hash_hex(&[text.as_bytes()], 16)
    }

    /// A Rust file's path as the module conventions read it: a file of a
    /// target declared outside its package's `src/` (ripgrep's
    /// `crates/core/flags/defs.rs`, of `[[bin]] path =
    /// "crates/core/main.rs"`) as if under `src/` (`src/flags/defs.rs`,
    /// module `crate::flags::defs`), unless a package nested there owns it.
    pub fn rust_source_path<'p>(&self, path: &'p str) -> Cow<'p, str> {
        let Some((from, to)) = self
            .rust_sources
            .iter()
            .filter(|(from, _)| path.starts_with(from.as_str()))
            .max_by_key(|(from, _)| from.len())
        else {
            return Cow::Borrowed(path);
        };
        // The package's own crates beside its sources keep their names.
        let rest = &path[from.len()..];
        let own_crate = ["src/", "tests/", "examples/", "benches/"]
            .iter()
            .any(|d| rest.starts_with(d))
            || rest == "build.rs";
        if own_crate {
            return Cow::Borrowed(path);
        }
        let declaring = to.strip_suffix("src/").unwrap_or(to);
        let owner = self
            .rust_crates
            .keys()
            .filter(|d| path.starts_with(d.as_str()))
            .max_by_key(|d| d.len());
        if owner.is_some_and(|o| o != declaring) {
            return Cow::Borrowed(path);
        }
        Cow::Owned(format!("{to}{rest}"))
    }

    /// The Rust crate name of a crate directory, from its `Cargo.toml`.
    pub fn rust_crate_name(&self, crate_dir: &str) -> Option<&str> {
        self.rust_crates.get(crate_dir).map(String::as_str)
    }

    /// The directory of the workspace crate called `name` (underscored).
    pub fn rust_crate_dir_of(&self, name: &str) -> Option<&str> {
        self.rust_crates
            .iter()
            .find(|(_, n)| n.as_str() == name)
            .map(|(d, _)| d.as_str())
    }

    /// The directory of the workspace package an import specifier names
    /// (`@scope/pkg/sub` → (`packages/pkg/`, `sub`)).
    pub fn js_package_dir<'s>(&self, spec: &'s str) -> Option<(&str, &'s str)> {
        self.js_packages.iter().find_map(|(dir, name)| {
            let rest = spec.strip_prefix(name.as_str())?;
            if rest.is_empty() {
                Some((dir.as_str(), ""))
            } else {
                rest.strip_prefix('/').map(|sub| (dir.as_str(), sub))
            }
        })
    }

    /// The Go import path of a package directory (no trailing `/`): the
    /// enclosing module's path plus the directory below it.
    pub fn go_import_path(&self, package_dir: &str) -> Option<String> {
        let with_slash = format!("{package_dir}/");
        let (dir, module) = self
            .go_modules
            .iter()
            .filter(|(d, _)| d.is_empty() || with_slash.starts_with(d.as_str()))
            .max_by_key(|(d, _)| d.len())?;
        let rest = with_slash[dir.len()..].trim_end_matches('/');
        Some(if rest.is_empty() {
            module.clone()
        } else {
            format!("{module}/{rest}")
        })
    }

    /// The qualified-name prefix of a file: the module path from its real
    /// root (see [`ProjectLayout`]).
    ///
    /// - Rust: `crate` becomes the crate's name (`doctown_core::ids`);
    ///   integration tests, examples and benches are their own crates,
    ///   named `{crate}::tests::{file}` (and `examples`, `benches`), binaries
    ///   `{crate}::main` and `{crate}::bin::{name}`, a build script
    ///   `{crate}::build`.
    /// - Go: the package's import path (`github.com/a/b/sub`).
    /// - JS/TS: the package name and the path inside the package
    ///   (`@scope/pkg/src/util`).
    /// - Python: the dotted module path.
    pub fn qualified_prefix(&self, path: &str, language: Language) -> String {
        match language {
            Language::Rust => self.rust_prefix(path),
            Language::Go => {
                let dir = go_package_dir(path);
                self.go_import_path(dir)
                    .unwrap_or_else(|| module_path(path, language))
            }
            Language::TypeScript | Language::Tsx | Language::JavaScript => {
                let module = module_path(path, language);
                let package = self
                    .js_packages
                    .iter()
                    .filter(|(d, _)| path.starts_with(d.as_str()))
                    .max_by_key(|(d, _)| d.len());
                match package {
                    Some((dir, name)) => {
                        let inner = module
                            .strip_prefix(dir.trim_end_matches('/'))
                            .unwrap_or(&module);
                        let inner = inner.trim_matches('/');
                        if inner.is_empty() {
                            name.clone()
                        } else {
                            format!("{name}/{inner}")
                        }
                    }
                    None => module,
                }
            }
            Language::Python => module_path(path, language),
            // The query engine's languages: namespaces, packages and
            // nesting name their symbols (`@package`, module symbols).
            _ => String::new(),
        }
    }

    fn rust_prefix(&self, path: &str) -> String {
        let path = &*self.rust_source_path(path);
        let (dir, inner) = rust_crate_dir(path);
        let module = module_path(path, Language::Rust);
        let below = module.strip_prefix("crate").unwrap_or(&module);
        let (crate_dir, root) = match ["tests/", "examples/", "benches/"]
            .iter()
            .find_map(|k| dir.strip_suffix(k).map(|d| (d, k.trim_end_matches('/'))))
        {
            // A shared `tests/common/mod.rs` is named like a test crate of
            // its own: `{crate}::tests::common`.
            Some((crate_dir, kind)) if inner.ends_with("/mod.rs") => {
                let file = inner.trim_end_matches("/mod.rs");
                return format!(
                    "{}::{kind}::{}",
                    self.rust_crate_name(crate_dir).unwrap_or("crate"),
                    ident(file)
                );
            }
            Some((crate_dir, kind)) => {
                let after = &path[dir.len()..];
                let file = after.split('/').next().unwrap_or(after);
                let file = file.strip_suffix(".rs").unwrap_or(file);
                (crate_dir, Some(format!("{kind}::{}", ident(file))))
            }
            None if dir.is_empty() && path == "build.rs" || path.ends_with("/build.rs") => {
                (dir, Some("build".to_string()))
            }
            // The default binary (`src/main.rs`) is a crate beside the
            // library: `{crate}::main`, so its `main` is not the library's.
            None if inner == "main.rs" => (dir, Some("main".to_string())),
            None => {
                let bin = inner.strip_prefix("bin/").map(|rest| {
                    let name = rest.split('/').next().unwrap_or(rest);
                    format!("bin::{}", ident(name.strip_suffix(".rs").unwrap_or(name)))
                });
                (dir, bin)
            }
        };
        let name = self
            .rust_crate_name(crate_dir)
            .map(str::to_string)
            .unwrap_or_else(|| "crate".to_string());
        match root {
            Some(root) => format!("{name}::{root}{below}"),
            None => format!("{name}{below}"),
        }
    }
}

/// A name as a Rust identifier (`my-tool` → `my_tool`).
fn ident(name: &str) -> String {
    name.replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> ProjectLayout {
        let mut l = ProjectLayout::default();
        l.add_manifest("Cargo.toml", "[workspace]\nmembers = [\"common/core\"]\n");
        l.add_manifest(
            "common/core/Cargo.toml",
            "[package]\nname = \"doctown-core\"\nversion = \"0.1.0\"\n",
        );
        l.add_manifest(
            "tool/Cargo.toml",
            "[package]\nname = \"t\"\n[lib]\nname = \"tool_lib\"\n",
        );
        l.add_manifest(
            "go/go.mod",
            "// comment\nmodule github.com/a/b\n\ngo 1.21\n",
        );
        l.add_manifest(
            "web/package.json",
            r#"{"name": "@x/web", "version": "1.0.0"}"#,
        );
        l.add_manifest("broken/Cargo.toml", "[package\nname=");
        l
    }

    #[test]
    fn rust_roots() {
        let l = layout();
        let cases = [
            ("common/core/src/ids.rs", "doctown_core::ids"),
            ("common/core/src/lib.rs", "doctown_core"),
            ("common/core/src/store/mod.rs", "doctown_core::store"),
            ("common/core/tests/golden.rs", "doctown_core::tests::golden"),
            (
                "common/core/tests/common/mod.rs",
                "doctown_core::tests::common",
            ),
            (
                "common/core/tests/it/helpers.rs",
                "doctown_core::tests::it::helpers",
            ),
            (
                "common/core/examples/dump.rs",
                "doctown_core::examples::dump",
            ),
            ("common/core/src/bin/cli.rs", "doctown_core::bin::cli"),
            ("common/core/src/main.rs", "doctown_core::main"),
            ("common/core/build.rs", "doctown_core::build"),
            ("tool/src/lib.rs", "tool_lib"),
            ("broken/src/lib.rs", "crate"),
        ];
        for (path, want) in cases {
            assert_eq!(l.qualified_prefix(path, Language::Rust), want, "{path}");
        }
        assert_eq!(l.rust_crate_dir_of("doctown_core"), Some("common/core/"));
        assert_eq!(l.rust_crate_dir_of("serde"), None);
    }

    /// Targets declared outside `src/` (ripgrep's `[[bin]] path =
    /// "crates/core/main.rs"`) name their modules as if under `src/`; a
    /// package nested there keeps its own.
    #[test]
    fn declared_target_paths() {
        let mut l = ProjectLayout::default();
        l.add_manifest(
            "Cargo.toml",
            "[package]\nname = \"ripgrep\"\n[[bin]]\nname = \"rg\"\npath = \"crates/core/main.rs\"\n",
        );
        l.add_manifest(
            "crates/core/inner/Cargo.toml",
            "[package]\nname = \"inner\"\n",
        );
        l.add_manifest(
            "tool/Cargo.toml",
            "[package]\nname = \"tool\"\n[lib]\npath = \"lib.rs\"\n",
        );
        let cases = [
            ("crates/core/main.rs", "ripgrep::main"),
            ("crates/core/flags/defs.rs", "ripgrep::flags::defs"),
            ("crates/core/flags/mod.rs", "ripgrep::flags"),
            ("crates/core/inner/src/lib.rs", "inner"),
            ("tool/lib.rs", "tool"),
            ("tool/util.rs", "tool::util"),
            ("tool/tests/it.rs", "tool::tests::it"),
            ("tool/build.rs", "tool::build"),
        ];
        for (path, want) in cases {
            assert_eq!(l.qualified_prefix(path, Language::Rust), want, "{path}");
        }
        assert_eq!(l.rust_source_path("crates/core/a.rs"), "src/a.rs");
        assert_eq!(l.rust_source_path("crates/other/a.rs"), "crates/other/a.rs");
        let before = l.fingerprint();
        l.add_manifest("Cargo.toml", "[package]\nname = \"ripgrep\"\n");
        assert_eq!(l.rust_source_path("crates/core/a.rs"), "crates/core/a.rs");
        assert_ne!(l.fingerprint(), before);
    }

    #[test]
    fn go_and_js_roots() {
        let l = layout();
        assert_eq!(
            l.qualified_prefix("go/x.go", Language::Go),
            "github.com/a/b"
        );
        assert_eq!(
            l.qualified_prefix("go/internal/st/s.go", Language::Go),
            "github.com/a/b/internal/st"
        );
        assert_eq!(l.qualified_prefix("other/s.go", Language::Go), "other");
        assert_eq!(
            l.qualified_prefix("web/src/util.ts", Language::TypeScript),
            "@x/web/src/util"
        );
        assert_eq!(
            l.qualified_prefix("web/index.js", Language::JavaScript),
            "@x/web"
        );
        assert_eq!(
            l.qualified_prefix("lib/a.js", Language::JavaScript),
            "lib/a"
        );
    }

    #[test]
    fn fingerprint_follows_content() {
        assert_eq!(layout().fingerprint(), layout().fingerprint());
        assert_ne!(
            layout().fingerprint(),
            ProjectLayout::default().fingerprint()
        );
    }
}

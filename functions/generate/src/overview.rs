//! Module overviews and the architecture summary from facts: what each
//! module holds and is about, what it depends on and what depends on it;
//! for the repository, its main parts (clusters), entry points and most
//! central symbols. The model path uses the same facts ([`module_block`],
//! [`architecture_block`]) and falls back to these texts.

use crate::facts::{display_name, GenerateInput, ModuleFacts};
use crate::writer_text::{code, count, join_names, language_name};
use doctown_core::artifacts::{About, Program};
use doctown_core::{Language, SymbolKind};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// The repository-level facts, shared by both backends.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArchitectureFacts {
    /// `(label, size)`, largest first (at most 6).
    pub main_parts: Vec<(String, u32)>,
    /// Qualified names.
    /// Qualified names of the entry points (source code only).
    pub entry_points: Vec<String>,
    /// Each entry point's file, in the same order.
    pub entry_paths: Vec<String>,
    /// The programs the manifests declare: the commands a reader runs,
    /// named before the `main` functions ([`named_programs`]).
    pub programs: Vec<Program>,
    /// The repository's packages by published name, with the symbols of
    /// their source modules, largest first ([`package_parts`]).
    pub packages: Vec<(String, u32)>,
    /// The traits, interfaces and classes several others implement or
    /// extend, most first ([`Abstractions::ranked`]).
    pub key_abstractions: Vec<KeyAbstraction>,
    /// The layers of the source modules' dependency graph.
    pub layers: Option<crate::layers::Layers>,
    /// Display names, most central first (at most 5).
    pub central: Vec<String>,
    pub central_qualified: Vec<String>,
    /// Public symbols nothing inside calls, most central first (at most 5).
    pub public_surface: Vec<String>,
    /// The languages of source files, most symbols first.
    pub languages: Vec<String>,
    /// How many more languages only tests, fixtures, examples and other
    /// files that are not source use.
    pub other_languages: usize,
    pub files: usize,
}

/// Symbols per language, apart for source files and the others (tests,
/// fixtures, examples, vendored and generated code): a repository is
/// written in its source's languages; a test fixture in twenty languages
/// does not make it a twenty-language project.
#[derive(Debug, Clone, Default)]
pub(crate) struct LanguageCounts {
    source: BTreeMap<&'static str, usize>,
    other: BTreeMap<&'static str, usize>,
}

impl LanguageCounts {
    pub(crate) fn add(&mut self, language: Language, source: bool) {
        let counts = if source {
            &mut self.source
        } else {
            &mut self.other
        };
        *counts.entry(language_name(language)).or_default() += 1;
    }

    /// The source's languages, most symbols first, and how many others
    /// only the rest use. Without source files, every language counts.
    pub(crate) fn ranked(mut self) -> (Vec<String>, usize) {
        if self.source.is_empty() {
            std::mem::swap(&mut self.source, &mut self.other);
        }
        let others = self
            .other
            .keys()
            .filter(|l| !self.source.contains_key(*l))
            .count();
        let mut ranked: Vec<(&str, usize)> = self.source.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        (
            ranked.into_iter().map(|(l, _)| l.to_string()).collect(),
            others,
        )
    }
}

/// A type of the repository that several of its symbols implement or
/// extend: `ObjectStore` and its four stores.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyAbstraction {
    pub name: String,
    pub kind: SymbolKind,
    /// How many source symbols name it as a supertype.
    pub implementations: u32,
}

/// The key abstractions, counted symbol by symbol: the traits, interfaces
/// and classes source files define, and how often source symbols name
/// each as a supertype (a Rust `impl Trait for`, a subclass, an
/// `implements`). Supertypes defined elsewhere (`Display`, `Exception`)
/// and error types are not abstractions a reader starts from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Abstractions {
    defined: HashMap<String, SymbolKind>,
    implementations: HashMap<String, u32>,
}

/// A type's own name: `a::b::Trait<T>` and `pkg.Base` → `Trait`, `Base`.
fn type_name(name: &str) -> &str {
    let name = name.split('<').next().unwrap_or(name).trim();
    let name = name.rsplit("::").next().unwrap_or(name);
    name.rsplit('.').next().unwrap_or(name)
}

impl Abstractions {
    pub(crate) fn add(&mut self, kind: SymbolKind, qualified_name: &str, supertypes: &[String]) {
        if matches!(
            kind,
            SymbolKind::Trait | SymbolKind::Interface | SymbolKind::Class
        ) {
            self.defined
                .entry(type_name(qualified_name).to_string())
                .or_insert(kind);
        }
        for supertype in supertypes {
            *self
                .implementations
                .entry(type_name(supertype).to_string())
                .or_default() += 1;
        }
    }

    /// The `n` defined types with at least two implementations, most
    /// first (ties by name), error types left out.
    pub(crate) fn ranked(self, n: usize) -> Vec<KeyAbstraction> {
        let mut ranked: Vec<KeyAbstraction> = self
            .implementations
            .into_iter()
            .filter(|(name, count)| {
                *count >= 2 && !name.ends_with("Error") && !name.ends_with("Exception")
            })
            .filter_map(|(name, implementations)| {
                let kind = *self.defined.get(&name)?;
                Some(KeyAbstraction {
                    name,
                    kind,
                    implementations,
                })
            })
            .collect();
        ranked.sort_by(|a, b| {
            b.implementations
                .cmp(&a.implementations)
                .then_with(|| a.name.cmp(&b.name))
        });
        ranked.truncate(n);
        ranked
    }
}

/// Whether a symbol belongs to an error type (`ApiError::new`,
/// `errors.AccountsError.invalid`): by the segment of its qualified name
/// that holds it.
pub(crate) fn is_error_helper(qualified_name: &str) -> bool {
    let sep = if qualified_name.contains("::") {
        "::"
    } else {
        "."
    };
    let mut segments = qualified_name.rsplit(sep);
    segments.next();
    segments
        .next()
        .map(|owner| owner.split('<').next().unwrap_or(owner))
        .is_some_and(|owner| owner.ends_with("Error") || owner.ends_with("Exception"))
}

/// The programs to name: those outside build and helper scripts and test
/// helpers, unless only those are declared; in manifest order.
pub(crate) fn named_programs(programs: &[Program]) -> Vec<Program> {
    let of = |tooling: bool| -> Vec<Program> {
        programs
            .iter()
            .filter(|p| is_tooling(&p.path) == tooling)
            .cloned()
            .collect()
    };
    let named = of(false);
    if named.is_empty() {
        of(true)
    } else {
        named
    }
}

/// Build scripts, helper scripts and fuzz targets: entry points named only
/// when nothing else starts.
pub(crate) fn is_tooling(p: &str) -> bool {
    p == "build.rs"
        || p.ends_with("/build.rs")
        || p.starts_with("scripts/")
        || p.contains("/scripts/")
        || p.starts_with("tools/")
        || p.starts_with("fuzz/")
        || p.contains("/fuzz/")
        || p.contains("fuzz_targets/")
        || serves_tests(p)
}

/// A program whose file says it serves tests or benchmarks
/// (`bin/doctown-test-worker.rs`, `fake_server.py`): run by the suite,
/// not where a reader starts.
fn serves_tests(p: &str) -> bool {
    let file = p.rsplit('/').next().unwrap_or(p);
    let stem = file.split('.').next().unwrap_or(file);
    stem.split(['-', '_'])
        .any(|w| matches!(w, "test" | "tests" | "bench" | "fake" | "mock" | "stub"))
}

/// The cluster labels most of a module's symbols carry, most common first.
fn module_topics(input: &GenerateInput, module: &ModuleFacts) -> Vec<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for s in input.symbols.iter().filter(|s| s.module == module.path) {
        if let Some(label) = s.cluster.as_deref() {
            *counts.entry(label).or_default() += 1;
        }
    }
    top_topics(counts)
}

/// The two most common labels, ties by name.
pub(crate) fn top_topics(counts: BTreeMap<&str, usize>) -> Vec<String> {
    let mut topics: Vec<(&str, usize)> = counts.into_iter().collect();
    topics.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    topics
        .into_iter()
        .take(2)
        .map(|(l, _)| l.to_string())
        .collect()
}

fn quoted(labels: &[String]) -> String {
    let q: Vec<String> = labels
        .iter()
        .map(|l| format!("\u{201c}{l}\u{201d}"))
        .collect();
    match q.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Two or three sentences about a module, mostly about `topics`.
pub(crate) fn summary_with_topics(module: &ModuleFacts, topics: Vec<String>) -> String {
    let place = if module.path == "." {
        "The repository root".to_string()
    } else {
        code(&module.path)
    };
    let languages: Vec<&str> = module.languages.iter().map(|l| language_name(*l)).collect();
    let lang = if languages.is_empty() {
        String::new()
    } else {
        format!("{} ", languages.join(" and "))
    };
    let files = count(
        module.files.len() as u64,
        &format!("{lang}file"),
        &format!("{lang}files"),
    );
    let symbols = count(u64::from(module.symbols), "symbol", "symbols");
    let mut text = match topics.as_slice() {
        [] => format!("{place} holds {files} with {symbols}."),
        t => format!(
            "{place} holds {files} with {symbols}, mostly about {}.",
            quoted(t)
        ),
    };
    if !module.top_symbols.is_empty() {
        let top = join_names(
            &module.top_symbols,
            3,
            module.top_symbols.len().min(3) as u32,
        );
        let noun = if module.top_symbols.len() == 1 {
            "symbol is"
        } else {
            "symbols are"
        };
        text.push_str(&format!(" Its most central {noun} {top}."));
    }
    let deps = join_names(&module.dependencies, 3, module.dependencies.len() as u32);
    let users = join_names(&module.dependents, 2, module.dependents.len() as u32);
    let relation = match (module.dependencies.is_empty(), module.dependents.is_empty()) {
        (false, false) => format!(" It depends on {deps} and is used by {users}."),
        (false, true) => format!(" It depends on {deps}; no other module depends on it."),
        (true, false) => format!(" It depends on no other module and is used by {users}."),
        (true, true) => String::new(),
    };
    text.push_str(&relation);
    text
}

/// The repository's packages by the symbols of their source modules
/// (`is_source`: a module holding source code, as file roles tell it from
/// tests, fixtures and examples — the docpack's module role), largest
/// first: a module counts for the package whose directory holds it most
/// closely ([`About::package_of`]), as the website's main parts count;
/// build and helper scripts and fuzz targets are left out, and so are
/// packages without symbols.
pub(crate) fn package_parts(
    modules: &[ModuleFacts],
    is_source: impl Fn(&str) -> bool,
    about: &About,
) -> Vec<(String, u32)> {
    let mut sizes: BTreeMap<&str, u32> = BTreeMap::new();
    for m in modules
        .iter()
        .filter(|m| is_source(&m.path) && !is_tooling(&m.path))
    {
        if let Some(p) = about.package_of(&m.path) {
            *sizes.entry(p.name.as_str()).or_default() += m.symbols;
        }
    }
    let mut parts: Vec<(String, u32)> = sizes
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| (name.to_string(), n))
        .collect();
    parts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    parts
}

/// A paragraph about the repository: its name, its symbols and modules.
pub(crate) fn architecture_text(
    repository: &str,
    symbols: usize,
    modules: usize,
    facts: &ArchitectureFacts,
) -> String {
    let symbols = count(symbols as u64, "symbol", "symbols");
    let modules = count(modules as u64, "module", "modules");
    let name = if repository.is_empty() {
        "The repository".to_string()
    } else {
        code(repository)
    };
    let langs = match facts.languages.as_slice() {
        [] => String::new(),
        [one] => format!(", written in {one}"),
        [first, rest @ ..] => format!(", mostly in {first}, with {}", join_plain(rest)),
    };
    let others = match facts.other_languages {
        0 => String::new(),
        1 => " (its tests and fixtures add one more language)".to_string(),
        n => format!(" (its tests and fixtures add {n} more languages)"),
    };
    let mut text = format!("{name} has {symbols} in {modules}{langs}{others}.");
    text.push_str(&parts_sentence(facts));
    text.push_str(&layers_sentence(facts.layers.as_ref()));
    // Entry points are told apart by their files: "`main` in
    // `src/main.rs` and `main` in `src/bin/tool.rs`", never "`main`, `main`".
    let entries: Vec<String> = facts
        .entry_points
        .iter()
        .zip(&facts.entry_paths)
        .take(3)
        .map(|(q, path)| format!("{} in {}", code(&display_name(q)), code(path)))
        .collect();
    let mut programs: Vec<String> = facts
        .programs
        .iter()
        .take(3)
        .map(|p| match &p.function {
            Some(f) => format!("{} ({} in {})", code(&p.name), code(f), code(&p.path)),
            None => format!("{} ({})", code(&p.name), code(&p.path)),
        })
        .collect();
    match facts.programs.len().saturating_sub(3) {
        0 => {}
        1 => programs.push("one more program".to_string()),
        n => programs.push(format!("{n} more programs")),
    }
    if !programs.is_empty() {
        text.push_str(&format!(" It runs as {}.", join_plain(&programs)));
    } else {
        text.push_str(&entry_sentence(facts, &entries));
    }
    text.push_str(&abstractions_sentence(&facts.key_abstractions));
    if !facts.central.is_empty() {
        text.push_str(&format!(
            " The most central symbols are {}.",
            join_names(&facts.central[..facts.central.len().min(3)], 3, 0)
        ));
    }
    text
}

/// " Its main packages are `acme-core` (65) and `acme` (50)." — or, in a
/// repository of fewer than two packages, its largest clusters.
fn parts_sentence(facts: &ArchitectureFacts) -> String {
    if facts.packages.len() >= 2 {
        let parts: Vec<String> = facts
            .packages
            .iter()
            .take(4)
            .map(|(name, n)| format!("{} ({n})", code(name)))
            .collect();
        return format!(" Its main packages are {}.", join_plain(&parts));
    }
    if facts.main_parts.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = facts
        .main_parts
        .iter()
        .take(4)
        .map(|(l, n)| format!("\u{201c}{l}\u{201d} ({n})"))
        .collect();
    format!(" Its main parts, by cluster, are {}.", join_plain(&parts))
}

/// " Its modules stack in 6 layers, on `core` (used by 37 modules) and
/// `store` (used by 20); at the top is `cli`, which depends on 19 others.
/// 40 of them depend on each other in a cycle." Repositories of fewer than
/// three layers are not told about.
fn layers_sentence(layers: Option<&crate::layers::Layers>) -> String {
    let Some(layers) = layers.filter(|l| l.depth >= 3 && !l.foundation.is_empty()) else {
        return String::new();
    };
    let foundation: Vec<String> = layers
        .foundation
        .iter()
        .enumerate()
        .map(|(i, (path, users))| {
            let users = match (i, users) {
                (0, 1) => "one module".to_string(),
                (0, n) => format!("{n} modules"),
                (_, n) => n.to_string(),
            };
            format!("{} (used by {users})", code(path))
        })
        .collect();
    let mut text = format!(
        " Its modules stack in {} layers, on {}",
        layers.depth,
        join_plain(&foundation)
    );
    if let Some((path, deps)) = layers.top.first() {
        let deps = count(*deps as u64, "other", "others");
        text.push_str(&format!(
            "; at the top is {}, which depends on {deps}",
            code(path)
        ));
    }
    text.push('.');
    if layers.largest_cycle >= 3 {
        text.push_str(&format!(
            " {} of them depend on each other in a cycle.",
            layers.largest_cycle
        ));
    }
    text
}

/// " Its key abstractions are `ObjectStore` (4 implementations) and
/// `Field` (31 subclasses)."
fn abstractions_sentence(abstractions: &[KeyAbstraction]) -> String {
    if abstractions.is_empty() {
        return String::new();
    }
    let named: Vec<String> = abstractions
        .iter()
        .map(|a| {
            let (one, many) = match a.kind {
                SymbolKind::Class => ("subclass", "subclasses"),
                _ => ("implementation", "implementations"),
            };
            format!(
                "{} ({})",
                code(&a.name),
                count(u64::from(a.implementations), one, many)
            )
        })
        .collect();
    let (verb, noun) = match named.len() {
        1 => ("is", "abstraction"),
        _ => ("are", "abstractions"),
    };
    format!(" Its key {noun} {verb} {}.", join_plain(&named))
}

/// Where a repository without declared programs starts: its `main`
/// functions, else its public surface.
fn entry_sentence(facts: &ArchitectureFacts, entries: &[String]) -> String {
    match (entries.is_empty(), facts.public_surface.is_empty()) {
        (false, _) => format!(" It starts at {}.", join_plain(entries)),
        (true, false) => format!(
            " It has no `main`; its public surface starts with {}.",
            join_names(&facts.public_surface, 3, facts.public_surface.len() as u32)
        ),
        (true, true) => String::new(),
    }
}

fn join_plain(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The facts of a module as a prompt data block.
pub fn module_block(input: &GenerateInput, module: &ModuleFacts) -> Value {
    json!({
        "path": module.path,
        "files": module.files.iter().take(12).collect::<Vec<_>>(),
        "file_count": module.files.len(),
        "languages": module.languages.iter().map(|l| l.name()).collect::<Vec<_>>(),
        "symbols": module.symbols,
        "top_symbols": module.top_symbols.iter().take(8).collect::<Vec<_>>(),
        "topics": module_topics(input, module),
        "depends_on": module.dependencies.iter().take(10).collect::<Vec<_>>(),
        "used_by": module.dependents.iter().take(10).collect::<Vec<_>>(),
    })
}

/// The facts of the repository as a prompt data block.
pub fn architecture_block(input: &GenerateInput, facts: &ArchitectureFacts) -> Value {
    let modules: Vec<Value> = input
        .modules
        .iter()
        .take(30)
        .map(|m| json!({"path": m.path, "symbols": m.symbols, "depends_on": m.dependencies.len(), "used_by": m.dependents.len()}))
        .collect();
    let mut block = json!({
        "repository": input.repository,
        "symbols": input.symbols.len(),
        "languages": facts.languages,
        "clusters": facts.main_parts.iter().map(|(l, n)| json!({"label": l, "size": n})).collect::<Vec<_>>(),
        "entry_points": facts
            .entry_points
            .iter()
            .zip(&facts.entry_paths)
            .map(|(q, p)| json!({"name": q, "path": p}))
            .collect::<Vec<_>>(),
        "most_central": facts.central,
        "public_surface": facts.public_surface,
        "modules": modules,
    });
    if !facts.programs.is_empty() {
        block["programs"] = json!(facts.programs);
    }
    if !facts.key_abstractions.is_empty() {
        block["key_abstractions"] = json!(facts.key_abstractions);
    }
    block
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::SymbolFacts;
    use crate::stream::architecture_facts;
    use crate::writer::FactsWriter;
    use doctown_core::SymbolKind;
    use doctown_core::{FileRole, Language, SymbolId, Visibility};

    fn function(name: &str, kind: SymbolKind, path: &str, centrality: f64) -> SymbolFacts {
        SymbolFacts {
            id: SymbolId::from_raw(format!("{path}#{name}")),
            name: name.to_string(),
            qualified_name: format!("{}.{name}", path.trim_end_matches(".py")),
            kind,
            language: Language::Python,
            path: path.to_string(),
            module: String::new(),
            start_line: 1,
            end_line: 2,
            signature: String::new(),
            visibility: Visibility::Public,
            doc: None,
            parent: None,
            parent_kind: None,
            calls: Vec::new(),
            calls_total: 0,
            called_by: Vec::new(),
            called_by_total: 0,
            external_calls: Vec::new(),
            imports: Vec::new(),
            supertypes: Vec::new(),
            cluster_id: None,
            cluster: None,
            centrality,
            related: Vec::new(),
            complexity: None,
            loc: 2,
            callers_may_be_unresolved: false,
            tested_by: Vec::new(),
            role: FileRole::Source,
            history: None,
        }
    }

    #[test]
    fn a_method_named_main_is_not_an_entry_point() {
        // click: `BaseCommand.main` is API; `black.main` is the command.
        let input = GenerateInput {
            symbols: vec![
                function("main", SymbolKind::Method, "src/click/core.py", 0.9),
                function("main", SymbolKind::Function, "src/black/__init__.py", 0.1),
            ],
            ..GenerateInput::default()
        };
        let facts = architecture_facts(&FactsWriter::new(&input), &input);
        assert_eq!(facts.entry_paths, ["src/black/__init__.py"]);
    }

    #[test]
    fn build_and_helper_scripts_are_entry_points_only_when_nothing_else_is() {
        // ripgrep's build.rs, black's scripts/make_width_table.py: not
        // what `[[bin]]` or `[project.scripts]` declare.
        let mut input = GenerateInput {
            symbols: vec![
                function("main", SymbolKind::Function, "build.rs", 0.9),
                function("main", SymbolKind::Function, "scripts/make_table.py", 0.8),
                function("main", SymbolKind::Function, "crates/core/main.rs", 0.1),
                function(
                    "main",
                    SymbolKind::Function,
                    "src/bin/doctown-test-worker.rs",
                    0.7,
                ),
            ],
            ..GenerateInput::default()
        };
        let facts = architecture_facts(&FactsWriter::new(&input), &input);
        assert_eq!(facts.entry_paths, ["crates/core/main.rs"]);
        input.symbols.truncate(2);
        let facts = architecture_facts(&FactsWriter::new(&input), &input);
        assert_eq!(facts.entry_paths, ["build.rs", "scripts/make_table.py"]);
    }

    #[test]
    fn key_abstractions_are_the_repository_s_types_several_symbols_implement() {
        let mut found = Abstractions::default();
        let mut add = |kind, name: &str, supertypes: &[&str]| {
            let supertypes: Vec<String> = supertypes.iter().map(|s| s.to_string()).collect();
            found.add(kind, name, &supertypes);
        };
        add(
            SymbolKind::Trait,
            "doctown_store::ObjectStore",
            &["Send", "Sync"],
        );
        add(SymbolKind::Trait, "doctown_pipeline::StageHandler", &[]);
        add(SymbolKind::Class, "django.db.models.Field", &[]);
        add(SymbolKind::Class, "app.AppError", &["Exception"]);
        for store in ["LocalStore", "MemoryStore", "S3Store"] {
            add(
                SymbolKind::Impl,
                &format!("m::<impl ObjectStore for {store}>"),
                &["ObjectStore"],
            );
            add(
                SymbolKind::Impl,
                &format!("m::<impl Display for {store}>"),
                &["std::fmt::Display"],
            );
        }
        add(
            SymbolKind::Impl,
            "m::<impl StageHandler for Ingest>",
            &["StageHandler"],
        );
        add(SymbolKind::Class, "app.CharField", &["models.Field"]);
        add(SymbolKind::Class, "app.IntegerField", &["Field<int>"]);
        add(SymbolKind::Class, "app.NotFound", &["AppError"]);
        add(SymbolKind::Class, "app.Gone", &["AppError"]);
        let ranked = found.ranked(3);
        let names: Vec<(&str, u32)> = ranked
            .iter()
            .map(|a| (a.name.as_str(), a.implementations))
            .collect();
        // Display is not the repository's; StageHandler has one
        // implementation; AppError is an error type.
        assert_eq!(names, [("ObjectStore", 3), ("Field", 2)]);
        let facts = ArchitectureFacts {
            key_abstractions: ranked,
            ..ArchitectureFacts::default()
        };
        assert!(
            architecture_text("r", 1, 1, &facts).ends_with(
                " Its key abstractions are `ObjectStore` (3 implementations) and `Field` (2 subclasses)."
            ),
            "{}",
            architecture_text("r", 1, 1, &facts)
        );
    }

    fn declared(name: &str, path: &str) -> Program {
        Program {
            name: name.into(),
            path: path.into(),
            manifest: "Cargo.toml".into(),
            function: None,
        }
    }

    #[test]
    fn declared_programs_are_named_before_main_functions_and_test_helpers_are_not() {
        let programs = [
            declared("doctown", "functions/cli/src/main.rs"),
            declared(
                "doctown-test-worker",
                "functions/worker/src/bin/doctown-test-worker.rs",
            ),
            declared(
                "doctown-runpod",
                "functions/worker/src/bin/doctown-runpod.rs",
            ),
        ];
        let named = named_programs(&programs);
        assert_eq!(
            named.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["doctown", "doctown-runpod"]
        );
        let facts = ArchitectureFacts {
            programs: named,
            entry_points: vec!["main".into()],
            entry_paths: vec!["functions/cli/src/lib.rs".into()],
            ..ArchitectureFacts::default()
        };
        let text = architecture_text("doctown", 10, 2, &facts);
        assert!(
            text.contains(
                "It runs as `doctown` (`functions/cli/src/main.rs`) and `doctown-runpod` \
                 (`functions/worker/src/bin/doctown-runpod.rs`)."
            ),
            "{text}"
        );
        assert!(!text.contains("It starts at"), "{text}");
        let many: Vec<Program> = (0..5)
            .map(|i| declared(&format!("p{i}"), "src/main.rs"))
            .collect();
        let facts = ArchitectureFacts {
            programs: named_programs(&many),
            ..ArchitectureFacts::default()
        };
        assert!(architecture_text("r", 1, 1, &facts)
            .contains(", `p2` (`src/main.rs`) and 2 more programs."));
        // Only test helpers declared: they are named rather than nothing.
        assert_eq!(named_programs(&programs[1..2]).len(), 1);
        let script = Program {
            function: Some("main".into()),
            ..declared("flask", "src/flask/cli.py")
        };
        let facts = ArchitectureFacts {
            programs: vec![script],
            ..ArchitectureFacts::default()
        };
        assert!(architecture_text("flask", 1, 1, &facts)
            .contains("It runs as `flask` (`main` in `src/flask/cli.py`)."));
    }

    #[test]
    fn languages_are_the_sources_and_the_rest_are_counted_apart() {
        let mut counts = LanguageCounts::default();
        for _ in 0..3 {
            counts.add(Language::Rust, true);
        }
        counts.add(Language::Python, true);
        counts.add(Language::Python, false);
        counts.add(Language::Zig, false);
        counts.add(Language::Lua, false);
        let (languages, others) = counts.ranked();
        assert_eq!(languages, ["Rust", "Python"]);
        assert_eq!(others, 2);
        let facts = ArchitectureFacts {
            languages,
            other_languages: others,
            ..ArchitectureFacts::default()
        };
        let text = architecture_text("r", 7, 1, &facts);
        assert!(
            text.contains(
                "mostly in Rust, with Python (its tests and fixtures add 2 more languages)."
            ),
            "{text}"
        );
        // Without source files, every language is the repository's.
        let mut tests_only = LanguageCounts::default();
        tests_only.add(Language::Go, false);
        assert_eq!(tests_only.ranked(), (vec!["Go".to_string()], 0));
    }

    #[test]
    fn error_constructors_are_not_the_central_symbols() {
        let error = |name: &str, parent: &str, centrality: f64| SymbolFacts {
            qualified_name: format!("{parent}::{name}"),
            ..function(name, SymbolKind::Method, "src/error.rs", centrality)
        };
        let mut input = GenerateInput {
            symbols: vec![
                error("new", "ApiError", 0.9),
                error("invalid", "errors::AccountsError", 0.8),
                function("get", SymbolKind::Method, "src/store.py", 0.5),
            ],
            ..GenerateInput::default()
        };
        let facts = architecture_facts(&FactsWriter::new(&input), &input);
        assert_eq!(facts.central_qualified, ["src/store.get"]);
        // Only error helpers: they are what there is.
        input.symbols.pop();
        let facts = architecture_facts(&FactsWriter::new(&input), &input);
        assert_eq!(facts.central.len(), 2);
    }
}

#[cfg(test)]
mod package_tests {
    use super::*;
    use doctown_core::artifacts::PackageAbout;

    fn module(path: &str, symbols: u32) -> ModuleFacts {
        ModuleFacts {
            id: format!("mod:{path}"),
            path: path.to_string(),
            files: vec![format!("{path}/a.rs")],
            languages: vec![Language::Rust],
            symbols,
            top_symbols: Vec::new(),
            dependencies: Vec::new(),
            dependents: Vec::new(),
        }
    }

    fn package(dir: &str, name: &str) -> PackageAbout {
        PackageAbout {
            dir: dir.to_string(),
            name: name.to_string(),
            description: None,
        }
    }

    #[test]
    fn main_parts_are_packages_by_their_source_symbols() {
        let about = About {
            purpose: None,
            packages: vec![
                package("crates/core", "acme-core"),
                package("crates/cli", "acme"),
                package("fuzz", "acme-fuzz"),
            ],
        };
        let modules = [
            module("crates/core/src", 40),
            module("crates/core/src/model", 25),
            module("crates/core/tests", 300),
            module("crates/cli/src", 50),
            module("fuzz/fuzz_targets", 70),
            module("scripts", 9),
        ];
        // Tests hold no source (their files' roles); fuzz targets are tooling.
        let parts = package_parts(&modules, |m| m != "crates/core/tests", &about);
        assert_eq!(
            parts,
            [("acme-core".to_string(), 65), ("acme".to_string(), 50)]
        );
        let facts = ArchitectureFacts {
            packages: parts,
            main_parts: vec![("path words".to_string(), 9)],
            ..ArchitectureFacts::default()
        };
        let text = architecture_text("acme", 185, 6, &facts);
        assert!(
            text.contains("Its main packages are `acme-core` (65) and `acme` (50)."),
            "{text}"
        );
        assert!(!text.contains("path words"), "{text}");
    }
}

//! Symbol, import and call-site extraction with tree-sitter: source text in,
//! [`Symbol`]s, [`Import`]s and call sites out. Pure: no file or network IO.
//!
//! - [`Extractor::extract`] parses one file and walks its tree once
//!   ([`walk`](crate::walk), iterative, so any nesting depth is safe); the
//!   per-language rules live in `rust`, `python`, `ecma` (TypeScript, TSX,
//!   JavaScript) and `golang`. Rules are code, not queries: one pass that
//!   knows the enclosing scope is what attributes calls to their caller and
//!   builds qualified names.
//! - [`resolve_calls`] links call sites to symbols across a repository.
//! - [`module_path`] names the module a file is.
//!
//! Imports are normalised one entry per imported module and line: Rust
//! `use a::{b, c::d as e}` gives `a` [`b`] and `a::c` [`d`] alias `e` (each
//! aliased name gets an entry of its own, so `alias` is unambiguous); a
//! glob is the name `*`; `use a::b::{self}` and single-segment `use a;` are
//! whole-module imports (no names). JS default imports are the name
//! `default` with the local name as alias; `import * as ns` is a whole-module
//! import with alias `ns`.

pub mod about;
mod bindings;
mod captures;
mod derived;
mod ecma;
mod ecma_decl;
mod ecma_imports;
mod engine;
mod golang;
mod incremental;
mod layout;
mod modpath;
mod objc;
pub mod packages;
pub mod programs;
mod python;
mod resolve;
mod resolve_index;
mod resolve_modules;
mod resolve_rules;
mod returns;
mod roles;
mod rust;
mod rust_calls;
mod rust_imports;
mod scip;
mod specs;
mod text;
mod walk;
mod words;

pub use layout::{ProjectLayout, MANIFEST_NAMES};
pub use modpath::module_path;
pub use programs::declared_programs;
pub use resolve::{
    resolution_reads_attribute, resolve_calls, resolve_calls_and_imports, resolve_stats,
    ImportTargets, ResolveStats,
};
pub use roles::file_role;
pub use scip::{
    apply_scip, descriptor_name, parse_scip, ScipDocument, ScipError, ScipIndex, ScipOccurrence,
    ScipStats,
};
pub use specs::QueryForm;

use doctown_core::{Import, Language, Symbol, SymbolId};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
/// A syntax tree, as [`Extractor::extract_after`] takes and gives it.
pub use tree_sitter::Tree;
use tree_sitter::{ParseOptions, Parser};
use walk::Cx;

/// A parse that runs longer than this is abandoned (the file then yields no
/// symbols and is flagged as having syntax errors). Real files parse in
/// milliseconds; this guards against pathological input only.
const PARSE_TIME_LIMIT: Duration = Duration::from_secs(30);

/// What one file yields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extraction {
    /// In source order: by start byte, outer before inner.
    pub symbols: Vec<Symbol>,
    /// The file's imports, normalised, in source order.
    pub imports: Vec<Import>,
    /// The tree has ERROR or MISSING nodes; symbols were still extracted
    /// from what parsed.
    pub has_syntax_errors: bool,
}

/// Extracts symbols from source files. Holds one parser per language,
/// reused across files; not `Sync` — use one per thread.
pub struct Extractor {
    parsers: Vec<(Language, Parser)>,
    layout: Arc<ProjectLayout>,
    /// Fill each symbol's `words` (see [`Extractor::without_words`]).
    words: bool,
    /// Find definitions only (see [`Extractor::outline`]).
    outline: bool,
    /// An outline that still writes signatures (see [`Extractor::listing`]).
    signatures: bool,
}

impl Default for Extractor {
    fn default() -> Self {
        Self::new()
    }
}

/// The tree-sitter grammar of a language.
pub fn grammar(language: Language) -> tree_sitter::Language {
    match language {
        Language::Rust => tree_sitter_rust::LANGUAGE.into(),
        Language::Python => tree_sitter_python::LANGUAGE.into(),
        Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Language::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        Language::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
        Language::Go => tree_sitter_go::LANGUAGE.into(),
        Language::Java => tree_sitter_java::LANGUAGE.into(),
        Language::C => tree_sitter_c::LANGUAGE.into(),
        Language::Cpp => tree_sitter_cpp::LANGUAGE.into(),
        Language::CSharp => tree_sitter_c_sharp::LANGUAGE.into(),
        Language::Ruby => tree_sitter_ruby::LANGUAGE.into(),
        Language::Php => tree_sitter_php::LANGUAGE_PHP.into(),
        Language::Kotlin => tree_sitter_kotlin_ng::LANGUAGE.into(),
        Language::Swift => tree_sitter_swift::LANGUAGE.into(),
        Language::Scala => tree_sitter_scala::LANGUAGE.into(),
        Language::Bash => tree_sitter_bash::LANGUAGE.into(),
        Language::Lua => tree_sitter_lua::LANGUAGE.into(),
        Language::Dart => tree_sitter_dart::LANGUAGE.into(),
        Language::Zig => tree_sitter_zig::LANGUAGE.into(),
        Language::Elixir => tree_sitter_elixir::LANGUAGE.into(),
        Language::Haskell => tree_sitter_haskell::LANGUAGE.into(),
        Language::OCaml => tree_sitter_ocaml::LANGUAGE_OCAML.into(),
        Language::ObjC => tree_sitter_objc::LANGUAGE.into(),
        Language::Proto => tree_sitter_proto::LANGUAGE.into(),
        Language::Sql => tree_sitter_sequel::LANGUAGE.into(),
        Language::Erlang => tree_sitter_erlang::LANGUAGE.into(),
    }
}

/// The languages whose symbols come from a query file (`queries/*.scm`),
/// with the query file's text: what the README's language table lists
/// and the query tests compile.
pub fn query_languages() -> impl Iterator<Item = (Language, &'static str)> {
    specs::SPECS.iter().map(|s| (s.language, s.query))
}

/// Compiles a language's bundled query against its grammar, in every form
/// ([`QueryForm`]; an error names the query file and the problem).
pub fn check_query(language: Language) -> Result<(), String> {
    let spec = specs::spec(language).ok_or_else(|| format!("{language} has no query file"))?;
    for form in [QueryForm::Full, QueryForm::Outline, QueryForm::Listing] {
        specs::compile(spec, form)?;
    }
    Ok(())
}

/// The text of a form of a language's bundled query: the full query file,
/// or only the patterns an outline or a listing runs (None: the language
/// has no query file).
pub fn query_text(language: Language, form: QueryForm) -> Option<String> {
    let spec = specs::spec(language)?;
    Some(match form {
        QueryForm::Full => spec.query.to_string(),
        _ => specs::form_text(spec.query, form).0,
    })
}

impl Extractor {
    pub fn new() -> Extractor {
        Self::with_layout(Arc::default())
    }

    /// An extractor whose qualified names start from the roots `layout`
    /// names (crate names, Go import paths, package names).
    pub fn with_layout(layout: Arc<ProjectLayout>) -> Extractor {
        let parsers = Language::ALL
            .into_iter()
            .map(|language| {
                let mut parser = Parser::new();
                parser
                    .set_language(&grammar(language))
                    .expect("bundled grammars match the tree-sitter version");
                (language, parser)
            })
            .collect();
        Extractor {
            parsers,
            layout,
            words: true,
            outline: false,
            signatures: false,
        }
    }

    /// An extractor that leaves symbols' `words` empty: for callers that
    /// need only what the symbols are and where (the per-symbol history,
    /// which extracts every version of every changed file).
    pub fn without_words(mut self) -> Extractor {
        self.words = false;
        self
    }

    /// An extractor that finds definitions only: each symbol's id, name,
    /// qualified name, kind, span and parent are the full extraction's,
    /// but no calls, imports or words are gathered, and the rest of a
    /// symbol (signature, doc, visibility, attributes, bases) is not
    /// promised. The rules walk does no per-node work beyond recognising
    /// definitions (no bindings, no call sites, no descent into macro
    /// token trees, which hold none), and the query engine runs its
    /// language's query compiled from only the definition and package
    /// patterns. For the per-symbol history, which needs names and lines
    /// of every version of every changed file.
    pub fn outline(mut self) -> Extractor {
        self.outline = true;
        self.words = false;
        self
    }

    /// An outline ([`Extractor::outline`]) whose symbols also carry the
    /// full extraction's signature: what `doctown symbols` prints. The
    /// rules walk writes signatures in an outline anyway; the query
    /// engine runs its query's listing form: the outline's patterns and
    /// the comment patterns its signatures need (no calls, no imports).
    pub fn listing(mut self) -> Extractor {
        self.outline = true;
        self.signatures = true;
        self.words = false;
        self
    }

    /// `source`'s syntax tree; with `old` (an earlier version's tree,
    /// already edited to match), incrementally.
    fn parse(&mut self, language: Language, source: &str, old: Option<&Tree>) -> Option<Tree> {
        let (_, parser) = self.parsers.iter_mut().find(|(l, _)| *l == language)?;
        parser.reset();
        let started = Instant::now();
        let mut guard = |_: &tree_sitter::ParseState| started.elapsed() > PARSE_TIME_LIMIT;
        let bytes = source.as_bytes();
        let mut input = |offset: usize, _| bytes.get(offset..).unwrap_or(&[]);
        parser.parse_with_options(
            &mut input,
            old,
            Some(ParseOptions::new().progress_callback(&mut guard)),
        )
    }

    /// Compiles now, once per process, the query this extractor runs for
    /// `language` (nothing for the languages with rules of their own), so
    /// a thread can compile ahead what the parsing threads will need
    /// instead of one of them waiting for it.
    pub fn prepare(&self, language: Language) {
        specs::compiled(language, self.query_form());
    }

    /// The form of the query engine's query this extractor runs.
    fn query_form(&self) -> QueryForm {
        match (self.outline, self.signatures) {
            (false, _) => QueryForm::Full,
            (true, false) => QueryForm::Outline,
            (true, true) => QueryForm::Listing,
        }
    }

    /// Extracts one file. `path` is repository-relative with `/`
    /// separators; `source` is the whole file text.
    pub fn extract(&mut self, path: &str, language: Language, source: &str) -> Extraction {
        match self.parse(language, &parse_text(language, source), None) {
            Some(tree) => self.extract_tree(&tree, path, language, source),
            None => Extraction {
                has_syntax_errors: true,
                ..Extraction::default()
            },
        }
    }

    /// [`Extractor::extract`] of a new version of a file whose earlier
    /// version `previous` (its text and syntax tree) was extracted before:
    /// only what changed between the two is parsed again (the `incremental`
    /// module); the extraction is the same as a full one. Returns
    /// the new tree too, for the next version.
    pub fn extract_after(
        &mut self,
        path: &str,
        language: Language,
        source: &str,
        previous: Option<(&str, &Tree)>,
    ) -> (Extraction, Option<Tree>) {
        let new_text = parse_text(language, source);
        let old = previous.map(|(text, tree)| {
            let mut tree = tree.clone();
            let old_text = parse_text(language, text);
            if let Some(edit) = incremental::edit_between(old_text.as_bytes(), new_text.as_bytes())
            {
                tree.edit(&edit);
            }
            tree
        });
        match self.parse(language, &new_text, old.as_ref()) {
            Some(tree) => {
                let extraction = self.extract_tree(&tree, path, language, source);
                (extraction, Some(tree))
            }
            None => (self.extract(path, language, source), None),
        }
    }

    fn extract_tree(
        &self,
        tree: &Tree,
        path: &str,
        language: Language,
        source: &str,
    ) -> Extraction {
        let root = tree.root_node();
        let prefix = self.layout.qualified_prefix(path, language);
        let (symbols, parents, imports) = match language {
            Language::Rust => {
                let mut cx =
                    Cx::new(source, path, language, prefix, "::").outline(self.outline, root);
                walk::walk(root, &mut rust::RustRules, &mut cx);
                walk::fill_field_receivers(&mut cx, |s| {
                    (s.kind == doctown_core::SymbolKind::Method).then(|| "self".to_string())
                });
                (cx.symbols, cx.parents, cx.imports)
            }
            Language::Python => {
                let mut cx =
                    Cx::new(source, path, language, prefix, ".").outline(self.outline, root);
                walk::walk(root, &mut python::PythonRules, &mut cx);
                python::finish(&mut cx);
                (cx.symbols, cx.parents, cx.imports)
            }
            Language::TypeScript | Language::Tsx | Language::JavaScript => {
                let mut cx =
                    Cx::new(source, path, language, prefix, ".").outline(self.outline, root);
                let mut rules = ecma::EcmaRules::default();
                walk::walk(root, &mut rules, &mut cx);
                rules.finish(&mut cx);
                (cx.symbols, cx.parents, cx.imports)
            }
            Language::Go => {
                let import_path = self
                    .layout
                    .go_import_path(modpath::go_package_dir(path))
                    .is_some();
                let mut cx =
                    Cx::new(source, path, language, prefix, ".").outline(self.outline, root);
                walk::walk(root, &mut golang::GoRules { import_path }, &mut cx);
                golang::finish(&mut cx);
                (cx.symbols, cx.parents, cx.imports)
            }
            other => match self.extract_with_query(root, path, other, source, prefix) {
                Some(out) => (out.symbols, out.parents, out.imports),
                None => {
                    return Extraction {
                        has_syntax_errors: root.has_error(),
                        ..Extraction::default()
                    }
                }
            },
        };
        let mut symbols = finish_ids(path, symbols, parents);
        if self.words {
            words::fill_words(source, &mut symbols);
        }
        Extraction {
            symbols,
            imports,
            has_syntax_errors: root.has_error(),
        }
    }

    /// A query-engine language's symbols (None: no query for it).
    fn extract_with_query(
        &self,
        root: tree_sitter::Node,
        path: &str,
        language: Language,
        source: &str,
        prefix: String,
    ) -> Option<engine::Extracted> {
        let outline = self.outline && !self.signatures;
        let compiled = specs::compiled(language, self.query_form());
        let (spec, compiled) = specs::spec(language).zip(compiled)?;
        let mut out = engine::extract(spec, compiled, root, source, path, prefix, outline);
        if self.outline {
            out.symbols.iter_mut().for_each(|s| s.calls = Vec::new());
            out.imports = Vec::new();
        }
        Some(out)
    }

    /// The syntax tree of a source as an S-expression (for debugging rules).
    pub fn debug_tree(&mut self, language: Language, source: &str) -> String {
        self.parse(language, &parse_text(language, source), None)
            .map(|t| t.root_node().to_sexp())
            .unwrap_or_default()
    }
}

/// Orders symbols (start byte, outer before inner), then assigns ids with
/// per-(qualified name, kind) ordinals and links parents.
fn finish_ids(path: &str, symbols: Vec<Symbol>, parents: Vec<Option<usize>>) -> Vec<Symbol> {
    let mut order: Vec<usize> = (0..symbols.len()).collect();
    order.sort_by_key(|&i| {
        (
            symbols[i].span.bytes.start,
            std::cmp::Reverse(symbols[i].span.bytes.end),
            i,
        )
    });
    let mut ids: Vec<SymbolId> = vec![SymbolId::from_raw(""); symbols.len()];
    let mut ordinals: HashMap<(&str, &str), u32> = HashMap::new();
    for &i in &order {
        let symbol = &symbols[i];
        let ordinal = ordinals
            .entry((symbol.qualified_name.as_str(), symbol.kind.name()))
            .or_insert(0);
        ids[i] = SymbolId::for_symbol(path, &symbol.qualified_name, symbol.kind.name(), *ordinal);
        *ordinal += 1;
    }
    let mut slots: Vec<Option<Symbol>> = symbols.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| {
            let mut symbol = slots[i].take()?;
            symbol.id = ids[i].clone();
            symbol.parent = parents[i].map(|p| ids[p].clone());
            // Call lists grow by pushes (capacity 4, then doubling); most
            // hold one to three calls, and every one lives until the whole
            // repository is resolved: give the slack back.
            symbol.calls.shrink_to_fit();
            Some(symbol)
        })
        .collect()
}

/// The text the parser reads: the source, or for Objective-C a copy of the
/// same length and lines with macro-defined method heads rewritten
/// (`objc`). Symbols' text always comes from the source.
fn parse_text(language: Language, source: &str) -> std::borrow::Cow<'_, str> {
    match language {
        Language::ObjC => objc::parse_text(source),
        _ => std::borrow::Cow::Borrowed(source),
    }
}

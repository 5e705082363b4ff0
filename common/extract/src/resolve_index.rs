//! The indexes call resolution looks things up in, built once per
//! repository: names, owners of methods, files by module, and each file's
//! import bindings ([`FileScope`]; filled from the file's imports by the
//! `resolve_modules` module on first use, once per file).

use crate::layout::ProjectLayout;
use crate::modpath::{go_package_dir, module_path, rust_crate_dir, rust_crate_key};
use crate::text::base_type_name;
use doctown_core::{Language, Symbol, SymbolKind};
use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// Languages that can call each other's symbols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Family {
    Rust,
    Python,
    Ecma,
    Go,
    /// C, C++ and Objective-C: one linker namespace.
    C,
    /// Java, Kotlin and Scala: one class path.
    Jvm,
    /// Any other language of the query engine, on its own.
    Other(Language),
}

impl Family {
    pub fn of(language: Language) -> Family {
        match language {
            Language::Rust => Family::Rust,
            Language::Python => Family::Python,
            Language::TypeScript | Language::Tsx | Language::JavaScript => Family::Ecma,
            Language::Go => Family::Go,
            Language::C | Language::Cpp | Language::ObjC => Family::C,
            Language::Java | Language::Kotlin | Language::Scala => Family::Jvm,
            other => Family::Other(other),
        }
    }
}

/// The symbols under one key of an index: most keys have one, which is
/// kept inline (a `Vec` would be a heap allocation per key; a kernel's
/// index has millions of keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ids {
    One(usize),
    Many(Vec<usize>),
}

impl Ids {
    pub fn as_slice(&self) -> &[usize] {
        match self {
            Ids::One(id) => std::slice::from_ref(id),
            Ids::Many(ids) => ids,
        }
    }

    pub fn iter(&self) -> std::slice::Iter<'_, usize> {
        self.as_slice().iter()
    }

    pub fn push(&mut self, id: usize) {
        match self {
            Ids::One(first) => *self = Ids::Many(vec![*first, id]),
            Ids::Many(ids) => ids.push(id),
        }
    }
}

impl<'i> IntoIterator for &'i Ids {
    type Item = &'i usize;
    type IntoIter = std::slice::Iter<'i, usize>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Adds `id` under `key`.
fn add<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Ids>, key: K, id: usize) {
    match map.entry(key) {
        std::collections::hash_map::Entry::Occupied(mut ids) => ids.get_mut().push(id),
        std::collections::hash_map::Entry::Vacant(slot) => {
            slot.insert(Ids::One(id));
        }
    }
}

/// Symbols grouped by a key: their positions in one list ordered by the
/// key's hash (then position), and each hash's run in it. About 4 bytes a
/// symbol and 20 a key, where a hash map of lists took about 60 a key (a
/// kernel's index has millions). A key's symbols come in position order,
/// as a list pushed in that order would give them; symbols whose keys
/// share a hash are told apart by the key itself.
struct Keyed {
    ids: Vec<u32>,
    runs: HashMap<u64, (u32, u32)>,
}

fn key_hash<K: std::hash::Hash>(key: &K) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(key)
}

impl Keyed {
    fn new<K: std::hash::Hash>(ids: Vec<u32>, key: impl Fn(u32) -> K + Sync) -> Keyed {
        let mut hashed: Vec<(u64, u32)> = ids.par_iter().map(|&i| (key_hash(&key(i)), i)).collect();
        drop(ids);
        hashed.par_sort_unstable();
        let mut runs = HashMap::default();
        let mut ids = Vec::with_capacity(hashed.len());
        for run in hashed.chunk_by(|a, b| a.0 == b.0) {
            runs.insert(run[0].0, (ids.len() as u32, run.len() as u32));
            ids.extend(run.iter().map(|&(_, i)| i));
        }
        Keyed { ids, runs }
    }

    /// The positions whose key is `want`.
    fn get<'i, K: std::hash::Hash + Eq + 'i>(
        &'i self,
        want: K,
        key: impl Fn(u32) -> K + 'i,
    ) -> impl Iterator<Item = usize> + 'i {
        let (start, len) = self
            .runs
            .get(&key_hash(&want))
            .map_or((0, 0), |&(s, l)| (s as usize, l as usize));
        self.ids[start..start + len]
            .iter()
            .filter(move |&&i| key(i) == want)
            .map(|&i| i as usize)
    }
}

pub(crate) struct Index<'a> {
    pub symbols: &'a [Symbol],
    /// Where Rust module paths start ([`ProjectLayout::rust_source_path`]).
    layout: &'a ProjectLayout,
    /// By (family, name): [`Index::named`].
    by_name: Keyed,
    /// By (path, name): [`Index::in_file`].
    by_file_name: Keyed,
    /// By (parent, name), the symbols with a parent: [`Index::children`].
    children: Keyed,
    /// (family, owner type, method name) → methods of that type, any file.
    pub methods: HashMap<(Family, &'a str, &'a str), Ids>,
    /// (family, module key) → files. Keys: Python dotted module; ES path
    /// without extension; Rust `crate dir` + `::`-path; Go directory.
    pub modules: HashMap<(Family, String), Vec<&'a str>>,
    /// Python: every dotted suffix of a module key → files.
    pub py_suffixes: HashMap<String, Vec<&'a str>>,
    /// Path → symbols exported as `export default`.
    pub default_exports: HashMap<&'a str, Ids>,
    /// Each symbol's parent, as an index.
    pub parent_of: Vec<Option<usize>>,
    /// (family, type, field) → the field's declared type.
    pub fields: HashMap<(Family, &'a str, &'a str), &'a str>,
    /// A Rust type alias (by index) → the name of the type it stands for
    /// (`type UnGraph<N, E> = Graph<N, E, Undirected>` → `Graph`).
    pub aliases: HashMap<usize, &'a str>,
}

/// The type a Rust alias's signature names (`pub type A<T = X> = a::B<T,
/// Y>;` → `B`), when it is one type of the repository's kind of name.
pub(crate) fn alias_target(signature: &str) -> Option<&str> {
    let mut depth = 0i32;
    let mut prev = ' ';
    for (i, c) in signature.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' if prev != '-' => depth -= 1,
            ')' | ']' => depth -= 1,
            '=' if depth == 0 => {
                let ty = signature[i + 1..].trim().trim_end_matches(';').trim();
                // One named type (not `fn(…) -> T`, `&T`, `(A, B)`).
                let head = ty.split('<').next().unwrap_or(ty);
                if head.contains(|c: char| c.is_whitespace() || "(&*[".contains(c)) {
                    return None;
                }
                let name = base_type_name(ty);
                return crate::text::is_type_name(name).then_some(name);
            }
            _ => {}
        }
        prev = c;
    }
    None
}

/// The owner name of a method: its impl's target type, its class, trait or
/// interface, or a Go method's receiver type.
pub(crate) fn owner_name<'a>(
    symbols: &'a [Symbol],
    parent: Option<usize>,
    symbol: &'a Symbol,
) -> Option<&'a str> {
    match parent.map(|p| &symbols[p]) {
        Some(p) if p.kind == SymbolKind::Impl => p.target.as_deref().map(base_type_name),
        Some(p)
            if matches!(
                p.kind,
                SymbolKind::Class | SymbolKind::Trait | SymbolKind::Interface | SymbolKind::Struct
            ) =>
        {
            Some(p.name.as_str())
        }
        _ => symbol.target.as_deref(),
    }
}

/// Functions and methods declared several times under one qualified name
/// in one file — TypeScript overload signatures, Python `@overload` stubs
/// — are one callee: the declaration with the largest span (the one with
/// the body) stands for all; the others are marked `true` and not indexed.
fn overload_shadows(symbols: &[Symbol]) -> Vec<bool> {
    let mut best: HashMap<(&str, &str), usize> = HashMap::default();
    for (i, s) in symbols.iter().enumerate() {
        if !s.kind.is_callable() {
            continue;
        }
        let size = |j: usize| symbols[j].span.bytes.end - symbols[j].span.bytes.start;
        best.entry((s.path.as_str(), s.qualified_name.as_str()))
            .and_modify(|b| {
                if size(i) > size(*b) {
                    *b = i;
                }
            })
            .or_insert(i);
    }
    symbols
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.kind.is_callable()
                && best.get(&(s.path.as_str(), s.qualified_name.as_str())) != Some(&i)
        })
        .collect()
}

fn push<K: std::hash::Hash + Eq, V: PartialEq>(map: &mut HashMap<K, Vec<V>>, key: K, value: V) {
    let entry = map.entry(key).or_default();
    if !entry.contains(&value) {
        entry.push(value);
    }
}

impl<'a> Index<'a> {
    pub fn build(symbols: &'a [Symbol], layout: &'a ProjectLayout) -> Index<'a> {
        let by_id: HashMap<&str, usize> = symbols
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let parent_of: Vec<Option<usize>> = symbols
            .iter()
            .map(|s| {
                s.parent
                    .as_ref()
                    .and_then(|p| by_id.get(p.as_str()).copied())
            })
            .collect();
        let overloads = overload_shadows(symbols);
        let indexed: Vec<u32> = (0..symbols.len() as u32)
            .filter(|&i| !overloads[i as usize])
            .collect();
        let name = |i: u32| symbols[i as usize].name.as_str();
        let by_name = Keyed::new(indexed.clone(), |i| {
            (Family::of(symbols[i as usize].language), name(i))
        });
        let by_file_name = Keyed::new(indexed.clone(), |i| {
            (symbols[i as usize].path.as_str(), name(i))
        });
        let with_parent = indexed
            .into_iter()
            .filter(|&i| parent_of[i as usize].is_some())
            .collect();
        let children = Keyed::new(with_parent, |i| (parent_of[i as usize], name(i)));
        let mut index = Index {
            symbols,
            layout,
            by_name,
            by_file_name,
            children,
            methods: HashMap::default(),
            modules: HashMap::default(),
            py_suffixes: HashMap::default(),
            default_exports: HashMap::default(),
            parent_of,
            fields: HashMap::default(),
            aliases: HashMap::default(),
        };
        let mut last_path: Option<&str> = None;
        for (i, s) in symbols.iter().enumerate() {
            if last_path != Some(s.path.as_str()) {
                last_path = Some(s.path.as_str());
                index.add_file(s.path.as_str(), s.language);
            }
            if overloads[i] {
                continue;
            }
            let family = Family::of(s.language);
            for (field, ty) in &s.field_types {
                index
                    .fields
                    .insert((family, s.name.as_str(), field.as_str()), ty.as_str());
            }
            if s.kind == SymbolKind::Method {
                if let Some(owner) = owner_name(symbols, index.parent_of[i], s) {
                    add(&mut index.methods, (family, owner, s.name.as_str()), i);
                }
            }
            if s.kind == SymbolKind::TypeAlias && family == Family::of(Language::Rust) {
                if let Some(target) = alias_target(&s.signature).filter(|t| *t != s.name) {
                    index.aliases.insert(i, target);
                }
            }
            if s.attributes.iter().any(|a| a == "export default") {
                add(&mut index.default_exports, s.path.as_str(), i);
            }
        }
        index
    }

    /// The symbols of `family` named `name`.
    pub fn named<'i>(&'i self, family: Family, name: &'i str) -> impl Iterator<Item = usize> + 'i {
        let symbols = self.symbols;
        self.by_name.get((family, name), move |i| {
            let s = &symbols[i as usize];
            (Family::of(s.language), s.name.as_str())
        })
    }

    /// The symbols of file `path` named `name`.
    pub fn in_file<'i>(&'i self, path: &'i str, name: &'i str) -> impl Iterator<Item = usize> + 'i {
        let symbols = self.symbols;
        self.by_file_name.get((path, name), move |i| {
            let s = &symbols[i as usize];
            (s.path.as_str(), s.name.as_str())
        })
    }

    /// The children of `parent` named `name`.
    pub fn children<'i>(
        &'i self,
        parent: usize,
        name: &'i str,
    ) -> impl Iterator<Item = usize> + 'i {
        let (symbols, parent_of) = (self.symbols, &self.parent_of);
        self.children.get((Some(parent), name), move |i| {
            (parent_of[i as usize], symbols[i as usize].name.as_str())
        })
    }

    /// Adds files that have no symbols (an `__init__.py` of imports, an
    /// `index.ts` of re-exports), so imports of them resolve.
    pub fn add_files(&mut self, paths: impl Iterator<Item = &'a str>) {
        for path in paths {
            let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
            if let Some(language) = Language::from_extension(ext) {
                self.add_file(path, language);
            }
        }
    }

    fn add_file(&mut self, path: &'a str, language: Language) {
        let family = Family::of(language);
        let key = match family {
            Family::Rust => {
                // A build script is a crate of its own that nothing imports;
                // a library root wins `crate` over a binary root beside it.
                let name = path.rsplit('/').next().unwrap_or(path);
                if name == "build.rs" && rust_crate_dir(path).1 == "main.rs" {
                    return;
                }
                let source = self.layout.rust_source_path(path);
                let key = format!(
                    "{}{}",
                    rust_crate_key(&source),
                    module_path(&source, language)
                );
                if key.ends_with("crate") {
                    let roots = self.modules.entry((family, key.clone())).or_default();
                    let layout = self.layout;
                    let is_lib = |p: &str| {
                        let p = layout.rust_source_path(p);
                        p == "src/lib.rs" || p.ends_with("/src/lib.rs")
                    };
                    if roots.iter().any(|p| is_lib(p)) && !is_lib(path) {
                        return;
                    }
                    if is_lib(path) {
                        roots.retain(|p| is_lib(p));
                    }
                }
                key
            }
            Family::Go => go_package_dir(path).to_string(),
            Family::Python => {
                let key = module_path(path, language);
                let mut rest = key.as_str();
                loop {
                    push(&mut self.py_suffixes, rest.to_string(), path);
                    match rest.split_once('.') {
                        Some((_, tail)) => rest = tail,
                        None => break,
                    }
                }
                key
            }
            Family::Ecma | Family::C | Family::Jvm | Family::Other(_) => {
                module_path(path, language)
            }
        };
        push(&mut self.modules, (family, key), path);
    }

    /// Files of a module key.
    pub fn files(&self, family: Family, key: &str) -> &[&'a str] {
        self.modules
            .get(&(family, key.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// Files of a Python module, by exact dotted name, else by a unique
    /// suffix. A `.pyi` stub beside its `.py` module describes the same
    /// items: the implementation is the module.
    pub fn python_files(&self, module: &str) -> Vec<&'a str> {
        let implementations = |files: &[&'a str]| -> Vec<&'a str> {
            let found: Vec<&'a str> = files
                .iter()
                .copied()
                .filter(|f| !f.ends_with(".pyi"))
                .collect();
            if found.is_empty() {
                files.to_vec()
            } else {
                found
            }
        };
        let exact = self.files(Family::Python, module);
        if !exact.is_empty() {
            return implementations(exact);
        }
        match self.py_suffixes.get(module).map(|f| implementations(f)) {
            Some(files) if files.len() == 1 => files,
            _ => Vec::new(),
        }
    }
}

/// `IntoResponse` → `into_response`.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// What the names bound by one file's imports refer to.
pub(crate) struct FileScope<'a> {
    pub layout: &'a ProjectLayout,
    /// Local names bound to something outside the repository (an external
    /// crate, package or module, or a name imported from one).
    pub external: HashSet<String>,
    /// The snake_case forms of the capitalised external names (`Context`
    /// → `context`, `IntoResponse` → `into_response`): the methods an
    /// imported trait is usually named after.
    pub external_methods: HashSet<String>,
    /// Local name → (files, name in those files).
    pub names: HashMap<String, Vec<(&'a str, String)>>,
    /// Local name of a module binding → its files.
    pub modules: HashMap<String, Vec<&'a str>>,
    /// Files whose names are glob-imported.
    pub globs: Vec<&'a str>,
}

impl<'a> FileScope<'a> {
    pub fn new(layout: &'a ProjectLayout) -> Self {
        FileScope {
            layout,
            external: HashSet::default(),
            external_methods: HashSet::default(),
            names: HashMap::default(),
            modules: HashMap::default(),
            globs: Vec::new(),
        }
    }

    /// Binds a local name to something outside the repository.
    pub fn bind_external(&mut self, local: &str) {
        if !local.is_empty() && local != "*" {
            self.external.insert(local.to_string());
            if local.starts_with(char::is_uppercase) {
                self.external_methods.insert(snake_case(local));
            }
        }
    }

    pub fn bind_name(&mut self, local: &str, files: &[&'a str], name: &str) {
        let entry = self.names.entry(local.to_string()).or_default();
        for file in files {
            if !entry.iter().any(|(f, n)| f == file && n == name) {
                entry.push((file, name.to_string()));
            }
        }
    }

    pub fn bind_module(&mut self, local: &str, files: &[&'a str]) {
        let entry = self.modules.entry(local.to_string()).or_default();
        for file in files {
            if !entry.contains(file) {
                entry.push(file);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::alias_target;

    #[test]
    fn alias_targets() {
        let cases = [
            (
                "pub type UnGraph<N, E, Ix = DefaultIx> = Graph<N, E, Undirected, Ix>",
                Some("Graph"),
            ),
            ("type Map = crate::map::IndexMap<K, V>;", Some("IndexMap")),
            ("pub type Callback = fn(u8) -> Result<(), Error>", None),
            ("pub type DefaultIx = u32", None),
            ("type Pair = (A, B)", None),
            ("type Item;", None),
            (
                "type F<T = Box<dyn Fn() -> T>> = Wrapper<T>",
                Some("Wrapper"),
            ),
            ("", None),
        ];
        for (sig, want) in cases {
            assert_eq!(alias_target(sig), want, "{sig}");
        }
    }
}

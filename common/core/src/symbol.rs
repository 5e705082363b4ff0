//! Symbols, imports and call sites extracted from source files.

use crate::ids::SymbolId;
use crate::language::Language;
use crate::range::Span;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SymbolKind {
    Function,
    Method,
    Struct,
    Enum,
    Variant,
    Trait,
    Impl,
    Module,
    Constant,
    Static,
    TypeAlias,
    Macro,
    Class,
    Interface,
    Variable,
    /// A data member of a type: a field, property or struct member
    /// (since docpack 1.3).
    Field,
}

impl SymbolKind {
    pub fn name(self) -> &'static str {
        match self {
            SymbolKind::Function => "function",
            SymbolKind::Method => "method",
            SymbolKind::Struct => "struct",
            SymbolKind::Enum => "enum",
            SymbolKind::Variant => "variant",
            SymbolKind::Trait => "trait",
            SymbolKind::Impl => "impl",
            SymbolKind::Module => "module",
            SymbolKind::Constant => "constant",
            SymbolKind::Static => "static",
            SymbolKind::TypeAlias => "type_alias",
            SymbolKind::Macro => "macro",
            SymbolKind::Class => "class",
            SymbolKind::Interface => "interface",
            SymbolKind::Variable => "variable",
            SymbolKind::Field => "field",
        }
    }

    /// Functions and methods: the kinds that have bodies with calls.
    pub fn is_callable(self) -> bool {
        matches!(self, SymbolKind::Function | SymbolKind::Method)
    }
}

impl fmt::Display for SymbolKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// `pub`, exported, capitalised Go name, public Python name.
    Public,
    /// `pub(crate)`, `pub(super)`, `pub(in …)`.
    Restricted,
    /// Not visible outside its scope (private, `_name`, lowercase Go name).
    Private,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    /// `f(x)`
    Function,
    /// `x.f()`, `self.f()`
    Method,
    /// `Type::f()`, `pkg.F()`, `module.f()`
    Path,
    /// `new T()`, `T { … }`, `T(…)` for a class
    Constructor,
    /// `name!(…)`
    Macro,
    /// A function or method named as a value, not called here: a callback
    /// (`map(f)`, `.map(Self::f)`), a route handler, `callback=f`.
    Reference,
}

/// How a call site was linked to its callee: the evidence, strongest first.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// A compiler-grade index (SCIP) says so.
    Scip,
    /// The caller's own scope: `self.f()`, `Self::f()`, a sibling in the
    /// same file or package, a name defined in an enclosing function.
    Scope,
    /// The file's imports name the callee's module or the callee itself.
    Import,
    /// The receiver's type is visible (a typed parameter or local, a
    /// constructor call, a field's declared type) and has this method.
    ReceiverType,
    /// A call on a trait, interface or class method, linked to an
    /// implementation or override of it ("may call"). Call sites link the
    /// method itself; assemble adds these edges by class hierarchy
    /// analysis, below the confidence threshold.
    Dispatch,
    /// No scope or import names it; the only definition with this name.
    UniqueName,
}

impl Provenance {
    pub const ALL: [Provenance; 6] = [
        Provenance::Scip,
        Provenance::Scope,
        Provenance::Import,
        Provenance::ReceiverType,
        Provenance::Dispatch,
        Provenance::UniqueName,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Provenance::Scip => "scip",
            Provenance::Scope => "scope",
            Provenance::Import => "import",
            Provenance::ReceiverType => "receiver_type",
            Provenance::Dispatch => "dispatch",
            Provenance::UniqueName => "unique_name",
        }
    }

    /// The confidence an edge of this provenance gets, from how often such
    /// edges were right on the call-graph evaluation (`scripts/eval-calls.sh`).
    pub fn confidence(self) -> f32 {
        match self {
            Provenance::Scip => 1.0,
            Provenance::Scope => 0.95,
            Provenance::Import => 0.95,
            Provenance::ReceiverType => 0.9,
            Provenance::Dispatch => 0.7,
            Provenance::UniqueName => 0.6,
        }
    }

    /// [`Self::confidence`] for a call in `language`. A unique method name
    /// is a better guess in Rust, where the standard library's method names
    /// are kept out of the guessing: on the evaluation such links were right
    /// 93–100 % of the time in Rust, against 3–82 % in Python and
    /// TypeScript and 62–92 % in Go (BENCHMARKS.md, #12).
    pub fn confidence_in(self, language: crate::Language) -> f32 {
        match (self, language) {
            (Provenance::UniqueName, crate::Language::Rust) => 0.85,
            _ => self.confidence(),
        }
    }
}

/// Edges at or above this confidence are "confident": centrality, module
/// dependencies, summaries and impact analysis use only these.
pub const CONFIDENT: f32 = 0.8;

/// A call inside a symbol's body, with the callee as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallSite {
    /// The callee as written, e.g. `self.store.get`, `Vec::new`, `fetch`.
    pub callee: Box<str>,
    /// The last name segment, e.g. `get`, `new`, `fetch`.
    pub name: Box<str>,
    /// The receiver or qualifier as written, e.g. `self.store`, `Vec`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<Box<str>>,
    pub kind: CallKind,
    /// 1-based line of the call.
    pub line: u32,
    /// The receiver's type when the code states it (a typed parameter or
    /// local, a constructor call, a field's declared type), e.g. `Store`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver_type: Option<Box<str>>,
    /// When the receiver is the value a call returned (`r := NewRouter()`,
    /// `let s = open()?`) and its type is not written: that call.
    /// Resolution reads the callee's declared return type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver_from: Option<Box<ReturnedBy>>,
    /// The symbol this call resolves to inside the repository, when unambiguous.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<SymbolId>,
    /// How `resolved` was found; set with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// How sure the link is, in [0, 1]; set with `resolved`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
}

/// A value another call gives: what it returns, or a parameter of a
/// function passed to it (a callback's, `subscribe(x => x.next())`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnedBy {
    /// That call's callee as written (`NewRouter`, `self.open`).
    pub callee: Box<str>,
    /// For a callback's parameter: which argument of the call the
    /// function is, and which of its parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<CallbackSlot>,
    /// The error that call's `Result` holds, not its value (Rust's
    /// `f().unwrap_err()`, `let e = r.expect_err(…)`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub error: bool,
}

/// A parameter of a function passed as an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackSlot {
    pub argument: u32,
    pub parameter: u32,
}

impl ReturnedBy {
    /// What `callee` returns.
    pub fn call(callee: &str) -> Self {
        ReturnedBy {
            callee: callee.into(),
            callback: None,
            error: false,
        }
    }

    /// The error of what `self` describes, when it is a call's value (a
    /// callback's parameter, or an error already, has none to take).
    pub fn error_of(&self) -> Option<Self> {
        (self.callback.is_none() && !self.error).then(|| ReturnedBy {
            error: true,
            ..self.clone()
        })
    }
}

impl CallSite {
    /// A resolved call whose link is at least [`CONFIDENT`].
    pub fn is_confident(&self) -> bool {
        self.resolved.is_some() && self.confidence.unwrap_or(0.0) >= CONFIDENT
    }
}

/// An import of a file, normalised.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Import {
    /// The module path, normalised: `std::collections`, `os.path`, `./util`, `net/http`.
    pub module: String,
    /// Names imported from it (empty for a whole-module import); `*` for a glob.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// A local alias (`as x`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// 1-based line.
    pub line: u32,
}

/// One symbol in a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Symbol {
    pub id: SymbolId,
    pub name: String,
    pub kind: SymbolKind,
    /// `crate::mod::Type::method`, `pkg.Class.method`, `pkg.Type.Method`.
    pub qualified_name: String,
    pub language: Language,
    /// Path relative to the repository root, with `/` separators.
    pub path: String,
    pub span: Span,
    /// The declaration up to its body, whitespace-normalised.
    pub signature: String,
    pub visibility: Visibility,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    /// Attributes or decorators as written (`#[derive(Debug)]`, `@property`),
    /// and modifiers (`async`, `static`, `export default`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<SymbolId>,
    /// Supertypes as written: Python bases, TS `extends`/`implements`, the
    /// trait of a Rust `impl Trait for Type`, embedded Go types.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bases: Vec<String>,
    /// For an `impl` block or a Go method: the type it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<CallSite>,
    /// For a struct or class: its fields' declared types where the code
    /// states them (`store: Store`, `self.store = Store()`), by field name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub field_types: BTreeMap<String, String>,
    /// The vocabulary of the symbol's own code (nested symbols cut out)
    /// that its name, signature and doc comment do not already say, most
    /// used first, space-separated (`words::code_words`): what a lexical
    /// search matches once the code is gone.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub words: String,
}

/// What a file is for. Centrality, cluster labels, module overviews and the
/// architecture summary describe `source` code; tests show up as "tested
/// by" facts.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum FileRole {
    #[default]
    Source,
    Test,
    Fixture,
    Example,
    Bench,
    Generated,
    Vendored,
    Docs,
}

impl FileRole {
    pub const ALL: [FileRole; 8] = [
        FileRole::Source,
        FileRole::Test,
        FileRole::Fixture,
        FileRole::Example,
        FileRole::Bench,
        FileRole::Generated,
        FileRole::Vendored,
        FileRole::Docs,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FileRole::Source => "source",
            FileRole::Test => "test",
            FileRole::Fixture => "fixture",
            FileRole::Example => "example",
            FileRole::Bench => "bench",
            FileRole::Generated => "generated",
            FileRole::Vendored => "vendored",
            FileRole::Docs => "docs",
        }
    }

    pub fn is_source(self) -> bool {
        self == FileRole::Source
    }
}

impl Symbol {
    /// Whether the symbol's own attributes mark it as test code: a Rust
    /// `#[test]`/`#[bench]` function (also `#[tokio::test]`) or a
    /// `#[cfg(test)]` item. Items inside such an item are test code too.
    pub fn is_test_marked(&self) -> bool {
        self.attributes.iter().any(|a| {
            let a: String = a.chars().filter(|c| !c.is_whitespace()).collect();
            a.starts_with("#[test")
                || a.starts_with("#[cfg(test")
                || a.starts_with("#[bench")
                || a.ends_with("::test]")
                || a.contains("::test(")
        })
    }
}

/// What ingest learned about one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRecord {
    /// Path relative to the repository root, with `/` separators.
    pub path: String,
    pub language: Language,
    pub size_bytes: u64,
    pub lines: u32,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
    pub symbols: u32,
    pub chunks: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<Import>,
    /// The repository files this file's imports name, as resolved with the
    /// repository's module system (crate names, `go.mod`, packages);
    /// sorted. `None` in artifacts written before ingest resolved them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_files: Option<Vec<String>>,
    /// The parser recovered from syntax errors; symbols may be incomplete.
    #[serde(default)]
    pub has_syntax_errors: bool,
    /// The file was not valid UTF-8 and was decoded lossily.
    #[serde(default)]
    pub lossy_utf8: bool,
    /// What the file is for (from its path, name and header).
    #[serde(default)]
    pub role: FileRole,
}

/// The last two non-empty parts of `s` split at `sep` outside `<…>`,
/// scanning left to right (separators do not overlap): a qualified name's
/// owner and name. Summaries name every caller and callee and embedded
/// texts every symbol this way, so nothing is collected: `<`, `>` and the
/// separators are ASCII, which never occur inside a multi-byte character,
/// so a byte scan cuts where a character scan would.
pub fn last_two_parts<'a>(s: &'a str, sep: &str) -> (Option<&'a str>, Option<&'a str>) {
    // Without angle brackets or a run of three colons (where cutting from
    // the left and from the right differ), the parts are read from the end.
    if !s.contains('<') && !s.contains('>') && (sep == "." || !s.contains(":::")) {
        let mut parts = s.rsplit(sep).filter(|p| !p.is_empty());
        let last = parts.next();
        return (parts.next(), last);
    }
    let (bytes, sep_bytes) = (s.as_bytes(), sep.as_bytes());
    let (mut parent, mut last) = (None, None);
    let mut push = |part: &'a str| {
        if !part.is_empty() {
            parent = last.replace(part);
        }
    };
    let (mut depth, mut start, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'<' => depth += 1,
            b'>' => depth = depth.saturating_sub(1),
            b if depth == 0 && b == sep_bytes[0] && bytes[i..].starts_with(sep_bytes) => {
                push(&s[start..i]);
                i += sep_bytes.len();
                start = i;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    push(&s[start..]);
    (parent, last)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A large repository holds hundreds of thousands of call sites until
    /// resolution ends (400,000 on the 8,658-file benchmark corpus): each
    /// byte here is 0.4 MB of peak memory there (strings are boxed: no
    /// spare capacity, 8 bytes less each).
    #[test]
    fn a_call_site_stays_small() {
        assert!(
            std::mem::size_of::<CallSite>() <= 112,
            "{}",
            std::mem::size_of::<CallSite>()
        );
    }
}

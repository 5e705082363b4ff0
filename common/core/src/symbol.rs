//! Symbols, imports and call sites extracted from source files.

use crate::ids::SymbolId;
use crate::language::Language;
use crate::range::Span;
use serde::{Deserialize, Serialize};
use std::fmt;

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
}

/// A call inside a symbol's body, with the callee as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallSite {
    /// The callee as written, e.g. `self.store.get`, `Vec::new`, `fetch`.
    pub callee: String,
    /// The last name segment, e.g. `get`, `new`, `fetch`.
    pub name: String,
    /// The receiver or qualifier as written, e.g. `self.store`, `Vec`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    pub kind: CallKind,
    /// 1-based line of the call.
    pub line: u32,
    /// The symbol this call resolves to inside the repository, when unambiguous.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<SymbolId>,
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
    /// The parser recovered from syntax errors; symbols may be incomplete.
    #[serde(default)]
    pub has_syntax_errors: bool,
    /// The file was not valid UTF-8 and was decoded lossily.
    #[serde(default)]
    pub lossy_utf8: bool,
}

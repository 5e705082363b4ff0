//! JSON Schema stand-ins for the `doctown-core` enums used in the docpack.
//! Core does not derive `JsonSchema`, so each enum is mirrored here with the
//! same serde form; the exhaustive `From` impls make a new core variant a
//! compile error here, and the test checks the spellings agree.

use doctown_core::{ChunkKind, FileRole, Language, Provenance, SymbolKind, Visibility};
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "Language")]
pub(crate) enum LanguageDef {
    Rust,
    Python,
    TypeScript,
    Tsx,
    JavaScript,
    Go,
    Java,
    C,
    Cpp,
    CSharp,
    Ruby,
    Php,
    Kotlin,
    Swift,
    Scala,
    Bash,
    Lua,
    Dart,
    Zig,
    Elixir,
    Haskell,
    OCaml,
    ObjC,
    Proto,
    Sql,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "SymbolKind")]
pub(crate) enum SymbolKindDef {
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
    Field,
}

/// `public` (exported), `restricted` (`pub(crate)` and the like) or `private`.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "Visibility")]
pub(crate) enum VisibilityDef {
    Public,
    Restricted,
    Private,
}

/// `symbol` (a whole symbol), `symbol_part` (part of a large symbol) or
/// `file` (a file without symbols).
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "ChunkKind")]
pub(crate) enum ChunkKindDef {
    Symbol,
    SymbolPart,
    File,
}

/// What a file (or a symbol's code) is for.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "FileRole")]
pub(crate) enum FileRoleDef {
    Source,
    Test,
    Fixture,
    Example,
    Bench,
    Generated,
    Vendored,
    Docs,
}

/// How a call or reference edge was found: `scip` (a compiler-grade
/// index), `scope`, `import`, `receiver_type`, `dispatch`, `unique_name`.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "Provenance")]
pub(crate) enum ProvenanceDef {
    Scip,
    Scope,
    Import,
    ReceiverType,
    Dispatch,
    UniqueName,
}

impl From<FileRole> for FileRoleDef {
    fn from(r: FileRole) -> Self {
        match r {
            FileRole::Source => Self::Source,
            FileRole::Test => Self::Test,
            FileRole::Fixture => Self::Fixture,
            FileRole::Example => Self::Example,
            FileRole::Bench => Self::Bench,
            FileRole::Generated => Self::Generated,
            FileRole::Vendored => Self::Vendored,
            FileRole::Docs => Self::Docs,
        }
    }
}

impl From<Provenance> for ProvenanceDef {
    fn from(p: Provenance) -> Self {
        match p {
            Provenance::Scip => Self::Scip,
            Provenance::Scope => Self::Scope,
            Provenance::Import => Self::Import,
            Provenance::ReceiverType => Self::ReceiverType,
            Provenance::Dispatch => Self::Dispatch,
            Provenance::UniqueName => Self::UniqueName,
        }
    }
}

impl From<Language> for LanguageDef {
    fn from(l: Language) -> Self {
        match l {
            Language::Rust => Self::Rust,
            Language::Python => Self::Python,
            Language::TypeScript => Self::TypeScript,
            Language::Tsx => Self::Tsx,
            Language::JavaScript => Self::JavaScript,
            Language::Go => Self::Go,
            Language::Java => Self::Java,
            Language::C => Self::C,
            Language::Cpp => Self::Cpp,
            Language::CSharp => Self::CSharp,
            Language::Ruby => Self::Ruby,
            Language::Php => Self::Php,
            Language::Kotlin => Self::Kotlin,
            Language::Swift => Self::Swift,
            Language::Scala => Self::Scala,
            Language::Bash => Self::Bash,
            Language::Lua => Self::Lua,
            Language::Dart => Self::Dart,
            Language::Zig => Self::Zig,
            Language::Elixir => Self::Elixir,
            Language::Haskell => Self::Haskell,
            Language::OCaml => Self::OCaml,
            Language::ObjC => Self::ObjC,
            Language::Proto => Self::Proto,
            Language::Sql => Self::Sql,
        }
    }
}

impl From<SymbolKind> for SymbolKindDef {
    fn from(k: SymbolKind) -> Self {
        use SymbolKind as K;
        match k {
            K::Function => Self::Function,
            K::Method => Self::Method,
            K::Struct => Self::Struct,
            K::Enum => Self::Enum,
            K::Variant => Self::Variant,
            K::Trait => Self::Trait,
            K::Impl => Self::Impl,
            K::Module => Self::Module,
            K::Constant => Self::Constant,
            K::Static => Self::Static,
            K::TypeAlias => Self::TypeAlias,
            K::Macro => Self::Macro,
            K::Class => Self::Class,
            K::Interface => Self::Interface,
            K::Variable => Self::Variable,
            K::Field => Self::Field,
        }
    }
}

impl From<Visibility> for VisibilityDef {
    fn from(v: Visibility) -> Self {
        match v {
            Visibility::Public => Self::Public,
            Visibility::Restricted => Self::Restricted,
            Visibility::Private => Self::Private,
        }
    }
}

impl From<ChunkKind> for ChunkKindDef {
    fn from(k: ChunkKind) -> Self {
        match k {
            ChunkKind::Symbol => Self::Symbol,
            ChunkKind::SymbolPart => Self::SymbolPart,
            ChunkKind::File => Self::File,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::to_value;

    fn same<A: Serialize + Copy, B: Serialize + From<A>>(all: &[A]) {
        for &a in all {
            assert_eq!(to_value(a).unwrap(), to_value(B::from(a)).unwrap());
        }
    }

    #[test]
    fn mirrors_spell_like_core() {
        same::<Language, LanguageDef>(&Language::ALL);
        use SymbolKind as K;
        same::<SymbolKind, SymbolKindDef>(&[
            K::Function,
            K::Method,
            K::Struct,
            K::Enum,
            K::Variant,
            K::Trait,
            K::Impl,
            K::Module,
            K::Constant,
            K::Static,
            K::TypeAlias,
            K::Macro,
            K::Class,
            K::Interface,
            K::Variable,
            K::Field,
        ]);
        same::<Visibility, VisibilityDef>(&[
            Visibility::Public,
            Visibility::Restricted,
            Visibility::Private,
        ]);
        same::<FileRole, FileRoleDef>(&FileRole::ALL);
        same::<Provenance, ProvenanceDef>(&Provenance::ALL);
        same::<ChunkKind, ChunkKindDef>(&[
            ChunkKind::Symbol,
            ChunkKind::SymbolPart,
            ChunkKind::File,
        ]);
    }
}

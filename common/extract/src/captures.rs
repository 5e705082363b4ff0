//! What the captures of a language's query mean ([`Role`]): each capture
//! name of `queries/<language>.scm` read once, when the query is compiled,
//! so the engine matches on roles, not on names (the captures' table is
//! in the engine's doc and `queries/README.md`).

use doctown_core::SymbolKind;
use tree_sitter::Query;

/// What a capture of a language's query means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Definition(SymbolKind),
    Name,
    /// One of several declarators of a declaration (`int lo, hi;`).
    Declarator,
    Body,
    Doc,
    Modifiers,
    Base,
    Target,
    Call,
    /// `new Foo()`: a call of a constructor.
    New,
    Receiver,
    Import,
    ImportModule,
    ImportName,
    ImportAlias,
    Package,
    Comment,
    /// A capture the engine does not read (helpers for predicates).
    Other,
}

/// The docpack kind a `@definition.<kind>` capture names.
pub(crate) fn kind_of(name: &str) -> Option<SymbolKind> {
    use SymbolKind as K;
    Some(match name {
        "function" => K::Function,
        "method" | "constructor" => K::Method,
        "struct" | "union" | "record" => K::Struct,
        "enum" => K::Enum,
        "variant" | "enum_member" => K::Variant,
        "trait" | "protocol" => K::Trait,
        "impl" | "extension" => K::Impl,
        "module" | "namespace" | "package" => K::Module,
        "constant" => K::Constant,
        "static" => K::Static,
        "type_alias" | "typedef" | "type" => K::TypeAlias,
        "macro" => K::Macro,
        "class" | "object" => K::Class,
        "interface" => K::Interface,
        "variable" => K::Variable,
        "field" | "property" => K::Field,
        _ => return None,
    })
}

/// The role of every capture of `query`, by capture index; an unknown
/// `@definition.*` kind is an error naming it.
pub(crate) fn roles(query: &Query) -> Result<Vec<Role>, String> {
    query
        .capture_names()
        .iter()
        .map(|name| {
            Ok(match *name {
                "name" => Role::Name,
                "declarator" => Role::Declarator,
                "body" => Role::Body,
                "doc" => Role::Doc,
                "modifiers" => Role::Modifiers,
                "base" => Role::Base,
                "target" => Role::Target,
                "reference.call" => Role::Call,
                "reference.new" => Role::New,
                "receiver" => Role::Receiver,
                "import" => Role::Import,
                "import.module" => Role::ImportModule,
                "import.name" => Role::ImportName,
                "import.alias" => Role::ImportAlias,
                "package" => Role::Package,
                "comment" => Role::Comment,
                other => match other.strip_prefix("definition.") {
                    Some(kind) => Role::Definition(
                        kind_of(kind).ok_or_else(|| format!("unknown definition kind `{kind}`"))?,
                    ),
                    None if other.starts_with('_') => Role::Other,
                    None => return Err(format!("unknown capture `@{other}`")),
                },
            })
        })
        .collect()
}

//! The languages the query engine reads: per language its grammar, its
//! query file (`queries/<name>.scm`) and the few facts a query cannot state
//! (comment syntax, which comments are doc comments, the qualified-name
//! separator, how visibility is written). Adding a language is a row here,
//! a query file, its extensions in `doctown_core::Language` and a golden
//! test (see `queries/README.md`).

use crate::engine::{roles, Role};
use crate::text::CommentStyle;
use doctown_core::{Language, Visibility};
use std::sync::OnceLock;
use tree_sitter::Query;

/// How a language writes visibility.
pub(crate) enum VisibilityRule {
    /// Everything is public (shell functions, SQL, Protocol Buffers).
    Public,
    /// A leading `_` makes a name private (Dart).
    Underscore,
    /// Keywords among the `@modifiers` (or a declaration's first word):
    /// the first of private, restricted, public found wins; without one a
    /// top-level declaration gets `default` and a member `member_default`.
    Keywords {
        public: &'static [&'static str],
        restricted: &'static [&'static str],
        private: &'static [&'static str],
        default: Visibility,
        member_default: Visibility,
    },
}

/// What the engine needs to know about a language besides its query.
pub(crate) struct Spec {
    pub language: Language,
    pub query: &'static str,
    pub separator: &'static str,
    pub comments: CommentStyle,
    /// A run of comments documents the next declaration only if one of
    /// them starts with one of these (empty: any comment does).
    pub doc_markers: &'static [&'static str],
    pub visibility: VisibilityRule,
    /// Node kinds that wrap a declaration without being one (C++
    /// `template <…>`): its doc comment precedes the wrapper.
    pub wrappers: &'static [&'static str],
    /// Doc comments are XML (C#'s `/// <summary>`): tags are dropped.
    pub xml_docs: bool,
    /// A function written as several clauses (Haskell equations after a
    /// type signature, Elixir `def` heads): adjacent definitions of one
    /// name and kind are one symbol spanning them all.
    pub merge_clauses: bool,
    /// Methods are captured as such (`- (void)f` in Objective-C): a C
    /// function written inside an `@implementation` stays a function.
    pub functions_stay_functions: bool,
}

/// The defaults the rows below start from.
const BASE: Spec = Spec {
    language: Language::C,
    query: "",
    separator: ".",
    comments: C_COMMENTS,
    doc_markers: &[],
    visibility: VisibilityRule::Public,
    wrappers: &[],
    xml_docs: false,
    merge_clauses: false,
    functions_stay_functions: false,
};

const C_COMMENTS: CommentStyle = CommentStyle {
    line: &["//"],
    block: &[("/*", "*/")],
};
const HASH_COMMENTS: CommentStyle = CommentStyle {
    line: &["#"],
    block: &[],
};
const DASH_COMMENTS: CommentStyle = CommentStyle {
    line: &["--"],
    block: &[("/*", "*/")],
};

/// C and Objective-C: `static` gives a name internal linkage.
const C_LINKAGE: VisibilityRule = VisibilityRule::Keywords {
    public: &["extern"],
    restricted: &[],
    private: &["static"],
    default: Visibility::Public,
    member_default: Visibility::Public,
};

const PUBLIC: &[&str] = &["public", "open", "export"];
const PRIVATE: &[&str] = &["private", "fileprivate"];

const fn keywords(
    restricted: &'static [&'static str],
    default: Visibility,
    member_default: Visibility,
) -> VisibilityRule {
    VisibilityRule::Keywords {
        public: PUBLIC,
        restricted,
        private: PRIVATE,
        default,
        member_default,
    }
}

macro_rules! query {
    ($name:literal) => {
        include_str!(concat!("../queries/", $name, ".scm"))
    };
    // A language that extends another's grammar (Objective-C extends C):
    // its own patterns first, then the base's.
    ($name:literal + $base:literal) => {
        concat!(
            include_str!(concat!("../queries/", $name, ".scm")),
            "\n",
            include_str!(concat!("../queries/", $base, ".scm"))
        )
    };
}

/// The engine's languages, in `Language::ALL` order.
pub(crate) static SPECS: &[Spec] = &[
    Spec {
        language: Language::Java,
        query: query!("java"),
        separator: ".",
        comments: C_COMMENTS,
        doc_markers: &["/**"],
        // Package-private by default.
        visibility: keywords(
            &["protected"],
            Visibility::Restricted,
            Visibility::Restricted,
        ),
        ..BASE
    },
    Spec {
        language: Language::C,
        query: query!("c"),
        separator: "::",
        comments: C_COMMENTS,
        doc_markers: &[],
        visibility: C_LINKAGE,
        ..BASE
    },
    Spec {
        language: Language::Cpp,
        query: query!("cpp"),
        separator: "::",
        comments: C_COMMENTS,
        doc_markers: &[],
        visibility: VisibilityRule::Keywords {
            public: &["public", "extern"],
            restricted: &["protected"],
            private: &["private", "static"],
            default: Visibility::Public,
            member_default: Visibility::Public,
        },
        wrappers: &["template_declaration"],
        ..BASE
    },
    Spec {
        language: Language::CSharp,
        query: query!("csharp"),
        separator: ".",
        comments: C_COMMENTS,
        doc_markers: &["///", "/**"],
        visibility: keywords(
            &["internal", "protected"],
            Visibility::Restricted,
            Visibility::Private,
        ),
        xml_docs: true,
        ..BASE
    },
    Spec {
        language: Language::Ruby,
        query: query!("ruby"),
        separator: "::",
        comments: CommentStyle {
            line: &["#"],
            block: &[("=begin", "=end")],
        },
        doc_markers: &[],
        visibility: keywords(&["protected"], Visibility::Public, Visibility::Public),
        ..BASE
    },
    Spec {
        language: Language::Php,
        query: query!("php"),
        separator: "\\",
        comments: CommentStyle {
            line: &["//", "#"],
            block: &[("/*", "*/")],
        },
        doc_markers: &["/**"],
        visibility: keywords(&["protected"], Visibility::Public, Visibility::Public),
        ..BASE
    },
    Spec {
        language: Language::Kotlin,
        query: query!("kotlin"),
        separator: ".",
        comments: C_COMMENTS,
        doc_markers: &["/**"],
        visibility: keywords(
            &["internal", "protected"],
            Visibility::Public,
            Visibility::Public,
        ),
        ..BASE
    },
    Spec {
        language: Language::Swift,
        query: query!("swift"),
        separator: ".",
        comments: C_COMMENTS,
        doc_markers: &["///", "/**"],
        // Internal (module-wide) by default.
        visibility: keywords(
            &["internal"],
            Visibility::Restricted,
            Visibility::Restricted,
        ),
        ..BASE
    },
    Spec {
        language: Language::Scala,
        query: query!("scala"),
        separator: ".",
        comments: C_COMMENTS,
        doc_markers: &["/**"],
        visibility: keywords(&["protected"], Visibility::Public, Visibility::Public),
        ..BASE
    },
    Spec {
        language: Language::Bash,
        query: query!("bash"),
        separator: ".",
        comments: HASH_COMMENTS,
        doc_markers: &[],
        visibility: VisibilityRule::Public,
        ..BASE
    },
    Spec {
        language: Language::Lua,
        query: query!("lua"),
        separator: ".",
        comments: CommentStyle {
            line: &["--"],
            block: &[("--[[", "]]")],
        },
        doc_markers: &[],
        visibility: VisibilityRule::Keywords {
            public: &[],
            restricted: &[],
            private: &["local"],
            default: Visibility::Public,
            member_default: Visibility::Public,
        },
        ..BASE
    },
    Spec {
        language: Language::Dart,
        query: query!("dart"),
        separator: ".",
        comments: C_COMMENTS,
        doc_markers: &["///", "/**"],
        visibility: VisibilityRule::Underscore,
        ..BASE
    },
    Spec {
        language: Language::Zig,
        query: query!("zig"),
        separator: ".",
        comments: CommentStyle {
            line: &["//"],
            block: &[],
        },
        doc_markers: &["///", "//!"],
        visibility: VisibilityRule::Keywords {
            public: &["pub"],
            restricted: &[],
            private: &[],
            default: Visibility::Private,
            member_default: Visibility::Private,
        },
        ..BASE
    },
    Spec {
        language: Language::Elixir,
        query: query!("elixir"),
        separator: ".",
        comments: HASH_COMMENTS,
        doc_markers: &[],
        visibility: VisibilityRule::Keywords {
            public: &["def", "defmacro"],
            restricted: &[],
            private: &["defp", "defmacrop", "defguardp"],
            default: Visibility::Public,
            member_default: Visibility::Public,
        },
        merge_clauses: true,
        ..BASE
    },
    Spec {
        language: Language::Haskell,
        query: query!("haskell"),
        separator: ".",
        comments: CommentStyle {
            line: &["--"],
            block: &[("{-", "-}")],
        },
        doc_markers: &[],
        visibility: VisibilityRule::Public,
        merge_clauses: true,
        ..BASE
    },
    Spec {
        language: Language::OCaml,
        query: query!("ocaml"),
        separator: ".",
        comments: CommentStyle {
            line: &[],
            block: &[("(*", "*)")],
        },
        doc_markers: &[],
        visibility: VisibilityRule::Public,
        ..BASE
    },
    Spec {
        language: Language::ObjC,
        query: query!("objc" + "c"),
        separator: ".",
        comments: C_COMMENTS,
        doc_markers: &[],
        visibility: C_LINKAGE,
        functions_stay_functions: true,
        ..BASE
    },
    Spec {
        language: Language::Proto,
        query: query!("proto"),
        separator: ".",
        comments: C_COMMENTS,
        doc_markers: &[],
        visibility: VisibilityRule::Public,
        ..BASE
    },
    Spec {
        language: Language::Sql,
        query: query!("sql"),
        separator: ".",
        comments: DASH_COMMENTS,
        doc_markers: &[],
        visibility: VisibilityRule::Public,
        ..BASE
    },
];

/// The spec of a language the engine reads.
pub(crate) fn spec(language: Language) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.language == language)
}

/// A language's compiled query and the role of each capture, compiled once
/// per process on first use.
pub(crate) struct Compiled {
    pub query: Query,
    pub roles: Vec<Role>,
}

/// Compiles a spec's query against its grammar.
pub(crate) fn compile(spec: &Spec) -> Result<Compiled, String> {
    let grammar = crate::grammar(spec.language);
    let query = Query::new(&grammar, spec.query)
        .map_err(|e| format!("queries/{}.scm: {e}", spec.language.name()))?;
    let roles = roles(&query).map_err(|e| format!("queries/{}.scm: {e}", spec.language.name()))?;
    Ok(Compiled { query, roles })
}

/// The compiled query of a language (None: not an engine language, or its
/// query does not compile — a test checks every bundled one does).
pub(crate) fn compiled(language: Language) -> Option<&'static Compiled> {
    static CACHE: Cache = OnceLock::new();
    cached(&CACHE, language, compile)
}

/// The compiled query of a language for an outline
/// ([`crate::Extractor::outline`]): the patterns that capture no
/// definition and no package (calls, imports, comments) are disabled, so
/// the definitions' matches, pattern numbers and captures are the full
/// query's.
pub(crate) fn compiled_outline(language: Language) -> Option<&'static Compiled> {
    static CACHE: Cache = OnceLock::new();
    cached(&CACHE, language, |spec| {
        let mut c = compile(spec)?;
        definitions_only(&mut c);
        Ok(c)
    })
}

/// One compiled query per engine language, made once per process.
type Cache = OnceLock<Vec<OnceLock<Option<Compiled>>>>;

fn cached(
    cache: &'static Cache,
    language: Language,
    make: impl FnOnce(&Spec) -> Result<Compiled, String>,
) -> Option<&'static Compiled> {
    let cache = cache.get_or_init(|| SPECS.iter().map(|_| OnceLock::new()).collect());
    let i = SPECS.iter().position(|s| s.language == language)?;
    cache[i]
        .get_or_init(|| match make(&SPECS[i]) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::error!("{e}");
                None
            }
        })
        .as_ref()
}

/// Disables every pattern of `compiled` that captures neither a
/// definition nor the package.
fn definitions_only(compiled: &mut Compiled) {
    use tree_sitter::CaptureQuantifier;
    for pattern in 0..compiled.query.pattern_count() {
        let keeps = compiled
            .query
            .capture_quantifiers(pattern)
            .iter()
            .zip(&compiled.roles)
            .any(|(quantifier, role)| {
                *quantifier != CaptureQuantifier::Zero
                    && matches!(role, Role::Definition(_) | Role::Package)
            });
        if !keeps {
            compiled.query.disable_pattern(pattern);
        }
    }
}

//! The languages the query engine reads: per language its grammar, its
//! query file (`queries/<name>.scm`) and the few facts a query cannot state
//! (comment syntax, which comments are doc comments, the qualified-name
//! separator, how visibility is written). Adding a language is a row here,
//! a query file, its extensions in `doctown_core::Language` and a golden
//! test (see `queries/README.md`).

use crate::captures::{roles, Role};
use crate::text::CommentStyle;
use doctown_core::{Language, Visibility};
use std::ops::Range;
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
    /// Node kinds whose calls are no calls: Erlang writes types as calls
    /// (`-spec area(shape()) -> number()`).
    pub no_calls_in: &'static [&'static str],
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
    no_calls_in: &[],
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
    Spec {
        language: Language::Erlang,
        query: query!("erlang"),
        // `shapes:area`, as Erlang calls a function of another module.
        separator: ":",
        comments: CommentStyle {
            line: &["%"],
            block: &[],
        },
        doc_markers: &[],
        // Whether a function is exported is said by `-export([…])`, apart
        // from it: every declaration is public.
        visibility: VisibilityRule::Public,
        // A function is its clauses (`area({circle, R}) -> …; area(…) ->
        // …`), one symbol.
        merge_clauses: true,
        no_calls_in: &[
            "spec",
            "callback",
            "type_alias",
            "opaque",
            "nominal",
            "record_decl",
        ],
        ..BASE
    },
];

/// The spec of a language the engine reads.
pub(crate) fn spec(language: Language) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.language == language)
}

/// Which of a query's patterns a compiled form of it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryForm {
    /// Every pattern: what the full extraction runs.
    Full,
    /// The patterns that capture a definition or the package: what an
    /// outline ([`crate::Extractor::outline`]) runs.
    Outline,
    /// An outline's patterns and the comment patterns, which signatures
    /// need (a comment inside a declaration's head is no part of its
    /// signature): what a listing ([`crate::Extractor::listing`]) runs.
    Listing,
}

impl QueryForm {
    /// Whether a pattern capturing `captures` (names without `@`) is in
    /// this form.
    fn keeps<'q>(self, mut captures: impl Iterator<Item = &'q str>) -> bool {
        captures.any(|capture| match self {
            QueryForm::Full => true,
            QueryForm::Outline => capture.starts_with("definition.") || capture == "package",
            QueryForm::Listing => {
                capture.starts_with("definition.") || capture == "package" || capture == "comment"
            }
        })
    }
}

/// A language's compiled query and the role of each capture, compiled once
/// per process on first use.
pub(crate) struct Compiled {
    pub query: Query,
    pub roles: Vec<Role>,
    /// The full query's number of each of this query's patterns (a form
    /// that leaves patterns out numbers the rest from 0): what the engine
    /// orders two definitions of one node by.
    pub patterns: Vec<usize>,
    /// What each pattern leaves to the engine to find (`#set! name.field`).
    pub derived: Vec<crate::derived::Derived>,
}

/// Compiles a form of a spec's query against its grammar. A form other
/// than the full one is compiled from its patterns' text alone: tree-sitter
/// analyses every pattern of a query against the grammar when compiling
/// it, which for the largest grammars costs more than parsing a file.
pub(crate) fn compile(spec: &Spec, form: QueryForm) -> Result<Compiled, String> {
    let file = format!("queries/{}.scm", spec.language.name());
    let (text, patterns) = match form {
        QueryForm::Full => (spec.query.to_string(), None),
        _ => {
            let (text, patterns) = form_text(spec.query, form);
            (text, Some(patterns))
        }
    };
    let grammar = crate::grammar(spec.language);
    let query = Query::new(&grammar, &text).map_err(|e| match form {
        QueryForm::Full => format!("{file}: {e}"),
        _ => format!("{file} ({form:?} form): {e}"),
    })?;
    let roles = roles(&query).map_err(|e| format!("{file}: {e}"))?;
    let derived = crate::derived::derived(&query).map_err(|e| format!("{file}: {e}"))?;
    let patterns = patterns.unwrap_or_else(|| (0..query.pattern_count()).collect());
    if patterns.len() != query.pattern_count() {
        return Err(format!(
            "{file}: its {form:?} form has {} patterns where {} were picked",
            query.pattern_count(),
            patterns.len()
        ));
    }
    Ok(Compiled {
        query,
        roles,
        patterns,
        derived,
    })
}

/// The text of a form of a query (its patterns' text, in order, each on
/// its own lines) and the full query's number of each pattern in it.
pub(crate) fn form_text(query: &str, form: QueryForm) -> (String, Vec<usize>) {
    let mut text = String::with_capacity(query.len());
    let mut numbers = Vec::new();
    for (number, pattern) in split_patterns(query).iter().enumerate() {
        if form.keeps(pattern.captures.iter().copied()) {
            text.push_str(&query[pattern.bytes.clone()]);
            text.push('\n');
            numbers.push(number);
        }
    }
    (text, numbers)
}

/// The compiled query of a language in a form (None: not an engine
/// language, or its query does not compile — a test checks every bundled
/// one does, in every form).
pub(crate) fn compiled(language: Language, form: QueryForm) -> Option<&'static Compiled> {
    static FULL: Cache = OnceLock::new();
    static OUTLINE: Cache = OnceLock::new();
    static LISTING: Cache = OnceLock::new();
    let cache = match form {
        QueryForm::Full => &FULL,
        QueryForm::Outline => &OUTLINE,
        QueryForm::Listing => &LISTING,
    };
    cached(cache, language, |spec| compile(spec, form))
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

/// One top-level pattern of a query's text.
#[derive(Debug)]
pub(crate) struct PatternText<'q> {
    /// From its first token through its last (a capture of the whole, a
    /// closing parenthesis); the comments before it are not part of it.
    pub bytes: Range<usize>,
    /// The names of the captures it writes (predicates' arguments too).
    pub captures: Vec<&'q str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    Capture,
    /// `*`, `+`, `?` after a node or group.
    Quantifier,
    /// A word (node type, field name, anchor, predicate) or a string.
    Atom,
}

/// A query's top-level patterns in the order tree-sitter numbers them: a
/// parenthesised or bracketed expression (or a lone word or string) at
/// depth 0, with the captures and quantifiers written after it. A test
/// checks every bundled query splits where tree-sitter says its patterns
/// start.
pub(crate) fn split_patterns(query: &str) -> Vec<PatternText<'_>> {
    let mut patterns: Vec<PatternText> = Vec::new();
    let mut depth = 0usize;
    for (token, bytes) in tokens(query) {
        let top = depth == 0;
        match token {
            Token::Open => depth += 1,
            Token::Close => depth = depth.saturating_sub(1),
            _ => {}
        }
        let starts = top && matches!(token, Token::Open | Token::Atom);
        match patterns.last_mut() {
            Some(last) if !starts => last.bytes.end = bytes.end,
            _ => patterns.push(PatternText {
                bytes: bytes.clone(),
                captures: Vec::new(),
            }),
        }
        if token == Token::Capture {
            if let Some(last) = patterns.last_mut() {
                last.captures.push(&query[bytes.start + 1..bytes.end]);
            }
        }
    }
    patterns
}

/// A query's tokens and their byte ranges, without whitespace and
/// comments (`;` to the end of the line).
fn tokens(query: &str) -> Vec<(Token, Range<usize>)> {
    let bytes = query.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let token = match bytes[i] {
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b';' => {
                i = query[i..].find('\n').map_or(bytes.len(), |n| i + n);
                continue;
            }
            b'(' | b'[' => {
                i += 1;
                Token::Open
            }
            b')' | b']' => {
                i += 1;
                Token::Close
            }
            b'*' | b'+' | b'?' => {
                i += 1;
                Token::Quantifier
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                Token::Atom
            }
            first => {
                i += 1;
                while i < bytes.len()
                    && !bytes[i].is_ascii_whitespace()
                    && !b"()[]\";".contains(&bytes[i])
                {
                    i += 1;
                }
                match first {
                    b'@' => Token::Capture,
                    _ => Token::Atom,
                }
            }
        };
        out.push((token, start..i));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};
    use streaming_iterator::StreamingIterator;
    use tree_sitter::{Parser, QueryCursor};

    #[test]
    fn every_query_splits_where_tree_sitter_numbers_its_patterns() {
        for spec in SPECS {
            let query = Query::new(&crate::grammar(spec.language), spec.query).unwrap();
            let starts: Vec<usize> = split_patterns(spec.query)
                .iter()
                .map(|p| p.bytes.start)
                .collect();
            let expected: Vec<usize> = (0..query.pattern_count())
                .map(|i| query.start_byte_for_pattern(i))
                .collect();
            assert_eq!(starts, expected, "{}", spec.language.name());
        }
    }

    #[test]
    fn a_pattern_ends_after_its_captures_and_comments_are_not_patterns() {
        let query = "; a comment (with parens)\n(a (b) @x \"(\" ; ) \n) @y @z\n\n[(c) (d)]* @w\n_ \"s\\\"\"";
        let patterns = split_patterns(query);
        let texts: Vec<&str> = patterns.iter().map(|p| &query[p.bytes.clone()]).collect();
        assert_eq!(
            texts,
            [
                "(a (b) @x \"(\" ; ) \n) @y @z",
                "[(c) (d)]* @w",
                "_",
                "\"s\\\"\""
            ]
        );
        assert_eq!(patterns[0].captures, ["x", "y", "z"]);
        assert_eq!(
            form_text(
                "(a) @comment\n(b) @definition.function\n(c) @reference.call",
                QueryForm::Outline
            ),
            ("(b) @definition.function\n".to_string(), vec![1])
        );
    }

    /// Every fixture file under `dir`.
    fn files(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files(&path));
            } else {
                out.push(path);
            }
        }
        out.sort();
        out
    }

    /// Each match of `compiled` on `source`: the full query's number of its
    /// pattern and its captures (name, bytes), in the order they come.
    type Match = (usize, Vec<(String, usize, usize)>);

    fn matches(compiled: &Compiled, tree: &tree_sitter::Tree, source: &str) -> Vec<Match> {
        let names = compiled.query.capture_names();
        let mut cursor = QueryCursor::new();
        let mut matches = cursor.matches(&compiled.query, tree.root_node(), source.as_bytes());
        let mut out = Vec::new();
        while let Some(m) = matches.next() {
            let captures = m
                .captures
                .iter()
                .map(|c| {
                    let name = names[c.index as usize].to_string();
                    (name, c.node.start_byte(), c.node.end_byte())
                })
                .collect();
            out.push((compiled.patterns[m.pattern_index], captures));
        }
        out
    }

    #[test]
    fn an_outline_and_a_listing_match_what_the_full_query_matches_with_their_patterns() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/languages");
        for spec in SPECS {
            let name = spec.language.name();
            let full = compile(spec, QueryForm::Full).unwrap();
            let mut parser = Parser::new();
            parser.set_language(&crate::grammar(spec.language)).unwrap();
            for form in [QueryForm::Outline, QueryForm::Listing] {
                let part = compile(spec, form).unwrap();
                assert!(part.patterns.len() < full.patterns.len(), "{name} {form:?}");
                let mut definitions = 0;
                for path in files(&fixtures.join(name)) {
                    let source = std::fs::read_to_string(&path).unwrap();
                    let tree = parser.parse(&source, None).unwrap();
                    let expected: Vec<Match> = matches(&full, &tree, &source)
                        .into_iter()
                        .filter(|(pattern, _)| part.patterns.contains(pattern))
                        .collect();
                    definitions += expected
                        .iter()
                        .filter(|(_, c)| c.iter().any(|(n, ..)| n.starts_with("definition.")))
                        .count();
                    let got = matches(&part, &tree, &source);
                    assert!(got == expected, "{form:?} of {}", path.display());
                }
                assert!(definitions > 0, "{name}: no definitions in its fixtures");
            }
        }
    }
}

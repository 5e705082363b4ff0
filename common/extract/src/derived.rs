//! Captures a query pattern leaves to the engine to find, set with
//! `#set!`: `((function_declaration) @definition.function (#set!
//! name.field "name"))` names the symbol by the node's `name` child.
//!
//! Every child step a pattern writes costs its compilation an analysis
//! against the grammar's parse states — hundreds of milliseconds for one
//! pattern against the largest grammars (Swift's `function_declaration`,
//! Objective-C's `method_definition`) — while a property costs nothing. A
//! pattern that only names its node and derives the rest matches what the
//! written-out pattern matched as long as the grammar always gives the
//! node those children (a derived name that is absent drops the match, as
//! a required `@name` would; a derived body or modifier is optional).
//!
//! | property | finds |
//! |---|---|
//! | `name.field "f"` / `body.field "f"` / `modifiers.field "f"` | the node's child in field `f` (a token too) |
//! | `name.child "k"` / `body.child "k"` / `modifiers.child "k"` | the node's first child of kind `k` (named or not) |
//! | `name.descend "f: k1 k2 …"` | from the node, down field `f` through nodes of kinds `k1 k2 …`, the first node of another kind, if it is a leaf |
//!
//! A property set on a capture (`(#set! @declarator name.descend …)`)
//! starts from that capture's node instead of the definition's: a C
//! `declaration` matches once per declarator, and each is named from its
//! own (`int a, *b;` declares `a` and `b`).

use tree_sitter::{Node, Query};

/// How one derived capture is found from the definition's node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Locator {
    /// The child in this field, a token too (Swift names `func ==` by
    /// its operator, where `name: (_)` matched the next named node in the
    /// field: the return type).
    Field(String),
    /// The first child of this kind.
    Child(String),
    /// Down this field through nodes of these kinds, to the first node
    /// of another kind, which must be a leaf: a C declarator's name
    /// (`*names[4] = …` names `names`; `f(void)` is no leaf, so a
    /// prototype names no variable).
    Descend { field: String, through: Vec<String> },
}

impl Locator {
    pub(crate) fn find<'t>(&self, node: Node<'t>) -> Option<Node<'t>> {
        match self {
            Locator::Field(field) => node.child_by_field_name(field.as_str()),
            Locator::Child(kind) => {
                let mut cursor = node.walk();
                let found = node.children(&mut cursor).find(|c| c.kind() == kind);
                found
            }
            Locator::Descend { field, through } => {
                let mut node = node;
                while through.iter().any(|k| k == node.kind()) {
                    node = node.child_by_field_name(field.as_str())?;
                }
                (node.child_count() == 0).then_some(node)
            }
        }
    }

    fn parse(how: &str, value: String) -> Option<Result<Locator, String>> {
        Some(Ok(match how {
            "field" => Locator::Field(value),
            "child" => Locator::Child(value),
            "descend" => {
                let Some((field, kinds)) = value.split_once(':') else {
                    return Some(Err(format!(
                        "`descend` needs \"FIELD: KIND …\", not {value:?}"
                    )));
                };
                Locator::Descend {
                    field: field.trim().to_string(),
                    through: kinds.split_whitespace().map(str::to_string).collect(),
                }
            }
            _ => return None,
        }))
    }
}

/// A derived capture: how it is found, and from which capture's node
/// (None: the definition's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Derivation {
    pub from: Option<u32>,
    pub locator: Locator,
}

/// The derived captures of one pattern.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Derived {
    pub name: Option<Derivation>,
    pub body: Option<Derivation>,
    pub modifiers: Option<Derivation>,
}

/// The derived captures of every pattern of `query`, by pattern index; a
/// `#set!` the engine does not know is an error naming it.
pub(crate) fn derived(query: &Query) -> Result<Vec<Derived>, String> {
    (0..query.pattern_count())
        .map(|pattern| {
            let mut derived = Derived::default();
            for property in query.property_settings(pattern) {
                let key = &*property.key;
                let unknown = || format!("pattern {pattern}: unknown property `#set! {key}`");
                let (capture, how) = key.split_once('.').ok_or_else(unknown)?;
                let value = property
                    .value
                    .as_deref()
                    .ok_or_else(|| format!("pattern {pattern}: `#set! {key}` needs a value"))?
                    .to_string();
                let locator = Locator::parse(how, value)
                    .ok_or_else(unknown)?
                    .map_err(|e| format!("pattern {pattern}: `#set! {key}`: {e}"))?;
                let slot = match capture {
                    "name" => &mut derived.name,
                    "body" => &mut derived.body,
                    "modifiers" => &mut derived.modifiers,
                    _ => return Err(unknown()),
                };
                *slot = Some(Derivation {
                    from: property.capture_id.map(|id| id as u32),
                    locator,
                });
            }
            Ok(derived)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(text: &str) -> Result<Query, String> {
        Query::new(&tree_sitter_c::LANGUAGE.into(), text).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_each_property() {
        let q = query(
            r#"((function_definition) @definition.function
                 (#set! name.field "declarator")
                 (#set! body.child "compound_statement")
                 (#set! modifiers.child "storage_class_specifier"))
               (comment) @comment"#,
        )
        .unwrap();
        let d = derived(&q).unwrap();
        assert_eq!(d.len(), 2);
        let of_definition = |locator| {
            Some(Derivation {
                from: None,
                locator,
            })
        };
        assert_eq!(
            d[0].name,
            of_definition(Locator::Field("declarator".into()))
        );
        assert_eq!(
            d[0].body,
            of_definition(Locator::Child("compound_statement".into()))
        );
        assert_eq!(
            d[0].modifiers,
            of_definition(Locator::Child("storage_class_specifier".into()))
        );
        assert_eq!(d[1], Derived::default());
    }

    #[test]
    fn a_property_on_a_capture_derives_from_that_capture() {
        let q = query(
            r#"((declaration declarator: (_) @declarator) @definition.variable
                 (#set! @declarator name.descend "declarator: init_declarator pointer_declarator"))"#,
        )
        .unwrap();
        let d = derived(&q).unwrap();
        let declarator = q
            .capture_names()
            .iter()
            .position(|n| *n == "declarator")
            .unwrap() as u32;
        assert_eq!(
            d[0].name,
            Some(Derivation {
                from: Some(declarator),
                locator: Locator::Descend {
                    field: "declarator".into(),
                    through: vec!["init_declarator".into(), "pointer_declarator".into()],
                },
            })
        );
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        for (text, message) in [
            (
                r#"((comment) @c (#set! doc.field "x"))"#,
                "unknown property `#set! doc.field`",
            ),
            (
                r#"((comment) @c (#set! name.sibling "x"))"#,
                "unknown property `#set! name.sibling`",
            ),
            (r#"((comment) @c (#set! name))"#, "unknown property"),
            (r#"((comment) @c (#set! name.field))"#, "needs a value"),
            (
                r#"((comment) @c (#set! name.descend "declarator"))"#,
                "needs \"FIELD: KIND …\"",
            ),
        ] {
            let err = derived(&query(text).unwrap()).unwrap_err();
            assert!(err.contains(message), "{text}: {err}");
        }
    }

    fn parse_c(src: &str) -> tree_sitter::Tree {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_c::LANGUAGE.into())
            .unwrap();
        parser.parse(src, None).unwrap()
    }

    #[test]
    fn finds_fields_and_children() {
        let src = "static int f(void) { return 1 + 2; }";
        let tree = parse_c(src);
        let function = tree.root_node().child(0).unwrap();
        let text = |n: Node| &src[n.byte_range()];
        let declarator = Locator::Field("declarator".into()).find(function);
        assert_eq!(declarator.map(text), Some("f(void)"));
        let body = Locator::Child("compound_statement".into()).find(function);
        assert_eq!(body.map(text), Some("{ return 1 + 2; }"));
        let storage = Locator::Child("storage_class_specifier".into()).find(function);
        assert_eq!(storage.map(text), Some("static"));
        assert!(Locator::Field("nothing".into()).find(function).is_none());
        assert!(Locator::Child("nothing".into()).find(function).is_none());
        // A field holding a token counts (Swift's `func ==` is named by
        // one).
        let sum = body
            .unwrap()
            .named_child(0)
            .unwrap()
            .named_child(0)
            .unwrap();
        assert_eq!(sum.kind(), "binary_expression");
        let operator = Locator::Field("operator".into()).find(sum);
        assert_eq!(operator.map(text), Some("+"));
    }

    #[test]
    fn descends_a_field_through_the_kinds_named_to_a_leaf() {
        let src = "int a, *b, **c, *d[4] = {0}, f(void), (*g)(int);";
        let tree = parse_c(src);
        let declaration = tree.root_node().child(0).unwrap();
        let descend = Locator::Descend {
            field: "declarator".into(),
            through: ["init_declarator", "pointer_declarator", "array_declarator"]
                .map(String::from)
                .to_vec(),
        };
        let mut cursor = declaration.walk();
        let names: Vec<Option<&str>> = declaration
            .children_by_field_name("declarator", &mut cursor)
            .map(|d| descend.find(d).map(|n| &src[n.byte_range()]))
            .collect();
        // A function declarator is not gone through, and is no leaf: a
        // prototype (and a pointer to a function) names nothing.
        assert_eq!(
            names,
            [Some("a"), Some("b"), Some("c"), Some("d"), None, None]
        );
        // Through no kinds, a leaf is its own name.
        let a = declaration.child_by_field_name("declarator").unwrap();
        let own = Locator::Descend {
            field: "declarator".into(),
            through: vec![],
        };
        assert_eq!(own.find(a).map(|n| &src[n.byte_range()]), Some("a"));
    }
}

//! The facts writer: one or two sentences per symbol from its facts, with no
//! model. Deterministic, and specific rather than a template with blanks:
//! the first sentence says what the symbol is (from its doc comment when it
//! has one, else from its kind, role and signature); the second says where
//! it sits (its most central caller by name, what it relies on, whether it
//! is a hub, a leaf, an entry point or unused), with the sentence shape
//! chosen by which facts exist and varied by a stable hash of the id.

use crate::facts::{GenerateInput, SymbolFacts};
use crate::writer_text::{
    code, conjugate, constant_type, count, doc_shape, first_sentence, join_names, lower_first,
    return_type, variant, DocShape,
};
use doctown_core::{FileRole, Language, SymbolId, SymbolKind, Visibility};
use std::collections::HashMap;

/// What a symbol does in the codebase, as far as the facts tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    EntryPoint,
    Test,
    Constructor,
    TraitMethod,
    Hub,
    Leaf,
    Helper,
    /// Private, and nothing could call it unseen: no resolved callers, no
    /// unresolved call with its name, no uncertain link.
    Unused,
    /// No resolved callers, but some may exist that were not linked.
    Unlinked,
    Api,
    Other,
}

/// Writes summaries from facts; knows each symbol's centrality rank.
#[derive(Debug, Clone, Default)]
pub struct FactsWriter {
    /// Symbol id → share of symbols more central than it (0 = the most).
    rank: HashMap<SymbolId, f64>,
}

impl FactsWriter {
    pub fn new(input: &GenerateInput) -> Self {
        let mut order: Vec<&SymbolFacts> = input.symbols.iter().collect();
        order.sort_by(|a, b| {
            b.centrality
                .total_cmp(&a.centrality)
                .then_with(|| a.id.cmp(&b.id))
        });
        let n = order.len().max(1) as f64;
        let rank = order
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i as f64 / n))
            .collect();
        FactsWriter { rank }
    }

    /// The share of symbols more central than this one (1.0 when unknown).
    pub fn rank(&self, id: &SymbolId) -> f64 {
        self.rank.get(id).copied().unwrap_or(1.0)
    }

    pub fn role(&self, s: &SymbolFacts) -> Role {
        role_at(s, self.rank(&s.id))
    }

    /// Symbols a model adds little to: enum variants, impl blocks, module
    /// declarations, tests, and undocumented constants, statics and
    /// variables. With `trivial_to_facts` they keep their facts summary.
    pub fn is_trivial(&self, s: &SymbolFacts) -> bool {
        let undocumented_value = matches!(
            s.kind,
            SymbolKind::Constant | SymbolKind::Static | SymbolKind::Variable
        ) && s.doc.is_none();
        matches!(
            s.kind,
            SymbolKind::Variant | SymbolKind::Impl | SymbolKind::Module
        ) || undocumented_value
            || self.role(s) == Role::Test
    }
}

/// The centrality rank under which a symbol with callers is a hub.
const HUB_RANK: f64 = 0.05;

/// Whether a symbol of centrality rank `rank` is among the most central
/// ([`HUB_RANK`]): the only thing [`role_at`] reads of the rank, so the
/// only part of it a memoised summary depends on.
pub fn is_top_ranked(rank: f64) -> bool {
    rank < HUB_RANK
}

/// What a symbol does ([`FactsWriter::role`]), given its centrality rank:
/// the share of symbols more central than it (read only through
/// [`is_top_ranked`]).
pub fn role_at(s: &SymbolFacts, rank: f64) -> Role {
    let name = s.name.as_str();
    let lower = name.to_lowercase();
    let callable = s.is_callable();
    if callable && (lower == "main" || name == "__main__") && s.role.is_source() {
        return Role::EntryPoint;
    }
    if callable && (lower.starts_with("test_") || s.role == FileRole::Test) {
        return Role::Test;
    }
    let constructor = matches!(
        lower.as_str(),
        "new" | "default" | "create" | "__init__" | "constructor"
    ) || lower.starts_with("new_")
        || lower.starts_with("with_")
        || lower.starts_with("from_")
        || (s.language == Language::Go && name.starts_with("New") && name.len() > 3);
    if callable && constructor {
        return Role::Constructor;
    }
    if s.kind == SymbolKind::Method
        && matches!(
            s.parent_kind,
            Some(SymbolKind::Trait | SymbolKind::Interface)
        )
    {
        return Role::TraitMethod;
    }
    if s.called_by_total >= 3 && (is_top_ranked(rank) || s.centrality >= 0.5) {
        return Role::Hub;
    }
    if !callable {
        return Role::Other;
    }
    match (s.called_by_total, s.calls_total) {
        (0, _) if s.visibility == Visibility::Public => Role::Api,
        (0, _) if s.callers_may_be_unresolved => Role::Unlinked,
        (0, _) => Role::Unused,
        (_, 0) => Role::Leaf,
        (1..=2, _) if s.visibility == Visibility::Private => Role::Helper,
        _ => Role::Other,
    }
}

/// One or two sentences about a symbol once its role is known, and a third
/// on how it changed when the history says something of it
/// ([`crate::change_facts::ChangeFacts::sentence`]).
pub fn summary_with_role(s: &SymbolFacts, role: Role) -> String {
    let first = what(s, role);
    let mut text = match where_(s, role) {
        Some(second) => format!("{first} {second}"),
        None => first,
    };
    if let Some(third) = s.history.as_ref().and_then(|h| h.sentence(&s.path)) {
        text.push(' ');
        text.push_str(&third);
    }
    text
}

/// The first sentence: what the symbol is.
fn what(s: &SymbolFacts, role: Role) -> String {
    let name = code(&s.display());
    if let Some(doc) = s.doc.as_deref().and_then(first_sentence) {
        return match doc_shape(&doc) {
            DocShape::ThirdPerson if s.is_callable() => format!("{name} {}", lower_first(&doc)),
            DocShape::Imperative if s.is_callable() => format!("{name} {}", conjugate(&doc)),
            DocShape::NounPhrase => format!("{name} is {}", lower_first(&doc)),
            _ => format!(
                "{} {name} is documented as \u{201c}{doc}\u{201d}",
                capitalise(kind_phrase(s))
            ),
        };
    }
    let returns = return_type(&s.signature, s.language).map(|t| code(&t));
    let parent = s.parent.as_deref().map(code);
    match role {
        Role::EntryPoint => {
            format!("{name} is the program's entry point in {}.", code(&s.path))
        }
        Role::Test => format!("{name} is a test in {}.", code(&s.path)),
        Role::Constructor => {
            let plain = |t: String| code(t.trim_matches('`').trim_start_matches(['*', '&']));
            let made = parent
                .clone()
                .or_else(|| returns.clone().map(plain))
                .or_else(|| go_constructed(s));
            match made {
                Some(t) => format!("{name} constructs {} {t}.", article(&t)),
                None => format!("{name} is a constructor in {}.", code(&s.path)),
            }
        }
        Role::TraitMethod => {
            let owner = parent.unwrap_or_else(|| "its".into());
            let tail = returns
                .map(|t| format!(", returning {t}"))
                .unwrap_or_default();
            format!(
                "{name} is a required method of the {owner} {}{tail}.",
                kind_name(s.parent_kind)
            )
        }
        _ if s.is_callable() => what_callable(s, &name, parent, returns),
        _ if matches!(s.kind, SymbolKind::Constant | SymbolKind::Static)
            && s.language == Language::Rust =>
        {
            what_constant(s, &name)
        }
        _ => what_type(s, &name),
    }
}

/// What a function or method is: where it is declared and what it returns.
fn what_callable(
    s: &SymbolFacts,
    name: &str,
    parent: Option<String>,
    returns: Option<String>,
) -> String {
    let visibility = visibility_word(s);
    let place = match (&parent, s.kind) {
        (Some(p), SymbolKind::Method) => format!("method of {p}"),
        _ => format!("{visibility} {} in {}", kind_phrase(s), code(&s.path)),
    };
    let a = article(&place);
    match returns {
        Some(t) if variant(s.id.as_str(), 2) == 0 => {
            format!("{name} is {a} {place} that returns {t}.")
        }
        Some(t) => format!("{name}, {a} {place}, returns {t}."),
        None => format!("{name} is {a} {place}."),
    }
}

/// What a Rust constant or static is: its type and value.
fn what_constant(s: &SymbolFacts, name: &str) -> String {
    let visibility = visibility_word(s);
    let a = article(visibility);
    let kind = kind_phrase(s);
    match constant_type(&s.signature) {
        Some((ty, Some(value))) => {
            format!(
                "{name} is {a} {visibility} {} {kind} set to {} in {}.",
                code(&ty),
                code(&value),
                code(&s.path)
            )
        }
        Some((ty, None)) => format!(
            "{name} is {a} {visibility} {} {kind} in {}.",
            code(&ty),
            code(&s.path)
        ),
        None => format!("{name} is {a} {visibility} {kind} in {}.", code(&s.path)),
    }
}

/// What any other symbol is: its kind, size, file and what it implements.
fn what_type(s: &SymbolFacts, name: &str) -> String {
    let extends = match s.supertypes.as_slice() {
        [] => String::new(),
        list => format!(" implementing {}", join_names(list, 2, list.len() as u32)),
    };
    let size = if s.loc >= 40 {
        format!(" of {} lines", s.loc)
    } else {
        String::new()
    };
    let kind = kind_phrase(s);
    format!(
        "{name} is {} {kind}{size} in {}{extends}.",
        article(kind),
        code(&s.path)
    )
}

/// The second sentence: where the symbol sits, or `None` when the first
/// already says all the facts do.
fn where_(s: &SymbolFacts, role: Role) -> Option<String> {
    let callers = join_names(&s.called_by, 2, s.called_by_total);
    let (one, many) = if s.is_callable() {
        ("caller", "callers")
    } else {
        ("user", "users")
    };
    let callees = join_names(&s.calls, 3, s.calls_total);
    let top_caller = s.called_by.first().map(|c| code(c));
    let pick = variant(s.id.as_str(), 3);
    let cluster = s
        .cluster
        .as_deref()
        .map(|c| format!("the \u{201c}{c}\u{201d} cluster"));
    Some(match role {
        Role::Hub => {
            let n = count(u64::from(s.called_by_total), one, many);
            let most = top_caller
                .map(|c| format!(", {c} first among them"))
                .unwrap_or_default();
            match cluster {
                Some(k) if pick == 0 => format!("A hub of {k} with {n}{most}."),
                _ => format!("One of the most central symbols in the repository, with {n}{most}."),
            }
        }
        Role::EntryPoint | Role::Test | Role::Api | Role::Unused | Role::Unlinked
            if !s.calls.is_empty() =>
        {
            what_it_calls(role, &callees)
        }
        Role::Api => {
            "It has no resolved callers in the repository; it serves callers outside.".to_string()
        }
        Role::Unused => "Nothing in the repository calls it.".to_string(),
        Role::Unlinked => "It has no resolved callers in the repository.".to_string(),
        Role::EntryPoint | Role::Test => return cluster.map(|k| format!("It belongs to {k}.")),
        _ if s.called_by_total == 1 && !s.calls.is_empty() => {
            format!(
                "Its only caller is {}, and it relies on {callees}.",
                top_caller.unwrap_or_default()
            )
        }
        _ if s.called_by_total == 1 && !s.is_callable() => {
            format!("Only {} uses it.", top_caller.unwrap_or_default())
        }
        _ if s.called_by_total == 1 => match pick {
            0 => format!("Only {} calls it.", top_caller.unwrap_or_default()),
            _ => format!("Its only caller is {}.", top_caller.unwrap_or_default()),
        },
        _ if s.called_by_total > 1 && !s.calls.is_empty() => match pick {
            0 => format!("Called by {callers}, it relies on {callees}."),
            1 => format!(
                "{} use it; it in turn calls {callees}.",
                capitalise(&callers)
            ),
            _ => format!("It calls {callees} and is used by {callers}."),
        },
        _ if s.called_by_total > 1 => {
            let n = count(u64::from(s.called_by_total), one, many);
            let top = top_caller.unwrap_or_default();
            match (pick, role) {
                (_, Role::Leaf) => {
                    format!("A leaf of the call graph with {n}, the most central being {top}.")
                }
                (0, _) => format!("Used by {callers}."),
                _ => format!("It has {n}, the most central being {top}."),
            }
        }
        _ if !s.calls.is_empty() => format!("It relies on {callees}."),
        _ => match (&cluster, s.related.first()) {
            (Some(k), _) => format!("It belongs to {k}."),
            (None, Some(r)) => format!("It is most similar to {}.", code(r)),
            (None, None) => return None,
        },
    })
}

/// What a symbol without (resolved) callers, an entry point or a test
/// calls.
fn what_it_calls(role: Role, callees: &str) -> String {
    let lead = match role {
        Role::EntryPoint => "It hands off to",
        Role::Test => "It exercises",
        _ => "It calls",
    };
    let tail = match role {
        Role::Api => "; it has no resolved callers here and serves callers outside",
        Role::Unused => "; nothing in the repository calls it",
        Role::Unlinked => "; it has no resolved callers",
        _ => "",
    };
    format!("{lead} {callees}{tail}.")
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn article(word: &str) -> &'static str {
    let first = word
        .trim_start_matches('`')
        .chars()
        .next()
        .unwrap_or('x')
        .to_ascii_lowercase();
    if "aeiou".contains(first) {
        "an"
    } else {
        "a"
    }
}

/// `NewClient` → `` `Client` ``.
fn go_constructed(s: &SymbolFacts) -> Option<String> {
    s.name
        .strip_prefix("New")
        .filter(|t| !t.is_empty())
        .map(code)
}

fn kind_name(kind: Option<SymbolKind>) -> &'static str {
    match kind {
        Some(SymbolKind::Interface) => "interface",
        _ => "trait",
    }
}

/// The kind in words, as the language calls it.
pub fn kind_phrase(s: &SymbolFacts) -> &'static str {
    match (s.kind, s.language) {
        (SymbolKind::Function, _) => "function",
        (SymbolKind::Method, _) => "method",
        (SymbolKind::Struct, _) => "struct",
        (SymbolKind::Enum, _) => "enum",
        (SymbolKind::Variant, _) => "enum variant",
        (SymbolKind::Trait, _) => "trait",
        (SymbolKind::Impl, _) => "impl block",
        (SymbolKind::Module, Language::Python) => "module",
        (SymbolKind::Module, _) => "module",
        (SymbolKind::Constant, _) => "constant",
        (SymbolKind::Static, _) => "static",
        (SymbolKind::TypeAlias, _) => "type alias",
        (SymbolKind::Macro, _) => "macro",
        (SymbolKind::Class, _) => "class",
        (SymbolKind::Interface, _) => "interface",
        (SymbolKind::Variable, _) => "variable",
        (SymbolKind::Field, _) => "field",
    }
}

fn visibility_word(s: &SymbolFacts) -> &'static str {
    match (s.visibility, s.language) {
        (Visibility::Public, _) => "public",
        (Visibility::Restricted, _) => "crate-internal",
        (Visibility::Private, Language::Rust | Language::Go) => "private",
        (Visibility::Private, _) => "internal",
    }
}

#[cfg(test)]
mod tests {
    use super::article;

    #[test]
    fn the_article_fits_the_word_after_it() {
        assert_eq!(article("internal function in `a.py`"), "an");
        assert_eq!(article("private function"), "a");
        assert_eq!(article("public method"), "a");
        assert_eq!(article("`Option`"), "an");
        assert_eq!(article("crate-internal struct"), "a");
        assert_eq!(article("enum"), "an");
    }
}

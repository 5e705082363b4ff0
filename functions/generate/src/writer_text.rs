//! Text helpers of the facts writer: first sentences of doc comments, lists
//! with counts, plurals, return types from signatures, verb forms.

use doctown_core::Language;

/// `` `name` `` (backticks removed from inside, so nothing nests).
pub fn code(name: &str) -> String {
    format!("`{}`", name.replace('`', ""))
}

/// `n thing` / `n things`.
pub fn count(n: u64, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}

/// `a`, `a and b`, `a, b and c`; with `total` beyond the shown ones:
/// `a, b, c and 4 more`.
pub fn join_names(names: &[String], show: usize, total: u32) -> String {
    let shown: Vec<String> = names.iter().take(show.max(1)).map(|n| code(n)).collect();
    let rest = (total as usize)
        .max(names.len())
        .saturating_sub(shown.len());
    match (shown.len(), rest) {
        (0, _) => String::new(),
        (1, 0) => shown[0].clone(),
        (n, 0) => format!("{} and {}", shown[..n - 1].join(", "), shown[n - 1]),
        (_, rest) => format!("{} and {rest} more", shown.join(", ")),
    }
}

/// The first sentence of a doc comment, one line, at most ~200 characters,
/// with a final period. `None` when nothing readable is left.
pub fn first_sentence(doc: &str) -> Option<String> {
    let paragraph: Vec<&str> = doc
        .lines()
        .map(|l| l.trim().trim_start_matches(['*', '/', '#', '!']).trim())
        .skip_while(|l| l.is_empty())
        .take_while(|l| {
            !l.is_empty()
                && !l.starts_with("```")
                && !l.starts_with('@')
                && !l.starts_with(":param")
        })
        .collect();
    let text = paragraph.join(" ");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut end = text.len();
    for (i, _) in text.match_indices(". ") {
        let before = &text[..i];
        let abbreviation = ["e.g", "i.e", "etc", "vs", "cf"]
            .iter()
            .any(|a| before.ends_with(a));
        if !abbreviation && !inside_span(before) {
            end = i + 1;
            break;
        }
    }
    let mut sentence = text[..end]
        .trim()
        .trim_end_matches([':', ',', ';'])
        .to_string();
    if sentence.chars().filter(|c| c.is_alphanumeric()).count() < 3 {
        return None;
    }
    if sentence.len() > 200 {
        // At a space before byte 200, or the char boundary before it.
        let limit = (0..=200)
            .rev()
            .find(|i| sentence.is_char_boundary(*i))
            .unwrap_or(0);
        // Never inside a code span or an aside, which would stay open.
        let cut = sentence[..limit]
            .match_indices(' ')
            .map(|(i, _)| i)
            .rfind(|&i| !inside_span(&sentence[..i]))
            .unwrap_or(limit);
        sentence.truncate(cut);
        sentence = sentence.trim_end_matches([',', ';', ':', ' ']).to_string();
        sentence.push('…');
        return Some(sentence);
    }
    if !sentence.ends_with(['.', '!', '?']) {
        sentence.push('.');
    }
    Some(sentence)
}

/// Whether the end of `text` is inside a code span or a parenthesis it
/// opened.
fn inside_span(text: &str) -> bool {
    let ticks = text.matches('`').count();
    let depth = text.matches('(').count() as i64 - text.matches(')').count() as i64;
    ticks % 2 == 1 || depth > 0
}

/// Lower-cases the first letter unless the first word is an acronym or code.
pub fn lower_first(text: &str) -> String {
    let first_word = text.split_whitespace().next().unwrap_or("");
    let acronym =
        first_word.chars().filter(|c| c.is_uppercase()).count() > 1 || first_word.contains('`');
    let mut chars = text.chars();
    match chars.next() {
        Some(c) if !acronym => c.to_lowercase().chain(chars).collect(),
        _ => text.to_string(),
    }
}

const IMPERATIVES: &[&str] = &[
    "accept",
    "add",
    "advance",
    "append",
    "apply",
    "build",
    "call",
    "cancel",
    "check",
    "choose",
    "clear",
    "close",
    "collect",
    "compare",
    "compute",
    "connect",
    "consume",
    "convert",
    "copy",
    "count",
    "create",
    "decode",
    "define",
    "delete",
    "deserialize",
    "deserialise",
    "dispatch",
    "download",
    "emit",
    "encode",
    "ensure",
    "estimate",
    "execute",
    "extract",
    "fetch",
    "filter",
    "find",
    "flush",
    "format",
    "generate",
    "get",
    "group",
    "handle",
    "hash",
    "initialize",
    "initialise",
    "insert",
    "invoke",
    "join",
    "keep",
    "list",
    "load",
    "look",
    "make",
    "map",
    "mark",
    "measure",
    "merge",
    "normalize",
    "normalise",
    "open",
    "pack",
    "parse",
    "pick",
    "pop",
    "print",
    "process",
    "produce",
    "push",
    "read",
    "receive",
    "register",
    "remove",
    "render",
    "replace",
    "reset",
    "resolve",
    "retry",
    "return",
    "run",
    "save",
    "scan",
    "schedule",
    "select",
    "send",
    "serialize",
    "serialise",
    "serve",
    "set",
    "sort",
    "spawn",
    "split",
    "start",
    "stop",
    "store",
    "stream",
    "sum",
    "tell",
    "truncate",
    "try",
    "turn",
    "unpack",
    "update",
    "upload",
    "validate",
    "verify",
    "visit",
    "wait",
    "walk",
    "wrap",
    "write",
];

const THIRD_PERSON_STOP: &[&str] = &[
    "this", "is", "was", "has", "does", "its", "as", "us", "yes", "always",
];

/// How a doc sentence starts, which decides how it can be reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocShape {
    /// `Returns the…`: can follow the name directly.
    ThirdPerson,
    /// `Return the…`: can follow the name once conjugated.
    Imperative,
    /// `A piece of…`: can follow `is`.
    NounPhrase,
    /// Anything else: quoted after a colon.
    Other,
}

pub fn doc_shape(sentence: &str) -> DocShape {
    let word = sentence.split_whitespace().next().unwrap_or("");
    let lower = word.to_lowercase();
    if !word.chars().all(|c| c.is_alphabetic()) {
        return DocShape::Other;
    }
    if matches!(lower.as_str(), "a" | "an" | "the" | "one") {
        return if has_main_verb(sentence) {
            DocShape::Other
        } else {
            DocShape::NounPhrase
        };
    }
    if IMPERATIVES.contains(&lower.as_str()) {
        return DocShape::Imperative;
    }
    let stem = lower.strip_suffix("es").filter(|s| IMPERATIVES.contains(s));
    let stem = stem.or_else(|| lower.strip_suffix('s').filter(|s| IMPERATIVES.contains(s)));
    let ies = lower.strip_suffix("ies").map(|s| format!("{s}y"));
    if stem.is_some() || ies.is_some_and(|s| IMPERATIVES.contains(&s.as_str())) {
        return DocShape::ThirdPerson;
    }
    if lower.len() > 3
        && lower.ends_with('s')
        && !lower.ends_with("ss")
        && !THIRD_PERSON_STOP.contains(&lower.as_str())
    {
        return DocShape::ThirdPerson;
    }
    DocShape::Other
}

/// Verbs that make a clause finite: a sentence that has one outside a
/// relative clause says something of its own subject.
const AUXILIARIES: &[&str] = &[
    "is", "are", "was", "were", "has", "have", "had", "can", "cannot", "could", "must", "will",
    "would", "may", "might", "should", "shall", "does", "do", "did", "isn't", "aren't", "doesn't",
    "don't", "won't", "can't",
];

/// What opens a clause inside the phrase (`a reader that is bounded`,
/// `the type, if it is known`): a verb after it is the clause's, not the
/// sentence's.
const CLAUSE_OPENERS: &[&str] = &[
    "that", "which", "what", "who", "whose", "whom", "where", "when", "whether", "if", "unless",
    "because", "while", "once", "until", "since", "so", "as",
];

/// Words that start a noun phrase, and pronouns (`the most requests it
/// was answering`, `the tasks nobody has started`).
const DETERMINERS: &[&str] = &[
    "a", "an", "the", "this", "these", "those", "its", "their", "every", "each", "some", "any",
    "it", "they", "we", "you", "he", "she", "nobody", "nothing", "someone", "anyone",
];

/// Words after which a noun phrase is part of the phrase before
/// (`embedded with an earlier model`, `ids and the kinds`).
const LINKS: &[&str] = &[
    "of", "in", "on", "for", "to", "by", "from", "with", "at", "into", "onto", "over", "under",
    "about", "through", "between", "after", "before", "per", "than", "like", "without", "within",
    "across", "against", "along", "around", "behind", "beyond", "during", "off", "out", "up",
    "via", "and", "or", "but", "nor", "is", "are", "was", "were", "be",
];

/// Whether a sentence that starts like a noun phrase (`A docpack …`) has
/// a verb of its own before any clause or aside opens (`A docpack
/// embedded with an earlier model is searched with it`): then it is a
/// sentence about something else, which cannot follow `name is`. A noun
/// phrase right after a noun opens a clause too (`the user an
/// installation is linked to`), and `to have` is no finite verb.
fn has_main_verb(sentence: &str) -> bool {
    let mut previous = String::new();
    let mut read = String::new();
    for raw in sentence.split_whitespace() {
        // Code, asides and quotations are skipped: a verb in them is not
        // the sentence's.
        let skipped = inside_span(&read) || raw.starts_with(['`', '(', '\u{201c}']);
        read.push_str(raw);
        read.push(' ');
        if previous.is_empty() && read.len() == raw.len() + 1 {
            continue; // the article
        }
        if skipped {
            previous = "x".to_string();
            continue;
        }
        let word = raw
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
            .to_lowercase();
        let after_noun = !previous.is_empty()
            && !LINKS.contains(&previous.as_str())
            && !DETERMINERS.contains(&previous.as_str());
        if CLAUSE_OPENERS.contains(&word.as_str())
            || (DETERMINERS.contains(&word.as_str()) && after_noun)
        {
            return false;
        }
        if AUXILIARIES.contains(&word.as_str()) && previous != "to" {
            return true;
        }
        if raw.ends_with([',', ';', ':']) {
            return false;
        }
        previous = word;
    }
    false
}

/// `Return the x.` → `returns the x.`
pub fn conjugate(sentence: &str) -> String {
    let (word, rest) = sentence.split_once(' ').unwrap_or((sentence, ""));
    let lower = word.to_lowercase();
    let verb = if lower.ends_with(['s', 'x', 'z', 'o'])
        || lower.ends_with("sh")
        || lower.ends_with("ch")
    {
        format!("{lower}es")
    } else if lower.ends_with('y') && !lower[..lower.len() - 1].ends_with(['a', 'e', 'o', 'u']) {
        format!("{}ies", &lower[..lower.len() - 1])
    } else {
        format!("{lower}s")
    };
    if rest.is_empty() {
        verb
    } else {
        format!("{verb} {rest}")
    }
}

/// The declared return type of a function signature, when it is short and
/// says something (not `()`, `None`, `void`, `Self`).
pub fn return_type(signature: &str, language: Language) -> Option<String> {
    let mut text = signature.trim();
    if language == Language::Go {
        if let Some(rest) = text.strip_prefix("func (") {
            text = &rest[rest.find(')')? + 1..];
        }
    }
    let open = text.find('(')?;
    let mut depth = 0i32;
    let mut close = None;
    for (i, c) in text[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(open + i);
                    break;
                }
            }
            _ => {}
        }
    }
    let rest = text[close? + 1..].trim();
    let rest = rest.split(" where ").next().unwrap_or(rest);
    let ty = match language {
        Language::Rust | Language::Python => rest.strip_prefix("->")?,
        Language::TypeScript | Language::Tsx | Language::JavaScript => rest.strip_prefix(':')?,
        Language::Go | Language::Zig => rest,
        Language::Kotlin | Language::Scala => rest.strip_prefix(':')?,
        Language::Swift => rest.strip_prefix("->")?,
        // The others write the result type before the name (C, Java, C#)
        // or not at all.
        _ => return None,
    };
    let ty = ty.trim().trim_end_matches(['{', ':', ';']).trim();
    // An arrow function's signature ends in `=>`: it is not part of the type.
    let ty = ty.strip_suffix("=>").unwrap_or(ty).trim();
    let trivial = [
        "",
        "()",
        "None",
        "void",
        "Self",
        "self",
        "any",
        "unknown",
        "undefined",
    ];
    (!trivial.contains(&ty) && ty.len() <= 48).then(|| ty.to_string())
}

/// The language's proper name.
pub fn language_name(language: Language) -> &'static str {
    match language {
        Language::Rust => "Rust",
        Language::Python => "Python",
        Language::TypeScript => "TypeScript",
        Language::Tsx => "TSX",
        Language::JavaScript => "JavaScript",
        Language::Go => "Go",
        Language::Java => "Java",
        Language::C => "C",
        Language::Cpp => "C++",
        Language::CSharp => "C#",
        Language::Ruby => "Ruby",
        Language::Php => "PHP",
        Language::Kotlin => "Kotlin",
        Language::Swift => "Swift",
        Language::Scala => "Scala",
        Language::Bash => "shell",
        Language::Lua => "Lua",
        Language::Dart => "Dart",
        Language::Zig => "Zig",
        Language::Elixir => "Elixir",
        Language::Haskell => "Haskell",
        Language::OCaml => "OCaml",
        Language::ObjC => "Objective-C",
        Language::Proto => "Protocol Buffers",
        Language::Sql => "SQL",
        Language::Erlang => "Erlang",
    }
}

/// `const NAME: T = v;` → (`T`, `v` when short), for Rust constants and statics.
pub fn constant_type(signature: &str) -> Option<(String, Option<String>)> {
    let (decl, value) = match signature.split_once('=') {
        Some((d, v)) => (d, Some(v.trim().trim_end_matches(';').trim().to_string())),
        None => (signature, None),
    };
    let ty = decl
        .split_once(':')?
        .1
        .trim()
        .trim_end_matches(';')
        .trim()
        .to_string();
    let value = value.filter(|v| !v.is_empty() && v.len() <= 24 && !v.contains('\n'));
    (!ty.is_empty() && ty.len() <= 40).then_some((ty, value))
}

/// A stable small number from an id, to vary sentence shapes.
pub fn variant(id: &str, choices: u64) -> u64 {
    let sum = id
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    sum % choices.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_sentence_is_cut_at_a_char_boundary() {
        // A kernel doc comment drawing a table: byte 200 falls inside `─`.
        let doc = format!("{}┌{}┐ ends here", "a".repeat(198), "─".repeat(80));
        let sentence = first_sentence(&doc).unwrap();
        assert!(sentence.ends_with('…') && sentence.len() <= 200 + '…'.len_utf8());
        for pad in 0..4 {
            let doc = format!("{}{}", "x".repeat(pad), "─".repeat(120));
            // Too few letters to be a sentence, but never a panic.
            let _ = first_sentence(&format!("Draws {doc} boxes"));
        }
    }

    #[test]
    fn sentences_and_shapes() {
        assert_eq!(
            first_sentence("/// Reads a file. Then more.").unwrap(),
            "Reads a file."
        );
        assert_eq!(
            first_sentence("Uses e.g. caches. Second").unwrap(),
            "Uses e.g. caches."
        );
        assert_eq!(
            first_sentence("A chunk\nof source\n\nDetails").unwrap(),
            "A chunk of source."
        );
        assert_eq!(first_sentence("  \n"), None);
        // A period inside code or an aside ends no sentence, and a cut
        // never leaves a code span open.
        assert_eq!(
            first_sentence("Marks calls (or `from . import x`). Then more.").unwrap(),
            "Marks calls (or `from . import x`)."
        );
        let long = format!(
            "Reads {} and `a very long code span here`.",
            "word ".repeat(38)
        );
        let cut = first_sentence(&long).unwrap();
        assert_eq!(cut.matches('`').count() % 2, 0, "{cut}");
        assert_eq!(doc_shape("Returns the key."), DocShape::ThirdPerson);
        assert_eq!(doc_shape("Return the key."), DocShape::Imperative);
        assert_eq!(doc_shape("The key."), DocShape::NounPhrase);
        // A sentence with a subject of its own is quoted, never spliced.
        assert_eq!(
            doc_shape("A docpack embedded with an earlier default model is searched with it."),
            DocShape::Other
        );
        assert_eq!(
            doc_shape("The cache can be shared by jobs."),
            DocShape::Other
        );
        assert_eq!(
            doc_shape("An empty archive is an empty repository, not an error."),
            DocShape::Other
        );
        // A verb in a clause or an aside is the clause's.
        for phrase in [
            "A reader that is bounded by the limit.",
            "The type a name refers to, if it is unambiguous.",
            "An entry's id and kind: trees recurse, blobs are paths.",
            "The documentation of `id` (the last given, if it is listed twice).",
            "The user an installation is linked to, if any.",
            "A question the engine could not answer: one line.",
            "A GitHub source asked to have its history: a bare clone.",
            "The most requests it was answering at once.",
            "The checks every surviving job must pass: succeeded.",
            "The history analysed from what was read.",
        ] {
            assert_eq!(doc_shape(phrase), DocShape::NounPhrase, "{phrase}");
        }
        assert_eq!(doc_shape("`x` is y."), DocShape::Other);
        assert_eq!(doc_shape("This does x."), DocShape::Other);
        assert_eq!(conjugate("Fetch the source"), "fetches the source");
        assert_eq!(conjugate("Copy it"), "copies it");
        assert_eq!(conjugate("Read"), "reads");
    }

    #[test]
    fn lists_and_types() {
        let names: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        assert_eq!(join_names(&names[..1], 3, 1), "`a`");
        assert_eq!(join_names(&names[..2], 3, 2), "`a` and `b`");
        assert_eq!(join_names(&names, 3, 9), "`a`, `b`, `c` and 6 more");
        assert_eq!(count(1, "caller", "callers"), "1 caller");
        let rust = "pub fn get(&self, key: &str) -> Result<Option<Object>, StoreError>";
        assert_eq!(
            return_type(rust, Language::Rust).unwrap(),
            "Result<Option<Object>, StoreError>"
        );
        assert_eq!(return_type("fn f(x: (u8, u8))", Language::Rust), None);
        assert_eq!(
            return_type("def f(a) -> int:", Language::Python).unwrap(),
            "int"
        );
        assert_eq!(
            return_type("function f(a: A): Promise<B>", Language::TypeScript).unwrap(),
            "Promise<B>"
        );
        assert_eq!(
            return_type(
                "export const double = (x: number): number =>",
                Language::TypeScript
            )
            .unwrap(),
            "number"
        );
        assert_eq!(
            return_type("func (s *S) Get(k string) (int, error)", Language::Go).unwrap(),
            "(int, error)"
        );
    }
}

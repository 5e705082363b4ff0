//! The type a function's signature says it returns, for receivers that are
//! the value of a call (`r := NewRouter()`): `-> Store`, `-> Result<Store>`,
//! `): Promise<Store>`, `func … (*Router, error)`, `-> "Session"`.

use crate::bindings::{go_type_name, type_name};
use doctown_core::{Language, Symbol};

/// The one type `symbol` returns, by name, when its signature states it.
pub(crate) fn returned_type(symbol: &Symbol) -> Option<String> {
    let sig = symbol.signature.as_str();
    match symbol.language {
        Language::Go => go_type_name(go_result(sig)?),
        Language::Rust => type_name(unwrap_wrappers(rust_result(sig)?)),
        Language::Python => type_name(sig.rsplit_once("->")?.1.trim().trim_end_matches(':')),
        Language::TypeScript | Language::Tsx | Language::JavaScript => {
            let after = after_group(sig, sig.find('(')?)?;
            let ty = after.trim_start().strip_prefix(':')?;
            let ty = ty.split(['{', '=']).next().unwrap_or(ty).trim();
            type_name(unwrap_wrappers(ty))
        }
        _ => None,
    }
}

/// The error type `symbol`'s `Result` holds (Rust): `Result<T, E>` → `E`;
/// a crate's own one-argument alias (`Result<T>`, `ClapResult<T>`) holds
/// the crate's `Error`, by the convention such aliases follow. One written
/// with a path (`io::Result<T>`, `fmt::Result`) is another crate's: none.
pub(crate) fn returned_error_type(symbol: &Symbol) -> Option<String> {
    if symbol.language != Language::Rust {
        return None;
    }
    type_name(result_error(rust_result(&symbol.signature)?)?)
}

fn result_error(ty: &str) -> Option<&str> {
    let (name, inner) = ty.trim().split_once('<')?;
    let name = name.trim();
    let inner = inner.strip_suffix('>')?;
    if !name.rsplit("::").next()?.ends_with("Result") {
        return None;
    }
    match split_top(inner, ',').as_slice() {
        [_, error] => Some(error.trim()),
        [_] if !name.contains("::") => Some("Error"),
        _ => None,
    }
}

/// The traits a Rust signature bounds its type parameter `name` by, in
/// its generics or its `where` clause (`impl<N, VM: Clone> Dfs<N, VM>
/// where VM: VisitMap<N>` → `Clone`, `VisitMap`; `pub fn dfs<G:
/// IntoNeighbors>(g: G)` → `IntoNeighbors`).
pub(crate) fn signature_bounds<'s>(signature: &'s str, name: &str) -> Vec<&'s str> {
    let mut clauses: Vec<&str> = Vec::new();
    if let Some(generics) = generics_of(signature) {
        clauses.extend(split_top(generics, ','));
    }
    if let Some((_, clause)) = signature.split_once(" where ") {
        clauses.extend(split_top(clause, ','));
    }
    let mut bounds = Vec::new();
    for clause in clauses {
        let Some((left, right)) = clause.split_once(':') else {
            continue;
        };
        if left.trim() != name {
            continue;
        }
        for bound in split_top(right, '+') {
            let trait_name = crate::text::base_type_name(bound.trim());
            let named = crate::text::is_type_name(trait_name) && !trait_name.starts_with("Fn");
            if named && !bounds.contains(&trait_name) {
                bounds.push(trait_name);
            }
        }
    }
    bounds
}

/// The type a Rust binding's signature declares, by name (`static CELL:
/// OnceCell<usize> = …` → `OnceCell`); none for a primitive or a
/// reference to one (`&'static str`).
pub(crate) fn declared_type_name(signature: &str) -> Option<&str> {
    let (_, after) = signature.split_once(':')?;
    let ty = after.split(" = ").next().unwrap_or(after).trim();
    let name = crate::text::base_type_name(ty);
    crate::text::is_type_name(name).then_some(name)
}

/// The generic parameter list of an `impl<…>` or `fn name<…>(`.
fn generics_of(signature: &str) -> Option<&str> {
    let rest = match signature.find("impl<") {
        Some(at) if !signature[..at].contains("fn ") => &signature[at + 4..],
        _ => {
            let after = &signature[signature.find("fn ")? + 3..];
            let name_end = after.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
            &after[name_end..]
        }
    };
    let inner = rest.strip_prefix('<')?;
    let mut depth = 1i32;
    let mut prev = ' ';
    for (i, c) in inner.char_indices() {
        match c {
            '<' => depth += 1,
            '>' if prev != '-' => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            return Some(&inner[..i]);
        }
        prev = c;
    }
    None
}

/// The type of parameter `parameter` of the function that `symbol` takes
/// as its argument `argument`, when its signature writes that argument's
/// type as a function type: `operate(init: (source: Observable<T>,
/// subscriber: Subscriber<R>) => void)`, argument 0, parameter 1 →
/// `Subscriber`. TypeScript only (the other languages' signatures do not
/// state callback parameter types this way).
pub(crate) fn callback_parameter_type(
    symbol: &Symbol,
    argument: usize,
    parameter: usize,
) -> Option<String> {
    if !matches!(symbol.language, Language::TypeScript | Language::Tsx) {
        return None;
    }
    ts_callback_parameter(&symbol.signature, argument, parameter)
}

fn ts_callback_parameter(sig: &str, argument: usize, parameter: usize) -> Option<String> {
    let params = ecma_parameters(sig)?;
    let ty = parameter_type(params.get(argument)?)?;
    // `((value: T) => void) | Partial<Observer<T>>`: the function member.
    let function = split_top(ty, '|')
        .into_iter()
        .map(|t| strip_parens(t.trim()))
        .find(|t| t.starts_with('(') && t.contains("=>"))?;
    let inner = ecma_parameters(function)?;
    type_name(parameter_type(inner.get(parameter)?)?)
}

/// The parameters of the first parenthesised group of a TS/JS signature
/// outside its type parameters, split at top-level commas, without a
/// `this` parameter.
fn ecma_parameters(sig: &str) -> Option<Vec<&str>> {
    let open = first_group(sig)?;
    let after = after_group(sig, open)?;
    let inner = &sig[open + 1..sig.len() - after.len() - 1];
    Some(
        split_top(inner, ',')
            .into_iter()
            .map(str::trim)
            .filter(|p| !p.is_empty() && *p != "this" && !p.starts_with("this:"))
            .collect(),
    )
}

/// The declared type of one parameter (`name?: T = d` → `T`).
fn parameter_type(param: &str) -> Option<&str> {
    let colon = split_top(param, ':');
    let ty = colon.get(1..)?;
    let start = ty.first()?.as_ptr() as usize - param.as_ptr() as usize;
    let ty = &param[start..];
    // A default value (`= x`), not an arrow's `=>`.
    let ty = split_top(ty, '=')
        .into_iter()
        .next()
        .filter(|t| !t.trim().is_empty())?;
    Some(ty.trim())
}

/// The byte offset of the first `(` outside angle brackets.
fn first_group(s: &str) -> Option<usize> {
    let mut angle = 0usize;
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        match c {
            '<' => angle += 1,
            '>' if prev != '=' => angle = angle.saturating_sub(1),
            '(' if angle == 0 => return Some(i),
            _ => {}
        }
        prev = c;
    }
    None
}

/// `s` split at `sep` where no bracket is open (`=>` is not a bracket).
fn split_top(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start, mut prev) = (0i32, 0usize, ' ');
    let bytes = s.as_bytes();
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' | '{' | '<' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            '>' if prev != '=' => depth -= 1,
            // An arrow's `=` is not a separator.
            '=' if sep == '=' && bytes.get(i + 1) == Some(&b'>') => {}
            c if c == sep && depth == 0 => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
        prev = c;
    }
    parts.push(&s[start..]);
    parts
}

/// `((a: A) => B)` → `(a: A) => B`, when the outer parentheses enclose
/// the whole text.
fn strip_parens(t: &str) -> &str {
    match t.strip_prefix('(') {
        Some(_) if after_group(t, 0).is_some_and(|rest| rest.trim().is_empty()) => {
            strip_parens(t[1..t.len() - 1].trim())
        }
        _ => t,
    }
}

fn rust_result(sig: &str) -> Option<&str> {
    let ty = sig.rsplit_once("->")?.1;
    Some(ty.split(" where ").next().unwrap_or(ty).trim())
}

/// `Result<T, E>`, `Option<T>`, `Promise<T>` → `T` (the value a `?`,
/// `.unwrap()` or `await` gives).
fn unwrap_wrappers(ty: &str) -> &str {
    let mut ty = ty.trim();
    // `Result<T>`, `io::Result<T, E>`, a crate's own `ClapResult<T>` (an
    // alias of `Result`, by the universal convention of its name),
    // `Option<T>`, `Promise<T>`: the value is the first argument.
    while let Some((name, inner)) = ty.split_once('<') {
        let last = name.rsplit("::").next().unwrap_or(name).trim();
        let wrapper = last.ends_with("Result") || last == "Option" || last == "Promise";
        let Some(inner) = inner.strip_suffix('>').filter(|_| wrapper) else {
            break;
        };
        ty = split_top(inner, ',')[0].trim();
    }
    ty
}

/// The text after the parenthesised group that starts at `open`.
fn after_group(s: &str, open: usize) -> Option<&str> {
    let mut depth = 0usize;
    for (i, c) in s[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(&s[open + i + 1..]);
                }
            }
            _ => {}
        }
    }
    None
}

/// `func (r *R) Name(a int) (*T, error)` → `*T`.
fn go_result(sig: &str) -> Option<&str> {
    let mut rest = sig.strip_prefix("func")?.trim_start();
    if rest.starts_with('(') {
        rest = after_group(rest, 0)?.trim_start();
    }
    let params = rest.find('(')?;
    let result = after_group(rest, params)?.trim();
    let result = match result.strip_prefix('(') {
        Some(list) => list.split([',', ')']).next()?.trim(),
        None => result,
    };
    // A named result (`(r *Router, err error)`): the type is the last word.
    let result = result.rsplit(' ').next().unwrap_or(result);
    (!result.is_empty()).then_some(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_types() {
        assert_eq!(go_result("func NewRouter() *Router"), Some("*Router"));
        assert_eq!(
            go_result("func (r *Router) Get(p string) (*Route, error)"),
            Some("*Route")
        );
        assert_eq!(
            go_result("func New() (r *Router, err error)"),
            Some("*Router")
        );
        assert_eq!(go_result("func Run()"), None);
        assert_eq!(
            rust_result("pub fn open(p: &Path) -> Result<Store, Error>"),
            Some("Result<Store, Error>")
        );
        assert_eq!(unwrap_wrappers("Result<Store, Error>"), "Store");
        assert_eq!(unwrap_wrappers("Promise<User>"), "User");
        // A crate's alias of `Result`, nested arguments kept whole.
        assert_eq!(unwrap_wrappers("ClapResult<ArgMatches>"), "ArgMatches");
        assert_eq!(unwrap_wrappers("io::Result<Option<Store>>"), "Store");
        assert_eq!(
            unwrap_wrappers("Result<HashMap<K, V>, Error>"),
            "HashMap<K, V>"
        );
        assert_eq!(unwrap_wrappers("Vec<Store>"), "Vec<Store>");
        assert_eq!(after_group("f(a: (x), b): T", 1), Some(": T"));
        assert_eq!(
            result_error("Result<Store, ParseError>"),
            Some("ParseError")
        );
        assert_eq!(result_error("ClapResult<ArgMatches>"), Some("Error"));
        assert_eq!(
            result_error("Result<HashMap<K, V>, Box<Error>>"),
            Some("Box<Error>")
        );
        assert_eq!(result_error("io::Result<usize>"), None);
        assert_eq!(result_error("Option<Store>"), None);
        assert_eq!(result_error("Result<"), None);
        let sig = "impl<N, VM: Clone + Default> Dfs<N, VM> where N: Copy, VM: VisitMap<N> + Fn(u8)";
        assert_eq!(
            signature_bounds(sig, "VM"),
            ["Clone", "Default", "VisitMap"]
        );
        assert_eq!(signature_bounds(sig, "N"), ["Copy"]);
        assert!(signature_bounds(sig, "G").is_empty());
        let f = "pub(crate) fn dfs<G: IntoNeighbors + Copy, F: Fn() -> u8>(g: G) -> u8 where G: NodeIndexable";
        assert_eq!(
            signature_bounds(f, "G"),
            ["IntoNeighbors", "Copy", "NodeIndexable"]
        );
        assert!(signature_bounds(f, "F").is_empty());
        assert!(signature_bounds("fn plain(g: G)", "G").is_empty());
        for odd in [
            "impl<",
            "fn <",
            "fn f<<",
            "",
            "impl Foo for Bar",
            "fn é<T: A>()",
        ] {
            let _ = signature_bounds(odd, "T");
        }
    }

    proptest::proptest! {
        /// The readers of signature text take any text: cut signatures
        /// (capped at 300 characters), odd brackets, any characters.
        #[test]
        fn signature_readers_take_any_text(sig in "\\PC{0,80}", name in "[A-Za-z]{1,3}") {
            let _ = signature_bounds(&sig, &name);
            let _ = generics_of(&sig);
            let _ = result_error(&sig);
            let _ = declared_type_name(&sig);
            let _ = crate::resolve_index::alias_target(&sig);
            let _ = type_name(&sig);
            let _ = unwrap_wrappers(&sig);
        }

        #[test]
        fn bracketed_signatures(parts in proptest::collection::vec("[<>(),:= +A-Za-z'&-]{0,6}", 0..12)) {
            let sig = format!("impl<{}", parts.concat());
            let _ = signature_bounds(&sig, "A");
            let sig = format!("pub fn f<{}", parts.concat());
            let _ = signature_bounds(&sig, "A");
            let _ = crate::resolve_index::alias_target(&format!("type A = {}", parts.concat()));
        }
    }

    #[test]
    fn declared_types() {
        assert_eq!(
            declared_type_name("static CELL: OnceCell<usize> = …"),
            Some("OnceCell")
        );
        assert_eq!(declared_type_name("const N: usize = 3"), None);
        assert_eq!(declared_type_name("static S: &'static str = \"x\""), None);
        assert_eq!(declared_type_name("static X"), None);
    }

    #[test]
    fn callback_parameter_types() {
        let operate = "export function operate<T, R>(init: (liftedSource: Observable<T>, \
             subscriber: Subscriber<R>) => (() => void) | void): OperatorFunction<T, R>";
        assert_eq!(
            ts_callback_parameter(operate, 0, 0).as_deref(),
            Some("Observable")
        );
        assert_eq!(
            ts_callback_parameter(operate, 0, 1).as_deref(),
            Some("Subscriber")
        );
        assert_eq!(ts_callback_parameter(operate, 0, 2), None);
        assert_eq!(ts_callback_parameter(operate, 1, 0), None);
        let ctor = "constructor(subscribe?: (this: Observable<T>, subscriber: Subscriber<T>) \
             => TeardownLogic)";
        assert_eq!(
            ts_callback_parameter(ctor, 0, 0).as_deref(),
            Some("Subscriber")
        );
        let union = "subscribe(next: Partial<Observer<T>> | ((value: Store) => void) = null)";
        assert_eq!(ts_callback_parameter(union, 0, 0).as_deref(), Some("Store"));
        let generic = "function map<T, F extends (x: T) => T>(f: (item: Item, i: number) => T)";
        assert_eq!(
            ts_callback_parameter(generic, 0, 0).as_deref(),
            Some("Item")
        );
        assert_eq!(ts_callback_parameter(generic, 0, 1), None);
        let named = "function on(handler: Handler)";
        assert_eq!(ts_callback_parameter(named, 0, 0), None);
        // Cut or odd signatures (a signature is capped at 300 characters).
        for odd in [
            "",
            "(",
            ")",
            "f((",
            "f(a: (",
            "f(a:)",
            "f(a: (b: ) =>",
            "f(=>)",
            "f(a: é(ü: Ö) => x)",
            "f<(a: A) => B>(",
            "f(a: (b: B, ",
            ">>>(a: (b: B) => c)",
        ] {
            for (a, b) in [(0, 0), (0, 1), (1, 0)] {
                let _ = ts_callback_parameter(odd, a, b);
            }
        }
        assert_eq!(
            ts_callback_parameter("f(a: é(ü: Ö) => x)", 0, 0),
            None,
            "not a function type"
        );
    }
}

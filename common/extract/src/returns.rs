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
    for w in [
        "Result<",
        "io::Result<",
        "anyhow::Result<",
        "Option<",
        "Promise<",
    ] {
        if let Some(inner) = ty.strip_prefix(w) {
            let inner = inner.strip_suffix('>').unwrap_or(inner);
            ty = inner.split(',').next().unwrap_or(inner).trim();
        }
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
        assert_eq!(after_group("f(a: (x), b): T", 1), Some(": T"));
    }
}

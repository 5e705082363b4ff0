//! The small rules of call resolution: which names are too common to
//! resolve by name alone, which symbol kinds a call can target, uniqueness.

use crate::resolve_index::Family;
use doctown_core::{CallKind, SymbolKind};

/// Method names too common (standard-library and builtin methods) to
/// resolve by name alone on an arbitrary receiver; compared ignoring ASCII case.
pub(crate) const COMMON_METHODS: &[&str] = &[
    "new",
    "get",
    "set",
    "len",
    "push",
    "pop",
    "clone",
    "to_string",
    "tostring",
    "from",
    "into",
    "default",
    "fmt",
    "append",
    "join",
    "format",
    "map",
    "filter",
    "insert",
    "remove",
    "contains",
    "iter",
    "next",
    "unwrap",
    "expect",
    "update",
    "add",
    "write",
    "read",
    "close",
    "open",
    "run",
    "call",
    "apply",
    "bind",
    "then",
    "catch",
    "keys",
    "values",
    "items",
    "string",
    "error",
    "equals",
    "hash",
    "lock",
    "send",
    "wait",
    "delete",
    "log",
    "foreach",
    "split",
    "trim",
    "replace",
    "some",
    "every",
    "find",
    "reduce",
    "slice",
    "splice",
    "concat",
    "indexof",
    "includes",
    "startswith",
    "endswith",
    "strip",
    "encode",
    "decode",
    "copy",
    "extend",
    "sort",
    "reverse",
    "count",
    "index",
    "is_empty",
    "as_str",
    "as_ref",
    "collect",
    "ok",
    "err",
    "lower",
    "upper",
    "flush",
    "emit",
    "clear",
    "size",
    "has",
    "parse",
    "print",
    "println",
    "init",
    "start",
    "stop",
    "do",
    "exec",
    "test",
    "match",
];

pub(crate) fn is_common(name: &str) -> bool {
    COMMON_METHODS.iter().any(|c| c.eq_ignore_ascii_case(name))
}

/// The Rust standard library's method names (`scripts/rust-std-methods.py`
/// reads them from the toolchain's sources).
const RUST_STD_METHODS: &str = include_str!("../data/rust_std_methods.txt");

/// Whether a standard-library type or trait has a method of this name.
pub(crate) fn is_rust_std_method(name: &str) -> bool {
    static NAMES: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    NAMES
        .get_or_init(|| RUST_STD_METHODS.lines().collect())
        .contains(name)
}

/// The only element, if there is exactly one.
pub(crate) fn unique(mut it: impl Iterator<Item = usize>) -> Option<usize> {
    let first = it.next()?;
    it.all(|x| x == first).then_some(first)
}

pub(crate) fn is_definition(kind: SymbolKind, call: CallKind, family: Family) -> bool {
    match call {
        CallKind::Macro => kind == SymbolKind::Macro,
        CallKind::Constructor => {
            matches!(kind, SymbolKind::Class | SymbolKind::Struct)
                || (kind == SymbolKind::Function && matches!(family, Family::Ecma | Family::Python))
        }
        _ => {
            matches!(
                kind,
                SymbolKind::Function | SymbolKind::Class | SymbolKind::Struct
            ) || (kind == SymbolKind::Method && implicit_receiver(family))
                // C: a call of a function-like macro is a call of the macro.
                || (kind == SymbolKind::Macro && family == Family::C)
        }
    }
}

/// Languages where a method calls its siblings by bare name (`this.` or
/// `self.` implied): Java, Kotlin, Scala, C++, C#, Ruby, Swift, Dart.
fn implicit_receiver(family: Family) -> bool {
    use doctown_core::Language as L;
    match family {
        Family::Jvm | Family::C => true,
        Family::Other(l) => matches!(l, L::CSharp | L::Ruby | L::Swift | L::Dart),
        _ => false,
    }
}

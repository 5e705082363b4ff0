//! Declarations that universal-ctags finds on third-party code and a
//! language's query once missed (#62): each test is a trap written the way
//! that code writes it, and names what must come out — `kind name` (the
//! symbol's own name, as ctags names it) per declaration.

mod common;

use doctown_core::{Language, SymbolKind};

/// `kind name L<line>` of every symbol extracted from one file.
fn declared(path: &str, language: Language, source: &str) -> Vec<String> {
    let extractions = common::extract_all(&[(path, language, source)]);
    extractions[0]
        .symbols
        .iter()
        .map(|s| {
            let kind = format!("{:?}", s.kind).to_lowercase();
            format!("{kind} {} L{}", s.name, s.span.start.line)
        })
        .collect()
}

/// Fails naming each of `wanted` that `got` lacks.
fn assert_declares(got: &[String], wanted: &[&str]) {
    let missing: Vec<&&str> = wanted
        .iter()
        .filter(|w| !got.iter().any(|g| g == *w))
        .collect();
    assert!(missing.is_empty(), "missing {missing:?} in {got:#?}");
}

#[test]
fn objective_c_methods_are_named_by_their_whole_selector() {
    let source = "@interface Store : NSObject\n\
                  - (void)insert:(id)item at:(NSUInteger)index;\n\
                  - (void)insert:(id)item;\n\
                  - (NSUInteger)count;\n\
                  + (instancetype)storeWith:(id)a :(id)b;\n\
                  @end\n\
                  @implementation Store\n\
                  - (void)insert:(id)item at:(NSUInteger)index {\n  [self insert:item];\n}\n\
                  - (void)insert:(id)item {\n  [self insert:item at:[self count]];\n}\n\
                  @end\n";
    let got = declared("Store.m", Language::ObjC, source);
    assert_declares(
        &got,
        &[
            "method insert:at: L2",
            "method insert: L3",
            "method count L4",
            "method storeWith:: L5",
            "method insert:at: L8",
            "method insert: L11",
        ],
    );
    // `insert:` and `insert:at:` are two methods: each send resolves to
    // the one its selector names.
    let extraction = &common::extract_all(&[("Store.m", Language::ObjC, source)])[0];
    let calls: Vec<(String, u32, String)> = extraction
        .symbols
        .iter()
        .filter(|s| s.kind == SymbolKind::Method)
        .flat_map(|s| {
            s.calls
                .iter()
                .map(move |c| (s.name.to_string(), c.line, c.name.to_string()))
        })
        .collect();
    assert!(
        calls.contains(&("insert:at:".into(), 9, "insert:".into())),
        "{calls:?}"
    );
    assert!(
        calls.contains(&("insert:".into(), 12, "insert:at:".into())),
        "{calls:?}"
    );
}

#[test]
fn erlang_modules_functions_records_types_and_macros_are_declarations() {
    let source = "-module(shapes).\n\
                  -export([area/1]).\n\
                  -define(PI, 3.14159).\n\
                  -record(point, {x = 0, y = 0}).\n\
                  -type shape() :: {circle, number()}.\n\
                  -opaque cache() :: map().\n\
                  %% The area of a shape.\n\
                  -spec area(shape()) -> number().\n\
                  area({circle, R}) -> ?PI * R * R;\n\
                  area({square, S}) -> S * S.\n\
                  scale(S, K) -> lists:map(fun(X) -> X * K end, area(S)).\n";
    let got = declared("shapes.erl", Language::Erlang, source);
    assert_declares(
        &got,
        &[
            "module shapes L1",
            "macro PI L3",
            "struct point L4",
            "field x L4",
            "typealias shape L5",
            "typealias cache L6",
            "function area L8",
            "function scale L11",
        ],
    );
    // The spec and both clauses are one function; the types its spec
    // names are no calls, `lists:map` is a call on `lists`.
    let extraction = &common::extract_all(&[("shapes.erl", Language::Erlang, source)])[0];
    let area: Vec<_> = extraction
        .symbols
        .iter()
        .filter(|s| s.name == "area")
        .collect();
    assert_eq!(area.len(), 1);
    assert_eq!(area[0].span.end.line, 10);
    assert!(area[0].calls.is_empty(), "{:?}", area[0].calls);
    let scale = extraction
        .symbols
        .iter()
        .find(|s| s.name == "scale")
        .unwrap();
    let callees: Vec<&str> = scale.calls.iter().map(|c| &*c.callee).collect();
    assert_eq!(callees, ["lists.map", "area"]);
}

#[test]
fn ocaml_operators_and_parenthesised_aliases_are_declarations() {
    let source = "let ( ++ ) a b = a @ b\n\
                  let (^^) f g = fun x -> f (g x)\n\
                  let rec even n = n = 0 || odd (n - 1)\n\
                  and odd n = n <> 0 && even (n - 1)\n\
                  type anon_fun = (string -> unit)\n\
                  type t = A | B\n\
                  and key = string\n\
                  module Ops = struct\n  let ( >>= ) m f = f m\nend\n\
                  module type S = sig\n  val ( @@ ) : int -> int\nend\n\
                  external ( = ) : 'a -> 'a -> bool = \"%equal\"\n";
    let got = declared("ops.ml", Language::OCaml, source);
    assert_declares(
        &got,
        &[
            "function ++ L1",
            "function ^^ L2",
            "function even L3",
            "function odd L4",
            "typealias anon_fun L5",
            "typealias key L7",
            "module Ops L8",
            "function >>= L9",
            "method @@ L12",
            "function = L14",
        ],
    );
}

#[test]
fn haskell_operators_and_signatures_of_several_names_are_declarations() {
    let source = "module Data.Ops where\n\
                  (+++) :: [a] -> [a] -> [a]\n\
                  xs +++ ys = xs ++ ys\n\
                  (<+>) :: Int -> Int -> Int\n\
                  (<+>) x y = x + y\n\
                  approx :: Double -> Double -> Bool\n\
                  x `approx` y = abs (x - y) < 1e-9\n\
                  readChar, peekChar :: IO Char\n\
                  readChar = getChar\n\
                  peekChar = getChar\n";
    let got = declared("Ops.hs", Language::Haskell, source);
    assert_declares(
        &got,
        &[
            "function +++ L2",
            "function <+> L4",
            "function approx L6",
            "function readChar L8",
            "function peekChar L8",
        ],
    );
    // Each name is one function: its signature and its equations.
    for name in ["readChar", "peekChar", "+++", "<+>", "approx"] {
        let n = got
            .iter()
            .filter(|g| g.contains(&format!(" {name} ")))
            .count();
        assert_eq!(n, 1, "{name}: {got:#?}");
    }
}

#[test]
fn c_variables_that_hold_function_pointers_are_declarations() {
    let source = "void (*pm_power_off)(void);\n\
                  static int (*handlers[4])(int);\n\
                  int (*pick)(int) = choose;\n\
                  int prototype(int);\n\
                  void f(void) { void (*local)(void) = 0; }\n";
    let got = declared("power.c", Language::C, source);
    assert_declares(
        &got,
        &[
            "variable pm_power_off L1",
            "variable handlers L2",
            "variable pick L3",
        ],
    );
    // A prototype declares no variable, and a function's locals are none.
    assert!(
        !got.iter()
            .any(|g| g.contains(" prototype ") || g.contains(" local ")),
        "{got:#?}"
    );
}

#[test]
fn bash_functions_declared_inside_conditionals_and_blocks_are_declarations() {
    let source = "if [ -n \"$X\" ]; then\n\
                  \x20 function cond_fn {\n    echo hi\n  }\n\
                  else\n\
                  \x20 function other_fn() { echo; }\n\
                  fi\n\
                  [ -z \"$Y\" ] && function and_fn { :; }\n\
                  { function braced_fn { :; }; }\n\
                  case $1 in\n  a) function case_fn { :; } ;;\nesac\n\
                  command -v git >/dev/null || function git-fallback { :; }\n\
                  if true; then function inline_fn { :; }; fi\n\
                  function ns::helper { :; }\n\
                  function dotted.name() { :; }\n";
    let got = declared("lib.sh", Language::Bash, source);
    assert_declares(
        &got,
        &[
            "function cond_fn L2",
            "function other_fn L6",
            "function and_fn L8",
            "function braced_fn L9",
            "function case_fn L11",
            "function git-fallback L13",
            "function inline_fn L14",
            "function ns::helper L15",
            "function dotted.name L16",
        ],
    );
}

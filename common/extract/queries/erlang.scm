; Erlang (.erl, .hrl; tree-sitter-erlang): the module, functions (their
; `-spec` and clauses one symbol), records and their fields, types,
; macros, `-callback`s, includes and imports, calls.
; Captures: queries/README.md.
;
; A function is named as ctags and `-export` lists name it without its
; arity (`area`); `area/1` and `area/2` written one after the other are
; one symbol, as clauses are (`merge_clauses`).

; --- The module: `-module(shapes).`
(module_attribute name: (atom) @name) @definition.module

; --- Imports: `-include("x.hrl").`, `-include_lib("app/include/x.hrl").`,
; `-import(lists, [map/2]).`
(pp_include file: (_) @import.module) @import
(pp_include_lib file: (_) @import.module) @import
(import_attribute module: (atom) @import.module (fa fun: (atom) @import.name)?) @import

; --- Functions: a `-spec` and the clauses after it are one symbol (the
; spec first, with the comment above it as its doc).
(spec fun: (atom) @name) @definition.function
(fun_decl clause: (function_clause name: (atom) @name body: (_) @body)) @definition.function

; `-callback init(Args) -> …`: what a behaviour's module must define.
(callback fun: (atom) @name) @definition.function

; --- Records, types, macros.
(record_decl name: (atom) @name) @definition.record
(record_decl (record_field name: (atom) @name) @definition.field)

(type_alias name: (type_name name: (atom) @name)) @definition.type
(opaque name: (type_name name: (atom) @name)) @definition.type
(nominal name: (type_name name: (atom) @name)) @definition.type

(pp_define lhs: (macro_lhs name: (_) @name)) @definition.macro

; --- Calls: `area(S)`, `lists:map(F, L)` (on the module `lists`).
(call expr: (atom) @name) @reference.call
(remote
  module: (remote_module module: (atom) @receiver)
  fun: (call expr: (atom) @name)) @reference.call

(comment) @comment

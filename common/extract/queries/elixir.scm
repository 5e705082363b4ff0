; Elixir: modules, protocols and their implementations, functions, macros
; and guards (`def`/`defp` captured as @modifiers: the spec reads `defp`,
; `defmacrop` as private), structs, `@type`s, `@doc`/`@moduledoc`,
; alias/import/use/require, calls. Captures: queries/README.md.
;
; Everything in Elixir is a `call`; the identifier it calls says what it
; is. A definition with a `@doc`/`@moduledoc` is matched twice, by the
; pattern with @doc and by its plainer twin; the engine keeps the match it
; sees first, so each plain twin ends on a later node than its @doc twin
; (the module's closing `end`).

; --- Modules, protocols, implementations.

; `@moduledoc "…"` anywhere at the module's top level is its doc.
(call
  target: (identifier) @_kw
  (arguments . (alias) @name)
  (do_block
    (unary_operator
      operand: (call
        target: (identifier) @_attr
        (arguments . [(string) (sigil)] @doc))))
  (#eq? @_attr "moduledoc")
  (#eq? @_kw "defmodule")) @definition.module

(call
  target: (identifier) @_kw
  (arguments . (alias) @name)
  (do_block
    (unary_operator
      operand: (call
        target: (identifier) @_attr
        (arguments . [(string) (sigil)] @doc))))
  (#eq? @_attr "moduledoc")
  (#eq? @_kw "defprotocol")) @definition.protocol

(call
  target: (identifier) @_kw
  (arguments . (alias) @name)
  (do_block "end" @_end)
  (#eq? @_kw "defmodule")) @definition.module

(call
  target: (identifier) @_kw
  (arguments . (alias) @name)
  (do_block "end" @_end)
  (#eq? @_kw "defprotocol")) @definition.protocol

; `defimpl Proto, for: Type` is named by the type it implements the
; protocol for (its functions are that type's); the protocol is its base.
; Without `for:` (inside the type's own module) it is named by the protocol.
(call
  target: (identifier) @_kw
  (arguments
    .
    (alias) @base
    (keywords
      (pair
        key: (keyword) @_for
        value: (_) @name @target)))
  (#eq? @_kw "defimpl")
  (#match? @_for "^for:")) @definition.impl

(call
  target: (identifier) @_kw
  (arguments . (alias) @name @base .)
  (#eq? @_kw "defimpl")) @definition.impl

; --- Functions, macros, guards.
;
; The head is `name(args)`, `name(args) when guard`, or a bare `name`. The
; body is the `do … end` block or the `, do: expr` keywords.

; With a `@doc` right before (other attributes such as `@spec` and `@impl`
; may stand between).
((unary_operator
   operand: (call
     target: (identifier) @_attr
     (arguments . [(string) (sigil)] @doc)))
 .
 (unary_operator)*
 .
 (call
   target: (identifier) @modifiers
   (arguments
     .
     [
       (call target: (identifier) @name)
       (identifier) @name
       (binary_operator
         left: [(call target: (identifier) @name) (identifier) @name]
         operator: "when")
     ]
     (keywords)? @body)
   (do_block)? @body) @definition.function
 (#eq? @_attr "doc")
 (#any-of? @modifiers "def" "defp" "defdelegate" "defguard" "defguardp"))

((unary_operator
   operand: (call
     target: (identifier) @_attr
     (arguments . [(string) (sigil)] @doc)))
 .
 (unary_operator)*
 .
 (call
   target: (identifier) @modifiers
   (arguments
     .
     [
       (call target: (identifier) @name)
       (identifier) @name
       (binary_operator left: (call target: (identifier) @name) operator: "when")
     ]
     (keywords)? @body)
   (do_block)? @body) @definition.macro
 (#eq? @_attr "doc")
 (#any-of? @modifiers "defmacro" "defmacrop"))

(call
  target: (identifier) @modifiers
  (arguments
    .
    [
      (call target: (identifier) @name)
      (identifier) @name
      (binary_operator
        left: [(call target: (identifier) @name) (identifier) @name]
        operator: "when")
    ]
    (keywords)? @body)
  (do_block)? @body
  (#any-of? @modifiers "def" "defp" "defdelegate" "defguard" "defguardp")) @definition.function

(call
  target: (identifier) @modifiers
  (arguments
    .
    [
      (call target: (identifier) @name)
      (identifier) @name
      (binary_operator left: (call target: (identifier) @name) operator: "when")
    ]
    (keywords)? @body)
  (do_block)? @body
  (#any-of? @modifiers "defmacro" "defmacrop")) @definition.macro

; --- Structs and types.

; `defstruct` defines the enclosing module's struct (`%Module{}`). A query
; can only name a symbol by a node's text, so it is named `defstruct`, a
; member of its module; the fields are in its signature.
(call
  target: (identifier) @name
  (#any-of? @name "defstruct" "defexception")) @definition.struct

; `@type t :: …`, `@typep`, `@opaque`.
(unary_operator
  operand: (call
    target: (identifier) @_attr
    (arguments
      (binary_operator
        left: [(identifier) @name (call target: (identifier) @name)]
        operator: "::")))
  (#any-of? @_attr "type" "typep" "opaque")) @definition.type

; --- Imports: `alias A.B`, `alias A.B, as: C`, `alias A.{B, C}`,
; `import A, only: [f: 1]`, `use A`, `require A` (the `only:` names are
; keywords whose text keeps its colon, so they are left out).

(call
  target: (identifier) @_kw
  (arguments
    .
    (alias) @import.module
    .
    (keywords
      (pair
        key: (keyword) @_as
        value: (alias) @import.alias)))
  (#eq? @_kw "alias")
  (#match? @_as "^as:")) @import

(call
  target: (identifier) @_kw
  (arguments . (alias) @import.module .)
  (#eq? @_kw "alias")) @import

(call
  target: (identifier) @_kw
  (arguments . (alias) @import.module)
  (#any-of? @_kw "use" "require" "import")) @import

(call
  target: (identifier) @_kw
  (arguments
    (dot
      left: (alias) @import.module
      right: (tuple ((alias) @import.name (",")?)+)))
  (#eq? @_kw "alias")) @import

; --- Calls.

; `Mod.fun(…)`, `:erlang_mod.fun(…)`, `var.fun(…)`; without arguments
; `map.key` is a field access.
(call
  target: (dot
    left: (_) @receiver
    right: (identifier) @name)
  (arguments)) @reference.call

; `x |> fun` (a pipe into a bare function name).
(binary_operator
  operator: "|>"
  right: (identifier) @name) @reference.call

; Local calls `fun(…)`. A function's own head (`def check(key)`) is a call
; too, so local calls are matched only where a head cannot be: not as an
; argument of `def`/`defp`/… and not left of a `when`. Special forms and
; definition keywords are not calls.
(call
  target: (identifier) @_outer
  (arguments
    (call target: (identifier) @name) @reference.call)
  (#not-any-of? @_outer
    "def" "defp" "defmacro" "defmacrop" "defguard" "defguardp" "defdelegate"
    "defn" "defnp")
  (#not-any-of? @name
    "def" "defp" "defmacro" "defmacrop" "defguard" "defguardp" "defdelegate"
    "defmodule" "defprotocol" "defimpl" "defstruct" "defexception"
    "defoverridable" "alias" "import" "require" "use" "case" "cond" "if"
    "unless" "for" "with" "try" "receive" "quote" "unquote" "unquote_splicing"
    "raise" "reraise" "throw" "super" "fn"))

(call
  target: (dot)
  (arguments
    (call target: (identifier) @name) @reference.call)
  (#not-any-of? @name
    "case" "cond" "if" "unless" "for" "with" "try" "receive" "quote" "unquote"
    "unquote_splicing" "raise" "reraise" "throw" "super"))

(binary_operator
  left: (call target: (identifier) @name) @reference.call
  operator: _ @_op
  (#not-eq? @_op "when")
  (#not-any-of? @name
    "case" "cond" "if" "unless" "for" "with" "try" "receive" "quote" "unquote"
    "unquote_splicing" "raise" "reraise" "throw" "super"))

([
  (do_block (call target: (identifier) @name) @reference.call)
  (else_block (call target: (identifier) @name) @reference.call)
  (rescue_block (call target: (identifier) @name) @reference.call)
  (after_block (call target: (identifier) @name) @reference.call)
  (body (call target: (identifier) @name) @reference.call)
  (block (call target: (identifier) @name) @reference.call)
  (binary_operator right: (call target: (identifier) @name) @reference.call)
  (list (call target: (identifier) @name) @reference.call)
  (tuple (call target: (identifier) @name) @reference.call)
  (map_content (call target: (identifier) @name) @reference.call)
  (pair value: (call target: (identifier) @name) @reference.call)
  (interpolation (call target: (identifier) @name) @reference.call)
  (dot left: (call target: (identifier) @name) @reference.call)
  (access_call target: (call target: (identifier) @name) @reference.call)
 ]
 (#not-any-of? @name
   "def" "defp" "defmacro" "defmacrop" "defguard" "defguardp" "defdelegate"
   "defmodule" "defprotocol" "defimpl" "defstruct" "defexception"
   "defoverridable" "alias" "import" "require" "use" "case" "cond" "if"
   "unless" "for" "with" "try" "receive" "quote" "unquote" "unquote_splicing"
   "raise" "reraise" "throw" "super"))

(comment) @comment

; Haskell: the module name (the file's prefix), data types and their
; constructors and record fields, newtypes, type synonyms, type classes and
; their methods, instances, top-level functions, imports, calls.
; Captures: queries/README.md.
;
; A function is one symbol however many equations it has: its type
; signature and its equations, joined by the engine (`merge_clauses`).

; `module Data.Queue (…) where` qualifies every name in the file. It is no
; symbol of its own (as Java's `package`).
(header module: (module) @package)

; --- Imports: `import A.B`, `import qualified A.B as C`, `import A (x, y)`.

(import
  module: (module) @import.module
  alias: (module)? @import.alias
  !names) @import

(import
  module: (module) @import.module
  alias: (module)? @import.alias
  names: (import_list ((import_name) @import.name ","?)*)
  (#not-match? @import "[)]\\s+hiding\\s|\\shiding\\s*[(]")) @import

; `import Prelude hiding (length)` names what it does not import.
(import
  module: (module) @import.module
  alias: (module)? @import.alias
  names: (import_list)
  (#match? @import "\\shiding\\s*[(]")) @import

; --- Types.

; A data type with one constructor is a struct, with several an enum; the
; constructors are variants, record fields are fields.
(data_type
  name: (name) @name
  constructors: (data_constructors . (data_constructor) .)) @definition.struct

(data_type
  name: (name) @name
  constructors: (data_constructors (data_constructor) (data_constructor))) @definition.enum

(data_type
  name: (name) @name
  !constructors) @definition.struct

(data_type
  name: (name) @name
  constructors: (gadt_constructors)) @definition.enum

(data_constructor constructor: (prefix name: (constructor) @name)) @definition.variant
(data_constructor constructor: (record name: (constructor) @name)) @definition.variant
(data_constructor constructor: (infix operator: (constructor_operator) @name)) @definition.variant
(gadt_constructor name: (constructor) @name) @definition.variant

(field name: (field_name (variable) @name)) @definition.field

(newtype name: (name) @name) @definition.struct
(newtype_constructor name: (constructor) @name) @definition.variant

(type_synonym name: (name) @name) @definition.type_alias
(type_family name: (name) @name) @definition.type_alias
(data_family name: (name) @name) @definition.type_alias

; --- Classes and instances.

; The signature is the first line (a haddock may stand between `where` and
; the declarations).
(class name: (name) @name) @definition.trait

; Class methods are their signatures (default equations are not symbols).
(class_declarations
  (signature name: (variable) @name) @definition.function)

; `instance Show (Queue a)` is named by the type (`Queue`; its methods are
; that type's), the class is its base.
(instance
  name: [(name) (qualified)] @base
  patterns: (type_patterns
    [
      (name) @name @target
      (parens type: (apply constructor: (name) @name @target))
      (apply constructor: (name) @name @target)
      (list) @name @target
    ])
  declarations: (instance_declarations)? @body) @definition.impl

; --- Functions.

; A function is its type signature and every equation: one definition
; each, which the engine joins into one symbol (`merge_clauses`) — the
; signature (with the haddock above it) first, the symbol spanning to the
; last equation, so the calls of every equation are the function's.
(declarations
  [
    (signature name: (variable) @name)
    (function name: (variable) @name)
    (bind name: (variable) @name)
  ] @definition.function)

; Operators: `(+++) :: …`, `a +++ b = …`, `(<+>) x y = …`, and a function
; defined infix (``x `approx` y = …``), named by the operator (`+++`).
(declarations
  [
    (signature name: (prefix_id [(operator) (constructor_operator)] @name))
    (function name: (prefix_id [(operator) (constructor_operator)] @name))
    (function (infix operator: [(operator) (constructor_operator)] @name))
    (function (infix operator: (infix_id (variable) @name)))
  ] @definition.function)

; `readChar, peekChar :: Interact -> …`: one signature, a function each
; (each joined with its equations).
(declarations
  (signature
    names: (binding_list name: (variable) @name @declarator)) @definition.function)

; Instance methods.
(instance_declarations
  [
    (function name: (variable) @name)
    (bind name: (variable) @name)
  ] @definition.function)

; `foreign import ccall "sin" c_sin :: Double -> Double`
(foreign_import signature: (signature name: (variable) @name)) @definition.function

; Hugs' `primitive primIntToChar :: Int -> Char` declares a function the
; interpreter provides (its libraries, like a `foreign import`); the
; grammar reads it as a signature whose pattern applies `primitive`.
(signature
  pattern: (apply
    function: (variable) @_primitive
    argument: (variable) @name)
  (#eq? @_primitive "primitive")) @definition.function

; `primitive newSTRef "newRef" :: a -> ST s (STRef s a)`: under another name.
(signature
  pattern: (apply
    function: (apply
      function: (variable) @_primitive
      argument: (variable) @name)
    argument: (literal (string)))
  (#eq? @_primitive "primitive")) @definition.function

; Where a run of them does not parse, the grammar's recovery keeps
; `primitive name` as an application at the top of the error.
(ERROR
  (apply
    function: (variable) @_primitive
    argument: (variable) @name) @definition.function
  (#eq? @_primitive "primitive"))

(ERROR
  (apply
    function: (apply
      function: (variable) @_primitive
      argument: (variable) @name)
    argument: (literal (string))) @definition.function
  (#eq? @_primitive "primitive"))

; --- Calls: an application whose head is a (possibly qualified) variable.

(apply function: (variable) @name) @reference.call
(apply function: (qualified module: (module) @receiver id: (variable) @name)) @reference.call

(comment) @comment
(haddock) @comment

; Scala 2 and 3 (tree-sitter-scala): classes and case classes, traits,
; objects, Scala 3 enums and their cases, extensions, methods, vals and
; vars, type aliases, calls, `new`, imports, package. Captures:
; queries/README.md.
;
; A list of siblings separated by anonymous tokens (`a.b.c`, `A with B`)
; is spelled `first ("." next)*`: `(x)+` does not repeat across them.

(package_clause name: (package_identifier) @package)

; `import a.b.C`, `import a.b.{C, D}`, `import a.b._`: every path segment
; is a separate node, so the module is several @import.module captures
; (the engine reads the first: see the report/README).
(import_declaration
  path: (_) @import.module
  ("." path: (_) @import.module)*
  (namespace_selectors (identifier) @import.name ("," (identifier) @import.name)*)?) @import

; --- Types.
(class_definition
  (modifiers)? @modifiers
  name: (identifier) @name
  extend: (extends_clause type: (_) @base (["with" ","] type: (_) @base)*)?
  body: (template_body)? @body) @definition.class

(trait_definition
  (modifiers)? @modifiers
  name: (identifier) @name
  extend: (extends_clause type: (_) @base (["with" ","] type: (_) @base)*)?
  body: (template_body)? @body) @definition.trait

(object_definition
  (modifiers)? @modifiers
  name: (identifier) @name
  extend: (extends_clause type: (_) @base (["with" ","] type: (_) @base)*)?
  body: (template_body)? @body) @definition.object

(enum_definition
  (modifiers)? @modifiers
  name: (identifier) @name
  extend: (extends_clause type: (_) @base (["with" ","] type: (_) @base)*)?
  body: (enum_body) @body) @definition.enum

(simple_enum_case name: (identifier) @name) @definition.enum_member
(full_enum_case name: (identifier) @name) @definition.enum_member

; Scala 3 `extension (p: Product) def …`: named by (and targeting) the
; extended type.
(extension_definition
  parameters: (parameters . (parameter type: (_) @name @target))) @definition.extension

(type_definition
  (modifiers)? @modifiers
  name: (type_identifier) @name) @definition.type_alias

; --- Methods: `def f = …` and abstract `def f: T`.
(function_definition
  (modifiers)? @modifiers
  name: (_) @name
  body: (_) @body) @definition.function
(function_declaration
  (modifiers)? @modifiers
  name: (_) @name) @definition.function

; --- Fields: `val`/`var` members (not locals), constructor parameters
; that are fields (`val`/`var`, or any parameter of a case class), and
; top-level (Scala 3) vals and vars.
(template_body
  [(val_definition (modifiers)? @modifiers pattern: (identifier) @name)
   (var_definition (modifiers)? @modifiers pattern: (identifier) @name)
   (val_declaration (modifiers)? @modifiers name: (identifier) @name)
   (var_declaration (modifiers)? @modifiers name: (identifier) @name)] @definition.property)

(class_definition
  "case"
  class_parameters: (class_parameters
    (class_parameter (modifiers)? @modifiers name: (identifier) @name) @definition.property))
(class_parameter
  (modifiers)? @modifiers
  ["val" "var"]
  name: (identifier) @name) @definition.property

(compilation_unit
  (val_definition (modifiers)? @modifiers pattern: (identifier) @name) @definition.constant)
(compilation_unit
  (var_definition (modifiers)? @modifiers pattern: (identifier) @name) @definition.variable)

; --- Calls: `f(x)`, `a.b.f(x)` (receiver `a.b`); `new Foo(x)` constructs.
; A curried call `f(x)(y)` is one call (its inner part).
(call_expression function: (identifier) @name) @reference.call
(call_expression
  function: (field_expression value: (_) @receiver field: (identifier) @name)) @reference.call
(call_expression
  function: (generic_function
    function: (field_expression value: (_) @receiver field: (identifier) @name))) @reference.call
(instance_expression
  [(type_identifier) @name
   (generic_type type: (type_identifier) @name)
   (stable_type_identifier (type_identifier) @name .)]) @reference.new

(comment) @comment
(block_comment) @comment

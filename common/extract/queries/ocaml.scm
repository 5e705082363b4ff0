; OCaml (.ml): top-level and module-level `let` bindings (functions and
; values), modules and functors, module types and their `val`s, type
; definitions (records with their fields, variants with their
; constructors, aliases), `external`s, classes and methods, `open` and
; `include`, calls. Captures: queries/README.md.
;
; A declaration is the whole `let …`/`type …`/`module …` item, so the
; comment before it is its doc. When one `let rec f … and g …` binds
; several names, each binding is a symbol from its name on (the item would
; hold the others as members). Local `let … in` is not a symbol.

; --- Imports.

(open_module module: (_) @import.module) @import
(include_module module: (module_path) @import.module) @import

; --- Modules and module types.

; `module M = struct … end`, `module F (X : S) = struct … end`,
; `module M = F (X)`, `module M : S = …`.
(module_definition
  .
  (module_binding
    (module_name) @name
    body: (structure)? @body)) @definition.module
(module_definition
  (module_binding)
  (module_binding
    (module_name) @name
    body: (structure)? @body) @definition.module)

(module_type_definition
  (module_type_name) @name
  body: (signature)? @body) @definition.interface

; `val f : a -> b` in a signature.
(value_specification
  [(value_name) @name (parenthesized_operator . (_) @name)]
  type: (function_type)) @definition.function
(value_specification
  (value_name) @name
  type: [(type_constructor_path) (constructed_type) (tuple_type) (type_variable) (polymorphic_type)]) @definition.constant

(external [(value_name) @name (parenthesized_operator . (_) @name)]) @definition.function

; --- Types: a record is a struct, a variant an enum, the rest aliases
; (or abstract types). The earlier pattern wins on a node: an alias is
; any other body (`(string -> unit)`, `M.t`, `[ `A ]`).

; One binding: the item is the symbol. Several (`type a = … and b = …`):
; each binding is.
(type_definition
  .
  (type_binding
    name: (type_constructor) @name
    body: (record_declaration))
  .) @definition.struct
(type_definition
  .
  (type_binding
    name: (type_constructor) @name
    body: (variant_declaration))
  .) @definition.enum
(type_definition
  .
  (type_binding
    name: (type_constructor) @name
    !body)
  .) @definition.type
(type_definition
  .
  (type_binding
    name: (type_constructor) @name
    body: (_))
  .) @definition.type
(type_definition
  (type_binding
    name: (type_constructor) @name
    body: (record_declaration)) @definition.struct
  (type_binding))
(type_definition
  (type_binding)
  (type_binding
    name: (type_constructor) @name
    body: (record_declaration)) @definition.struct)
(type_definition
  (type_binding
    name: (type_constructor) @name
    body: (variant_declaration)) @definition.enum
  (type_binding))
(type_definition
  (type_binding)
  (type_binding
    name: (type_constructor) @name
    body: (variant_declaration)) @definition.enum)
(type_definition
  (type_binding
    name: (type_constructor) @name
    !body) @definition.type
  (type_binding))
(type_definition
  (type_binding)
  (type_binding
    name: (type_constructor) @name
    !body) @definition.type)
(type_definition
  (type_binding
    name: (type_constructor) @name
    body: (_)) @definition.type
  (type_binding))
(type_definition
  (type_binding)
  (type_binding
    name: (type_constructor) @name
    body: (_)) @definition.type)

(field_declaration (field_name) @name) @definition.field
(variant_declaration (constructor_declaration (constructor_name) @name) @definition.variant)

; --- Let bindings at top level or in a module (never `let … in`). A
; binding with parameters or a `fun`/`function` body is a function, any
; other named value a constant. An operator (`let ( ++ ) a b`, `val ( @@ )
; : …`) is named by its operator (`++`), as ctags names it.

(compilation_unit
  (value_definition
    .
    (let_binding
      pattern: [(value_name) @name (parenthesized_operator . (_) @name)]
      (parameter)
      body: (_) @body)
    .) @definition.function)
(compilation_unit
  (value_definition
    (let_binding
      pattern: [(value_name) @name (parenthesized_operator . (_) @name)]
      (parameter)
      body: (_) @body) @definition.function
    (let_binding)))
(compilation_unit
  (value_definition
    (let_binding)
    (let_binding
      pattern: [(value_name) @name (parenthesized_operator . (_) @name)]
      (parameter)
      body: (_) @body) @definition.function))
(compilation_unit
  (value_definition
    .
    (let_binding
      pattern: [(value_name) @name (parenthesized_operator . (_) @name)]
      body: [(fun_expression) (function_expression)] @body)
    .) @definition.function)
(compilation_unit
  (value_definition
    (let_binding
      pattern: [(value_name) @name (parenthesized_operator . (_) @name)]
      body: [(fun_expression) (function_expression)] @body) @definition.function
    (let_binding)))
(compilation_unit
  (value_definition
    (let_binding)
    (let_binding
      pattern: [(value_name) @name (parenthesized_operator . (_) @name)]
      body: [(fun_expression) (function_expression)] @body) @definition.function))
(structure
  (value_definition
    .
    (let_binding
      pattern: [(value_name) @name (parenthesized_operator . (_) @name)]
      (parameter)
      body: (_) @body)
    .) @definition.function)
(structure
  (value_definition
    (let_binding
      pattern: [(value_name) @name (parenthesized_operator . (_) @name)]
      (parameter)
      body: (_) @body) @definition.function
    (let_binding)))
(structure
  (value_definition
    (let_binding)
    (let_binding
      pattern: [(value_name) @name (parenthesized_operator . (_) @name)]
      (parameter)
      body: (_) @body) @definition.function))
(structure
  (value_definition
    .
    (let_binding
      pattern: [(value_name) @name (parenthesized_operator . (_) @name)]
      body: [(fun_expression) (function_expression)] @body)
    .) @definition.function)
(structure
  (value_definition
    (let_binding
      pattern: [(value_name) @name (parenthesized_operator . (_) @name)]
      body: [(fun_expression) (function_expression)] @body) @definition.function
    (let_binding)))
(structure
  (value_definition
    (let_binding)
    (let_binding
      pattern: [(value_name) @name (parenthesized_operator . (_) @name)]
      body: [(fun_expression) (function_expression)] @body) @definition.function))
(compilation_unit
  (value_definition
    .
    (let_binding
      pattern: (value_name) @name
      body: (_) @_body) @_binding
    .) @definition.constant
  (#match? @_binding "^[a-z_][A-Za-z0-9_']*\\s*[:=]")
  (#not-match? @_body "^fun(ction)?\\b"))
(structure
  (value_definition
    .
    (let_binding
      pattern: (value_name) @name
      body: (_) @_body) @_binding
    .) @definition.constant
  (#match? @_binding "^[a-z_][A-Za-z0-9_']*\\s*[:=]")
  (#not-match? @_body "^fun(ction)?\\b"))

; --- Classes.

(class_definition
  .
  (class_binding (class_name) @name)) @definition.class
(method_definition (method_name) @name body: (_) @body) @definition.method
(instance_variable_definition (instance_variable_name) @name) @definition.field

; --- Calls: `f x`, `M.f x`, `x |> f`, `f @@ x`, `obj#m`.

(application_expression
  function: (value_path . (value_name) @name .)) @reference.call
(application_expression
  function: (value_path (module_path) @receiver (value_name) @name)) @reference.call
(infix_expression
  operator: (rel_operator) @_pipe
  right: (value_path . (value_name) @name .)
  (#eq? @_pipe "|>")) @reference.call
(infix_expression
  operator: (rel_operator) @_pipe
  right: (value_path (module_path) @receiver (value_name) @name)
  (#eq? @_pipe "|>")) @reference.call
(method_invocation
  (_) @receiver
  (method_name) @name) @reference.call

(comment) @comment

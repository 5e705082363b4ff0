; Swift (tree-sitter-swift): classes, structs, enums and their cases,
; actors, protocols, extensions, functions, initializers, properties,
; type aliases, calls, imports. Captures: queries/README.md.

(import_declaration (identifier) @import.module) @import

; --- Types. `class_declaration` is every nominal type and extension; its
; `declaration_kind` keyword tells them apart. Supertypes: `(x)+` does not
; repeat across the `,` between them, so the list is `first ("," next)*`.

(class_declaration
  (modifiers)? @modifiers
  declaration_kind: "class"
  name: (type_identifier) @name
  (inheritance_specifier inherits_from: (_) @base)?
  ("," (inheritance_specifier inherits_from: (_) @base))*
  body: (_) @body) @definition.class

(class_declaration
  (modifiers)? @modifiers
  declaration_kind: "struct"
  name: (type_identifier) @name
  (inheritance_specifier inherits_from: (_) @base)?
  ("," (inheritance_specifier inherits_from: (_) @base))*
  body: (_) @body) @definition.struct

(class_declaration
  (modifiers)? @modifiers
  declaration_kind: "enum"
  name: (type_identifier) @name
  (inheritance_specifier inherits_from: (_) @base)?
  ("," (inheritance_specifier inherits_from: (_) @base))*
  body: (_) @body) @definition.enum

; An actor is a reference type with isolated state: a class.
(class_declaration
  (modifiers)? @modifiers
  declaration_kind: "actor"
  name: (type_identifier) @name
  (inheritance_specifier inherits_from: (_) @base)?
  ("," (inheritance_specifier inherits_from: (_) @base))*
  body: (_) @body) @definition.class

; `extension PantryItem: CustomStringConvertible`: named by (and
; targeting) the extended type; the conformances it adds are its bases.
(class_declaration
  (modifiers)? @modifiers
  declaration_kind: "extension"
  name: (_) @name @target
  (inheritance_specifier inherits_from: (_) @base)?
  ("," (inheritance_specifier inherits_from: (_) @base))*
  body: (_) @body) @definition.extension

(protocol_declaration
  (modifiers)? @modifiers
  name: (type_identifier) @name
  (inheritance_specifier inherits_from: (_) @base)?
  ("," (inheritance_specifier inherits_from: (_) @base))*
  body: (protocol_body) @body) @definition.protocol

; `case a(Int)`: the case is the whole entry (its doc comment precedes
; `case`). `case a, b, c` declares several cases in one entry: each name is
; its own (one-word) definition.
((enum_entry
  (modifiers)? @modifiers
  name: (simple_identifier) @name) @definition.enum_member @_entry
  (#not-match? @_entry "^(indirect\\s+)?case\\s+[^\\s(=,]+\\s*,"))
((enum_entry
  name: (simple_identifier) @name @definition.enum_member) @_entry
  (#match? @_entry "^(indirect\\s+)?case\\s+[^\\s(=,]+\\s*,"))

(typealias_declaration
  (modifiers)? @modifiers
  name: (type_identifier) @name) @definition.type_alias

(associatedtype_declaration
  (modifiers)? @modifiers
  name: (type_identifier) @name) @definition.type_alias

; --- Functions and members.
; Its name, body and modifiers derived, not matched: written out, this one
; pattern cost a third of a second to compile (see README, "Derived
; captures").
((function_declaration) @definition.function
  (#set! name.field "name")
  (#set! body.field "body")
  (#set! modifiers.child "modifiers"))

(protocol_function_declaration
  (modifiers)? @modifiers
  name: (_) @name) @definition.method

(init_declaration
  (modifiers)? @modifiers
  "init" @name
  body: (function_body)? @body) @definition.constructor

(deinit_declaration
  (modifiers)? @modifiers
  "deinit" @name
  body: (function_body) @body) @definition.method

(subscript_declaration
  (modifiers)? @modifiers
  "subscript" @name
  (computed_property)? @body) @definition.method

; --- Properties: members (stored and computed), protocol requirements and
; globals (`let` a constant, `var` a variable); not locals.
(class_body
  (property_declaration
    (modifiers)? @modifiers
    name: (pattern bound_identifier: (simple_identifier) @name)) @definition.property)
(enum_class_body
  (property_declaration
    (modifiers)? @modifiers
    name: (pattern bound_identifier: (simple_identifier) @name)) @definition.property)
(protocol_body
  (protocol_property_declaration
    (modifiers)? @modifiers
    name: (pattern bound_identifier: (simple_identifier) @name)) @definition.property)
(source_file
  (property_declaration
    (modifiers)? @modifiers
    (value_binding_pattern) @_let
    name: (pattern bound_identifier: (simple_identifier) @name)) @definition.constant
  (#eq? @_let "let"))
(source_file
  (property_declaration
    (modifiers)? @modifiers
    (value_binding_pattern) @_var
    name: (pattern bound_identifier: (simple_identifier) @name)) @definition.variable
  (#eq? @_var "var"))

; --- Calls: `f(x)`, `f { … }`, `a.b.f(x)` (receiver `a.b`). Swift writes
; `Foo(x)` for constructing too: the syntax does not tell them apart.
; `items[id]` parses as a call with `[…]` arguments: not a call.
(call_expression
  . (simple_identifier) @name
  . (call_suffix [(value_arguments "(") (lambda_literal)])) @reference.call

; The grammar binds a call's arguments looser than a binary operator:
; `"Use: " + summary(of: x)` parses as `("Use: " + summary)(of: x)`; the
; callee is the operator's right operand.
(call_expression
  . [(additive_expression rhs: (simple_identifier) @name)
     (multiplicative_expression rhs: (simple_identifier) @name)
     (comparison_expression rhs: (simple_identifier) @name)
     (equality_expression rhs: (simple_identifier) @name)
     (conjunction_expression rhs: (simple_identifier) @name)
     (disjunction_expression rhs: (simple_identifier) @name)
     (nil_coalescing_expression if_nil: (simple_identifier) @name)]
  . (call_suffix [(value_arguments "(") (lambda_literal)])) @reference.call

; `try JSONDecoder().decode(…)` parses as a member call on `try …`: the
; receiver is the expression inside.
(call_expression
  . (navigation_expression
      target: [(try_expression expr: (_) @receiver) (await_expression expr: (_) @receiver)]
      suffix: (navigation_suffix suffix: (simple_identifier) @name))
  . (call_suffix [(value_arguments "(") (lambda_literal)])) @reference.call
((call_expression
  . (navigation_expression
      target: (_) @receiver
      suffix: (navigation_suffix suffix: (simple_identifier) @name))
  . (call_suffix [(value_arguments "(") (lambda_literal)])) @reference.call
  (#not-match? @receiver "^(try|await)[\\s?!]"))

(comment) @comment
(multiline_comment) @comment

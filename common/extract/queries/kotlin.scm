; Kotlin (tree-sitter-kotlin-ng): classes, interfaces, enums, objects and
; companion objects, functions (extension functions name their receiver
; type as @target), properties, type aliases, calls, imports, package.
; Captures: queries/README.md.

(package_header (qualified_identifier) @package)

; `import a.b.C`, `import a.b.*`, `import a.b.C as D`.
(import (qualified_identifier) @import.module (identifier)? @import.alias) @import

; Supertypes: `(x)+` does not repeat across the `,` between them, so the
; list is spelled out as `first ("," next)*`.

; --- Types. `class_declaration` covers `class`, `interface`, `enum class`,
; `data class`, `sealed interface`…: the keyword or the body tells them
; apart, so the specific patterns come first (the earlier pattern wins).

(class_declaration
  (modifiers)? @modifiers
  "interface"
  name: (identifier) @name
  (delegation_specifiers
    (delegation_specifier [(user_type) @base (constructor_invocation (user_type) @base)])
    ("," (delegation_specifier [(user_type) @base (constructor_invocation (user_type) @base)]))*)?
  (class_body)? @body) @definition.interface

(class_declaration
  (modifiers)? @modifiers
  name: (identifier) @name
  (delegation_specifiers
    (delegation_specifier [(user_type) @base (constructor_invocation (user_type) @base)])
    ("," (delegation_specifier [(user_type) @base (constructor_invocation (user_type) @base)]))*)?
  (enum_class_body) @body) @definition.enum

(class_declaration
  (modifiers)? @modifiers
  name: (identifier) @name
  (delegation_specifiers
    (delegation_specifier [(user_type) @base (constructor_invocation (user_type) @base)])
    ("," (delegation_specifier [(user_type) @base (constructor_invocation (user_type) @base)]))*)?
  (class_body)? @body) @definition.class

(object_declaration
  (modifiers)? @modifiers
  name: (identifier) @name
  (delegation_specifiers
    (delegation_specifier [(user_type) @base (constructor_invocation (user_type) @base)])
    ("," (delegation_specifier [(user_type) @base (constructor_invocation (user_type) @base)]))*)?
  (class_body)? @body) @definition.object

; A companion object is named `Companion` unless it names itself; a query
; can only name it by a node, so an unnamed one is named by its keyword,
; which the engine turns into `Companion`.
(companion_object
  (modifiers)? @modifiers
  name: (identifier) @name
  (class_body)? @body) @definition.object
(companion_object
  (modifiers)? @modifiers
  "companion" @name
  (class_body)? @body) @definition.object

(enum_entry . (identifier) @name) @definition.enum_member

(type_alias (modifiers)? @modifiers type: (identifier) @name) @definition.type_alias

; --- Functions. An extension function (`fun Money.formatted()`) has its
; receiver type right before the name; it is the function's @target.
(function_declaration
  (modifiers)? @modifiers
  [(user_type) (nullable_type) (parenthesized_type)] @target
  .
  name: (identifier) @name
  (function_body)? @body) @definition.function

(function_declaration
  (modifiers)? @modifiers
  name: (identifier) @name
  (function_body)? @body) @definition.function

; `constructor(…)`: named by its keyword (the class's name is not in it).
(secondary_constructor
  (modifiers)? @modifiers
  "constructor" @name
  (block)? @body) @definition.constructor

; --- Properties: top-level and member ones, not locals. `const val` is a
; constant; an extension property (`val LineItem.summary`) names its
; receiver type as @target.
(source_file
  (property_declaration
    (modifiers (property_modifier) @_const) @modifiers
    (variable_declaration . (identifier) @name)) @definition.constant
  (#eq? @_const "const"))
(class_body
  (property_declaration
    (modifiers (property_modifier) @_const) @modifiers
    (variable_declaration . (identifier) @name)) @definition.constant
  (#eq? @_const "const"))

(source_file
  (property_declaration
    (modifiers)? @modifiers
    [(user_type) (nullable_type) (parenthesized_type)] @target
    .
    (variable_declaration . (identifier) @name)) @definition.property)

(source_file
  (property_declaration
    (modifiers)? @modifiers
    "val"
    (variable_declaration . (identifier) @name)) @definition.constant)

(source_file
  (property_declaration
    (modifiers)? @modifiers
    "var"
    (variable_declaration . (identifier) @name)) @definition.variable)

(class_body
  (property_declaration
    (modifiers)? @modifiers
    (variable_declaration . (identifier) @name)) @definition.property)

; `class Invoice(val number: String)`: a constructor parameter that is a
; property.
(class_parameter
  (modifiers)? @modifiers
  ["val" "var"]
  . (identifier) @name) @definition.property

; --- Calls: `f(x)`, `f { … }`, `a.b.f(x)` (receiver `a.b`). A call on a
; call's result (`f(x) { … }`, trailing lambdas) is not a second call.
(call_expression . (identifier) @name) @reference.call
(call_expression
  . (navigation_expression . (_) @receiver (identifier) @name .)) @reference.call

(line_comment) @comment
(block_comment) @comment

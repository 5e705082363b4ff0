; Dart (tree-sitter-dart): classes, mixins, extensions, enums and their
; values, type aliases, top-level functions and variables, methods,
; getters and setters, constructors (named ones by their own name),
; fields, calls, imports, `library`. Visibility is a leading `_`
; (src/specs.rs). Captures: queries/README.md.
;
; A list of siblings separated by anonymous tokens (`A, B`) is spelled
; `first ("," next)*`: `(x)+` does not repeat across them.

(library_name (dotted_identifier_list) @package)

; `import 'a.dart' as a show B, C;`
(library_import
  (import_specification
    uri: (configurable_uri (uri) @import.module)
    alias: (identifier)? @import.alias
    (combinator "show" (identifier) @import.name ("," (identifier) @import.name)*)?)) @import

; --- Types. Annotations (`@immutable`) and `abstract` are kept as
; attributes.
(class_declaration
  (annotation)* @modifiers
  "abstract"? @modifiers
  name: (identifier) @name
  superclass: (superclass
    type: (type) @base
    (mixins (type) @base ("," (type) @base)*)?)?
  interfaces: (interfaces (type) @base ("," (type) @base)*)?
  body: (class_body) @body) @definition.class

; A mixin adds members to classes: a trait. Its `on` types are its bases.
(mixin_declaration
  (annotation)* @modifiers
  name: (identifier) @name
  (type)? @base
  ("," (type) @base)*
  interfaces: (interfaces (type) @base ("," (type) @base)*)?
  body: (class_body) @body) @definition.trait

; `extension TaskList on Iterable<Task>`; an unnamed one is named by the
; type it extends.
(extension_declaration
  name: (identifier) @name
  class: (type) @target
  body: (extension_body) @body) @definition.extension
(extension_declaration
  class: (type) @name @target
  body: (extension_body) @body) @definition.extension

(enum_declaration
  name: (identifier) @name
  body: (enum_body) @body) @definition.enum
(enum_entry name: (identifier) @name) @definition.enum_member

(type_alias (type_identifier) @name) @definition.type_alias

; --- Functions.
(function_declaration
  (annotation)* @modifiers
  signature: (function_signature name: (identifier) @name)
  body: (function_body) @body) @definition.function

; Members: the definition is the `member_declaration` so that a doc
; comment above its annotations (`@override`) still documents it (a
; method's annotations are inside its `method_declaration`, a field's or
; abstract member's are not). A member
; without a body (a field, an abstract method, a constructor without a
; body) ends at its `;`: that is its @body, so the signature is the whole
; declaration, annotations included.
;
; Constructors: a named one (`Task.fromJson`, `TaskStore.inMemory`) is
; named by its second part, an unnamed one by the class (its name is
; right before its parameters).
(member_declaration
  (method_declaration
    (annotation)* @modifiers
    signature: (method_signature
      [(constructor_signature name: (identifier) name: (identifier) @name)
       (factory_constructor_signature name: (identifier) name: (identifier) @name)
       (constructor_signature name: (identifier) @name . parameters: (_))
       (factory_constructor_signature name: (identifier) @name . parameters: (_))])
    body: (function_body) @body)) @definition.constructor
(member_declaration
  (annotation)* @modifiers
  (declaration
    [(constructor_signature name: (identifier) name: (identifier) @name)
     (constant_constructor_signature name: (identifier) name: (identifier) @name)
     (factory_constructor_signature name: (identifier) name: (identifier) @name)
     (redirecting_factory_constructor_signature name: (identifier) name: (identifier) @name)
     (constructor_signature name: (identifier) @name . parameters: (_))
     (constant_constructor_signature name: (identifier) @name . parameters: (_))
     (factory_constructor_signature name: (identifier) @name . parameters: (_))
     (redirecting_factory_constructor_signature name: (identifier) @name . parameters: (_))])
  ";" @body) @definition.constructor

; Methods, getters, setters and operators, with a body or abstract.
(member_declaration
  (method_declaration
    (annotation)* @modifiers
    signature: (method_signature
      [(function_signature name: (identifier) @name)
       (getter_signature name: (identifier) @name)
       (setter_signature name: (identifier) @name)
       (operator_signature operator: (_) @name)])
    body: (function_body) @body)) @definition.method
(member_declaration
  (annotation)* @modifiers
  (declaration
    [(function_signature name: (identifier) @name)
     (getter_signature name: (identifier) @name)
     (setter_signature name: (identifier) @name)
     (operator_signature operator: (_) @name)])
  ";" @body) @definition.method

; Fields (`final String id;`, `static const max = 3;`).
(member_declaration
  (annotation)* @modifiers
  (declaration
    [(initialized_identifier_list . (initialized_identifier name: (identifier) @name))
     (static_final_declaration_list . (static_final_declaration name: (identifier) @name))
     (identifier_list . (identifier) @name)])
  ";" @body) @definition.field

; Top-level variables: `const`/`final` ones are constants.
(top_level_variable_declaration
  (static_final_declaration_list . (static_final_declaration name: (identifier) @name))) @definition.constant
(top_level_variable_declaration
  (initialized_identifier_list . (initialized_identifier name: (identifier) @name))) @definition.variable

; --- Calls: `f(x)` (also `Foo(x)`: Dart 2 constructs without `new`),
; `a.b.f(x)` (receiver `a.b`), cascades `a..f(x)` (receiver `a`), and
; `new Foo()` / `const Foo()`.
(call_expression function: (identifier) @name) @reference.call
(call_expression
  function: (member_expression object: (_) @receiver property: (identifier) @name)) @reference.call
(cascade
  . (_) @receiver
  (cascade_section (cascade_call_expression property: (identifier) @name) @reference.call))
(new_expression type: (type (type_identifier) @name)) @reference.new
(const_object_expression type: (type (type_identifier) @name)) @reference.new

(comment) @comment
(documentation_comment) @comment

; PHP: namespaces, classes, interfaces, traits, enums, members, functions,
; constants, calls, `use` and require/include. Captures: queries/README.md.

; `namespace Shop\Models;` prefixes the file's names (separator `\`); a
; braced `namespace Shop { … }` is a namespace symbol holding its members.
(namespace_definition name: (namespace_name) @package !body)
; … and is a namespace symbol of its own, named as the prefix.
(namespace_definition name: (namespace_name) @name !body) @definition.namespace

(namespace_definition
  name: (namespace_name) @name
  body: (compound_statement) @body) @definition.namespace

; `use A\B;`, `use A\B as C;`, `use function A\f;`: one import per clause.
(namespace_use_declaration
  (namespace_use_clause
    .
    [(name) (qualified_name)] @import.module
    alias: (name)? @import.alias)) @import

; `use A\{B, C as D};`: the prefix is the module, each member a name.
(namespace_use_declaration
  (namespace_name) @import.module
  (namespace_use_group
    (namespace_use_clause [(name) (qualified_name)] @import.name))) @import

; `require_once 'x.php'`, `require __DIR__ . '/x.php'`: the path literal.
(require_expression (string (string_content) @import.module)) @import
(require_expression (binary_expression right: (string (string_content) @import.module))) @import
(require_once_expression (string (string_content) @import.module)) @import
(require_once_expression (binary_expression right: (string (string_content) @import.module))) @import
(include_expression (string (string_content) @import.module)) @import
(include_expression (binary_expression right: (string (string_content) @import.module))) @import
(include_once_expression (string (string_content) @import.module)) @import
(include_once_expression (binary_expression right: (string (string_content) @import.module))) @import

; Types. A match holds one capture per pattern node, and of several
; matches of a class the first wins, so supertypes are spelled out: a class
; implementing three, two or one interface(s) before the plain pattern.
(class_declaration
  [(abstract_modifier) (final_modifier) (readonly_modifier)]* @modifiers
  name: (name) @name
  (base_clause (_) @base)?
  (class_interface_clause . (_) @base . (_) @base . (_) @base .)
  body: (declaration_list) @body) @definition.class

(class_declaration
  [(abstract_modifier) (final_modifier) (readonly_modifier)]* @modifiers
  name: (name) @name
  (base_clause (_) @base)?
  (class_interface_clause . (_) @base . (_) @base .)
  body: (declaration_list) @body) @definition.class

(class_declaration
  [(abstract_modifier) (final_modifier) (readonly_modifier)]* @modifiers
  name: (name) @name
  (base_clause (_) @base)?
  (class_interface_clause . (_) @base .)
  body: (declaration_list) @body) @definition.class

(class_declaration
  [(abstract_modifier) (final_modifier) (readonly_modifier)]* @modifiers
  name: (name) @name
  (base_clause (_) @base)?
  body: (declaration_list) @body) @definition.class

(interface_declaration
  name: (name) @name
  (base_clause . (_) @base . (_) @base .)
  body: (declaration_list) @body) @definition.interface

(interface_declaration
  name: (name) @name
  (base_clause (_) @base)?
  body: (declaration_list) @body) @definition.interface

(trait_declaration
  name: (name) @name
  body: (declaration_list) @body) @definition.trait

(enum_declaration
  name: (name) @name
  (class_interface_clause (_) @base)?
  body: (enum_declaration_list) @body) @definition.enum

(enum_case name: (name) @name) @definition.enum_member

; Members. Visibility comes from the modifiers (public by default).
(method_declaration
  [(visibility_modifier) (static_modifier) (abstract_modifier) (final_modifier) (readonly_modifier)]* @modifiers
  name: (name) @name
  body: (compound_statement)? @body) @definition.method

(property_declaration
  [(visibility_modifier) (static_modifier) (readonly_modifier) (var_modifier)]* @modifiers
  (property_element name: (variable_name (name) @name))) @definition.property

(const_declaration
  (visibility_modifier)? @modifiers
  (const_element (name) @name)) @definition.constant

; Functions and `define('NAME', …)` constants.
(function_definition
  name: (name) @name
  body: (compound_statement) @body) @definition.function

(function_call_expression
  function: (name) @_define
  (#eq? @_define "define")
  arguments: (arguments . (argument (string (string_content) @name)))) @definition.constant

; Calls: `f()`, `\A\f()`, `$obj->m()`, `$obj?->m()`, `Cls::m()`,
; `self::m()`, and `new Cls()` (not `new self`/`new static`: the class
; is the caller's own).
(function_call_expression
  function: [
    (name) @name
    (qualified_name (name) @name)
  ]
  (#not-eq? @name "define")) @reference.call

(member_call_expression
  object: (_) @receiver
  name: (name) @name) @reference.call

(nullsafe_member_call_expression
  object: (_) @receiver
  name: (name) @name) @reference.call

(scoped_call_expression
  scope: (_) @receiver
  name: (name) @name) @reference.call

(object_creation_expression
  [
    (name) @name
    (qualified_name (name) @name)
  ]
  (#not-any-of? @name "self" "static" "parent")) @reference.new

(comment) @comment

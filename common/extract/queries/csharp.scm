; C#: namespaces, types (classes, structs, records, interfaces, enums,
; delegates), members (methods, constructors, destructors, properties,
; fields, constants, events), calls, `new`, usings.
; Captures: queries/README.md.
;
; Visibility comes from the `modifier` keywords (`public`, `internal`,
; `protected`, `private`); without one a type is internal and a member
; private (the spec's defaults).

; `using System.Linq;`, `using static System.Math;`, `using Clock = System.DateTime;`
(using_directive
  name: (identifier) @import.alias
  [(identifier) (qualified_name) (generic_name) (alias_qualified_name)] @import.module) @import
(using_directive
  !name
  [(identifier) (qualified_name) (alias_qualified_name)] @import.module) @import

; A file-scoped `namespace A.B;` has no body: the types after it are its
; siblings, not its children. It prefixes the file's names, like Java's
; `package`.
(file_scoped_namespace_declaration name: (_) @package)

(namespace_declaration
  name: (_) @name
  body: (declaration_list) @body) @definition.namespace

; ---------------------------------------------------------------- types

(class_declaration
  (modifier)* @modifiers
  name: (identifier) @name
  (base_list (_)* @base)?
  body: (declaration_list) @body) @definition.class

(struct_declaration
  (modifier)* @modifiers
  name: (identifier) @name
  (base_list (_)* @base)?
  body: (declaration_list) @body) @definition.struct

; `record Point(int X, int Y);` may have no body.
(record_declaration
  (modifier)* @modifiers
  name: (identifier) @name
  (base_list (_)* @base)?
  body: (declaration_list)? @body) @definition.record

(interface_declaration
  (modifier)* @modifiers
  name: (identifier) @name
  (base_list (_)* @base)?
  body: (declaration_list) @body) @definition.interface

(enum_declaration
  (modifier)* @modifiers
  name: (identifier) @name
  body: (enum_member_declaration_list) @body) @definition.enum

(enum_member_declaration name: (identifier) @name) @definition.enum_member

; `delegate void Posted(Transfer t);`: a named function type.
(delegate_declaration
  (modifier)* @modifiers
  name: (identifier) @name) @definition.type

; ---------------------------------------------------------------- members

(method_declaration
  (modifier)* @modifiers
  name: (identifier) @name
  body: (_)? @body) @definition.method

(constructor_declaration
  (modifier)* @modifiers
  name: (identifier) @name
  ; `: base(x)` / `: this(x)` is not part of the signature
  (constructor_initializer)? @body
  body: (_)? @body) @definition.constructor

; `operator +(Money a, Money b)`: named by its operator token (`+`).
(operator_declaration
  (modifier)* @modifiers
  operator: _ @name
  body: (_) @body) @definition.method

(destructor_declaration
  name: (identifier) @name
  body: (_) @body) @definition.method

(property_declaration
  (modifier)* @modifiers
  name: (identifier) @name
  [accessors: (accessor_list) @body value: (arrow_expression_clause) @body]) @definition.property

; `event EventHandler Changed { add {…} remove {…} }`
(event_declaration
  (modifier)* @modifiers
  name: (identifier) @name
  accessors: (accessor_list) @body) @definition.field

; `const` fields are constants; listed first so that they win over the
; field pattern on the same node.
(field_declaration
  (modifier)* @modifiers
  (modifier) @_const
  (variable_declaration (variable_declarator name: (identifier) @name))
  (#eq? @_const "const")) @definition.constant

(field_declaration
  (modifier)* @modifiers
  (variable_declaration (variable_declarator name: (identifier) @name))) @definition.field

; `public event EventHandler<long> Changed;`
(event_field_declaration
  (modifier)* @modifiers
  (variable_declaration (variable_declarator name: (identifier) @name))) @definition.field

; ---------------------------------------------------------------- calls

; `Run()`, `Run<T>()`; `nameof(x)` is an operator.
((invocation_expression
  function: [(identifier) @name (generic_name (identifier) @name)]) @reference.call
  (#not-eq? @name "nameof"))

; `obj.Run()`, `Type.Run<T>()`.
(invocation_expression
  function: (member_access_expression
    expression: (_) @receiver
    name: [(identifier) @name (generic_name (identifier) @name)])) @reference.call

; `handler?.Invoke(x)`
(invocation_expression
  function: (conditional_access_expression
    condition: (_) @receiver
    (member_binding_expression name: [(identifier) @name (generic_name (identifier) @name)]))) @reference.call

; `new Foo(…)`, `new Ns.Foo()`, `new List<T>()` (a target-typed `new()`
; names no type).
(object_creation_expression
  type: [
    (identifier) @name
    (qualified_name name: [(identifier) @name (generic_name (identifier) @name)])
    (generic_name (identifier) @name)
  ]) @reference.new

(comment) @comment

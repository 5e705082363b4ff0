; C++: namespaces, classes and their members, out-of-class member
; definitions, templates, enums, typedefs and aliases, macros, globals,
; calls and constructor calls, includes. Captures: queries/README.md.
;
; Visibility: access-specifier sections (`public:`/`private:`) are siblings
; of the members they govern, which a query cannot pair reliably, so members
; are public (the spec's member default). `static` means "private" only at
; file scope, so it is captured as a modifier there and not on members.

(preproc_include path: (_) @import.module) @import

; `using namespace std;` makes a namespace's names visible: an import.
(using_declaration "namespace" [(identifier) (qualified_identifier)] @import.module) @import

; ---------------------------------------------------------------- types

; A named namespace (`namespace a::b {}` too); an anonymous one is no symbol,
; its contents belong to the enclosing scope.
(namespace_definition
  name: (_) @name
  body: (declaration_list) @body) @definition.namespace

(class_specifier
  name: [(type_identifier) @name (template_type name: (type_identifier) @name)]
  (base_class_clause [(type_identifier) (qualified_identifier) (template_type)] @base)*
  body: (field_declaration_list) @body) @definition.class

(struct_specifier
  name: [(type_identifier) @name (template_type name: (type_identifier) @name)]
  (base_class_clause [(type_identifier) (qualified_identifier) (template_type)] @base)*
  body: (field_declaration_list) @body) @definition.struct

(union_specifier
  name: (type_identifier) @name
  body: (field_declaration_list) @body) @definition.union

; `enum` and `enum class` (an underlying type is no supertype).
(enum_specifier
  name: (type_identifier) @name
  body: (enumerator_list) @body) @definition.enum

(enumerator name: (identifier) @name) @definition.enum_member

(type_definition
  declarator: [
    (type_identifier) @name
    (pointer_declarator declarator: (type_identifier) @name)
    (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @name)))
  ]) @definition.typedef

; `using Clock = std::chrono::steady_clock;`
(alias_declaration name: (type_identifier) @name) @definition.type_alias

(preproc_def name: (identifier) @name) @definition.macro
(preproc_function_def name: (identifier) @name) @definition.macro

; ---------------------------------------------------------------- functions

; Member functions defined inside their class. Listed before the general
; pattern so that it wins on the same node: no file-scope `static` here.
; `virtual ~T() = default;` has no body.
(field_declaration_list
  (function_definition
    "virtual"? @modifiers
    declarator: [
      (function_declarator
        declarator: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name
        (virtual_specifier)? @modifiers)
      (pointer_declarator declarator: (function_declarator declarator: [(field_identifier) (operator_name)] @name))
      (reference_declarator (function_declarator declarator: [(field_identifier) (operator_name)] @name))
    ]
    (field_initializer_list)? @body
    body: (_)? @body) @definition.method)

; `void Store::get() {}` (also constructors, destructors, operators): a
; method of the type `@target`. With a longer scope (`ns::Store::get`) the
; innermost type is the target.
(function_definition
  declarator: [
    (function_declarator declarator: [
      (qualified_identifier
        scope: (_) @target
        name: [(identifier) (destructor_name) (operator_name)] @name)
      (qualified_identifier
        name: (qualified_identifier
          scope: (_) @target
          name: [(identifier) (destructor_name) (operator_name)] @name))])
    (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier
      scope: (_) @target
      name: [(identifier) (operator_name)] @name)))
    (reference_declarator (function_declarator declarator: (qualified_identifier
      scope: (_) @target
      name: [(identifier) (operator_name)] @name)))
  ]
  ; a constructor's signature ends before its `: member(init)` list
  (field_initializer_list)? @body
  body: (_) @body) @definition.method

; Free functions (templates included: the pattern matches the definition
; inside the `template_declaration`).
(function_definition
  (storage_class_specifier)? @modifiers
  declarator: [
    (function_declarator declarator: [(identifier) (operator_name)] @name)
    (pointer_declarator declarator: [
      (function_declarator declarator: [(identifier) (operator_name)] @name)
      (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))])
    (reference_declarator (function_declarator declarator: [(identifier) (operator_name)] @name))
  ]
  body: (_) @body) @definition.function

; Member function declarations in a class body (`void run();`,
; `virtual void f() = 0;`): the class's API, where headers keep the doc
; comments. File-scope prototypes are not symbols (as in C).
(field_declaration
  "virtual"? @modifiers
  declarator: [
    (function_declarator
      declarator: [(field_identifier) (operator_name)] @name
      (virtual_specifier)? @modifiers)
    (pointer_declarator declarator: (function_declarator declarator: [(field_identifier) (operator_name)] @name))
    (reference_declarator (function_declarator declarator: [(field_identifier) (operator_name)] @name))
  ]) @definition.method

; Constructor and destructor declarations parse as plain declarations.
(field_declaration_list
  (declaration
    declarator: (function_declarator declarator: [(identifier) (destructor_name)] @name)) @definition.constructor)

; ---------------------------------------------------------------- data

(field_declaration
  declarator: [
    (field_identifier) @name
    (pointer_declarator declarator: [
      (field_identifier) @name
      (pointer_declarator declarator: (field_identifier) @name)])
    (reference_declarator (field_identifier) @name)
    (array_declarator declarator: (field_identifier) @name)
    (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (field_identifier) @name)))
  ] @declarator) @definition.field

; `int Store::count_ = 0;`: the definition of a static data member.
(declaration
  declarator: (init_declarator declarator: (qualified_identifier
    scope: (_) @target
    name: (identifier) @name))) @definition.field

; Variables (not prototypes: a function declarator declares, it does not
; define); alternatives under one node are nested under it, which is
; cheaper to compile (see c.scm). Declarations anywhere: the engine drops those inside functions
; (locals); globals sit under the file, a namespace or an `#ifdef`.
(declaration
  (storage_class_specifier)? @modifiers
  declarator: [
    (identifier) @name
    (init_declarator declarator: [
      (identifier) @name
      (pointer_declarator declarator: (identifier) @name)
      (reference_declarator (identifier) @name)
      (array_declarator declarator: (identifier) @name)])
    (array_declarator declarator: (identifier) @name)
    (pointer_declarator declarator: (identifier) @name)
  ] @declarator) @definition.variable

; ---------------------------------------------------------------- calls

(call_expression function: (identifier) @name) @reference.call
; `f<T>(x)`; the casts are operators, not calls.
((call_expression function: (template_function name: (identifier) @name)) @reference.call
  (#not-any-of? @name "static_cast" "dynamic_cast" "reinterpret_cast" "const_cast"))

; `Clock::now()`, `std::make_shared<T>()`: the scope is the receiver.
(call_expression
  function: (qualified_identifier
    scope: (_) @receiver
    name: [(identifier) @name (template_function name: (identifier) @name)])) @reference.call

; `obj.f()`, `ptr->f()`, `obj.template f<T>()`.
(call_expression
  function: (field_expression
    argument: (_) @receiver
    field: [(field_identifier) @name (template_method name: (field_identifier) @name)])) @reference.call

; `new Foo(…)`, `new ns::Foo`, `new Box<T>`.
(new_expression
  type: [
    (type_identifier) @name
    (qualified_identifier name: [
      (type_identifier) @name
      (template_type name: (type_identifier) @name)])
    (template_type name: (type_identifier) @name)
  ]) @reference.new

; `Foo foo(1, 2);`: a local constructed with arguments.
(declaration
  type: [
    (type_identifier) @name
    (qualified_identifier name: (type_identifier) @name)
  ]
  declarator: (init_declarator value: (argument_list))) @reference.new

(comment) @comment

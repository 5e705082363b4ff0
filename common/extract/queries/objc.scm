; Objective-C: classes (`@interface`), their implementations, categories and
; class extensions, protocols, methods, properties, instance variables, plus
; the C underneath (functions, structs, enums, typedefs, macros, globals);
; message sends and C calls; `#import`/`#include`/`@import`.
; Captures: queries/README.md.
;
; A method is named by its first selector keyword (`- (void)insert:(id)x
; at:(int)i` is `insert`), a message send `[list insert:x at:0]` likewise,
; so that calls and definitions meet. Class methods (`+`) carry `+` as an
; attribute.

(preproc_include path: (_) @import.module) @import
; `@import UIKit.UIView;`: the framework is the module.
(module_import . path: (identifier) @import.module) @import

; ---------------------------------------------------------------- classes

; `@interface Store (Export)`: a category adds methods to `Store`.
(class_interface
  . (identifier) @name @target
  category: (identifier)) @definition.extension

; `@interface Store ()`: a class extension (private additions).
(class_interface
  . (identifier) @name @target
  "(") @definition.extension

; `@interface Photo : NSObject <NSCopying>`: the superclass and the
; adopted protocols are its bases.
(class_interface
  . (identifier) @name
  superclass: (identifier)? @base
  (parameterized_arguments (type_name (type_identifier) @base))?
  (protocol_reference_list (identifier) @base)?) @definition.class

; `@implementation Photo` and `@implementation Store (Export)`: the bodies
; of an interface's methods, like an `impl` of the class.
(class_implementation
  . (identifier) @name @target) @definition.extension

; `@protocol Delegate <NSObject>`
(protocol_declaration
  . (identifier) @name
  (protocol_reference_list (identifier) @base)?) @definition.protocol

; ---------------------------------------------------------------- members

; Declarations (interfaces, protocols) and definitions: the first keyword
; follows the return type, or comes first without one (`- init`).
(method_declaration
  "+"? @modifiers
  (method_type) . (identifier) @name) @definition.method
(method_declaration
  "+"? @modifiers
  . (identifier) @name) @definition.method
(method_definition
  "+"? @modifiers
  (method_type) . (identifier) @name
  (compound_statement) @body) @definition.method
(method_definition
  "+"? @modifiers
  . (identifier) @name
  (compound_statement) @body) @definition.method

; `@property (nonatomic, copy) NSString *name;` (its attributes show in the
; signature; a quantified capture inside them yields only the first).
(property_declaration
  (struct_declaration
    (struct_declarator [
      (identifier) @name
      (pointer_declarator declarator: (identifier) @name)
      (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
    ]))) @definition.property

; Instance variables in `{ … }` after `@interface`/`@implementation`.
(instance_variable
  (struct_declaration
    (struct_declarator [
      (identifier) @name
      (pointer_declarator declarator: (identifier) @name)
      (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
    ]))) @definition.field

; ---------------------------------------------------------------- C

(function_definition
  (storage_class_specifier)? @modifiers
  declarator: [
    (function_declarator declarator: (identifier) @name)
    (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name)))
  ]
  body: (compound_statement) @body) @definition.function

(struct_specifier name: (type_identifier) @name body: (field_declaration_list) @body) @definition.struct
(union_specifier name: (type_identifier) @name body: (field_declaration_list) @body) @definition.union
(enum_specifier name: (type_identifier) @name body: (enumerator_list) @body) @definition.enum
(enumerator name: (identifier) @name) @definition.enum_member

; `typedef enum : NSInteger { … } Source;` (what `NS_ENUM` expands to): an
; anonymous enum named by its typedef. Listed before the typedef pattern,
; which it overrides on the same node.
(type_definition
  type: (enum_specifier !name body: (enumerator_list) @body)
  declarator: (type_identifier) @name) @definition.enum
(type_definition
  type: (struct_specifier !name body: (field_declaration_list) @body)
  declarator: (type_identifier) @name) @definition.struct

(field_declaration
  declarator: [
    (field_identifier) @name
    (pointer_declarator declarator: (field_identifier) @name)
    (array_declarator declarator: (field_identifier) @name)
  ] @declarator) @definition.field

(type_definition
  declarator: [
    (type_identifier) @name
    (pointer_declarator declarator: (type_identifier) @name)
    (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @name)))
    (block_pointer_declarator declarator: (type_identifier) @name)
  ]) @definition.typedef

(preproc_def name: (identifier) @name) @definition.macro
(preproc_function_def name: (identifier) @name) @definition.macro

; Variables (`NSString *const Key = @"…";`), not prototypes; the engine
; drops those inside functions and methods (locals).
((declaration
    (storage_class_specifier)? @modifiers
    declarator: [
      (identifier) @name
      (init_declarator declarator: (identifier) @name)
      (init_declarator declarator: (pointer_declarator declarator: (identifier) @name))
      (init_declarator declarator: (array_declarator declarator: (identifier) @name))
      (array_declarator declarator: (identifier) @name)
      (pointer_declarator declarator: (identifier) @name)
    ] @declarator) @definition.variable)

; ---------------------------------------------------------------- calls

; `[Photo alloc]`, `[Photo new]`: constructing a `Photo`.
((message_expression
  receiver: (identifier) @name
  . method: (identifier) @_selector) @reference.new
  (#any-of? @_selector "alloc" "new" "allocWithZone"))

; `[obj insert:x at:0]`: a call of `insert` on `obj` (the first keyword).
((message_expression
  receiver: (_) @receiver
  . method: (identifier) @name) @reference.call
  (#not-any-of? @name "alloc" "new" "allocWithZone"))

(call_expression function: (identifier) @name) @reference.call
(call_expression
  function: (field_expression argument: (_) @receiver field: (field_identifier) @name)) @reference.call

(comment) @comment

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
; A definition's first keyword is its first `identifier` child; derived,
; not matched (written out, these were 0.4 s of compiling).
((method_definition) @definition.method
  (#set! name.child "identifier")
  (#set! body.child "compound_statement")
  (#set! modifiers.child "+"))

; `@property (nonatomic, copy) NSString *name;` (its attributes show in the
; signature; a quantified capture inside them yields only the first).
(property_declaration
  (struct_declaration
    (struct_declarator [
      (identifier) @name
      (pointer_declarator declarator: [
        (identifier) @name
        (pointer_declarator declarator: (identifier) @name)])
    ]))) @definition.property

; Instance variables in `{ … }` after `@interface`/`@implementation`.
(instance_variable
  (struct_declaration
    (struct_declarator [
      (identifier) @name
      (pointer_declarator declarator: [
        (identifier) @name
        (pointer_declarator declarator: (identifier) @name)])
    ]))) @definition.field

; ---------------------------------------------------------------- C

; The C patterns come from c.scm, appended to this file (`specs.rs`);
; only what Objective-C adds to them is here, first, so that it wins on
; a node both match.

; `typedef enum : NSInteger { … } Source;` (what `NS_ENUM` expands to): an
; anonymous enum named by its typedef, before C's typedef pattern.
(type_definition
  type: (enum_specifier !name body: (enumerator_list) @body)
  declarator: (type_identifier) @name) @definition.enum
(type_definition
  type: (struct_specifier !name body: (field_declaration_list) @body)
  declarator: (type_identifier) @name) @definition.struct

; `typedef void (^Completion)(NSError *);`: a block type.
(type_definition
  declarator: (block_pointer_declarator declarator: (type_identifier) @name)) @definition.typedef

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

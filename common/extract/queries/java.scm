; Java: types, members, calls, imports. Captures: queries/README.md.

(package_declaration [(scoped_identifier) (identifier)] @package)

(import_declaration [(scoped_identifier) (identifier)] @import.module) @import

(class_declaration
  (modifiers)? @modifiers
  name: (identifier) @name
  superclass: (superclass (_) @base)?
  interfaces: (super_interfaces (type_list (_) @base))?
  body: (class_body) @body) @definition.class

(record_declaration
  (modifiers)? @modifiers
  name: (identifier) @name
  body: (class_body) @body) @definition.record

(interface_declaration
  (modifiers)? @modifiers
  name: (identifier) @name
  (extends_interfaces (type_list (_) @base))?
  body: (interface_body) @body) @definition.interface

(annotation_type_declaration
  (modifiers)? @modifiers
  name: (identifier) @name
  body: (annotation_type_body) @body) @definition.interface

(enum_declaration
  (modifiers)? @modifiers
  name: (identifier) @name
  interfaces: (super_interfaces (type_list (_) @base))?
  body: (enum_body) @body) @definition.enum

(enum_constant name: (identifier) @name) @definition.enum_member

(method_declaration
  (modifiers)? @modifiers
  name: (identifier) @name
  body: (block)? @body) @definition.method

(constructor_declaration
  (modifiers)? @modifiers
  name: (identifier) @name
  body: (constructor_body) @body) @definition.constructor

(field_declaration
  (modifiers)? @modifiers
  declarator: (variable_declarator name: (identifier) @name) @declarator) @definition.field

(constant_declaration
  (modifiers)? @modifiers
  declarator: (variable_declarator name: (identifier) @name) @declarator) @definition.constant

(method_invocation
  object: (_)? @receiver
  name: (identifier) @name) @reference.call

(object_creation_expression
  type: [
    (type_identifier) @name
    (scoped_type_identifier (type_identifier) @name .)
    (generic_type [(type_identifier) (scoped_type_identifier (type_identifier) @name .)] @name)
  ]) @reference.new

(block_comment) @comment
(line_comment) @comment

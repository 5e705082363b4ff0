; Zig: functions, containers (struct/enum/union named by their const),
; fields, container-level consts and vars, @import, calls.
; Captures: queries/README.md. Tests (`test "…" {}`) are not symbols.
;
; Two patterns that match one node are kept apart by predicates rather than
; by their order (the engine's tie-break between them is not reliable).

; `const std = @import("std");` is an import, not a constant; the const
; is its alias unless it repeats the module's name.
(variable_declaration
  (identifier) @_alias
  (builtin_function
    (builtin_identifier) @_builtin
    (arguments (string (string_content) @import.module)))
  (#eq? @_builtin "@import")
  (#eq? @_alias @import.module)) @import
(variable_declaration
  (identifier) @import.alias
  (builtin_function
    (builtin_identifier) @_builtin
    (arguments (string (string_content) @import.module)))
  (#eq? @_builtin "@import")
  (#not-eq? @import.alias @import.module)) @import

; A generic type: `fn List(comptime T: type) type { return struct {…}; }`
; is read as the struct it returns, so its functions are methods.
(function_declaration
  "pub"? @modifiers
  name: (identifier) @name
  type: (builtin_type) @_type
  body: (block
    .
    (expression_statement
      (return_expression [(struct_declaration) (union_declaration)]))
    .) @body
  (#eq? @_type "type")) @definition.struct

(function_declaration
  "pub"? @modifiers
  name: (identifier) @name
  body: (block)? @body
  (#not-match? @body "^[{]\\s*return\\s+(struct|union)\\b")) @definition.function

; Containers are anonymous in Zig; the const that holds one names it. The
; signature is the first line (`pub const Level = enum(u2)`).
(variable_declaration
  "pub"? @modifiers
  (identifier) @name
  (struct_declaration)) @definition.struct

(variable_declaration
  "pub"? @modifiers
  (identifier) @name
  (opaque_declaration)) @definition.struct

(variable_declaration
  "pub"? @modifiers
  (identifier) @name
  (union_declaration)) @definition.union

; Enums and error sets (`error{ Full, Closed }`) both list named values.
(variable_declaration
  "pub"? @modifiers
  (identifier) @name
  [(enum_declaration) (error_set_declaration)]) @definition.enum


; Fields have no visibility of their own: they are as visible as their
; container, so the container's `pub` is captured as the field's modifier.
(variable_declaration
  "pub" @modifiers
  (enum_declaration (container_field name: (identifier) @name) @definition.enum_member))
(variable_declaration
  "pub" @modifiers
  (struct_declaration (container_field name: (identifier) @name) @definition.field))
(variable_declaration
  "pub" @modifiers
  (union_declaration (container_field name: (identifier) @name) @definition.field))
(function_declaration
  "pub" @modifiers
  body: (block
    (expression_statement
      (return_expression
        (struct_declaration (container_field name: (identifier) @name) @definition.field)))))
(variable_declaration
  "pub" @modifiers
  (error_set_declaration (identifier) @name @definition.enum_member))
(enum_declaration (container_field name: (identifier) @name) @definition.enum_member)
(error_set_declaration (identifier) @name @definition.enum_member)
(struct_declaration (container_field name: (identifier) @name) @definition.field)
(union_declaration (container_field name: (identifier) @name) @definition.field)

; Container-level `const`/`var` (at file scope or in a container, never
; locals in a block). `const Self = @This();` and non-`pub` aliases such as
; `const mem = std.mem;` are plumbing, not API.
(source_file
  (variable_declaration
    "pub"? @modifiers
    "const"
    (identifier) @name
    (_) @_value .) @definition.constant
  (#not-match? @_value "^(@import|@This|struct|enum|union|opaque|packed|extern|error\\s*[{])")
  (#not-match? @definition.constant "^const [A-Za-z_][A-Za-z0-9_]* = [A-Za-z_][A-Za-z0-9_.]*;$"))
(source_file
  (variable_declaration "pub"? @modifiers "var" (identifier) @name) @definition.variable)
(struct_declaration
  (variable_declaration
    "pub"? @modifiers
    "const"
    (identifier) @name
    (_) @_value .) @definition.constant
  (#not-match? @_value "^(@import|@This|struct|enum|union|opaque|packed|extern|error\\s*[{])")
  (#not-match? @definition.constant "^const [A-Za-z_][A-Za-z0-9_]* = [A-Za-z_][A-Za-z0-9_.]*;$"))
(struct_declaration
  (variable_declaration "pub"? @modifiers "var" (identifier) @name) @definition.variable)
(enum_declaration
  (variable_declaration
    "pub"? @modifiers
    "const"
    (identifier) @name
    (_) @_value .) @definition.constant
  (#not-match? @_value "^(@import|@This|struct|enum|union|opaque|packed|extern|error\\s*[{])")
  (#not-match? @definition.constant "^const [A-Za-z_][A-Za-z0-9_]* = [A-Za-z_][A-Za-z0-9_.]*;$"))
(enum_declaration
  (variable_declaration "pub"? @modifiers "var" (identifier) @name) @definition.variable)
(union_declaration
  (variable_declaration
    "pub"? @modifiers
    "const"
    (identifier) @name
    (_) @_value .) @definition.constant
  (#not-match? @_value "^(@import|@This|struct|enum|union|opaque|packed|extern|error\\s*[{])")
  (#not-match? @definition.constant "^const [A-Za-z_][A-Za-z0-9_]* = [A-Za-z_][A-Za-z0-9_.]*;$"))
(union_declaration
  (variable_declaration "pub"? @modifiers "var" (identifier) @name) @definition.variable)

(call_expression function: (identifier) @name) @reference.call
(call_expression
  function: (field_expression object: (_) @receiver member: (identifier) @name)) @reference.call

(comment) @comment

; Lua: functions (global, local, module-table and method), upper-case
; constants, calls, require. Captures: queries/README.md.
;
; `local` leads a declaration's text, and the spec reads a leading `local`
; as private; module-table functions (`function M.f`) are public.

; `local x = require("a.b")` binds the module to `x`; a bare
; `require("a.b")` statement only loads it. `require "a.b"` (no
; parentheses) is the same call.
(variable_declaration
  (assignment_statement
    (variable_list . name: (identifier) @import.alias)
    (expression_list
      . value: (function_call
        name: (identifier) @_require
        (#eq? @_require "require")
        arguments: (arguments . (string content: (string_content) @import.module)))))) @import

(chunk
  (function_call
    name: (identifier) @_require
    (#eq? @_require "require")
    arguments: (arguments . (string content: (string_content) @import.module))) @import)

(block
  (function_call
    name: (identifier) @_require
    (#eq? @_require "require")
    arguments: (arguments . (string content: (string_content) @import.module))) @import)

; `function M:f()`: a method of the table M (it gets `self`).
(function_declaration
  name: (method_index_expression table: (_) @target method: (identifier) @name)
  body: (block)? @body) @definition.method

; `function M.f()`, `function a.b.f()`: a function of the table M.
(function_declaration
  name: (dot_index_expression table: (_) @target field: (identifier) @name)
  body: (block)? @body) @definition.function

; `function f()`, `local function f()`.
(function_declaration
  name: (identifier) @name
  body: (block)? @body) @definition.function

; `M.f = function() … end`, `local f = function() … end`.
(assignment_statement
  (variable_list
    . name: (dot_index_expression table: (_) @target field: (identifier) @name))
  (expression_list . value: (function_definition body: (block) @body))) @definition.function

(variable_declaration
  (assignment_statement
    (variable_list . name: (identifier) @name)
    (expression_list . value: (function_definition body: (block) @body)))) @definition.function

(chunk
  (assignment_statement
    (variable_list . name: (identifier) @name)
    (expression_list . value: (function_definition body: (block) @body))) @definition.function)

; Functions in a table constructor: `local M = { f = function() … end }`
; (a function of M), and a metatable's or an options table's fields
; elsewhere (`setmetatable(t, { __index = function(t, k) … end })`).
(variable_declaration
  "local"? @modifiers
  (assignment_statement
    (variable_list . name: (identifier) @target)
    (expression_list
      . value: (table_constructor
        (field
          name: (identifier) @name
          value: (function_definition body: (block) @body)) @definition.function))))

(assignment_statement
  (variable_list . name: (_) @target)
  (expression_list
    . value: (table_constructor
      (field
        name: (identifier) @name
        value: (function_definition body: (block) @body)) @definition.function)))

(field
  name: (identifier) @name
  value: (function_definition body: (block) @body)) @definition.function

; Upper-case names (two characters or more: `M` is a module table) at the
; top level are constants: `local MAX = 10`,
; `M.VERSION = "1.0"` (the table as target).
(chunk
  (variable_declaration
    (assignment_statement
      (variable_list . name: (identifier) @name)
      (#match? @name "^[A-Z][A-Z0-9_]+$"))) @definition.constant)

(chunk
  (assignment_statement
    (variable_list
      . name: (dot_index_expression table: (identifier) @target field: (identifier) @name))
    (#match? @name "^[A-Z][A-Z0-9_]+$")) @definition.constant)

; Calls: `f(x)`, `M.f(x)` and `obj:f(x)` (on the receiver).
(function_call
  name: (identifier) @name
  (#not-eq? @name "require")) @reference.call

(function_call
  name: (dot_index_expression table: (_) @receiver field: (identifier) @name)) @reference.call

(function_call
  name: (method_index_expression table: (_) @receiver method: (identifier) @name)) @reference.call

(comment) @comment

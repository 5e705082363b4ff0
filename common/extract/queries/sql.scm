; SQL (tree-sitter-sequel): schemas, tables and their columns, views,
; types, functions, and the functions called in function bodies.
; Captures: queries/README.md.
;
; A schema-qualified name (`billing.invoices`) keeps its schema as the
; @target, so the qualified name is `billing.invoices`. Indexes and
; triggers have no fitting symbol kind and are left out.

(create_schema (identifier) @name) @definition.namespace

; A table is a struct and its columns are fields (`CREATE TABLE t AS
; SELECT …` has no column list: no fields).
(create_table
  (object_reference schema: (identifier)? @target name: (identifier) @name)
  (column_definitions)? @body) @definition.struct

(column_definitions (column_definition name: (identifier) @name) @definition.field)

; A view is a derived table: a struct too; its signature is the line up to
; its query.
(create_view
  (object_reference schema: (identifier)? @target name: (identifier) @name)
  (create_query) @body) @definition.struct
(create_materialized_view
  (object_reference schema: (identifier)? @target name: (identifier) @name)
  (create_query) @body) @definition.struct

; `CREATE TYPE t AS ENUM (…)` is an enum (its values are string literals,
; not names, so they are no members); a composite type a struct with
; fields; anything else a type.
(create_type
  (object_reference schema: (identifier)? @target name: (identifier) @name)
  (enum_elements)) @definition.enum
(create_type
  (object_reference schema: (identifier)? @target name: (identifier) @name)
  (column_definitions) @body) @definition.struct
(create_type
  (object_reference schema: (identifier)? @target name: (identifier) @name)
  !value
  .) @definition.type

; Functions; the signature runs to the body (`AS $$`), so it includes the
; return type, language and volatility.
(create_function
  (object_reference schema: (identifier)? @target name: (identifier) @name)
  (function_body)? @body) @definition.function

(invocation
  (object_reference schema: (identifier)? @receiver name: (identifier) @name)) @reference.call

(comment) @comment
(marginalia) @comment

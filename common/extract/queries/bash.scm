; Bash: functions, top-level globals, commands as calls, `source`/`.`.
; Captures: queries/README.md. Everything is public (specs.rs).

; `source lib/x.sh`, `. "$DIR/x.sh"`: the first argument as written
; (outer quotes removed by the engine).
(command
  name: (command_name (word) @_source)
  (#any-of? @_source "source" ".")
  .
  argument: (_) @import.module) @import

; `name() { … }`, `function name { … }`, `function name() { … }`.
(function_definition
  name: (word) @name
  body: (_) @body) @definition.function

; Top-level globals: `readonly X=…`, `declare -r X=…` are constants;
; `export X=…`, `declare X=…` and plain UPPER_CASE assignments (the
; convention for a script's settings) are variables. Lower-case plain
; assignments are left out: they are a script's scratch values.
(program
  (declaration_command
    (variable_assignment name: (variable_name) @name)) @definition.constant
  (#match? @definition.constant "^(readonly|(declare|typeset) +-[a-zA-Z]*r)"))

(program
  (declaration_command
    (variable_assignment name: (variable_name) @name)) @definition.variable)

(program
  (variable_assignment name: (variable_name) @name) @definition.variable
  (#match? @name "^[A-Z][A-Z0-9_]*$"))

; Every command is a call of its name; only names the repository defines
; as functions resolve, so external programs and builtins stay unresolved.
(command
  name: (command_name (word) @name)
  (#not-any-of? @name "source" ".")) @reference.call

(comment) @comment

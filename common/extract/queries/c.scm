; C: functions, types, members, macros, globals, calls, includes.
; Captures: queries/README.md.

(preproc_include path: (_) @import.module) @import

(function_definition
  (storage_class_specifier)? @modifiers
  declarator: [
    (function_declarator declarator: (identifier) @name)
    (pointer_declarator declarator: [
      (function_declarator declarator: (identifier) @name)
      (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))])
  ]
  body: (compound_statement) @body) @definition.function

(struct_specifier name: (type_identifier) @name body: (field_declaration_list) @body) @definition.struct
(union_specifier name: (type_identifier) @name body: (field_declaration_list) @body) @definition.union
(enum_specifier name: (type_identifier) @name body: (enumerator_list) @body) @definition.enum
(enumerator name: (identifier) @name) @definition.enum_member

(field_declaration
  declarator: [
    (field_identifier) @name
    (pointer_declarator declarator: (field_identifier) @name)
    (array_declarator declarator: (field_identifier) @name)
    (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (field_identifier) @name)))
  ] @declarator) @definition.field

(type_definition
  declarator: [
    (type_identifier) @name
    (pointer_declarator declarator: (type_identifier) @name)
    (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @name)))
  ]) @definition.typedef

(preproc_def name: (identifier) @name) @definition.macro
(preproc_function_def name: (identifier) @name) @definition.macro

; Variables (not prototypes: a declarator that is a function declarator
; declares, it does not define). Declarations anywhere: the engine drops
; those inside functions (locals), and a global under `#ifdef` is not a
; child of the file's root. One match per declarator (`int a, *b;`), each
; named by descending its `declarator` fields through initialisers,
; pointers and arrays to the identifier (`char *names[4] = …` is `names`);
; a function declarator on the way is no leaf, so a prototype names
; nothing. Derived (queries/README.md): written out as alternatives, this
; pattern cost Objective-C's grammar 340 ms to compile.
((declaration declarator: (_) @declarator) @definition.variable
  (#set! @declarator name.descend "declarator: init_declarator pointer_declarator array_declarator")
  (#set! modifiers.child "storage_class_specifier"))

; `void (*pm_power_off)(void);`, `static int (*handlers[4])(int);`: a
; variable that holds a function pointer (a prototype's function declarator
; names the function bare, which the pattern above leaves out).
((declaration
  declarator: [
    (function_declarator
      declarator: (parenthesized_declarator
        (pointer_declarator declarator: [
          (identifier) @name
          (array_declarator declarator: (identifier) @name)])))
    (init_declarator
      declarator: (function_declarator
        declarator: (parenthesized_declarator
          (pointer_declarator declarator: (identifier) @name))))
  ] @declarator) @definition.variable
  (#set! modifiers.child "storage_class_specifier"))

(call_expression function: (identifier) @name) @reference.call
(call_expression
  function: (field_expression argument: (_) @receiver field: (field_identifier) @name)) @reference.call

(comment) @comment

; Ruby: modules, classes, methods (instance and singleton), constants,
; calls, require. Captures: queries/README.md.
;
; Signatures are a definition's first line (no @body): Ruby headers are one
; line, and a comment between `class Foo` and its body is a child of the
; class, so text up to the body would drag it into the signature.

(call
  !receiver
  method: (identifier) @_require
  (#any-of? @_require "require" "require_relative" "load" "autoload")
  arguments: (argument_list . (string (string_content) @import.module))) @import

; `autoload :Name, "path"`: the module is the second argument.
(call
  !receiver
  method: (identifier) @_autoload
  (#eq? @_autoload "autoload")
  arguments: (argument_list (simple_symbol) . (string (string_content) @import.module))) @import

; Modules and classes. `class Shipping::Parcel` names Parcel in Shipping
; (@target); bases are the superclass and the modules mixed in with
; `include`/`prepend` in the body.
(module
  name: [
    (constant) @name
    (scope_resolution scope: (_) @target name: (constant) @name)
  ]) @definition.module

(class
  name: [
    (constant) @name
    (scope_resolution scope: (_) @target name: (constant) @name)
  ]
  superclass: (superclass (_) @base)?
  body: (body_statement
    (call
      !receiver
      method: (identifier) @_mixin
      (#any-of? @_mixin "include" "prepend")
      arguments: (argument_list (_) @base))+)) @definition.class

(class
  name: [
    (constant) @name
    (scope_resolution scope: (_) @target name: (constant) @name)
  ]
  superclass: (superclass (_) @base)?) @definition.class

; `Point = Struct.new(:x, :y) do … end`, `Error = Class.new(StandardError)`:
; a class bound to a constant.
(assignment
  left: (constant) @name
  right: (call
    receiver: (constant) @_maker
    (#any-of? @_maker "Struct" "Class" "Data")
    method: (identifier) @_new
    (#any-of? @_new "new" "define"))) @definition.class

; Methods. Visibility: `private def foo` (a call whose argument is the
; method), or a bare `private`/`protected` earlier in the same body (a
; method after both gets private: the usual order is public, protected,
; private). The first pattern that matches a method wins.
(call
  !receiver
  method: (identifier) @modifiers
  (#any-of? @modifiers "private" "protected" "public")
  arguments: (argument_list
    (method name: (_) @name) @definition.method))

(body_statement
  (identifier) @modifiers
  (#eq? @modifiers "private")
  (method name: (_) @name) @definition.method)

(body_statement
  (identifier) @modifiers
  (#eq? @modifiers "protected")
  (method name: (_) @name) @definition.method)

; Methods of `class << self` are singleton methods, like `def self.foo`.
(singleton_class
  value: (self) @modifiers
  body: (body_statement (method name: (_) @name) @definition.method))

; A top-level `def` is a function (a private method of Object).
(program (method name: (_) @name) @definition.function)

(method name: (_) @name) @definition.method

; `def self.build`: a singleton method; `def Shipping.build` outside its
; module names the module as the target.
(singleton_method object: (self) @modifiers name: (_) @name) @definition.method
(singleton_method object: [(constant) (scope_resolution)] @target name: (_) @name) @definition.method

; `alias new_name old_name` defines a method.
(alias name: (identifier) @name) @definition.method

; Other constants (the class-making ones above excluded by text: a pattern
; that looks deeper finishes later, so order alone would not settle it).
(assignment
  left: (constant) @name
  right: (_) @_value
  (#not-match? @_value "^(Struct|Class|Data)[.](new|define)")) @definition.constant

; Calls. `Foo.new(…)` constructs a Foo; `obj.foo`, `Foo.bar`, `obj&.foo`
; are method calls on a receiver; `foo(x)`/`foo x` are calls. A bare
; identifier without arguments may be a local variable: not a call.
(call
  receiver: [(constant) (scope_resolution)] @name
  method: (identifier) @_new
  (#eq? @_new "new")) @reference.new

(call
  receiver: (_) @receiver
  method: (identifier) @name
  (#not-eq? @name "new")) @reference.call

(call
  !receiver
  method: (identifier) @name
  (#not-any-of? @name "require" "require_relative" "load" "raise" "private" "protected" "public")) @reference.call

(comment) @comment

; Protocol Buffers: package (the file's prefix), imports, messages (nested
; ones nested), their fields, map fields and oneofs, enums and their
; values, services and their rpcs. Captures: queries/README.md.

(package (full_ident) @package)

(import path: (string) @import.module) @import

(message (message_name) @name (message_body) @body) @definition.struct

; A oneof groups fields of its message: it is a member of the message and
; its fields stay the message's own (`Request.order_id`, as protoc names
; them), so it is a field, not a container.
(oneof (identifier) @name) @definition.field
(field (identifier) @name) @definition.field
(map_field (identifier) @name) @definition.field
(oneof_field (identifier) @name) @definition.field

(enum (enum_name) @name (enum_body) @body) @definition.enum
(enum_field (identifier) @name) @definition.enum_member

(service (service_name) @name) @definition.interface
(rpc (rpc_name) @name) @definition.method

(comment) @comment

//! The `doctown` command.

use std::process::ExitCode;
// The process's allocator (mimalloc).
use doctown_alloc as _;

fn main() -> ExitCode {
    doctown_cli::main()
}

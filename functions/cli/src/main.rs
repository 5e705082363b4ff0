//! The `doctown` command.

use std::process::ExitCode;

fn main() -> ExitCode {
    doctown_cli::main()
}

//! The `doctown` command.

use std::process::ExitCode;

/// Every stage allocates and frees millions of small values (symbols,
/// ids, JSON strings); glibc's allocator spent a quarter of a large
/// rebuild's CPU doing so (BENCHMARKS.md, "A faster allocator").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    doctown_cli::main()
}

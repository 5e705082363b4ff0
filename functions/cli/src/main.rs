//! The `doctown` command.

use std::process::ExitCode;

/// Every stage allocates and frees millions of small values (symbols,
/// ids, JSON strings); glibc's allocator spent a quarter of a large
/// rebuild's CPU doing so (BENCHMARKS.md, "A faster allocator"). The
/// `override` feature makes mimalloc the process's `malloc` too, so
/// tree-sitter's parsers and ONNX Runtime use it as well (one allocator
/// holds less memory than two side by side); `no_thp` keeps its pages
/// out of transparent huge pages.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    doctown_cli::main()
}

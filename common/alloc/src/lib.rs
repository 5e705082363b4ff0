//! The allocator of Doctown's binaries: mimalloc, with one setting of
//! its own.
//!
//! Every stage allocates and frees millions of small values (symbols,
//! ids, JSON strings); glibc's allocator spent a quarter of a large
//! rebuild's CPU doing so (BENCHMARKS.md, "Rebuilds"). The
//! `override` feature makes mimalloc the process's `malloc` too, so
//! tree-sitter's parsers and ONNX Runtime use it as well (one allocator
//! holds less memory than two side by side); `no_thp` keeps its pages
//! out of transparent huge pages.
//!
//! A binary links this crate (`use doctown_alloc as _;` in its `main.rs`).

/// The process's allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 3's `mimalloc.h` (the Rust
/// bindings name only the options of version 2).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long [`keep_freed_memory_longer`] keeps freed memory mapped before
/// mimalloc hands it back to the system (mimalloc's own default is 1 s).
pub const LONGER_PURGE_DELAY_MS: std::ffi::c_long = 10_000;

/// Keeps freed memory mapped for [`LONGER_PURGE_DELAY_MS`], unless
/// `MIMALLOC_PURGE_DELAY` chose a delay (mimalloc reads its variables as
/// the process loads; a value read there wins): for the commands a
/// person waits on, a review and the live map's rebuilds.
///
/// A rebuild's stages free their large structures as each ends, and the
/// next allocates as much again a second or two later. Handed back after
/// 1 s, those pages are mapped and zeroed again by the kernel: in a review
/// of the large benchmark repository, 150,000 of its 363,000 page faults,
/// about 0.35 s of system time on two cores. Kept for 10 s they are
/// reused: the review's wall time fell by 6 % and its peak memory rose by
/// a fifth (BENCHMARKS.md, #65's review row). A build keeps
/// mimalloc's default: on the Linux kernel the longer delay took the
/// build's peak from 5.5 to 6.2 GiB, past its 6 GiB target.
pub fn keep_freed_memory_longer() {
    set_purge_delay_default(LONGER_PURGE_DELAY_MS);
}

#[allow(unsafe_code)]
fn set_purge_delay_default(ms: std::ffi::c_long) {
    // SAFETY: `mi_option_set_default` writes one entry of mimalloc's
    // static option table (an index in range, a plain integer value); it
    // neither allocates nor touches memory of ours, and may be called
    // from any thread at any time (mimalloc reads the option each time it
    // schedules a purge).
    unsafe { libmimalloc_sys::mi_option_set_default(PURGE_DELAY, ms) }
}

#[cfg(test)]
#[allow(unsafe_code)]
fn purge_delay() -> std::ffi::c_long {
    // SAFETY: reads one entry of mimalloc's static option table.
    unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index is mimalloc 3's purge delay: its default (1,000 ms,
    /// no other option's) until it is set, then the longer one. An upgrade
    /// that moves the option fails here, not silently elsewhere.
    #[test]
    fn the_longer_delay_is_set_unless_the_environment_chose_one() {
        match std::env::var("MIMALLOC_PURGE_DELAY") {
            Ok(chosen) => {
                keep_freed_memory_longer();
                assert_eq!(purge_delay().to_string(), chosen.trim());
            }
            Err(_) => {
                assert_eq!(purge_delay(), 1_000);
                keep_freed_memory_longer();
                assert_eq!(purge_delay(), LONGER_PURGE_DELAY_MS);
            }
        }
    }
}

//! Uses `doctown_core::events::embed` once `common/core/src/events.rs`
//! declares it (`pub mod embed;`); until then the crate compiles the same
//! file itself (see `events` in lib.rs). Delete this file and the fallback
//! once the declaration is in.

fn main() {
    let events = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../common/core/src/events.rs"
    );
    println!("cargo::rerun-if-changed={events}");
    println!("cargo::rustc-check-cfg=cfg(core_embed_events)");
    let declared = std::fs::read_to_string(events)
        .is_ok_and(|s| s.lines().any(|l| l.trim() == "pub mod embed;"));
    if declared {
        println!("cargo::rustc-cfg=core_embed_events");
    }
}

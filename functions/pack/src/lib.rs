//! The pack stage: every stage's artifacts in, one deterministic `.docpack`
//! out, at `jobs/<job>/pack/<name>.docpack`.
//!
//! [`inputs`] reads the artifacts from the object store (assemble's graph
//! mapped as it is parsed: [`graph`]), [`mapping`] turns them into the
//! docpack's parts (pure, no IO; [`history`] joins the git history to the
//! graph), and the [`PackHandler`] writes the archive and reports its size
//! and checksum.

pub mod graph;
mod handler;
pub mod history;
pub mod inputs;
pub mod mapping;

pub use handler::{docpack_file_name, previous_blocks, PackHandler, BLOCKS};

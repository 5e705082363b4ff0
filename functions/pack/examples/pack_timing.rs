//! Times each step of the pack stage on a finished job in a local store,
//! with the CPU seconds it took (beside its wall time: how many cores it
//! kept busy) and the process's resident memory after it (now and peak); the
//! docpack is written to a temporary file, as the stage writes it (reusing
//! the blocks of the source's last pack, as the stage does: the memo is
//! read as the build that wrote it), and its size and SHA-256 printed.
//!
//! ```text
//! cargo run --release -p doctown-pack --example pack_timing -- STORE_DIR JOB_ID
//! ```

use doctown_core::JobId;
use doctown_docpack::write_docpack;
use doctown_pack::inputs::{read_inputs, StoredLines};
use doctown_pack::mapping::{docpack_input, source_info, with_contexts, PackOptions, Streams};
use doctown_pack::previous_blocks;
use doctown_pipeline::memo::Memo;
use doctown_pipeline::process::{cpu_seconds, resident_mib as memory};
use doctown_store::{load_state, LocalStore};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [store_dir, job] = args.as_slice() else {
        return Err("usage: pack_timing STORE_DIR JOB_ID".into());
    };
    let store = LocalStore::open(store_dir)?;
    let job = JobId::new(job.as_str())?;
    let state = load_state(&store, &job)?.ok_or("no such job")?;
    let mut clock = Instant::now();
    let mut cpu = cpu_seconds();
    let mut lap = |step: &str| {
        let (now, peak) = memory();
        let used = cpu_seconds();
        println!(
            "{step:>16} {:>6} ms  cpu {:>5.2} s  rss {now:>5} MiB  peak {peak:>5} MiB",
            clock.elapsed().as_millis(),
            used - cpu
        );
        clock = Instant::now();
        cpu = used;
    };
    let options = PackOptions::default();
    let inputs = read_inputs(&store, &state, |model| with_contexts(&options, model))
        .map_err(|e| e.message)?;
    lap("read inputs");
    let source = source_info(state.source.as_ref(), "timing");
    let spool = tempfile::tempdir()?;
    let mut symbols = StoredLines::symbols(&store, &inputs.symbols_key);
    let mut chunks = StoredLines::chunks(&store, &inputs.chunk_keys);
    let streams = Streams {
        symbols: &mut symbols,
        chunks: &mut chunks,
    };
    let packed =
        docpack_input(inputs, streams, &source, &options, spool.path()).map_err(|e| e.message)?;
    lap("map, spool nodes");
    let memo = Memo::for_job(&store, &state, doctown_core::Stage::Pack);
    let written_by = memo.written_by(doctown_pack::BLOCKS.name);
    let memo = match written_by.as_deref() {
        Some(build) => memo.as_build(build),
        None => memo,
    };
    let previous = previous_blocks(&memo, &store);
    lap("read blocks");
    let out = tempfile::tempfile_in(spool.path())?;
    let written = write_docpack(
        packed.input,
        Some(packed.nodes),
        &previous,
        spool.path(),
        std::io::BufWriter::new(out),
    )?;
    lap("write");
    println!(
        "{} bytes, {} blocks ({} reused), sha256 {}",
        written.size_bytes, written.block_count, written.blocks_reused, written.sha256
    );
    Ok(())
}

//! Times each step of the pack stage on a finished job in a local store,
//! encoding twice: without and with the first encoding's deflated blocks;
//! then checks every JSON entry against its canonical value.
//!
//! ```text
//! cargo run --release -p doctown-pack --example pack_timing -- STORE_DIR JOB_ID
//! ```

use doctown_core::JobId;
use doctown_docpack::canonical::canonical_value;
use doctown_docpack::encode_docpack_reusing;
use doctown_pack::inputs::read_inputs;
use doctown_pack::mapping::{docpack_input, source_info, with_contexts, PackOptions};
use doctown_store::{load_state, LocalStore};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [store, job] = args.as_slice() else {
        return Err("usage: pack_timing STORE_DIR JOB_ID".into());
    };
    let store = LocalStore::open(store)?;
    let job = JobId::new(job.as_str())?;
    let state = load_state(&store, &job)?.ok_or("no such job")?;
    let mut clock = Instant::now();
    let mut lap = |step: &str| {
        println!("{step:>12} {:>6} ms", clock.elapsed().as_millis());
        clock = Instant::now();
    };
    let options = PackOptions::default();
    let inputs = read_inputs(&store, &state, |model| with_contexts(&options, model))
        .map_err(|e| e.message)?;
    lap("read inputs");
    let source = source_info(state.source.as_ref(), "timing");
    let input = docpack_input(inputs, &source, &options)?;
    lap("map");
    let again = input.clone();
    lap("clone");
    let cold = encode_docpack_reusing(input, &Default::default())?;
    lap("encode cold");
    let warm = encode_docpack_reusing(again, &cold.blocks)?;
    lap("encode warm");
    assert_eq!(cold.bytes, warm.bytes);
    println!("{} bytes, {} blocks", warm.bytes.len(), warm.block_count);
    // Every JSON entry is what pretty-printing its canonical value gives.
    for (name, bytes) in warm.entries.iter().filter(|(n, _)| n.ends_with(".json")) {
        let value: serde_json::Value = serde_json::from_slice(bytes)?;
        let mut expected = serde_json::to_vec_pretty(&canonical_value(value))?;
        expected.push(b'\n');
        assert!(expected == *bytes, "{name} is not canonical");
    }
    lap("canonical check");
    Ok(())
}

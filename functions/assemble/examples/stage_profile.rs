//! Where the assemble stage's time and memory go on a stored job:
//!
//! ```text
//! cargo run --release -p doctown-assemble --example stage_profile -- STORE JOB [OUT]
//! ```
//!
//! Reads the job's ingest outputs as the stage does, runs every step with
//! the graph and contexts written as they are made (as the stage writes
//! them into its store; here into `OUT`, or a temporary directory: nothing
//! is written to the job's store), and prints per step the wall time,
//! the process's CPU time, its resident memory at the step's end and its
//! peak during the step (reset through `/proc/self/clear_refs` before
//! each step, so Linux only). Structural (no vectors), default options.
//! With `OUT`, the four artifacts the stage stores (`graph.json`,
//! `contexts.jsonl`, `clusters.json`, `modules.json`) are written there as
//! the stage writes them, to compare with `cmp`.

use doctown_assemble::handler::read_ingest;
use doctown_assemble::sink::JsonFiles;
use doctown_assemble::{assemble_into, AssembleInput, AssembleOptions};
use doctown_core::IngestManifest;
use doctown_pipeline::process::{cpu_seconds, reset_peak, resident_mib as memory};
use doctown_store::{LocalStore, ObjectStore, ObjectWriter};
use std::time::Instant;

struct Clock {
    wall: Instant,
    cpu: f64,
}

impl Clock {
    fn new() -> Clock {
        reset_peak();
        Clock {
            wall: Instant::now(),
            cpu: cpu_seconds(),
        }
    }

    fn lap(&mut self, step: &str) {
        let (now, peak) = memory();
        let cpu = cpu_seconds();
        println!(
            "| {step} | {:.2} | {:.2} | {now} | {peak} |",
            self.wall.elapsed().as_secs_f64(),
            cpu - self.cpu
        );
        *self = Clock::new();
    }
}

/// Stores the artifacts under `out` as the stage stores them.
fn write_artifacts(
    out: &LocalStore,
    assembled: &doctown_assemble::Assembled,
    written: JsonFiles<Box<dyn ObjectWriter + '_>>,
) -> Result<(), doctown_assemble::AssembleError> {
    let written = written.finish()?;
    written.graph.commit()?;
    doctown_store::put_json(out, "clusters.json", &assembled.clusters)?;
    doctown_store::put_json(out, "modules.json", &assembled.modules)?;
    written.contexts.commit()?;
    written.outline.commit()?;
    Ok(())
}

/// Prints the error and exits with 1.
fn fail(error: impl std::fmt::Display) -> ! {
    eprintln!("error: {error}");
    std::process::exit(1)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (store, job, out_dir) = match args.as_slice() {
        [store, job] => (store, job, None),
        [store, job, out] => (store, job, Some(out)),
        _ => {
            eprintln!("usage: stage_profile STORE JOB [OUT]");
            std::process::exit(2);
        }
    };
    let store = match LocalStore::open(store) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let key = format!("jobs/{job}/ingest/{}", IngestManifest::NAME);
    println!("| step | wall s | CPU s | RSS at end MiB | peak MiB |");
    println!("|---|---:|---:|---:|---:|");
    let started = Instant::now();
    let mut clock = Clock::new();
    let (symbols, files, chunks) = match read_ingest(&store, &key, &|| false) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    clock.lap("load");
    let input = AssembleInput::new(symbols, files, chunks, None);
    clock.lap("sort");
    // The artifacts go to OUT, or to a temporary directory.
    let temp = tempfile::tempdir().unwrap_or_else(|e| fail(e));
    let out = out_dir.map_or_else(|| temp.path().to_path_buf(), std::path::PathBuf::from);
    let out_store = LocalStore::open(out).unwrap_or_else(|e| fail(e));
    let graph = out_store.writer("graph.json").unwrap_or_else(|e| fail(e));
    let contexts = out_store
        .writer("contexts.jsonl")
        .unwrap_or_else(|e| fail(e));
    let outline = out_store
        .writer("outline.jsonl")
        .unwrap_or_else(|e| fail(e));
    let mut files = JsonFiles::new(graph, contexts, outline);
    let options = AssembleOptions {
        use_embeddings: false,
        ..AssembleOptions::default()
    };
    let out = assemble_into(&input, &options, &mut |step| clock.lap(step), &mut files);
    let out = out.and_then(|out| write_artifacts(&out_store, &out, files).map(|()| out));
    match out {
        Ok(out) => println!(
            "\n{} symbols, {} nodes, {} edges, {} clusters, {} modules; {:.2} s",
            out.symbol_count,
            out.graph.metrics.nodes,
            out.graph.metrics.edges,
            out.clusters.clusters.len(),
            out.modules.len(),
            started.elapsed().as_secs_f64()
        ),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

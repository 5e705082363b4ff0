//! Where ingest's memory goes at call resolution: loads a stored ingest's
//! `symbols.jsonl` and `files.jsonl`, then prints the resident memory after
//! loading the symbols, after reducing them to what resolution reads
//! (`doctown_ingest::resolution_view`), and the peak through resolution.
//! With `full OUT`, also writes the symbols as resolved again to OUT: the
//! same bytes as the stored `symbols.jsonl` when resolution links as it did.
//! `cargo run --release -p doctown-ingest --example resolve_memory -- INGEST_DIR [full|lean] [OUT]`
//! (INGEST_DIR: `STORE/jobs/<job>/ingest`).

use doctown_core::{FileRecord, Import, Symbol};
use doctown_pipeline::process::resident_mib as memory;
use std::collections::HashMap;
use std::io::BufRead;

fn lines(path: &std::path::Path) -> impl Iterator<Item = String> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    std::io::BufReader::new(file)
        .lines()
        .map(|l| l.expect("a line"))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(std::path::PathBuf::from) else {
        eprintln!("usage: resolve_memory INGEST_DIR [full|lean]");
        std::process::exit(2);
    };
    let lean = args.next().as_deref() == Some("lean");
    let out = args.next();
    let mut imports: HashMap<String, Vec<Import>> = HashMap::new();
    for line in lines(&dir.join("files.jsonl")) {
        let file: FileRecord = serde_json::from_str(&line).expect("a file record");
        imports.insert(file.path, file.imports);
    }
    let mut symbols: Vec<Symbol> = Vec::new();
    for line in lines(&dir.join("symbols.jsonl")) {
        let symbol: Symbol = serde_json::from_str(&line).expect("a symbol");
        symbols.push(if lean {
            doctown_ingest::resolution_view(symbol).0
        } else {
            symbol
        });
    }
    symbols.shrink_to_fit();
    let calls: usize = symbols.iter().map(|s| s.calls.len()).sum();
    let (rss, _) = memory();
    println!(
        "{} symbols, {calls} call sites, {} files: {rss} MiB resident after loading ({})",
        symbols.len(),
        imports.len(),
        if lean {
            "resolution view"
        } else {
            "full symbols"
        }
    );
    let layout = doctown_extract::ProjectLayout::default();
    let started = std::time::Instant::now();
    let (stats, targets) =
        doctown_extract::resolve_calls_and_imports(&mut symbols, &imports, &layout);
    let (rss, peak) = memory();
    println!(
        "resolved {} of {} calls in {:.1} s, {} files' import targets: {rss} MiB resident, peak {peak} MiB",
        stats.resolved,
        stats.calls,
        started.elapsed().as_secs_f64(),
        targets.len()
    );
    if let (Some(out), false) = (out, lean) {
        let mut bytes = Vec::new();
        for symbol in &symbols {
            serde_json::to_writer(&mut bytes, symbol).expect("a symbol serialises");
            bytes.push(b'\n');
        }
        std::fs::write(&out, bytes).unwrap_or_else(|e| panic!("{out}: {e}"));
    }
}

//! Prints the implements/overrides relation that dispatch edges are made
//! from (see `doctown_assemble::dispatch`), for the evaluation against
//! compiler-grade indexes (`scripts/callgraph-eval.sh --dispatch`).
//!
//! ```text
//! cargo run --release -p doctown-assemble --example overrides -- symbols.jsonl files.jsonl > overrides.jsonl
//! ```
//!
//! Reads ingest's `symbols.jsonl` and `files.jsonl` and prints one JSON object per line,
//! `{"base": id, "implementation": id}`: the method `implementation`
//! implements or overrides the method `base`.

use doctown_assemble::dispatch::Overrides;
use doctown_assemble::AssembleInput;
use doctown_core::{FileRecord, Symbol};
use serde::de::DeserializeOwned;
use std::io::{BufRead, BufReader, Write};

fn read_jsonl<T: DeserializeOwned>(path: &str) -> Result<Vec<T>, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    for line in BufReader::new(std::fs::File::open(path)?).lines() {
        let line = line?;
        if !line.trim().is_empty() {
            out.push(serde_json::from_str::<T>(&line)?);
        }
    }
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [symbols, files] = args.as_slice() else {
        return Err("usage: overrides SYMBOLS_JSONL FILES_JSONL".into());
    };
    let symbols: Vec<Symbol> = read_jsonl(symbols)?;
    let files: Vec<FileRecord> = read_jsonl(files)?;
    let input = AssembleInput::new(symbols, files, Vec::new(), None);
    let parent_of = input.parent_indices();
    let overrides = Overrides::new(&input.symbols, parent_of, &input.files);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (base, implementation) in overrides.pairs() {
        let row = serde_json::json!({
            "base": input.symbols[base].id.as_str(),
            "implementation": input.symbols[implementation].id.as_str(),
        });
        writeln!(out, "{row}")?;
    }
    out.flush()?;
    Ok(())
}

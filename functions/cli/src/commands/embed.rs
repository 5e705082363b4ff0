//! `doctown embed`: texts in, vectors out, exactly as given.

use crate::args::EmbedArgs;
use anyhow::{Context, Result};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

pub fn embed(args: EmbedArgs) -> Result<ExitCode> {
    let config = doctown_embed::EmbedConfig::from_env()?;
    let mut input: Box<dyn BufRead> = if args.input == Path::new("-") {
        Box::new(BufReader::new(std::io::stdin().lock()))
    } else {
        let file = File::open(&args.input)
            .with_context(|| format!("cannot read {}", args.input.display()))?;
        Box::new(BufReader::new(file))
    };
    if args.output == Path::new("-") {
        let mut out = BufWriter::new(std::io::stdout().lock());
        doctown_embed::embed_jsonl(&mut input, &mut out, &config)?;
        out.flush()?;
    } else {
        let dir = args
            .output
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        {
            let mut out = BufWriter::new(tmp.as_file_mut());
            doctown_embed::embed_jsonl(&mut input, &mut out, &config)?;
            out.flush()?;
        }
        tmp.persist(&args.output)
            .with_context(|| format!("cannot write {}", args.output.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

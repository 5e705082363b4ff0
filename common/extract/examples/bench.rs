//! Extracts every supported file under a directory and reports the time:
//! `cargo run --release -p doctown-extract --example bench -- DIR`.
//!
//! `PARSE_ONLY=1`: only builds each file's syntax tree, on every core (as
//! `doctown symbols` runs), which is the floor of any tree-sitter extractor:
//! files are read first (a `.h` or `.m` in the language its text shows, as
//! the ingest reads it), then parsed in parallel, and the wall time of the
//! parsing is reported. It runs on the allocator of the `doctown` command
//! (mimalloc, also as tree-sitter's `malloc`), so the floor and the
//! command it is set against parse alike.

use doctown_core::language_sniff::sniff;
use doctown_core::{Import, Language};
use doctown_extract::{resolve_calls, Extractor};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;
// The process's allocator (mimalloc).
use doctown_alloc as _;

fn files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn main() {
    let root = PathBuf::from(std::env::args().nth(1).expect("usage: bench DIR"));
    let started = Instant::now();
    let mut extractor = Extractor::new();
    if std::env::var_os("PARSE_ONLY").is_some() {
        return parse_only(&root, started);
    }
    let (mut count, mut bytes, mut errors) = (0usize, 0usize, 0usize);
    let mut symbols = Vec::new();
    let mut imports: HashMap<String, Vec<Import>> = HashMap::new();
    for path in files(&root) {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let Some(language) = Language::from_extension(ext) else {
            continue;
        };
        let Ok(source) = std::fs::read_to_string(&path) else {
            continue;
        };
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let e = extractor.extract(&rel, language, &source);
        count += 1;
        bytes += source.len();
        errors += usize::from(e.has_syntax_errors);
        symbols.extend(e.symbols);
        imports.insert(rel, e.imports);
    }
    let extracted = started.elapsed();
    let stats = resolve_calls(
        &mut symbols,
        &imports,
        &doctown_extract::ProjectLayout::default(),
    );
    println!(
        "{count} files, {} MB, {errors} with errors, {} symbols, {} calls ({} resolved); extract {:?}, total {:?}",
        bytes / 1_000_000,
        symbols.len(),
        stats.calls,
        stats.resolved,
        extracted,
        started.elapsed()
    );
}

/// Reads every supported file, then parses them all in parallel, one
/// parser per thread; prints the parse wall time.
fn parse_only(root: &Path, started: Instant) {
    use rayon::prelude::*;
    let sources: Vec<(Language, String)> = files(root)
        .into_iter()
        .filter_map(|path| {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            let source = std::fs::read_to_string(&path).ok()?;
            // A `.h` or `.m` is read as what its text holds, as the ingest
            // and `doctown symbols` read it.
            let by_extension = Language::from_extension(ext)?;
            let language = sniff(by_extension, &path.to_string_lossy(), &source)?;
            Some((language, source))
        })
        .collect();
    let read = started.elapsed();
    let parsing = Instant::now();
    let errors: usize = sources
        .par_iter()
        .map_init(tree_sitter::Parser::new, |parser, (language, source)| {
            parser
                .set_language(&doctown_extract::grammar(*language))
                .ok()?;
            let tree = parser.parse(source, None)?;
            Some(usize::from(tree.root_node().has_error()))
        })
        .map(Option::unwrap_or_default)
        .sum();
    let bytes: usize = sources.iter().map(|(_, s)| s.len()).sum();
    println!(
        "parse only: {} files, {} MB, {errors} with errors; read {read:?}, parse {:?} on {} threads",
        sources.len(),
        bytes / 1_000_000,
        parsing.elapsed(),
        rayon::current_num_threads()
    );
}

//! Assemble benchmark on a synthetic repository: symbols in nested
//! modules, a skewed call graph (hubs, mostly local calls, some unresolved),
//! Python imports, and 384-d vectors (clustered topics or uniform random).
//!
//! ```text
//! cargo run --release -p doctown-assemble --example synthetic -- --chunks 20000 --vectors clustered
//! ```
//!
//! Prints wall time and peak RSS per step (the peak is reset through
//! `/proc/self/clear_refs` before each step) and the top-k recall of the
//! related lists against a naive scalar reference on sampled rows.

use doctown_assemble::assemble::assemble_with;
use doctown_assemble::assemble::neighbours;
use doctown_assemble::similarity::recall;
use doctown_assemble::vectors::symbol_vectors;
use doctown_assemble::{AssembleInput, AssembleOptions, ChunkInfo, MemoryVectors};
use doctown_core::{
    ByteRange, CallKind, CallSite, FileRecord, FileRole, Import, Language, Position, Provenance,
    Span, Symbol, SymbolId, SymbolKind, Visibility,
};
use doctown_pipeline::process::{reset_peak, resident_mib as rss};
use std::time::Instant;

const DIMS: usize = 384;
const PER_FILE: usize = 20;
const FILES_PER_DIR: usize = 10;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
    fn normal(&mut self) -> f32 {
        let (a, b) = (self.unit().max(1e-7), self.unit());
        (-2.0 * a.ln()).sqrt() * (std::f32::consts::TAU * b).cos()
    }
}

fn path_of(file: usize) -> String {
    let dir = file / FILES_PER_DIR;
    format!("pkg{}/sub{}/mod{file}.py", dir / 10, dir % 10)
}

fn repo(symbols_n: usize, rng: &mut Rng) -> (Vec<Symbol>, Vec<FileRecord>) {
    let files_n = symbols_n.div_ceil(PER_FILE);
    let ids: Vec<SymbolId> = (0..symbols_n)
        .map(|i| SymbolId::for_symbol(&path_of(i / PER_FILE), &format!("s{i}"), "function", 0))
        .collect();
    let symbols = (0..symbols_n)
        .map(|i| {
            let calls = (0..1 + rng.below(6))
                .map(|_| {
                    let u = rng.unit();
                    let callee = if u < 0.5 {
                        (i / 200) * 200 + rng.below(200)
                    } else {
                        (symbols_n as f32 * u.powi(3)) as usize
                    };
                    let resolved =
                        (rng.below(10) != 0).then(|| ids[callee.min(symbols_n - 1)].clone());
                    CallSite {
                        callee: format!("call{}", callee % 997).into(),
                        name: "f".into(),
                        qualifier: None,
                        kind: CallKind::Function,
                        line: 1,
                        receiver_type: None,
                        receiver_from: None,
                        confidence: resolved.as_ref().map(|_| 0.95),
                        provenance: resolved.as_ref().map(|_| Provenance::Import),
                        resolved,
                    }
                })
                .collect();
            let line = (i % PER_FILE) as u32 * 10 + 1;
            Symbol {
                id: ids[i].clone(),
                name: format!(
                    "{}{}",
                    ["load", "parse", "store", "render", "fetch", "index"][i % 6],
                    ["Config", "Graph", "Cache", "User"][i / 7 % 4]
                ),
                kind: SymbolKind::Function,
                qualified_name: format!("s{i}"),
                language: Language::Python,
                path: path_of(i / PER_FILE),
                span: Span {
                    bytes: ByteRange { start: 0, end: 1 },
                    start: Position { line, column: 0 },
                    end: Position {
                        line: line + 8,
                        column: 0,
                    },
                },
                signature: format!("def s{i}()"),
                visibility: Visibility::Public,
                doc: None,
                attributes: Vec::new(),
                parent: None,
                bases: Vec::new(),
                target: None,
                calls,
                field_types: Default::default(),
                words: String::new(),
            }
        })
        .collect();
    let files = (0..files_n)
        .map(|f| FileRecord {
            path: path_of(f),
            language: Language::Python,
            size_bytes: 1000,
            lines: 200,
            sha256: String::new(),
            role: FileRole::Source,
            import_files: None,
            symbols: PER_FILE as u32,
            chunks: PER_FILE as u32,
            imports: (0..3)
                .map(|_| {
                    let other = rng.below(files_n);
                    Import {
                        module: path_of(other).trim_end_matches(".py").replace('/', "."),
                        names: vec![],
                        alias: None,
                        line: 1,
                    }
                })
                .collect(),
            has_syntax_errors: false,
            lossy_utf8: false,
        })
        .collect();
    (symbols, files)
}

fn vectors(
    chunks: &[ChunkInfo],
    symbols: &[Symbol],
    clustered: bool,
    rng: &mut Rng,
) -> MemoryVectors {
    let topics: Vec<Vec<f32>> = (0..200)
        .map(|_| (0..DIMS).map(|_| rng.normal()).collect())
        .collect();
    let mut out = MemoryVectors::new(DIMS);
    for c in chunks {
        let i = c
            .symbol_id
            .as_ref()
            .and_then(|id| symbols.binary_search_by(|s| s.id.cmp(id)).ok())
            .unwrap_or(0);
        let v: Vec<f32> = if clustered {
            let topic = &topics[(i / 100) % topics.len()];
            topic
                .iter()
                .map(|t| t / (DIMS as f32).sqrt() + 0.03 * rng.normal())
                .collect()
        } else {
            (0..DIMS).map(|_| rng.normal()).collect()
        };
        out.insert(c.id.clone(), v);
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
            .unwrap_or(default.to_string())
    };
    let chunks_n: usize = arg("--chunks", "20000").parse().expect("--chunks N");
    let mode = arg("--vectors", "clustered");
    let clustered = mode == "clustered";
    let structural = mode == "none";
    let sample: usize = arg("--recall-sample", "300")
        .parse()
        .expect("--recall-sample N");
    let mut rng = Rng(0x9e3779b97f4a7c15);
    // One chunk per symbol, and a second part for every tenth symbol.
    let symbols_n = chunks_n * 10 / 11;
    let (mut symbols, files) = repo(symbols_n, &mut rng);
    symbols.sort_by(|a, b| a.id.cmp(&b.id));
    let mut chunks: Vec<ChunkInfo> = Vec::new();
    for (i, s) in symbols.iter().enumerate() {
        for part in 0..if i % 10 == 0 { 2 } else { 1 } {
            chunks.push(ChunkInfo {
                id: format!("chk_{i}_{part}"),
                symbol_id: Some(s.id.clone()),
                decisions: (i % 7) as u32,
            });
        }
        if chunks.len() >= chunks_n {
            break;
        }
    }
    let lookup = vectors(&chunks, &symbols, clustered, &mut rng);
    println!(
        "chunks {} symbols {} files {} vectors {}",
        chunks.len(),
        symbols.len(),
        files.len(),
        mode
    );
    let input = AssembleInput::new(
        symbols,
        files,
        chunks,
        (!structural).then_some(&lookup as &dyn doctown_assemble::VectorLookup),
    );
    let options = AssembleOptions::default();
    let started = Instant::now();
    let mut rows = Vec::new();
    reset_peak();
    let out = assemble_with(&input, &options, &mut |step| {
        rows.push((step, rss()));
        reset_peak();
    })
    .expect("assemble");
    let total = started.elapsed();
    println!("| step | wall ms | RSS after MiB | peak RSS MiB |\n|---|---:|---:|---:|");
    for (timing, (step, (now, peak))) in out.timings.iter().zip(&rows) {
        println!("| {step} | {} | {now} | {peak} |", timing.ms);
    }
    println!("| total | {} | | |", total.as_millis());
    println!(
        "nodes {} edges {} related {} clusters {} ({:?}) pagerank iterations {}",
        out.graph.metrics.nodes,
        out.graph.metrics.edges,
        out.related_edges,
        out.clusters.clusters.len(),
        out.clusters.method,
        out.graph.metrics.pagerank_iterations
    );
    if structural {
        return;
    }
    // Recall of the blocked top-k against the naive scalar reference, on sampled rows.
    let v = symbol_vectors(&input.symbols, &input.chunks, &lookup).expect("vectors");
    let method = if v.len() <= options.exact_limit {
        "exact blocked"
    } else {
        "IVF"
    };
    let blocked = neighbours(&v, &options);
    let (mut approx, mut exact) = (Vec::new(), Vec::new());
    for _ in 0..sample.min(v.len()) {
        let i = rng.below(v.len());
        let scores: Vec<f32> = (0..v.len())
            .map(|j| v.row(i).iter().zip(v.row(j)).map(|(a, b)| a * b).sum())
            .collect();
        let mut cands: Vec<(u32, f32)> = scores
            .iter()
            .enumerate()
            .filter(|(j, s)| **s >= options.related_threshold && *j != i)
            .map(|(j, s)| (j as u32, *s))
            .collect();
        cands.sort_by(doctown_assemble::topk::by_score_desc);
        cands.truncate(options.related_k);
        exact.push(cands);
        approx.push(blocked[i].clone());
    }
    let found: usize = exact.iter().map(Vec::len).sum();
    println!(
        "top-k recall ({method}) vs naive on {} rows ({found} reference neighbours): {:.4}",
        exact.len(),
        recall(&approx, &exact)
    );
}

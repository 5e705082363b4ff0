//! Load time, memory and per-question latency of the query engine on one
//! docpack: `cargo run --release -p doctown-query --example query_bench --
//! FILE.docpack [ROUNDS]`. Questions are drawn from the docpack itself
//! (symbols chosen with a fixed seed; search queries are symbols' doc
//! comments or summaries, the query vector a real chunk's embedding), so
//! the run needs nothing else. Prints a Markdown table of p50/p95 in ms.

use doctown_query::Reader;
use doctown_query::{changes, flows, impact, search, views, Engine, Mode, SearchRequest};
use std::sync::Arc;
use std::time::Instant;

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// A deterministic sequence in `0..n` (xorshift).
struct Picks(u64);
impl Picks {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

fn percentiles(mut ms: Vec<f64>) -> (f64, f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.95), ms[ms.len() - 1])
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = std::path::PathBuf::from(args.next().expect("usage: query_bench FILE [ROUNDS]"));
    let rounds: usize = args.next().map_or(200, |r| r.parse().expect("ROUNDS"));
    let before = rss_mib();
    let start = Instant::now();
    let docpack = doctown_docpack::read_docpack(&path).expect("a valid docpack");
    let read_s = start.elapsed().as_secs_f64();
    let pack = Arc::new(doctown_query::Pack::new(
        "bench",
        Default::default(),
        docpack,
    ));
    let load_s = start.elapsed().as_secs_f64();
    println!(
        "read and verify {read_s:.2} s, index {:.2} s",
        load_s - read_s
    );
    let after = rss_mib();
    let packs = vec![pack.clone()];
    let engine = Engine::from_packs(Vec::new());
    let n = pack.len();
    println!(
        "docpack {} — {} symbols, {} edges, embeddings: {}; load {:.2} s; RSS {:.0} → {:.0} MiB (indexes ~{:.0} MiB, of which BM25 {:.1} MiB)",
        path.display(),
        n,
        pack.docpack.graph.edges.len(),
        pack.has_vectors(),
        load_s,
        before,
        after,
        pack.index_bytes() as f64 / 1048576.0,
        pack.lexical_bytes() as f64 / 1048576.0
    );
    let t = Instant::now();
    let all_flows = flows::all(&pack).len();
    println!(
        "first flows call (computes {} flows): {:.0} ms",
        all_flows,
        t.elapsed().as_secs_f64() * 1e3
    );
    let mut picks = Picks(0x9e3779b97f4a7c15);
    let queries: Vec<String> = (0..rounds)
        .map(|_| loop {
            let s = pack.symbol(picks.next(n) as u32);
            let text = s
                .doc_comment
                .clone()
                .or_else(|| s.documentation.as_ref().map(|d| d.summary.clone()));
            if let Some(t) = text.filter(|t| t.split_whitespace().count() >= 4) {
                break t.chars().take(200).collect();
            }
        })
        .collect();
    let vectors: Vec<Option<Vec<f32>>> = (0..rounds)
        .map(|_| {
            let e = pack.docpack.embeddings.as_ref()?;
            let id = &e.ids()[picks.next(e.len())];
            e.get(id).map(<[f32]>::to_vec)
        })
        .collect();
    let targets: Vec<u32> = (0..rounds).map(|_| picks.next(n) as u32).collect();
    type Op<'a> = Box<dyn Fn(usize) + 'a>;
    let ops: Vec<(&str, Op)> = vec![
        (
            "search (hybrid, vector given)",
            Box::new(|k| {
                let req = SearchRequest {
                    query: queries[k].clone(),
                    vector: vectors[k].clone(),
                    mode: Mode::Hybrid,
                    limit: 10,
                    expand: 3,
                    ..SearchRequest::default()
                };
                search(&packs, &req).unwrap();
            }),
        ),
        (
            "search (lexical)",
            Box::new(|k| {
                let req = SearchRequest {
                    query: queries[k].clone(),
                    mode: Mode::Lexical,
                    limit: 10,
                    ..SearchRequest::default()
                };
                search(&packs, &req).unwrap();
            }),
        ),
        (
            "symbol (by name)",
            Box::new(|k| {
                let name = pack.symbol(targets[k]).qualified_name.clone();
                if let Ok((p, i)) = engine.find_symbol(&packs, &name) {
                    views::symbol(&p, i, 40);
                }
            }),
        ),
        (
            "callers",
            Box::new(|k| {
                views::neighbours(&*pack, targets[k], views::Direction::Callers, 0, 20);
            }),
        ),
        (
            "callees",
            Box::new(|k| {
                views::neighbours(&*pack, targets[k], views::Direction::Callees, 0, 20);
            }),
        ),
        (
            "impact (depth 3)",
            Box::new(|k| {
                impact(&*pack, targets[k], 3, 0, 30);
            }),
        ),
        (
            "flows (through a symbol)",
            Box::new(|k| {
                flows::flows(&pack, Some(targets[k]), None, 0, 10);
            }),
        ),
        (
            "module",
            Box::new(|k| {
                let name = pack.module_name(targets[k]).map(str::to_string);
                if let Some(m) = name {
                    views::module(&pack, &m).unwrap();
                }
            }),
        ),
        (
            "architecture",
            Box::new(|_| {
                views::architecture(&pack);
            }),
        ),
        (
            "cluster",
            Box::new(|k| {
                if let Some(c) = pack.symbol(targets[k]).cluster.clone() {
                    views::cluster(&pack, &c, 0, 20).unwrap();
                }
            }),
        ),
        (
            "file_outline",
            Box::new(|k| {
                let path = pack.symbol(targets[k]).path.clone();
                views::file_outline(&pack, &path, 200).unwrap();
            }),
        ),
    ];
    println!("\n| question | p50 ms | p95 ms | max ms |\n|---|---|---|---|");
    for (name, op) in &ops {
        let mut ms = Vec::with_capacity(rounds);
        for k in 0..rounds {
            let t = Instant::now();
            op(k);
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let (p50, p95, max) = percentiles(ms);
        println!("| {name} | {p50:.2} | {p95:.2} | {max:.2} |");
    }
    let t = Instant::now();
    let c = changes(&pack, &pack, 2, 0, 50);
    println!(
        "| changes (docpack against itself, {} changed) | {:.2} | — | — |",
        c.changed_total,
        t.elapsed().as_secs_f64() * 1e3
    );
}

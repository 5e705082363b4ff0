//! The random-access reader on one docpack (#64): the time to open it and
//! the memory held, then the latency of the questions a reader asks of
//! one symbol — its record, its callers and callees as a listing (name,
//! kind, file, line from the index), what reaches it at depth 3, a name
//! lookup — over symbols drawn evenly from the docpack and the most
//! called ones.
//!
//! cargo run --profile local -p doctown-docpack --example access_bench -- FILE [QUERIES]

use doctown_docpack::access::REFERENCE;
use doctown_docpack::Access;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: access_bench FILE [QUERIES]");
        std::process::exit(2);
    };
    let queries: usize = args.next().and_then(|q| q.parse().ok()).unwrap_or(200);
    let t = Instant::now();
    let access = match Access::open(std::path::Path::new(&path)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let open_s = t.elapsed().as_secs_f64();
    let ix = &access.index;
    let n = ix.rows.len();
    println!(
        "open {open_s:.2} s: {n} symbols, {} blocks, {} call links, index {} MiB held, rss {} MiB",
        ix.blocks.len(),
        ix.out.total(),
        ix.heap_bytes() >> 20,
        rss_mib()
    );
    // Symbols drawn evenly by id, and as many of the most called (the
    // widest impact).
    let mut picks: Vec<u32> = (0..queries)
        .map(|q| ((q * n) / queries.max(1)) as u32)
        .collect();
    let mut called: Vec<u32> = (0..n as u32).collect();
    called.sort_by_key(|&i| std::cmp::Reverse(ix.into.of(i as usize).len()));
    picks.extend(called.into_iter().take(queries));
    let mut record = Vec::new();
    let mut neighbours = Vec::new();
    let mut impact = Vec::new();
    let mut named = Vec::new();
    let mut reached_total = 0usize;
    for &i in &picks {
        let t = Instant::now();
        let s = access.symbol(i).expect("symbol");
        record.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let listing: Vec<String> = ix
            .into
            .of(i as usize)
            .iter()
            .chain(ix.out.of(i as usize))
            .map(|&j| {
                let j = (j & !REFERENCE) as usize;
                let r = &ix.rows[j];
                format!(
                    "{} {}:{}",
                    ix.qualified_name(j as u32),
                    ix.files.get(r.file as usize),
                    r.line
                )
            })
            .collect();
        neighbours.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        reached_total += reach(ix, i, 3);
        impact.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let found = ix.named(&s.name).len();
        named.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(found > 0 && listing.len() < usize::MAX);
    }
    for (what, times) in [
        ("symbol record", &mut record),
        ("callers+callees", &mut neighbours),
        ("impact depth 3", &mut impact),
        ("name lookup", &mut named),
    ] {
        times.sort_by(f64::total_cmp);
        let p = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
        println!(
            "{what:16} p50 {:.3} ms  p95 {:.3} ms  max {:.3} ms",
            p(0.5),
            p(0.95),
            p(1.0)
        );
    }
    println!(
        "impact reached {:.1} symbols on average; rss {} MiB after {} queries",
        reached_total as f64 / picks.len().max(1) as f64,
        rss_mib(),
        picks.len()
    );
}

/// Symbols that reach `target` within `depth` calls or references.
fn reach(ix: &doctown_docpack::access::AccessIndex, target: u32, depth: u32) -> usize {
    let mut seen = rustc_hash::FxHashSet::default();
    seen.insert(target);
    let mut frontier = vec![target];
    for _ in 0..depth {
        let mut next = Vec::new();
        for s in frontier {
            for &c in ix.into.of(s as usize) {
                let c = c & !REFERENCE;
                if seen.insert(c) {
                    next.push(c);
                }
            }
        }
        frontier = next;
    }
    seen.len() - 1
}

fn rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb >> 10)
}

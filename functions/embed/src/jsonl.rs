//! Per-stage invocation without a job: JSON Lines in, JSON Lines out.
//!
//! Each input line is `{"id": …, "text": "…"}` (the id may be any JSON
//! value and is echoed back); each output line is `{"id": …, "vector":
//! [floats]}`, in input order. Texts are embedded exactly as given (no
//! header, no whitespace collapsing); only the model's truncation to
//! `max_length` tokens applies. Blank lines are skipped, invalid UTF-8 is
//! replaced (lossy), identical texts within a window are embedded once.
//! Input is processed in windows, so memory stays bounded.

use crate::backend::Backend;
use crate::batching::BatchPlan;
use crate::config::EmbedConfig;
use crate::engine::{embed_texts, WINDOW};
use crate::error::EmbedError;
use crate::hooks::Collect;
use crate::stats::Stats;
use serde::Deserialize;
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::time::Instant;

#[derive(Deserialize)]
struct Line {
    id: serde_json::Value,
    text: String,
}

/// Embeds each `{"id", "text"}` line of `input`, writing `{"id", "vector"}`
/// lines to `output`.
pub fn embed_jsonl(
    input: &mut dyn BufRead,
    output: &mut dyn Write,
    config: &EmbedConfig,
) -> Result<Stats, EmbedError> {
    let started = Instant::now();
    let embedder = Backend::shared(config)?;
    let plan = BatchPlan::from_config(config);
    let mut stats = Stats {
        dims: embedder.dims()? as u64,
        ..Stats::default()
    };
    let mut line_no = 0u64;
    let mut buf = Vec::new();
    let mut window: Vec<Line> = Vec::new();
    loop {
        buf.clear();
        let n = input
            .read_until(b'\n', &mut buf)
            .map_err(|e| EmbedError::io("reading input", e))?;
        if n > 0 {
            line_no += 1;
            let text = String::from_utf8_lossy(&buf);
            if !text.trim().is_empty() {
                let line: Line = serde_json::from_str(&text).map_err(|e| EmbedError::Input {
                    line: line_no,
                    message: format!("expected {{\"id\": …, \"text\": \"…\"}}: {e}"),
                })?;
                window.push(line);
            }
        }
        if window.len() >= WINDOW || (n == 0 && !window.is_empty()) {
            embed_window(
                &embedder,
                &plan,
                std::mem::take(&mut window),
                output,
                &mut stats,
            )?;
        }
        if n == 0 {
            break;
        }
    }
    output
        .flush()
        .map_err(|e| EmbedError::io("writing output", e))?;
    stats.finish(started.elapsed().as_secs_f64());
    Ok(stats)
}

fn embed_window(
    embedder: &Backend,
    plan: &BatchPlan,
    lines: Vec<Line>,
    output: &mut dyn Write,
    stats: &mut Stats,
) -> Result<(), EmbedError> {
    let mut unique: HashMap<&str, usize> = HashMap::new();
    let mut texts: Vec<&str> = Vec::new();
    let slots: Vec<usize> = lines
        .iter()
        .map(|l| {
            *unique.entry(l.text.as_str()).or_insert_with(|| {
                texts.push(l.text.as_str());
                texts.len() - 1
            })
        })
        .collect();
    let mut collect = Collect(vec![Vec::new(); texts.len()]);
    let totals = embed_texts(embedder, plan, &texts, stats.batches, &mut collect)?;
    stats.chunks += lines.len() as u64;
    stats.unique_texts += texts.len() as u64;
    stats.cache_misses += texts.len() as u64;
    stats.add_run(totals);
    for (line, slot) in lines.iter().zip(slots) {
        let record = serde_json::json!({"id": line.id, "vector": collect.0[slot]});
        serde_json::to_writer(&mut *output, &record)
            .map_err(|e| EmbedError::io("writing output", e.into()))?;
        output
            .write_all(b"\n")
            .map_err(|e| EmbedError::io("writing output", e))?;
    }
    Ok(())
}

//! Printing results: JSON Lines events, job summaries, tables.

use doctown_core::events::ingest::IngestTotals;
use doctown_core::{Event, JobState, Stage};
use doctown_pipeline::EventSink;
use std::io::Write;

/// Writes every event as one JSON line on stdout.
pub struct JsonLinesSink;

impl EventSink for JsonLinesSink {
    fn accept(&self, event: &Event) {
        let mut out = std::io::stdout().lock();
        if serde_json::to_writer(&mut out, event).is_ok() {
            let _ = out.write_all(b"\n");
        }
    }
}

/// Seconds each finished stage took.
pub fn stage_seconds(state: &JobState) -> serde_json::Map<String, serde_json::Value> {
    Stage::ALL
        .into_iter()
        .filter_map(|s| {
            state
                .stage(s)
                .duration_ms
                .map(|ms| (s.name().to_string(), (ms as f64 / 1000.0).into()))
        })
        .collect()
}

/// The human summary of a job.
pub fn print_summary(state: &JobState) {
    println!("job      {}  ({})", state.job_id, state.status);
    if let Some(source) = &state.source {
        let commit = source
            .commit
            .as_deref()
            .map(|c| format!(" @ {}", &c[..c.len().min(12)]))
            .unwrap_or_default();
        println!("source   {} [{}]{}", source.name, source.kind, commit);
    }
    if let Ok(totals) =
        serde_json::from_value::<IngestTotals>(state.stage(Stage::Ingest).summary.clone())
    {
        let reused = match totals.files_reused {
            0 => String::new(),
            n => format!(", {n} unchanged since the last ingest"),
        };
        println!(
            "files    {} parsed, {} skipped ({} with syntax errors{reused})",
            totals.files_parsed, totals.files_skipped, totals.files_with_syntax_errors
        );
        let languages: Vec<String> = totals
            .languages
            .iter()
            .map(|(l, n)| format!("{l} {n}"))
            .collect();
        if !languages.is_empty() {
            println!("langs    {}", languages.join(", "));
        }
        println!(
            "symbols  {}  chunks {}  imports {}  calls {} ({} resolved)",
            totals.symbols, totals.chunks, totals.imports, totals.calls, totals.calls_resolved
        );
        if let Some(history) = &totals.history {
            println!("history  {}", history.describe());
        }
        if !totals.skipped_by_reason.is_empty() {
            let reasons: Vec<String> = totals
                .skipped_by_reason
                .iter()
                .map(|(r, n)| format!("{r} {n}"))
                .collect();
            println!("skipped  {}", reasons.join(", "));
        }
    }
    let timings: Vec<String> = Stage::ALL
        .into_iter()
        .filter_map(|s| {
            state
                .stage(s)
                .duration_ms
                .map(|ms| format!("{s} {:.2}s", ms as f64 / 1000.0))
        })
        .collect();
    if !timings.is_empty() {
        println!("timing   {}", timings.join(", "));
    }
    if let Some(error) = &state.error {
        println!("error    {error}");
    }
}

//! Prometheus metrics in the text exposition format, computed from the
//! state documents at scrape time (so every instance reports the same
//! numbers): jobs by status, stage durations (histogram), the launcher's
//! queue depth, the embedding cache's hits and misses (embed summary
//! `cache_hits` / `cache_misses`) and model tokens and cost (generate summary
//! `prompt_tokens` / `completion_tokens` / `cost_usd`). Missing fields count
//! as zero.

use doctown_core::{JobState, JobStatus, Stage};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Upper bounds (seconds) of the stage-duration histogram buckets.
pub const DURATION_BUCKETS: &[f64] = &[0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0];

const STATUSES: [JobStatus; 6] = [
    JobStatus::Queued,
    JobStatus::Running,
    JobStatus::Succeeded,
    JobStatus::Partial,
    JobStatus::Failed,
    JobStatus::Cancelled,
];

#[derive(Default)]
struct Histogram {
    buckets: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if self.buckets.is_empty() {
            self.buckets = vec![0; DURATION_BUCKETS.len()];
        }
        for (i, bound) in DURATION_BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.buckets[i] += 1;
            }
        }
        self.sum += seconds;
        self.count += 1;
    }
}

fn field(summary: &serde_json::Value, names: &[&str]) -> f64 {
    names
        .iter()
        .find_map(|n| summary.get(n).and_then(|v| v.as_f64()))
        .unwrap_or(0.0)
}

/// What the state documents add up to.
#[derive(Default)]
struct Totals {
    by_status: BTreeMap<&'static str, u64>,
    durations: BTreeMap<Stage, Histogram>,
    hits: f64,
    misses: f64,
    prompt: f64,
    completion: f64,
    cost: f64,
}

/// Jobs by status, stage durations, cache hits and misses, model tokens
/// and cost, over these jobs.
fn totals(states: &[JobState]) -> Totals {
    let mut t = Totals {
        by_status: STATUSES.iter().map(|s| (s.name(), 0)).collect(),
        ..Totals::default()
    };
    for state in states {
        *t.by_status.entry(state.status.name()).or_default() += 1;
        for (stage, st) in &state.stages {
            if let Some(ms) = st.duration_ms {
                t.durations
                    .entry(*stage)
                    .or_default()
                    .observe(ms as f64 / 1000.0);
            }
        }
        let embed = &state.stage(Stage::Embed).summary;
        t.hits += field(embed, &["cache_hits"]);
        t.misses += field(embed, &["cache_misses"]);
        let generate = &state.stage(Stage::Generate).summary;
        t.prompt += field(generate, &["prompt_tokens"]);
        t.completion += field(generate, &["completion_tokens"]);
        t.cost += field(generate, &["cost_usd"]);
    }
    t
}

/// One metric: its help and type lines, then its samples.
fn section(out: &mut String, name: &str, kind: &str, help: &str, lines: Vec<String>) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
}

/// The metrics text for these jobs and this queue depth.
pub fn render(states: &[JobState], queue_depth: u64, uptime_seconds: f64) -> String {
    let t = totals(states);
    let mut out = String::new();
    trigger_sections(&mut out, &t, queue_depth, uptime_seconds);
    duration_section(&mut out, &t.durations);
    embed_sections(&mut out, &t);
    model_sections(&mut out, &t);
    out
}

/// The trigger's version and uptime, the jobs by status, the queue depth.
fn trigger_sections(out: &mut String, t: &Totals, queue_depth: u64, uptime_seconds: f64) {
    section(
        out,
        "doctown_build_info",
        "gauge",
        "Version of this trigger.",
        vec![format!(
            "doctown_build_info{{version=\"{}\"}} 1",
            doctown_core::VERSION
        )],
    );
    section(
        out,
        "doctown_uptime_seconds",
        "gauge",
        "Seconds since this trigger started.",
        vec![format!("doctown_uptime_seconds {uptime_seconds:.3}")],
    );
    section(
        out,
        "doctown_jobs",
        "gauge",
        "Jobs in the store by status.",
        t.by_status
            .iter()
            .map(|(s, n)| format!("doctown_jobs{{status=\"{s}\"}} {n}"))
            .collect(),
    );
    section(
        out,
        "doctown_queue_depth",
        "gauge",
        "Work waiting to start, as reported by the job launcher.",
        vec![format!("doctown_queue_depth {queue_depth}")],
    );
}

/// The stage-duration histogram, per stage.
fn duration_section(out: &mut String, durations: &BTreeMap<Stage, Histogram>) {
    let mut lines = Vec::new();
    for (stage, h) in durations {
        for (i, bound) in DURATION_BUCKETS.iter().enumerate() {
            lines.push(format!(
                "doctown_stage_duration_seconds_bucket{{stage=\"{stage}\",le=\"{bound}\"}} {}",
                h.buckets[i]
            ));
        }
        lines.push(format!(
            "doctown_stage_duration_seconds_bucket{{stage=\"{stage}\",le=\"+Inf\"}} {}",
            h.count
        ));
        lines.push(format!(
            "doctown_stage_duration_seconds_sum{{stage=\"{stage}\"}} {:.3}",
            h.sum
        ));
        lines.push(format!(
            "doctown_stage_duration_seconds_count{{stage=\"{stage}\"}} {}",
            h.count
        ));
    }
    section(
        out,
        "doctown_stage_duration_seconds",
        "histogram",
        "Durations of finished stage runs recorded in state documents.",
        lines,
    );
}

/// The embedding cache's hits, misses and hit ratio.
fn embed_sections(out: &mut String, t: &Totals) {
    let (hits, misses) = (t.hits, t.misses);
    section(
        out,
        "doctown_embed_cache_hits_total",
        "counter",
        "Chunks whose embedding came from the cache.",
        vec![format!("doctown_embed_cache_hits_total {hits}")],
    );
    section(
        out,
        "doctown_embed_cache_misses_total",
        "counter",
        "Chunks that had to be embedded.",
        vec![format!("doctown_embed_cache_misses_total {misses}")],
    );
    let ratio = if hits + misses > 0.0 {
        hits / (hits + misses)
    } else {
        0.0
    };
    section(
        out,
        "doctown_embed_cache_hit_ratio",
        "gauge",
        "Embedding cache hits / (hits + misses) over all jobs.",
        vec![format!("doctown_embed_cache_hit_ratio {ratio:.6}")],
    );
}

/// The model tokens and cost the generate stage recorded.
fn model_sections(out: &mut String, t: &Totals) {
    let (prompt, completion, cost) = (t.prompt, t.completion, t.cost);
    section(
        out,
        "doctown_model_tokens_total",
        "counter",
        "Model tokens spent by the generate stage.",
        vec![
            format!("doctown_model_tokens_total{{kind=\"prompt\"}} {prompt}"),
            format!("doctown_model_tokens_total{{kind=\"completion\"}} {completion}"),
        ],
    );
    section(
        out,
        "doctown_model_cost_usd_total",
        "counter",
        "Model cost in US dollars recorded by the generate stage.",
        vec![format!("doctown_model_cost_usd_total {cost:.6}")],
    );
}

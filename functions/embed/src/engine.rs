//! Embedding many texts: tokenise, plan length-bucketed batches, run them
//! (on the CPU each text alone, the batch shared among the cores' lanes:
//! see [`crate::model`]), report each batch. Shared by the stage handler, the prefetcher and
//! [`crate::embed_jsonl`]. With the remote backend the batches go to its
//! server instead (see [`crate::remote`]), behind the same hooks.
//!
//! Texts are processed in windows of [`WINDOW`] so that token ids for a huge
//! input are never all in memory; sorting within a window of thousands is
//! as good as sorting the whole input.

use crate::backend::Backend;
use crate::batching::BatchPlan;
use crate::error::EmbedError;
use crate::hooks::{BatchHooks, BatchInfo, Collect, RunTotals};
use crate::model::Embedder;
use std::time::Instant;

/// Texts tokenised and planned together.
pub const WINDOW: usize = 8192;

/// Embeds `texts` with the backend, calling `hooks` around each batch;
/// batch numbers start at `first_batch`. `plan` applies to the ONNX model
/// (the remote backend cuts `batch_size` texts per request).
pub fn embed_texts(
    backend: &Backend,
    plan: &BatchPlan,
    texts: &[&str],
    first_batch: u64,
    hooks: &mut dyn BatchHooks,
) -> Result<RunTotals, EmbedError> {
    match backend {
        Backend::Onnx(embedder) => embed_onnx(embedder, plan, texts, first_batch, hooks),
        Backend::Remote(remote) => {
            crate::remote::run::embed_remote(remote, texts, first_batch, hooks)
        }
    }
}

/// The ONNX model: tokenised windows; batches of texts run alone
/// ([`BatchPlan::for_texts_alone`]) or length-bucketed padded batches.
///
/// A batch's results are handed to `hooks` while the next batch runs (the
/// hooks store vectors: on the lanes' cores that work would otherwise
/// leave them idle between batches), so `started` of batch k + 1 comes
/// before `completed` of batch k; the vectors and their order are the same.
fn embed_onnx(
    embedder: &Embedder,
    plan: &BatchPlan,
    texts: &[&str],
    first_batch: u64,
    hooks: &mut dyn BatchHooks,
) -> Result<RunTotals, EmbedError> {
    let plan = if embedder.runs_each_text() {
        plan.for_texts_alone()
    } else {
        *plan
    };
    let mut totals = RunTotals::default();
    let mut ran: Option<RanBatch> = None;
    for (w, window) in texts.chunks(WINDOW).enumerate() {
        let offset = w * WINDOW;
        let tokens = embedder.tokenize(window)?;
        let lengths: Vec<usize> = tokens.iter().map(Vec::len).collect();
        for batch in plan.plan(&lengths) {
            let real = batch.iter().map(|&i| lengths[i]).sum();
            let info = BatchInfo {
                index: first_batch + totals.batches,
                texts: batch.len(),
                tokens: real,
                // Texts run alone are not padded.
                padded_tokens: if embedder.runs_each_text() {
                    real
                } else {
                    BatchPlan::padded_tokens(std::slice::from_ref(&batch), &lengths)
                },
            };
            hooks.started(&info)?;
            let ids: Vec<&[u32]> = batch.iter().map(|&i| tokens[i].as_slice()).collect();
            let (vectors, handed) = std::thread::scope(|scope| {
                let running = scope.spawn(|| {
                    let started = Instant::now();
                    embedder
                        .run(&ids)
                        .map(|v| (v, started.elapsed().as_millis() as u64))
                });
                let handed = ran.take().map_or(Ok(()), |r| r.hand_to(hooks));
                let vectors = running
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p));
                (vectors, handed)
            });
            handed?;
            let (vectors, ms) = vectors?;
            let items = batch.iter().map(|&i| offset + i).collect();
            ran = Some(RanBatch {
                info,
                ms,
                items,
                vectors,
            });
            totals.add(RunTotals {
                texts: info.texts as u64,
                batches: 1,
                tokens: info.tokens as u64,
                padded_tokens: info.padded_tokens as u64,
            });
        }
    }
    ran.map_or(Ok(()), |r| r.hand_to(hooks))?;
    Ok(totals)
}

/// A batch that ran, its vectors not yet handed to the hooks.
struct RanBatch {
    info: BatchInfo,
    ms: u64,
    items: Vec<usize>,
    vectors: Vec<Vec<f32>>,
}

impl RanBatch {
    fn hand_to(self, hooks: &mut dyn BatchHooks) -> Result<(), EmbedError> {
        hooks.completed(&self.info, self.ms, &self.items, self.vectors)
    }
}

impl Embedder {
    /// Embeds texts exactly as given, in length-bucketed batches; one unit
    /// vector per text, in input order.
    pub fn embed(&self, texts: &[&str], plan: &BatchPlan) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut collect = Collect(vec![Vec::new(); texts.len()]);
        embed_onnx(self, plan, texts, 0, &mut collect)?;
        Ok(collect.0)
    }
}

impl Backend {
    /// Embeds texts; one unit vector per text, in input order.
    pub fn embed(&self, texts: &[&str], plan: &BatchPlan) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut collect = Collect(vec![Vec::new(); texts.len()]);
        embed_texts(self, plan, texts, 0, &mut collect)?;
        Ok(collect.0)
    }
}

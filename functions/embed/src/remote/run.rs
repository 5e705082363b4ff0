//! Many texts through the remote backend: batches of `batch_size` texts
//! (sorted by length first, so a server that pads batches pads little),
//! `concurrency` of them in flight on scoped threads.
//!
//! The calling thread keeps the hooks (they need not be `Send`): it calls
//! `started` before handing a batch to a worker and `completed` as answers
//! arrive (in completion order, which the hooks do not depend on). The
//! first error stops the dispatch, tells the workers to stop retrying, waits
//! for the batches in flight, and is returned; vectors completed before it
//! stay in the cache.

use crate::error::EmbedError;
use crate::hooks::{BatchHooks, BatchInfo, RunTotals};
use crate::remote::response::Embeddings;
use crate::remote::RemoteEmbedder;
use doctown_pipeline::CancelToken;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Mutex;
use std::time::Instant;

/// A batch handed to a worker.
struct Job {
    info: BatchInfo,
    items: Vec<usize>,
}

/// A worker's answer.
struct Done {
    job: Job,
    ms: u64,
    result: Result<Embeddings, EmbedError>,
}

/// Embeds `texts`, calling `hooks` around each batch; batch numbers start
/// at `first_batch`.
pub(crate) fn embed_remote(
    remote: &RemoteEmbedder,
    texts: &[&str],
    first_batch: u64,
    hooks: &mut dyn BatchHooks,
) -> Result<RunTotals, EmbedError> {
    let batches = plan(texts, remote.batch_size());
    let abort = CancelToken::default();
    let workers = remote.concurrency().min(batches.len());
    let (jobs, queue) = channel::<Job>();
    let queue = Mutex::new(queue);
    std::thread::scope(|scope| {
        let (done_tx, done) = channel::<Done>();
        for _ in 0..workers {
            let (queue, done_tx, abort) = (&queue, done_tx.clone(), &abort);
            scope.spawn(move || work(remote, texts, queue, done_tx, abort));
        }
        drop(done_tx);
        let result = dispatch(batches, first_batch, workers, jobs, &done, hooks);
        if result.is_err() {
            abort.cancel();
        }
        done.iter().for_each(drop);
        result
    })
}

/// Indices of `texts` in batches of `size`, shortest texts first.
fn plan(texts: &[&str], size: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| (texts[i].len(), i));
    order.chunks(size.max(1)).map(<[usize]>::to_vec).collect()
}

/// A worker: takes batches until the queue closes.
fn work(
    remote: &RemoteEmbedder,
    texts: &[&str],
    queue: &Mutex<Receiver<Job>>,
    done: Sender<Done>,
    abort: &CancelToken,
) {
    loop {
        let next = queue.lock().unwrap_or_else(|p| p.into_inner()).recv();
        let Ok(job) = next else { return };
        let started = Instant::now();
        let batch: Vec<&str> = job.items.iter().map(|&i| texts[i]).collect();
        let result = remote.embed_batch(&batch, abort);
        let ms = started.elapsed().as_millis() as u64;
        if done.send(Done { job, ms, result }).is_err() {
            return;
        }
    }
}

/// Hands out batches, at most `in_flight_max` at once, and reports answers.
fn dispatch(
    batches: Vec<Vec<usize>>,
    first_batch: u64,
    in_flight_max: usize,
    jobs: Sender<Job>,
    done: &Receiver<Done>,
    hooks: &mut dyn BatchHooks,
) -> Result<RunTotals, EmbedError> {
    let mut totals = RunTotals::default();
    let mut in_flight = 0usize;
    for (n, items) in batches.into_iter().enumerate() {
        if in_flight >= in_flight_max {
            complete(done, hooks, &mut totals)?;
            in_flight -= 1;
        }
        let info = BatchInfo {
            index: first_batch + n as u64,
            texts: items.len(),
            tokens: 0,
            padded_tokens: 0,
        };
        hooks.started(&info)?;
        jobs.send(Job { info, items })
            .map_err(|_| EmbedError::Inference("the embedding workers stopped".into()))?;
        in_flight += 1;
    }
    drop(jobs);
    for _ in 0..in_flight {
        complete(done, hooks, &mut totals)?;
    }
    Ok(totals)
}

/// Waits for one answer and hands it to the hooks.
fn complete(
    done: &Receiver<Done>,
    hooks: &mut dyn BatchHooks,
    totals: &mut RunTotals,
) -> Result<(), EmbedError> {
    let Done {
        mut job,
        ms,
        result,
    } = done
        .recv()
        .map_err(|_| EmbedError::Inference("the embedding workers stopped".into()))?;
    let answer = result?;
    // The server's count, when it gives one; there is no padding to see.
    let tokens = answer.tokens.unwrap_or(0) as usize;
    job.info.tokens = tokens;
    job.info.padded_tokens = tokens;
    hooks.completed(&job.info, ms, &job.items, answer.vectors)?;
    totals.add(RunTotals {
        texts: job.info.texts as u64,
        batches: 1,
        tokens: tokens as u64,
        padded_tokens: tokens as u64,
    });
    Ok(())
}

//! Embedding while ingest still runs (in-process only).
//!
//! [`EmbedPrefetcher`] is a [`ChunkObserver`]: ingest hands it each chunk as
//! it is cut; a background thread derives the embedded text, skips texts it
//! has seen or the cache already holds, collects the rest in a
//! [`StreamingBatcher`] (released at `max_batch` texts or after
//! `flush_timeout_ms`), embeds each release in length-bucketed batches and
//! writes the vectors into the cache. The embed stage, when it runs after
//! ingest, waits for the prefetcher to drain ([`EmbedPrefetcher::finish`],
//! called by [`crate::EmbedHandler`] when given the prefetcher) and then
//! finds every vector in the cache.
//!
//! The prefetcher must write to the same object store the stage reads, and
//! use the same configuration (the model — [`EmbedConfig::cache_id`] — and
//! `max_length` are part of the cache key). With the remote backend the
//! same thread sends the batches to the server. A failure here (e.g. no model) is logged and the prefetcher
//! stops; the stage then reports the error itself.
//!
//! The thread never outlives the prefetcher: [`EmbedPrefetcher::stop`] (and
//! dropping it) asks it to stop and joins it. A process must not exit while
//! this thread is still bringing up ONNX Runtime: a job that fails early
//! (an invalid source) would otherwise end with a segfault, not its error.

use crate::backend::Backend;
use crate::batching::{BatchPlan, StreamingBatcher};
use crate::cache::EmbeddingCache;
use crate::config::EmbedConfig;
use crate::engine::embed_texts;
use crate::error::EmbedError;
use crate::hooks::{BatchHooks, BatchInfo};
use crate::text::{chunk_text, text_hash};
use doctown_core::Chunk;
use doctown_pipeline::ChunkObserver;
use doctown_store::ObjectStore;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

/// What the prefetcher did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrefetchStats {
    pub chunks: u64,
    pub unique_texts: u64,
    pub cache_hits: u64,
    /// Texts embedded and written to the cache.
    pub embedded: u64,
    pub batches: u64,
    pub tokens: u64,
    /// Why it stopped early, if it did.
    pub error: Option<String>,
}

pub struct EmbedPrefetcher {
    sender: Mutex<Option<Sender<Chunk>>>,
    worker: Mutex<Option<JoinHandle<PrefetchStats>>>,
    result: Mutex<Option<PrefetchStats>>,
    stop: Arc<AtomicBool>,
}

impl EmbedPrefetcher {
    /// Starts the background thread; the model loads there, in parallel
    /// with ingest, when the first text misses the cache. With `config.enabled == false` chunks are ignored.
    pub fn new(config: EmbedConfig, store: Arc<dyn ObjectStore>) -> Self {
        let (sender, receiver) = mpsc::channel::<Chunk>();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let worker = std::thread::Builder::new()
            .name("embed-prefetch".into())
            .spawn(move || {
                let mut stats = PrefetchStats::default();
                match run(&config, &*store, receiver, &flag, &mut stats) {
                    Ok(()) => {}
                    // Asked to stop (the job ended or failed): nothing to report.
                    Err(EmbedError::Cancelled) => {
                        tracing::debug!("embedding prefetch stopped on request");
                        stats.error = Some(EmbedError::Cancelled.to_string());
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "embedding prefetch stopped; the embed stage will embed what is left");
                        stats.error = Some(e.to_string());
                    }
                }
                stats
            });
        let worker = match worker {
            Ok(worker) => Some(worker),
            Err(e) => {
                tracing::warn!(error = %e, "cannot start the embedding prefetch thread");
                None
            }
        };
        EmbedPrefetcher {
            sender: Mutex::new(Some(sender)),
            worker: Mutex::new(worker),
            result: Mutex::new(None),
            stop,
        }
    }

    /// Ends the input and waits until every chunk received is embedded and
    /// cached; returns what was done. Idempotent.
    pub fn finish(&self) -> PrefetchStats {
        self.join()
    }

    /// Stops without embedding what is still queued (after the model load
    /// or the batch in progress, which cannot be interrupted) and waits for
    /// the thread to end. Idempotent; [`Drop`] does the same.
    pub fn stop(&self) -> PrefetchStats {
        self.stop.store(true, Ordering::SeqCst);
        self.join()
    }

    /// Ends the input and joins the thread.
    fn join(&self) -> PrefetchStats {
        self.sender.lock().unwrap_or_else(|p| p.into_inner()).take();
        let mut result = self.result.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(worker) = self.worker.lock().unwrap_or_else(|p| p.into_inner()).take() {
            *result = Some(worker.join().unwrap_or_else(|_| PrefetchStats {
                error: Some("the prefetch thread panicked".into()),
                ..PrefetchStats::default()
            }));
        }
        result.clone().unwrap_or_default()
    }
}

impl ChunkObserver for EmbedPrefetcher {
    fn on_chunk(&self, chunk: &Chunk) {
        if let Some(sender) = self
            .sender
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            let _ = sender.send(chunk.clone());
        }
    }

    /// Ends the input; the thread embeds what it holds and exits.
    fn on_end(&self) {
        self.sender.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

impl Drop for EmbedPrefetcher {
    /// Stops after the model load or the current batch, and waits for that.
    fn drop(&mut self) {
        self.stop();
    }
}

struct CacheHooks<'a> {
    store: &'a dyn ObjectStore,
    cache: &'a EmbeddingCache,
    hashes: &'a [String],
    stop: &'a AtomicBool,
}

impl BatchHooks for CacheHooks<'_> {
    fn started(&mut self, _: &BatchInfo) -> Result<(), EmbedError> {
        if self.stop.load(Ordering::SeqCst) {
            return Err(EmbedError::Cancelled);
        }
        Ok(())
    }

    fn completed(
        &mut self,
        _: &BatchInfo,
        _: u64,
        items: &[usize],
        vectors: Vec<Vec<f32>>,
    ) -> Result<(), EmbedError> {
        for (&i, vector) in items.iter().zip(vectors) {
            self.cache.put(self.store, &self.hashes[i], &vector)?;
        }
        Ok(())
    }
}

fn run(
    config: &EmbedConfig,
    store: &dyn ObjectStore,
    receiver: mpsc::Receiver<Chunk>,
    stop: &AtomicBool,
    stats: &mut PrefetchStats,
) -> Result<(), EmbedError> {
    if !config.enabled {
        receiver.iter().for_each(drop);
        return Ok(());
    }
    if stop.load(Ordering::SeqCst) {
        return Err(EmbedError::Cancelled);
    }
    // The model loads when the first text misses the cache, not when its
    // batch is released (at the batch's size, its time-out or the end of
    // ingest): the load overlaps the rest of ingest, and a rebuild whose
    // texts are all cached never pays for it.
    let mut queue = Queue {
        config,
        store,
        embedder: None,
        cache: EmbeddingCache::new(&config.cache_id()),
        batcher: StreamingBatcher::<(String, String)>::from_config(config),
        seen: HashSet::new(),
    };
    let plan = BatchPlan::from_config(config);
    let mut ended = false;
    while !(ended && queue.batcher.is_empty()) {
        let first = match queue.batcher.deadline() {
            Some(deadline) => {
                receiver.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            }
            None => receiver.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        if queue.receive(first, &receiver, stats)? {
            ended = true;
        }
        if stop.load(Ordering::SeqCst) {
            return Err(EmbedError::Cancelled);
        }
        if let Some(window) = queue.batcher.take(Instant::now(), ended) {
            queue.embed_window(window, &plan, stop, stats)?;
        }
    }
    tracing::debug!(?stats, "embedding prefetch finished");
    Ok(())
}

/// The prefetch's texts: those seen, those waiting in a batch, and the
/// model, loaded once one missed the cache.
struct Queue<'a> {
    config: &'a EmbedConfig,
    store: &'a dyn ObjectStore,
    embedder: Option<Backend>,
    cache: EmbeddingCache,
    batcher: StreamingBatcher<(String, String)>,
    seen: HashSet<String>,
}

impl Queue<'_> {
    /// Takes the first message and every chunk already sent after it;
    /// whether the input has ended.
    fn receive(
        &mut self,
        first: Result<Chunk, RecvTimeoutError>,
        receiver: &mpsc::Receiver<Chunk>,
        stats: &mut PrefetchStats,
    ) -> Result<bool, EmbedError> {
        let mut ended = false;
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Ok(chunk) if !self.config.embeds(&chunk) => {
                    next = receiver.try_recv().ok().map(Ok);
                }
                Ok(chunk) => {
                    self.chunk(&chunk, stats)?;
                    next = receiver.try_recv().ok().map(Ok);
                }
                Err(RecvTimeoutError::Disconnected) => ended = true,
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
        Ok(ended)
    }

    /// A chunk's text, counted; batched (and the model loaded) when it is
    /// new and not in the cache.
    fn chunk(&mut self, chunk: &Chunk, stats: &mut PrefetchStats) -> Result<(), EmbedError> {
        let config = self.config;
        stats.chunks += 1;
        let text = chunk_text(chunk, config.max_length);
        let hash = text_hash(&text, config.max_length);
        if self.seen.insert(hash.clone()) {
            stats.unique_texts += 1;
            // Present is enough here: the stage reads the
            // entry and embeds the text itself if it is damaged.
            if self.cache.contains(self.store, &hash)? {
                stats.cache_hits += 1;
            } else {
                self.batcher.push((hash, text), Instant::now());
                if self.embedder.is_none() {
                    self.embedder = Some(Backend::shared(config)?);
                }
            }
        }
        Ok(())
    }

    /// Embeds a window of texts released by the batcher into the cache.
    fn embed_window(
        &self,
        window: Vec<(String, String)>,
        plan: &BatchPlan,
        stop: &AtomicBool,
        stats: &mut PrefetchStats,
    ) -> Result<(), EmbedError> {
        let (hashes, texts): (Vec<String>, Vec<String>) = window.into_iter().unzip();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let mut hooks = CacheHooks {
            store: self.store,
            cache: &self.cache,
            hashes: &hashes,
            stop,
        };
        // A window holds a text that missed, and that miss loaded the model.
        let Some(loaded) = self.embedder.as_ref() else {
            return Ok(());
        };
        let run = embed_texts(loaded, plan, &refs, stats.batches, &mut hooks)?;
        stats.embedded += run.texts;
        stats.batches += run.batches;
        stats.tokens += run.tokens;
        Ok(())
    }
}

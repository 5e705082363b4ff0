//! Emitting events: numbering, envelopes, live sinks and the stored log.
//!
//! An emitter numbers events from the job's `next_event_seq`, hands each to
//! its live sinks at once (progress bars, SSE, stdout) and buffers it for the
//! job's event log, which it writes as one segment per flush. With a store
//! attached, it flushes on its own every [`SEGMENT_BYTES`], so a stage that
//! emits a million events never holds them all.

use crate::clock::now_rfc3339;
use doctown_core::artifacts::events_segment_key;
use doctown_core::{Event, EventContext, EventMeta, EventPayload, JobId};
use doctown_store::{ObjectStore, StoreError};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Receives every event as it is emitted.
pub trait EventSink: Send + Sync {
    fn accept(&self, event: &Event);
}

/// Keeps events in memory (tests, `--json` collectors).
#[derive(Debug, Default)]
pub struct MemorySink(Mutex<Vec<Event>>);

impl MemorySink {
    pub fn events(&self) -> Vec<Event> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl EventSink for MemorySink {
    fn accept(&self, event: &Event) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(event.clone());
    }
}

/// Buffered bytes after which an emitter with a store writes a segment.
pub const SEGMENT_BYTES: usize = 256 * 1024;

pub struct EventEmitter<'a> {
    job_id: JobId,
    producer: String,
    context: EventContext,
    trace_id: String,
    attempt: u32,
    next: AtomicU64,
    state: Mutex<Pending>,
    sinks: Vec<Arc<dyn EventSink>>,
    store: Option<&'a dyn ObjectStore>,
}

#[derive(Default)]
struct Pending {
    first: Option<u64>,
    lines: Vec<u8>,
}

impl<'a> EventEmitter<'a> {
    pub fn new(
        job_id: JobId,
        producer: &str,
        context: EventContext,
        first_sequence: u64,
        attempt: u32,
        sinks: Vec<Arc<dyn EventSink>>,
    ) -> Self {
        EventEmitter {
            trace_id: job_id.to_string(),
            job_id,
            producer: producer.to_string(),
            context,
            attempt,
            next: AtomicU64::new(first_sequence),
            state: Mutex::new(Pending::default()),
            sinks,
            store: None,
        }
    }

    /// Writes segments to `store` as the buffer fills, not only on `flush`.
    pub fn with_store(mut self, store: &'a dyn ObjectStore) -> Self {
        self.store = Some(store);
        self
    }

    /// Emits one event; sequence numbers are strictly increasing.
    pub fn emit<P: EventPayload>(&self, payload: &P) {
        let mut pending = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let sequence = self.next.fetch_add(1, Ordering::SeqCst);
        let meta = EventMeta {
            producer: self.producer.clone(),
            producer_version: doctown_core::VERSION.to_string(),
            trace_id: self.trace_id.clone(),
            idempotency_key: format!(
                "{}:{}:{}:{}",
                self.job_id, self.producer, self.attempt, sequence
            ),
        };
        let event = Event::new(
            &self.job_id,
            sequence,
            now_rfc3339(),
            self.context.clone(),
            meta,
            payload,
        );
        pending.first.get_or_insert(sequence);
        serde_json::to_writer(&mut pending.lines, &event).expect("events serialise");
        pending.lines.push(b'\n');
        for sink in &self.sinks {
            sink.accept(&event);
        }
        if let Some(store) = self.store {
            if pending.lines.len() >= SEGMENT_BYTES {
                if let Err(e) = self.write_segment(store, &mut pending) {
                    tracing::warn!("event log segment not written yet: {e}");
                }
            }
        }
    }

    /// The sequence number the next event will get.
    pub fn next_sequence(&self) -> u64 {
        self.next.load(Ordering::SeqCst)
    }

    /// Writes the buffered events as one segment of the job's log.
    pub fn flush(&self, store: &dyn ObjectStore) -> Result<(), StoreError> {
        let mut pending = self.state.lock().unwrap_or_else(|p| p.into_inner());
        self.write_segment(store, &mut pending)
    }

    fn write_segment(
        &self,
        store: &dyn ObjectStore,
        pending: &mut Pending,
    ) -> Result<(), StoreError> {
        if let Some(first) = pending.first {
            store.put(
                &events_segment_key(&self.job_id, first, &self.producer),
                &pending.lines,
            )?;
            *pending = Pending::default();
        }
        Ok(())
    }
}

/// Reads a job's stored event log, in sequence order, starting after `after`.
pub fn read_events(
    store: &dyn ObjectStore,
    job_id: &JobId,
    after: Option<u64>,
) -> Result<Vec<Event>, StoreError> {
    let mut events = Vec::new();
    for key in store.list(&doctown_core::artifacts::events_prefix(job_id))? {
        let segment: Vec<Event> = doctown_store::get_jsonl(store, &key)?.unwrap_or_default();
        events.extend(
            segment
                .into_iter()
                .filter(|e| after.is_none_or(|a| e.sequence > a)),
        );
    }
    events.sort_by_key(|e| e.sequence);
    Ok(events)
}

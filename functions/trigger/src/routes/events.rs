//! `GET /jobs/{id}/events`: the job's events over Server-Sent Events.
//!
//! Every event goes out once, in sequence order, as `id: <sequence>`,
//! `event: <type>`, `data: <envelope JSON>`. A client resumes with the
//! `Last-Event-ID` header (or `?after=N`) and gets exactly the events after
//! that one. Two sources feed a stream: the stored event log (polled every
//! ~200 ms; each log segment is read once) and, in process, the launcher's
//! live broadcast (lower latency). Events from both are merged by sequence
//! number: nothing is sent twice, and a live event is held back until every
//! earlier one has been sent. A gap in the *stored* log that stays open for
//! [`GAP_GRACE`] is skipped, so a lost segment cannot stall a stream. The
//! stream closes once the job is terminal and its log ends with
//! `job.completed.v1` (or, without one, after [`TERMINAL_GRACE`]).

use crate::error::{blocking, ApiError};
use crate::routes::job_id_from_path;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use doctown_core::artifacts::events_prefix;
use doctown_core::{Event, JobId};
use doctown_store::{load_state, ObjectStore, StoreError};
use futures_util::Stream;
use std::collections::{BTreeMap, HashSet};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

/// How long a gap in the stored log is waited for before it is skipped.
pub const GAP_GRACE: Duration = Duration::from_secs(3);
/// How long a terminal job without a final event keeps its stream open.
pub const TERMINAL_GRACE: Duration = Duration::from_secs(5);

#[derive(Debug, serde::Deserialize)]
pub struct EventsQuery {
    pub after: Option<String>,
}

type SseItem = Result<SseEvent, Infallible>;

pub async fn job_events(
    State(app): State<AppState>,
    caller: crate::accounts::Caller,
    Path(id): Path<String>,
    Query(query): Query<EventsQuery>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = SseItem>>, ApiError> {
    let job = job_id_from_path(&id)?;
    crate::accounts::read_job(&app, &caller, &job).await?;
    let header = headers
        .get("last-event-id")
        .map(|v| v.to_str().unwrap_or("?").trim().to_string());
    let after = match header.or(query.after).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(v.parse::<u64>().map_err(|_| {
            ApiError::bad_request(format!(
                "invalid Last-Event-ID / after {v:?}: expected an event sequence number"
            ))
        })?),
    };
    let store = app.store.clone();
    let probe = job.clone();
    blocking(move || {
        load_state(store.as_ref(), &probe)?
            .map(|_| ())
            .ok_or_else(|| ApiError::not_found(format!("job {probe} not found")))
    })
    .await?;
    // Subscribe before the first read of the log so that nothing falls between.
    let subscription = app.launcher.subscribe(&job);
    let (tx, rx) = mpsc::channel(256);
    let mut cursor = Cursor::new(job, after);
    let live = subscription.map(|s| {
        for event in s.history {
            cursor.offer(event, false);
        }
        s.receiver
    });
    tokio::spawn(pump(
        app.store.clone(),
        cursor,
        live,
        tx,
        app.config.event_poll_interval,
    ));
    Ok(Sse::new(ReceiverStream::new(rx))
        .keep_alive(KeepAlive::new().interval(app.config.keep_alive)))
}

/// Where one stream stands.
struct Cursor {
    job: JobId,
    /// The next sequence number to send.
    next: u64,
    pending: BTreeMap<u64, (Arc<Event>, bool)>,
    read_segments: HashSet<String>,
    /// The highest stored sequence seen, and whether that event is terminal.
    stored_tail: Option<(u64, bool)>,
    gap_since: Option<Instant>,
    terminal_since: Option<Instant>,
}

impl Cursor {
    fn new(job: JobId, after: Option<u64>) -> Self {
        Cursor {
            job,
            next: after.map_or(0, |a| a.saturating_add(1)),
            pending: BTreeMap::new(),
            read_segments: HashSet::new(),
            stored_tail: None,
            gap_since: None,
            terminal_since: None,
        }
    }

    fn offer(&mut self, event: Arc<Event>, stored: bool) {
        if event.sequence >= self.next {
            let entry = self
                .pending
                .entry(event.sequence)
                .or_insert((event, stored));
            entry.1 |= stored;
        }
    }

    /// Events ready to send: the contiguous run from `next`.
    fn ready(&mut self) -> Vec<Arc<Event>> {
        let mut out = Vec::new();
        while let Some(entry) = self.pending.first_entry() {
            if *entry.key() != self.next {
                break;
            }
            out.push(entry.remove().0);
            self.next += 1;
        }
        out
    }

    /// Skips a gap in the stored log that has stayed open too long.
    fn skip_stale_gap(&mut self) {
        let head = self.pending.first_key_value().map(|(k, v)| (*k, v.1));
        match head {
            Some((seq, true)) if seq > self.next => {
                let since = *self.gap_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= GAP_GRACE {
                    tracing::warn!(job = %self.job, from = self.next, to = seq, "skipping a gap in the event log");
                    self.next = seq;
                    self.gap_since = None;
                }
            }
            _ => self.gap_since = None,
        }
    }

    /// Reads the log segments not read yet.
    fn read_store(&mut self, store: &dyn ObjectStore) -> Result<(), StoreError> {
        for key in store.list(&events_prefix(&self.job))? {
            if self.read_segments.contains(&key) {
                continue;
            }
            let Some(object) = store.get(&key)? else {
                continue;
            };
            for line in object
                .bytes
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
            {
                match serde_json::from_slice::<Event>(line) {
                    Ok(event) => {
                        if self
                            .stored_tail
                            .is_none_or(|(seq, _)| event.sequence >= seq)
                        {
                            self.stored_tail = Some((event.sequence, event.is_terminal()));
                        }
                        self.offer(Arc::new(event), true);
                    }
                    Err(e) => tracing::warn!(%key, "unreadable event line skipped: {e}"),
                }
            }
            self.read_segments.insert(key);
        }
        Ok(())
    }

    /// Whether the stream is complete: the job is terminal and everything
    /// up to its final event has been sent.
    fn finished(&mut self, job_terminal: bool) -> bool {
        if !job_terminal || !self.pending.is_empty() {
            self.terminal_since = None;
            return false;
        }
        let all_sent = self.stored_tail.is_none_or(|(seq, _)| self.next > seq);
        if all_sent && self.stored_tail.is_some_and(|(_, terminal)| terminal) {
            return true;
        }
        self.terminal_since
            .get_or_insert_with(Instant::now)
            .elapsed()
            >= TERMINAL_GRACE
    }
}

fn to_sse(event: &Event) -> SseEvent {
    let data = serde_json::to_string(event).unwrap_or_else(|_| "{}".to_string());
    SseEvent::default()
        .id(event.sequence.to_string())
        .event(event.event_type.clone())
        .data(data)
}

async fn send_ready(cursor: &mut Cursor, tx: &mpsc::Sender<SseItem>) -> bool {
    for event in cursor.ready() {
        if tx.send(Ok(to_sse(&event))).await.is_err() {
            return false;
        }
    }
    true
}

async fn pump(
    store: Arc<dyn ObjectStore>,
    mut cursor: Cursor,
    mut live: Option<broadcast::Receiver<Arc<Event>>>,
    tx: mpsc::Sender<SseItem>,
    poll: Duration,
) {
    loop {
        let reader = store.clone();
        let job = cursor.job.clone();
        let polled = tokio::task::spawn_blocking(move || {
            let result = cursor.read_store(reader.as_ref());
            let terminal = load_state(reader.as_ref(), &job)
                .map(|s| s.is_some_and(|s| s.status.is_terminal()));
            (cursor, result, terminal)
        })
        .await;
        let (returned, read, terminal) = match polled {
            Ok(parts) => parts,
            Err(e) => {
                tracing::error!("event stream task failed: {e}");
                return;
            }
        };
        cursor = returned;
        if let Err(e) = &read {
            tracing::warn!(job = %cursor.job, "reading the event log failed: {e}");
        }
        cursor.skip_stale_gap();
        if !send_ready(&mut cursor, &tx).await {
            return;
        }
        if cursor.finished(terminal.unwrap_or(false)) {
            return;
        }
        let deadline = tokio::time::Instant::now() + poll;
        loop {
            tokio::select! {
                _ = tx.closed() => return,
                _ = tokio::time::sleep_until(deadline) => break,
                received = recv_live(&mut live) => {
                    match received {
                        Ok(event) if event.job_id == cursor.job => cursor.offer(event, false),
                        Ok(_) => continue,
                        Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => live = None,
                    }
                    if !send_ready(&mut cursor, &tx).await {
                        return;
                    }
                }
            }
        }
    }
}

async fn recv_live(
    live: &mut Option<broadcast::Receiver<Arc<Event>>>,
) -> Result<Arc<Event>, broadcast::error::RecvError> {
    match live {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

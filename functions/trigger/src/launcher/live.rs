//! Live events: an [`EventSink`] that fans events out to SSE streams in this
//! process through a broadcast channel, and keeps the events of each running
//! job since it started, because the stored log only grows when a stage
//! ends. A stream that subscribes mid-stage gets that history with its
//! subscription (atomically, so nothing falls between), then the live
//! events. Streams still read the stored log for completeness; this only
//! lowers latency. A job's history is dropped at its `job.completed.v1`.

use doctown_core::{Event, JobId};
use doctown_pipeline::EventSink;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Events kept per running job; older ones are left to the stored log.
const HISTORY_PER_JOB: usize = 20_000;

/// A subscription: the job's events so far, then everything live.
pub struct LiveSubscription {
    pub history: Vec<Arc<Event>>,
    pub receiver: broadcast::Receiver<Arc<Event>>,
}

/// Events of every job run in this process, as they are emitted.
#[derive(Debug, Clone)]
pub struct LiveEvents {
    sender: broadcast::Sender<Arc<Event>>,
    history: Arc<Mutex<HashMap<JobId, VecDeque<Arc<Event>>>>>,
}

impl Default for LiveEvents {
    fn default() -> Self {
        Self::new(4096)
    }
}

impl LiveEvents {
    /// A hub keeping up to `capacity` events for slow subscribers (a lagging
    /// subscriber skips ahead and refills from the stored log).
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(16));
        LiveEvents {
            sender,
            history: Arc::default(),
        }
    }

    /// Subscribes to every job's events, with `job`'s history so far.
    pub fn subscribe(&self, job: &JobId) -> LiveSubscription {
        let history = self.history.lock().unwrap_or_else(|p| p.into_inner());
        LiveSubscription {
            history: history
                .get(job)
                .map(|h| h.iter().cloned().collect())
                .unwrap_or_default(),
            receiver: self.sender.subscribe(),
        }
    }

    /// Jobs with kept history (running here).
    pub fn tracked_jobs(&self) -> usize {
        self.history.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl EventSink for LiveEvents {
    fn accept(&self, event: &Event) {
        let event = Arc::new(event.clone());
        let mut history = self.history.lock().unwrap_or_else(|p| p.into_inner());
        if event.is_terminal() {
            history.remove(&event.job_id);
        } else {
            let kept = history.entry(event.job_id.clone()).or_default();
            if kept.len() >= HISTORY_PER_JOB {
                kept.pop_front();
            }
            kept.push_back(event.clone());
        }
        // Sent under the lock, so a subscriber's history and stream never overlap
        // or leave a hole. No subscribers is fine.
        let _ = self.sender.send(event);
    }
}

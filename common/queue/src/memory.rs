//! An in-process queue with SQS semantics: delays, long polling, visibility
//! timeouts, receive counts, and redrive to a dead-letter queue after too
//! many receives.

use crate::{Depth, Queue, QueueError, Received};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

#[derive(Debug)]
struct Message {
    id: String,
    body: String,
    visible_at: Instant,
    receive_count: u32,
    /// The receipt of the latest delivery, while in flight.
    receipt: Option<String>,
    delayed: bool,
}

#[derive(Debug, Default)]
struct Inner {
    messages: VecDeque<Message>,
}

/// An in-process queue; clones share the same messages.
#[derive(Clone)]
pub struct MemoryQueue {
    name: Arc<str>,
    inner: Arc<(Mutex<Inner>, Condvar)>,
    counter: Arc<AtomicU64>,
    redrive: Option<(Box<MemoryQueue>, u32)>,
}

impl std::fmt::Debug for MemoryQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryQueue")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl MemoryQueue {
    pub fn new(name: &str) -> MemoryQueue {
        MemoryQueue {
            name: name.into(),
            inner: Arc::default(),
            counter: Arc::default(),
            redrive: None,
        }
    }

    /// Moves a message to `dead_letter` when it would be received more
    /// than `max_receives` times.
    pub fn with_redrive(mut self, dead_letter: &MemoryQueue, max_receives: u32) -> MemoryQueue {
        self.redrive = Some((Box::new(dead_letter.clone()), max_receives.max(1)));
        self
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn next_id(&self, what: &str) -> String {
        format!(
            "{}-{what}-{}",
            self.name,
            self.counter.fetch_add(1, Ordering::SeqCst)
        )
    }

    /// Bodies of every message, in order (tests).
    pub fn bodies(&self) -> Vec<String> {
        self.lock()
            .messages
            .iter()
            .map(|m| m.body.clone())
            .collect()
    }

    /// Takes visible messages; moves those past their receive limit.
    fn take(&self, inner: &mut Inner, max: usize, visibility: Duration) -> Vec<Received> {
        let now = Instant::now();
        let mut out = Vec::new();
        let mut i = 0;
        while i < inner.messages.len() && out.len() < max {
            if inner.messages[i].visible_at > now {
                i += 1;
                continue;
            }
            if let Some((dlq, max_receives)) = &self.redrive {
                if inner.messages[i].receive_count >= *max_receives {
                    if let Some(m) = inner.messages.remove(i) {
                        dlq.push(m.body, Duration::ZERO, m.receive_count);
                    }
                    continue;
                }
            }
            let receipt = self.next_id("receipt");
            let m = &mut inner.messages[i];
            m.receive_count += 1;
            m.visible_at = now + visibility;
            m.receipt = Some(receipt.clone());
            m.delayed = false;
            out.push(Received {
                message_id: m.id.clone(),
                receipt,
                body: m.body.clone(),
                receive_count: m.receive_count,
            });
            i += 1;
        }
        out
    }

    fn push(&self, body: String, delay: Duration, receive_count: u32) -> String {
        let id = self.next_id("msg");
        self.lock().messages.push_back(Message {
            id: id.clone(),
            body,
            visible_at: Instant::now() + delay,
            receive_count,
            receipt: None,
            delayed: !delay.is_zero(),
        });
        self.inner.1.notify_all();
        id
    }
}

impl Queue for MemoryQueue {
    fn name(&self) -> &str {
        &self.name
    }

    fn send(&self, body: &str, delay: Duration) -> Result<String, QueueError> {
        if delay > crate::MAX_DELAY {
            return Err(QueueError::Invalid {
                queue: self.name.to_string(),
                message: format!("delay {delay:?} is longer than 15 minutes"),
            });
        }
        Ok(self.push(body.to_string(), delay, 0))
    }

    fn receive(
        &self,
        max: u32,
        wait: Duration,
        visibility: Duration,
    ) -> Result<Vec<Received>, QueueError> {
        let deadline = Instant::now() + wait.min(crate::MAX_WAIT);
        let max = max.clamp(1, 10) as usize;
        let mut inner = self.lock();
        loop {
            let got = self.take(&mut inner, max, visibility);
            let now = Instant::now();
            if !got.is_empty() || now >= deadline {
                return Ok(got);
            }
            // Sleep until a message may become visible or the wait ends.
            let next_visible = inner
                .messages
                .iter()
                .map(|m| m.visible_at)
                .filter(|t| *t > now)
                .min();
            let until = next_visible.map_or(deadline, |t| t.min(deadline));
            let (guard, _) = self
                .inner
                .1
                .wait_timeout(inner, until.saturating_duration_since(now))
                .unwrap_or_else(|p| p.into_inner());
            inner = guard;
        }
    }

    fn delete(&self, receipt: &str) -> Result<(), QueueError> {
        // A stale receipt deletes nothing (as SQS may do).
        self.lock()
            .messages
            .retain(|m| m.receipt.as_deref() != Some(receipt));
        Ok(())
    }

    fn change_visibility(&self, receipt: &str, timeout: Duration) -> Result<(), QueueError> {
        let mut inner = self.lock();
        let Some(m) = inner
            .messages
            .iter_mut()
            .find(|m| m.receipt.as_deref() == Some(receipt))
        else {
            return Err(QueueError::Invalid {
                queue: self.name.to_string(),
                message: "receipt handle is not current".into(),
            });
        };
        m.visible_at = Instant::now() + timeout;
        drop(inner);
        self.inner.1.notify_all();
        Ok(())
    }

    fn approximate_depth(&self) -> Result<Depth, QueueError> {
        let now = Instant::now();
        let mut depth = Depth::default();
        for m in &self.lock().messages {
            if m.visible_at <= now {
                depth.visible += 1;
            } else if m.delayed {
                depth.delayed += 1;
            } else {
                depth.in_flight += 1;
            }
        }
        Ok(depth)
    }
}

#[cfg(test)]
mod tests;

//! Queues that chain the pipeline's stages: one queue per stage plus a
//! dead-letter queue, carrying pointers ([`StageMessage`]: job id, stage,
//! shard, attempt), never payloads.
//!
//! - [`Queue`]: send (with delay), receive (long poll, up to N messages,
//!   visibility timeout), delete, change visibility (the heartbeat),
//!   approximate depth. At-least-once: a message not deleted before its
//!   visibility timeout ends is delivered again, with a higher receive
//!   count; after `max_receives` receives it is moved to the dead-letter
//!   queue (SQS `RedrivePolicy`).
//! - [`MemoryQueue`]: in-process, faithful to those semantics (tests, the
//!   embedded default). [`SqsQueue`] (feature `sqs`, default): Amazon SQS or
//!   any SQS-compatible endpoint (moto), created by [`ensure_queues`].
//! - [`QueueSet`]: the stage queues and the dead-letter queue together.
//!
//! Like `S3Store`, `SqsQueue` is synchronous over its own tokio runtime (a
//! `doctown_blocking::BlockingRuntime`), callable from any thread.

mod error;
mod memory;
mod message;
mod set;
#[cfg(feature = "sqs")]
mod sqs;

pub use error::QueueError;
pub use memory::MemoryQueue;
pub use message::{DeadLetter, MessageError, StageMessage};
pub use set::{QueueNames, QueueSet};
#[cfg(feature = "sqs")]
pub use sqs::{ensure_queues, SqsConfig, SqsConnection, SqsQueue};

use std::time::Duration;

/// One delivery of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub message_id: String,
    /// The handle of this delivery: delete and change visibility with it.
    pub receipt: String,
    pub body: String,
    /// 1 on the first delivery (SQS `ApproximateReceiveCount`).
    pub receive_count: u32,
}

/// Approximate message counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Depth {
    /// Ready to be received.
    pub visible: u64,
    /// Received and not yet deleted or timed out.
    pub in_flight: u64,
    /// Sent with a delay that has not passed.
    pub delayed: u64,
}

impl Depth {
    pub fn total(&self) -> u64 {
        self.visible + self.in_flight + self.delayed
    }
}

/// A message queue with SQS semantics.
pub trait Queue: Send + Sync {
    /// The queue's name.
    fn name(&self) -> &str;

    /// Sends a message, visible after `delay` (at most 15 minutes).
    fn send(&self, body: &str, delay: Duration) -> Result<String, QueueError>;

    /// Receives up to `max` (1–10) messages, waiting up to `wait` (≤ 20 s)
    /// for the first; each stays invisible to others for `visibility`.
    fn receive(
        &self,
        max: u32,
        wait: Duration,
        visibility: Duration,
    ) -> Result<Vec<Received>, QueueError>;

    /// Deletes a received message (acknowledges it).
    fn delete(&self, receipt: &str) -> Result<(), QueueError>;

    /// Makes a received message invisible for `timeout` from now; zero
    /// releases it at once.
    fn change_visibility(&self, receipt: &str, timeout: Duration) -> Result<(), QueueError>;

    fn approximate_depth(&self) -> Result<Depth, QueueError>;
}

/// SQS's longest message delay.
pub const MAX_DELAY: Duration = Duration::from_secs(900);
/// SQS's longest long poll.
pub const MAX_WAIT: Duration = Duration::from_secs(20);

//! The event envelope v1 and the typed payloads of each stage.
//!
//! Every event has the same envelope; its `type` names the payload
//! (`ingest.file_detected.v1`). Sequence numbers are strictly increasing per
//! job. `status` is set only on terminal `.completed` events.

use crate::ids::{stable_hash_hex, JobId};
use crate::state::JobStatus;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub mod assemble;
pub mod embed;
pub mod generate;
pub mod ingest;
pub mod pack;

/// A typed event payload; `TYPE` is the envelope's `type`.
pub trait EventPayload: Serialize + DeserializeOwned {
    const TYPE: &'static str;
    /// The terminal status this payload carries, for `.completed` events.
    fn status(&self) -> Option<JobStatus> {
        None
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EventContext {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EventMeta {
    /// The producing component, e.g. `doctown-ingest`.
    pub producer: String,
    pub producer_version: String,
    pub trace_id: String,
    /// Stable across redeliveries of the same work, so consumers can dedupe.
    pub idempotency_key: String,
}

/// The envelope, v1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub job_id: JobId,
    pub sequence: u64,
    /// RFC 3339 with milliseconds, UTC.
    pub timestamp: String,
    pub context: EventContext,
    pub meta: EventMeta,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<JobStatus>,
    pub payload: serde_json::Value,
}

impl Event {
    /// Wraps a payload in an envelope. The event id derives from job and
    /// sequence, so a re-emitted event keeps its id.
    pub fn new<P: EventPayload>(
        job_id: &JobId,
        sequence: u64,
        timestamp: String,
        context: EventContext,
        meta: EventMeta,
        payload: &P,
    ) -> Event {
        let id = format!(
            "evt_{}",
            stable_hash_hex(&[job_id.as_str().as_bytes(), &sequence.to_be_bytes()], 16)
        );
        Event {
            id,
            event_type: P::TYPE.to_string(),
            job_id: job_id.clone(),
            sequence,
            timestamp,
            context,
            meta,
            status: payload.status(),
            payload: serde_json::to_value(payload).unwrap_or(serde_json::Value::Null),
        }
    }

    /// The typed payload, when this event is of type `P`.
    pub fn payload_as<P: EventPayload>(&self) -> Option<P> {
        if self.event_type != P::TYPE {
            return None;
        }
        serde_json::from_value(self.payload.clone()).ok()
    }

    /// Whether this event ends a job (`job.completed.v1`).
    pub fn is_terminal(&self) -> bool {
        self.event_type == "job.completed.v1"
    }
}

/// `job.completed.v1`: the terminal event of a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobCompleted {
    pub status: JobStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub duration_ms: u64,
}

impl EventPayload for JobCompleted {
    const TYPE: &'static str = "job.completed.v1";
    fn status(&self) -> Option<JobStatus> {
        Some(self.status)
    }
}

#[cfg(test)]
mod tests {
    use super::ingest::*;
    use super::*;

    #[test]
    fn envelope_roundtrip_and_typed_payload() {
        let job = JobId::new("job-1").unwrap();
        let meta = EventMeta {
            producer: "doctown-ingest".into(),
            producer_version: "0.1.0".into(),
            trace_id: "t".into(),
            idempotency_key: "k".into(),
        };
        let payload = FileSkipped {
            path: "a.bin".into(),
            reason: SkipReason::Binary,
            size_bytes: 3,
        };
        let event = Event::new(
            &job,
            7,
            "2026-01-01T00:00:00.000Z".into(),
            EventContext::default(),
            meta,
            &payload,
        );
        assert_eq!(event.event_type, "ingest.file_skipped.v1");
        assert_eq!(event.status, None);
        let text = serde_json::to_string(&event).unwrap();
        let back: Event = serde_json::from_str(&text).unwrap();
        assert_eq!(back, event);
        assert_eq!(back.payload_as::<FileSkipped>(), Some(payload));
        assert_eq!(back.payload_as::<FileDetected>(), None);
    }
}

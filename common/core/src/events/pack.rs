//! Payloads of the pack stage.

use super::EventPayload;
use crate::state::JobStatus;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackStarted {
    /// The docpack's file name.
    pub name: String,
}

impl EventPayload for PackStarted {
    const TYPE: &'static str = "pack.started.v1";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackCompleted {
    pub status: JobStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub size_bytes: u64,
    /// SHA-256 of the `.docpack` file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The docpack id (checksum over its contents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docpack_id: Option<String>,
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl EventPayload for PackCompleted {
    const TYPE: &'static str = "pack.completed.v1";
    fn status(&self) -> Option<JobStatus> {
        Some(self.status)
    }
}

//! One docpack as the library lists it, with accounts or without
//! (`GET /docpacks`).

use doctown_core::{JobId, JobStatus};
use serde::{Deserialize, Serialize};

/// One docpack of the library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LibraryItem {
    pub job_id: JobId,
    pub name: String,
    /// The source as submitted (URL or path).
    pub source: String,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    pub commit: Option<String>,
    /// Bytes of the docpack, when the pack stage recorded it.
    pub size: Option<u64>,
    pub status: JobStatus,
    pub created_at: String,
    pub finished_at: Option<String>,
    pub download_url: String,
}

//! The job state document: `jobs/<job_id>/state.json`, in the spirit of a
//! Step Functions execution. Stages update it by compare-and-swap.

use crate::error::CoreError;
use crate::ids::JobId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Pipeline stages, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Stage {
    Ingest,
    Embed,
    Assemble,
    Generate,
    Pack,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Ingest,
        Stage::Embed,
        Stage::Assemble,
        Stage::Generate,
        Stage::Pack,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Ingest => "ingest",
            Stage::Embed => "embed",
            Stage::Assemble => "assemble",
            Stage::Generate => "generate",
            Stage::Pack => "pack",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Stage {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stage::ALL
            .into_iter()
            .find(|stage| stage.name() == s)
            .ok_or_else(|| CoreError::UnknownStage(s.to_string()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Partial,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Partial | JobStatus::Failed | JobStatus::Cancelled
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Partial => "partial",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum StageStatus {
    Pending,
    Running,
    Succeeded,
    Partial,
    Failed,
    Skipped,
}

impl StageStatus {
    /// Finished well enough for the next stage to start.
    pub fn is_done(self) -> bool {
        matches!(
            self,
            StageStatus::Succeeded | StageStatus::Partial | StageStatus::Skipped
        )
    }
}

/// What the user asked for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct JobInput {
    /// As given: a path, an archive, or a URL.
    pub source: String,
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    /// Stage options (limits, model settings), by stage name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, serde_json::Value>,
}

impl JobInput {
    /// A build without embeddings: the embed stage skipped and assemble
    /// clustering without vectors (`--embeddings off`, and the builds a
    /// review reads).
    pub fn disable_embeddings(&mut self) {
        self.options
            .insert("embed".into(), serde_json::json!({ "enabled": false }));
        self.options.insert(
            "assemble".into(),
            serde_json::json!({ "use_embeddings": false }),
        );
    }
}

/// The source once fetched: what exactly was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResolvedSource {
    /// `directory`, `git`, `archive` or `github`.
    pub kind: String,
    /// A short name for the repository (used for `NAME.docpack`).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StageError {
    pub message: String,
    pub retryable: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StageState {
    pub status: StageStatus,
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Artifact name → object key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub artifacts: BTreeMap<String, String>,
    /// A short summary the stage chose to record (totals).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub summary: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<StageError>,
    /// A fanned-out stage: how many shards it was split into (`Some(0)` when
    /// there was nothing to shard). `None`: the stage runs whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fan_out: Option<u32>,
    /// Per-shard progress of a fanned-out stage; the stage itself is done
    /// only after every shard is done and the fan-in (merge) ran.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub shards: BTreeMap<u32, ShardState>,
    /// The claim on starting this stage (its whole run, or its shards):
    /// the unit that recorded it first (`ingest`, `embed#3`) is the only
    /// one that sends the messages, so two workers that both find the
    /// previous stage done do not both start this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_by: Option<String>,
    /// The same claim on a fanned-out stage's fan-in (merge): of the shards
    /// that each find every shard done, only the one recorded here sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_sent_by: Option<String>,
}

impl StageState {
    /// For a fanned-out stage: whether every shard is done (true for zero
    /// shards); `false` when the stage was not fanned out.
    pub fn all_shards_done(&self) -> bool {
        match self.fan_out {
            None => false,
            Some(n) => (0..n).all(|i| self.shards.get(&i).is_some_and(|s| s.status.is_done())),
        }
    }
}

/// The progress of one shard of a fanned-out stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ShardState {
    pub status: StageStatus,
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Artifact name → object key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub artifacts: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub summary: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<StageError>,
}

impl Default for ShardState {
    fn default() -> Self {
        ShardState {
            status: StageStatus::Pending,
            attempts: 0,
            started_at: None,
            finished_at: None,
            duration_ms: None,
            artifacts: BTreeMap::new(),
            summary: serde_json::Value::Null,
            error: None,
        }
    }
}

impl Default for StageState {
    fn default() -> Self {
        StageState {
            sent_by: None,
            merge_sent_by: None,
            status: StageStatus::Pending,
            attempts: 0,
            started_at: None,
            finished_at: None,
            duration_ms: None,
            artifacts: BTreeMap::new(),
            summary: serde_json::Value::Null,
            error: None,
            fan_out: None,
            shards: BTreeMap::new(),
        }
    }
}

/// A name safe in a file name and a `Content-Disposition` header: ASCII
/// letters, digits, `-`, `_` and `.` kept, anything else `_`, at most 100;
/// `None` when only dots and underscores would be left.
pub fn header_safe_name(raw: &str) -> Option<String> {
    let clean: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    (!clean.trim_matches(['.', '_']).is_empty()).then_some(clean)
}

/// The pack stage's artifact that names the job's docpack.
pub const DOCPACK_ARTIFACT: &str = "docpack";

/// The state document of one job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct JobState {
    /// Schema version of this document.
    pub version: u32,
    pub job_id: JobId,
    pub input: JobInput,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ResolvedSource>,
    pub status: JobStatus,
    pub created_at: String,
    pub updated_at: String,
    pub stages: BTreeMap<Stage, StageState>,
    /// The next event sequence number of this job.
    pub next_event_seq: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Set by whoever cancels the job; workers check it before and while a
    /// stage runs, and then mark the job `cancelled`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cancel_requested: bool,
    /// The build of Doctown that made the job (`doctown_pipeline::memo::build`,
    /// stamped by `doctown_pipeline::new_job`): a finished build stands in
    /// for a new one of the same commit only when the same Doctown made it,
    /// since another release may state other facts of the same code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub built_by: Option<String>,
}

impl JobState {
    pub const VERSION: u32 = 1;

    /// The key of what a stage keeps between builds of one source:
    /// `cache/<area>/<hash of the source's kind and the source as
    /// given>.<ext>` — one object per source, replaced by every build
    /// (pack's deflated blocks, assemble's k-means labels and related
    /// neighbours).
    pub fn source_cache_key(&self, area: &str, ext: &str) -> String {
        use sha2::{Digest, Sha256};
        let kind = self.source.as_ref().map(|s| s.kind.as_str()).unwrap_or("");
        let hash = Sha256::digest(format!("{kind}\n{}", self.input.source).as_bytes());
        format!("cache/{area}/{}.{ext}", &hex::encode(hash)[..32])
    }

    pub fn new(job_id: JobId, input: JobInput, now: String) -> JobState {
        JobState {
            version: Self::VERSION,
            job_id,
            input,
            source: None,
            status: JobStatus::Queued,
            created_at: now.clone(),
            updated_at: now,
            stages: Stage::ALL
                .into_iter()
                .map(|s| (s, StageState::default()))
                .collect(),
            next_event_seq: 0,
            error: None,
            cancel_requested: false,
            built_by: None,
        }
    }

    pub fn stage(&self, stage: Stage) -> &StageState {
        static PENDING: std::sync::OnceLock<StageState> = std::sync::OnceLock::new();
        self.stages
            .get(&stage)
            .unwrap_or_else(|| PENDING.get_or_init(StageState::default))
    }

    pub fn stage_mut(&mut self, stage: Stage) -> &mut StageState {
        self.stages.entry(stage).or_default()
    }

    /// The object key of the job's docpack, when the pack stage wrote one.
    pub fn docpack_key(&self) -> Option<&str> {
        self.stage(Stage::Pack)
            .artifacts
            .get(DOCPACK_ARTIFACT)
            .map(String::as_str)
    }

    /// A short, header-safe name for the job's docpack: the source's name
    /// (letters, digits, `-`, `_` and `.`; at most 100), else the job id.
    pub fn docpack_name(&self) -> String {
        let raw = self
            .source
            .as_ref()
            .map(|s| s.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| self.job_id.to_string());
        header_safe_name(&raw).unwrap_or_else(|| self.job_id.to_string())
    }

    /// Sets every stage after `stage` that is not pending back to pending,
    /// its record cleared, and returns them in order: what they made was
    /// computed from `stage`'s earlier output, which a rerun replaced.
    pub fn reset_after(&mut self, stage: Stage) -> Vec<Stage> {
        let mut reset = Vec::new();
        for later in Stage::ALL.into_iter().filter(|s| *s > stage) {
            if let Some(st) = self.stages.get_mut(&later) {
                if st.status != StageStatus::Pending || !st.shards.is_empty() {
                    *st = StageState::default();
                    reset.push(later);
                }
            }
        }
        reset
    }

    /// The first stage that is not done, in pipeline order.
    pub fn next_stage(&self) -> Option<Stage> {
        Stage::ALL
            .into_iter()
            .find(|s| !self.stage(*s).status.is_done())
    }

    /// The object key prefix of this job.
    pub fn prefix(&self) -> String {
        job_prefix(&self.job_id)
    }
}

/// `jobs/<job_id>/`
pub fn job_prefix(job_id: &JobId) -> String {
    format!("jobs/{job_id}/")
}

/// `jobs/<job_id>/state.json`
pub fn state_key(job_id: &JobId) -> String {
    format!("jobs/{job_id}/state.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_safe_names_keep_plain_characters_and_refuse_what_is_left_empty() {
        assert_eq!(
            header_safe_name("flask-3.1.0").as_deref(),
            Some("flask-3.1.0")
        );
        assert_eq!(header_safe_name("a b\"c\r\n").as_deref(), Some("a_b_c__"));
        assert_eq!(
            header_safe_name(&"x".repeat(300)).map(|n| n.len()),
            Some(100)
        );
        for empty in ["", "..", "/", "é"] {
            assert_eq!(header_safe_name(empty), None, "{empty:?}");
        }
    }

    #[test]
    fn stages_parse_and_order() {
        assert_eq!("embed".parse::<Stage>().unwrap(), Stage::Embed);
        assert!("bake".parse::<Stage>().is_err());
        assert!(Stage::Ingest < Stage::Pack);
    }

    #[test]
    fn next_stage_skips_done_stages() {
        let mut state = JobState::new(JobId::new("j").unwrap(), JobInput::default(), "t".into());
        assert_eq!(state.next_stage(), Some(Stage::Ingest));
        state.stage_mut(Stage::Ingest).status = StageStatus::Succeeded;
        state.stage_mut(Stage::Embed).status = StageStatus::Skipped;
        assert_eq!(state.next_stage(), Some(Stage::Assemble));
        let text = serde_json::to_string(&state).unwrap();
        assert_eq!(serde_json::from_str::<JobState>(&text).unwrap(), state);
    }

    #[test]
    fn reset_after_clears_only_later_stages_that_ran() {
        let mut state = JobState::new(JobId::new("j").unwrap(), JobInput::default(), "t".into());
        for stage in [Stage::Ingest, Stage::Assemble, Stage::Generate] {
            let st = state.stage_mut(stage);
            st.status = StageStatus::Succeeded;
            st.attempts = 2;
            st.artifacts.insert("manifest".into(), format!("{stage}/m"));
        }
        state.stage_mut(Stage::Embed).status = StageStatus::Skipped;
        state.stage_mut(Stage::Pack).status = StageStatus::Pending;
        assert_eq!(
            state.reset_after(Stage::Embed),
            vec![Stage::Assemble, Stage::Generate]
        );
        assert_eq!(state.stage(Stage::Assemble), &StageState::default());
        assert_eq!(state.stage(Stage::Ingest).status, StageStatus::Succeeded);
        assert_eq!(state.stage(Stage::Embed).status, StageStatus::Skipped);
        assert_eq!(state.next_stage(), Some(Stage::Assemble));
        assert!(state.reset_after(Stage::Pack).is_empty());
    }

    #[test]
    fn old_documents_parse_and_shards_track_fan_in() {
        let old = r#"{"version":1,"job_id":"j","input":{"source":"."},"status":"queued",
            "created_at":"t","updated_at":"t","next_event_seq":0,
            "stages":{"embed":{"status":"pending","attempts":0}}}"#;
        let mut state: JobState = serde_json::from_str(old).unwrap();
        assert!(!state.cancel_requested);
        let embed = state.stage_mut(Stage::Embed);
        assert_eq!(embed.fan_out, None);
        assert!(!embed.all_shards_done());
        embed.fan_out = Some(2);
        embed.shards.insert(0, ShardState::default());
        embed.shards.insert(1, ShardState::default());
        assert!(!embed.all_shards_done());
        for shard in embed.shards.values_mut() {
            shard.status = StageStatus::Succeeded;
        }
        assert!(embed.all_shards_done());
        embed.fan_out = Some(0);
        embed.shards.clear();
        assert!(embed.all_shards_done());
        let text = serde_json::to_string(&state).unwrap();
        assert!(!text.contains("cancel_requested"));
        assert_eq!(serde_json::from_str::<JobState>(&text).unwrap(), state);
    }
}

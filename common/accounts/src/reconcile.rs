//! Keeping job rows consistent with the object store.
//!
//! The state document (`jobs/<id>/state.json`) is the source of truth for a
//! job's progress; workers anywhere update it and never touch the database.
//! The database copies its outcome: [`job_update`] reads a state document
//! (pure) and [`Db::apply_job_update`] writes the row. Only rows still
//! `queued` or `running` are updated, so a job ends in the database once:
//! that transition adds its cost to the month's usage and, on success,
//! inserts its docpack row. The host calls this on reads (a user's
//! listings and job pages refresh that user's active jobs first) and from
//! a sweeper every few seconds, so rows catch up whichever host ran the job.

use crate::db::{now_ms, Db};
use crate::error::Result;
use crate::jobs::micros;
use doctown_core::{JobState, JobStatus, Stage, DOCPACK_ARTIFACT};

/// A finished docpack's facts, from the pack stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocpackFacts {
    pub name: String,
    pub storage_key: String,
    pub checksum: Option<String>,
    pub size_bytes: Option<i64>,
}

/// What a state document says about a job row.
#[derive(Debug, Clone, PartialEq)]
pub struct JobUpdate {
    pub id: String,
    pub status: String,
    pub commit: Option<String>,
    pub cost_micros: i64,
    pub duration_ms: Option<i64>,
    pub error: Option<String>,
    pub finished_at: Option<i64>,
    pub docpack: Option<DocpackFacts>,
}

impl JobUpdate {
    pub fn is_terminal(&self) -> bool {
        !matches!(self.status.as_str(), "queued" | "running")
    }
}

fn parse_ms(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// The model cost a job's generate stage recorded, dollars.
fn cost_usd(state: &JobState) -> f64 {
    state
        .stage(Stage::Generate)
        .summary
        .get("cost_usd")
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0)
}

fn docpack_facts(state: &JobState) -> Option<DocpackFacts> {
    if !matches!(state.status, JobStatus::Succeeded | JobStatus::Partial) {
        return None;
    }
    let pack = state.stage(Stage::Pack);
    let key = pack.artifacts.get(DOCPACK_ARTIFACT)?;
    let text = |field: &str| {
        pack.summary
            .get(field)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    // The repository's name, as the local library shows it; the pack
    // summary's `name` is the file (`NAME.docpack`).
    let name = state
        .source
        .as_ref()
        .map(|s| s.name.clone())
        .or_else(|| text("name").map(|n| n.trim_end_matches(".docpack").to_string()))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| state.job_id.to_string());
    Some(DocpackFacts {
        name,
        storage_key: key.clone(),
        checksum: text("sha256"),
        size_bytes: pack.summary.get("size_bytes").and_then(|v| v.as_i64()),
    })
}

/// The row update a state document implies (pure).
pub fn job_update(state: &JobState) -> JobUpdate {
    let terminal = state.status.is_terminal();
    let finished_at = terminal.then(|| parse_ms(&state.updated_at)).flatten();
    let duration_ms = match (parse_ms(&state.created_at), finished_at) {
        (Some(start), Some(end)) => Some((end - start).max(0)),
        _ => None,
    };
    JobUpdate {
        id: state.job_id.to_string(),
        status: state.status.to_string(),
        commit: state.source.as_ref().and_then(|s| s.commit.clone()),
        cost_micros: micros(cost_usd(state)),
        duration_ms,
        error: state.error.clone(),
        finished_at,
        docpack: docpack_facts(state),
    }
}

impl Db {
    /// Writes a job's outcome into its row while the row is still active;
    /// returns whether the row changed. Ending a job adds its cost to the
    /// owner's usage and records its docpack, once.
    pub async fn apply_job_update(&self, update: &JobUpdate) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE jobs SET status = $1, commit_sha = COALESCE($2, commit_sha), cost_micros = $3, \
             duration_ms = $4, error = $5, finished_at = $6, updated_at = $7 \
             WHERE id = $8 AND status IN ('queued', 'running') \
             AND (status <> $1 OR COALESCE(commit_sha, '') <> COALESCE($2, commit_sha, '') OR cost_micros <> $3)",
        )
        .bind(&update.status)
        .bind(&update.commit)
        .bind(update.cost_micros)
        .bind(update.duration_ms)
        .bind(&update.error)
        .bind(update.finished_at)
        .bind(now_ms())
        .bind(&update.id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if changed && update.is_terminal() {
            sqlx::query(
                "UPDATE usage SET cost_micros = cost_micros + $1 WHERE \
                 user_id = (SELECT owner_id FROM jobs WHERE id = $2) AND \
                 period = (SELECT period FROM jobs WHERE id = $2)",
            )
            .bind(update.cost_micros)
            .bind(&update.id)
            .execute(&mut *tx)
            .await?;
            if let Some(pack) = &update.docpack {
                insert_docpack(&mut tx, &update.id, pack).await?;
            }
        }
        tx.commit().await?;
        Ok(changed)
    }
}

async fn insert_docpack(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    job_id: &str,
    pack: &DocpackFacts,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO docpacks (job_id, owner_id, name, source, git_ref, commit_sha, checksum, \
         size_bytes, storage_key, visibility, created_at) \
         SELECT id, owner_id, $2, source, git_ref, commit_sha, $3, $4, $5, visibility, $6 \
         FROM jobs WHERE id = $1 ON CONFLICT (job_id) DO NOTHING",
    )
    .bind(job_id)
    .bind(&pack.name)
    .bind(&pack.checksum)
    .bind(pack.size_bytes)
    .bind(&pack.storage_key)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use doctown_core::{JobId, JobInput, ResolvedSource, StageStatus};

    fn finished(source: Option<&str>) -> JobState {
        let input = JobInput {
            source: "https://github.com/ada/secret".into(),
            git_ref: None,
            options: Default::default(),
        };
        let mut state = JobState::new(
            JobId::new("job-n").unwrap(),
            input,
            "2026-11-24T04:00:00Z".into(),
        );
        state.source = source.map(|name| ResolvedSource {
            kind: "github".into(),
            name: name.into(),
            ..Default::default()
        });
        state.status = JobStatus::Succeeded;
        let pack = state.stage_mut(Stage::Pack);
        pack.status = StageStatus::Succeeded;
        pack.artifacts.insert(
            DOCPACK_ARTIFACT.into(),
            "jobs/job-n/pack/secret.docpack".into(),
        );
        pack.summary = serde_json::json!({ "name": "secret.docpack", "size_bytes": 10 });
        state
    }

    #[test]
    fn a_docpack_is_named_after_its_repository_not_its_file() {
        let named = |state: &JobState| docpack_facts(state).map(|d| d.name);
        assert_eq!(named(&finished(Some("secret"))).as_deref(), Some("secret"));
        assert_eq!(named(&finished(None)).as_deref(), Some("secret"));
    }
}

//! Running a schedule: due checks, commit comparison, launching and the
//! records under `schedules/<name>/`.

use super::{CommitResolver, Schedule, ScheduleEntry};
use crate::error::TriggerError;
use crate::launcher::JobLauncher;
use chrono::{DateTime, Utc};
use doctown_core::{stable_hash_hex, JobId, JobInput, JobStatus};
use doctown_store::{get_json, load_state, Condition, ObjectStore, StoreError};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// What happened to one repository and ref in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    Launched,
    SkippedUnchanged,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunItem {
    pub repo: String,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    pub commit: Option<String>,
    pub outcome: RunOutcome,
    pub job_id: Option<JobId>,
    pub error: Option<String>,
}

/// One firing of a schedule entry: `schedules/<name>/runs/<timestamp>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleRun {
    pub schedule: String,
    pub at: String,
    pub items: Vec<RunItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cursor {
    last_checked: String,
}

/// The last run of one repository and ref.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LastRun {
    repo: String,
    #[serde(rename = "ref")]
    git_ref: Option<String>,
    commit: String,
    job_id: JobId,
    at: String,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Claims the entry's tick at `now` if it is due: `true` means "run it".
fn claim_if_due(
    store: &dyn ObjectStore,
    entry: &ScheduleEntry,
    now: DateTime<Utc>,
) -> Result<bool, TriggerError> {
    let key = format!("schedules/{}/cursor.json", entry.name);
    let current = store.get(&key)?;
    let last = current
        .as_ref()
        .and_then(|o| serde_json::from_slice::<Cursor>(&o.bytes).ok())
        .and_then(|c| DateTime::parse_from_rfc3339(&c.last_checked).ok())
        .map(|t| t.with_timezone(&Utc));
    let since = last.unwrap_or(now - chrono::Duration::seconds(60));
    let due = entry
        .cron_schedule()?
        .after(&since)
        .next()
        .is_some_and(|fire| fire <= now);
    if !due && current.is_some() {
        return Ok(false);
    }
    let bytes = serde_json::to_vec(&Cursor {
        last_checked: rfc3339(now),
    })
    .unwrap_or_default();
    let condition = match &current {
        Some(object) => Condition::Matches(object.etag.clone()),
        None => Condition::Absent,
    };
    match store.put_if(&key, &bytes, &condition) {
        Ok(_) => Ok(due),
        // Another instance checked this entry in between: it runs the tick.
        Err(StoreError::PreconditionFailed { .. }) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

fn run_item(
    store: &dyn ObjectStore,
    launcher: &dyn JobLauncher,
    resolver: &dyn CommitResolver,
    entry: &ScheduleEntry,
    repo: &str,
    git_ref: Option<&str>,
    at: &str,
) -> RunItem {
    let mut item = RunItem {
        repo: repo.to_string(),
        git_ref: git_ref.map(String::from),
        commit: None,
        outcome: RunOutcome::Failed,
        job_id: None,
        error: None,
    };
    let commit = match resolver.resolve(repo, git_ref) {
        Ok(commit) => commit,
        Err(e) => {
            item.error = Some(format!("cannot resolve the commit: {e}"));
            return item;
        }
    };
    item.commit = Some(commit.clone());
    let hash = stable_hash_hex(&[repo.as_bytes(), git_ref.unwrap_or("").as_bytes()], 16);
    let last_key = format!("schedules/{}/last/{hash}.json", entry.name);
    let last: Option<LastRun> = get_json(store, &last_key).ok().flatten();
    if let Some(last) = last.filter(|l| l.commit == commit) {
        let failed = match load_state(store, &last.job_id) {
            Ok(Some(state)) => matches!(state.status, JobStatus::Failed | JobStatus::Cancelled),
            _ => true,
        };
        if !failed {
            item.outcome = RunOutcome::SkippedUnchanged;
            item.job_id = Some(last.job_id);
            return item;
        }
    }
    let input = JobInput {
        source: repo.to_string(),
        git_ref: git_ref.map(String::from),
        ..JobInput::default()
    };
    match launcher.submit(input) {
        Ok(job) => {
            let record = LastRun {
                repo: repo.to_string(),
                git_ref: git_ref.map(String::from),
                commit,
                job_id: job.clone(),
                at: at.to_string(),
            };
            if let Err(e) = doctown_store::put_json(store, &last_key, &record) {
                tracing::warn!(%last_key, "cannot record the last run: {e}");
            }
            item.outcome = RunOutcome::Launched;
            item.job_id = Some(job);
        }
        Err(e) => item.error = Some(format!("cannot launch: {e}")),
    }
    item
}

/// Runs every entry of `schedule` that is due at `now`; returns the runs.
pub fn run_schedule_once(
    schedule: &Schedule,
    now: SystemTime,
    store: &dyn ObjectStore,
    launcher: &dyn JobLauncher,
    resolver: &dyn CommitResolver,
) -> Result<Vec<ScheduleRun>, TriggerError> {
    let now: DateTime<Utc> = now.into();
    let at = rfc3339(now);
    let mut runs = Vec::new();
    for entry in &schedule.entries {
        if !claim_if_due(store, entry, now)? {
            continue;
        }
        let mut items = Vec::new();
        for repo in &entry.repos {
            let url = repo.url.trim();
            let refs: Vec<Option<&str>> = if repo.refs.is_empty() {
                vec![None]
            } else {
                repo.refs.iter().map(|r| Some(r.trim())).collect()
            };
            for git_ref in refs {
                items.push(run_item(
                    store, launcher, resolver, entry, url, git_ref, &at,
                ));
            }
        }
        let run = ScheduleRun {
            schedule: entry.name.clone(),
            at: at.clone(),
            items,
        };
        let key = format!(
            "schedules/{}/runs/{}.json",
            entry.name,
            now.format("%Y%m%dT%H%M%SZ")
        );
        doctown_store::put_json(store, &key, &run)?;
        tracing::info!(schedule = %entry.name, items = run.items.len(), "scheduled run");
        runs.push(run);
    }
    Ok(runs)
}

/// Checks the schedule every `tick` (30 s is plenty for minute-granular
/// cron) until `shutdown` resolves. Errors are logged, not fatal.
pub async fn run_schedule_loop(
    schedule: Schedule,
    store: Arc<dyn ObjectStore>,
    launcher: Arc<dyn JobLauncher>,
    resolver: Arc<dyn CommitResolver>,
    tick: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let schedule = Arc::new(schedule);
    tokio::pin!(shutdown);
    loop {
        let (s, st, l, r) = (
            schedule.clone(),
            store.clone(),
            launcher.clone(),
            resolver.clone(),
        );
        let result = tokio::task::spawn_blocking(move || {
            run_schedule_once(&s, SystemTime::now(), st.as_ref(), l.as_ref(), r.as_ref())
        })
        .await;
        match result {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!("schedule check failed: {e}"),
            Err(e) => tracing::error!("schedule task failed: {e}"),
        }
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(tick.max(Duration::from_secs(1))) => {}
        }
    }
}

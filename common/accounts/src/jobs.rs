//! Job rows: who started a job, from what, what it cost and how it ended.
//!
//! A row is inserted at admission (with the month's job counted in the
//! same transaction, so a quota cannot be overrun by concurrent requests)
//! before the job is launched. The state document in the object store
//! stays the source of truth for a job's progress; [`Db::apply_job_update`]
//! copies its outcome into the row (see `reconcile`).

use crate::db::{now_ms, Db};
use crate::error::{AccountsError, Result};
use crate::plans::{anonymous_hour_used, month_quota, period_of, too_many_at_once, Standing};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

/// Who may see a job and its docpack besides its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Anyone (and listed in the public gallery).
    Public,
    /// The owner, and whoever holds a live share link.
    Private,
}

impl Visibility {
    pub fn parse(text: &str) -> Result<Visibility> {
        match text.trim() {
            "public" => Ok(Visibility::Public),
            "private" => Ok(Visibility::Private),
            other => Err(AccountsError::invalid(format!(
                "unknown visibility {other:?}: public or private"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
        }
    }
}

/// The limits a job's admission checks, in its transaction ([`Db::admit_job`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobLimits {
    /// The owner's jobs this month (counted by the admission).
    pub jobs_per_month: Option<u64>,
    /// The owner's jobs queued or running at once.
    pub concurrent_jobs: Option<u64>,
    /// An anonymous address's jobs in the last hour.
    pub jobs_per_hour: Option<u64>,
}

/// A job to insert at admission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub id: String,
    pub owner_id: Option<i64>,
    pub api_key_id: Option<i64>,
    pub client_ip: Option<String>,
    pub source: String,
    pub git_ref: Option<String>,
    pub private: bool,
    pub visibility: Visibility,
}

/// A job as the database knows it.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct JobRow {
    pub id: String,
    pub owner_id: Option<i64>,
    pub source: String,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    pub commit: Option<String>,
    pub private: bool,
    pub visibility: Visibility,
    pub status: String,
    pub cost_usd: f64,
    pub duration_ms: Option<i64>,
    pub error: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

impl JobRow {
    pub fn is_active(&self) -> bool {
        matches!(self.status.as_str(), "queued" | "running")
    }
}

const JOB_COLUMNS: &str = "id, owner_id, source, git_ref, commit_sha, private, visibility, \
     status, cost_micros, duration_ms, error, created_at, finished_at";

fn job_from_row(row: &AnyRow) -> Result<JobRow> {
    let visibility: String = row.try_get("visibility")?;
    let micros: i64 = row.try_get("cost_micros")?;
    Ok(JobRow {
        id: row.try_get("id")?,
        owner_id: row.try_get("owner_id")?,
        source: row.try_get("source")?,
        git_ref: row.try_get("git_ref")?,
        commit: row.try_get("commit_sha")?,
        private: row.try_get::<i64, _>("private")? != 0,
        visibility: Visibility::parse(&visibility)?,
        status: row.try_get("status")?,
        cost_usd: micros as f64 / 1e6,
        duration_ms: row.try_get("duration_ms")?,
        error: row.try_get("error")?,
        created_at: row.try_get("created_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

/// Dollars to micro-dollars.
pub fn micros(usd: f64) -> i64 {
    if usd.is_finite() && usd > 0.0 {
        (usd * 1e6).round() as i64
    } else {
        0
    }
}

/// A page cursor that sorts after every job id (`[a-z0-9_-]`).
pub(crate) fn cursor_or_top(cursor: Option<&str>) -> &str {
    cursor.unwrap_or("~")
}

impl Db {
    /// Inserts a job's row, the month counted (refused at `jobs_per_month`).
    pub async fn insert_job(&self, job: &NewJob, jobs_per_month: Option<u64>) -> Result<()> {
        let limits = JobLimits {
            jobs_per_month,
            ..JobLimits::default()
        };
        self.admit_job(job, &limits).await
    }

    /// Inserts a job's row if `limits` allow it, in one transaction that
    /// first writes the admission key's row (the owner's, or the anonymous
    /// address's): concurrent admissions of one key wait for each other
    /// (a row lock on PostgreSQL, the write lock on SQLite), so each counts
    /// the jobs the others admitted and N parallel requests at a limit of
    /// L admit exactly L, on one server or many.
    pub async fn admit_job(&self, job: &NewJob, limits: &JobLimits) -> Result<()> {
        let now = now_ms();
        let period = period_of(now);
        let mut tx = self.pool.begin().await?;
        let key = match (job.owner_id, &job.client_ip) {
            (Some(owner), _) => Some(format!("user:{owner}")),
            (None, Some(ip)) => Some(format!("ip:{ip}")),
            (None, None) => None,
        };
        if let Some(key) = &key {
            sqlx::query(
                "INSERT INTO admission_locks (key, touched_at) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET touched_at = excluded.touched_at",
            )
            .bind(key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        // The month first (402 before 429, as `check_admission` orders
        // them); a refusal after it rolls the count back with the rest.
        if let (Some(owner), Some(quota)) = (job.owner_id, limits.jobs_per_month) {
            count_in_month(&mut tx, owner, &period, quota).await?;
        }
        if let (Some(owner), Some(most)) = (job.owner_id, limits.concurrent_jobs) {
            check_active(&mut tx, owner, most).await?;
        }
        if let (None, Some(ip), Some(most)) = (job.owner_id, &job.client_ip, limits.jobs_per_hour) {
            check_anonymous_hour(&mut tx, ip, now, most).await?;
        }
        insert_job_row(&mut tx, job, &period, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A job that could not be launched: failed, and its month's count given back.
    pub async fn fail_admission(&self, job_id: &str, error: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE jobs SET status = 'failed', error = $1, updated_at = $2, finished_at = $2 \
             WHERE id = $3 AND status = 'queued'",
        )
        .bind(error)
        .bind(now_ms())
        .bind(job_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 1 {
            sqlx::query(
                "UPDATE usage SET jobs = jobs - 1 WHERE jobs > 0 AND \
                 user_id = (SELECT owner_id FROM jobs WHERE id = $1) AND \
                 period = (SELECT period FROM jobs WHERE id = $1)",
            )
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn job(&self, id: &str) -> Result<Option<JobRow>> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// The user's jobs, newest first, after `cursor` (a job id).
    pub async fn jobs_of(
        &self,
        owner: i64,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Vec<JobRow>> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE owner_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(owner)
            .bind(cursor_or_top(cursor))
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(job_from_row).collect()
    }

    /// Ids of jobs still queued or running (of one owner, or everyone's).
    pub async fn active_job_ids(&self, owner: Option<i64>, limit: u32) -> Result<Vec<String>> {
        let rows = match owner {
            Some(owner) => {
                sqlx::query(
                    "SELECT id FROM jobs WHERE status IN ('queued', 'running') AND owner_id = $1 \
                     ORDER BY id LIMIT $2",
                )
                .bind(owner)
                .bind(limit as i64)
                .fetch_all(&self.pool)
                .await?
            }
            None => sqlx::query(
                "SELECT id FROM jobs WHERE status IN ('queued', 'running') ORDER BY id LIMIT $1",
            )
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await?,
        };
        rows.iter()
            .map(|r| r.try_get::<String, _>("id").map_err(Into::into))
            .collect()
    }

    /// This month's job count and the jobs queued or running.
    pub async fn standing(&self, owner: i64) -> Result<Standing> {
        let month: Option<i64> =
            sqlx::query("SELECT jobs FROM usage WHERE user_id = $1 AND period = $2")
                .bind(owner)
                .bind(period_of(now_ms()))
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get("jobs"))
                .transpose()?;
        let active: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM jobs WHERE owner_id = $1 AND status IN ('queued', 'running')",
        )
        .bind(owner)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok(Standing {
            jobs_this_month: month.unwrap_or(0).max(0) as u64,
            active_jobs: active.max(0) as u64,
        })
    }

    /// Adds `usd` of model spend outside a job (an `ask` answered by the
    /// server's model) to `owner`'s month.
    pub async fn charge_model(&self, owner: i64, usd: f64) -> Result<()> {
        let period = period_of(now_ms());
        sqlx::query(
            "INSERT INTO usage (user_id, period, jobs, cost_micros) VALUES ($1, $2, 0, $3) \
             ON CONFLICT (user_id, period) DO UPDATE SET cost_micros = usage.cost_micros + $3",
        )
        .bind(owner)
        .bind(&period)
        .bind(micros(usd))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// This month's spend on models, dollars.
    pub async fn month_cost(&self, owner: i64) -> Result<f64> {
        let micros: Option<i64> =
            sqlx::query("SELECT cost_micros FROM usage WHERE user_id = $1 AND period = $2")
                .bind(owner)
                .bind(period_of(now_ms()))
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get("cost_micros"))
                .transpose()?;
        Ok(micros.unwrap_or(0) as f64 / 1e6)
    }

    /// Anonymous jobs from `ip` since `since_ms`.
    pub async fn anonymous_jobs_since(&self, ip: &str, since_ms: i64) -> Result<u64> {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM jobs WHERE owner_id IS NULL AND client_ip = $1 AND created_at >= $2",
        )
        .bind(ip)
        .bind(since_ms)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok(n.max(0) as u64)
    }
}

/// Counts the job in its owner's month, refused when `quota` jobs are
/// counted already.
async fn count_in_month(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    owner: i64,
    period: &str,
    quota: u64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO usage (user_id, period, jobs, cost_micros) VALUES ($1, $2, 0, 0) \
         ON CONFLICT (user_id, period) DO NOTHING",
    )
    .bind(owner)
    .bind(period)
    .execute(&mut **tx)
    .await?;
    let counted = sqlx::query(
        "UPDATE usage SET jobs = jobs + 1 WHERE user_id = $1 AND period = $2 AND jobs < $3",
    )
    .bind(owner)
    .bind(period)
    .bind(quota as i64)
    .execute(&mut **tx)
    .await?;
    if counted.rows_affected() == 0 {
        return Err(month_quota(quota));
    }
    Ok(())
}

/// Refuses a job when its owner has `most` queued or running already.
async fn check_active(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    owner: i64,
    most: u64,
) -> Result<()> {
    let active: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM jobs WHERE owner_id = $1 AND status IN ('queued', 'running')",
    )
    .bind(owner)
    .fetch_one(&mut **tx)
    .await?
    .try_get("n")?;
    if active.max(0) as u64 >= most {
        return Err(too_many_at_once(active.max(0) as u64));
    }
    Ok(())
}

/// Refuses an anonymous job when its address started `most` in the last
/// hour.
async fn check_anonymous_hour(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ip: &str,
    now: i64,
    most: u64,
) -> Result<()> {
    let recent: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM jobs WHERE owner_id IS NULL AND client_ip = $1 AND created_at >= $2",
    )
    .bind(ip)
    .bind(now - 3_600_000)
    .fetch_one(&mut **tx)
    .await?
    .try_get("n")?;
    if recent.max(0) as u64 >= most {
        return Err(anonymous_hour_used(most));
    }
    Ok(())
}

/// The job's row, queued.
async fn insert_job_row(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    job: &NewJob,
    period: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO jobs (id, owner_id, api_key_id, client_ip, source, git_ref, private, \
         visibility, status, period, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $9, $10, $10)",
    )
    .bind(&job.id)
    .bind(job.owner_id)
    .bind(job.api_key_id)
    .bind(&job.client_ip)
    .bind(&job.source)
    .bind(&job.git_ref)
    .bind(job.private as i64)
    .bind(job.visibility.as_str())
    .bind(period)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

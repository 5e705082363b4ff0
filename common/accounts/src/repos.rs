//! Repositories seen at admission (GitHub's facts, cached a few minutes),
//! GitHub App installations, the configured plans (copied into the `plans`
//! table at start, for reporting) and processed Stripe events.

use crate::db::{now_ms, Db};
use crate::error::Result;
use crate::github::RepoFacts;
use crate::jobs::micros;
use crate::plans::{PlanName, Plans};
use sqlx::Row;
use std::time::Duration;

impl Db {
    /// A repository's cached facts, when checked within `max_age`.
    pub async fn cached_repo(
        &self,
        full_name: &str,
        max_age: Duration,
    ) -> Result<Option<RepoFacts>> {
        let row = sqlx::query(
            "SELECT full_name, github_id, private, size_kb, default_branch FROM repositories \
             WHERE full_name = $1 AND checked_at >= $2",
        )
        .bind(full_name.to_ascii_lowercase())
        .bind(now_ms() - max_age.as_millis() as i64)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(RepoFacts {
            full_name: row.try_get("full_name")?,
            github_id: row.try_get("github_id")?,
            private: row.try_get::<i64, _>("private")? != 0,
            size_kb: row.try_get::<i64, _>("size_kb")?.max(0) as u64,
            default_branch: row.try_get("default_branch")?,
        }))
    }

    pub async fn store_repo(&self, facts: &RepoFacts) -> Result<()> {
        sqlx::query(
            "INSERT INTO repositories (full_name, github_id, private, size_kb, default_branch, checked_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (full_name) DO UPDATE SET \
             github_id = excluded.github_id, private = excluded.private, size_kb = excluded.size_kb, \
             default_branch = excluded.default_branch, checked_at = excluded.checked_at",
        )
        .bind(&facts.full_name)
        .bind(facts.github_id)
        .bind(facts.private as i64)
        .bind(facts.size_kb as i64)
        .bind(&facts.default_branch)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a GitHub App installation (from its webhook), linked to the
    /// user whose GitHub account id is `account_id` (the installing user's
    /// for an organisation) when one has signed up. The login is kept for
    /// display only: it can be renamed and taken.
    pub async fn upsert_installation(
        &self,
        id: i64,
        account_id: Option<i64>,
        account_login: &str,
        suspended: bool,
    ) -> Result<()> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO installations (id, account_id, account_login, user_id, created_at, suspended_at) \
             VALUES ($1, $2, $3, (SELECT id FROM users WHERE github_id = $2), $4, $5) \
             ON CONFLICT (id) DO UPDATE SET account_login = excluded.account_login, \
             account_id = excluded.account_id, user_id = excluded.user_id, \
             suspended_at = excluded.suspended_at",
        )
        .bind(id)
        .bind(account_id)
        .bind(account_login)
        .bind(now)
        .bind(suspended.then_some(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Links the installations made by GitHub account `github_id` to user
    /// `user_id` (when that account signs in after installing the App).
    pub async fn link_installations(&self, user_id: i64, github_id: i64) -> Result<()> {
        sqlx::query("UPDATE installations SET user_id = $1 WHERE account_id = $2")
            .bind(user_id)
            .bind(github_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The user an installation is linked to, if any (and not suspended).
    pub async fn installation_user(&self, id: i64) -> Result<Option<i64>> {
        let row =
            sqlx::query("SELECT user_id FROM installations WHERE id = $1 AND suspended_at IS NULL")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|r| r.try_get::<Option<i64>, _>("user_id").ok().flatten()))
    }

    /// The installations linked to a user.
    pub async fn installations_of(&self, user_id: i64) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT id, account_login FROM installations WHERE user_id = $1 AND suspended_at IS NULL ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("account_login")?)))
            .collect()
    }

    /// Writes the configured plans into the `plans` table.
    pub async fn sync_plans(&self, plans: &Plans) -> Result<()> {
        for name in PlanName::ALL {
            let p = plans.limits(name);
            sqlx::query(
                "INSERT INTO plans (name, jobs_per_month, max_repo_mb, model_budget_micros, private_repos, \
                 concurrent_jobs, requests_per_minute, stripe_price_id, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (name) DO UPDATE SET \
                 jobs_per_month = excluded.jobs_per_month, max_repo_mb = excluded.max_repo_mb, \
                 model_budget_micros = excluded.model_budget_micros, private_repos = excluded.private_repos, \
                 concurrent_jobs = excluded.concurrent_jobs, requests_per_minute = excluded.requests_per_minute, \
                 stripe_price_id = excluded.stripe_price_id, updated_at = excluded.updated_at",
            )
            .bind(name.as_str())
            .bind(p.jobs_per_month as i64)
            .bind(p.max_repo_mb as i64)
            .bind(micros(p.model_budget_usd))
            .bind(p.private_repos as i64)
            .bind(p.concurrent_jobs as i64)
            .bind(p.requests_per_minute as i64)
            .bind(&p.stripe_price)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }
}

//! Plans (Free, Creator, Team) and the anonymous limits: numbers from
//! configuration (`DOCTOWN_PLANS_FILE`, TOML; defaults below), checked
//! before any work starts by [`check_admission`] (pure).

use crate::error::{AccountsError, Result};
use serde::{Deserialize, Serialize};

/// A plan's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PlanName {
    Free,
    Creator,
    Team,
}

impl PlanName {
    pub const ALL: [PlanName; 3] = [PlanName::Free, PlanName::Creator, PlanName::Team];

    pub fn as_str(self) -> &'static str {
        match self {
            PlanName::Free => "free",
            PlanName::Creator => "creator",
            PlanName::Team => "team",
        }
    }

    /// Parses a stored or requested plan name.
    pub fn parse(text: &str) -> Result<PlanName> {
        match text.trim().to_ascii_lowercase().as_str() {
            "free" => Ok(PlanName::Free),
            "creator" => Ok(PlanName::Creator),
            "team" => Ok(PlanName::Team),
            other => Err(AccountsError::invalid(format!(
                "unknown plan {other:?}: free, creator or team"
            ))),
        }
    }
}

/// What a plan allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PlanLimits {
    /// Jobs started per calendar month (UTC).
    pub jobs_per_month: u64,
    /// Largest repository accepted (GitHub's size, MiB); also ingest's
    /// `max_total_bytes` for the job.
    pub max_repo_mb: u64,
    /// The model budget of one job, dollars (generate's `budget_usd`).
    pub model_budget_usd: f64,
    /// Whether private repositories may be built.
    pub private_repos: bool,
    /// Jobs queued or running at once.
    pub concurrent_jobs: u64,
    /// API requests per minute (per user, and per key).
    pub requests_per_minute: u64,
    /// The Stripe price of the plan (Checkout), for paid plans.
    pub stripe_price: Option<String>,
    /// Shown on the pricing page, dollars per month.
    pub price_usd: f64,
}

impl Default for PlanLimits {
    fn default() -> Self {
        PlanLimits {
            jobs_per_month: 10,
            max_repo_mb: 50,
            model_budget_usd: 0.10,
            private_repos: false,
            concurrent_jobs: 1,
            requests_per_minute: 120,
            stripe_price: None,
            price_usd: 0.0,
        }
    }
}

/// Limits for requests without an account (per client IP).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnonymousLimits {
    /// Whether anonymous users may build public repositories at all.
    pub builds: bool,
    pub jobs_per_hour: u64,
    pub max_repo_mb: u64,
    pub requests_per_minute: u64,
}

impl Default for AnonymousLimits {
    fn default() -> Self {
        AnonymousLimits {
            builds: false,
            jobs_per_hour: 3,
            max_repo_mb: 20,
            requests_per_minute: 60,
        }
    }
}

/// Every plan's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Plans {
    pub free: PlanLimits,
    pub creator: PlanLimits,
    pub team: PlanLimits,
    pub anonymous: AnonymousLimits,
}

impl Default for Plans {
    fn default() -> Self {
        Plans {
            free: PlanLimits::default(),
            creator: PlanLimits {
                jobs_per_month: 100,
                max_repo_mb: 500,
                model_budget_usd: 2.0,
                private_repos: true,
                concurrent_jobs: 3,
                requests_per_minute: 600,
                stripe_price: None,
                price_usd: 12.0,
            },
            team: PlanLimits {
                jobs_per_month: 1000,
                max_repo_mb: 2000,
                model_budget_usd: 10.0,
                private_repos: true,
                concurrent_jobs: 10,
                requests_per_minute: 2400,
                stripe_price: None,
                price_usd: 49.0,
            },
            anonymous: AnonymousLimits::default(),
        }
    }
}

impl Plans {
    /// Parses a plans file (TOML: `[free]`, `[creator]`, `[team]`,
    /// `[anonymous]`; a missing table or field keeps its default).
    pub fn from_toml(text: &str) -> Result<Plans> {
        toml::from_str(text).map_err(|e| AccountsError::invalid(format!("plans file: {e}")))
    }

    pub fn limits(&self, plan: PlanName) -> &PlanLimits {
        match plan {
            PlanName::Free => &self.free,
            PlanName::Creator => &self.creator,
            PlanName::Team => &self.team,
        }
    }

    /// The plan a Stripe price id buys.
    pub fn by_price(&self, price: &str) -> Option<PlanName> {
        PlanName::ALL
            .into_iter()
            .find(|p| self.limits(*p).stripe_price.as_deref() == Some(price))
    }
}

/// What a job asks for, as far as limits care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRequest {
    /// Whether the repository is private.
    pub private: bool,
    /// The repository's size (KiB, as GitHub reports it).
    pub size_kb: u64,
}

/// Where a user stands this month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    pub jobs_this_month: u64,
    pub active_jobs: u64,
}

/// Checks a signed-in user's job against the plan (402 for a quota, 429
/// for too many jobs at once). The monthly count is checked again,
/// atomically, when the job is inserted.
pub fn check_admission(limits: &PlanLimits, standing: Standing, job: &JobRequest) -> Result<()> {
    if job.private && !limits.private_repos {
        return Err(AccountsError::Quota(
            "your plan does not include private repositories: upgrade to build them".into(),
        ));
    }
    check_size(job.size_kb, limits.max_repo_mb)?;
    if standing.jobs_this_month >= limits.jobs_per_month {
        return Err(month_quota(limits.jobs_per_month));
    }
    if standing.active_jobs >= limits.concurrent_jobs {
        return Err(too_many_at_once(standing.active_jobs));
    }
    Ok(())
}

/// The anonymous limits: public repositories only, under a size, a few an
/// hour per IP.
pub fn check_anonymous(
    limits: &AnonymousLimits,
    jobs_last_hour: u64,
    job: &JobRequest,
) -> Result<()> {
    if !limits.builds {
        return Err(AccountsError::Unauthorized(
            "sign in to build repositories".into(),
        ));
    }
    if job.private {
        return Err(AccountsError::Unauthorized(
            "sign in to build private repositories".into(),
        ));
    }
    check_size(job.size_kb, limits.max_repo_mb)?;
    if jobs_last_hour >= limits.jobs_per_hour {
        return Err(anonymous_hour_used(limits.jobs_per_hour));
    }
    Ok(())
}

fn check_size(size_kb: u64, max_mb: u64) -> Result<()> {
    if size_kb > max_mb.saturating_mul(1024) {
        return Err(AccountsError::Quota(format!(
            "the repository is {} MiB; your plan builds repositories up to {max_mb} MiB",
            size_kb.div_ceil(1024)
        )));
    }
    Ok(())
}

pub(crate) fn too_many_at_once(active: u64) -> AccountsError {
    AccountsError::RateLimited {
        message: format!(
            "{active} job(s) already queued or running, the most your plan runs at once"
        ),
        retry_after: 30,
    }
}

pub(crate) fn anonymous_hour_used(jobs_per_hour: u64) -> AccountsError {
    AccountsError::RateLimited {
        message: format!(
            "anonymous builds are limited to {jobs_per_hour} an hour per address; sign in for more"
        ),
        retry_after: 600,
    }
}

pub(crate) fn month_quota(jobs_per_month: u64) -> AccountsError {
    AccountsError::Quota(format!(
        "you have used this month's {jobs_per_month} jobs: upgrade, or wait for the next month"
    ))
}

/// The usage period of a time: `YYYY-MM` (UTC).
pub fn period_of(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_parse_with_defaults() {
        let plans =
            Plans::from_toml("[free]\njobs_per_month = 3\n[team]\nstripe_price = \"price_team\"\n")
                .unwrap();
        assert_eq!(plans.free.jobs_per_month, 3);
        assert_eq!(plans.creator, Plans::default().creator);
        assert_eq!(plans.by_price("price_team"), Some(PlanName::Team));
        assert!(Plans::from_toml("[free]\nunknown = 1\n").is_err());
    }

    #[test]
    fn admission_limits() {
        let free = PlanLimits::default();
        let public = JobRequest {
            private: false,
            size_kb: 1024,
        };
        let private = JobRequest {
            private: true,
            size_kb: 1024,
        };
        let ok = Standing::default();
        assert!(check_admission(&free, ok, &public).is_ok());
        assert!(matches!(
            check_admission(&free, ok, &private),
            Err(AccountsError::Quota(_))
        ));
        let big = JobRequest {
            private: false,
            size_kb: 51 * 1024,
        };
        assert!(matches!(
            check_admission(&free, ok, &big),
            Err(AccountsError::Quota(_))
        ));
        let used = Standing {
            jobs_this_month: 10,
            active_jobs: 0,
        };
        assert!(matches!(
            check_admission(&free, used, &public),
            Err(AccountsError::Quota(_))
        ));
        let busy = Standing {
            jobs_this_month: 0,
            active_jobs: 1,
        };
        assert!(matches!(
            check_admission(&free, busy, &public),
            Err(AccountsError::RateLimited { .. })
        ));
    }

    #[test]
    fn anonymous_limits() {
        let mut limits = AnonymousLimits::default();
        let public = JobRequest {
            private: false,
            size_kb: 10,
        };
        assert!(check_anonymous(&limits, 0, &public).is_err());
        limits.builds = true;
        assert!(check_anonymous(&limits, 0, &public).is_ok());
        assert!(check_anonymous(&limits, 3, &public).is_err());
        assert!(check_anonymous(
            &limits,
            0,
            &JobRequest {
                private: true,
                size_kb: 1
            }
        )
        .is_err());
    }

    #[test]
    fn periods_are_utc_months() {
        assert_eq!(period_of(0), "1970-01");
        assert_eq!(period_of(1_764_000_000_000), "2025-11");
    }
}

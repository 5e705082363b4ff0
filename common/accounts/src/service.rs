//! [`Accounts`]: the flows that combine the database, the keyring and the
//! GitHub and Stripe clients — sign-in, admission, billing, webhooks.

use crate::config::AccountsConfig;
use crate::crypto::{pkce_challenge, random_token};
use crate::db::{now_ms, sqlite_url, Db};
use crate::error::{AccountsError, Result};
use crate::github::{self, RepoFacts};
use crate::jobs::{JobLimits, NewJob, Visibility};
use crate::limits::RateLimiter;
use crate::plans::{check_admission, check_anonymous, JobRequest, PlanName, Standing};
use crate::sessions::NewSession;
use crate::stripe::{self, PlanChange, Subject};
use crate::users::User;
use std::path::Path;

/// The accounts service. Share it behind an `Arc`.
pub struct Accounts {
    pub db: Db,
    pub config: AccountsConfig,
    agent: doctown_http::Http,
    /// Requests per user, key or address.
    pub requests: RateLimiter,
    /// Failed credential checks per address (brute force).
    pub failures: RateLimiter,
}

/// Who asks for a job.
#[derive(Debug, Clone)]
pub enum Requester {
    User {
        user: User,
        key_id: Option<i64>,
    },
    Anonymous {
        ip: String,
    },
    /// A key from the operator's key file: no plan, no limits.
    Operator,
}

/// An admitted job: its row is inserted; launch it with these options.
#[derive(Debug, Clone)]
pub struct Admitted {
    pub job: NewJob,
    /// To merge into the job's `input.options` (limits for the stages, and
    /// `accounts.owner` when the user's token must fetch the repository).
    pub options: serde_json::Map<String, serde_json::Value>,
}

/// A finished sign-in.
#[derive(Debug, Clone)]
pub struct SignIn {
    pub user: User,
    pub session: NewSession,
    pub redirect_to: String,
}

/// What a verified webhook did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookOutcome {
    Applied {
        user_id: i64,
    },
    Duplicate,
    Ignored,
    /// Older than what the user's billing already reflects, or about
    /// another subscription: recorded, not applied.
    Stale,
    /// About a customer no user is linked to yet (its checkout's event may
    /// still be on its way): not recorded, so Stripe's retry applies it.
    NotYetLinked,
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AccountsError::Internal(format!("worker thread: {e}")))?
}

impl Accounts {
    /// Opens the database (`config.database_url`, else SQLite at
    /// `default_sqlite`), applies migrations and records the plans.
    pub async fn open(config: AccountsConfig, default_sqlite: &Path) -> Result<Accounts> {
        let url = config
            .database_url
            .clone()
            .unwrap_or_else(|| sqlite_url(default_sqlite));
        let db = Db::connect(&url, config.max_connections).await?;
        db.migrate_up().await?;
        db.sync_plans(&config.plans).await?;
        // Key rotation: whatever an older key sealed is sealed again with
        // the current one (a no-op, one query each, when nothing is stale).
        let resealed = db.reseal_tokens(&config.keyring).await?
            + db.reseal_share_tokens(&config.keyring).await?;
        if resealed > 0 {
            tracing::info!(
                resealed,
                key = config.keyring.current_id(),
                "secrets re-sealed with the current key"
            );
        }
        Ok(Accounts::with_db(db, config))
    }

    /// Over a database already migrated.
    pub fn with_db(db: Db, config: AccountsConfig) -> Accounts {
        Accounts {
            db,
            config,
            agent: crate::http::agent(),
            requests: RateLimiter::new(),
            failures: RateLimiter::new(),
        }
    }

    fn github(&self) -> Result<&crate::config::GitHubOAuthConfig> {
        self.config.github.as_ref().ok_or_else(|| {
            AccountsError::NotConfigured("sign-in with GitHub is not configured".into())
        })
    }

    fn stripe(&self) -> Result<&crate::config::StripeConfig> {
        self.config
            .stripe
            .as_ref()
            .ok_or_else(|| AccountsError::NotConfigured("billing is not configured".into()))
    }

    /// Starts a sign-in: stores a state with a PKCE verifier; returns the
    /// state and GitHub's authorize URL, asking for the configured scopes,
    /// plus `repo` when `private` (access to the user's private
    /// repositories is asked for only by those who want it built).
    pub async fn begin_sign_in(
        &self,
        redirect_to: &str,
        callback_url: &str,
        private: bool,
    ) -> Result<(String, String)> {
        let mut github = self.github()?.clone();
        if private && !github.scopes.split([' ', ',']).any(|s| s == "repo") {
            github.scopes = format!("{} repo", github.scopes).trim().to_string();
        }
        let github = &github;
        let verifier = random_token();
        let state = self
            .db
            .create_oauth_state(&verifier, redirect_to, self.config.state_ttl)
            .await?;
        let url = github::authorize_url(github, &state, &pkce_challenge(&verifier), callback_url);
        Ok((state, url))
    }

    /// Finishes a sign-in: takes the state (once), exchanges the code,
    /// reads the user, upserts them with their token sealed, and starts a
    /// new session in place of `replacing`.
    pub async fn finish_sign_in(
        &self,
        state: &str,
        code: &str,
        callback_url: &str,
        replacing: Option<&str>,
    ) -> Result<SignIn> {
        let github = self.github()?.clone();
        let taken = self.db.take_oauth_state(state).await?;
        let (agent, code, callback) = (
            self.agent.clone(),
            code.to_string(),
            callback_url.to_string(),
        );
        let verifier = taken.pkce_verifier.clone();
        let (token, profile) = blocking(move || {
            let token = github::exchange_code(&agent, &github, &code, &verifier, &callback)?;
            let profile = github::fetch_user(&agent, &github.api_base, &token)?;
            Ok((token, profile))
        })
        .await?;
        let user = self
            .db
            .upsert_github_user(&profile, Some(&token), &self.config.keyring)
            .await?;
        let session = self
            .db
            .create_session(user.id, self.config.session_ttl, replacing)
            .await?;
        Ok(SignIn {
            user,
            session,
            redirect_to: taken.redirect_to,
        })
    }

    /// A GitHub repository's facts for `user` (their token, when they have
    /// one): public repositories come from a short cache, private ones are
    /// asked of GitHub with the caller's own token every time.
    pub async fn repo_facts(
        &self,
        user: Option<i64>,
        owner: &str,
        repo: &str,
    ) -> Result<Option<RepoFacts>> {
        let full = format!("{owner}/{repo}").to_ascii_lowercase();
        if let Some(cached) = self
            .db
            .cached_repo(&full, self.config.repo_cache_ttl)
            .await?
        {
            if !cached.private {
                return Ok(Some(cached));
            }
        }
        let token = match user {
            Some(id) => self.db.github_token(id, &self.config.keyring).await?,
            None => None,
        };
        let api = self
            .config
            .github
            .as_ref()
            .map(|g| g.api_base.clone())
            .unwrap_or_else(|| "https://api.github.com".into());
        let (agent, owner, repo) = (self.agent.clone(), owner.to_string(), repo.to_string());
        let facts =
            blocking(move || github::fetch_repo(&agent, &api, token.as_deref(), &owner, &repo))
                .await?;
        if let Some(f) = &facts {
            self.db.store_repo(f).await?;
        }
        Ok(facts)
    }

    /// Admits a job (limits checked, row inserted, month counted) or says
    /// why not. `facts` is `None` for sources that are not on GitHub
    /// (operators' local paths).
    pub async fn admit(
        &self,
        requester: &Requester,
        job_id: &str,
        source: &str,
        git_ref: Option<&str>,
        facts: Option<&RepoFacts>,
        visibility: Option<Visibility>,
    ) -> Result<Admitted> {
        let request = JobRequest {
            private: facts.is_some_and(|f| f.private),
            size_kb: facts.map_or(0, |f| f.size_kb),
        };
        let mut job = NewJob {
            id: job_id.to_string(),
            owner_id: None,
            api_key_id: None,
            client_ip: None,
            source: source.to_string(),
            git_ref: git_ref.map(str::to_string),
            private: request.private,
            // Private unless known to be public: an operator's job has no
            // facts and may be a private repository built with the server's token.
            visibility: visibility.unwrap_or(if request.private || facts.is_none() {
                Visibility::Private
            } else {
                Visibility::Public
            }),
        };
        let mut options = serde_json::Map::new();
        // The plan's private and size limits here; the counts (the month,
        // jobs at once, an address's hour) in the row's own transaction.
        let limits = match requester {
            Requester::Operator => JobLimits::default(),
            Requester::Anonymous { ip } => {
                let limits = &self.config.plans.anonymous;
                check_anonymous(limits, 0, &request)?;
                job.client_ip = Some(ip.clone());
                job.visibility = Visibility::Public;
                options.insert(
                    "ingest".into(),
                    serde_json::json!({ "max_total_bytes": limits.max_repo_mb << 20 }),
                );
                options.insert("generate".into(), serde_json::json!({ "budget_usd": 0.0 }));
                JobLimits {
                    jobs_per_hour: Some(limits.jobs_per_hour),
                    ..JobLimits::default()
                }
            }
            Requester::User { user, key_id } => {
                let limits = self.config.plans.limits(user.effective_plan());
                check_admission(limits, Standing::default(), &request)?;
                job.owner_id = Some(user.id);
                job.api_key_id = *key_id;
                options.insert(
                    "ingest".into(),
                    serde_json::json!({ "max_total_bytes": limits.max_repo_mb << 20 }),
                );
                options.insert(
                    "generate".into(),
                    serde_json::json!({ "budget_usd": limits.model_budget_usd }),
                );
                if request.private {
                    options.insert("accounts".into(), serde_json::json!({ "owner": user.id }));
                }
                JobLimits {
                    jobs_per_month: Some(limits.jobs_per_month),
                    concurrent_jobs: Some(limits.concurrent_jobs),
                    jobs_per_hour: None,
                }
            }
        };
        self.db.admit_job(&job, &limits).await?;
        Ok(Admitted { job, options })
    }

    /// Whether `requester` may have a repository priced (`POST /estimate`,
    /// which ingests it): the plan's private-repository and size limits, as
    /// for a job, without counting one. Returns the options the pricing
    /// ingest runs under (the plan's byte limit).
    pub fn admit_estimate(
        &self,
        requester: &Requester,
        facts: Option<&RepoFacts>,
    ) -> Result<serde_json::Map<String, serde_json::Value>> {
        let request = JobRequest {
            private: facts.is_some_and(|f| f.private),
            size_kb: facts.map_or(0, |f| f.size_kb),
        };
        let max_repo_mb = match requester {
            Requester::Operator => return Ok(serde_json::Map::new()),
            Requester::Anonymous { .. } => {
                let limits = &self.config.plans.anonymous;
                check_anonymous(limits, 0, &request)?;
                limits.max_repo_mb
            }
            Requester::User { user, .. } => {
                let limits = self.config.plans.limits(user.effective_plan());
                check_admission(limits, Standing::default(), &request)?;
                limits.max_repo_mb
            }
        };
        let mut options = serde_json::Map::new();
        options.insert(
            "ingest".into(),
            serde_json::json!({ "max_total_bytes": max_repo_mb << 20 }),
        );
        Ok(options)
    }

    /// A Checkout session for upgrading `user` to `plan`; returns its URL.
    pub async fn checkout(
        &self,
        user: &User,
        plan: PlanName,
        success_url: &str,
        cancel_url: &str,
    ) -> Result<String> {
        let stripe = self.stripe()?.clone();
        let price = self
            .config
            .plans
            .limits(plan)
            .stripe_price
            .clone()
            .ok_or_else(|| {
                AccountsError::invalid(format!("the {} plan cannot be bought", plan.as_str()))
            })?;
        let (agent, user, success, cancel) = (
            self.agent.clone(),
            user.clone(),
            success_url.to_string(),
            cancel_url.to_string(),
        );
        blocking(move || {
            let request = stripe::CheckoutRequest {
                user_id: user.id,
                email: user.email.as_deref(),
                customer: user.stripe_customer_id.as_deref(),
                plan,
                price: &price,
                success_url: &success,
                cancel_url: &cancel,
            };
            stripe::create_checkout(&agent, &stripe, &request)
        })
        .await
    }

    /// A customer-portal session for `user`; returns its URL.
    pub async fn portal(&self, user: &User, return_url: &str) -> Result<String> {
        let stripe = self.stripe()?.clone();
        let customer = user.stripe_customer_id.clone().ok_or_else(|| {
            AccountsError::invalid("you have no subscription to manage yet: upgrade first")
        })?;
        let (agent, back) = (self.agent.clone(), return_url.to_string());
        blocking(move || stripe::create_portal(&agent, &stripe, &customer, &back)).await
    }

    /// Verifies, deduplicates and applies a Stripe webhook.
    pub async fn stripe_webhook(
        &self,
        signature: Option<&str>,
        payload: &[u8],
    ) -> Result<WebhookOutcome> {
        let stripe = self.stripe()?;
        let now = now_ms() / 1000;
        stripe::verify(
            &stripe.webhook_secret,
            signature,
            payload,
            now,
            stripe.tolerance.as_secs() as i64,
        )?;
        let event = stripe::parse_event(payload)?;
        let change = stripe::plan_change(&event, &self.config.plans);
        self.db
            .apply_stripe_event(&event.id, &event.event_type, change.as_ref())
            .await
    }
}

impl Db {
    /// Records an event id and applies its change in one transaction; an
    /// event seen before changes nothing.
    pub async fn apply_stripe_event(
        &self,
        event_id: &str,
        event_type: &str,
        change: Option<&PlanChange>,
    ) -> Result<WebhookOutcome> {
        use sqlx::Row;
        let mut tx = self.pool.begin().await?;
        if !record_stripe_event(&mut tx, event_id, event_type).await? {
            return Ok(WebhookOutcome::Duplicate);
        }
        let Some(change) = change else {
            tx.commit().await?;
            return Ok(WebhookOutcome::Ignored);
        };
        let user_row = billed_user(&mut tx, &change.subject).await?;
        let Some(row) = user_row else {
            return Ok(match change.subject {
                // Dropping the transaction forgets the event id: the retry counts.
                Subject::Customer(_) => WebhookOutcome::NotYetLinked,
                Subject::User(_) => {
                    tx.commit().await?;
                    WebhookOutcome::Ignored
                }
            });
        };
        let user_id: i64 = row.try_get("id")?;
        let current: String = row.try_get("plan")?;
        let status: Option<String> = row.try_get("billing_status")?;
        let subscription: Option<String> = row.try_get("stripe_subscription_id")?;
        let last_event: Option<i64> = row.try_get("billing_event_at")?;
        let applies = stripe::still_applies(
            change,
            last_event,
            subscription.as_deref(),
            status.as_deref().unwrap_or(""),
        );
        if !applies {
            tx.commit().await?;
            return Ok(WebhookOutcome::Stale);
        }
        let plan = change
            .plan
            .map(|p| p.as_str().to_string())
            .unwrap_or(current);
        set_billing(&mut tx, change, plan, user_id).await?;
        tx.commit().await?;
        Ok(WebhookOutcome::Applied { user_id })
    }
}

/// Records a Stripe event's id; whether it is new.
async fn record_stripe_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    event_id: &str,
    event_type: &str,
) -> Result<bool> {
    Ok(sqlx::query(
        "INSERT INTO stripe_events (id, event_type, received_at) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(event_id)
    .bind(event_type)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}

/// The billing columns of the user a change is about: by id, or by Stripe
/// customer.
async fn billed_user(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    subject: &Subject,
) -> Result<Option<sqlx::any::AnyRow>> {
    let (sql, key) = match subject {
        Subject::User(id) => ("id = $1", id.to_string()),
        Subject::Customer(c) => ("stripe_customer_id = $1", c.clone()),
    };
    let sql = format!(
        "SELECT id, plan, billing_status, stripe_subscription_id, billing_event_at \
         FROM users WHERE {sql}"
    );
    let query = match subject {
        Subject::User(id) => sqlx::query(&sql).bind(*id),
        Subject::Customer(_) => sqlx::query(&sql).bind(key),
    };
    Ok(query.fetch_optional(&mut **tx).await?)
}

/// Sets the user's plan and billing state as the change says.
async fn set_billing(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    change: &PlanChange,
    plan: String,
    user_id: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE users SET plan = $1, billing_status = $2, \
         stripe_customer_id = COALESCE($3, stripe_customer_id), \
         stripe_subscription_id = COALESCE($4, stripe_subscription_id), updated_at = $5, \
         billing_event_at = $7 WHERE id = $6",
    )
    .bind(plan)
    .bind(&change.status)
    .bind(&change.customer)
    .bind(&change.subscription)
    .bind(now_ms())
    .bind(user_id)
    .bind(change.created)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

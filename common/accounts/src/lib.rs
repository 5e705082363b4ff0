//! Doctown's hosted service layer (issue 18): users who sign in with
//! GitHub, server-side sessions, API keys, plans with quotas and rate
//! limits, job and docpack rows (the library), share links, private
//! repositories through the user's encrypted GitHub token, and Stripe
//! billing.
//!
//! The database is reached through sqlx's `Any` driver: SQLite (a file in
//! the store directory) by default, PostgreSQL when `DATABASE_URL` names
//! one; migrations (up and down) are embedded per backend ([`db`]). HTTP
//! routes live in `doctown-trigger`; this crate has the logic (pure where it
//! can be: [`plans`], [`stripe::verify`], [`stripe::plan_change`],
//! [`reconcile::job_update`], [`limits`]) and the IO at its edges
//! ([`Db`]'s queries, [`github`] and [`stripe`]'s HTTP calls).
//!
//! Module map: `config`, `db` (pool, migrations), `crypto` (AES-256-GCM
//! keyring, tokens), `users`, `sessions` (+ OAuth state), `keys`, `jobs`,
//! `library` (docpacks, share links), `reconcile` (state document → row),
//! `repos` (repository facts, installations, plans table), `plans`,
//! `limits` (rate limits), `github` (OAuth, REST), `github_app` (App JWT,
//! installation tokens; shared with the distributed workers), `stripe`, `http`,
//! `service` ([`Accounts`]: the flows that combine them).

pub mod config;
pub mod crypto;
pub mod db;
pub mod error;
pub mod github;
pub mod github_app;
mod http;
pub mod jobs;
pub mod keys;
pub mod library;
pub mod limits;
pub mod plans;
pub mod reconcile;
pub mod repos;
mod service;
pub mod sessions;
pub mod stripe;
pub mod users;

pub use config::{AccountsConfig, GitHubOAuthConfig, StripeConfig};
pub use crypto::Keyring;
pub use db::{now_ms, Backend, Db};
pub use error::AccountsError;
pub use github::RepoFacts;
pub use github_app::{GitHubAppConfig, InstallationTokens};
pub use jobs::{JobLimits, JobRow, NewJob, Visibility};
pub use keys::{allows, is_user_key, ApiKey, Scope};
pub use library::DocpackRow;
pub use limits::RateLimiter;
pub use plans::{PlanLimits, PlanName, Plans};
pub use reconcile::{job_update, JobUpdate};
pub use service::{Accounts, Admitted, Requester, SignIn, WebhookOutcome};
pub use sessions::{NewSession, Session};
pub use users::{GitHubProfile, User};

//! The accounts configuration, from the environment (`DOCTOWN_*`, see
//! `docs/ACCOUNTS.md`) or set in code.

use crate::crypto::Keyring;
use crate::error::{AccountsError, Result};
use crate::plans::Plans;
use std::path::Path;
use std::time::Duration;

/// GitHub's OAuth web flow (an OAuth App, or a GitHub App's user
/// authorisation).
#[derive(Clone)]
pub struct GitHubOAuthConfig {
    pub client_id: String,
    pub client_secret: String,
    /// Where `/login/oauth/authorize` and `/login/oauth/access_token` live
    /// (`https://github.com`).
    pub oauth_base: String,
    /// The REST API (`https://api.github.com`): `/user`, `/repos/…`.
    pub api_base: String,
    /// Scopes asked for (`read:user repo`: `repo` lets Doctown fetch the
    /// user's private repositories).
    pub scopes: String,
}

impl std::fmt::Debug for GitHubOAuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubOAuthConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("oauth_base", &self.oauth_base)
            .field("api_base", &self.api_base)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// Stripe: Checkout, the customer portal and webhooks.
#[derive(Clone)]
pub struct StripeConfig {
    pub secret_key: String,
    pub webhook_secret: String,
    /// `https://api.stripe.com`.
    pub api_base: String,
    /// How old a webhook's timestamp may be (default 300 s).
    pub tolerance: Duration,
}

impl std::fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeConfig")
            .field("api_base", &self.api_base)
            .field("tolerance", &self.tolerance)
            .finish_non_exhaustive()
    }
}

/// Everything the accounts layer is configured with.
#[derive(Clone)]
pub struct AccountsConfig {
    /// `postgres://…` or `sqlite://…`; `None`: SQLite in the store directory.
    pub database_url: Option<String>,
    pub max_connections: u32,
    pub github: Option<GitHubOAuthConfig>,
    pub stripe: Option<StripeConfig>,
    pub plans: Plans,
    /// Encrypts GitHub tokens and share tokens at rest.
    pub keyring: Keyring,
    /// Whether `keyring` came from configuration (else it is ephemeral).
    pub keyring_configured: bool,
    /// How long a session lasts without use (default 30 days).
    pub session_ttl: Duration,
    /// How long a session lasts however often it is used (default 90
    /// days; `DOCTOWN_SESSION_MAX_DAYS`): then its user signs in again.
    pub session_max_age: Duration,
    /// How long an OAuth `state` stays valid (default 10 minutes).
    pub state_ttl: Duration,
    /// How long repository facts from GitHub are trusted (default 10 minutes).
    pub repo_cache_ttl: Duration,
    /// Failed credential checks allowed per client address per minute.
    pub auth_failures_per_minute: u64,
}

impl std::fmt::Debug for AccountsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountsConfig")
            .field(
                "database_url",
                &self.database_url.as_deref().map(crate::db::redacted_url),
            )
            .field("github", &self.github)
            .field("stripe", &self.stripe.as_ref().map(|_| "<set>"))
            .field("plans", &self.plans)
            .field("keyring_configured", &self.keyring_configured)
            .field("session_ttl", &self.session_ttl)
            .field("session_max_age", &self.session_max_age)
            .finish_non_exhaustive()
    }
}

impl Default for AccountsConfig {
    fn default() -> Self {
        AccountsConfig {
            database_url: None,
            max_connections: 8,
            github: None,
            stripe: None,
            plans: Plans::default(),
            keyring: Keyring::ephemeral(),
            keyring_configured: false,
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            session_max_age: Duration::from_secs(90 * 24 * 3600),
            state_ttl: Duration::from_secs(600),
            repo_cache_ttl: Duration::from_secs(600),
            auth_failures_per_minute: 10,
        }
    }
}

fn truthy(v: &str) -> bool {
    doctown_config::flag(v).unwrap_or(false)
}

impl AccountsConfig {
    /// `Some` when the environment turns accounts on: `DOCTOWN_ACCOUNTS=1`,
    /// a PostgreSQL `DATABASE_URL`, or a GitHub OAuth client id.
    pub fn from_env() -> Result<Option<AccountsConfig>> {
        Self::from_lookup(doctown_config::var)
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<AccountsConfig>> {
        let value = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let database_url = value("DATABASE_URL")
            .filter(|u| !u.starts_with("sqlite:") || value("DOCTOWN_ACCOUNTS").is_some());
        let postgres = database_url
            .as_deref()
            .is_some_and(|u| u.starts_with("postgres"));
        let switch = value("DOCTOWN_ACCOUNTS");
        let enabled = match switch.as_deref() {
            Some(v) => truthy(v),
            None => postgres || value("DOCTOWN_GITHUB_CLIENT_ID").is_some(),
        };
        if !enabled {
            return Ok(None);
        }
        let mut config = AccountsConfig {
            database_url,
            ..AccountsConfig::default()
        };
        config.github = github_from(&value)?;
        config.stripe = stripe_from(&value)?;
        if let Some(path) = value("DOCTOWN_PLANS_FILE") {
            let text = std::fs::read_to_string(Path::new(&path))
                .map_err(|e| AccountsError::invalid(format!("{path}: {e}")))?;
            config.plans = Plans::from_toml(&text)?;
        }
        if let Some(v) = value("DOCTOWN_ANONYMOUS_BUILDS") {
            config.plans.anonymous.builds = truthy(&v);
        }
        if let Some(keys) = value("DOCTOWN_TOKEN_KEYS") {
            config.keyring = Keyring::parse(&keys)?;
            config.keyring_configured = true;
        }
        if let Some(days) = value("DOCTOWN_SESSION_DAYS") {
            let days: u64 = days
                .parse()
                .map_err(|_| AccountsError::invalid("DOCTOWN_SESSION_DAYS: a whole number"))?;
            config.session_ttl = Duration::from_secs(days.max(1) * 24 * 3600);
        }
        if let Some(days) = value("DOCTOWN_SESSION_MAX_DAYS") {
            let days: u64 = days
                .parse()
                .map_err(|_| AccountsError::invalid("DOCTOWN_SESSION_MAX_DAYS: a whole number"))?;
            config.session_max_age = Duration::from_secs(days.max(1) * 24 * 3600);
        }
        Ok(Some(config))
    }
}

fn base(value: &impl Fn(&str) -> Option<String>, name: &str, default: &str) -> String {
    value(name)
        .unwrap_or_else(|| default.to_string())
        .trim_end_matches('/')
        .to_string()
}

fn github_from(value: &impl Fn(&str) -> Option<String>) -> Result<Option<GitHubOAuthConfig>> {
    let Some(client_id) = value("DOCTOWN_GITHUB_CLIENT_ID") else {
        return Ok(None);
    };
    let client_secret = value("DOCTOWN_GITHUB_CLIENT_SECRET").ok_or_else(|| {
        AccountsError::invalid(
            "DOCTOWN_GITHUB_CLIENT_ID is set but DOCTOWN_GITHUB_CLIENT_SECRET is not",
        )
    })?;
    Ok(Some(GitHubOAuthConfig {
        client_id,
        client_secret,
        oauth_base: base(value, "DOCTOWN_GITHUB_OAUTH_URL", "https://github.com"),
        api_base: base(value, "DOCTOWN_GITHUB_API", "https://api.github.com"),
        // The profile only; `repo` is asked for when a user signs in for
        // private repositories (`/auth/github/login?private=1`).
        scopes: value("DOCTOWN_GITHUB_OAUTH_SCOPES").unwrap_or_else(|| "read:user".into()),
    }))
}

fn stripe_from(value: &impl Fn(&str) -> Option<String>) -> Result<Option<StripeConfig>> {
    let Some(secret_key) = value("DOCTOWN_STRIPE_SECRET_KEY") else {
        return Ok(None);
    };
    let webhook_secret = value("DOCTOWN_STRIPE_WEBHOOK_SECRET").ok_or_else(|| {
        AccountsError::invalid(
            "DOCTOWN_STRIPE_SECRET_KEY is set but DOCTOWN_STRIPE_WEBHOOK_SECRET is not",
        )
    })?;
    Ok(Some(StripeConfig {
        secret_key,
        webhook_secret,
        api_base: base(value, "DOCTOWN_STRIPE_API", "https://api.stripe.com"),
        tolerance: Duration::from_secs(300),
    }))
}

/// An environment of fixed pairs, for the configuration readers' tests.
#[cfg(test)]
pub(crate) fn lookup(
    pairs: &'static [(&'static str, &'static str)],
) -> impl Fn(&str) -> Option<String> {
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_unless_asked_for() {
        assert!(AccountsConfig::from_lookup(lookup(&[])).unwrap().is_none());
        let sqlite_only = lookup(&[("DATABASE_URL", "sqlite://x.db")]);
        assert!(AccountsConfig::from_lookup(sqlite_only).unwrap().is_none());
        let pg = lookup(&[("DATABASE_URL", "postgres://u@h/db")]);
        assert!(AccountsConfig::from_lookup(pg).unwrap().is_some());
        let off = lookup(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("DOCTOWN_ACCOUNTS", "0"),
        ]);
        assert!(AccountsConfig::from_lookup(off).unwrap().is_none());
    }

    #[test]
    fn reads_github_and_stripe() {
        let env = lookup(&[
            ("DOCTOWN_GITHUB_CLIENT_ID", "Iv1.abc"),
            ("DOCTOWN_GITHUB_CLIENT_SECRET", "shh"),
            ("DOCTOWN_GITHUB_OAUTH_URL", "http://127.0.0.1:9/"),
            ("DOCTOWN_STRIPE_SECRET_KEY", "sk_test"),
            ("DOCTOWN_STRIPE_WEBHOOK_SECRET", "whsec"),
            ("DOCTOWN_ANONYMOUS_BUILDS", "yes"),
        ]);
        let config = AccountsConfig::from_lookup(env).unwrap().unwrap();
        let github = config.github.unwrap();
        assert_eq!(github.oauth_base, "http://127.0.0.1:9");
        assert_eq!(github.api_base, "https://api.github.com");
        assert!(!format!("{github:?}").contains("shh"));
        assert_eq!(config.stripe.unwrap().api_base, "https://api.stripe.com");
        assert!(config.plans.anonymous.builds);
        let missing = lookup(&[("DOCTOWN_GITHUB_CLIENT_ID", "x")]);
        assert!(AccountsConfig::from_lookup(missing).is_err());
    }
}

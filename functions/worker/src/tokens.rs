//! The GitHub tokens of jobs that fetch private repositories, for the
//! distributed workers: [`WorkerTokens`], ingest's `JobTokens` hook.
//!
//! A job records whose token it needs (`doctown_sources::TokenFor`), never
//! the token. For an accounts owner the worker reads the user's sealed
//! token from the accounts database (`DATABASE_URL`, the PostgreSQL the
//! trigger uses) and opens it with the trigger's keys
//! (`DOCTOWN_TOKEN_KEYS`); for a GitHub App installation it mints an
//! installation token with the App's credentials
//! (`DOCTOWN_GITHUB_APP_ID`, `DOCTOWN_GITHUB_APP_PRIVATE_KEY[_FILE]`),
//! with the code the trigger uses (`doctown_accounts::github_app`). A
//! worker without what a job needs fails it at ingest with one line
//! naming what is missing, not retried. Tokens live in memory for the
//! fetch only: never logged, never in an error, an event or the store.

use doctown_accounts::{AccountsError, Db, GitHubAppConfig, InstallationTokens, Keyring};
use doctown_blocking::BlockingRuntime;
use doctown_sources::{JobTokens, TokenError, TokenFor};
use std::sync::Mutex;

/// The accounts database as a worker reaches it (connected on first use).
struct Database {
    url: String,
    keyring: Option<Keyring>,
    runtime: BlockingRuntime,
    pool: Mutex<Option<Db>>,
}

/// Resolves jobs' GitHub tokens from the worker's environment.
pub struct WorkerTokens {
    database: Option<Database>,
    app: Option<InstallationTokens>,
}

impl std::fmt::Debug for WorkerTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// A database URL without its password.
fn redacted(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://…@{host}"),
            None => format!("{scheme}://{rest}"),
        },
        None => "(unrecognised URL)".to_string(),
    }
}

impl WorkerTokens {
    /// From `DATABASE_URL`, `DOCTOWN_TOKEN_KEYS` and the GitHub App's
    /// variables. Malformed values are an error here (the worker does not
    /// start); missing ones fail only the jobs that need them.
    pub fn from_env() -> Result<WorkerTokens, String> {
        Self::from_lookup(doctown_config::var)
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<WorkerTokens, String> {
        let value = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let keyring = value("DOCTOWN_TOKEN_KEYS")
            .map(|keys| Keyring::parse(&keys).map_err(|e| format!("DOCTOWN_TOKEN_KEYS: {e}")))
            .transpose()?;
        let database = match value("DATABASE_URL") {
            Some(url) => {
                if !(url.starts_with("postgres") || url.starts_with("sqlite:")) {
                    return Err(format!(
                        "DATABASE_URL: {} is neither postgres:// nor sqlite:",
                        redacted(&url)
                    ));
                }
                let runtime = BlockingRuntime::new("doctown-accounts", 1)
                    .map_err(|e| format!("cannot start the accounts database's runtime: {e}"))?;
                Some(Database {
                    url,
                    keyring,
                    runtime,
                    pool: Mutex::new(None),
                })
            }
            None => None,
        };
        let app = GitHubAppConfig::from_lookup(value)
            .map_err(|e| e.to_string())?
            .map(|app| InstallationTokens::new(app).map_err(|e| e.to_string()))
            .transpose()?;
        Ok(WorkerTokens { database, app })
    }

    /// Whether this worker reads owners' tokens / mints installation tokens.
    pub fn reads_owner_tokens(&self) -> bool {
        self.database.as_ref().is_some_and(|d| d.keyring.is_some())
    }

    pub fn mints_installation_tokens(&self) -> bool {
        self.app.is_some()
    }

    /// One line for the worker's start: what it can fetch privately.
    pub fn describe(&self) -> String {
        let owners = match &self.database {
            Some(d) if d.keyring.is_some() => format!("from {}", redacted(&d.url)),
            Some(_) => "no (DATABASE_URL without DOCTOWN_TOKEN_KEYS)".to_string(),
            None => "no (no DATABASE_URL)".to_string(),
        };
        let app = if self.app.is_some() {
            "yes"
        } else {
            "no (no DOCTOWN_GITHUB_APP_ID)"
        };
        format!("private repositories: owners' GitHub tokens {owners}; GitHub App installation tokens {app}")
    }

    fn owner_token(&self, user: i64) -> Result<String, TokenError> {
        let Some(database) = &self.database else {
            return Err(TokenError::fatal(
                "this worker has no accounts database (DATABASE_URL) to read the owner's GitHub token",
            ));
        };
        let Some(keyring) = &database.keyring else {
            return Err(TokenError::fatal(
                "this worker has no token keys (DOCTOWN_TOKEN_KEYS) to open the owner's GitHub token",
            ));
        };
        let found = database.runtime.block_on(async {
            let db = {
                let cached = database.pool.lock().unwrap_or_else(|p| p.into_inner());
                cached.clone()
            };
            let db = match db {
                Some(db) => db,
                None => {
                    let db = Db::connect(&database.url, 2).await?;
                    *database.pool.lock().unwrap_or_else(|p| p.into_inner()) = Some(db.clone());
                    db
                }
            };
            db.github_token(user, keyring).await
        });
        match found {
            Ok(Some(token)) => Ok(token),
            Ok(None) => Err(TokenError::fatal(format!(
                "user {user} has no GitHub token in the accounts database (they must sign in again)"
            ))),
            Err(AccountsError::Unavailable(e)) => Err(TokenError::transient(format!(
                "the accounts database is unavailable: {e}"
            ))),
            Err(e) => Err(TokenError::fatal(format!(
                "cannot read the owner's GitHub token: {e}"
            ))),
        }
    }

    fn installation_token(&self, installation: u64) -> Result<String, TokenError> {
        let Some(app) = &self.app else {
            return Err(TokenError::fatal(format!(
                "this worker has no GitHub App (DOCTOWN_GITHUB_APP_ID and DOCTOWN_GITHUB_APP_PRIVATE_KEY) \
                 to get a token for installation {installation}"
            )));
        };
        app.mint(installation).map_err(|e| {
            let message = format!("cannot get a token for GitHub installation {installation}: {e}");
            if e.is_retryable() {
                TokenError::transient(message)
            } else {
                TokenError::fatal(message)
            }
        })
    }
}

impl JobTokens for WorkerTokens {
    fn token(&self, who: TokenFor) -> Result<String, TokenError> {
        match who {
            TokenFor::Owner(user) => self.owner_token(user),
            TokenFor::Installation(id) => self.installation_token(id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(pairs: &[(&str, &str)]) -> Result<WorkerTokens, String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        WorkerTokens::from_lookup(move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    const KEY: &str = "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    #[test]
    fn a_worker_without_the_database_names_what_is_missing() {
        let bare = tokens(&[]).unwrap();
        let e = bare.token(TokenFor::Owner(3)).unwrap_err();
        assert_eq!(
            e.message,
            "this worker has no accounts database (DATABASE_URL) to read the owner's GitHub token"
        );
        assert!(!e.retryable);
        let e = bare.token(TokenFor::Installation(9)).unwrap_err();
        assert!(
            e.message.starts_with("this worker has no GitHub App"),
            "{e}"
        );
        assert!(e.message.contains("installation 9"), "{e}");
        assert!(!e.retryable);
        assert!(!bare.reads_owner_tokens() && !bare.mints_installation_tokens());
        assert!(bare.describe().contains("no DATABASE_URL"));

        let keyless = tokens(&[("DATABASE_URL", "postgres://u:pw@db:5432/d")]).unwrap();
        let e = keyless.token(TokenFor::Owner(3)).unwrap_err();
        assert!(e.message.contains("DOCTOWN_TOKEN_KEYS"), "{e}");
        assert!(!e.retryable);
        assert!(!keyless.describe().contains("pw"), "{}", keyless.describe());
    }

    #[test]
    fn malformed_configuration_stops_the_worker_at_start() {
        let e = tokens(&[("DOCTOWN_TOKEN_KEYS", "not-a-key")]).unwrap_err();
        assert!(e.starts_with("DOCTOWN_TOKEN_KEYS"), "{e}");
        let e = tokens(&[("DATABASE_URL", "mysql://u:secret@h/d")]).unwrap_err();
        assert!(e.contains("DATABASE_URL") && !e.contains("secret"), "{e}");
        let e = tokens(&[("DOCTOWN_GITHUB_APP_ID", "1")]).unwrap_err();
        assert!(e.contains("DOCTOWN_GITHUB_APP_PRIVATE_KEY"), "{e}");
        let e = tokens(&[
            ("DOCTOWN_GITHUB_APP_ID", "1"),
            ("DOCTOWN_GITHUB_APP_PRIVATE_KEY", "nope"),
        ])
        .unwrap_err();
        assert!(e.contains("RSA PEM"), "{e}");
    }

    #[test]
    fn a_database_that_is_down_is_retried() {
        // Nothing listens on port 9 of loopback.
        let down = tokens(&[
            ("DATABASE_URL", "postgres://u:pw@127.0.0.1:9/d"),
            ("DOCTOWN_TOKEN_KEYS", KEY),
        ])
        .unwrap();
        assert!(down.reads_owner_tokens());
        let e = down.token(TokenFor::Owner(3)).unwrap_err();
        assert!(e.retryable, "{e}");
        assert!(
            e.message.contains("unavailable") && !e.message.contains("pw"),
            "{e}"
        );
    }
}

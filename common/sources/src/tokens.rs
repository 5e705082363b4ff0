//! Per-job GitHub credentials: which token fetches a job's repository.
//!
//! A job records *whose* token it needs, never the token: the accounts
//! owner (`options.accounts.owner`, a user id whose GitHub token the
//! accounts database keeps sealed) or a GitHub App installation
//! (`options.github.installation_id`). A host that runs ingest for such
//! jobs gives the handler a [`JobTokens`] that turns that into a token for
//! this job only (the distributed workers: `doctown_worker::WorkerTokens`).

use doctown_core::JobInput;

/// Whose GitHub token a job's repository is fetched with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFor {
    /// The signed-in user (accounts id) who submitted the job.
    Owner(i64),
    /// The GitHub App installation the job was created for.
    Installation(u64),
}

impl TokenFor {
    /// What `input` names, if anything; an installation wins over an owner
    /// (a webhook's job is fetched with the App's token).
    pub fn of_input(input: &JobInput) -> Option<TokenFor> {
        let installation = input
            .options
            .get("github")
            .and_then(|g| g.get("installation_id"))
            .and_then(|v| v.as_u64());
        let owner = input
            .options
            .get("accounts")
            .and_then(|a| a.get("owner"))
            .and_then(|v| v.as_i64());
        installation
            .map(TokenFor::Installation)
            .or(owner.map(TokenFor::Owner))
    }
}

impl std::fmt::Display for TokenFor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenFor::Owner(id) => write!(f, "the job owner's (user {id})"),
            TokenFor::Installation(id) => write!(f, "GitHub App installation {id}'s"),
        }
    }
}

/// Why a job's token cannot be had: one line without the token, and
/// whether trying again later can help (a database that is down, GitHub
/// answering 5xx) or not (a host without the configuration, a user
/// without a stored token).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TokenError {
    pub message: String,
    pub retryable: bool,
}

impl TokenError {
    /// An error that running again will not fix.
    pub fn fatal(message: impl Into<String>) -> Self {
        TokenError {
            message: message.into(),
            retryable: false,
        }
    }

    /// An error that may pass (network, database down).
    pub fn transient(message: impl Into<String>) -> Self {
        TokenError {
            message: message.into(),
            retryable: true,
        }
    }
}

/// Resolves the GitHub token of one job, when it runs.
///
/// Implementations never log the token nor put it in an error.
pub trait JobTokens: Send + Sync + std::fmt::Debug {
    fn token(&self, who: TokenFor) -> Result<String, TokenError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(options: serde_json::Value) -> JobInput {
        JobInput {
            source: "https://github.com/ada/secret".into(),
            git_ref: None,
            options: serde_json::from_value(options).unwrap(),
        }
    }

    #[test]
    fn configurations_never_show_the_token() {
        let github = crate::GitHubConfig {
            token: Some("gho_SECRET".into()),
            ..crate::GitHubConfig::default()
        };
        let options = crate::FetchOptions {
            github: github.clone(),
            ..crate::FetchOptions::default()
        };
        for shown in [format!("{github:?}"), format!("{options:?}")] {
            assert!(!shown.contains("gho_SECRET"), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
        }
    }

    #[test]
    fn a_job_names_its_owner_or_its_installation() {
        assert_eq!(TokenFor::of_input(&input(serde_json::json!({}))), None);
        assert_eq!(
            TokenFor::of_input(&input(serde_json::json!({"accounts": {"owner": 7}}))),
            Some(TokenFor::Owner(7))
        );
        assert_eq!(
            TokenFor::of_input(&input(
                serde_json::json!({"github": {"installation_id": 42}, "accounts": {"owner": 7}})
            )),
            Some(TokenFor::Installation(42))
        );
        // Not numbers: nothing is named (the job is fetched as a public one).
        assert_eq!(
            TokenFor::of_input(&input(
                serde_json::json!({"github": {"installation_id": "42"}, "accounts": {"owner": "x"}})
            )),
            None
        );
    }
}

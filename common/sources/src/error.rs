//! Errors of parsing and fetching a source. Every message is one line that
//! says what went wrong and, where it helps, what is accepted instead.

use doctown_core::ErrorKind;

/// What the user can pass as a source, quoted in parse errors.
pub(crate) const ACCEPTED: &str =
    "expected a directory, a git repository with --ref, a .zip/.tar.gz/.tgz \
     archive, or a GitHub URL such as https://github.com/OWNER/REPO";

/// Why a source could not be parsed or fetched.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("empty source: {ACCEPTED}")]
    Empty,
    #[error("source not found: {0} is not an existing path or a GitHub URL ({ACCEPTED})")]
    NotFound(String),
    #[error("unsupported file {0}: {ACCEPTED}")]
    UnsupportedFile(String),
    #[error("a ref ({git_ref}) was given but {path} is not a git repository; drop --ref or point at a git repository")]
    RefWithoutGit { path: String, git_ref: String },
    #[error("invalid URL {input:?}: {reason}")]
    InvalidUrl { input: String, reason: String },
    #[error("unsupported host {host:?}: only GitHub (github.com) URLs are supported")]
    UnsupportedHost { host: String },
    #[error("invalid GitHub {what} {name:?}: {rule}")]
    InvalidName {
        what: &'static str,
        name: String,
        rule: &'static str,
    },
    #[error("ref {git_ref:?} not found in {repo} (expected a branch, tag or commit sha)")]
    UnknownRef { git_ref: String, repo: String },
    #[error("git error in {repo}: {message}")]
    Git { repo: String, message: String },
    #[error("cannot read archive {path}: {message}")]
    Archive { path: String, message: String },
    #[error("archive entry escapes the destination: {0}")]
    EntryEscapes(String),
    #[error("source too large: {0}")]
    TooLarge(String),
    #[error("path {path:?} not found in {repo}")]
    SubpathNotFound { path: String, repo: String },
    #[error("{context}: {message}")]
    Io { context: String, message: String },
    #[error("repository {owner}/{repo} not found (or private: set GITHUB_TOKEN)")]
    RepoNotFound { owner: String, repo: String },
    #[error(
        "GitHub rejected the token (401 Unauthorized): check GITHUB_TOKEN or DOCTOWN_GITHUB_TOKEN"
    )]
    Unauthorized,
    #[error("GitHub refused access (403 Forbidden) to {url}: {message}")]
    Forbidden { url: String, message: String },
    #[error("GitHub API rate limit exceeded; {}", rate_limit_hint(.reset_at, .retry_after_secs))]
    RateLimited {
        reset_at: Option<String>,
        retry_after_secs: Option<u64>,
    },
    #[error("GitHub server error {status} from {url}; try again later")]
    Server { status: u16, url: String },
    #[error("unexpected HTTP status {status} from {url}: {message}")]
    Http {
        status: u16,
        url: String,
        message: String,
    },
    #[error("network error talking to {url}: {message}")]
    Network { url: String, message: String },
}

fn rate_limit_hint(reset_at: &Option<String>, retry_after: &Option<u64>) -> String {
    let when = match (reset_at, retry_after) {
        (Some(at), Some(secs)) => format!("resets at {at}; retry after {secs} s"),
        (None, Some(secs)) => format!("retry after {secs} s"),
        (Some(at), None) => format!("resets at {at}"),
        (None, None) => "try again later".to_string(),
    };
    format!("{when} (set GITHUB_TOKEN for a higher limit)")
}

impl SourceError {
    /// Whether a retry can help: network trouble, server errors and rate
    /// limits are transient; everything else is a problem with the input.
    pub fn kind(&self) -> ErrorKind {
        match self {
            SourceError::Network { .. }
            | SourceError::Server { .. }
            | SourceError::RateLimited { .. } => ErrorKind::Transient,
            _ => ErrorKind::Invalid,
        }
    }

    pub(crate) fn io(context: impl Into<String>, err: &std::io::Error) -> Self {
        SourceError::Io {
            context: context.into(),
            message: one_line(&err.to_string()),
        }
    }

    pub(crate) fn git(repo: &str, err: &git2::Error) -> Self {
        SourceError::Git {
            repo: repo.to_string(),
            message: one_line(err.message()),
        }
    }
}

/// Collapses whitespace runs (newlines included) so messages stay on one line.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_kinds() {
        let err = SourceError::RateLimited {
            reset_at: None,
            retry_after_secs: Some(30),
        };
        assert_eq!(err.kind(), ErrorKind::Transient);
        assert!(err.to_string().contains("retry after 30 s"));
        assert_eq!(SourceError::Empty.kind(), ErrorKind::Invalid);
        assert_eq!(
            SourceError::Server {
                status: 502,
                url: "u".into()
            }
            .kind(),
            ErrorKind::Transient
        );
    }

    #[test]
    fn one_line_collapses_newlines() {
        assert_eq!(one_line("a\n  b\r\nc "), "a b c");
    }
}

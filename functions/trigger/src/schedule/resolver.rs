//! Resolving a repository's ref to a commit, so that a scheduled run can be
//! skipped when nothing changed: the GitHub REST API (configurable base URL)
//! for GitHub URLs, git2 for local repositories.

use doctown_sources::{parse_source, GitHubConfig, SourceSpec};
use std::path::Path;
use ureq::Agent;

/// Finds the commit a ref of a repository points at now.
pub trait CommitResolver: Send + Sync {
    /// `git_ref` `None` means the default branch (`HEAD`).
    fn resolve(&self, source: &str, git_ref: Option<&str>) -> Result<String, String>;
}

/// `GET {api}/repos/{owner}/{repo}/commits/{ref}` with the `sha` media type.
pub struct GitHubResolver {
    config: GitHubConfig,
    agent: Agent,
}

impl GitHubResolver {
    pub fn new(config: GitHubConfig) -> Self {
        let timeout = Some(config.timeout);
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(config.user_agent.as_str())
            .timeout_connect(timeout)
            .timeout_recv_response(timeout)
            .timeout_per_read(timeout)
            .build()
            .into();
        GitHubResolver { config, agent }
    }

    /// The commit of `owner/repo` at `git_ref` (or `HEAD`).
    pub fn commit(&self, owner: &str, repo: &str, git_ref: Option<&str>) -> Result<String, String> {
        let git_ref = git_ref.unwrap_or("HEAD");
        let url = format!(
            "{}/repos/{owner}/{repo}/commits/{}",
            self.config.api_base.trim_end_matches('/'),
            encode_path(git_ref)
        );
        let mut request = self
            .agent
            .get(&url)
            .header("Accept", "application/vnd.github.sha")
            .header("X-GitHub-Api-Version", "2022-11-28");
        if let Some(token) = &self.config.token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        let mut response = request.call().map_err(|e| format!("GET {url}: {e}"))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .map_err(|e| format!("GET {url}: {e}"))?;
        if status != 200 {
            return Err(format!("GET {url}: HTTP {status}"));
        }
        let sha = text.trim();
        if sha.len() >= 40 && sha.chars().all(|c| c.is_ascii_hexdigit()) {
            Ok(sha.to_ascii_lowercase())
        } else {
            Err(format!("GET {url}: not a commit sha"))
        }
    }
}

fn encode_path(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A local git repository's ref, through git2.
#[derive(Debug, Default, Clone, Copy)]
pub struct LocalGitResolver;

impl LocalGitResolver {
    pub fn commit(&self, repo: &Path, git_ref: Option<&str>) -> Result<String, String> {
        let repository = git2::Repository::open(repo).map_err(|e| {
            format!(
                "{} is not a git repository: {}",
                repo.display(),
                e.message()
            )
        })?;
        let spec = git_ref.unwrap_or("HEAD");
        let object = repository
            .revparse_single(spec)
            .map_err(|e| format!("unknown ref {spec:?}: {}", e.message()))?;
        let commit = object
            .peel_to_commit()
            .map_err(|e| format!("{spec:?} is not a commit: {}", e.message()))?;
        Ok(commit.id().to_string())
    }
}

/// Dispatches on the source: GitHub URLs to the API, local repositories to
/// git2; other sources (directories, archives) have no commit.
pub struct SourceResolver {
    pub github: GitHubResolver,
    pub local: LocalGitResolver,
}

impl SourceResolver {
    pub fn new(github: GitHubConfig) -> Self {
        SourceResolver {
            github: GitHubResolver::new(github),
            local: LocalGitResolver,
        }
    }

    /// GitHub settings from the environment (`DOCTOWN_GITHUB_API`, `GITHUB_TOKEN`).
    pub fn from_env() -> Self {
        Self::new(GitHubConfig::from_env())
    }
}

impl CommitResolver for SourceResolver {
    fn resolve(&self, source: &str, git_ref: Option<&str>) -> Result<String, String> {
        let spec = parse_source(source, git_ref).map_err(|e| e.to_string())?;
        match spec {
            SourceSpec::GitHub {
                owner,
                repo,
                git_ref,
                ..
            } => self.github.commit(&owner, &repo, git_ref.as_deref()),
            SourceSpec::Git { repo, git_ref } => self.local.commit(&repo, Some(&git_ref)),
            SourceSpec::Directory(dir) if dir.join(".git").exists() => {
                self.local.commit(&dir, None)
            }
            _ => Err("this source has no commit to compare".to_string()),
        }
    }
}

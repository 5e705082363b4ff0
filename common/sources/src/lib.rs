//! Obtains a repository's files into a local directory from any source a
//! user gives: a directory (used in place), a local git repository at a ref,
//! a `.zip`/`.tar.gz`/`.tgz` archive, or a GitHub URL.
//!
//! [`parse_source`] turns user input into a [`SourceSpec`]; [`fetch`] makes
//! the files available under [`Fetched::root`]. Fetched copies live in a
//! temporary directory owned by [`Fetched`] and deleted when it is dropped; a
//! failed fetch leaves nothing behind, and nothing is written outside that
//! directory. Extraction is defensive: see the `sink` module for the rules
//! (path traversal is an error, links are never created, sizes are counted as
//! written).
//!
//! Module layout: `parse` (user input), `git` (directories and git
//! repositories), `archive` (zip and tarballs), `github` (REST API client),
//! `sink` (safe writing under limits), `error`, `tokens` (per-job GitHub
//! credentials: [`TokenFor`], [`JobTokens`]), `pull_comment` (the review
//! comment kept up to date on a pull request).

mod archive;
mod error;
mod git;
mod github;
mod parse;
pub mod pull_comment;
mod scratch;
mod sink;
pub mod tokens;

pub use error::SourceError;
pub use parse::{absolute_local, parse_source};
pub use tokens::{JobTokens, TokenError, TokenFor};

use doctown_core::ResolvedSource;
use std::path::PathBuf;
use std::time::Duration;
use tempfile::TempDir;

/// Where a repository's files come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A local directory, read in place.
    Directory(PathBuf),
    /// A local git repository at a ref (branch, tag, sha or revspec).
    Git { repo: PathBuf, git_ref: String },
    /// A local `.zip`, `.tar.gz` or `.tgz` archive.
    Archive(PathBuf),
    /// A GitHub repository; `subpath` (from `/tree/REF/dir`) keeps only that directory.
    GitHub {
        owner: String,
        repo: String,
        git_ref: Option<String>,
        subpath: Option<String>,
    },
}

/// How to reach GitHub. Its `Debug` shows whether a token is set, never
/// the token.
#[derive(Clone, PartialEq, Eq)]
pub struct GitHubConfig {
    /// REST API base URL, `https://api.github.com` by default.
    pub api_base: String,
    /// Sent as `Authorization: Bearer …` when set.
    pub token: Option<String>,
    pub user_agent: String,
    /// Applies to connecting, waiting for a response and each read.
    pub timeout: Duration,
}

impl std::fmt::Debug for GitHubConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubConfig")
            .field("api_base", &self.api_base)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("user_agent", &self.user_agent)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Default for GitHubConfig {
    fn default() -> Self {
        GitHubConfig {
            api_base: "https://api.github.com".to_string(),
            token: None,
            user_agent: format!("doctown/{}", doctown_core::VERSION),
            timeout: Duration::from_secs(30),
        }
    }
}

impl GitHubConfig {
    /// Defaults overridden by `DOCTOWN_GITHUB_API` (base URL) and
    /// `GITHUB_TOKEN` or else `DOCTOWN_GITHUB_TOKEN`.
    pub fn from_env() -> Self {
        Self::from_lookup(doctown_config::var)
    }

    /// Like [`GitHubConfig::from_env`], reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let value = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut config = GitHubConfig::default();
        if let Some(api) = value("DOCTOWN_GITHUB_API") {
            config.api_base = api.trim_end_matches('/').to_string();
        }
        config.token = value("GITHUB_TOKEN").or_else(|| value("DOCTOWN_GITHUB_TOKEN"));
        config
    }
}

/// Limits and settings for [`fetch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOptions {
    /// Expanding an archive or tree past this many bytes fails with
    /// [`SourceError::TooLarge`] (default 100 MiB). Bytes are counted as written.
    pub max_total_bytes: u64,
    /// Files larger than this are not written but listed in
    /// [`Fetched::oversized`] (default 1 MiB).
    pub max_file_bytes: u64,
    pub github: GitHubConfig,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            max_total_bytes: 100 << 20,
            max_file_bytes: 1 << 20,
            github: GitHubConfig::default(),
        }
    }
}

/// Less common settings, for [`fetch_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractSettings {
    /// Looking at more entries than this fails with [`SourceError::TooLarge`]
    /// (default 200 000).
    pub max_entries: u64,
    /// Where temporary directories are made (default: the system temp dir).
    pub work_dir: Option<PathBuf>,
}

impl Default for ExtractSettings {
    fn default() -> Self {
        ExtractSettings {
            max_entries: 200_000,
            work_dir: None,
        }
    }
}

/// Everything one fetch is run with.
pub(crate) struct Plan<'a> {
    pub options: &'a FetchOptions,
    pub settings: &'a ExtractSettings,
}

impl Plan<'_> {
    pub fn limits(&self) -> sink::Limits {
        sink::Limits {
            max_total_bytes: self.options.max_total_bytes,
            max_file_bytes: self.options.max_file_bytes,
            max_entries: self.settings.max_entries,
        }
    }

    /// The most decompressed tar bytes read before giving up: 8 × the total
    /// limit, at least 64 MiB (bounds the work on skipped, oversized entries).
    pub fn stream_cap(&self) -> u64 {
        self.options.max_total_bytes.saturating_mul(8).max(64 << 20)
    }

    /// A fresh temporary directory under `work_dir`, else under
    /// [`scratch::in_memory`] when it has room, else the system's.
    pub fn temp_dir(&self) -> Result<TempDir, SourceError> {
        let mut builder = tempfile::Builder::new();
        builder.prefix("doctown-src-");
        let in_memory = || {
            let dir = scratch::in_memory(self.options.max_total_bytes)?;
            builder.tempdir_in(dir).ok()
        };
        let made = match &self.settings.work_dir {
            Some(dir) => builder.tempdir_in(dir),
            None => in_memory().map_or_else(|| builder.tempdir(), Ok),
        };
        made.map_err(|e| SourceError::io("cannot create a temporary directory", &e))
    }
}

/// A source made available on the local filesystem.
#[derive(Debug)]
pub struct Fetched {
    /// The directory holding the repository's files (for a directory source,
    /// the directory itself, canonicalised and untouched).
    pub root: PathBuf,
    /// What exactly was read: kind, name, url, ref and commit.
    pub resolved: ResolvedSource,
    /// Files (relative to `root`, `/`-separated) not written because they
    /// are larger than `max_file_bytes`, with their sizes.
    pub oversized: Vec<(String, u64)>,
    /// SHA-256 (hex) of the archive file, for archive sources.
    pub archive_sha256: Option<String>,
    /// Keeps the temporary copy alive; dropping `Fetched` deletes it.
    temp: Option<TempDir>,
}

impl Fetched {
    /// Whether `root` is a temporary copy (deleted on drop) rather than the user's directory.
    pub fn is_temporary(&self) -> bool {
        self.temp.is_some()
    }
}

/// Makes the source's files available locally.
pub fn fetch(spec: &SourceSpec, options: &FetchOptions) -> Result<Fetched, SourceError> {
    fetch_with(spec, options, &ExtractSettings::default())
}

/// [`fetch`] with an entry cap and a place for temporary directories.
pub fn fetch_with(
    spec: &SourceSpec,
    options: &FetchOptions,
    settings: &ExtractSettings,
) -> Result<Fetched, SourceError> {
    let plan = Plan { options, settings };
    match spec {
        SourceSpec::Directory(dir) => git::fetch_directory(dir),
        SourceSpec::Git { repo, git_ref } => git::fetch_git(repo, git_ref, &plan),
        SourceSpec::Archive(path) => archive::fetch_archive(path, &plan),
        SourceSpec::GitHub {
            owner,
            repo,
            git_ref,
            subpath,
        } => {
            let target = github::Target {
                owner,
                repo,
                git_ref: git_ref.as_deref(),
                subpath: subpath.as_deref(),
            };
            github::fetch_github(&target, &plan)
        }
    }
}

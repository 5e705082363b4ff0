//! GitHub sources through the REST API (`api_base` is configurable, so tests
//! and GitHub Enterprise work the same way).
//!
//! 1. `GET /repos/{o}/{r}`: proves the repository exists and gives the
//!    default branch when no ref was asked for;
//! 2. `GET /repos/{o}/{r}/commits/{ref}`: the commit sha. A ref taken from a
//!    `/tree/REF/dir` URL may itself contain slashes, so when it is unknown the
//!    leading parts of the subpath are tried as part of the ref;
//! 3. `GET /repos/{o}/{r}/tarball/{sha}`: redirects are followed (the real API
//!    answers 302 to codeload) and the body is streamed through a gzip decoder
//!    into the tar reader, never buffered. The top folder is stripped and, for a
//!    subpath, only that directory is kept and becomes the root.
//!
//! Statuses become one-line errors: 401 bad token, 403/429 rate limits (with
//! `x-ratelimit-reset` and `retry-after`), 404 repository not found, 5xx and
//! network failures transient.

mod client;

use crate::archive::extract_tar;
use crate::error::{one_line, SourceError};
use crate::sink::Sink;
use crate::{Fetched, Plan};
use client::Client;
use doctown_core::ResolvedSource;

/// What the source asked for on GitHub.
pub(crate) struct Target<'a> {
    pub owner: &'a str,
    pub repo: &'a str,
    pub git_ref: Option<&'a str>,
    pub subpath: Option<&'a str>,
}

/// Resolves the commit and streams its tarball into a temporary directory.
pub(crate) fn fetch_github(target: &Target<'_>, plan: &Plan<'_>) -> Result<Fetched, SourceError> {
    let client = Client::new(&plan.options.github, target.owner, target.repo);
    // Always asked: it tells a missing repository from a missing ref.
    let default_branch = client.default_branch()?;
    let git_ref = target.git_ref.map(str::to_string).unwrap_or(default_branch);
    let (git_ref, subpath, sha) = client.resolve(&git_ref, target.subpath)?;
    tracing::info!(repo = %client.full_name(), %git_ref, %sha, "fetching GitHub tarball");

    let temp = plan.temp_dir()?;
    let keep: Vec<String> = subpath
        .iter()
        .flat_map(|s| s.split('/'))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let mut sink = Sink::new(temp.path().to_path_buf(), plan.limits())
        .with_filter(1, keep)
        .with_read_error(|rel, e| SourceError::Network {
            url: format!("tarball entry {rel}"),
            message: one_line(&e.to_string()),
        });
    let path = format!("/repos/{}/{}/tarball/{sha}", target.owner, target.repo);
    let response = client.get(&path, None)?;
    let url = client.url(&path);
    let network = |e: std::io::Error| SourceError::Network {
        url: url.clone(),
        message: one_line(&e.to_string()),
    };
    extract_tar(
        response.into_body().into_reader(),
        &mut sink,
        plan.stream_cap(),
        &network,
    )?;
    if let Some(sub) = &subpath {
        if sink.kept() == 0 {
            return Err(SourceError::SubpathNotFound {
                path: sub.clone(),
                repo: format!("{} at {git_ref}", client.full_name()),
            });
        }
    }
    let resolved = ResolvedSource {
        kind: "github".into(),
        name: target.repo.to_string(),
        url: Some(format!("https://github.com/{}", client.full_name())),
        git_ref: Some(git_ref),
        commit: Some(sha),
    };
    Ok(Fetched {
        root: temp.path().to_path_buf(),
        resolved,
        oversized: sink.into_oversized(),
        archive_sha256: None,
        temp: Some(temp),
    })
}

//! `doctown review BASE HEAD`: a change reviewed from two docpacks — given
//! as files, or built here (structure only) from two refs of a local
//! repository — as Markdown within a token budget. A commit built before
//! at a ref of the same repository is taken from the store, not built
//! again (a pull request's base, on each push).

use crate::args::{ReviewArgs, StoreArgs};
use crate::commands::{build_quietly, stored_docpack};
use crate::host::Host;
use anyhow::{anyhow, bail, Context, Result};
use doctown_query::tokens::budget_tokens;
use doctown_query::{load_file, render_review, review, Pack};
use doctown_sources::pull_comment::{Posted, PullRequest};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn review_cmd(args: ReviewArgs) -> Result<ExitCode> {
    if args.max_tokens < 100 {
        bail!(
            "--max-tokens {} is too small for a review: give 100 or more",
            args.max_tokens
        );
    }
    // What one build frees the next, and the reads after, reuse.
    doctown_alloc::keep_freed_memory_longer();
    let mut host = None;
    // The base is read on a thread while the head is built (or read), at
    // the lowest priority: the build's stages keep both cores and the read
    // takes what they leave idle (a memoised rebuild of a large repository
    // keeps about 1.5 of 2 busy). The tokenizer's tables are built
    // there too.
    let (base, head) = std::thread::scope(|scope| -> Result<(Pack, Pack)> {
        let base_file = docpack_file(&args.base, &args.repo, &mut host)?;
        let base = scope.spawn(move || {
            crate::host::lowest_priority();
            let base = load(&base_file, &args.base);
            budget_tokens("");
            base
        });
        let head_file = docpack_file(&args.head, &args.repo, &mut host)?;
        let head = load(&head_file, &args.head)?;
        let base = base
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        Ok((base, head))
    })?;
    let result = review(&base, &head);
    let markdown = render_review(&result, args.max_tokens, &budget_tokens);
    if args.json {
        let mut value = serde_json::to_value(&result)?;
        value["markdown_tokens"] = budget_tokens(&markdown).into();
        value["markdown"] = markdown.clone().into();
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print!("{markdown}");
    }
    if args.comment {
        let pull = PullRequest::from_env(args.pull)?;
        match pull.post(&markdown)? {
            Posted::Created(url) => {
                eprintln!("commented on {}#{}: {url}", pull.repository, pull.number)
            }
            Posted::Updated(url) => eprintln!(
                "updated the comment on {}#{}: {url}",
                pull.repository, pull.number
            ),
        }
    }
    // The process ends here: the two docpacks (a large repository's
    // hold 1.5 GB in a million allocations) are left to it, not freed one
    // by one (0.17 s).
    std::mem::forget((base, head));
    Ok(ExitCode::SUCCESS)
}

/// A docpack file read, named by what it was given as.
fn load(path: &Path, what: &str) -> Result<Pack> {
    let mut pack = load_file(path).map_err(|f| anyhow!("{}: {}", f.location, f.error))?;
    pack.key = what.to_string();
    Ok(pack)
}

/// A `.docpack` file as it is, or the repository at a ref: its build in
/// the store, or built here.
fn docpack_file(what: &str, repo: &Path, host: &mut Option<Host>) -> Result<PathBuf> {
    let path = Path::new(what);
    if what.ends_with(".docpack") || path.is_file() {
        return Ok(path.to_path_buf());
    }
    if !repo.join(".git").exists() {
        bail!(
            "{what} is neither a .docpack file nor a ref: {} is not a git repository (--repo)",
            repo.display()
        );
    }
    let commit = commit_of(repo, what)?;
    // The commit checked out in a clean tree is built from the tree: no
    // writing it out of git, and the tree's earlier builds are reused.
    let checked_out = is_checked_out_clean(repo, &commit);
    let host = match host {
        Some(h) => h,
        None => host.insert(Host::open(&StoreArgs { store: None })?),
    };
    let source = doctown_sources::absolute_local(&repo.display().to_string());
    let git_ref = (!checked_out).then_some(what);
    match stored_build(host, &source, &commit) {
        Some(path) => Ok(path),
        None => Ok(build_quietly(host, &source, git_ref, false)
            .with_context(|| format!("cannot build {what}"))?
            .1),
    }
}

/// Whether `commit` is the repository's checked-out commit and its work
/// tree holds no change (untracked files count; ignored ones do not).
fn is_checked_out_clean(repo: &Path, commit: &str) -> bool {
    let Ok(git) = git2::Repository::open(repo) else {
        return false;
    };
    let head = git.head().ok().and_then(|h| h.peel_to_commit().ok());
    if head.is_none_or(|h| h.id().to_string() != commit) {
        return false;
    }
    let mut options = git2::StatusOptions::new();
    options.include_untracked(true).include_ignored(false);
    git.statuses(Some(&mut options)).is_ok_and(|s| s.is_empty())
}

/// The commit `what` names in the repository.
fn commit_of(repo: &Path, what: &str) -> Result<String> {
    let git = git2::Repository::open(repo)
        .with_context(|| format!("cannot open the repository {}", repo.display()))?;
    let commit = git
        .revparse_single(what)
        .and_then(|o| o.peel_to_commit())
        .map_err(|_| {
            anyhow!(
                "ref {what:?} not found in {} (a branch, tag or commit)",
                repo.display()
            )
        })?;
    Ok(commit.id().to_string())
}

/// The docpack of a finished build of `commit` of the repository `source`
/// at a ref, made by this Doctown.
fn stored_build(host: &Host, source: &str, commit: &str) -> Option<PathBuf> {
    let state = doctown_pipeline::built_here(host.store(), source, commit)?;
    stored_docpack(host, &state)
}

//! The commit walk: which commits, in which order, with their authors.
//! Commits come newest first by commit time (a lazy walk, so
//! `max_commits` bounds the work on any history).

use super::corrupt;
use super::planned::Planned;
use crate::error::HistoryError;
use crate::options::HistoryOptions;
use crate::record::Author;
use git2::{Mailmap, Oid, Repository, Signature, Sort};
use std::collections::HashSet;

/// `--since` stops the walk after this many older commits in a row (the
/// walk is by commit time, which clock skew can leave out of order).
const SINCE_SLOP: usize = 64;

/// The commits to analyse and whether older ones were left out by
/// `max_commits`.
pub struct Walk {
    pub commits: Vec<Planned>,
    pub truncated: bool,
}

pub fn walk(
    repo: &Repository,
    head: Oid,
    boundary: &HashSet<Oid>,
    options: &HistoryOptions,
) -> Result<Walk, HistoryError> {
    let mailmap = match options.start {
        Some(_) => super::open::mailmap_at(repo, head),
        None => repo.mailmap().ok(),
    };
    let mut revwalk = repo
        .revwalk()
        .map_err(HistoryError::git("starting the walk"))?;
    revwalk
        .set_sorting(Sort::TIME)
        .map_err(HistoryError::git("starting the walk"))?;
    if options.first_parent {
        revwalk
            .simplify_first_parent()
            .map_err(HistoryError::git("starting the walk"))?;
    }
    revwalk
        .push(head)
        .map_err(|e| corrupt::diagnose_walk(repo, head, &[], e))?;
    let mut commits: Vec<Planned> = Vec::new();
    let mut older_in_a_row = 0;
    let mut truncated = false;
    for next in revwalk {
        let oid = next.map_err(|e| corrupt::diagnose_walk(repo, head, &commits, e))?;
        let commit = repo
            .find_commit(oid)
            .map_err(|e| corrupt::diagnose_walk(repo, head, &commits, e))?;
        if options
            .since
            .is_some_and(|since| commit.time().seconds() < since)
        {
            older_in_a_row += 1;
            if older_in_a_row >= SINCE_SLOP {
                break;
            }
            continue;
        }
        older_in_a_row = 0;
        if options.max_commits.is_some_and(|max| commits.len() >= max) {
            truncated = true;
            break;
        }
        let signature = commit.author();
        commits.push(Planned {
            oid,
            author: author(mailmap.as_ref(), &signature),
            time: signature.when().seconds(),
            parents: commit.parent_count() as u32,
            boundary: boundary.contains(&oid),
        });
    }
    Ok(Walk { commits, truncated })
}

/// The author after `.mailmap`.
fn author(mailmap: Option<&Mailmap>, signature: &Signature<'_>) -> Author {
    let resolved = mailmap.and_then(|m| m.resolve_signature(signature).ok());
    let signature = resolved.as_ref().unwrap_or(signature);
    Author::new(
        String::from_utf8_lossy(signature.name_bytes()).into_owned(),
        String::from_utf8_lossy(signature.email_bytes()).into_owned(),
    )
}

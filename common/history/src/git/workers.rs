//! Work spread over threads, each with its own handle on the repository
//! (libgit2 handles are not shared between threads). Items are taken in
//! blocks of neighbours — consecutive commits touch the same file
//! versions, so a worker's symbol cache keeps hitting — and results come
//! back in the items' order whatever the scheduling.

use crate::error::HistoryError;
use git2::Repository;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

const BLOCK: usize = 16;

type Blocks<R> = Vec<(usize, Result<Vec<R>, HistoryError>)>;

/// `work` over every item, in order. `state` makes each worker's own
/// state (a cache). With one thread, the caller's handle is used.
pub fn parallel<T, R, S>(
    repo: &Repository,
    items: &[T],
    threads: usize,
    state: impl Fn() -> S + Sync,
    work: impl Fn(&Repository, &mut S, &T) -> Result<R, HistoryError> + Sync,
) -> Result<Vec<R>, HistoryError>
where
    T: Sync,
    R: Send,
{
    let threads = threads.clamp(1, items.len().div_ceil(BLOCK).max(1));
    if threads == 1 {
        let mut state = state();
        return items
            .iter()
            .map(|item| work(repo, &mut state, item))
            .collect();
    }
    let git_dir = repo.path();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let worker = || -> Blocks<R> {
        let repo = match super::open::reopen(git_dir) {
            Ok(repo) => repo,
            Err(e) => {
                failed.store(true, Ordering::Relaxed);
                return vec![(0, Err(HistoryError::git(open_context(git_dir))(e)))];
            }
        };
        let mut state = state();
        run_blocks(&repo, items, &next, &failed, &mut state, &work)
    };
    let mut blocks: Blocks<R> = Vec::new();
    let joined = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(worker)).collect();
        handles
            .into_iter()
            .map(|h| h.join())
            .collect::<Result<Vec<_>, _>>()
    });
    for done in joined.map_err(|_| HistoryError::Worker)? {
        blocks.extend(done);
    }
    blocks.sort_by_key(|(block, _)| *block);
    let mut out = Vec::with_capacity(items.len());
    for (_, results) in blocks {
        out.extend(results?);
    }
    Ok(out)
}

fn open_context(git_dir: &Path) -> String {
    format!("opening {}", git_dir.display())
}

fn run_blocks<T, R, S>(
    repo: &Repository,
    items: &[T],
    next: &AtomicUsize,
    failed: &AtomicBool,
    state: &mut S,
    work: &impl Fn(&Repository, &mut S, &T) -> Result<R, HistoryError>,
) -> Blocks<R> {
    let mut out = Vec::new();
    while !failed.load(Ordering::Relaxed) {
        let block = next.fetch_add(1, Ordering::Relaxed);
        let start = block * BLOCK;
        if start >= items.len() {
            break;
        }
        let end = (start + BLOCK).min(items.len());
        let results: Result<Vec<R>, HistoryError> = items[start..end]
            .iter()
            .map(|item| work(repo, state, item))
            .collect();
        if results.is_err() {
            failed.store(true, Ordering::Relaxed);
        }
        out.push((block, results));
    }
    out
}

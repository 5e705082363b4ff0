//! Reviews of pull requests for GitHub App installations: the hosted
//! counterpart of the GitHub Action (`action.yml`), posting the same review
//! through the same comment client (`doctown_sources::pull_comment`).
//!
//! 1. The webhook (`pull_request`: opened, reopened, synchronize,
//!    ready_for_review) asks for two structure-only builds of the base
//!    repository — the pull request's base commit (unless a build of it
//!    already succeeded) and its head commit (a fork's head is a commit of
//!    the base repository's network, fetched with the installation's token;
//!    nothing of the fork runs, and no secret is used but the App's own) —
//!    and records a [`PendingReview`] under
//!    `reviews/pending/<pull>/<head sha>.json`.
//! 2. [`PullReviews::post_ready`] (a loop of `serve`, every few seconds)
//!    reads the pending reviews: when both builds have finished it reviews
//!    the change (`doctown_query::review`, the Markdown cut to
//!    [`MAX_TOKENS`]), keeps one comment on the pull request up to date with
//!    it, records what it posted under `reviews/posted/<pull>.json` and
//!    drops the pending record. A failed build is said in the comment, not
//!    hidden. A pending review superseded by a newer push to the same pull
//!    request is dropped unposted, so a stale review never replaces a
//!    current one; a closed pull request's pending reviews are dropped.
//!
//! Posting is idempotent (the comment carries a marker and is edited), so
//! two instances sweeping at once post the same text twice at worst. A
//! post GitHub refuses for a passing reason (a 5xx, 429, no answer) is
//! tried again on later sweeps, up to [`MAX_ATTEMPTS`].

use crate::launcher::TokenSource;
use doctown_core::{JobId, JobStatus};
use doctown_query::tokens::budget_tokens;
use doctown_query::{render_review, review, Catalog, Pack, StoreCatalog};
use doctown_sources::pull_comment::{Posted, PullRequest};
use doctown_store::{get_json, load_state, put_json, ObjectStore, StoreError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// The review's budget in tokens (o200k_base), the Action's default.
pub const MAX_TOKENS: usize = 2000;

/// Posts tried before a pending review is given up.
pub const MAX_ATTEMPTS: u32 = 5;

/// The webhook actions that ask for a review.
pub(crate) const REVIEWED_ACTIONS: [&str; 4] =
    ["opened", "reopened", "synchronize", "ready_for_review"];

/// One end of the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct End {
    pub sha: String,
    pub job: JobId,
}

/// A review asked for and not yet posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingReview {
    /// `owner/name` of the base repository.
    pub repository: String,
    pub number: u64,
    pub installation: u64,
    pub base: End,
    pub head: End,
    pub received_at: String,
    #[serde(default)]
    pub attempts: u32,
}

/// What a sweep did with one pending review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewOutcome {
    /// Both builds are not finished yet.
    Waiting,
    /// The comment was made or edited: its URL.
    Posted(String),
    /// GitHub refused for a passing reason; tried again later.
    Retrying(String),
    /// Given up, or superseded by a newer push: why.
    Dropped(String),
}

/// The directory of one pull request's records.
pub(crate) fn pull_dir(repository: &str, number: u64) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(repository.to_ascii_lowercase().as_bytes());
    format!("{}-{number}", &hex::encode(hash)[..16])
}

fn pending_key(review: &PendingReview) -> String {
    format!(
        "reviews/pending/{}/{}.json",
        pull_dir(&review.repository, review.number),
        review.head.sha
    )
}

/// Records a review to post once both builds have finished.
pub(crate) fn record(store: &dyn ObjectStore, review: &PendingReview) -> Result<(), StoreError> {
    put_json(store, &pending_key(review), review).map(drop)
}

/// Drops the pending reviews of a pull request (it was closed).
pub(crate) fn forget(
    store: &dyn ObjectStore,
    repository: &str,
    number: u64,
) -> Result<usize, StoreError> {
    let prefix = format!("reviews/pending/{}/", pull_dir(repository, number));
    let keys = store.list(&prefix)?;
    for key in &keys {
        store.delete(key)?;
    }
    Ok(keys.len())
}

/// Posts the reviews whose builds have finished.
pub struct PullReviews {
    store: Arc<dyn ObjectStore>,
    tokens: Arc<dyn TokenSource>,
    /// The GitHub REST API base (`https://api.github.com`).
    api: String,
}

impl PullReviews {
    pub fn new(store: Arc<dyn ObjectStore>, tokens: Arc<dyn TokenSource>, api: &str) -> Self {
        PullReviews {
            store,
            tokens,
            api: api.trim_end_matches('/').to_string(),
        }
    }

    /// One sweep over the pending reviews: (pending key, outcome) for each.
    pub fn post_ready(&self) -> Result<Vec<(String, ReviewOutcome)>, StoreError> {
        let mut by_pull: std::collections::BTreeMap<String, Vec<(String, PendingReview)>> =
            Default::default();
        for key in self.store.list("reviews/pending/")? {
            let Some(pull) = key.rsplit_once('/').map(|(dir, _)| dir.to_string()) else {
                continue;
            };
            match get_json::<PendingReview>(self.store.as_ref(), &key) {
                Ok(Some(review)) => by_pull.entry(pull).or_default().push((key, review)),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(%key, "dropping an unreadable pending review: {e}");
                    self.store.delete(&key)?;
                }
            }
        }
        let mut outcomes = Vec::new();
        for (_, mut reviews) in by_pull {
            reviews.sort_by(|a, b| a.1.received_at.cmp(&b.1.received_at).then(a.0.cmp(&b.0)));
            let (key, newest) = reviews.pop().expect("a group is never empty");
            for (old, superseded) in reviews {
                self.store.delete(&old)?;
                let why = format!(
                    "superseded by {} (a newer push to #{})",
                    short(&newest.head.sha),
                    superseded.number
                );
                outcomes.push((old, ReviewOutcome::Dropped(why)));
            }
            let outcome = self.post_one(&key, newest)?;
            outcomes.push((key, outcome));
        }
        Ok(outcomes)
    }

    fn post_one(&self, key: &str, mut pending: PendingReview) -> Result<ReviewOutcome, StoreError> {
        let body = match self.body(&pending)? {
            Some(body) => body,
            None => return Ok(ReviewOutcome::Waiting),
        };
        let posted = self
            .tokens
            .installation_token(pending.installation)
            .map_err(|message| doctown_sources::pull_comment::PostError {
                message: format!("cannot mint the installation's token: {message}"),
                retryable: true,
            })
            .and_then(|token| {
                PullRequest::new(&self.api, &pending.repository, pending.number, token).post(&body)
            });
        match posted {
            Ok(Posted::Created(url) | Posted::Updated(url)) => {
                let record = serde_json::json!({
                    "repository": pending.repository,
                    "number": pending.number,
                    "base": pending.base,
                    "head": pending.head,
                    "comment": url,
                    "posted_at": doctown_pipeline::now_rfc3339(),
                });
                let dir = pull_dir(&pending.repository, pending.number);
                put_json(
                    self.store.as_ref(),
                    &format!("reviews/posted/{dir}.json"),
                    &record,
                )?;
                self.store.delete(key)?;
                Ok(ReviewOutcome::Posted(url))
            }
            Err(e) if e.retryable && pending.attempts + 1 < MAX_ATTEMPTS => {
                tracing::warn!(%key, "the review was not posted (will try again): {e}");
                pending.attempts += 1;
                put_json(self.store.as_ref(), key, &pending)?;
                Ok(ReviewOutcome::Retrying(e.message))
            }
            Err(e) => {
                tracing::warn!(%key, "the review was not posted (given up): {e}");
                self.store.delete(key)?;
                Ok(ReviewOutcome::Dropped(e.message))
            }
        }
    }

    /// The comment's text once both builds have finished: the review, or
    /// why there is none.
    fn body(&self, pending: &PendingReview) -> Result<Option<String>, StoreError> {
        let base = self.finished(&pending.base)?;
        let head = self.finished(&pending.head)?;
        let (base, head) = match (base, head) {
            (Finished::Failed(why), _) | (_, Finished::Failed(why)) => {
                return Ok(Some(format!(
                    "## Doctown review: not made\n\n{why}\n\n_Push again to retry._\n"
                )));
            }
            (Finished::Built(base), Finished::Built(head)) => (base, head),
            _ => return Ok(None),
        };
        let loaded = self.pack(&base).and_then(|b| Ok((b, self.pack(&head)?)));
        let (old, new) = match loaded {
            Ok(packs) => packs,
            Err(why) => return Ok(Some(format!("## Doctown review: not made\n\n{why}\n"))),
        };
        let markdown = render_review(&review(&old, &new), MAX_TOKENS, &budget_tokens);
        Ok(Some(format!(
            "{markdown}\n<sub>Doctown, {} → {}</sub>\n",
            short(&pending.base.sha),
            short(&pending.head.sha)
        )))
    }

    fn finished(&self, end: &End) -> Result<Finished, StoreError> {
        let Some(state) = load_state(self.store.as_ref(), &end.job)? else {
            return Ok(Finished::Failed(format!(
                "The build of {} (job {}) is missing.",
                short(&end.sha),
                end.job
            )));
        };
        Ok(match state.status {
            JobStatus::Succeeded | JobStatus::Partial => Finished::Built(state.job_id),
            JobStatus::Failed | JobStatus::Cancelled => Finished::Failed(format!(
                "The build of {} (job {}) {}: {}",
                short(&end.sha),
                end.job,
                if state.status == JobStatus::Failed {
                    "failed"
                } else {
                    "was cancelled"
                },
                state.error.as_deref().unwrap_or("no reason recorded")
            )),
            JobStatus::Queued | JobStatus::Running => Finished::Running,
        })
    }

    fn pack(&self, job: &JobId) -> Result<Pack, String> {
        let key = job.to_string();
        let (docpack, origin) = StoreCatalog::new(self.store.clone()).load(&key)?;
        Ok(Pack::new(key, origin, docpack))
    }
}

enum Finished {
    Built(JobId),
    Running,
    Failed(String),
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// Sweeps every `every` until `stop` resolves (`serve` runs it when a
/// GitHub App is configured).
pub async fn run_review_loop(
    reviews: Arc<PullReviews>,
    every: Duration,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(every) => {}
        }
        let sweeping = reviews.clone();
        match tokio::task::spawn_blocking(move || sweeping.post_ready()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!("a review sweep stopped: {e}"),
            Err(e) => tracing::warn!("a review sweep panicked: {e}"),
        }
    }
}

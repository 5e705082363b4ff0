//! The asynchronous part of a run: requests in flight (at most
//! `max_in_flight`), each with its attempts, backoff and answer checks.
//!
//! A request asks about its pending items; items answered well leave the
//! pending set, so a retry asks only about what is still missing (answers
//! that skip items, malformed answers, 429s, 5xx and timeouts all retry).
//! Ids the request did not ask about are ignored. A fatal error (401, quota,
//! unknown model, an unreachable server) stops the run: no new request
//! starts. Spending is tracked as answers arrive, and no request starts
//! that would take the run past `max_cost`.

use crate::artifacts::generate::ModelPrice;
use crate::batch::{build_request, local_id};
use crate::model::{LanguageModel, ModelError, TokenUsage};
use crate::parse::{clean_summary, parse_answer};
use crate::price::cost_usd;
use crate::prompt::ItemKind;
use crate::tokens::TokenCounter;
use doctown_http::Backoff;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, Semaphore};

/// One request to make: its items' blocks, and their keys for the caller.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub number: u32,
    pub kind: ItemKind,
    /// `(caller's item key, block)`.
    pub items: Vec<(usize, String)>,
    pub estimated_cost: f64,
}

/// What came of one request.
#[derive(Debug, Clone, Default)]
pub(crate) struct JobResult {
    pub number: u32,
    pub kind: Option<ItemKind>,
    pub asked: u32,
    /// `(item key, summary, model)`.
    pub answered: Vec<(usize, String, String)>,
    /// `(item key, reason)`.
    pub failed: Vec<(usize, String)>,
    pub attempts: u32,
    pub usage: TokenUsage,
    pub estimated_tokens: bool,
    pub cost_usd: f64,
    pub last_error: Option<String>,
    pub fatal: Option<ModelError>,
}

/// Shared by the requests of one run.
pub(crate) struct Shared {
    pub model: Arc<dyn LanguageModel>,
    pub counter: TokenCounter,
    pub price: Option<ModelPrice>,
    pub backoff: Backoff,
    pub attempts: u32,
    pub max_cost: Option<f64>,
    /// Dollars spent, in nano-dollars.
    pub spent: AtomicU64,
    /// Set on a fatal error or cancellation: start nothing new.
    pub stop: AtomicBool,
}

const NANO: f64 = 1e9;

impl Shared {
    pub fn spent_usd(&self) -> f64 {
        self.spent.load(Ordering::SeqCst) as f64 / NANO
    }

    fn spend(&self, usd: f64) {
        self.spent
            .fetch_add((usd * NANO).round() as u64, Ordering::SeqCst);
    }
}

/// Runs the jobs, at most `in_flight` at once, sending each result.
pub(crate) async fn dispatch(
    shared: Arc<Shared>,
    jobs: Vec<Job>,
    in_flight: usize,
    tx: mpsc::UnboundedSender<JobResult>,
) {
    let semaphore = Arc::new(Semaphore::new(in_flight.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for job in jobs {
        let Ok(permit) = semaphore.clone().acquire_owned().await else {
            break;
        };
        let refused = if shared.stop.load(Ordering::SeqCst) {
            Some("the run was stopped before this request".to_string())
        } else {
            shared
                .max_cost
                .filter(|max| shared.spent_usd() + job.estimated_cost > *max)
                .map(|max| {
                    format!(
                        "not sent: max_cost ${max} would be exceeded (${:.4} spent)",
                        shared.spent_usd()
                    )
                })
        };
        if let Some(reason) = refused {
            let failed = job
                .items
                .iter()
                .map(|(key, _)| (*key, reason.clone()))
                .collect();
            let _ = tx.send(JobResult {
                number: job.number,
                kind: Some(job.kind),
                failed,
                ..Default::default()
            });
            continue;
        }
        let shared = shared.clone();
        let tx = tx.clone();
        tasks.spawn(async move {
            let result = run_job(&shared, job).await;
            drop(permit);
            let _ = tx.send(result);
        });
    }
    while tasks.join_next().await.is_some() {}
}

/// One request's items while they are asked: which are still pending,
/// why answers to the others were refused, and the result so far.
struct Asked<'j> {
    job: &'j Job,
    ids: Vec<String>,
    by_id: HashMap<String, usize>,
    pending: Vec<usize>,
    reasons: HashMap<usize, String>,
    result: JobResult,
}

impl<'j> Asked<'j> {
    fn new(job: &'j Job) -> Self {
        let ids: Vec<String> = (0..job.items.len())
            .map(|n| local_id(job.kind, n))
            .collect();
        let by_id = ids
            .iter()
            .enumerate()
            .map(|(n, id)| (id.clone(), n))
            .collect();
        Asked {
            job,
            ids,
            by_id,
            pending: (0..job.items.len()).collect(),
            reasons: HashMap::new(),
            result: JobResult {
                number: job.number,
                kind: Some(job.kind),
                asked: job.items.len() as u32,
                ..Default::default()
            },
        }
    }

    /// The request for the items still pending.
    fn request(&self) -> crate::model::ChatRequest {
        let pairs: Vec<(String, &str)> = self
            .pending
            .iter()
            .map(|n| (self.ids[*n].clone(), self.job.items[*n].1.as_str()))
            .collect();
        build_request(self.job.kind, &pairs)
    }

    /// Counts a reply's tokens (counted here when the server did not say)
    /// and cost.
    fn account(&mut self, shared: &Shared, reply: &crate::model::ChatReply, local_prompt: u64) {
        let usage = reply.usage.unwrap_or_else(|| {
            self.result.estimated_tokens = true;
            TokenUsage {
                prompt_tokens: local_prompt,
                completion_tokens: shared.counter.count(&reply.content) as u64,
            }
        });
        self.result.usage.prompt_tokens += usage.prompt_tokens;
        self.result.usage.completion_tokens += usage.completion_tokens;
        let cost = cost_usd(shared.price, usage.prompt_tokens, usage.completion_tokens);
        self.result.cost_usd += cost;
        shared.spend(cost);
    }

    /// Takes the answers of a reply; what was wrong with it, `None` when
    /// every item is answered.
    fn take(&mut self, content: &str, model: &str) -> Option<String> {
        let items = match parse_answer(content) {
            Err(e) => return Some(e.to_string()),
            Ok(items) => items,
        };
        for item in items {
            let Some(&n) = self.by_id.get(item.id.as_str()) else {
                continue;
            };
            if !self.pending.contains(&n) {
                continue;
            }
            match clean_summary(self.job.kind, &item.summary) {
                Ok(summary) => {
                    self.pending.retain(|p| *p != n);
                    let key = self.job.items[n].0;
                    self.result.answered.push((key, summary, model.to_string()));
                }
                Err(reason) => {
                    self.reasons.insert(n, reason);
                }
            }
        }
        (!self.pending.is_empty()).then(|| {
            format!(
                "the answer lacked {} of the items asked",
                self.pending.len()
            )
        })
    }

    /// The result: a request that only failed to connect stops the run;
    /// every item still pending failed, with its reason.
    fn finish(mut self, shared: &Shared, connect_failures: u32) -> JobResult {
        let result = &mut self.result;
        if connect_failures == result.attempts && connect_failures > 0 && result.answered.is_empty()
        {
            let message = result.last_error.clone().unwrap_or_default();
            shared.stop.store(true, Ordering::SeqCst);
            result.fatal = Some(ModelError::Connect(message));
        }
        let fallback = result
            .last_error
            .clone()
            .unwrap_or_else(|| "no answer".into());
        for n in self.pending {
            let reason = self.reasons.remove(&n).unwrap_or_else(|| fallback.clone());
            result.failed.push((self.job.items[n].0, reason));
        }
        self.result
    }
}

async fn run_job(shared: &Shared, job: Job) -> JobResult {
    let mut asked = Asked::new(&job);
    let mut connect_failures = 0;
    for attempt in 1..=shared.attempts {
        if shared.stop.load(Ordering::SeqCst) {
            asked
                .result
                .last_error
                .get_or_insert_with(|| "the run was stopped".into());
            break;
        }
        let request = asked.request();
        let local_prompt = shared.counter.chat(&[&request.system, &request.user]) as u64;
        asked.result.attempts = attempt;
        let error = match shared.model.complete(request).await {
            Ok(reply) => {
                asked.account(shared, &reply, local_prompt);
                match asked.take(&reply.content, &reply.model) {
                    None => break,
                    Some(error) => error,
                }
            }
            Err(e) if e.is_fatal() => {
                shared.stop.store(true, Ordering::SeqCst);
                asked.result.last_error = Some(e.reason());
                asked.result.fatal = Some(e);
                break;
            }
            Err(e) => {
                connect_failures += u32::from(matches!(e, ModelError::Connect(_)));
                let reason = e.reason();
                if !e.is_retryable() {
                    asked.result.last_error = Some(reason);
                    break;
                }
                if attempt < shared.attempts {
                    let delay =
                        shared
                            .backoff
                            .delay(attempt, e.retry_after(), doctown_http::random01());
                    tokio::time::sleep(delay).await;
                }
                asked.result.last_error = Some(reason);
                continue;
            }
        };
        asked.result.last_error = Some(error);
        if attempt < shared.attempts {
            let delay = shared
                .backoff
                .delay(attempt, None, doctown_http::random01())
                / 4;
            tokio::time::sleep(delay).await;
        }
    }
    asked.finish(shared, connect_failures)
}

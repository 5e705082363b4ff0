//! Batching for throughput.
//!
//! A transformer's cost grows with `batch × longest member`: every row of a
//! batch is padded to its longest text. [`BatchPlan::plan`] sorts texts by
//! token length and cuts batches so that padding stays small — a batch is
//! cut when the next text is more than ~12% (at least 8 tokens) longer than
//! the batch's shortest, once the batch holds `min_batch` texts; at
//! `max_batch` texts; and before its padded size would pass the token
//! budget. Texts of similar length thus share batches and padding nearly
//! vanishes.
//!
//! [`StreamingBatcher`] collects items that arrive over time (chunks while
//! ingest still runs) and releases them as one window when it holds
//! `max_batch` items, when the first pending item has waited
//! `flush_timeout`, or at the end; each window is then planned as above.

use crate::config::EmbedConfig;
use std::time::{Duration, Instant};

/// How batches are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchPlan {
    pub min_batch: usize,
    pub max_batch: usize,
    /// Padded tokens per batch (rows × longest row).
    pub token_budget: usize,
}

impl BatchPlan {
    pub fn from_config(config: &EmbedConfig) -> Self {
        BatchPlan {
            min_batch: config.min_batch.max(1),
            max_batch: config.max_batch.max(config.min_batch).max(1),
            token_budget: config.token_budget.max(1),
        }
    }

    /// Fixed-size batches in input order (the naive baseline of the bench).
    pub fn naive(size: usize) -> Self {
        BatchPlan {
            min_batch: size,
            max_batch: size,
            token_budget: usize::MAX,
        }
    }

    /// The plan for texts that run alone (the CPU's lanes): no padding to
    /// save, so a batch is only a unit of work and reporting — `max_batch`
    /// texts in input order. Length buckets would only add meeting points,
    /// each ending on a batch's longest text with the other lanes idle.
    pub fn for_texts_alone(&self) -> BatchPlan {
        BatchPlan::naive(self.max_batch)
    }

    /// Batches of indices into `lengths`: sorted by length, cut as described
    /// in the module docs. Every index appears exactly once.
    pub fn plan(&self, lengths: &[usize]) -> Vec<Vec<usize>> {
        if self.token_budget == usize::MAX && self.min_batch == self.max_batch {
            let all: Vec<usize> = (0..lengths.len()).collect();
            return all.chunks(self.max_batch).map(<[usize]>::to_vec).collect();
        }
        let mut order: Vec<usize> = (0..lengths.len()).collect();
        order.sort_by_key(|&i| (lengths[i], i));
        let mut batches = Vec::new();
        let mut batch: Vec<usize> = Vec::new();
        for i in order {
            let len = lengths[i].max(1);
            if let Some(&first) = batch.first() {
                let shortest = lengths[first].max(1);
                let too_uneven =
                    batch.len() >= self.min_batch && len > shortest + (shortest / 8).max(8);
                let over_budget = (batch.len() + 1).saturating_mul(len) > self.token_budget;
                if batch.len() >= self.max_batch || too_uneven || over_budget {
                    batches.push(std::mem::take(&mut batch));
                }
            }
            batch.push(i);
        }
        if !batch.is_empty() {
            batches.push(batch);
        }
        batches
    }

    /// Padded tokens of a set of batches: what the model computes.
    pub fn padded_tokens(batches: &[Vec<usize>], lengths: &[usize]) -> usize {
        batches
            .iter()
            .map(|b| b.len() * b.iter().map(|&i| lengths[i]).max().unwrap_or(0))
            .sum()
    }
}

/// Collects items arriving over time into windows for [`BatchPlan::plan`].
#[derive(Debug)]
pub struct StreamingBatcher<T> {
    window: usize,
    timeout: Duration,
    pending: Vec<T>,
    since: Option<Instant>,
}

impl<T> StreamingBatcher<T> {
    /// Releases at `window` items or after `timeout`.
    pub fn new(window: usize, timeout: Duration) -> Self {
        StreamingBatcher {
            window: window.max(1),
            timeout,
            pending: Vec::new(),
            since: None,
        }
    }

    pub fn from_config(config: &EmbedConfig) -> Self {
        Self::new(
            config.max_batch,
            Duration::from_millis(config.flush_timeout_ms),
        )
    }

    pub fn push(&mut self, item: T, now: Instant) {
        self.since.get_or_insert(now);
        self.pending.push(item);
    }

    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// When the pending items must be released at the latest.
    pub fn deadline(&self) -> Option<Instant> {
        self.since.map(|s| s + self.timeout)
    }

    /// Whether the pending items should be released now.
    pub fn is_due(&self, now: Instant) -> bool {
        !self.pending.is_empty()
            && (self.pending.len() >= self.window || self.deadline().is_some_and(|d| now >= d))
    }

    /// Takes the pending items when due (or, with `force`, whenever any).
    pub fn take(&mut self, now: Instant, force: bool) -> Option<Vec<T>> {
        if self.pending.is_empty() || !(force || self.is_due(now)) {
            return None;
        }
        self.since = None;
        Some(std::mem::take(&mut self.pending))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> BatchPlan {
        BatchPlan {
            min_batch: 4,
            max_batch: 8,
            token_budget: 1000,
        }
    }

    #[test]
    fn every_index_once_and_padding_small() {
        let lengths: Vec<usize> = (0..100).map(|i| 5 + (i * 37) % 250).collect();
        let batches = plan().plan(&lengths);
        let mut seen: Vec<usize> = batches.iter().flatten().copied().collect();
        seen.sort();
        assert_eq!(seen, (0..100).collect::<Vec<_>>());
        for b in &batches {
            assert!(b.len() <= 8);
            let max = b.iter().map(|&i| lengths[i]).max().unwrap();
            assert!(b.len() * max <= 1000 || b.len() == 1, "{b:?}");
        }
        let naive = BatchPlan::naive(8).plan(&lengths);
        let real: usize = lengths.iter().sum();
        let sorted_pad = BatchPlan::padded_tokens(&batches, &lengths);
        assert!(sorted_pad < BatchPlan::padded_tokens(&naive, &lengths));
        assert!(
            (sorted_pad as f64) < real as f64 * 1.15,
            "{sorted_pad} vs {real}"
        );
    }

    #[test]
    fn uneven_lengths_cut_only_after_min_batch_and_naive_keeps_order() {
        let batches = plan().plan(&[10, 10, 100, 10, 100, 10]);
        assert_eq!(batches, vec![vec![0, 1, 3, 5], vec![2, 4]]);
        assert_eq!(
            BatchPlan::naive(4).plan(&[3, 1, 2, 9, 9]),
            vec![vec![0, 1, 2, 3], vec![4]]
        );
        assert!(plan().plan(&[]).is_empty());
    }

    #[test]
    fn streaming_releases_on_window_timeout_or_force() {
        let t0 = Instant::now();
        let mut s = StreamingBatcher::new(3, Duration::from_millis(500));
        assert_eq!(s.take(t0, true), None);
        s.push(1, t0);
        s.push(2, t0);
        assert_eq!(s.take(t0 + Duration::from_millis(100), false), None);
        assert_eq!(
            s.take(t0 + Duration::from_millis(500), false),
            Some(vec![1, 2])
        );
        assert_eq!(s.deadline(), None);
        for i in 0..3 {
            s.push(i, t0);
        }
        assert!(s.is_due(t0));
        assert_eq!(s.take(t0, false).map(|v| v.len()), Some(3));
        s.push(9, t0);
        assert_eq!(s.take(t0, true), Some(vec![9]));
    }
}

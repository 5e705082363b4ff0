//! Request rate limits: token buckets keyed by user, key or client
//! address, in this process's memory. Several server processes each keep
//! their own buckets (a shared store such as Redis is left for later; the
//! monthly job quota is in the database and is exact).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Buckets beyond this many are pruned (the full ones go first).
const MAX_BUCKETS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
    /// Tokens a second, and the most it holds.
    rate: f64,
    capacity: f64,
}

impl Bucket {
    /// Its tokens at `now`, refilled.
    fn tokens_at(&self, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        (self.tokens + elapsed * self.rate).min(self.capacity)
    }
}

/// Token buckets: `per_minute` requests a minute, bursts up to that many.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    pub fn new() -> RateLimiter {
        RateLimiter::default()
    }

    /// Takes one token from `key`'s bucket at `now`: `Ok`, or `Err(seconds
    /// until one is available)`.
    pub fn check_at(&self, key: &str, per_minute: u64, now: Instant) -> Result<(), u64> {
        let capacity = per_minute.max(1) as f64;
        let rate = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(key) {
            prune(&mut buckets, now);
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: capacity,
            at: now,
            rate,
            capacity,
        });
        (bucket.rate, bucket.capacity) = (rate, capacity);
        bucket.tokens = bucket.tokens_at(now);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / rate).ceil().max(1.0) as u64)
        }
    }

    /// [`check_at`](Self::check_at) now.
    pub fn check(&self, key: &str, per_minute: u64) -> Result<(), u64> {
        self.check_at(key, per_minute, Instant::now())
    }

    /// How many keys hold a bucket.
    pub fn len(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Makes room: full buckets say nothing (a new one starts full), so they
/// go first; if that is not enough, the fullest of the rest, down to three
/// quarters of the bound. The buckets of keys being limited, the nearly
/// empty ones, are the last to go, so filling the table with new keys
/// (addresses rotated by the thousand) cannot reset anyone's limit.
fn prune(buckets: &mut HashMap<String, Bucket>, now: Instant) {
    buckets.retain(|_, b| b.tokens_at(now) < b.capacity);
    if buckets.len() < MAX_BUCKETS {
        return;
    }
    let mut fullness: Vec<(f64, String)> = buckets
        .iter()
        .map(|(k, b)| (b.tokens_at(now) / b.capacity, k.clone()))
        .collect();
    fullness.sort_by(|a, b| b.0.total_cmp(&a.0));
    let excess = buckets.len() - MAX_BUCKETS * 3 / 4;
    for (_, key) in fullness.into_iter().take(excess) {
        buckets.remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_flood_of_new_keys_does_not_reset_a_limited_one() {
        let limiter = RateLimiter::new();
        let t0 = Instant::now();
        for _ in 0..3 {
            limiter
                .check_at("ip:victim-of-its-own-limit", 3, t0)
                .unwrap();
        }
        assert!(limiter
            .check_at("ip:victim-of-its-own-limit", 3, t0)
            .is_err());
        // Addresses rotated: each takes one token of a 60-a-minute bucket.
        for n in 0..MAX_BUCKETS + 10 {
            let _ = limiter.check_at(&format!("ip:rotated-{n}"), 60, t0);
        }
        assert!(limiter.len() <= MAX_BUCKETS, "{}", limiter.len());
        assert!(
            limiter
                .check_at("ip:victim-of-its-own-limit", 3, t0)
                .is_err(),
            "still limited"
        );
    }

    #[test]
    fn buckets_refill() {
        let limiter = RateLimiter::new();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at("ip:1", 3, t0).is_ok());
        }
        let wait = limiter.check_at("ip:1", 3, t0).unwrap_err();
        assert_eq!(wait, 20);
        assert!(limiter.check_at("ip:2", 3, t0).is_ok(), "keys are separate");
        assert!(limiter
            .check_at("ip:1", 3, t0 + Duration::from_secs(20))
            .is_ok());
        assert!(limiter
            .check_at("ip:1", 3, t0 + Duration::from_secs(21))
            .is_err());
    }
}

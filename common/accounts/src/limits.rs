//! Request rate limits: token buckets keyed by user, key or client
//! address, in this process's memory. Several server processes each keep
//! their own buckets (a shared store such as Redis is left for later; the
//! monthly job quota is in the database and is exact).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets beyond this many are pruned (the full ones go first).
const MAX_BUCKETS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
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
            prune(&mut buckets, now, rate, capacity);
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(capacity);
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

    /// Whether `key` has no token left (without taking one).
    pub fn exhausted(&self, key: &str, per_minute: u64) -> Option<u64> {
        let buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = buckets.get(key)?;
        let rate = per_minute.max(1) as f64 / 60.0;
        let tokens = bucket.tokens + bucket.at.elapsed().as_secs_f64() * rate;
        (tokens < 1.0).then(|| ((1.0 - tokens) / rate).ceil().max(1.0) as u64)
    }
}

fn prune(buckets: &mut HashMap<String, Bucket>, now: Instant, rate: f64, capacity: f64) {
    let full_after = Duration::from_secs_f64(capacity / rate);
    buckets.retain(|_, b| now.saturating_duration_since(b.at) < full_after);
    if buckets.len() >= MAX_BUCKETS {
        buckets.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

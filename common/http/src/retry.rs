//! The waits between attempts.

use doctown_core::retry::{JitterStrategy, RetryPolicy};
use std::hash::BuildHasher;
use std::time::{Duration, Instant};

/// Exponential backoff with equal jitter ([`RetryPolicy`], doubling from
/// `base` up to `max`), unless the server said how long to wait
/// (`Retry-After`, honoured up to `max_retry_after`).
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    policy: RetryPolicy,
    max_retry_after: Duration,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration, max_retry_after: Duration) -> Backoff {
        Backoff {
            policy: RetryPolicy::exponential(base, max, 0, JitterStrategy::Equal),
            max_retry_after,
        }
    }

    /// The wait after failed attempt `attempt` (1-based): the server's
    /// `retry_after` when it sent one, else `base × 2^(attempt−1)` up to
    /// `max`, with equal jitter (between half and all of it); `random01` is a uniform
    /// sample from `[0, 1)` ([`random01`]).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>, random01: f64) -> Duration {
        match retry_after {
            Some(wait) => wait.min(self.max_retry_after),
            None => self.policy.jittered(attempt, random01),
        }
    }
}

/// A uniform sample from `[0, 1)`, good enough to spread retries.
pub fn random01() -> f64 {
    let random = std::collections::hash_map::RandomState::new().hash_one(Instant::now());
    (random % 1_000_000) as f64 / 1_000_000.0
}

/// The server's requested wait: `retry-after-ms`, else `Retry-After` in
/// (possibly fractional) seconds. An HTTP date is not read: backoff
/// applies.
pub fn retry_after(ms: Option<&str>, secs: Option<&str>) -> Option<Duration> {
    let number = |v: Option<&str>| {
        v.and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|n| n.is_finite() && *n >= 0.0)
    };
    if let Some(ms) = number(ms) {
        return Some(Duration::from_secs_f64(ms.min(86_400_000.0) / 1000.0));
    }
    number(secs).map(|s| Duration::from_secs_f64(s.min(86_400.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_with_equal_jitter_or_the_servers_wait() {
        let backoff = Backoff::new(
            Duration::from_millis(100),
            Duration::from_millis(1_000),
            Duration::from_secs(5),
        );
        let most = |attempt| backoff.delay(attempt, None, 0.999_999).as_millis();
        assert_eq!((most(1), most(3), most(30)), (99, 399, 999));
        for _ in 0..100 {
            let d = backoff.delay(3, None, random01());
            assert!(d >= Duration::from_millis(200) && d <= Duration::from_millis(400));
        }
        let wait = |s| backoff.delay(1, Some(Duration::from_secs(s)), 0.5);
        assert_eq!(wait(2), Duration::from_secs(2));
        assert_eq!(wait(60), Duration::from_secs(5));
    }

    #[test]
    fn retry_after_in_milliseconds_or_seconds() {
        let ms = Duration::from_millis;
        assert_eq!(retry_after(None, Some(" 2 ")), Some(ms(2_000)));
        assert_eq!(retry_after(Some("150"), Some("2")), Some(ms(150)));
        assert_eq!(retry_after(None, Some("0.5")), Some(ms(500)));
        assert_eq!(
            retry_after(None, Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
        assert_eq!(retry_after(None, Some("-1")), None);
        assert_eq!(retry_after(None, None), None);
    }
}

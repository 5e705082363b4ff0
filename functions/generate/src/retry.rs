//! Backoff between attempts: exponential with jitter, or the server's
//! `Retry-After` on a 429 (capped), whichever the error calls for.

use crate::config::GenerateConfig;
use crate::model::ModelError;
use rand::Rng;
use std::time::Duration;

/// Delay policy, from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
    pub max_retry_after: Duration,
}

impl Backoff {
    pub fn from_config(config: &GenerateConfig) -> Backoff {
        Backoff {
            base: Duration::from_millis(config.backoff_base_ms),
            max: Duration::from_millis(config.backoff_max_ms.max(config.backoff_base_ms)),
            max_retry_after: Duration::from_secs(config.max_retry_after_secs),
        }
    }

    /// The exponential delay after failed attempt `attempt` (1-based),
    /// before jitter: base × 2^(attempt-1), at most `max`.
    pub fn exponential(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(20));
        self.base.saturating_mul(factor).min(self.max)
    }

    /// The wait before the next attempt after `error` on attempt `attempt`:
    /// the server's Retry-After when it sent one (up to `max_retry_after`),
    /// else the exponential delay with "equal jitter" (between half and all
    /// of it), so that many clients do not retry in lockstep.
    pub fn delay(&self, attempt: u32, error: Option<&ModelError>, rng: &mut impl Rng) -> Duration {
        if let Some(wait) = error.and_then(ModelError::retry_after) {
            return wait.min(self.max_retry_after);
        }
        let full = self.exponential(attempt);
        let half = full / 2;
        let jitter_ms = rng.random_range(0..=half.as_millis().min(u128::from(u64::MAX)) as u64);
        half + Duration::from_millis(jitter_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_with_jitter_and_retry_after() {
        let backoff = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_millis(1_000),
            max_retry_after: Duration::from_secs(5),
        };
        assert_eq!(backoff.exponential(1), Duration::from_millis(100));
        assert_eq!(backoff.exponential(3), Duration::from_millis(400));
        assert_eq!(backoff.exponential(10), Duration::from_millis(1_000));
        let mut rng = rand::rng();
        for attempt in 1..6 {
            let d = backoff.delay(attempt, None, &mut rng);
            let full = backoff.exponential(attempt);
            assert!(d >= full / 2 && d <= full, "{d:?} vs {full:?}");
        }
        let limited = ModelError::RateLimited {
            retry_after: Some(Duration::from_secs(2)),
            message: String::new(),
        };
        assert_eq!(
            backoff.delay(1, Some(&limited), &mut rng),
            Duration::from_secs(2)
        );
        let long = ModelError::RateLimited {
            retry_after: Some(Duration::from_secs(600)),
            message: String::new(),
        };
        assert_eq!(
            backoff.delay(1, Some(&long), &mut rng),
            Duration::from_secs(5)
        );
    }
}

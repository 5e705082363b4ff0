//! One retry policy for everything that tries again: the state machine's
//! units (Step Functions' `Retrier`: `IntervalSeconds`, `MaxAttempts`,
//! `BackoffRate`, `MaxDelaySeconds`, `JitterStrategy`) and every HTTP
//! client (`doctown-http`'s backoff, which adds the server's
//! `Retry-After`). Retries count from 1: retry `n` follows the `n`th failed
//! attempt.

use std::time::Duration;

/// How a delay is randomised, so that many clients do not retry in
/// lockstep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JitterStrategy {
    /// A uniformly random delay in `[0, delay]` (Step Functions' `FULL`).
    Full,
    /// A uniformly random delay in `[delay / 2, delay]`: never much
    /// shorter than asked (the HTTP clients').
    Equal,
    /// Exactly the computed delay.
    None,
}

/// When and how often something that failed runs again.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// The delay before the first retry.
    pub interval: Duration,
    /// Retries after the first attempt; 0 = never retry.
    pub max_attempts: u32,
    /// The factor from one delay to the next (≥ 1).
    pub backoff_rate: f64,
    /// The cap on any one delay.
    pub max_delay: Duration,
    pub jitter: JitterStrategy,
}

impl RetryPolicy {
    /// Exponential backoff: `interval` doubling up to `max_delay`, with
    /// `jitter`, `max_attempts` retries.
    pub fn exponential(
        interval: Duration,
        max_delay: Duration,
        max_attempts: u32,
        jitter: JitterStrategy,
    ) -> RetryPolicy {
        RetryPolicy {
            interval,
            max_attempts,
            backoff_rate: 2.0,
            max_delay: max_delay.max(interval),
            jitter,
        }
    }

    /// The delay before retry `n` (1-based), before jitter:
    /// `min(interval · rate^(n−1), max_delay)`.
    pub fn delay(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(64) as i32;
        let secs = self.interval.as_secs_f64() * self.backoff_rate.max(1.0).powi(exponent);
        let capped = secs.min(self.max_delay.as_secs_f64());
        Duration::from_secs_f64(if capped.is_finite() {
            capped.max(0.0)
        } else {
            0.0
        })
    }

    /// [`RetryPolicy::delay`] with the jitter strategy applied; `random01`
    /// is a uniform sample from `[0, 1)`.
    pub fn jittered(&self, retry: u32, random01: f64) -> Duration {
        let delay = self.delay(retry);
        let random01 = random01.clamp(0.0, 1.0);
        match self.jitter {
            JitterStrategy::None => delay,
            JitterStrategy::Full => delay.mul_f64(random01),
            JitterStrategy::Equal => delay / 2 + (delay / 2).mul_f64(random01),
        }
    }

    /// Total executions allowed: the first plus the retries.
    pub fn total_attempts(&self) -> u32 {
        self.max_attempts.saturating_add(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_and_jitter_stays_in_its_range() {
        let policy = RetryPolicy::exponential(
            Duration::from_millis(100),
            Duration::from_millis(1_000),
            5,
            JitterStrategy::Equal,
        );
        let ms = |d: Duration| d.as_millis();
        assert_eq!(ms(policy.delay(1)), 100);
        assert_eq!(ms(policy.delay(3)), 400);
        assert_eq!(ms(policy.delay(30)), 1_000);
        assert_eq!(ms(policy.jittered(3, 0.0)), 200);
        assert_eq!(ms(policy.jittered(3, 0.999_999)), 399);
        let full = RetryPolicy {
            jitter: JitterStrategy::Full,
            ..policy.clone()
        };
        assert_eq!(ms(full.jittered(3, 0.0)), 0);
        assert_eq!(policy.total_attempts(), 6);
    }
}

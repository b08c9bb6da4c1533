//! Exponential backoff with jitter for retryable failures.

use rand::Rng;
use std::time::Duration;

/// How often and how patiently a call is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per call, the first included (at least 1).
    pub max_attempts: u32,
    /// The ceiling of the first delay; it doubles with each retry.
    pub base_delay: Duration,
    /// No delay exceeds this.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// The ceiling before retry number `retry` (1 for the first retry): `base * 2^(retry-1)`, capped.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// The delay before retry number `retry`: "equal jitter", a uniform pick between half the ceiling and
    /// the ceiling, so that clients hit by the same outage spread out but still back off.
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry);
        let half = ceiling / 2;
        let spread = u64::try_from((ceiling - half).as_micros()).unwrap_or(u64::MAX);
        half + Duration::from_micros(rand::rng().random_range(0..=spread))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy { max_attempts: 6, base_delay: Duration::from_millis(100), max_delay: Duration::from_millis(1_000) }
    }

    #[test]
    fn the_ceiling_doubles_per_retry_and_stops_at_the_maximum() {
        let p = policy();
        let ceilings: Vec<u128> = (1..=6).map(|r| p.ceiling(r).as_millis()).collect();
        assert_eq!(ceilings, vec![100, 200, 400, 800, 1_000, 1_000]);
        assert_eq!(p.ceiling(200).as_millis(), 1_000);
    }

    #[test]
    fn every_delay_lies_between_half_the_ceiling_and_the_ceiling() {
        let p = policy();
        for retry in 1..=8 {
            let ceiling = p.ceiling(retry);
            for _ in 0..200 {
                let d = p.delay(retry);
                assert!(d >= ceiling / 2 && d <= ceiling, "retry {retry}: {d:?}");
            }
        }
    }

    #[test]
    fn delays_are_jittered() {
        let p = policy();
        let distinct: std::collections::HashSet<Duration> = (0..50).map(|_| p.delay(3)).collect();
        assert!(distinct.len() > 10, "only {} distinct delays", distinct.len());
    }
}

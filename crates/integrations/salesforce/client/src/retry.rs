//! Exponential backoff with jitter for retryable failures (backon's).

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};

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
    /// The waits before each retry, in order (`max_attempts - 1` of them): the ceiling starts at
    /// `base_delay` and doubles up to `max_delay`, and each wait is "equal jitter", a uniform pick between
    /// half the ceiling and the ceiling, so that clients hit by the same outage spread out but still back
    /// off. backon's exponential backoff from half the base to half the maximum, jittered up by up to 100%.
    pub fn delays(&self) -> ExponentialBackoff {
        ExponentialBuilder::default()
            .with_min_delay(self.base_delay / 2)
            .with_max_delay(self.max_delay / 2)
            .with_factor(2.0)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
            .with_jitter()
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy { max_attempts: 6, base_delay: Duration::from_millis(100), max_delay: Duration::from_millis(1_000) }
    }

    #[test]
    fn every_retry_waits_between_half_its_ceiling_and_the_ceiling_which_doubles_up_to_the_maximum() {
        let p = policy();
        for _ in 0..200 {
            let delays: Vec<Duration> = p.delays().collect();
            assert_eq!(delays.len(), 5, "one wait per retry: six attempts");
            for (ceiling, d) in [100, 200, 400, 800, 1_000].into_iter().map(Duration::from_millis).zip(delays) {
                assert!(d >= ceiling / 2 && d <= ceiling, "{d:?} against the ceiling {ceiling:?}");
            }
        }
    }

    #[test]
    fn one_attempt_means_no_retry() {
        let p = RetryPolicy { max_attempts: 1, ..policy() };
        assert_eq!(p.delays().count(), 0);
    }

    #[test]
    fn delays_are_jittered() {
        let p = policy();
        let distinct: std::collections::HashSet<Duration> = (0..50).filter_map(|_| p.delays().nth(2)).collect();
        assert!(distinct.len() > 10, "only {} distinct delays", distinct.len());
    }
}

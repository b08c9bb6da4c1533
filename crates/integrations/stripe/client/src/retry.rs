//! When and how long to wait before sending a request again, following Stripe's official libraries:
//! `Stripe-Should-Retry: true|false` decides when present; otherwise 409 (conflict, e.g. an idempotency key
//! still in use), 429 (rate limit, lock timeout), every 5xx, and transport failures (connection errors,
//! timeouts) are retried. A retry always resends the same Idempotency-Key, so it is never applied twice.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The ceiling of the first wait; it doubles with each retry.
    pub base: Duration,
    /// No wait is longer than this.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_retries: 3, base: Duration::from_millis(500), cap: Duration::from_secs(5) }
    }
}

impl RetryPolicy {
    /// The waits before each retry, in order (`max_retries` of them): the ceiling starts at `base` and
    /// doubles up to `cap`, and each wait is a uniform pick between half its ceiling and the ceiling ("equal
    /// jitter", as Stripe's own libraries jitter), so that many clients failing together do not retry
    /// together. backon's exponential backoff from half the base to half the cap, jittered up by up to 100%.
    pub fn delays(&self) -> ExponentialBackoff {
        ExponentialBuilder::default()
            .with_min_delay(self.base / 2)
            .with_max_delay(self.cap / 2)
            .with_factor(2.0)
            .with_max_times(self.max_retries as usize)
            .with_jitter()
            .build()
    }
}

/// Whether an answer with `status` (and the `Stripe-Should-Retry` header, if any) should be retried.
pub(crate) fn should_retry_status(status: u16, should_retry_header: Option<bool>) -> bool {
    match should_retry_header {
        Some(decision) => decision,
        None => matches!(status, 409 | 429) || status >= 500,
    }
}

/// Whether a request that got no answer should be retried: connection failures and timeouts are; errors
/// building the request are not (they would fail again).
pub(crate) fn should_retry_transport(error: &reqwest::Error) -> bool {
    !(error.is_builder() || error.is_redirect() || error.is_decode())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_overrides_the_status_rule() {
        assert!(!should_retry_status(500, Some(false)));
        assert!(should_retry_status(400, Some(true)));
    }

    #[test]
    fn conflicts_rate_limits_and_server_errors_are_retried_but_client_errors_are_not() {
        for status in [409, 429, 500, 502, 503] {
            assert!(should_retry_status(status, None), "{status}");
        }
        for status in [200, 400, 401, 402, 404] {
            assert!(!should_retry_status(status, None), "{status}");
        }
    }

    #[test]
    fn there_is_one_wait_per_retry_each_between_half_its_ceiling_and_the_ceiling() {
        let p = RetryPolicy { max_retries: 6, base: Duration::from_millis(100), cap: Duration::from_millis(1_000) };
        for _ in 0..100 {
            let delays: Vec<Duration> = p.delays().collect();
            assert_eq!(delays.len(), 6);
            for (ceiling, d) in [100, 200, 400, 800, 1_000, 1_000].into_iter().map(Duration::from_millis).zip(delays) {
                assert!(d >= ceiling / 2 && d <= ceiling, "{d:?} against the ceiling {ceiling:?}");
            }
        }
    }

    #[test]
    fn waits_are_jittered() {
        let p = RetryPolicy { max_retries: 3, base: Duration::from_millis(100), cap: Duration::from_secs(5) };
        let distinct: std::collections::HashSet<Duration> = (0..50).filter_map(|_| p.delays().nth(2)).collect();
        assert!(distinct.len() > 10, "only {} distinct waits", distinct.len());
    }
}

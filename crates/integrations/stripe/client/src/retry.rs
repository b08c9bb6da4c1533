//! When and how long to wait before sending a request again, following Stripe's official libraries:
//! `Stripe-Should-Retry: true|false` decides when present; otherwise 409 (conflict, e.g. an idempotency key
//! still in use), 429 (rate limit, lock timeout), every 5xx, and transport failures (connection errors,
//! timeouts) are retried. A retry always resends the same Idempotency-Key, so it is never applied twice.

use std::time::Duration;

use rand::Rng;

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The backoff unit: the n-th retry waits about `base·(1+n²)`.
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
    /// The wait before retry number `n` (1-based): `base·(1+n²)` capped at `cap`, then jittered down by up
    /// to half so that many clients failing together do not retry together.
    pub fn delay(&self, n: u32) -> Duration {
        let factor = 1 + n.saturating_mul(n);
        let full = self.base.saturating_mul(factor).min(self.cap);
        full.mul_f64(rand::rng().random_range(0.5..=1.0))
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
    fn delays_grow_quadratically_stay_under_the_cap_and_are_jittered() {
        let p = RetryPolicy { max_retries: 10, base: Duration::from_millis(100), cap: Duration::from_millis(1_000) };
        let d1 = p.delay(1);
        assert!(d1 >= Duration::from_millis(100) && d1 <= Duration::from_millis(200));
        let d2 = p.delay(2);
        assert!(d2 >= Duration::from_millis(250) && d2 <= Duration::from_millis(500));
        for n in 3..10 {
            let d = p.delay(n);
            assert!(d >= Duration::from_millis(500) && d <= Duration::from_millis(1_000));
        }
    }
}

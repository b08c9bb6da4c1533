//! The client-side rate limit: requests are spaced evenly (a burst of one) so that one client never sends
//! more than the configured number per second (Stripe allows 25/s in test mode, 100/s live). Clones of a
//! client share it. governor's GCRA limiter does the counting.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota};

/// A limiter handing out at most `rate` send slots per second (`rate` > 0 and finite, checked by the config),
/// one at a time: `until_ready().await` waits for the next.
pub(crate) fn limiter(rate: f64) -> DefaultDirectRateLimiter {
    let quota = Quota::with_period(Duration::from_secs_f64(1.0 / rate)).unwrap_or(Quota::per_second(NonZeroU32::MAX));
    DefaultDirectRateLimiter::direct(quota)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[tokio::test]
    async fn twenty_one_requests_at_twenty_per_second_take_about_a_second() {
        let limiter = limiter(20.0);
        let start = Instant::now();
        for _ in 0..21 {
            limiter.until_ready().await;
        }
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(990), "{took:?}");
        assert!(took < Duration::from_millis(1_500), "{took:?}");
    }
}

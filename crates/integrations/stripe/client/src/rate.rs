//! A client-side rate limiter: requests are spaced evenly so that one client never sends more than the
//! configured number per second (Stripe allows 25/s in test mode, 100/s live). Clones of a client share it.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Hands out send slots at most `rate` per second.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    interval: Duration,
    next: Mutex<Instant>,
}

impl RateLimiter {
    /// A limiter for `rate` requests per second (`rate` > 0, checked by the config).
    pub(crate) fn new(rate: f64) -> Self {
        Self { interval: Duration::from_secs_f64(1.0 / rate), next: Mutex::new(Instant::now()) }
    }

    /// Waits for the next free slot.
    pub(crate) async fn acquire(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn twenty_one_requests_at_twenty_per_second_take_about_a_second() {
        let limiter = RateLimiter::new(20.0);
        let start = Instant::now();
        for _ in 0..21 {
            limiter.acquire().await;
        }
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(990), "{took:?}");
        assert!(took < Duration::from_millis(1_500), "{took:?}");
    }
}

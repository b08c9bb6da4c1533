//! The simulated account shared by every handler: its store, runtime knobs (faults, rate limit) and the
//! configuration it started with.

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rand::Rng;
use tokio::sync::watch;

use crate::config::{Faults, RateLimit, SimConfig};
use crate::error::ApiError;
use crate::store::Store;

pub struct Sim {
    pub store: Arc<Store>,
    pub config: SimConfig,
    faults: Mutex<Faults>,
    frozen: watch::Sender<bool>,
    rate_limit: RwLock<(RateLimit, Option<Arc<DefaultDirectRateLimiter>>)>,
}

impl Sim {
    pub fn new(store: Arc<Store>, config: SimConfig) -> Self {
        let sim = Self {
            store,
            faults: Mutex::new(Faults::default()),
            frozen: watch::Sender::new(false),
            rate_limit: RwLock::new((RateLimit::Off, None)),
            config,
        };
        sim.set_faults(sim.config.faults.clone());
        sim.set_rate_limit(sim.config.rate_limit);
        sim
    }

    pub fn faults(&self) -> Faults {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        self.frozen.send_replace(faults.frozen);
        *self.faults.lock().unwrap_or_else(PoisonError::into_inner) = faults;
    }

    pub fn rate_limit(&self) -> RateLimit {
        self.rate_limit.read().unwrap_or_else(PoisonError::into_inner).0
    }

    pub fn set_rate_limit(&self, limit: RateLimit) {
        let limiter = match limit {
            RateLimit::Off => None,
            RateLimit::PerSecond(n) => {
                NonZeroU32::new(n).map(|n| Arc::new(RateLimiter::direct(Quota::per_second(n).allow_burst(n))))
            }
        };
        *self.rate_limit.write().unwrap_or_else(PoisonError::into_inner) = (limit, limiter);
    }

    /// False when the rate limit is on and spent for this second.
    pub fn admit(&self) -> bool {
        let limiter = self.rate_limit.read().unwrap_or_else(PoisonError::into_inner).1.clone();
        limiter.is_none_or(|l| l.check().is_ok())
    }

    /// Injected faults, applied once a call is admitted: waits while frozen, adds latency, and fails a share
    /// of calls with a 500 `api_error`.
    pub async fn injected(&self) -> Result<(), ApiError> {
        let mut frozen = self.frozen.subscribe();
        // An Err means the sender is gone (shutting down): go on.
        let _ = frozen.wait_for(|f| !*f).await;
        let faults = self.faults();
        if faults.added_latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(faults.added_latency_ms)).await;
        }
        if faults.error_rate > 0.0 && rand::rng().random_bool(faults.error_rate.clamp(0.0, 1.0)) {
            return Err(ApiError::injected_failure());
        }
        Ok(())
    }
}

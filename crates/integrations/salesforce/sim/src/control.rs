//! [`SimControl`]: what tests change on a running simulator (the same knobs as the `/_sim/` endpoints).

use std::sync::atomic::Ordering;

use actix_web::web;

use crate::app::Sim;
use crate::config::Faults;

#[derive(Clone)]
pub struct SimControl {
    pub(crate) sim: web::Data<Sim>,
}

impl SimControl {
    pub fn faults(&self) -> Faults {
        self.sim.faults()
    }

    pub fn set_faults(&self, faults: Faults) {
        self.sim.set_faults(faults);
    }

    /// `(used, allowed)` API calls, as in `Sforce-Limit-Info`.
    pub fn api_usage(&self) -> (u64, u64) {
        self.sim.usage()
    }

    pub fn set_daily_api_limit(&self, limit: u64) {
        self.sim.daily_limit.store(limit, Ordering::Release);
    }

    pub fn set_api_used(&self, used: u64) {
        self.sim.api_used.store(used, Ordering::Release);
    }

    /// Makes every issued access token invalid (the next call gets 401 INVALID_SESSION_ID).
    pub fn expire_tokens(&self) {
        self.sim.sessions.expire_all();
    }

    /// Shifts the org's clock for server-kept timestamps by `secs` (negative: the past).
    pub fn set_clock_offset_secs(&self, secs: i64) {
        self.sim.clock_offset_ms.store(secs.saturating_mul(1000), Ordering::Release);
    }

    /// Counts, usage, faults and push queue figures (`GET /_sim/state`).
    pub fn snapshot(&self) -> serde_json::Value {
        crate::routes::snapshot(&self.sim)
    }

    /// The org id (`00D…`) that tokens and Outbound Messages carry.
    pub fn org_id(&self) -> String {
        self.sim.org_id.clone()
    }
}

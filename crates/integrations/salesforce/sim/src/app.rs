//! The simulated org shared by every handler: data, sessions, runtime knobs, query cursors and identity.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use serde_json::Value;

use crate::auth::{JwtVerifier, Sessions};
use crate::config::{Faults, SimConfig};
use crate::ids;
use crate::store::Store;

/// A server-side query cursor: the remaining records of a query, served by `nextRecordsUrl`.
pub struct Cursor {
    pub records: Vec<Value>,
    pub total: usize,
    pub page: usize,
    pub created: Instant,
}

/// The base URLs the simulator answers on.
#[derive(Debug, Clone)]
pub struct Urls {
    pub http: String,
    pub https: Option<String>,
}

pub struct Sim {
    pub store: Arc<Store>,
    pub sessions: Sessions,
    pub config: SimConfig,
    pub jwt: Option<JwtVerifier>,
    pub urls: Urls,
    pub org_id: String,
    pub user_id: String,
    pub faults: Mutex<Faults>,
    pub daily_limit: AtomicU64,
    pub api_used: AtomicU64,
    /// Added to the clock for server-kept timestamps (tests of the minute-granular replication windows).
    pub clock_offset_ms: std::sync::atomic::AtomicI64,
    pub cursors: Mutex<HashMap<String, Cursor>>,
}

impl Sim {
    pub fn new(store: Arc<Store>, config: SimConfig, urls: Urls) -> anyhow::Result<Self> {
        let jwt = config.jwt_cert_pem.as_deref().map(JwtVerifier::from_pem).transpose()?;
        Ok(Self {
            store,
            sessions: Sessions::default(),
            jwt,
            urls,
            org_id: ids::to_18("00DSm0000000001").unwrap_or_default(),
            user_id: ids::to_18("005Sm0000000001").unwrap_or_default(),
            faults: Mutex::new(config.faults.clone()),
            daily_limit: AtomicU64::new(config.daily_api_limit),
            api_used: AtomicU64::new(0),
            clock_offset_ms: std::sync::atomic::AtomicI64::new(0),
            cursors: Mutex::new(HashMap::new()),
            config,
        })
    }

    /// The login URLs a JWT's `aud` may name: every base URL the simulator serves (its My Domain), and
    /// Salesforce's standard login hosts, which real orgs accept too.
    pub fn audiences(&self) -> Vec<&str> {
        const STANDARD: [&str; 2] = ["https://login.salesforce.com", "https://test.salesforce.com"];
        [self.urls.http.as_str()].into_iter().chain(self.urls.https.as_deref()).chain(STANDARD).collect()
    }

    /// The org's clock: now at millisecond precision, plus the test offset.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        crate::time::now() + chrono::Duration::milliseconds(self.clock_offset_ms.load(Ordering::Acquire))
    }

    pub fn faults(&self) -> Faults {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.faults.lock().unwrap_or_else(PoisonError::into_inner) = faults;
    }

    /// `(used, allowed)` API calls.
    pub fn usage(&self) -> (u64, u64) {
        (self.api_used.load(Ordering::Acquire), self.daily_limit.load(Ordering::Acquire))
    }

    /// Counts one API call; false when the allocation is spent.
    pub fn take_api_call(&self) -> bool {
        let limit = self.daily_limit.load(Ordering::Acquire);
        self.api_used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| (used < limit).then_some(used + 1))
            .is_ok()
    }

    pub fn with_cursors<R>(&self, f: impl FnOnce(&mut HashMap<String, Cursor>) -> R) -> R {
        f(&mut self.cursors.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

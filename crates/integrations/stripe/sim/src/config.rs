//! The simulator's configuration: [`SimConfig`] for the library, and [`EnvConfig`] read by the binary from
//! `STRIPESIM_*` environment variables (listed in the crate documentation).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The API version reported when a request sends no `Stripe-Version`.
pub const DEFAULT_API_VERSION: &str = "2024-06-20";

/// Injected failures, changeable at runtime through [`crate::SimControl`] or `POST /_sim/faults`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Share (0.0–1.0) of API calls answered 500 `api_error`.
    pub error_rate: f64,
    /// Delay added before every API call is handled.
    pub added_latency_ms: u64,
    /// While true, API calls wait (they hang) until it is set back to false.
    pub frozen: bool,
}

/// Stripe's request rate limit, off unless asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RateLimit {
    #[default]
    Off,
    /// Requests per second, every API call counted together.
    PerSecond(u32),
}

impl RateLimit {
    /// Stripe's test mode limit: 25 requests per second (<https://docs.stripe.com/rate-limits>).
    pub const TEST: Self = Self::PerSecond(25);
    /// Stripe's live mode limit: 100 requests per second.
    pub const LIVE: Self = Self::PerSecond(100);

    /// `off`, `test`, `live` or `<n>/s` (a bare `<n>` too).
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim() {
            "" | "off" | "none" | "0" => Ok(Self::Off),
            "test" => Ok(Self::TEST),
            "live" => Ok(Self::LIVE),
            other => {
                let n = other.strip_suffix("/s").unwrap_or(other).trim();
                n.parse::<u32>().map(Self::PerSecond).map_err(|_| format!("bad rate limit {other:?}"))
            }
        }
    }
}

/// How failed webhook deliveries are retried: `initial`, doubling per attempt up to `max`, for `retry_for`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySchedule {
    pub initial: Duration,
    pub max: Duration,
    pub retry_for: Duration,
}

impl RetrySchedule {
    /// The delay before attempt `attempt + 1` after `attempt` (1-based) failed attempts.
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(30));
        self.initial.saturating_mul(factor).min(self.max)
    }
}

/// A webhook endpoint configured at start (`STRIPESIM_WEBHOOK_URL`).
#[derive(Debug, Clone)]
pub struct StaticEndpoint {
    pub url: String,
    pub secret: String,
    pub enabled_events: Vec<String>,
}

/// Everything the simulator needs. `Default` suits tests: 127.0.0.1 port 0, quick webhook retries.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub addr: SocketAddr,
    pub api_version: String,
    pub faults: Faults,
    pub rate_limit: RateLimit,
    pub webhook: Option<StaticEndpoint>,
    pub retry: RetrySchedule,
    /// How long one delivery attempt may take before it counts as failed.
    pub webhook_timeout: Duration,
    /// Deliveries in flight at once, over all endpoints.
    pub webhook_concurrency: usize,
    /// How long a saved idempotent answer is replayed (Stripe: at least 24 hours).
    pub idempotency_ttl: Duration,
    /// Events older than this are dropped (Stripe: 30 days).
    pub event_retention: Duration,
    /// State survives restarts when set; written off the request path.
    pub data_file: Option<PathBuf>,
    /// The snapshot is written at most this often.
    pub snapshot_interval: Duration,
    /// HTTP worker threads.
    pub workers: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            api_version: DEFAULT_API_VERSION.to_owned(),
            faults: Faults::default(),
            rate_limit: RateLimit::Off,
            webhook: None,
            retry: RetrySchedule {
                initial: Duration::from_millis(50),
                max: Duration::from_millis(500),
                retry_for: Duration::from_secs(60),
            },
            webhook_timeout: Duration::from_secs(5),
            webhook_concurrency: 16,
            idempotency_ttl: Duration::from_secs(24 * 3600),
            event_retention: Duration::from_secs(30 * 24 * 3600),
            data_file: None,
            snapshot_interval: Duration::from_millis(500),
            workers: 2,
        }
    }
}

/// The binary's environment (prefix `STRIPESIM_`); see the crate documentation for each variable.
#[derive(Deserialize)]
pub struct EnvConfig {
    #[serde(default = "default_addr")]
    pub addr: SocketAddr,
    pub api_version: Option<String>,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    pub webhook_events: Option<String>,
    #[serde(default = "default_retry_initial")]
    pub webhook_retry_initial_ms: u64,
    #[serde(default = "default_retry_max")]
    pub webhook_retry_max_ms: u64,
    #[serde(default = "default_retry_for")]
    pub webhook_retry_for_secs: u64,
    #[serde(default = "default_webhook_timeout")]
    pub webhook_timeout_ms: u64,
    #[serde(default = "default_concurrency")]
    pub webhook_concurrency: usize,
    #[serde(default)]
    pub rate_limit: String,
    #[serde(default)]
    pub error_rate: f64,
    #[serde(default)]
    pub added_latency_ms: u64,
    #[serde(default = "default_idempotency_ttl")]
    pub idempotency_ttl_secs: u64,
    #[serde(default = "default_retention")]
    pub event_retention_days: u64,
    pub data_file: Option<PathBuf>,
    #[serde(default = "default_snapshot_ms")]
    pub snapshot_interval_ms: u64,
    #[serde(default = "default_workers")]
    pub workers: usize,
}

fn default_addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8430))
}
fn default_retry_initial() -> u64 {
    1000
}
fn default_retry_max() -> u64 {
    3 * 3600 * 1000
}
fn default_retry_for() -> u64 {
    3 * 24 * 3600
}
fn default_webhook_timeout() -> u64 {
    10_000
}
fn default_concurrency() -> usize {
    16
}
fn default_idempotency_ttl() -> u64 {
    24 * 3600
}
fn default_retention() -> u64 {
    30
}
fn default_snapshot_ms() -> u64 {
    500
}
fn default_workers() -> usize {
    2
}

impl EnvConfig {
    /// Reads `STRIPESIM_*` variables.
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(envy::prefixed("STRIPESIM_").from_env::<Self>()?)
    }

    /// Builds and checks the library configuration.
    pub fn into_sim_config(self) -> anyhow::Result<SimConfig> {
        let webhook = match (self.webhook_url.filter(|u| !u.is_empty()), self.webhook_secret) {
            (Some(url), secret) => Some(StaticEndpoint {
                url,
                secret: secret.filter(|s| !s.is_empty()).unwrap_or_else(crate::ids::webhook_secret),
                enabled_events: split_list(self.webhook_events.as_deref().unwrap_or("*")),
            }),
            (None, _) => None,
        };
        anyhow::ensure!((0.0..=1.0).contains(&self.error_rate), "STRIPESIM_ERROR_RATE must be 0 to 1");
        anyhow::ensure!(self.webhook_retry_initial_ms > 0, "STRIPESIM_WEBHOOK_RETRY_INITIAL_MS must be > 0");
        Ok(SimConfig {
            addr: self.addr,
            api_version: self.api_version.unwrap_or_else(|| DEFAULT_API_VERSION.to_owned()),
            faults: Faults { error_rate: self.error_rate, added_latency_ms: self.added_latency_ms, frozen: false },
            rate_limit: RateLimit::parse(&self.rate_limit).map_err(anyhow::Error::msg)?,
            webhook,
            retry: RetrySchedule {
                initial: Duration::from_millis(self.webhook_retry_initial_ms),
                max: Duration::from_millis(self.webhook_retry_max_ms.max(self.webhook_retry_initial_ms)),
                retry_for: Duration::from_secs(self.webhook_retry_for_secs),
            },
            webhook_timeout: Duration::from_millis(self.webhook_timeout_ms),
            webhook_concurrency: self.webhook_concurrency.max(1),
            idempotency_ttl: Duration::from_secs(self.idempotency_ttl_secs),
            event_retention: Duration::from_secs(self.event_retention_days.saturating_mul(24 * 3600)),
            data_file: self.data_file,
            snapshot_interval: Duration::from_millis(self.snapshot_interval_ms.max(10)),
            workers: self.workers.max(1),
        })
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect()
}

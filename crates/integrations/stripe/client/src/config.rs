//! Client settings, read once at start (e.g. `envy::prefixed("STRIPE_")` in consumer-worker).
//!
//! | variable (prefix `STRIPE_`) | meaning | default |
//! |---|---|---|
//! | `API_BASE` | API root, e.g. localstripe's `http://127.0.0.1:8420` | `https://api.stripe.com` |
//! | `SECRET_KEY` | secret or restricted key (`sk_…`, `rk_…`); never logged | required |
//! | `API_VERSION` | `Stripe-Version` header; the account default when unset | unset |
//! | `RATE_LIMIT` | requests per second this client sends at most | 25 (test mode's limit) |
//! | `CONNECT_TIMEOUT_MS` | TCP + TLS connect timeout | 5000 |
//! | `TIMEOUT_MS` | whole-request timeout | 30000 |
//! | `MAX_RETRIES` | retries after the first attempt | 3 |
//! | `RETRY_BASE_MS` | the first retry's backoff ceiling, doubled per retry (each wait jittered between half and all of it) | 500 |
//! | `RETRY_MAX_MS` | backoff cap | 5000 |

use std::time::Duration;

use serde::Deserialize;

use crate::retry::RetryPolicy;
use crate::secret::ApiKey;

/// Stripe's production API root.
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";

/// Everything [`crate::StripeClient`] needs.
#[derive(Debug, Clone, Deserialize)]
pub struct StripeConfig {
    #[serde(default = "default_api_base")]
    pub api_base: String,
    pub secret_key: ApiKey,
    #[serde(default)]
    pub api_version: Option<String>,
    #[serde(default = "default_rate_limit")]
    pub rate_limit: f64,
    #[serde(default = "default_connect_timeout_ms")]
    pub connect_timeout_ms: u64,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    #[serde(default = "default_max_retries")]
    pub max_retries: u32,
    #[serde(default = "default_retry_base_ms")]
    pub retry_base_ms: u64,
    #[serde(default = "default_retry_max_ms")]
    pub retry_max_ms: u64,
}

fn default_api_base() -> String {
    DEFAULT_API_BASE.to_owned()
}
fn default_rate_limit() -> f64 {
    25.0
}
fn default_connect_timeout_ms() -> u64 {
    5_000
}
fn default_timeout_ms() -> u64 {
    30_000
}
fn default_max_retries() -> u32 {
    3
}
fn default_retry_base_ms() -> u64 {
    500
}
fn default_retry_max_ms() -> u64 {
    5_000
}

impl StripeConfig {
    /// Settings with every default and the given API root and key.
    pub fn new(api_base: impl Into<String>, secret_key: ApiKey) -> Self {
        Self {
            api_base: api_base.into(),
            secret_key,
            api_version: None,
            rate_limit: default_rate_limit(),
            connect_timeout_ms: default_connect_timeout_ms(),
            timeout_ms: default_timeout_ms(),
            max_retries: default_max_retries(),
            retry_base_ms: default_retry_base_ms(),
            retry_max_ms: default_retry_max_ms(),
        }
    }

    /// The retry policy these settings describe.
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_retries: self.max_retries,
            base: Duration::from_millis(self.retry_base_ms),
            cap: Duration::from_millis(self.retry_max_ms),
        }
    }

    /// Rejects settings the client cannot work with.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.rate_limit.is_finite() && self.rate_limit > 0.0) {
            return Err("STRIPE_RATE_LIMIT must be a positive number".into());
        }
        if !(self.api_base.starts_with("http://") || self.api_base.starts_with("https://")) {
            return Err("STRIPE_API_BASE must be an http(s) URL".into());
        }
        if self.secret_key.expose().is_empty() {
            return Err("STRIPE_SECRET_KEY is empty".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_env(vars: &[(&str, &str)]) -> Result<StripeConfig, envy::Error> {
        envy::prefixed("STRIPE_").from_iter(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn only_the_secret_key_is_required_and_the_rest_defaults_to_stripe_itself() {
        let config = from_env(&[("STRIPE_SECRET_KEY", "sk_test_abc")]).expect("parses");
        assert_eq!(config.api_base, DEFAULT_API_BASE);
        assert_eq!(config.rate_limit, 25.0);
        assert_eq!(config.retry_policy(), RetryPolicy::default());
        assert!(config.validate().is_ok());
        assert!(!format!("{config:?}").contains("sk_test_abc"));
        assert!(from_env(&[]).is_err());
    }

    #[test]
    fn a_zero_rate_or_a_non_http_base_is_rejected() {
        let mut config = StripeConfig::new("http://127.0.0.1:8420", ApiKey::new("sk_test_1"));
        config.rate_limit = 0.0;
        assert!(config.validate().is_err());
        let config = StripeConfig::new("ftp://x", ApiKey::new("sk_test_1"));
        assert!(config.validate().is_err());
    }
}

//! Clients for the local stand-ins, with fast retries so that failing tests fail quickly.

use stripe_client::{ApiKey, IdempotencyKey, StripeClient, StripeConfig};
use uuid::Uuid;

pub const TEST_KEY: &str = "sk_test_123";

pub fn stripe_mock_url() -> String {
    std::env::var("STRIPE_MOCK_URL").unwrap_or_else(|_| "http://127.0.0.1:12111".to_owned())
}

pub fn localstripe_url() -> String {
    std::env::var("LOCALSTRIPE_URL").unwrap_or_else(|_| "http://127.0.0.1:8420".to_owned())
}

/// Settings for tests: a high rate limit and millisecond backoff.
pub fn fast_config(base: &str) -> StripeConfig {
    StripeConfig {
        rate_limit: 1_000.0,
        retry_base_ms: 5,
        retry_max_ms: 20,
        timeout_ms: 10_000,
        ..StripeConfig::new(base, ApiKey::new(TEST_KEY))
    }
}

pub fn client(base: &str) -> StripeClient {
    StripeClient::new(&fast_config(base)).expect("valid config")
}

/// A fresh key, as if derived from a new event.
pub fn key(operation: &str) -> IdempotencyKey {
    IdempotencyKey::for_event(Uuid::now_v7(), operation).expect("valid operation")
}

/// An email no other test uses.
pub fn unique_email() -> String {
    format!("test-{}@example.com", Uuid::now_v7().simple())
}

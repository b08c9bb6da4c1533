//! Test support shared by the crates' integration tests: a fresh, migrated PostgreSQL database per test
//! (cloned from a template) and Kafka helpers (unique topic prefixes, reading what landed on a topic). It runs
//! against the real services that `scripts/test` starts; it must never be a dependency of a binary.

pub mod db;
pub mod event;
pub mod kafka;
pub mod process;
pub mod systems;

/// Environment value or a default for the local services.
pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// The bootstrap admin key the tests start the api with (`API_BOOTSTRAP_ADMIN_KEY`).
pub const ADMIN_KEY: &str = "test-bootstrap-admin-key-4f1c0b7e9a2d";

/// An HTTP client that sends `Authorization: Bearer <key>` with every request.
pub fn http_as(key: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    let value = reqwest::header::HeaderValue::from_str(&format!("Bearer {key}")).expect("a key fits in a header");
    headers.insert(reqwest::header::AUTHORIZATION, value);
    reqwest::Client::builder().default_headers(headers).build().expect("an HTTP client")
}

/// An HTTP client acting as the bootstrap admin.
pub fn admin_http() -> reqwest::Client {
    http_as(ADMIN_KEY)
}

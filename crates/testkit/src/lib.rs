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

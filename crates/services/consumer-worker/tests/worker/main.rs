//! consumer-worker against the real Kafka.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod converge;
mod e2e;
mod failures;
mod offsets;
mod operability;
mod otlp;
mod poller;
mod restart;
mod secrets;
mod sigterm;

/// A fresh database, with the product's systems registered in this process (as every binary does at start).
pub async fn fresh_db() -> testkit::db::TestDb {
    registry::register().unwrap();
    testkit::db::fresh().await.unwrap()
}

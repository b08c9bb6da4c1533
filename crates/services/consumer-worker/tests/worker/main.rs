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

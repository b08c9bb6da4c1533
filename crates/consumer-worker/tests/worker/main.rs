//! consumer-worker against the real Kafka.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod offsets;
mod sigterm;

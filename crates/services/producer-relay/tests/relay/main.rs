//! producer-relay against the real PostgreSQL and Kafka.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod crash;
mod helpers;
mod sigterm;
mod two_relays;

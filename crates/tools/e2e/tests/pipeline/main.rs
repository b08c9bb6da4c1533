//! The api and the relay together, against the real PostgreSQL, Kafka and localstripe.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api_to_kafka;
mod localstripe;

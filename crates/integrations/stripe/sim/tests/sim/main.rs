//! Integration tests of stripe-sim: real servers on port 0, driven over HTTP like a Stripe client would.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod customers;
mod events;
mod helpers;
mod idempotency;
mod limits_faults;
mod listener;
mod persistence;
mod search;
mod shape;
mod webhooks;

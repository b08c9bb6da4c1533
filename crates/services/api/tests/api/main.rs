//! The api's integration tests, against the real PostgreSQL (one fresh database per test).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod customers;
mod health;
mod helpers;
mod hostile;
mod openapi;
mod pass_through;
mod salesforce;
mod sigterm;
mod stripe_webhook;
mod sync_status;

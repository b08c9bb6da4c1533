//! The api's integration tests, against the real PostgreSQL (one fresh database per test).

mod customers;
mod health;
mod helpers;

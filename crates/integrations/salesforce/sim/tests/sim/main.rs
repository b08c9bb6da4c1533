//! Integration tests of salesforce-sim: real servers on port 0, driven over HTTP(S).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod collections;
mod helpers;
mod ids;
mod limits_faults;
mod persistence;
mod push;
mod query;
mod rest;
mod soql;

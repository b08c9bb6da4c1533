//! Integration tests of salesforce-client against salesforce-sim, run in-process on port 0.

mod auth;
mod call_options;
mod collections;
mod helpers;
mod queries;
mod records;
mod resilience;

//! stripe-client's integration tests: conformance against stripe-mock (STRIPE_MOCK_URL), end to end against
//! localstripe (LOCALSTRIPE_URL), retries against a local HTTP server, and webhook signatures.
//! `scripts/test` starts stripe-mock and localstripe; see scripts/lib/{stripe_mock,localstripe}.sh.

mod conformance;
mod helpers;
mod localstripe;
mod retries;
mod signatures;

//! The Stripe side of customer sync: a client for Stripe's Customers API and the verification of Stripe's
//! signed webhooks.
//!
//! The client sends every write (POST, DELETE) with an [`IdempotencyKey`] derived from the event that caused
//! it, retries the way Stripe's official libraries do (with the same key every time), keeps under a
//! configured request rate, captures each response's `Request-Id`, and turns Stripe's error bodies into
//! [`StripeError`]. [`webhook`] checks `Stripe-Signature` headers over the raw body bytes.
//!
//! This crate must never log or print the API key or a webhook secret, never send a write without an
//! idempotency key, and never touch the database or Kafka: callers decide what a customer change means.

mod client;
mod config;
mod customer;
mod customers;
mod error;
mod events;
mod idempotency;
mod rate;
mod retry;
mod secret;
pub mod webhook;

pub use client::{Response, StripeClient};
pub use config::{DEFAULT_API_BASE, StripeConfig};
pub use customer::{
    CustomerParams, DeletedCustomer, FINGERPRINT_METADATA_KEY, LOCAL_ID_METADATA_KEY, List, ListParams, Retrieved,
    StripeCustomer,
};
pub use error::{ApiErrorBody, ErrorType, StripeError};
pub use events::EventListParams;
pub use idempotency::{IdempotencyKey, OWN_KEY_PREFIX};
pub use retry::RetryPolicy;
pub use secret::ApiKey;

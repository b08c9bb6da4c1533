//! salesforce-client: the product's client for Salesforce Contacts over the REST API.
//!
//! It authenticates with OAuth 2.0 (JWT bearer, client credentials or refresh token), caches the token for
//! every task sharing the client and renews it once when Salesforce reports the session invalid; it creates,
//! reads, updates, deletes and upserts Contacts one by one or in sObject Collections of up to 200, runs SOQL
//! with paging, reads the updated/deleted windows and describes Contact. Retryable failures are retried with
//! exponential backoff and jitter; the rest come back as typed errors. Every call carries
//! `Sforce-Call-Options: client=<name>` so that the product can recognise its own writes, and the latest
//! `Sforce-Limit-Info` usage is exposed.
//!
//! It must never log or return secrets (tokens, keys, client secrets), never build SOQL from unescaped input,
//! and never hold customer state of its own: it is a stateless client apart from the token cache.

mod auth;
mod client;
mod config;
mod contact;
pub mod datetime;
mod error;
mod limits;
mod ops;
mod retry;
mod secret;
pub mod soql;
mod transport;

pub use client::SalesforceClient;
pub use config::{AuthKind, Config};
pub use contact::{CONTACT_FIELDS, NO_NAME, SalesforceContact};
pub use error::{ApiError, AuthErrorKind, Error, ErrorCode};
pub use limits::ApiUsage;
pub use ops::collections::{MAX_RECORDS_PER_CALL, RecordError, RecordResult};
pub use ops::describe::{FieldDescribe, ObjectDescribe};
pub use ops::query::{QueryPage, Scope};
pub use ops::records::UpsertOutcome;
pub use ops::windows::{DeletedRecord, DeletedWindow, UpdatedWindow};
pub use retry::RetryPolicy;
pub use secret::{ExposeSecret, SecretString};

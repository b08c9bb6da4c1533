//! Stripe webhook deliveries: checking the `Stripe-Signature` header over the raw body and reading the event.
//!
//! Pure functions, no I/O: the receiver passes the raw bytes it got, the header, its secrets and the time.

mod event;
mod signature;

pub use event::{Event, EventData, EventRequest};
pub use signature::{DEFAULT_TOLERANCE, WebhookError, WebhookSecret, sign_header, verify, verify_signature};

//! Idempotency keys for Stripe writes. A key is derived from the event that caused the write, so every retry
//! and every redelivery of that event sends the same key and Stripe applies the write once. The keys carry a
//! recognisable prefix: Stripe copies a write's key into the `request.idempotency_key` of the events it
//! causes, which is how the webhook receiver recognises the product's own writes (echo suppression).

use std::fmt;

use uuid::Uuid;

use crate::error::StripeError;

/// Every key this product derives starts with this.
pub const OWN_KEY_PREFIX: &str = "customer-sync-";

/// Stripe's limit on key length.
const MAX_LEN: usize = 255;

/// The `Idempotency-Key` of one write.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The key of `operation` (e.g. `create`, `update`, `delete`) caused by the event `event_id`: stable
    /// across retries and redeliveries, distinct per operation, and marked as the product's own.
    pub fn for_event(event_id: Uuid, operation: &str) -> Result<Self, StripeError> {
        let valid = !operation.is_empty()
            && operation.len() <= 64
            && operation.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
        if !valid {
            return Err(StripeError::Invalid(format!(
                "idempotency operation {operation:?} must be 1-64 of [A-Za-z0-9_.]"
            )));
        }
        Ok(Self(format!("{OWN_KEY_PREFIX}{operation}-{event_id}")))
    }

    /// A key chosen by the caller (at most 255 characters, not empty).
    pub fn new(key: impl Into<String>) -> Result<Self, StripeError> {
        let key = key.into();
        if key.is_empty() || key.len() > MAX_LEN {
            return Err(StripeError::Invalid("an idempotency key must have 1 to 255 characters".into()));
        }
        Ok(Self(key))
    }

    /// True when `key` was derived by [`IdempotencyKey::for_event`], i.e. the write was the product's own.
    pub fn is_own(key: &str) -> bool {
        key.starts_with(OWN_KEY_PREFIX)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_event_and_operation_give_the_same_key() {
        let id = Uuid::now_v7();
        let a = IdempotencyKey::for_event(id, "update").expect("valid");
        let b = IdempotencyKey::for_event(id, "update").expect("valid");
        assert_eq!(a, b);
        assert_ne!(a, IdempotencyKey::for_event(id, "delete").expect("valid"));
        assert_ne!(a, IdempotencyKey::for_event(Uuid::now_v7(), "update").expect("valid"));
    }

    #[test]
    fn derived_keys_are_recognised_as_own_and_others_are_not() {
        let key = IdempotencyKey::for_event(Uuid::now_v7(), "create").expect("valid");
        assert!(IdempotencyKey::is_own(key.as_str()));
        assert!(!IdempotencyKey::is_own("dashboard-7f3a"));
    }

    #[test]
    fn operations_with_separators_or_too_long_keys_are_rejected() {
        assert!(IdempotencyKey::for_event(Uuid::nil(), "up-date").is_err());
        assert!(IdempotencyKey::for_event(Uuid::nil(), "").is_err());
        assert!(IdempotencyKey::new("x".repeat(256)).is_err());
        assert!(IdempotencyKey::new("x".repeat(255)).is_ok());
    }
}

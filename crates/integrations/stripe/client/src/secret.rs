//! The API key: a `secrecy::SecretString` that is checked to be a Stripe key. It never reaches a log, an error
//! or `Debug` output.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::fmt;

/// A Stripe secret or restricted key (`sk_…`, `rk_…`). `Debug` prints `ApiKey([redacted])`.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct ApiKey(SecretString);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        Self(SecretString::from(Into::<String>::into(key)))
    }

    /// The key itself, for the `Authorization` header only.
    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether the key is a test-mode key (`sk_test_…`, `rk_test_…`).
    pub fn is_test_mode(&self) -> bool {
        let key = self.expose();
        key.starts_with("sk_test_") || key.starts_with("rk_test_")
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_never_shows_in_debug_output() {
        let key = ApiKey::new("sk_test_supersecret");
        assert_eq!(format!("{key:?}"), "ApiKey([redacted])");
        assert!(key.is_test_mode());
    }
}

//! Error policy: every failure of a call is one [`StripeError`]. Stripe's own error bodies
//! (`{"error":{"type","code","message","param"}}`) become [`StripeError::Api`] with the HTTP status and the
//! `Request-Id`, so callers can branch on status or code (404 `resource_missing`, 400 `idempotency_error`)
//! and support can trace the call. Messages never contain the API key: the key is only ever put into a header.

use serde::Deserialize;

/// Stripe's `error.type`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorType {
    ApiError,
    CardError,
    IdempotencyError,
    InvalidRequestError,
    /// A type this crate does not know yet.
    #[serde(other)]
    Other,
}

/// The `error` object of a Stripe error response.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiErrorBody {
    #[serde(rename = "type")]
    pub kind: ErrorType,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub param: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorEnvelope {
    pub error: ApiErrorBody,
}

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// Stripe answered with an error status and an error body.
    #[error("stripe answered {status} ({:?}, code {:?}, param {:?}): {}", .error.kind, .error.code,
        .error.param, .error.message.as_deref().unwrap_or("no message"))]
    Api { status: u16, error: ApiErrorBody, request_id: Option<String> },
    /// Stripe answered with a status or body this client cannot read.
    #[error("stripe answered {status} with an unreadable body: {reason}")]
    Decode { status: u16, reason: String, request_id: Option<String> },
    /// The request did not complete (connection refused or reset, timeout), after every retry.
    #[error("request to stripe failed")]
    Transport(#[source] reqwest::Error),
    /// The client was configured or called wrongly; nothing was sent.
    #[error("invalid stripe client usage: {0}")]
    Invalid(String),
}

impl StripeError {
    /// The HTTP status Stripe answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            StripeError::Api { status, .. } | StripeError::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Stripe's `error.code` (`resource_missing`, `idempotency_key_in_use`, …).
    pub fn code(&self) -> Option<&str> {
        match self {
            StripeError::Api { error, .. } => error.code.as_deref(),
            _ => None,
        }
    }

    /// The `Request-Id` of the failed response, for support and for matching webhook events.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            StripeError::Api { request_id, .. } | StripeError::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// True when the object does not exist (404 `resource_missing`).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// True when retrying later might succeed: rate limits, conflicts, server errors and transport
    /// failures. Everything else (validation, auth, not found) fails the same way again.
    pub fn is_transient(&self) -> bool {
        match self {
            StripeError::Transport(_) => true,
            StripeError::Api { status, .. } | StripeError::Decode { status, .. } => {
                matches!(status, 409 | 429) || *status >= 500
            }
            StripeError::Invalid(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_body_parses_into_typed_fields() {
        let body = r#"{"error":{"type":"invalid_request_error","code":"resource_missing",
            "message":"No such customer: 'cus_x'","param":"id"}}"#;
        let env: ErrorEnvelope = serde_json::from_str(body).expect("parses");
        assert_eq!(env.error.kind, ErrorType::InvalidRequestError);
        assert_eq!(env.error.code.as_deref(), Some("resource_missing"));
        assert_eq!(env.error.param.as_deref(), Some("id"));
    }

    #[test]
    fn an_unknown_error_type_is_kept_as_other() {
        let env: ErrorEnvelope = serde_json::from_str(r#"{"error":{"type":"brand_new_error"}}"#).expect("parses");
        assert_eq!(env.error.kind, ErrorType::Other);
    }
}

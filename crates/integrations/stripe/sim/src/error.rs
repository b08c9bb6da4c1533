//! Stripe's error answers: `{"error":{"type","code","param","message"}}` with the HTTP status Stripe uses
//! (<https://docs.stripe.com/api/errors>). Absent `code` and `param` are left out, as Stripe does.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub kind: &'static str,
    pub code: Option<&'static str>,
    pub param: Option<String>,
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.kind, self.message)
    }
}

impl ApiError {
    fn new(status: u16, kind: &'static str, code: Option<&'static str>, message: impl Into<String>) -> Self {
        Self { status, kind, code, param: None, message: message.into() }
    }

    pub fn with_param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    pub fn invalid(code: &'static str, param: &str, message: impl Into<String>) -> Self {
        Self::new(400, "invalid_request_error", Some(code), message).with_param(param)
    }

    pub fn unknown_parameter(param: &str) -> Self {
        Self::invalid("parameter_unknown", param, format!("Received unknown parameter: {param}"))
    }

    pub fn no_such(object: &str, id: &str, param: &str) -> Self {
        Self::new(404, "invalid_request_error", Some("resource_missing"), format!("No such {object}: '{id}'"))
            .with_param(param)
    }

    pub fn missing_key() -> Self {
        Self::new(
            401,
            "invalid_request_error",
            None,
            "You did not provide an API key. You need to provide your API key in the Authorization header, \
             using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        )
    }

    pub fn invalid_key(key: &str) -> Self {
        let tail: String = key.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
        Self::new(401, "invalid_request_error", None, format!("Invalid API Key provided: sk_test_****{tail}"))
    }

    pub fn unrecognized_url(method: &str, path: &str) -> Self {
        Self::new(404, "invalid_request_error", None, format!("Unrecognized request URL ({method}: {path})."))
    }

    pub fn injected_failure() -> Self {
        Self::new(500, "api_error", None, "An unknown error occurred (injected by stripe-sim).")
    }

    /// Stripe answers rate limiting with 429, type `invalid_request_error`, code `rate_limit`
    /// (<https://docs.stripe.com/rate-limits>, <https://docs.stripe.com/error-codes#rate-limit>).
    pub fn rate_limited() -> Self {
        Self::new(
            429,
            "invalid_request_error",
            Some("rate_limit"),
            "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
        )
    }

    pub fn idempotency_mismatch(key: &str) -> Self {
        Self::new(
            400,
            "idempotency_error",
            None,
            format!(
                "Keys for idempotent requests can only be used with the same parameters they were first used \
                 with. Try using a key other than '{key}' if you meant to execute a different request."
            ),
        )
    }

    pub fn idempotency_in_use(key: &str) -> Self {
        Self::new(
            409,
            "invalid_request_error",
            Some("idempotency_key_in_use"),
            format!(
                "There is currently another in-progress request using this Stripe-Idempotency-Key '{key}'. \
                 Please try again later."
            ),
        )
    }

    pub fn body(&self) -> Value {
        let mut error = Map::new();
        if let Some(code) = self.code {
            error.insert("code".into(), json!(code));
            error.insert(
                "doc_url".into(),
                json!(format!("https://stripe.com/docs/error-codes/{}", code.replace('_', "-"))),
            );
        }
        error.insert("message".into(), json!(self.message));
        if let Some(param) = &self.param {
            error.insert("param".into(), json!(param));
        }
        error.insert("type".into(), json!(self.kind));
        json!({ "error": error })
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if self.code == Some("rate_limit") {
            // Stripe names why it limited (`Stripe-Rate-Limited-Reason`, <https://docs.stripe.com/rate-limits>)
            // and tells clients to retry: Stripe's libraries retry a 429 only when `Stripe-Should-Retry: true`
            // says so (stripe-python's `_should_retry`, stripe-node's `_shouldRetry`).
            response.insert_header(("stripe-rate-limited-reason", "global-rate"));
            response.insert_header(("stripe-should-retry", "true"));
        }
        response.json(self.body())
    }
}

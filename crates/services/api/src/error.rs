//! Error policy: every failure a client can cause becomes a typed JSON error
//! `{"error":{"code","message","field"}}` with the right status, and changes nothing. Server-side failures
//! are logged with their cause chain and answered with an opaque 500 (or 503 when a dependency is down), so
//! that no internal detail or secret reaches a client.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;
use store::CatalogError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{message}")]
    InvalidHeader { header: &'static str, message: String },
    #[error("{message}")]
    Validation { field: String, message: String },
    #[error("a customer with this email already exists")]
    EmailTaken,
    #[error("no customer with this id")]
    NotFound,
    #[error("the customer is at version {current}; fetch it again and retry")]
    VersionMismatch { current: i64 },
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the request body must be application/json")]
    UnsupportedMediaType,
    /// An external system refused or failed a request; its own code is kept (`DUPLICATE_VALUE`,
    /// `resource_missing`).
    #[error("{system}: {message}")]
    External { system: &'static str, status: u16, code: String, message: String, field: Option<String> },
    /// No credential, or one that is not valid (401).
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// A valid credential whose role may not do this (403).
    #[error("the {role} role may not do this; it needs {needed}")]
    Forbidden { role: store::access::Role, needed: store::access::Role },
    /// A valid token that grants no known role (403).
    #[error("the credential grants no role of this service")]
    NoRole,
    /// The caller is over its rate limit (429, with `Retry-After`).
    #[error("too many requests; retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("the service is temporarily unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation { field: field.into(), message: message.into() }
    }

    fn code(&self) -> &str {
        match self {
            Self::External { code, .. } => code,
            Self::BadRequest(_) => "malformed_request",
            Self::InvalidHeader { .. } => "invalid_header",
            Self::Validation { .. } => "validation_failed",
            Self::EmailTaken => "email_taken",
            Self::NotFound => "not_found",
            Self::VersionMismatch { .. } => "version_mismatch",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Unauthenticated(_) => "unauthenticated",
            Self::Forbidden { .. } | Self::NoRole => "forbidden",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            Self::Validation { field, .. } => Some(field),
            Self::InvalidHeader { header, .. } => Some(header),
            Self::EmailTaken => Some("email"),
            Self::External { field, .. } => field.as_deref(),
            _ => None,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) | Self::InvalidHeader { .. } => StatusCode::BAD_REQUEST,
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::EmailTaken => StatusCode::CONFLICT,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::VersionMismatch { .. } => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } | Self::NoRole => StatusCode::FORBIDDEN,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::External { status, .. } => StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(e) | Self::Unavailable(e) = self {
            tracing::error!(error = %telemetry::scrub(&format!("{e:#}")), "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        match self {
            Self::Unauthenticated(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::RateLimited { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.max(&1).to_string()));
            }
            _ => {}
        }
        response.json(json!({
            "error": { "code": self.code(), "message": self.to_string(), "field": self.field() }
        }))
    }
}

impl From<CatalogError> for ApiError {
    fn from(e: CatalogError) -> Self {
        match e {
            CatalogError::EmailTaken => Self::EmailTaken,
            CatalogError::NotFound => Self::NotFound,
            CatalogError::VersionMismatch { current, .. } => Self::VersionMismatch { current },
            CatalogError::Database(e) => Self::Internal(e.into()),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Internal(e.into())
    }
}

impl From<salesforce_client::Error> for ApiError {
    /// Salesforce's error code is kept; the status says what it means for the caller.
    fn from(e: salesforce_client::Error) -> Self {
        use salesforce_client::ErrorCode as C;
        let Some(code) = e.code().cloned() else {
            return match e {
                salesforce_client::Error::InvalidInput(m) => Self::BadRequest(m),
                e if e.is_retryable() => Self::Unavailable(anyhow::anyhow!("Salesforce: {e}")),
                e => Self::External {
                    system: "salesforce",
                    status: 502,
                    code: "salesforce_error".into(),
                    message: e.to_string(),
                    field: None,
                },
            };
        };
        let status = match &code {
            C::NotFound | C::EntityIsDeleted | C::MalformedId => 404,
            C::DuplicateValue | C::DuplicatesDetected => 409,
            C::RequiredFieldMissing
            | C::InvalidEmailAddress
            | C::StringTooLong
            | C::InvalidField
            | C::InvalidFieldForInsertUpdate
            | C::FieldIntegrityException => 422,
            c if c.is_retryable() => 503,
            _ => 502,
        };
        let (message, field) = match &e {
            salesforce_client::Error::Api(api) => (api.message.clone(), api.fields.first().cloned()),
            other => (other.to_string(), None),
        };
        Self::External { system: "salesforce", status, code: code.as_str().to_owned(), message, field }
    }
}

impl From<stripe_client::StripeError> for ApiError {
    /// Stripe's error code is kept; the status says what it means for the caller.
    fn from(e: stripe_client::StripeError) -> Self {
        if e.is_transient() {
            return Self::Unavailable(anyhow::anyhow!("Stripe: {e}"));
        }
        let status = match e.status() {
            Some(404) => 404,
            Some(400 | 402) => 422,
            _ => 502,
        };
        // Stripe's code for a missing object; stand-ins answer some 404s without one.
        let fallback = if status == 404 { "resource_missing" } else { "stripe_error" };
        let (code, message, field) = match &e {
            stripe_client::StripeError::Api { error, .. } => (
                error.code.clone().unwrap_or_else(|| fallback.into()),
                error.message.clone().unwrap_or_default(),
                error.param.clone(),
            ),
            other => (fallback.into(), other.to_string(), None),
        };
        Self::External { system: "stripe", status, code, message, field }
    }
}

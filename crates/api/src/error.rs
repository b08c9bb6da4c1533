//! Error policy: every failure a client can cause becomes a typed JSON error
//! `{"error":{"code","message","field"}}` with the right status, and changes nothing. Server-side failures
//! are logged with their cause chain and answered with an opaque 500 (or 503 when a dependency is down), so
//! that no internal detail or secret reaches a client.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use model::CatalogError;
use serde_json::json;

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
    #[error("the service is temporarily unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation { field: field.into(), message: message.into() }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "malformed_request",
            Self::InvalidHeader { .. } => "invalid_header",
            Self::Validation { .. } => "validation_failed",
            Self::EmailTaken => "email_taken",
            Self::NotFound => "not_found",
            Self::VersionMismatch { .. } => "version_mismatch",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            Self::Validation { field, .. } => Some(field),
            Self::InvalidHeader { header, .. } => Some(header),
            Self::EmailTaken => Some("email"),
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
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(e) | Self::Unavailable(e) = self {
            tracing::error!(error = ?e, "request failed");
        }
        HttpResponse::build(self.status_code()).json(json!({
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

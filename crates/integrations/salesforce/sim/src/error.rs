//! Salesforce's error shapes. REST errors answer `[{"message","errorCode","fields"}]` with the status code
//! Salesforce uses for that code; per-record errors inside collections use `statusCode` instead
//! ([`RecordError`]). The token endpoint's OAuth errors live in `auth`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// A record-level failure: what a single-record call turns into an [`ApiError`] and a collection call
/// reports per record.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[error("{status_code}: {message}")]
pub struct RecordError {
    #[serde(rename = "statusCode")]
    pub status_code: String,
    pub message: String,
    pub fields: Vec<String>,
}

impl RecordError {
    pub fn new(code: &str, message: impl Into<String>, fields: &[&str]) -> Self {
        Self {
            status_code: code.into(),
            message: message.into(),
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        }
    }

    pub fn not_found() -> Self {
        Self::new("NOT_FOUND", "The requested resource does not exist", &[])
    }

    pub fn deleted() -> Self {
        Self::new("ENTITY_IS_DELETED", "entity is deleted", &[])
    }

    pub fn malformed_id(id: &str) -> Self {
        Self::new("MALFORMED_ID", format!("Contact ID: id value of incorrect type: {id}"), &["Id"])
    }
}

/// An error answered to a REST call.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub fields: Vec<String>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    message: &'a str,
    #[serde(rename = "errorCode")]
    error_code: &'a str,
    fields: &'a [String],
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self { status, code: code.into(), message: message.into(), fields: Vec::new() }
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found() -> Self {
        RecordError::not_found().into()
    }

    pub fn invalid_session() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "INVALID_SESSION_ID", "Session expired or invalid")
    }

    pub fn limit_exceeded() -> Self {
        Self::new(StatusCode::FORBIDDEN, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    }

    pub fn server_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVER_UNAVAILABLE",
            "Server temporarily unavailable, please try again later.",
        )
    }

    pub fn json_parse(detail: impl std::fmt::Display) -> Self {
        Self::bad_request("JSON_PARSER_ERROR", format!("Unexpected character: {detail}"))
    }
}

/// The status Salesforce answers for a record error raised by a single-record call.
fn status_of(code: &str) -> StatusCode {
    match code {
        "NOT_FOUND" | "ENTITY_IS_DELETED" => StatusCode::NOT_FOUND,
        "SERVER_UNAVAILABLE" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

impl From<RecordError> for ApiError {
    fn from(e: RecordError) -> Self {
        Self { status: status_of(&e.status_code), code: e.status_code, message: e.message, fields: e.fields }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json([ErrorBody {
            message: &self.message,
            error_code: &self.code,
            fields: &self.fields,
        }])
    }
}

//! Errors returned by the client.
//!
//! Policy: every failure is a variant of [`Error`]; Salesforce's `errorCode` / `statusCode` strings become an
//! [`ErrorCode`], so callers match on codes rather than on text. [`Error::is_retryable`] is the one place that
//! decides what is worth trying again (the client's own retry loop uses it, and so can callers that retry
//! whole jobs). Errors never carry secrets: no tokens, keys or client secrets, and transport errors drop the
//! request URL (it can hold SOQL with customer data).

use serde::Deserialize;
use std::fmt;

/// Anything the client can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The token endpoint refused to issue a token (bad key, secret, user or refresh token).
    #[error("Salesforce refused authentication: {kind}: {description}")]
    Auth { kind: AuthErrorKind, description: String },
    /// The REST API answered with an error status and body.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// An upsert by external id matched several records (HTTP 300); holds their ids.
    #[error("several Contacts carry that external id: {0:?}")]
    MultipleMatches(Vec<String>),
    /// No answer: connection refused, reset or timed out.
    #[error("request to Salesforce failed: {0}")]
    Transport(#[source] reqwest::Error),
    /// An answer that does not have Salesforce's documented shape.
    #[error("unexpected response from Salesforce: {0}")]
    Protocol(String),
    /// The caller's input cannot be sent (not an id, an upsert without a key).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A chunked collection call failed part-way: `done` holds the results of the chunks that went through
    /// (in input order, from the first record), the rest were not sent.
    #[error("collection call failed after {} records: {source}", done.len())]
    PartialBatch { done: Vec<crate::RecordResult>, source: Box<Error> },
    /// The configuration cannot work (missing credentials, unreadable key or CA file).
    #[error("invalid Salesforce client configuration: {0}")]
    Config(String),
}

impl Error {
    /// Whether trying the same call again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(api) => api.is_retryable(),
            Error::Transport(e) => e.is_timeout() || e.is_connect() || e.is_request(),
            Error::PartialBatch { source, .. } => source.is_retryable(),
            _ => false,
        }
    }

    /// The Salesforce error code, for REST API errors.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Error::Api(api) => Some(&api.code),
            Error::PartialBatch { source, .. } => source.code(),
            _ => None,
        }
    }

    pub(crate) fn transport(e: reqwest::Error) -> Self {
        Error::Transport(e.without_url())
    }
}

/// One REST API error: the HTTP status and the first entry of Salesforce's error array.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Salesforce API error {status} {code}: {message}")]
pub struct ApiError {
    pub status: u16,
    pub code: ErrorCode,
    pub message: String,
    pub fields: Vec<String>,
}

impl ApiError {
    /// Retryable: the documented transient codes and any 5xx.
    pub fn is_retryable(&self) -> bool {
        self.code.is_retryable() || self.status >= 500
    }

    /// Builds the error from a status and body (`[{"message","errorCode","fields"}]`). A body without that
    /// shape (a proxy's HTML page, an empty body) still gives an error, with a code naming the status.
    pub fn from_response(status: u16, body: &str) -> Self {
        #[derive(Deserialize)]
        struct Entry {
            message: Option<String>,
            #[serde(rename = "errorCode")]
            error_code: String,
            #[serde(default)]
            fields: Vec<String>,
        }
        match serde_json::from_str::<Vec<Entry>>(body).ok().and_then(|v| v.into_iter().next()) {
            Some(e) => ApiError {
                status,
                code: ErrorCode::from(e.error_code.as_str()),
                message: e.message.unwrap_or_default(),
                fields: e.fields,
            },
            None => ApiError {
                status,
                code: ErrorCode::Other(format!("HTTP_{status}")),
                message: body.chars().take(200).collect(),
                fields: Vec::new(),
            },
        }
    }
}

/// The `error` of a failed token request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthErrorKind {
    InvalidGrant,
    InvalidClientId,
    InvalidClient,
    InactiveUser,
    UnsupportedGrantType,
    InvalidRequest,
    Other(String),
}

impl From<&str> for AuthErrorKind {
    fn from(s: &str) -> Self {
        match s {
            "invalid_grant" => Self::InvalidGrant,
            "invalid_client_id" => Self::InvalidClientId,
            "invalid_client" | "invalid_client_credentials" => Self::InvalidClient,
            "inactive_user" => Self::InactiveUser,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "invalid_request" => Self::InvalidRequest,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for AuthErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidGrant => "invalid_grant",
            Self::InvalidClientId => "invalid_client_id",
            Self::InvalidClient => "invalid_client",
            Self::InactiveUser => "inactive_user",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidRequest => "invalid_request",
            Self::Other(s) => s,
        })
    }
}

macro_rules! error_codes {
    ($($variant:ident => $text:literal),* $(,)?) => {
        /// Salesforce's `errorCode` (REST errors) and `statusCode` (per-record results).
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($variant,)*
            /// A code this client has no variant for, kept verbatim.
            Other(String),
        }

        impl From<&str> for ErrorCode {
            fn from(s: &str) -> Self {
                match s {
                    $($text => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl ErrorCode {
            /// The code as Salesforce spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Other(s) => s,
                }
            }
        }
    };
}

error_codes! {
    InvalidSessionId => "INVALID_SESSION_ID",
    RequestLimitExceeded => "REQUEST_LIMIT_EXCEEDED",
    UnableToLockRow => "UNABLE_TO_LOCK_ROW",
    ServerUnavailable => "SERVER_UNAVAILABLE",
    NotFound => "NOT_FOUND",
    EntityIsDeleted => "ENTITY_IS_DELETED",
    MalformedId => "MALFORMED_ID",
    MalformedQuery => "MALFORMED_QUERY",
    RequiredFieldMissing => "REQUIRED_FIELD_MISSING",
    InvalidField => "INVALID_FIELD",
    InvalidFieldForInsertUpdate => "INVALID_FIELD_FOR_INSERT_UPDATE",
    InvalidType => "INVALID_TYPE",
    InvalidEmailAddress => "INVALID_EMAIL_ADDRESS",
    StringTooLong => "STRING_TOO_LONG",
    DuplicateValue => "DUPLICATE_VALUE",
    DuplicatesDetected => "DUPLICATES_DETECTED",
    JsonParserError => "JSON_PARSER_ERROR",
    InvalidQueryLocator => "INVALID_QUERY_LOCATOR",
    AllOrNoneOperationRolledBack => "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    InvalidCrossReferenceKey => "INVALID_CROSS_REFERENCE_KEY",
    FieldIntegrityException => "FIELD_INTEGRITY_EXCEPTION",
    MethodNotAllowed => "METHOD_NOT_ALLOWED",
    ApiDisabledForOrg => "API_DISABLED_FOR_ORG",
}

impl ErrorCode {
    /// Transient by Salesforce's documentation: limits, row locks, maintenance.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RequestLimitExceeded | Self::UnableToLockRow | Self::ServerUnavailable)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(ErrorCode::from(s.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_body_maps_to_its_code_message_and_fields() {
        let body = r#"[{"message":"Required fields are missing: [LastName]","errorCode":"REQUIRED_FIELD_MISSING","fields":["LastName"]}]"#;
        let e = ApiError::from_response(400, body);
        assert_eq!(e.code, ErrorCode::RequiredFieldMissing);
        assert_eq!(e.fields, vec!["LastName".to_owned()]);
        assert_eq!(e.message, "Required fields are missing: [LastName]");
        assert!(!e.is_retryable());
    }

    #[test]
    fn transient_codes_and_server_errors_are_retryable() {
        for (status, code) in [
            (403, "REQUEST_LIMIT_EXCEEDED"),
            (400, "UNABLE_TO_LOCK_ROW"),
            (503, "SERVER_UNAVAILABLE"),
            (500, "UNKNOWN_EXCEPTION"),
        ] {
            let body = format!(r#"[{{"message":"m","errorCode":"{code}"}}]"#);
            assert!(ApiError::from_response(status, &body).is_retryable(), "{code}");
        }
        for code in ["NOT_FOUND", "INVALID_SESSION_ID", "MALFORMED_ID", "DUPLICATE_VALUE"] {
            let body = format!(r#"[{{"message":"m","errorCode":"{code}"}}]"#);
            assert!(!ApiError::from_response(400, &body).is_retryable(), "{code}");
        }
    }

    #[test]
    fn an_unknown_code_is_kept_verbatim() {
        let code = ErrorCode::from("CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY");
        assert_eq!(code, ErrorCode::Other("CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY".into()));
        assert_eq!(code.as_str(), "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY");
        assert_eq!(ErrorCode::from("NOT_FOUND").as_str(), "NOT_FOUND");
    }

    #[test]
    fn a_body_without_the_error_shape_still_gives_a_status_error() {
        let e = ApiError::from_response(502, "<html>Bad gateway</html>");
        assert_eq!(e.code, ErrorCode::Other("HTTP_502".into()));
        assert!(e.is_retryable());
        let e = ApiError::from_response(400, "");
        assert!(!e.is_retryable());
    }

    #[test]
    fn oauth_error_names_map_to_kinds() {
        assert_eq!(AuthErrorKind::from("invalid_grant"), AuthErrorKind::InvalidGrant);
        assert_eq!(AuthErrorKind::from("invalid_client_id"), AuthErrorKind::InvalidClientId);
        assert_eq!(AuthErrorKind::from("inactive_user"), AuthErrorKind::InactiveUser);
        assert_eq!(AuthErrorKind::from("weird").to_string(), "weird");
    }
}

//! OAuth: the token endpoint's three grants and the sessions (access tokens) it issues, which expire.

mod der;
mod jwt;
mod token;

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use base64::Engine;
use rand::RngCore;

pub use jwt::JwtVerifier;
pub use token::token_endpoint;

/// An OAuth error answered by the token endpoint: `{"error","error_description"}`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{error}: {description}")]
pub struct OAuthError {
    pub error: &'static str,
    pub description: &'static str,
}

impl OAuthError {
    pub const fn new(error: &'static str, description: &'static str) -> Self {
        Self { error, description }
    }
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::BadRequest().json(serde_json::json!({
            "error": self.error,
            "error_description": self.description,
        }))
    }
}

struct Session {
    user_id: String,
    expires: Instant,
}

/// Issued access tokens. Unknown and expired tokens are refused with INVALID_SESSION_ID.
#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// A new access token for `user_id`, valid for `ttl`. Shaped like Salesforce's: `<org id>!<opaque>`.
    pub fn issue(&self, org_id: &str, user_id: &str, ttl: Duration) -> String {
        let mut bytes = [0u8; 64];
        rand::rng().fill_bytes(&mut bytes);
        let token = format!("{}!{}", &org_id[..15], base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
        let session = Session { user_id: user_id.to_owned(), expires: Instant::now() + ttl };
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        map.retain(|_, s| s.expires > Instant::now());
        map.insert(token.clone(), session);
        token
    }

    /// The user of a valid token.
    pub fn check(&self, token: &str) -> Option<String> {
        let map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(token).filter(|s| s.expires > Instant::now()).map(|s| s.user_id.clone())
    }

    /// Expires every issued token now (tests: "token expiry in the middle of work").
    pub fn expire_all(&self) {
        self.map.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

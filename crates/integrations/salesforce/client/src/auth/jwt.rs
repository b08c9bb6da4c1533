//! The JWT bearer assertion: RS256, iss = consumer key, sub = username, aud = login URL, exp within 3 minutes.

use crate::Error;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

/// Salesforce accepts assertions that expire at most 3 minutes ahead; stay well inside that.
const LIFETIME_SECS: i64 = 150;

#[derive(Debug, Serialize, serde::Deserialize, PartialEq)]
pub(crate) struct Claims {
    pub(crate) iss: String,
    pub(crate) sub: String,
    pub(crate) aud: String,
    pub(crate) exp: i64,
}

impl Claims {
    pub(crate) fn new(client_id: &str, username: &str, audience: &str, now_secs: i64) -> Self {
        Claims {
            iss: client_id.to_owned(),
            sub: username.to_owned(),
            aud: audience.to_owned(),
            exp: now_secs + LIFETIME_SECS,
        }
    }
}

/// Signs the claims with the private key.
pub(crate) fn assertion(claims: &Claims, key: &EncodingKey) -> Result<String, Error> {
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), claims, key)
        .map_err(|e| Error::Config(format!("cannot sign the JWT assertion: {}", e.kind_name())))
}

trait KindName {
    fn kind_name(&self) -> &'static str;
}

impl KindName for jsonwebtoken::errors::Error {
    fn kind_name(&self) -> &'static str {
        use jsonwebtoken::errors::ErrorKind;
        match self.kind() {
            ErrorKind::InvalidRsaKey(_) | ErrorKind::InvalidKeyFormat => "invalid RSA key",
            ErrorKind::InvalidAlgorithm => "invalid algorithm",
            _ => "signing failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_expire_within_three_minutes() {
        let claims = Claims::new("3MVG9", "integration@acme.com", "https://login.salesforce.com", 1_000);
        assert_eq!(claims.iss, "3MVG9");
        assert_eq!(claims.sub, "integration@acme.com");
        assert_eq!(claims.aud, "https://login.salesforce.com");
        assert!(claims.exp > 1_000 && claims.exp <= 1_000 + 180);
    }
}

//! Verification of JWT bearer assertions (RS256) against the connected app's certificate.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::OAuthError;

/// How far in the future `exp` may be (Salesforce: three minutes), plus clock skew.
const MAX_EXP_AHEAD_SECS: u64 = 3 * 60 + 10;

#[derive(Debug, Deserialize)]
pub struct Claims {
    pub iss: Option<String>,
    pub sub: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    /// Seconds since the epoch; a numeric string is accepted too (simple-salesforce sends one, and
    /// Salesforce takes it).
    #[serde(default, deserialize_with = "number_or_string")]
    pub exp: Option<u64>,
}

fn number_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Exp {
        Number(u64),
        Text(String),
    }
    Ok(match Option::<Exp>::deserialize(d)? {
        Some(Exp::Number(n)) => Some(n),
        Some(Exp::Text(s)) => s.trim().parse().ok(),
        None => None,
    })
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Aud {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Aud::deserialize(d)? {
        Aud::One(s) => vec![s],
        Aud::Many(v) => v,
    })
}

pub struct JwtVerifier {
    key: DecodingKey,
}

impl JwtVerifier {
    /// From an X.509 certificate PEM, or an RSA public key PEM.
    pub fn from_pem(pem: &str) -> anyhow::Result<Self> {
        let key = if pem.contains("BEGIN CERTIFICATE") {
            let der = rustls_pemfile::certs(&mut pem.as_bytes())
                .next()
                .context("no certificate in the JWT certificate PEM")??;
            let spki = super::der::subject_public_key_info(&der).context("certificate has no public key info")?;
            let b64 = base64::engine::general_purpose::STANDARD.encode(spki);
            DecodingKey::from_rsa_pem(
                format!("-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----\n").as_bytes(),
            )?
        } else {
            DecodingKey::from_rsa_pem(pem.as_bytes())?
        };
        Ok(Self { key })
    }

    /// Checks the signature and returns the claims; the caller checks them against the org.
    pub fn verify(&self, assertion: &str) -> Result<Claims, OAuthError> {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<Claims>(assertion, &self.key, &validation)
            .map(|data| data.claims)
            .map_err(|_| OAuthError::new("invalid_grant", "invalid assertion"))
    }
}

/// Checks `exp`: present, not past, and at most about three minutes ahead.
pub fn check_exp(exp: Option<u64>) -> Result<(), OAuthError> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    match exp {
        None => Err(OAuthError::new("invalid_grant", "invalid assertion")),
        Some(exp) if exp <= now => Err(OAuthError::new("invalid_grant", "expired authorization code")),
        Some(exp) if exp > now + MAX_EXP_AHEAD_SECS => Err(OAuthError::new("invalid_grant", "invalid assertion")),
        Some(_) => Ok(()),
    }
}

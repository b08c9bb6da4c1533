//! `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]` where each v1 is the hex HMAC-SHA256, keyed with
//! the whole endpoint secret (`whsec_…` included), of `"{t}." + raw body`. A delivery is accepted when any v1
//! matches any configured secret (several during a rotation) and `t` is within the tolerance of now (either
//! way, so a forged far-future timestamp cannot extend a replay window). Other schemes (v0) are ignored.
//! Comparisons are constant-time. Salesforce callouts (`Salesforce-Signature`) are signed the same way, and the
//! api checks them with [`verify_signature`] too; so no message names the header.

use std::fmt;
use std::time::Duration;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::event::Event;

/// Stripe's libraries' default: deliveries older than five minutes are rejected.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// A webhook endpoint's signing secret, held as a `secrecy::SecretString`. `Debug` prints
/// `WebhookSecret([redacted])`.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct WebhookSecret(SecretString);

impl WebhookSecret {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(SecretString::from(Into::<String>::into(secret)))
    }

    /// An empty secret would let anyone sign; configurations refuse it.
    pub fn is_empty(&self) -> bool {
        self.0.expose_secret().trim().is_empty()
    }

    fn mac(&self, timestamp: i64, payload: &[u8]) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.0.expose_secret().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(payload);
        mac
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

/// Why a delivery was refused. None of the messages contain a secret or a signature.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebhookError {
    #[error("the signature header is missing")]
    MissingHeader,
    #[error("the signature header is malformed: {0}")]
    MalformedHeader(&'static str),
    #[error("no v1 signature matches the body")]
    NoMatchingSignature,
    #[error("the signature timestamp is {age_secs} s away from now, beyond the tolerance")]
    OutsideTolerance { age_secs: i64 },
    #[error("no webhook secret is configured")]
    NoSecrets,
    #[error("the body is not a Stripe event: {0}")]
    MalformedEvent(String),
}

struct Header {
    timestamp: i64,
    v1: Vec<Vec<u8>>,
}

fn parse_header(header: &str) -> Result<Header, WebhookError> {
    let mut timestamp = None;
    let mut v1 = Vec::new();
    for item in header.split(',') {
        let Some((k, v)) = item.trim().split_once('=') else {
            return Err(WebhookError::MalformedHeader("an item is not key=value"));
        };
        match k {
            "t" => {
                let t = v.parse().map_err(|_| WebhookError::MalformedHeader("t is not a number"))?;
                timestamp = Some(t);
            }
            // A v1 that is not hex can never match; skip it rather than fail the others.
            "v1" => v1.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(WebhookError::MalformedHeader("no timestamp"))?;
    if v1.is_empty() {
        return Err(WebhookError::MalformedHeader("no v1 signature"));
    }
    Ok(Header { timestamp, v1 })
}

/// Checks the signature and the timestamp only. `now` is Unix seconds.
pub fn verify_signature(
    payload: &[u8],
    header: Option<&str>,
    secrets: &[WebhookSecret],
    tolerance: Duration,
    now: i64,
) -> Result<(), WebhookError> {
    if secrets.is_empty() {
        return Err(WebhookError::NoSecrets);
    }
    let header = parse_header(header.ok_or(WebhookError::MissingHeader)?)?;
    // An empty key is public knowledge: a signature made with it proves nothing.
    let matches = secrets.iter().filter(|s| !s.is_empty()).any(|secret| {
        let expected = secret.mac(header.timestamp, payload).finalize().into_bytes();
        header.v1.iter().any(|sig| bool::from(expected.as_slice().ct_eq(sig)))
    });
    if !matches {
        return Err(WebhookError::NoMatchingSignature);
    }
    let age_secs = now.saturating_sub(header.timestamp);
    if age_secs.unsigned_abs() > tolerance.as_secs() {
        return Err(WebhookError::OutsideTolerance { age_secs });
    }
    Ok(())
}

/// Checks the signature and the timestamp, then reads the event from the same bytes.
pub fn verify(
    payload: &[u8],
    header: Option<&str>,
    secrets: &[WebhookSecret],
    tolerance: Duration,
    now: i64,
) -> Result<Event, WebhookError> {
    verify_signature(payload, header, secrets, tolerance, now)?;
    serde_json::from_slice(payload).map_err(|e| WebhookError::MalformedEvent(e.to_string()))
}

/// A `Stripe-Signature` header for `payload` signed at `timestamp`, as Stripe would send it (for tests and
/// local tools).
pub fn sign_header(secret: &WebhookSecret, timestamp: i64, payload: &[u8]) -> String {
    let sig = secret.mac(timestamp, payload).finalize().into_bytes();
    format!("t={timestamp},v1={}", hex::encode(sig))
}

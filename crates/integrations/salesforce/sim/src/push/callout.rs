//! The signed JSON callout: one POST per change with the record's current values.
//!
//! Signature header: `Salesforce-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::push::Pending;

/// The callout body for one change.
pub fn body(pending: &Pending, record: Option<Value>) -> Value {
    json!({
        "notificationId": pending.notification_id,
        "sobjectType": "Contact",
        "changeType": pending.change,
        "changeOrigin": pending.client.as_ref().map(|c| format!("client={c}")),
        "commitTimestamp": crate::time::format(pending.at),
        "recordId": pending.record_id,
        "record": record,
    })
}

/// The `Salesforce-Signature` header value for `body` sent at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={timestamp},v1={}", hex::encode(mac.finalize().into_bytes()))
}

//! Stripe-Signature verification: the cases Stripe's libraries test, over raw bytes.

use stripe_client::webhook::{DEFAULT_TOLERANCE, WebhookError, WebhookSecret, sign_header, verify};

const NOW: i64 = 1_800_000_000;

fn body() -> Vec<u8> {
    br#"{"id":"evt_1","object":"event","type":"customer.created","created":1800000000,"livemode":false,
"request":{"id":"req_1","idempotency_key":"customer-sync-create-0190"},
"data":{"object":{"id":"cus_1","object":"customer","email":"a@example.com","metadata":{}}}}"#
        .to_vec()
}

fn secret() -> WebhookSecret {
    WebhookSecret::new("whsec_current")
}

fn check(payload: &[u8], header: Option<&str>, secrets: &[WebhookSecret]) -> Result<(), WebhookError> {
    verify(payload, header, secrets, DEFAULT_TOLERANCE, NOW).map(|_| ())
}

#[test]
fn a_valid_signature_is_accepted_and_the_event_is_read() {
    let header = sign_header(&secret(), NOW, &body());
    let event = verify(&body(), Some(&header), &[secret()], DEFAULT_TOLERANCE, NOW).expect("valid");
    assert_eq!(event.id, "evt_1");
    assert_eq!(event.customer().expect("a customer").id, "cus_1");
    assert!(event.is_own_write());
}

#[test]
fn a_tampered_body_is_rejected() {
    let header = sign_header(&secret(), NOW, &body());
    let mut tampered = body();
    tampered[10] ^= 1;
    assert_eq!(check(&tampered, Some(&header), &[secret()]), Err(WebhookError::NoMatchingSignature));
}

#[test]
fn a_signature_made_with_another_secret_is_rejected() {
    let header = sign_header(&WebhookSecret::new("whsec_other"), NOW, &body());
    assert_eq!(check(&body(), Some(&header), &[secret()]), Err(WebhookError::NoMatchingSignature));
}

#[test]
fn during_a_rotation_any_v1_matching_any_secret_is_accepted() {
    let old = WebhookSecret::new("whsec_old");
    let sig_old = sign_header(&old, NOW, &body());
    let sig_new = sign_header(&secret(), NOW, &body());
    let v1_new = sig_new.split_once(",v1=").expect("has v1").1;
    let two_v1 = format!("{sig_old},v1={v1_new}");
    assert_eq!(check(&body(), Some(&two_v1), &[secret()]), Ok(()));
    assert_eq!(check(&body(), Some(&two_v1), std::slice::from_ref(&old)), Ok(()));
    assert_eq!(check(&body(), Some(&sig_old), &[secret(), old]), Ok(()));
}

#[test]
fn a_timestamp_older_than_the_tolerance_is_rejected_even_when_signed_correctly() {
    let t = NOW - 301;
    let header = sign_header(&secret(), t, &body());
    assert_eq!(check(&body(), Some(&header), &[secret()]), Err(WebhookError::OutsideTolerance { age_secs: 301 }));
    let fresh_enough = sign_header(&secret(), NOW - 299, &body());
    assert_eq!(check(&body(), Some(&fresh_enough), &[secret()]), Ok(()));
}

#[test]
fn a_missing_header_is_rejected() {
    assert_eq!(check(&body(), None, &[secret()]), Err(WebhookError::MissingHeader));
}

#[test]
fn garbage_headers_are_rejected_as_malformed() {
    for header in ["", "garbage", "t=abc,v1=00", "v1=deadbeef", "t=1800000000", "t=1800000000,v1=nothex"] {
        assert!(
            matches!(check(&body(), Some(header), &[secret()]), Err(WebhookError::MalformedHeader(_))),
            "{header:?}"
        );
    }
}

#[test]
fn other_schemes_are_ignored_and_cannot_stand_in_for_v1() {
    let header = sign_header(&secret(), NOW, &body());
    let v1 = header.split_once(",v1=").expect("has v1").1;
    let with_v0 = format!("t={NOW},v0={v1},v1={v1}");
    assert_eq!(check(&body(), Some(&with_v0), &[secret()]), Ok(()));
    let only_v0 = format!("t={NOW},v0={v1}");
    assert!(matches!(check(&body(), Some(&only_v0), &[secret()]), Err(WebhookError::MalformedHeader(_))));
}

#[test]
fn a_validly_signed_body_that_is_not_an_event_is_rejected() {
    let header = sign_header(&secret(), NOW, b"not json");
    assert!(matches!(
        verify(b"not json", Some(&header), &[secret()], DEFAULT_TOLERANCE, NOW),
        Err(WebhookError::MalformedEvent(_))
    ));
}

#[test]
fn no_configured_secret_rejects_everything_and_secrets_never_print() {
    let header = sign_header(&secret(), NOW, &body());
    assert_eq!(check(&body(), Some(&header), &[]), Err(WebhookError::NoSecrets));
    assert_eq!(format!("{:?}", secret()), "WebhookSecret([redacted])");
}

#[test]
fn a_signature_made_with_an_empty_secret_is_rejected_even_when_one_is_configured() {
    let empty = WebhookSecret::new("");
    assert!(empty.is_empty());
    let header = sign_header(&empty, NOW, &body());
    assert_eq!(check(&body(), Some(&header), &[empty, secret()]), Err(WebhookError::NoMatchingSignature));
}

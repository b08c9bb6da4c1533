//! POST /webhooks/stripe: signature checks, deduplication and echo suppression (the whole path from
//! localstripe's signed deliveries to Kafka is in crates/tools/e2e).

use reqwest::Response;
use serde_json::{Value, json};
use stripe_client::IdempotencyKey;
use stripe_client::webhook::{WebhookSecret, sign_header};
use uuid::Uuid;

use crate::helpers::{TestApp, error_code, spawn_app_with};

const SECRET: &str = "whsec_test_current";
const OLD_SECRET: &str = "whsec_test_previous";

async fn spawn() -> TestApp {
    spawn_app_with(|c| {
        c.stripe_webhook_secrets = vec![WebhookSecret::new(SECRET), WebhookSecret::new(OLD_SECRET)];
    })
    .await
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A Stripe customer event body.
fn event(evt: &str, kind: &str, local_id: Option<Uuid>, idempotency_key: Option<&str>) -> Vec<u8> {
    let metadata = local_id.map(|id| json!({"customer_sync_id": id.to_string()})).unwrap_or(json!({}));
    serde_json::to_vec(&json!({
        "id": evt, "object": "event", "type": kind, "created": 1_800_000_000, "livemode": false,
        "api_version": "2024-06-20",
        "request": {"id": "req_abc", "idempotency_key": idempotency_key},
        "data": {"object": {"id": "cus_hook1", "object": "customer", "name": "Ada Lovelace",
            "email": "ada@example.com", "phone": null, "metadata": metadata, "created": 1_800_000_000}}
    }))
    .unwrap()
}

async fn deliver(app: &TestApp, body: &[u8], signature: Option<&str>) -> Response {
    let mut req = app.client.post(app.url("/webhooks/stripe")).header("content-type", "application/json");
    if let Some(sig) = signature {
        req = req.header("Stripe-Signature", sig);
    }
    req.body(body.to_vec()).send().await.unwrap()
}

fn signed(body: &[u8]) -> String {
    sign_header(&WebhookSecret::new(SECRET), now(), body)
}

async fn written(app: &TestApp) -> (i64, i64) {
    (app.db.count("inbound_deliveries").await.unwrap(), app.outbox().await)
}

#[tokio::test]
async fn a_signed_customer_event_is_stored_once_on_the_stripe_topic_with_origin_stripe() {
    let app = spawn().await;
    let local = Uuid::now_v7();
    let body = event("evt_created1", "customer.created", Some(local), None);
    let r = deliver(&app, &body, Some(&signed(&body))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["published"], true);

    let rows = app.outbox_rows().await;
    assert_eq!(rows.len(), 1);
    let (topic, payload, headers) = &rows[0];
    assert_eq!(topic, "stripe-customer-created");
    assert_eq!(payload["origin"], "stripe");
    assert_eq!(payload["type"], "customer.created");
    assert_eq!(payload["external_id"], "cus_hook1");
    assert_eq!(payload["customer_id"], local.to_string());
    assert_eq!(payload["delivery_id"], "evt_created1");
    assert_eq!(payload["customer"]["email"], "ada@example.com");
    assert_eq!(payload["occurred_at"], "2027-01-15T08:00:00Z");
    assert_eq!(headers["origin"], "stripe");
}

#[tokio::test]
async fn a_redelivered_event_is_acknowledged_but_stored_only_once() {
    let app = spawn().await;
    let body = event("evt_twice", "customer.updated", None, None);
    let sig = signed(&body);
    for expected_duplicate in [false, true, true] {
        let r = deliver(&app, &body, Some(&sig)).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.unwrap()["duplicate"], expected_duplicate);
    }
    assert_eq!(written(&app).await, (1, 1));
    let (topic, payload, _) = &app.outbox_rows().await[0];
    assert_eq!(topic, "stripe-customer-updated");
    assert_eq!(payload["customer_id"], Value::Null, "no local id in metadata yet");
}

#[tokio::test]
async fn concurrent_deliveries_of_one_event_store_it_once() {
    let app = spawn().await;
    let body = event("evt_race", "customer.deleted", None, None);
    let sig = signed(&body);
    let answers = futures::future::join_all((0..8).map(|_| deliver(&app, &body, Some(&sig)))).await;
    assert!(answers.iter().all(|r| r.status() == 200));
    assert_eq!(written(&app).await, (1, 1));
}

#[tokio::test]
async fn an_event_caused_by_the_products_own_write_is_acknowledged_and_logged_but_not_published() {
    let app = spawn().await;
    let key = IdempotencyKey::for_event(Uuid::now_v7(), "update").unwrap();
    let body = event("evt_echo", "customer.updated", Some(Uuid::now_v7()), Some(key.as_str()));
    let r = deliver(&app, &body, Some(&signed(&body))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["published"], false);
    assert_eq!(written(&app).await, (1, 0));
}

/// An event without a request (as localstripe sends them) whose customer carries `fingerprint`.
fn event_with_fingerprint(evt: &str, kind: &str, fingerprint: &str) -> Vec<u8> {
    let mut value: Value = serde_json::from_slice(&event(evt, kind, Some(Uuid::now_v7()), None)).unwrap();
    value["request"] = Value::Null;
    value["data"]["object"]["metadata"]["customer_sync_fingerprint"] = json!(fingerprint);
    serde_json::to_vec(&value).unwrap()
}

#[tokio::test]
async fn an_event_whose_customer_still_holds_the_products_last_write_is_not_published() {
    let app = spawn().await;
    let ours = model::CustomerFields { name: "Ada Lovelace".into(), email: "ada@example.com".into(), phone: None };
    let body = event_with_fingerprint("evt_own_state", "customer.updated", &ours.fingerprint());
    let r = deliver(&app, &body, Some(&signed(&body))).await;
    assert_eq!(r.json::<Value>().await.unwrap()["published"], false);
    assert_eq!(written(&app).await, (1, 0));
}

#[tokio::test]
async fn an_event_whose_customer_was_edited_after_the_products_write_is_published() {
    let app = spawn().await;
    let before_the_edit =
        model::CustomerFields { name: "Ada King".into(), email: "ada@example.com".into(), phone: None };
    let body = event_with_fingerprint("evt_edited", "customer.updated", &before_the_edit.fingerprint());
    let r = deliver(&app, &body, Some(&signed(&body))).await;
    assert_eq!(r.json::<Value>().await.unwrap()["published"], true);
    assert_eq!(written(&app).await, (1, 1));
    // A deletion is published even when the fields match: it is not judged by the fingerprint.
    let ours = model::CustomerFields { name: "Ada Lovelace".into(), email: "ada@example.com".into(), phone: None };
    let body = event_with_fingerprint("evt_deleted", "customer.deleted", &ours.fingerprint());
    assert_eq!(deliver(&app, &body, Some(&signed(&body))).await.json::<Value>().await.unwrap()["published"], true);
}

#[tokio::test]
async fn an_event_from_someone_elses_write_is_published() {
    let app = spawn().await;
    let body = event("evt_dashboard", "customer.updated", None, Some("dashboard-key-1"));
    assert_eq!(deliver(&app, &body, Some(&signed(&body))).await.status(), 200);
    assert_eq!(written(&app).await, (1, 1));
}

#[tokio::test]
async fn a_signature_with_the_previous_secret_is_accepted_during_a_rotation() {
    let app = spawn().await;
    let body = event("evt_rotated", "customer.created", None, None);
    let old = sign_header(&WebhookSecret::new(OLD_SECRET), now(), &body);
    assert_eq!(deliver(&app, &body, Some(&old)).await.status(), 200);
    assert_eq!(written(&app).await, (1, 1));
}

/// Asserts a 400 naming the signature header, and that nothing was written.
async fn assert_rejected(app: &TestApp, body: &[u8], signature: Option<&str>) {
    let (status, code, field) = error_code(deliver(app, body, signature).await).await;
    assert_eq!((status, code.as_str(), field.as_deref()), (400, "invalid_header", Some("Stripe-Signature")));
    assert_eq!(written(app).await, (0, 0), "a refused delivery writes nothing");
}

#[tokio::test]
async fn a_tampered_body_is_refused_and_writes_nothing() {
    let app = spawn().await;
    let body = event("evt_tamper", "customer.created", None, None);
    let sig = signed(&body);
    let tampered = String::from_utf8(body).unwrap().replace("ada@example.com", "eve@example.com");
    assert_rejected(&app, tampered.as_bytes(), Some(&sig)).await;
}

#[tokio::test]
async fn a_signature_made_with_an_unknown_secret_is_refused() {
    let app = spawn().await;
    let body = event("evt_wrong", "customer.created", None, None);
    let sig = sign_header(&WebhookSecret::new("whsec_attacker"), now(), &body);
    assert_rejected(&app, &body, Some(&sig)).await;
}

#[tokio::test]
async fn a_signature_older_than_five_minutes_is_refused() {
    let app = spawn().await;
    let body = event("evt_stale", "customer.created", None, None);
    let sig = sign_header(&WebhookSecret::new(SECRET), now() - 301, &body);
    assert_rejected(&app, &body, Some(&sig)).await;
}

#[tokio::test]
async fn a_missing_or_garbage_signature_header_is_refused() {
    let app = spawn().await;
    let body = event("evt_nosig", "customer.created", None, None);
    assert_rejected(&app, &body, None).await;
    for garbage in ["garbage", "t=now,v1=abc", "v1=deadbeef", "t=1800000000"] {
        assert_rejected(&app, &body, Some(garbage)).await;
    }
}

#[tokio::test]
async fn a_correctly_signed_body_that_is_not_a_customer_event_is_refused_and_writes_nothing() {
    let app = spawn().await;
    for body in [b"{not json".to_vec(), br#"{"id":"evt_x","type":"customer.created"}"#.to_vec()] {
        let (status, code, _) = error_code(deliver(&app, &body, Some(&signed(&body))).await).await;
        assert_eq!((status, code.as_str()), (400, "malformed_request"));
    }
    let not_a_customer = serde_json::to_vec(&json!({"id": "evt_y", "object": "event", "type": "customer.created",
        "created": 1, "data": {"object": {"id": "in_1", "object": "invoice"}}}))
    .unwrap();
    let (status, _, _) = error_code(deliver(&app, &not_a_customer, Some(&signed(&not_a_customer))).await).await;
    assert_eq!(status, 400);
    assert_eq!(written(&app).await, (0, 0));
}

#[tokio::test]
async fn other_event_types_are_acknowledged_and_ignored() {
    let app = spawn().await;
    let body = serde_json::to_vec(&json!({"id": "evt_inv", "object": "event", "type": "invoice.created",
        "created": 1, "data": {"object": {"id": "in_1", "object": "invoice"}}}))
    .unwrap();
    assert_eq!(deliver(&app, &body, Some(&signed(&body))).await.status(), 200);
    assert_eq!(written(&app).await, (0, 0));
}

#[tokio::test]
async fn without_a_configured_secret_deliveries_are_refused_as_unavailable_so_stripe_retries() {
    let app = spawn_app_with(|_| {}).await;
    let body = event("evt_noconf", "customer.created", None, None);
    let (status, code, _) = error_code(deliver(&app, &body, Some(&signed(&body))).await).await;
    assert_eq!((status, code.as_str()), (503, "unavailable"));
    assert_eq!(written(&app).await, (0, 0));
}

#[test]
fn several_webhook_secrets_are_read_from_one_comma_separated_variable() {
    let vars = [("API_DATABASE_URL", "postgres://x"), ("API_STRIPE_WEBHOOK_SECRETS", "whsec_new,whsec_old")];
    let config: api::ApiConfig =
        envy::prefixed("API_").from_iter(vars.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap();
    assert_eq!(config.stripe_webhook_secrets.len(), 2);
    assert_eq!(config.stripe_webhook_tolerance_secs, 300);
    assert!(!format!("{config:?}").contains("whsec_new"), "secrets never print");
}

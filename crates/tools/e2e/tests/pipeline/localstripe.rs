//! End to end: customers written to localstripe through stripe-client, localstripe's real signed webhooks
//! arriving at the api, and the relay putting them on Kafka: exactly once each, even when replayed.
//!
//! localstripe sends every event to every endpoint it knows and cannot forget one, so other tests' customers
//! show up too: assertions look only at this test's customer, and a finished test silences its endpoint.

use std::time::{Duration, Instant};

use e2e::{spawn_api, spawn_relay};
use events::{Action, Topic};
use kafka::KafkaSettings;
use serde_json::Value;
use stripe_client::webhook::{WebhookSecret, sign_header};
use stripe_client::{ApiKey, CustomerParams, IdempotencyKey, StripeClient, StripeConfig};
use testkit::kafka::Received;
use uuid::Uuid;

const SECRET: &str = "whsec_test_current";

const TOPICS: [Topic; 3] = [
    Topic { integration: sync_stripe::STRIPE, action: Action::Created },
    Topic { integration: sync_stripe::STRIPE, action: Action::Updated },
    Topic { integration: sync_stripe::STRIPE, action: Action::Deleted },
];

fn localstripe_url() -> String {
    testkit::env_or("LOCALSTRIPE_URL", "http://127.0.0.1:8420")
}

/// Points localstripe's endpoint `id` at `url` for `events` (none: silenced).
async fn register(id: &str, url: &str, events: &[&str]) {
    let mut form = vec![("url", url.to_owned()), ("secret", SECRET.to_owned())];
    form.extend(events.iter().map(|e| ("events[]", (*e).to_owned())));
    let r = reqwest::Client::new()
        .post(format!("{}/_config/webhooks/{id}", localstripe_url()))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "localstripe webhook registration: {}", r.status());
}

/// The body localstripe signed for `evt_id`: its event resource, serialised as for webhooks.
async fn signed_body(evt_id: &str) -> Vec<u8> {
    let url = format!("{}/v1/events/{evt_id}", localstripe_url());
    let text = reqwest::Client::new().get(url).bearer_auth("sk_test_123").send().await.unwrap().text().await.unwrap();
    text.strip_suffix('\n').unwrap_or(&text).as_bytes().to_vec()
}

/// The messages about `cus_id` on the Stripe topics, reading until `want` arrived or `timeout` passed.
async fn on_kafka(kafka: &KafkaSettings, cus_id: &str, want: usize, timeout: Duration) -> Vec<Received> {
    let deadline = Instant::now() + timeout;
    loop {
        let all = testkit::kafka::read(kafka, &TOPICS, usize::MAX, Duration::from_secs(3)).await;
        let ours: Vec<Received> = all.into_iter().filter(|m| m.payload["external_id"] == cus_id).collect();
        if ours.len() >= want || Instant::now() > deadline {
            return ours;
        }
    }
}

fn client() -> StripeClient {
    StripeClient::new(&StripeConfig {
        rate_limit: 1000.0,
        ..StripeConfig::new(localstripe_url(), ApiKey::new("sk_test_1"))
    })
    .unwrap()
}

/// Delivers `body` to the api's Stripe webhook, signed as Stripe signs at `t`.
async fn deliver(base: &str, body: &[u8], t: i64) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/webhooks/stripe"))
        .header("content-type", "application/json")
        .header("Stripe-Signature", sign_header(&WebhookSecret::new(SECRET), t, body))
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
}

/// A key as a write made outside the product (e.g. the dashboard) would carry.
fn foreign_key(op: &str) -> IdempotencyKey {
    IdempotencyKey::new(format!("elsewhere-{op}-{}", Uuid::now_v7())).unwrap()
}

#[tokio::test]
async fn localstripes_signed_webhooks_reach_kafka_exactly_once_each_even_when_delivered_twice() {
    let db = testkit::db::fresh().await.unwrap();
    let base = spawn_api(&db, |c| c.stripe_webhook_secrets = vec![WebhookSecret::new(SECRET)]).unwrap();
    let webhook = format!("{base}/webhooks/stripe");
    let kafka = testkit::kafka::settings();
    kafka.ensure_topics(TOPICS).await.unwrap();
    let (stop, relay) = spawn_relay(&db, &kafka);
    let hook = format!("api-test-{}", Uuid::now_v7().simple());
    register(&hook, &webhook, &["customer.created", "customer.updated", "customer.deleted"]).await;

    let stripe = client();
    let local = Uuid::now_v7();
    let fields = model::CustomerFields { name: "Ada Lovelace".into(), email: "ada@example.com".into(), phone: None };
    // A write made elsewhere: linked to a local id, but without the fingerprint the product writes.
    let mut params = CustomerParams::from_fields(&fields, local);
    params.metadata.remove(stripe_client::FINGERPRINT_METADATA_KEY);
    let cus = stripe.create_customer(&params, &foreign_key("create")).await.unwrap();
    let cus = cus.body.id;
    let rename = CustomerParams { name: Some("Ada King".into()), ..Default::default() };
    stripe.update_customer(&cus, &rename, &foreign_key("update")).await.unwrap();
    stripe.delete_customer(&cus, &foreign_key("delete")).await.unwrap();

    let first = on_kafka(&kafka, &cus, 3, Duration::from_secs(30)).await;
    let mut types: Vec<&str> = first.iter().map(|m| m.payload["type"].as_str().unwrap()).collect();
    types.sort_unstable();
    assert_eq!(types, ["customer.created", "customer.deleted", "customer.updated"]);
    for m in &first {
        assert_eq!(
            (m.payload["origin"].as_str(), m.headers.get("origin").map(String::as_str)),
            (Some("stripe"), Some("stripe"))
        );
        assert_eq!(m.payload["customer_id"], local.to_string());
        assert_eq!(m.key, local.to_string(), "keyed by the local customer id");
    }

    for m in &first {
        let evt = m.payload["delivery_id"].as_str().unwrap();
        let body = signed_body(evt).await;
        let t = serde_json::from_slice::<Value>(&body).unwrap()["created"].as_i64().unwrap();
        let again = deliver(&base, &body, t).await;
        assert_eq!(again.status(), 200, "the second delivery of {evt} is acknowledged");
        assert_eq!(again.json::<Value>().await.unwrap()["duplicate"], true, "{evt} was stored already");
    }
    let after = on_kafka(&kafka, &cus, 4, Duration::from_secs(3)).await;
    assert_eq!(after.len(), 3, "each event is on Kafka exactly once");

    register(&hook, &webhook, &["test.silenced"]).await;
    stop.send(true).unwrap();
    relay.await.unwrap().unwrap();
}

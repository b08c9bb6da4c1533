//! Salesforce's push notifications, sent by a real salesforce-sim to the api: Outbound Messages and signed
//! callouts, and forged ones.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use model::SecretString;
use salesforce_sim::{RunningSim, SimConfig};
use stripe_client::webhook::{WebhookSecret, sign_header};

use crate::helpers::{TestApp, spawn_app_on, spawn_app_with};

pub(crate) const TOKEN: &str = "om-token-0123456789abcdef";
const CALLOUT_SECRET: &str = "callout-secret-for-tests";

pub(crate) fn configure(config: &mut api::ApiConfig, org_id: &str) {
    config.salesforce_org_id = Some(org_id.to_owned());
    config.salesforce_outbound_token = Some(SecretString::from(TOKEN.to_owned()));
    config.salesforce_callout_secrets = vec![WebhookSecret::new(CALLOUT_SECRET)];
}

/// A simulator pushing to the api at `address` (Outbound Messages, callouts, or both).
async fn sim_pushing_to(address: &str, outbound: bool, callout: bool) -> RunningSim {
    let config = SimConfig {
        outbound_url: outbound.then(|| format!("{address}/webhooks/salesforce/outbound-messages/{TOKEN}")),
        callout_url: callout.then(|| format!("{address}/webhooks/salesforce/callouts")),
        callout_secret: Some(CALLOUT_SECRET.to_owned()),
        push_retry_initial: Duration::from_millis(200),
        ..testkit::systems::sim_config()
    };
    testkit::systems::salesforce_sim(config).await
}

use testkit::systems::new_contact as contact;

async fn outbox_topics(app: &TestApp) -> Vec<String> {
    app.outbox_rows().await.into_iter().map(|(t, _, _)| t).collect()
}

async fn until_outbox(app: &TestApp, n: usize) -> Vec<(String, serde_json::Value, serde_json::Value)> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let rows = app.outbox_rows().await;
        if rows.len() >= n || Instant::now() > deadline {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_contact_created_and_updated_in_salesforce_arrives_as_outbound_messages_enqueued_once_each() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let sim = sim_pushing_to(&address, true, false).await;
    let org = sim.control.org_id();
    let app = spawn_app_on(listener, testkit::db::fresh().await.unwrap(), |c| configure(c, &org));
    let sf = testkit::systems::salesforce(&sim);
    let id = sf.create_contact(&contact("Katherine", "Johnson")).await.unwrap();
    let rows = until_outbox(&app, 1).await;
    assert_eq!(rows.len(), 1);
    let (topic, payload, headers) = &rows[0];
    assert_eq!(topic, "salesforce-customer-created");
    assert_eq!(payload["external_id"], id.as_str());
    assert_eq!(payload["origin"], "salesforce");
    assert_eq!(payload["customer"]["name"], "Katherine Johnson");
    assert_eq!(headers["origin"], "salesforce");
    let mut updated = contact("Katherine", "Goble");
    updated.email = rows[0].1["customer"]["email"].as_str().map(str::to_owned);
    sf.update_contact(&id, &updated).await.unwrap();
    let rows = until_outbox(&app, 2).await;
    assert_eq!(rows[1].0, "salesforce-customer-updated");
    assert_eq!(rows[1].1["customer"]["name"], "Katherine Goble");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.outbox().await, 2, "each notification once");
    assert_eq!(sim.control.snapshot()["outbound"]["pending"], 0, "every message was Acked");
}

#[tokio::test]
async fn a_message_the_api_did_not_ack_is_redelivered_and_then_stored_once() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    drop(listener); // nobody listens yet: the first deliveries fail
    let sim = sim_pushing_to(&address, true, false).await;
    testkit::systems::salesforce(&sim).create_contact(&contact("Mary", "Jackson")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(sim.control.snapshot()["outbound"]["requests"].as_u64().unwrap() >= 1, "a delivery was tried");
    let listener = TcpListener::bind(address.trim_start_matches("http://")).unwrap();
    let org = sim.control.org_id();
    let app = spawn_app_on(listener, testkit::db::fresh().await.unwrap(), |c| configure(c, &org));
    let rows = until_outbox(&app, 1).await;
    assert_eq!(rows.len(), 1, "redelivered once the api answered");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(app.outbox().await, 1, "and stored exactly once");
}

/// An Outbound Message as Salesforce sends it, for forging and replaying.
pub(crate) fn message(org_id: &str, notification_id: &str, contact_id: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>{org_id}</OrganizationId><ActionId>04kSm0000000001AAA</ActionId><SessionId xsi:nil="true"/><Notification><Id>{notification_id}</Id><sObject xsi:type="sf:Contact" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>{contact_id}</sf:Id><sf:FirstName>Ada</sf:FirstName><sf:LastName>Lovelace</sf:LastName><sf:Email>ada-{notification_id}@example.com</sf:Email><sf:Phone xsi:nil="true"/><sf:CreatedDate>2026-11-28T10:00:00.000Z</sf:CreatedDate><sf:LastModifiedDate>2026-11-28T10:00:00.000Z</sf:LastModifiedDate><sf:SystemModstamp>2026-11-28T10:00:00.000Z</sf:SystemModstamp></sObject></Notification></notifications></soapenv:Body></soapenv:Envelope>"#
    )
}

pub(crate) const ORG: &str = "00DSm0000000001AAA";

pub(crate) async fn post_message(app: &TestApp, token: &str, body: String) -> (u16, String) {
    let r = app
        .client
        .post(app.url(&format!("/webhooks/salesforce/outbound-messages/{token}")))
        .header("content-type", "text/xml")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn forged_outbound_messages_are_refused_and_change_nothing() {
    let app = spawn_app_with(|c| configure(c, ORG)).await;
    let (status, body) =
        post_message(&app, "wrong-token", message(ORG, "04lSm0000000001AAA", "003Sm0000000001AAA")).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) =
        post_message(&app, TOKEN, message("00DSm0000000999AAA", "04lSm0000000001AAA", "003Sm0000000001AAA")).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("Fault"), "a SOAP fault: {body}");
    for malformed in ["not xml", "<a/>", "<notifications><OrganizationId>x</OrganizationId></notifications>"] {
        let (status, body) = post_message(&app, TOKEN, malformed.to_owned()).await;
        assert_eq!(status, 500, "{malformed}: {body}");
        assert!(body.contains("<faultstring>"), "{body}");
    }
    assert_eq!(app.outbox().await, 0);
    assert_eq!(app.db.count("inbound_deliveries").await.unwrap(), 0);
    let unconfigured = spawn_app_with(|_| {}).await;
    let (status, _) =
        post_message(&unconfigured, TOKEN, message(ORG, "04lSm0000000001AAA", "003Sm0000000001AAA")).await;
    assert_eq!(status, 503);
}

#[tokio::test]
async fn a_redelivered_notification_is_acked_and_writes_nothing() {
    let app = spawn_app_with(|c| configure(c, ORG)).await;
    let body = message(ORG, "04lSm0000000002AAA", "003Sm0000000002AAA");
    for _ in 0..2 {
        let (status, text) = post_message(&app, TOKEN, body.clone()).await;
        assert_eq!(status, 200);
        assert!(text.contains("<Ack>true</Ack>"), "{text}");
    }
    assert_eq!(outbox_topics(&app).await, ["salesforce-customer-created"]);
}

#[tokio::test]
async fn callouts_carry_creates_updates_and_deletes_and_skip_the_products_own_changes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let sim = sim_pushing_to(&address, false, true).await;
    let org = sim.control.org_id();
    let app = spawn_app_on(listener, testkit::db::fresh().await.unwrap(), |c| {
        configure(c, &org);
        c.salesforce_client_name = "someone-else".into();
    });
    let sf = testkit::systems::salesforce(&sim); // its writes carry client=customer-sync
    let id = sf.create_contact(&contact("Dorothy", "Vaughan")).await.unwrap();
    sf.delete_contact(&id).await.unwrap();
    let rows = until_outbox(&app, 2).await;
    let topics: Vec<&str> = rows.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(topics, ["salesforce-customer-created", "salesforce-customer-deleted"]);
    assert_eq!(rows[1].1["external_id"], id.as_str());

    // The same changes, made by a client named as the api's own, are acknowledged and not published.
    let own = spawn_app_with(|c| configure(c, &org)).await;
    let listener_sim = sim_pushing_to(&own.address, false, true).await;
    testkit::systems::salesforce(&listener_sim).create_contact(&contact("Own", "Write")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(listener_sim.control.snapshot()["callout"]["delivered"], 1, "delivered and acknowledged");
    assert_eq!(own.outbox().await, 0, "but not published");
}

async fn post_callout(app: &TestApp, body: &str, header: Option<String>) -> reqwest::Response {
    let mut req = app.client.post(app.url("/webhooks/salesforce/callouts")).body(body.to_owned());
    if let Some(h) = header {
        req = req.header("Salesforce-Signature", h);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn forged_stale_and_replayed_callouts_are_refused_or_ignored() {
    let app = spawn_app_with(|c| configure(c, ORG)).await;
    let body = r#"{"notificationId":"04lSm0000000003AAA","sobjectType":"Contact","changeType":"UPDATE","changeOrigin":null,"commitTimestamp":"2026-11-28T10:00:00.000Z","recordId":"003Sm0000000003AAA","record":{"Id":"003Sm0000000003AAA","FirstName":"Grace","LastName":"Hopper","Email":"grace@example.com"}}"#;
    let now = chrono::Utc::now().timestamp();
    let secret = WebhookSecret::new(CALLOUT_SECRET);
    let forged = sign_header(&WebhookSecret::new("not-the-secret"), now, body.as_bytes());
    assert_eq!(post_callout(&app, body, Some(forged)).await.status(), 400);
    assert_eq!(post_callout(&app, body, None).await.status(), 400);
    let stale = sign_header(&secret, now - 3600, body.as_bytes());
    assert_eq!(post_callout(&app, body, Some(stale)).await.status(), 400);
    assert_eq!(app.outbox().await, 0, "refused deliveries change nothing");
    let good = sign_header(&secret, now, body.as_bytes());
    let first: serde_json::Value = post_callout(&app, body, Some(good.clone())).await.json().await.unwrap();
    let replay: serde_json::Value = post_callout(&app, body, Some(good)).await.json().await.unwrap();
    assert_eq!((first["published"].as_bool(), replay["duplicate"].as_bool()), (Some(true), Some(true)));
    assert_eq!(outbox_topics(&app).await, ["salesforce-customer-updated"]);
}

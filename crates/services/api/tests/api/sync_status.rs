//! GET /v1/customers/{id}/sync and POST /v1/customers/{id}/resync.

use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_sync_status_shows_pending_events_links_and_dead_letters_per_integration() {
    let app = spawn_app().await;
    let c = app.create_ok("Ada Lovelace", "ada-status@example.com").await;
    let id = c["id"].as_str().unwrap();
    let status: Value =
        app.client.get(app.url(&format!("/v1/customers/{id}/sync"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(status["version"], 1);
    for integration in ["stripe", "salesforce"] {
        assert_eq!(status["integrations"][integration]["pending_events"], 1, "{status}");
        assert_eq!(status["integrations"][integration]["external_id"], Value::Null);
    }
    let mut conn = app.db.connect().await.unwrap();
    store::dead_letters::add_dead_letters(
        &mut conn,
        &[store::dead_letters::NewDeadLetter {
            integration: "stripe".into(),
            topic: "stripe-customer-updated".into(),
            partition_key: id.to_owned(),
            customer_id: Some(id.parse().unwrap()),
            event_id: None,
            headers: serde_json::json!({}),
            payload: "{}".into(),
            reason: "stripe 400 email_invalid: Invalid email address".into(),
            attempts: 1,
        }],
    )
    .await
    .unwrap();
    let status: Value =
        app.client.get(app.url(&format!("/v1/customers/{id}/sync"))).send().await.unwrap().json().await.unwrap();
    let letters = status["integrations"]["stripe"]["dead_letters"].as_array().unwrap();
    assert_eq!(letters.len(), 1);
    assert!(letters[0]["reason"].as_str().unwrap().contains("email_invalid"));
    assert!(status["integrations"]["salesforce"]["dead_letters"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_resync_announces_the_current_state_to_both_systems_again() {
    let app = spawn_app().await;
    let c = app.create_ok("Grace Hopper", "grace-resync@example.com").await;
    let id = c["id"].as_str().unwrap();
    let before = app.outbox().await;
    let r = app.client.post(app.url(&format!("/v1/customers/{id}/resync"))).send().await.unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(app.outbox().await, before + 2, "one event per integration");
    let unknown = uuid::Uuid::now_v7();
    let r = app.client.post(app.url(&format!("/v1/customers/{unknown}/resync"))).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(app.outbox().await, before + 2, "a refused resync changes nothing");
    let r = app.client.get(app.url(&format!("/v1/customers/{unknown}/sync"))).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

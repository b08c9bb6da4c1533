//! A customer created, updated and deleted through the api reaches Kafka through the relay.

use std::time::Duration;

use e2e::{spawn_api, spawn_relay};
use events::{Integration, Topic};
use serde_json::json;

#[tokio::test]
async fn created_updated_and_deleted_customers_reach_kafka_with_key_headers_and_payload() {
    let db = testkit::db::fresh().await.unwrap();
    let kafka = testkit::kafka::settings();
    let base = spawn_api(&db, |_| {}).unwrap();
    let (stop, relay) = spawn_relay(&db, &kafka);

    let http = testkit::admin_http();
    let tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    let created: serde_json::Value = http
        .post(format!("{base}/v1/customers"))
        .header("traceparent", tp)
        .json(&json!({"name": "Grace Hopper", "email": "grace@example.com"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let url = format!("{base}/v1/customers/{id}");
    assert_eq!(http.patch(&url).json(&json!({"phone": "+1 555 0199"})).send().await.unwrap().status(), 200);
    assert_eq!(http.delete(&url).send().await.unwrap().status(), 204);

    let topics: Vec<Topic> = Topic::all().collect();
    let got = testkit::kafka::read(&kafka, &topics, 6, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 6, "two events (one per integration) for each of three changes");
    for &integration in Integration::all() {
        let mine: Vec<_> = got.iter().filter(|m| m.topic.contains(&format!(".{}-", integration.as_str()))).collect();
        // Each action has its own topic, so Kafka orders them per topic only; versions order them overall.
        let mut types: Vec<&str> = mine.iter().map(|m| m.payload["type"].as_str().unwrap()).collect();
        types.sort();
        assert_eq!(types, ["customer.created", "customer.deleted", "customer.updated"], "{integration:?}");
        let partitions: std::collections::HashSet<i32> = mine.iter().map(|m| m.partition).collect();
        assert_eq!(partitions.len(), 1, "one customer's events share a partition");
        for m in mine {
            assert_eq!(m.key, id);
            assert_eq!(m.payload["customer_id"], id.as_str());
            assert_eq!(m.payload["origin"], "local");
            assert_eq!(m.headers["origin"], "local");
            assert_eq!(m.headers["event-id"], m.payload["event_id"].as_str().unwrap());
            assert_eq!(m.headers["event-type"], m.payload["type"].as_str().unwrap());
            assert_eq!(m.headers["schema-version"], "1");
            assert_eq!(
                m.topic,
                format!(
                    "{}{}-customer-{}",
                    kafka.topic_prefix,
                    integration.as_str(),
                    m.payload["type"].as_str().unwrap().trim_start_matches("customer.")
                )
            );
        }
    }
    let created_events: Vec<_> = got.iter().filter(|m| m.payload["type"] == "customer.created").collect();
    assert!(created_events.iter().all(|m| m.headers["traceparent"] == tp), "the request's trace context travels");
    assert_eq!(created_events[0].payload["customer"]["email"], "grace@example.com");
    let updated = got.iter().find(|m| m.payload["type"] == "customer.updated").unwrap();
    assert_eq!(
        (updated.payload["customer"]["phone"].as_str(), updated.payload["customer"]["version"].as_i64()),
        (Some("+1 555 0199"), Some(2))
    );

    assert_eq!(db.drained(Duration::from_secs(5)).await.unwrap(), 0, "no outbox row is left unprocessed");
    stop.send(true).unwrap();
    relay.await.unwrap().unwrap();
}

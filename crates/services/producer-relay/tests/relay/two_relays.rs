//! Two relays at once share the outbox without losing an event or reordering one customer's events.

use std::collections::HashMap;
use std::time::Duration;

use uuid::Uuid;

use crate::helpers::{TOPIC, spawn_relay, update_event};

#[tokio::test]
async fn two_relays_deliver_10000_events_for_100_customers_each_customer_in_order() {
    let db = testkit::db::fresh().await.unwrap();
    let kafka = testkit::kafka::settings();
    let customers: Vec<Uuid> = (0..100).map(|_| Uuid::now_v7()).collect();
    let (stop_a, relay_a) = spawn_relay(&db, &kafka);
    let (stop_b, relay_b) = spawn_relay(&db, &kafka);

    // 100 versions of each customer, written in 100 transactions while both relays run.
    let mut conn = db.connect().await.unwrap();
    for version in 1..=100 {
        let rows: Vec<_> = customers.iter().map(|c| (TOPIC, update_event(*c, version))).collect();
        store::outbox::enqueue_all(&mut conn, &rows, None).await.unwrap();
    }
    assert_eq!(db.drained(Duration::from_secs(60)).await.unwrap(), 0);

    let got = testkit::kafka::read(&kafka, &[TOPIC], 10_000, Duration::from_secs(60)).await;
    assert_eq!(got.len(), 10_000, "every event arrives, none twice");
    let mut versions: HashMap<String, Vec<i64>> = HashMap::new();
    for m in &got {
        versions.entry(m.key.clone()).or_default().push(m.payload["customer"]["version"].as_i64().unwrap());
    }
    assert_eq!(versions.len(), 100);
    for (customer, seen) in versions {
        assert_eq!(seen, (1..=100).collect::<Vec<_>>(), "customer {customer}'s events in order");
    }
    stop_a.send(true).unwrap();
    stop_b.send(true).unwrap();
    relay_a.await.unwrap().unwrap();
    relay_b.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_relay_restarted_after_a_long_stop_catches_up_without_gaps() {
    let db = testkit::db::fresh().await.unwrap();
    let kafka = testkit::kafka::settings();
    let customers: Vec<Uuid> = (0..50).map(|_| Uuid::now_v7()).collect();
    // A relay runs, then stops; 20,000 events pile up (400 versions of 50 customers) with no relay at all.
    let (stop, relay) = spawn_relay(&db, &kafka);
    let mut conn = db.connect().await.unwrap();
    let rows: Vec<_> = customers.iter().map(|c| (TOPIC, update_event(*c, 1))).collect();
    store::outbox::enqueue_all(&mut conn, &rows, None).await.unwrap();
    assert_eq!(db.drained(Duration::from_secs(30)).await.unwrap(), 0);
    stop.send(true).unwrap();
    relay.await.unwrap().unwrap();
    for version in 2..=400 {
        let rows: Vec<_> = customers.iter().map(|c| (TOPIC, update_event(*c, version))).collect();
        store::outbox::enqueue_all(&mut conn, &rows, None).await.unwrap();
    }
    assert_eq!(db.count("outbox").await.unwrap(), 19_950, "nothing is published while no relay runs");

    // Restarted, it drains the backlog (its idle probe finds it at once).
    let (stop, relay) = spawn_relay(&db, &kafka);
    assert_eq!(db.drained(Duration::from_secs(60)).await.unwrap(), 0);
    let got = testkit::kafka::read(&kafka, &[TOPIC], 20_000, Duration::from_secs(60)).await;
    assert_eq!(got.len(), 20_000, "every event arrives, none twice");
    let mut versions: HashMap<String, Vec<i64>> = HashMap::new();
    for m in &got {
        versions.entry(m.key.clone()).or_default().push(m.payload["customer"]["version"].as_i64().unwrap());
    }
    for (customer, seen) in versions {
        assert_eq!(seen, (1..=400).collect::<Vec<_>>(), "customer {customer}'s events without a gap, in order");
    }
    stop.send(true).unwrap();
    relay.await.unwrap().unwrap();
}

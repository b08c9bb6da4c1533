//! The relay killed with SIGKILL at the worst moments loses nothing.

use std::collections::HashSet;
use std::process::{Child, Command};
use std::time::Duration;

use kafka::KafkaSettings;
use rand::Rng;
use testkit::db::TestDb;
use uuid::Uuid;

use crate::helpers::{TOPIC, update_event};

fn start_relay(db: &TestDb, kafka: &KafkaSettings, pause_after_produce_ms: u64) -> Child {
    Command::new(env!("CARGO_BIN_EXE_producer-relay"))
        .env("RELAY_DATABASE_URL", &db.url)
        .env("RELAY_METRICS_LISTEN", "127.0.0.1:0")
        .env("RELAY_KAFKA_BROKERS", &kafka.brokers)
        .env("RELAY_KAFKA_TOPIC_PREFIX", &kafka.topic_prefix)
        .env("RELAY_KAFKA_PARTITIONS", "4")
        .env("RELAY_POLL_INTERVAL_MS", "200")
        .env("RELAY_BATCH_SIZE", "100")
        .env("RELAY_PAUSE_AFTER_PRODUCE_MS", pause_after_produce_ms.to_string())
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("start producer-relay")
}

fn kill(mut child: Child) {
    child.kill().expect("SIGKILL the relay");
    child.wait().expect("reap the relay");
}

async fn enqueue(db: &TestDb, events: &[events::CustomerEvent]) {
    let mut conn = db.connect().await.unwrap();
    let rows: Vec<_> = events.iter().map(|e| (TOPIC, e.clone())).collect();
    store::outbox::enqueue_all(&mut conn, &rows, None).await.unwrap();
}

#[tokio::test]
async fn a_relay_killed_between_producing_and_deleting_loses_no_event() {
    let db = testkit::db::fresh().await.unwrap();
    let kafka = testkit::kafka::settings();
    let event = update_event(Uuid::now_v7(), 1);
    enqueue(&db, std::slice::from_ref(&event)).await;

    let relay = start_relay(&db, &kafka, 60_000);
    let seen = testkit::kafka::read(&kafka, &[TOPIC], 1, Duration::from_secs(30)).await;
    assert_eq!(seen.len(), 1, "Kafka acknowledged the event before the kill");
    kill(relay);
    assert_eq!(db.count("outbox").await.unwrap(), 1, "the row was not deleted: the relay died before its commit");

    let relay = start_relay(&db, &kafka, 0);
    assert_eq!(db.drained(Duration::from_secs(30)).await.unwrap(), 0, "a new relay publishes the row again");
    kill(relay);
    let all = testkit::kafka::read(&kafka, &[TOPIC], 2, Duration::from_secs(20)).await;
    let ids: Vec<String> = all.iter().map(|m| m.headers["event-id"].clone()).collect();
    assert_eq!(ids, [event.event_id.to_string(), event.event_id.to_string()], "delivered at least once");
}

#[tokio::test]
async fn relays_killed_at_random_moments_under_load_lose_no_event() {
    let db = testkit::db::fresh().await.unwrap();
    let kafka = testkit::kafka::settings();
    let customers: Vec<Uuid> = (0..20).map(|_| Uuid::now_v7()).collect();
    let mut sent = HashSet::new();
    let mut relay = start_relay(&db, &kafka, 0);
    let mut rng = rand::rng();
    for round in 1..=20i64 {
        let batch: Vec<_> = customers.iter().map(|c| update_event(*c, round)).collect();
        sent.extend(batch.iter().map(|e| e.event_id.to_string()));
        enqueue(&db, &batch).await;
        if round % 4 == 0 {
            tokio::time::sleep(Duration::from_millis(rng.random_range(0..150))).await;
            kill(relay);
            relay = start_relay(&db, &kafka, 0);
        }
    }
    assert_eq!(db.drained(Duration::from_secs(30)).await.unwrap(), 0);
    kill(relay);
    let got = testkit::kafka::read(&kafka, &[TOPIC], usize::MAX, Duration::from_secs(8)).await;
    let received: HashSet<String> = got.iter().map(|m| m.headers["event-id"].clone()).collect();
    assert_eq!(sent.len(), 400);
    assert!(sent.is_subset(&received), "{} of {} events missing", sent.difference(&received).count(), sent.len());
}

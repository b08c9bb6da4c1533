use std::process::Command;
use std::time::Duration;

#[tokio::test]
async fn the_relay_stops_cleanly_on_sigterm() {
    let db = testkit::db::fresh().await.unwrap();
    let kafka = testkit::kafka::settings();
    let mut child = Command::new(env!("CARGO_BIN_EXE_producer-relay"))
        .env("RELAY_DATABASE_URL", &db.url)
        .env("RELAY_METRICS_LISTEN", "127.0.0.1:0")
        .env("RELAY_KAFKA_BROKERS", &kafka.brokers)
        .env("RELAY_KAFKA_TOPIC_PREFIX", &kafka.topic_prefix)
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(child.try_wait().unwrap().is_none(), "the relay runs until told to stop");
    let status = testkit::process::terminate(&mut child, Duration::from_secs(20)).await;
    assert!(status.success(), "clean exit, got {status}");
}

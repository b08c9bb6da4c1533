use std::process::Command;
use std::time::Duration;

#[tokio::test]
async fn the_worker_stops_cleanly_on_sigterm() {
    let kafka = testkit::kafka::settings();
    let mut child = Command::new(env!("CARGO_BIN_EXE_consumer-worker"))
        .env("WORKER_DATABASE_URL", "postgres://unused")
        .env("WORKER_METRICS_LISTEN", "127.0.0.1:0")
        .env("WORKER_KAFKA_BROKERS", &kafka.brokers)
        .env("WORKER_KAFKA_TOPIC_PREFIX", &kafka.topic_prefix)
        .env("WORKER_GROUP_PREFIX", format!("g{}", uuid::Uuid::new_v4().simple()))
        .env("WORKER_INTEGRATIONS", "stripe")
        .env("STRIPE_SECRET_KEY", "sk_test_sigterm")
        .env("STRIPE_API_BASE", "http://127.0.0.1:8420")
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(child.try_wait().unwrap().is_none(), "the worker runs until told to stop");
    let status = testkit::process::terminate(&mut child, Duration::from_secs(20)).await;
    assert!(status.success(), "clean exit, got {status}");
}

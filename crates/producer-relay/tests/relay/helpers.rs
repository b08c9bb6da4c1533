use std::time::{Duration, Instant};

use events::kafka::KafkaSettings;
use events::{Action, CustomerEvent, CustomerSnapshot, Origin, SCHEMA_VERSION, Topic};
use producer_relay::RelayConfig;
use testkit::db::TestDb;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// A relay running in this process until the returned sender says stop.
pub fn spawn_relay(db: &TestDb, kafka: &KafkaSettings) -> (watch::Sender<bool>, JoinHandle<anyhow::Result<()>>) {
    let mut config = RelayConfig::new(&db.url, kafka);
    config.poll_interval_ms = 200;
    let (stop, shutdown) = watch::channel(false);
    (stop, tokio::spawn(producer_relay::run(config, shutdown)))
}

/// A local update event for `customer` at `version`.
pub fn update_event(customer: Uuid, version: i64) -> CustomerEvent {
    CustomerEvent {
        event_id: Uuid::now_v7(),
        schema_version: SCHEMA_VERSION,
        action: Action::Updated,
        origin: Origin::Local,
        customer_id: Some(customer),
        external_id: None,
        customer: Some(CustomerSnapshot {
            name: format!("Customer {customer}"),
            email: format!("{customer}@example.com"),
            phone: None,
            version: Some(version),
        }),
        occurred_at: chrono::Utc::now(),
        delivery_id: None,
    }
}

pub const TOPIC: Topic = Topic { integration: events::Integration::Stripe, action: Action::Updated };

/// Waits until the outbox is empty or `timeout` passed; returns what is left.
pub async fn drained(db: &TestDb, timeout: Duration) -> i64 {
    let deadline = Instant::now() + timeout;
    loop {
        let left = db.count("outbox").await.unwrap();
        if left == 0 || Instant::now() > deadline {
            return left;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

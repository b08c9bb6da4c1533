use std::time::{Duration, Instant};

use events::kafka::KafkaSettings;
use events::{Action, Topic};
use producer_relay::RelayConfig;
use testkit::db::TestDb;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A relay running in this process until the returned sender says stop.
pub fn spawn_relay(db: &TestDb, kafka: &KafkaSettings) -> (watch::Sender<bool>, JoinHandle<anyhow::Result<()>>) {
    let mut config = RelayConfig::new(&db.url, kafka);
    config.poll_interval_ms = 200;
    let (stop, shutdown) = watch::channel(false);
    (stop, tokio::spawn(producer_relay::run(config, shutdown)))
}

pub use testkit::event::update_event;

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

use events::{Action, Topic};
use kafka::KafkaSettings;
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

/// A topic of the first registered system.
pub const TOPIC: Topic = Topic { integration: registry::SYSTEMS[0], action: Action::Updated };

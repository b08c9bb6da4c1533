//! Tests that span crates, kept here so that no crate's tests depend on another crate that depends on it:
//! the sync engine with both real connectors (`tests/engine`), and the api and the relay together on Kafka
//! (`tests/pipeline`). The end-to-end tests of the three binaries as processes are the worker's
//! (crates/services/consumer-worker/tests). This library holds what those tests share.

use std::net::TcpListener;

use api::ApiConfig;
use kafka::KafkaSettings;
use producer_relay::RelayConfig;
use testkit::db::TestDb;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The api serving on a port of its own over `db`, with the test admin key, `adjust`ed; returns its base URL.
pub fn spawn_api(db: &TestDb, adjust: impl FnOnce(&mut ApiConfig)) -> anyhow::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let base = format!("http://{}", listener.local_addr()?);
    let mut config = ApiConfig::for_database(&db.url);
    config.kafka_brokers = testkit::env_or("KAFKA_BROKERS", "127.0.0.1:9092");
    config.bootstrap_admin_key = Some(testkit::ADMIN_KEY.into());
    adjust(&mut config);
    tokio::spawn(api::run(config, listener)?);
    Ok(base)
}

/// A relay draining `db`'s outbox into `kafka` in this process, until the returned sender says stop.
pub fn spawn_relay(db: &TestDb, kafka: &KafkaSettings) -> (watch::Sender<bool>, JoinHandle<anyhow::Result<()>>) {
    let mut config = RelayConfig::new(&db.url, kafka);
    config.poll_interval_ms = 200;
    let (stop, shutdown) = watch::channel(false);
    (stop, tokio::spawn(producer_relay::run(config, shutdown)))
}

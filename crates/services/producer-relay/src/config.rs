//! producer-relay's configuration, read once at start from `RELAY_*` environment variables:
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `RELAY_DATABASE_URL` | PostgreSQL URL (secret) | required |
//! | `RELAY_KAFKA_BROKERS` | Kafka bootstrap servers | `127.0.0.1:9092` |
//! | `RELAY_KAFKA_TOPIC_PREFIX` | prefix of every topic name | empty |
//! | `RELAY_KAFKA_PARTITIONS` | partitions when it creates the topics | `12` |
//! | `RELAY_KAFKA_REPLICATION` | replication factor when it creates the topics | `1` |
//! | `RELAY_BATCH_SIZE` | rows claimed from one lane at a time | `1000` |
//! | `RELAY_CONCURRENCY` | lanes published at once | `4` |
//! | `RELAY_POLL_INTERVAL_MS` | longest pause between probes of an idle outbox (they start at 1 ms and double) | `20` |
//! | `RELAY_PAUSE_AFTER_PRODUCE_MS` | fault injection for crash tests: wait after Kafka acknowledged, before deleting | `0` |
//! | `RELAY_LOG_JSON` | JSON log lines | `false` |
//! | `RELAY_METRICS_LISTEN` | where `/metrics` and `/health` are served; empty: nowhere | `127.0.0.1:9101` |

use std::time::Duration;

use kafka::KafkaSettings;
use model::SecretString;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct RelayConfig {
    pub database_url: SecretString,
    #[serde(default = "d_brokers")]
    pub kafka_brokers: String,
    #[serde(default)]
    pub kafka_topic_prefix: String,
    #[serde(default = "d_partitions")]
    pub kafka_partitions: i32,
    #[serde(default = "d_replication")]
    pub kafka_replication: i32,
    #[serde(default = "d_batch")]
    pub batch_size: i64,
    #[serde(default = "d_concurrency")]
    pub concurrency: usize,
    #[serde(default = "d_poll")]
    pub poll_interval_ms: u64,
    #[serde(default)]
    pub pause_after_produce_ms: u64,
    #[serde(default)]
    pub log_json: bool,
    #[serde(default = "d_metrics_listen")]
    pub metrics_listen: String,
}

fn d_metrics_listen() -> String {
    "127.0.0.1:9101".into()
}

fn d_brokers() -> String {
    KafkaSettings::default().brokers
}
fn d_partitions() -> i32 {
    KafkaSettings::default().partitions
}
fn d_replication() -> i32 {
    KafkaSettings::default().replication
}
fn d_batch() -> i64 {
    1000
}
fn d_concurrency() -> usize {
    4
}
fn d_poll() -> u64 {
    20
}

impl RelayConfig {
    /// Where to serve metrics, if anywhere.
    pub fn metrics_listen(&self) -> anyhow::Result<Option<std::net::SocketAddr>> {
        telemetry::metrics::listen_addr("RELAY_METRICS_LISTEN", &self.metrics_listen)
    }

    pub fn from_env() -> anyhow::Result<Self> {
        let c: Self = envy::prefixed("RELAY_").from_env()?;
        anyhow::ensure!((1..=10_000).contains(&c.batch_size), "RELAY_BATCH_SIZE must be 1..=10000");
        anyhow::ensure!((1..=16).contains(&c.concurrency), "RELAY_CONCURRENCY must be 1..=16");
        Ok(c)
    }

    /// Defaults for tests and tools, with this database and these Kafka settings.
    pub fn new(database_url: &str, kafka: &KafkaSettings) -> Self {
        Self {
            database_url: SecretString::from(database_url),
            kafka_brokers: kafka.brokers.clone(),
            kafka_topic_prefix: kafka.topic_prefix.clone(),
            kafka_partitions: kafka.partitions,
            kafka_replication: kafka.replication,
            batch_size: d_batch(),
            concurrency: d_concurrency(),
            poll_interval_ms: d_poll(),
            pause_after_produce_ms: 0,
            log_json: false,
            metrics_listen: String::new(),
        }
    }

    pub fn kafka(&self) -> KafkaSettings {
        KafkaSettings {
            brokers: self.kafka_brokers.clone(),
            topic_prefix: self.kafka_topic_prefix.clone(),
            partitions: self.kafka_partitions,
            replication: self.kafka_replication,
        }
    }

    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms)
    }
}

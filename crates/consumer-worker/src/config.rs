//! consumer-worker's configuration, read once at start from `WORKER_*` environment variables:
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `WORKER_DATABASE_URL` | PostgreSQL URL (secret) | required |
//! | `WORKER_KAFKA_BROKERS` | Kafka bootstrap servers | `127.0.0.1:9092` |
//! | `WORKER_KAFKA_TOPIC_PREFIX` | prefix of every topic name | empty |
//! | `WORKER_INTEGRATIONS` | integrations this process serves, comma-separated | `stripe,salesforce` |
//! | `WORKER_GROUP_PREFIX` | consumer group prefix; the group is `<prefix>-<integration>` | `customer-sync` |
//! | `WORKER_KAFKA_PARTITIONS` / `WORKER_KAFKA_REPLICATION` | used when it creates the topics (as the relay) | `12` / `1` |
//! | `WORKER_RETRY_MAX_MS` | longest pause between retries of a failing event | `30000` |
//! | `WORKER_MAX_ATTEMPTS` | attempts before a retryable failure is dead-lettered | `10` |
//! | `WORKER_BATCH_SIZE` | most events handled together (coalesced per customer) | `1000` |
//! | `WORKER_LINGER_MS` | how long a batch waits for more events after the first | `20` |
//! | `WORKER_DB_POOL_SIZE` | PostgreSQL connections | `8` |
//! | `WORKER_STRIPE_CONCURRENCY` | Stripe calls in flight (the rate limit `STRIPE_RATE_LIMIT` still applies) | `8` |
//! | `WORKER_DEDUPE_RETENTION_HOURS` | how long processed event ids are remembered | `168` |
//! | `WORKER_INBOUND_RETENTION_HOURS` | how long delivery ids of webhooks and Outbound Messages are remembered (longer than Stripe's 3 days of retries) | `168` |
//! | `WORKER_SALESFORCE_POLLER` | run the Salesforce poller (for orgs that cannot reach the webhooks) | `false` |
//! | `WORKER_SALESFORCE_POLL_SECS` | the poller's interval | `5` |
//! | `WORKER_LOG_JSON` | JSON log lines | `false` |
//! | `WORKER_METRICS_LISTEN` | where `/metrics` and `/health` are served; empty: nowhere | `127.0.0.1:9102` |
//!
//! The Stripe client reads `STRIPE_*` and the Salesforce client `SALESFORCE_*` (see the README).

use events::Integration;
use events::kafka::KafkaSettings;
use model::SecretString;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct WorkerConfig {
    pub database_url: SecretString,
    #[serde(default = "d_brokers")]
    pub kafka_brokers: String,
    #[serde(default)]
    pub kafka_topic_prefix: String,
    #[serde(default = "d_integrations")]
    pub integrations: String,
    #[serde(default = "d_group_prefix")]
    pub group_prefix: String,
    #[serde(default = "d_partitions")]
    pub kafka_partitions: i32,
    #[serde(default = "d_replication")]
    pub kafka_replication: i32,
    #[serde(default = "d_retry_max")]
    pub retry_max_ms: u64,
    #[serde(default = "d_max_attempts")]
    pub max_attempts: u32,
    #[serde(default = "d_batch_size")]
    pub batch_size: usize,
    #[serde(default = "d_linger")]
    pub linger_ms: u64,
    #[serde(default = "d_pool")]
    pub db_pool_size: usize,
    #[serde(default = "d_stripe_concurrency")]
    pub stripe_concurrency: usize,
    #[serde(default = "d_retention")]
    pub dedupe_retention_hours: i64,
    #[serde(default = "d_retention")]
    pub inbound_retention_hours: i64,
    #[serde(default)]
    pub salesforce_poller: bool,
    #[serde(default = "d_poll_secs")]
    pub salesforce_poll_secs: f64,
    #[serde(default)]
    pub log_json: bool,
    #[serde(default = "d_metrics_listen")]
    pub metrics_listen: String,
}

fn d_brokers() -> String {
    KafkaSettings::default().brokers
}
fn d_integrations() -> String {
    "stripe,salesforce".into()
}
fn d_group_prefix() -> String {
    "customer-sync".into()
}
fn d_retry_max() -> u64 {
    30_000
}
fn d_partitions() -> i32 {
    KafkaSettings::default().partitions
}
fn d_replication() -> i32 {
    KafkaSettings::default().replication
}
fn d_max_attempts() -> u32 {
    10
}
fn d_batch_size() -> usize {
    1000
}
fn d_linger() -> u64 {
    20
}
fn d_pool() -> usize {
    8
}
fn d_stripe_concurrency() -> usize {
    8
}
fn d_metrics_listen() -> String {
    "127.0.0.1:9102".into()
}
fn d_retention() -> i64 {
    168
}
fn d_poll_secs() -> f64 {
    5.0
}

impl WorkerConfig {
    /// Where to serve metrics, if anywhere.
    pub fn metrics_listen(&self) -> anyhow::Result<Option<std::net::SocketAddr>> {
        telemetry::metrics::listen_addr("WORKER_METRICS_LISTEN", &self.metrics_listen)
    }

    pub fn from_env() -> anyhow::Result<Self> {
        let c: Self = envy::prefixed("WORKER_").from_env()?;
        c.integration_list()?;
        anyhow::ensure!(c.salesforce_poll_secs > 0.0, "WORKER_SALESFORCE_POLL_SECS must be positive");
        Ok(c)
    }

    pub fn new(database_url: &str, kafka: &KafkaSettings) -> Self {
        Self {
            database_url: SecretString::from(database_url),
            kafka_brokers: kafka.brokers.clone(),
            kafka_topic_prefix: kafka.topic_prefix.clone(),
            integrations: d_integrations(),
            group_prefix: d_group_prefix(),
            kafka_partitions: kafka.partitions,
            kafka_replication: kafka.replication,
            retry_max_ms: d_retry_max(),
            max_attempts: d_max_attempts(),
            batch_size: d_batch_size(),
            linger_ms: d_linger(),
            db_pool_size: d_pool(),
            stripe_concurrency: d_stripe_concurrency(),
            dedupe_retention_hours: d_retention(),
            inbound_retention_hours: d_retention(),
            salesforce_poller: false,
            salesforce_poll_secs: d_poll_secs(),
            log_json: false,
            metrics_listen: String::new(),
        }
    }

    pub fn integration_list(&self) -> anyhow::Result<Vec<Integration>> {
        self.integrations.split(',').map(str::trim).filter(|s| !s.is_empty()).map(Self::parse_integration).collect()
    }

    pub fn parse_integration(name: &str) -> anyhow::Result<Integration> {
        Integration::ALL
            .into_iter()
            .find(|i| i.as_str() == name)
            .ok_or_else(|| anyhow::anyhow!("unknown integration {name:?} (stripe, salesforce)"))
    }

    pub fn kafka(&self) -> KafkaSettings {
        KafkaSettings {
            brokers: self.kafka_brokers.clone(),
            topic_prefix: self.kafka_topic_prefix.clone(),
            partitions: self.kafka_partitions,
            replication: self.kafka_replication,
        }
    }

    pub fn group(&self, integration: Integration) -> String {
        format!("{}-{}", self.group_prefix, integration.as_str())
    }
}

//! consumer-worker's configuration, read once at start from `WORKER_*` environment variables:
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `WORKER_DATABASE_URL` | PostgreSQL URL (secret) | required |
//! | `WORKER_KAFKA_BROKERS` | Kafka bootstrap servers | `127.0.0.1:9092` |
//! | `WORKER_KAFKA_TOPIC_PREFIX` | prefix of every topic name | empty |
//! | `WORKER_INTEGRATIONS` | integrations this process serves, comma-separated | `stripe,salesforce` |
//! | `WORKER_GROUP_PREFIX` | consumer group prefix; the group is `<prefix>-<integration>` | `customer-sync` |
//! | `WORKER_INSTANCE_ID` | this replica's stable name (e.g. the pod name of a StatefulSet): static group membership, so a restarted worker takes its partitions back at once instead of waiting for the dead member's session to expire; unique per running replica | none (dynamic membership) |
//! | `WORKER_SESSION_TIMEOUT_MS` | how long the group waits for a silent member before its partitions move (a static member that restarts within it resumes without a rebalance) | `10000` |
//! | `WORKER_GROUP_PROTOCOL` | `classic`, or `consumer` (KIP-848, broker-side assignment; the session timeout is then the broker's) | `classic` |
//! | `WORKER_KAFKA_PARTITIONS` / `WORKER_KAFKA_REPLICATION` | used when it creates the topics (as the relay) | `12` / `1` |
//! | `WORKER_RETRY_MAX_MS` | longest pause between retries of a failing event | `30000` |
//! | `WORKER_PARK_AFTER_ATTEMPTS` | attempts in its batch before a retryably failing event is parked, so the batch goes on (see `park`) | `3` |
//! | `WORKER_MAX_ATTEMPTS` | attempts before a retryable failure is dead-lettered; 0: retried while parked until it succeeds or `WORKER_PARK_MAX_HOURS` pass | `0` |
//! | `WORKER_PARK_MAX_HOURS` | how long a parked event is retried before it is dead-lettered | `72` |
//! | `WORKER_BATCH_SIZE` | most events handled together (coalesced per customer) | `1000` |
//! | `WORKER_LINGER_MS` | how long a batch waits for more events after the first | `20` |
//! | `WORKER_DB_POOL_SIZE` | PostgreSQL connections | `8` |
//! | `WORKER_STRIPE_CONCURRENCY` | Stripe calls in flight (the rate limit `STRIPE_RATE_LIMIT` still applies) | `8` |
//! | `WORKER_DEDUPE_RETENTION_HOURS` | how long processed event ids are remembered | `168` |
//! | `WORKER_INBOUND_RETENTION_HOURS` | how long delivery ids of webhooks and Outbound Messages are remembered (longer than Stripe's 3 days of retries) | `168` |
//! | `WORKER_SALESFORCE_POLLER` | run the Salesforce poller: the safety net behind Outbound Messages and callouts (and the only path for orgs that cannot reach the api) | `true` |
//! | `WORKER_SALESFORCE_POLL_SECS` | the poller's interval: one API call per poll (plus one per 2,000 changed Contacts), 8,640 a day at 10 s | `10` |
//! | `WORKER_STRIPE_CATCHUP` | run the Stripe events catch-up: the guarantee behind the webhooks | `true` |
//! | `WORKER_STRIPE_CATCHUP_SECS` | its interval: one `GET /v1/events` per read (plus one per 100 events) | `5` |
//! | `WORKER_ANTI_ENTROPY_SECS` | interval of the anti-entropy pass (`reconcile --fix` in the background, one pass per integration per interval across all workers; drift is repaired when two passes in a row find it); 0: off | `300` |
//! | `WORKER_LOG_JSON` | JSON log lines | `false` |
//! | `WORKER_METRICS_LISTEN` | where `/metrics` and `/health` are served; empty: nowhere | `127.0.0.1:9102` |
//!
//! The Stripe client reads `STRIPE_*` and the Salesforce client `SALESFORCE_*` (see the README).

use events::Integration;
use kafka::KafkaSettings;
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
    #[serde(default)]
    pub instance_id: Option<String>,
    #[serde(default = "d_session_timeout")]
    pub session_timeout_ms: u64,
    #[serde(default = "d_group_protocol")]
    pub group_protocol: String,
    #[serde(default = "d_partitions")]
    pub kafka_partitions: i32,
    #[serde(default = "d_replication")]
    pub kafka_replication: i32,
    #[serde(default = "d_retry_max")]
    pub retry_max_ms: u64,
    #[serde(default = "d_max_attempts")]
    pub max_attempts: u32,
    #[serde(default = "d_park_after")]
    pub park_after_attempts: u32,
    #[serde(default = "d_park_max_hours")]
    pub park_max_hours: i64,
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
    #[serde(default = "d_true")]
    pub salesforce_poller: bool,
    #[serde(default = "d_poll_secs")]
    pub salesforce_poll_secs: f64,
    #[serde(default = "d_true")]
    pub stripe_catchup: bool,
    #[serde(default = "d_catchup_secs")]
    pub stripe_catchup_secs: f64,
    #[serde(default = "d_anti_entropy")]
    pub anti_entropy_secs: f64,
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
fn d_session_timeout() -> u64 {
    10_000
}
fn d_group_protocol() -> String {
    "classic".into()
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
    0
}
fn d_park_after() -> u32 {
    3
}
fn d_park_max_hours() -> i64 {
    72
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
    10.0
}
fn d_catchup_secs() -> f64 {
    5.0
}
fn d_anti_entropy() -> f64 {
    300.0
}
fn d_true() -> bool {
    true
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
        anyhow::ensure!(c.stripe_catchup_secs > 0.0, "WORKER_STRIPE_CATCHUP_SECS must be positive");
        anyhow::ensure!(c.anti_entropy_secs >= 0.0, "WORKER_ANTI_ENTROPY_SECS must be 0 (off) or positive");
        anyhow::ensure!(
            matches!(c.group_protocol.as_str(), "classic" | "consumer"),
            "WORKER_GROUP_PROTOCOL must be classic or consumer, not {:?}",
            c.group_protocol
        );
        anyhow::ensure!(
            (6_000..=300_000).contains(&c.session_timeout_ms),
            "WORKER_SESSION_TIMEOUT_MS must be between 6000 (the broker's minimum) and 300000"
        );
        if let Some(id) = &c.instance_id {
            anyhow::ensure!(
                !id.is_empty()
                    && id.len() <= 200
                    && id.chars().all(|ch| ch.is_ascii_alphanumeric() || "._-".contains(ch)),
                "WORKER_INSTANCE_ID must be 1-200 characters of letters, digits, '.', '_' or '-'"
            );
        }
        Ok(c)
    }

    pub fn new(database_url: &str, kafka: &KafkaSettings) -> Self {
        Self {
            database_url: SecretString::from(database_url),
            kafka_brokers: kafka.brokers.clone(),
            kafka_topic_prefix: kafka.topic_prefix.clone(),
            integrations: d_integrations(),
            group_prefix: d_group_prefix(),
            instance_id: None,
            session_timeout_ms: d_session_timeout(),
            group_protocol: d_group_protocol(),
            kafka_partitions: kafka.partitions,
            kafka_replication: kafka.replication,
            retry_max_ms: d_retry_max(),
            max_attempts: d_max_attempts(),
            park_after_attempts: d_park_after(),
            park_max_hours: d_park_max_hours(),
            batch_size: d_batch_size(),
            linger_ms: d_linger(),
            db_pool_size: d_pool(),
            stripe_concurrency: d_stripe_concurrency(),
            dedupe_retention_hours: d_retention(),
            inbound_retention_hours: d_retention(),
            salesforce_poller: false,
            salesforce_poll_secs: d_poll_secs(),
            stripe_catchup: false,
            stripe_catchup_secs: d_catchup_secs(),
            anti_entropy_secs: 0.0,
            log_json: false,
            metrics_listen: String::new(),
        }
    }

    pub fn integration_list(&self) -> anyhow::Result<Vec<Integration>> {
        self.integrations.split(',').map(str::trim).filter(|s| !s.is_empty()).map(Self::parse_integration).collect()
    }

    pub fn parse_integration(name: &str) -> anyhow::Result<Integration> {
        registry::named(name).ok_or_else(|| anyhow::anyhow!("unknown integration {name:?} ({})", registry::names()))
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

    /// The consumer settings of `integration`'s group: the shared ones, plus membership. With an instance id
    /// the member is static (`group.instance.id`): a worker killed and restarted under the same name gets its
    /// partitions back as soon as it rejoins, where a new dynamic member would wait until the dead one's
    /// session expired (measured in docs/operations.md).
    pub fn consumer_config(&self, integration: Integration) -> rdkafka::ClientConfig {
        let mut c = self.kafka().consumer_config(&self.group(integration));
        if self.group_protocol == "consumer" {
            // KIP-848: the broker assigns (range keeps one customer's three topics together) and owns the
            // session timeout; the classic-only settings must not be set.
            c.remove("partition.assignment.strategy");
            c.set("group.protocol", "consumer").set("group.remote.assignor", "range");
        } else {
            let session = self.session_timeout_ms;
            c.set("session.timeout.ms", session.to_string()).set("heartbeat.interval.ms", (session / 3).to_string());
        }
        if let Some(id) = &self.instance_id {
            c.set("group.instance.id", id);
        }
        c
    }
}

//! consumer-worker's configuration, read once at start from `WORKER_*` environment variables:
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `WORKER_DATABASE_URL` | PostgreSQL URL (secret) | required |
//! | `WORKER_KAFKA_BROKERS` | Kafka bootstrap servers | `127.0.0.1:9092` |
//! | `WORKER_KAFKA_TOPIC_PREFIX` | prefix of every topic name | empty |
//! | `WORKER_INTEGRATIONS` | integrations this process serves, comma-separated | `stripe,salesforce` |
//! | `WORKER_GROUP_PREFIX` | consumer group prefix; the group is `<prefix>-<integration>` | `customer-sync` |
//! | `WORKER_RETRY_MAX_MS` | longest pause between retries of a failing event | `30000` |
//! | `WORKER_LOG_JSON` | JSON log lines | `false` |

use events::Integration;
use events::kafka::KafkaSettings;
use model::Secret;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct WorkerConfig {
    pub database_url: Secret<String>,
    #[serde(default = "d_brokers")]
    pub kafka_brokers: String,
    #[serde(default)]
    pub kafka_topic_prefix: String,
    #[serde(default = "d_integrations")]
    pub integrations: String,
    #[serde(default = "d_group_prefix")]
    pub group_prefix: String,
    #[serde(default = "d_retry_max")]
    pub retry_max_ms: u64,
    #[serde(default)]
    pub log_json: bool,
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

impl WorkerConfig {
    pub fn from_env() -> anyhow::Result<Self> {
        let c: Self = envy::prefixed("WORKER_").from_env()?;
        c.integration_list()?;
        Ok(c)
    }

    pub fn new(database_url: &str, kafka: &KafkaSettings) -> Self {
        Self {
            database_url: Secret::new(database_url.into()),
            kafka_brokers: kafka.brokers.clone(),
            kafka_topic_prefix: kafka.topic_prefix.clone(),
            integrations: d_integrations(),
            group_prefix: d_group_prefix(),
            retry_max_ms: d_retry_max(),
            log_json: false,
        }
    }

    pub fn integration_list(&self) -> anyhow::Result<Vec<Integration>> {
        self.integrations
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| match s {
                "stripe" => Ok(Integration::Stripe),
                "salesforce" => Ok(Integration::Salesforce),
                other => anyhow::bail!("WORKER_INTEGRATIONS: unknown integration {other:?}"),
            })
            .collect()
    }

    pub fn kafka(&self) -> KafkaSettings {
        KafkaSettings {
            brokers: self.kafka_brokers.clone(),
            topic_prefix: self.kafka_topic_prefix.clone(),
            ..KafkaSettings::default()
        }
    }

    pub fn group(&self, integration: Integration) -> String {
        format!("{}-{}", self.group_prefix, integration.as_str())
    }
}

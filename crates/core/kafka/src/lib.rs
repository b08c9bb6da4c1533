//! The Kafka settings shared by every binary: one place decides how producers, consumers and topics are set up.

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::RDKafkaErrorCode;
use serde::Deserialize;

use events::Topic;

/// Kafka connection settings (read by each binary with its own env prefix, e.g. `RELAY_KAFKA_BROKERS`).
#[derive(Debug, Clone, Deserialize)]
pub struct KafkaSettings {
    /// Bootstrap servers, comma-separated.
    #[serde(default = "default_brokers")]
    pub brokers: String,
    /// Prepended to every topic name (empty in production; tests use a random one to stay apart).
    #[serde(default)]
    pub topic_prefix: String,
    /// Partitions per topic when the project creates its topics.
    #[serde(default = "default_partitions")]
    pub partitions: i32,
    /// Replication factor when the project creates its topics (1 on a single broker).
    #[serde(default = "default_replication")]
    pub replication: i32,
}

fn default_brokers() -> String {
    "127.0.0.1:9092".to_owned()
}
fn default_partitions() -> i32 {
    12
}
fn default_replication() -> i32 {
    1
}

impl Default for KafkaSettings {
    fn default() -> Self {
        Self {
            brokers: default_brokers(),
            topic_prefix: String::new(),
            partitions: default_partitions(),
            replication: default_replication(),
        }
    }
}

impl KafkaSettings {
    /// The broker-side name of a plan topic.
    pub fn topic_name(&self, topic: Topic) -> String {
        format!("{}{topic}", self.topic_prefix)
    }

    /// Plan topic of a broker-side name, if it is one of ours.
    pub fn plan_topic(&self, name: &str) -> Option<Topic> {
        name.strip_prefix(self.topic_prefix.as_str()).and_then(Topic::parse)
    }

    fn base(&self) -> ClientConfig {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", &self.brokers);
        c
    }

    /// An idempotent producer: acks from all in-sync replicas, no duplicates or reordering on retry.
    pub fn producer_config(&self) -> ClientConfig {
        let mut c = self.base();
        c.set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", "2")
            .set("compression.type", "lz4")
            .set("message.timeout.ms", "30000");
        c
    }

    /// A consumer in `group` that stores offsets only when told to (after handling) and commits them
    /// periodically; a new group starts from the earliest message.
    pub fn consumer_config(&self, group: &str) -> ClientConfig {
        let mut c = self.base();
        c.set("group.id", group)
            .set("enable.auto.commit", "true")
            .set("auto.commit.interval.ms", "500")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("isolation.level", "read_committed")
            // Range assignment gives one consumer the same partition of all three topics, so one customer's
            // created, updated and deleted events are handled by one worker, in one place.
            .set("partition.assignment.strategy", "range");
        c
    }

    /// Creates the plan's topics with the configured partition count; existing topics are left alone.
    pub async fn ensure_topics(&self, topics: impl IntoIterator<Item = Topic>) -> anyhow::Result<()> {
        self.ensure_named_topics(topics.into_iter().map(|t| t.to_string())).await
    }

    /// Creates every topic the product uses: the six plan topics and the two dead-letter topics.
    pub async fn ensure_all_topics(&self) -> anyhow::Result<()> {
        let dlq = events::Integration::all().iter().copied().map(events::dlq_topic);
        self.ensure_named_topics(Topic::all().map(|t| t.to_string()).chain(dlq)).await
    }

    /// Creates topics by plan name (the prefix is added), with the configured partitions and replication.
    pub async fn ensure_named_topics(&self, plan_names: impl IntoIterator<Item = String>) -> anyhow::Result<()> {
        let admin: AdminClient<DefaultClientContext> = self.base().create()?;
        let names: Vec<String> = plan_names.into_iter().map(|t| format!("{}{t}", self.topic_prefix)).collect();
        let new: Vec<NewTopic<'_>> = names
            .iter()
            .map(|n| NewTopic::new(n, self.partitions, TopicReplication::Fixed(self.replication)))
            .collect();
        let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
        for result in admin.create_topics(&new, &opts).await? {
            match result {
                Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((name, code)) => anyhow::bail!("creating topic {name}: {code}"),
            }
        }
        Ok(())
    }
}

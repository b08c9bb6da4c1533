//! Kafka helpers for tests: a unique topic prefix per test and a reader of what landed on topics.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use events::Topic;
use kafka::KafkaSettings;
use rdkafka::Message;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Headers;

/// Settings for a test: the local broker (`KAFKA_BROKERS`), a unique topic prefix, 4 partitions.
pub fn settings() -> KafkaSettings {
    KafkaSettings {
        brokers: crate::env_or("KAFKA_BROKERS", "127.0.0.1:9092"),
        topic_prefix: format!("t{}.", &uuid::Uuid::new_v4().simple().to_string()[..12]),
        partitions: 4,
        replication: 1,
    }
}

/// One message as a test sees it.
#[derive(Debug, Clone)]
pub struct Received {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: String,
    pub headers: HashMap<String, String>,
    pub payload: serde_json::Value,
}

/// Reads the named topics from the beginning until `n` messages arrived or `timeout` passed.
pub async fn read(settings: &KafkaSettings, topics: &[Topic], n: usize, timeout: Duration) -> Vec<Received> {
    let names: Vec<String> = topics.iter().map(|t| t.to_string()).collect();
    read_named(settings, &names, n, timeout).await
}

/// Like [`read`], for topics given by plan name (e.g. `stripe-customer-dlq`); the prefix is added.
pub async fn read_named(settings: &KafkaSettings, plan_names: &[String], n: usize, timeout: Duration) -> Vec<Received> {
    let group = format!("test-reader-{}", uuid::Uuid::new_v4());
    let consumer: StreamConsumer =
        settings.consumer_config(&group).set("enable.auto.commit", "false").create().expect("a test consumer");
    let names: Vec<String> = plan_names.iter().map(|t| format!("{}{t}", settings.topic_prefix)).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    consumer.subscribe(&refs).expect("subscribe");
    let deadline = Instant::now() + timeout;
    let mut out = Vec::new();
    while out.len() < n {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match tokio::time::timeout(left, consumer.recv()).await {
            Ok(Ok(m)) => out.push(received(&m)),
            // A topic the process under test has not created yet: wait for it.
            Ok(Err(rdkafka::error::KafkaError::MessageConsumption(
                rdkafka::types::RDKafkaErrorCode::UnknownTopicOrPartition,
            ))) => tokio::time::sleep(Duration::from_millis(100)).await,
            Ok(Err(e)) => panic!("kafka error while reading: {e}"),
            Err(_) => break,
        }
    }
    out
}

fn received(m: &rdkafka::message::BorrowedMessage<'_>) -> Received {
    let headers = m
        .headers()
        .map(|hs| {
            hs.iter()
                .map(|h| (h.key.to_owned(), String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned()))
                .collect()
        })
        .unwrap_or_default();
    Received {
        topic: m.topic().to_owned(),
        partition: m.partition(),
        offset: m.offset(),
        key: String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned(),
        headers,
        payload: serde_json::from_slice(m.payload().unwrap_or_default()).unwrap_or(serde_json::Value::Null),
    }
}

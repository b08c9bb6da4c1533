//! The group's lag on every partition of its topics, whoever holds it, or nobody. librdkafka's statistics
//! report lag only for the partitions a consumer is assigned, so a partition left with a dead member (until
//! its session expires) or never assigned would look healthy: no lag reported, nothing consumed. This
//! watcher asks the group coordinator for the committed offsets of every partition and the brokers for the
//! high watermarks, every [`INTERVAL`], and publishes:
//!
//! - `kafka_group_lag{group,topic,partition}`: high watermark minus the committed offset (minus the low
//!   watermark when nothing was committed yet: the group starts at the earliest message);
//! - `kafka_group_lag_total{group}`: their sum.
//!
//! It uses a consumer of its own that never subscribes, so it never joins the group or takes partitions.
//! Every replica of a group reports the same figures; take the maximum across replicas.

use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::watch;

/// How often the lag is read.
pub const INTERVAL: Duration = Duration::from_secs(5);
const TIMEOUT: Duration = Duration::from_secs(5);

/// Reads the lag of `group` on `topics` every [`INTERVAL`] until `shutdown` turns true.
pub async fn watch(
    mut config: rdkafka::ClientConfig,
    group: String,
    topics: Vec<String>,
    mut shutdown: watch::Receiver<bool>,
) {
    // Not a member: no instance id (it would fence the real consumer) and no statistics.
    config.remove("group.instance.id");
    let consumer: BaseConsumer = match config.create() {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "the group lag watcher could not start");
            return;
        }
    };
    let consumer = std::sync::Arc::new(consumer);
    while !*shutdown.borrow() {
        let (c, t) = (consumer.clone(), topics.clone());
        match tokio::task::spawn_blocking(move || read(&c, &t)).await {
            Ok(Ok(lags)) => publish(&group, &lags),
            Ok(Err(e)) => tracing::debug!(error = %e, "reading the group's lag failed"),
            Err(e) => tracing::debug!(error = %e, "the lag reader panicked"),
        }
        tokio::select! {
            _ = shutdown.changed() => {}
            _ = tokio::time::sleep(INTERVAL) => {}
        }
    }
}

/// (topic, partition, lag) for every partition of `topics`, as the group of `config` stands (blocking).
pub fn read_once(mut config: rdkafka::ClientConfig, topics: &[String]) -> anyhow::Result<Vec<(String, i32, i64)>> {
    config.remove("group.instance.id");
    read(&config.create()?, topics)
}

/// (topic, partition, lag) for every partition of `topics`.
fn read(consumer: &BaseConsumer, topics: &[String]) -> anyhow::Result<Vec<(String, i32, i64)>> {
    let mut list = TopicPartitionList::new();
    for topic in topics {
        let metadata = consumer.fetch_metadata(Some(topic), TIMEOUT)?;
        for t in metadata.topics() {
            for p in t.partitions() {
                list.add_partition(t.name(), p.id());
            }
        }
    }
    let committed = consumer.committed_offsets(list, TIMEOUT)?;
    let mut lags = Vec::new();
    for e in committed.elements() {
        let (low, high) = consumer.fetch_watermarks(e.topic(), e.partition(), TIMEOUT)?;
        let from = match e.offset() {
            Offset::Offset(o) => o,
            _ => low,
        };
        lags.push((e.topic().to_owned(), e.partition(), (high - from).max(0)));
    }
    Ok(lags)
}

fn publish(group: &str, lags: &[(String, i32, i64)]) {
    let mut total = 0;
    for (topic, partition, lag) in lags {
        total += lag;
        let labels = [("group", group.to_owned()), ("topic", topic.clone()), ("partition", partition.to_string())];
        metrics::gauge!("kafka_group_lag", &labels).set(*lag as f64);
    }
    metrics::gauge!("kafka_group_lag_total", "group" => group.to_owned()).set(total as f64);
}

//! One integration's consumer loop: gather a batch (up to `WORKER_BATCH_SIZE` events, waiting at most
//! `WORKER_LINGER_MS` after the first), hand it to the handler, retry what failed retryably with backoff,
//! dead-letter what failed for good or ran out of attempts (and what cannot be decoded), and only then store
//! the batch's offsets for the next commit. A crash before the store means the batch is delivered again;
//! handlers are idempotent. SIGTERM lets the batch in hand finish (or stop between retries, unstored).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use backon::BackoffBuilder;
use events::{CustomerEvent, Integration, Topic};
use model::db::PgPool;
use rdkafka::Message;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Headers};
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::watch;

use crate::config::WorkerConfig;
use crate::dlq::{self, Letter};
use crate::handler::{HandleError, Handler};

/// A consumed message, decoded or not.
struct Item<'a> {
    message: BorrowedMessage<'a>,
    event: Result<CustomerEvent, String>,
}

/// Consumes `integration`'s topics until `shutdown` turns true, then commits what was handled.
pub async fn consume(
    config: &WorkerConfig,
    integration: Integration,
    handler: Arc<dyn Handler>,
    pool: PgPool<diesel_async::AsyncPgConnection>,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let kafka = config.kafka();
    kafka.ensure_all_topics().await?;
    let consumer: StreamConsumer = kafka.consumer_config(&config.group(integration)).create()?;
    let topics: Vec<String> = Topic::of(integration).map(|t| kafka.topic_name(t)).collect();
    consumer.subscribe(&topics.iter().map(String::as_str).collect::<Vec<_>>())?;
    tracing::info!(integration = integration.as_str(), group = %config.group(integration), "consuming");
    let linger = Duration::from_millis(config.linger_ms);
    while !*shutdown.borrow() {
        let batch = tokio::select! {
            _ = shutdown.changed() => break,
            b = gather(&consumer, config.batch_size.max(1), linger) => b,
        };
        if batch.is_empty() {
            continue;
        }
        let items: Vec<Item<'_>> = batch.into_iter().map(|message| Item { event: decode(&message), message }).collect();
        let Some(letters) = handle(&*handler, integration, &items, config, &mut shutdown).await else { break };
        if let Err(e) = dlq::write(&pool, integration, &kafka, &letters).await {
            // Not stored: leave the batch unacknowledged, it comes back after a restart or rebalance.
            tracing::error!(error = %telemetry::scrub(&format!("{e:#}")), "could not store dead letters; stopping this consumer");
            return Err(e);
        }
        store_offsets(&consumer, &items)?;
    }
    if let Err(e) = consumer.commit_consumer_state(CommitMode::Sync) {
        tracing::debug!(error = %e, "nothing to commit at shutdown");
    }
    tracing::info!(integration = integration.as_str(), "consumer stopped");
    Ok(())
}

/// Up to `max` messages: waits for the first, then at most `linger` for the rest.
async fn gather(consumer: &StreamConsumer, max: usize, linger: Duration) -> Vec<BorrowedMessage<'_>> {
    let mut batch = Vec::new();
    match consumer.recv().await {
        Ok(m) => batch.push(m),
        Err(e) => {
            tracing::warn!(error = %e, "kafka consumer error");
            tokio::time::sleep(Duration::from_millis(500)).await;
            return batch;
        }
    }
    let deadline = tokio::time::Instant::now() + linger;
    while batch.len() < max {
        match tokio::time::timeout_at(deadline, consumer.recv()).await {
            Ok(Ok(m)) => batch.push(m),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "kafka consumer error");
                break;
            }
            Err(_) => break,
        }
    }
    batch
}

fn decode(message: &BorrowedMessage<'_>) -> Result<CustomerEvent, String> {
    serde_json::from_slice(message.payload().unwrap_or_default()).map_err(|e| format!("undecodable event: {e}"))
}

/// Handles the batch, retrying retryable failures; returns the dead letters, or `None` when shutdown came
/// while events were still failing (nothing is stored then: the batch comes back).
async fn handle(
    handler: &dyn Handler,
    integration: Integration,
    items: &[Item<'_>],
    config: &WorkerConfig,
    shutdown: &mut watch::Receiver<bool>,
) -> Option<Vec<Letter>> {
    let mut letters = Vec::new();
    let mut todo: Vec<usize> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match &item.event {
            Ok(_) => todo.push(i),
            Err(reason) => letters.push(Letter::new(&item.message, reason.clone(), 1)),
        }
    }
    let mut delays = backon::ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_millis(config.retry_max_ms))
        .with_jitter()
        .without_max_times()
        .build();
    let mut attempt: u32 = 0;
    while !todo.is_empty() {
        attempt += 1;
        let events: Vec<CustomerEvent> = todo.iter().filter_map(|i| items[*i].event.clone().ok()).collect();
        let results = handler.handle(integration, &events).await;
        let mut again = Vec::new();
        for (i, result) in todo.iter().zip(results.into_iter().chain(std::iter::repeat_with(|| {
            Err(HandleError::Retryable(anyhow::anyhow!("the handler returned too few results")))
        }))) {
            match result {
                Ok(()) => {}
                Err(HandleError::Permanent(e)) => {
                    letters.push(Letter::new(&items[*i].message, format!("{e:#}"), attempt))
                }
                Err(HandleError::Retryable(e)) if attempt >= config.max_attempts => {
                    letters.push(Letter::new(&items[*i].message, format!("attempts exhausted: {e:#}"), attempt))
                }
                Err(HandleError::Retryable(e)) => {
                    tracing::warn!(error = %telemetry::scrub(&format!("{e:#}")), attempt, "event failed; will retry");
                    again.push(*i);
                }
            }
        }
        todo = again;
        if !todo.is_empty() {
            let pause = delays.next().unwrap_or(Duration::from_millis(config.retry_max_ms));
            tokio::select! {
                _ = shutdown.changed() => return None,
                _ = tokio::time::sleep(pause) => {}
            }
        }
    }
    Some(letters)
}

/// Stores, per partition, the offset after the batch's last message.
fn store_offsets(consumer: &StreamConsumer, items: &[Item<'_>]) -> anyhow::Result<()> {
    let mut next: HashMap<(String, i32), i64> = HashMap::new();
    for item in items {
        let m = &item.message;
        let entry = next.entry((m.topic().to_owned(), m.partition())).or_insert(0);
        *entry = (*entry).max(m.offset() + 1);
    }
    let mut list = TopicPartitionList::new();
    for ((topic, partition), offset) in next {
        list.add_partition_offset(&topic, partition, Offset::Offset(offset))?;
    }
    consumer.store_offsets(&list)?;
    Ok(())
}

/// A message's headers as a JSON object of strings.
pub(crate) fn headers_json(message: &BorrowedMessage<'_>) -> serde_json::Map<String, serde_json::Value> {
    let mut map = serde_json::Map::new();
    if let Some(hs) = message.headers() {
        for h in hs.iter() {
            let value = String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned();
            map.insert(h.key.to_owned(), serde_json::Value::String(value));
        }
    }
    map
}

//! One integration's consumer loop: gather a batch (up to `WORKER_BATCH_SIZE` events, waiting at most
//! `WORKER_LINGER_MS` after the first), hand it to the handler, retry what failed retryably with backoff,
//! dead-letter what failed for good or ran out of attempts (and what cannot be decoded), and only then store
//! the batch's offsets for the next commit. A crash before the store means the batch is delivered again;
//! handlers are idempotent. SIGTERM lets the batch in hand finish (or stop between retries, unstored).
//!
//! An integration an operator paused (`store::controls`) consumes nothing: its partitions are paused, the
//! consumer keeps polling so that it stays in its group, and anything fetched before the pause took effect
//! is held, unhandled, until the integration is resumed.
//!
//! Metrics: `kafka_consumer_lag{group,topic,partition}` (from librdkafka's statistics, every 5 s, for the
//! partitions this consumer holds), `kafka_group_lag{group,topic,partition}` (every partition of the group's
//! topics, held by anyone or by nobody: see [`crate::lag`]),
//! `worker_retries_total{integration}`, `worker_dead_letters_total{integration}`,
//! `worker_batch_duration_seconds{integration}`, `worker_paused{integration}`,
//! `worker_consumer_rejoins_total{integration}`.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use backon::BackoffBuilder;
use events::{CustomerEvent, Integration, Topic};
use rdkafka::consumer::{CommitMode, Consumer, ConsumerContext, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Headers};
use rdkafka::statistics::Statistics;
use rdkafka::{ClientContext, Message};
use rdkafka::{Offset, TopicPartitionList};
use store::db::PgPool;
use tokio::sync::watch;

use crate::config::WorkerConfig;
use crate::dlq::{self, Letter};
use crate::handler::{HandleError, Handler};

/// A consumed message, decoded or not.
struct Item<'a> {
    message: BorrowedMessage<'a>,
    event: Result<CustomerEvent, String>,
}

/// Reports each assigned partition's lag from librdkafka's statistics.
pub struct LagContext {
    group: String,
}

impl ClientContext for LagContext {
    fn stats(&self, statistics: Statistics) {
        for (topic, t) in &statistics.topics {
            for (partition, p) in &t.partitions {
                // -1: not assigned to this consumer, or no committed offset yet.
                if *partition >= 0 && p.consumer_lag >= 0 {
                    let labels =
                        [("group", self.group.clone()), ("topic", topic.clone()), ("partition", partition.to_string())];
                    metrics::gauge!("kafka_consumer_lag", &labels).set(p.consumer_lag as f64);
                }
            }
        }
    }
}

impl ConsumerContext for LagContext {}

type Kafka = StreamConsumer<LagContext>;

/// How many times in [`REJOIN_WINDOW`] a fenced consumer is replaced in place before the worker gives up and
/// exits (two live workers sharing an instance id fence each other for ever; that must show, not spin).
const MAX_REJOINS: usize = 5;
const REJOIN_WINDOW: Duration = Duration::from_secs(600);

/// Consumes `integration`'s topics until `shutdown` turns true, then commits what was handled. `paused` holds
/// the integrations an operator paused.
///
/// A consumer that Kafka fenced (librdkafka's fatal `FencedInstanceId`: a group coordinator crashed and the
/// member's session ran out during the failover, or another member joined under the same instance id) is
/// replaced by a new one under the same id, which rejoins at once; what the old one had not stored comes
/// again. Past [`MAX_REJOINS`] in [`REJOIN_WINDOW`] the error stops the worker, for its supervisor to see.
pub async fn consume(
    config: &WorkerConfig,
    integration: Integration,
    handler: Arc<dyn Handler>,
    pool: PgPool<diesel_async::AsyncPgConnection>,
    mut shutdown: watch::Receiver<bool>,
    mut paused: watch::Receiver<BTreeSet<String>>,
) -> anyhow::Result<()> {
    let kafka = config.kafka();
    kafka.ensure_all_topics().await?;
    let group = config.group(integration);
    let topics: Vec<String> = Topic::of(integration).map(|t| kafka.topic_name(t)).collect();
    let lag = tokio::spawn(crate::lag::watch(
        config.consumer_config(integration),
        group.clone(),
        topics.clone(),
        shutdown.clone(),
    ));
    let _stop_lag = AbortOnDrop(lag);
    let retrier = tokio::spawn(crate::park::retrier(
        config.clone(),
        integration,
        handler.clone(),
        pool.clone(),
        shutdown.clone(),
    ));
    let _stop_retrier = AbortOnDrop(retrier);
    let name = integration.as_str();
    let mut rejoins: Vec<std::time::Instant> = Vec::new();
    loop {
        let fatal = consume_once(config, integration, &*handler, &pool, &topics, &mut shutdown, &mut paused).await?;
        let Some(e) = fatal else { return Ok(()) };
        rejoins.retain(|at| at.elapsed() < REJOIN_WINDOW);
        if rejoins.len() >= MAX_REJOINS || config.instance_id.is_none() {
            // Dynamic members are never fenced; a fatal error there is something else: stop, as before.
            tracing::error!(error = %e, integration = name, "fatal kafka consumer error; stopping");
            return Err(anyhow::anyhow!("fatal kafka consumer error for {name}: {e}"));
        }
        rejoins.push(std::time::Instant::now());
        metrics::counter!("worker_consumer_rejoins_total", "integration" => name).increment(1);
        tracing::warn!(
            error = %e,
            integration = name,
            rejoins = rejoins.len(),
            "the group fenced this consumer; rejoining under the same instance id with a new one"
        );
        tokio::select! {
            _ = shutdown.changed() => return Ok(()),
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}

/// One consumer's life: until shutdown (`None`, its state committed) or until librdkafka declares it dead
/// (`Some(error)`, nothing committed: the batch in hand was not stored and comes again).
async fn consume_once(
    config: &WorkerConfig,
    integration: Integration,
    handler: &dyn Handler,
    pool: &PgPool<diesel_async::AsyncPgConnection>,
    topics: &[String],
    shutdown: &mut watch::Receiver<bool>,
    paused: &mut watch::Receiver<BTreeSet<String>>,
) -> anyhow::Result<Option<rdkafka::error::KafkaError>> {
    let kafka = config.kafka();
    let group = config.group(integration);
    let consumer: Kafka = config
        .consumer_config(integration)
        .set("statistics.interval.ms", "5000")
        .create_with_context(LagContext { group: group.clone() })?;
    consumer.subscribe(&topics.iter().map(String::as_str).collect::<Vec<_>>())?;
    tracing::info!(
        integration = integration.as_str(),
        group = %group,
        instance = config.instance_id.as_deref().unwrap_or("(dynamic)"),
        "consuming"
    );
    let linger = Duration::from_millis(config.linger_ms);
    let name = integration.as_str();
    let mut held: Vec<BorrowedMessage<'_>> = Vec::new();
    let mut is_paused = false;
    metrics::gauge!("worker_paused", "integration" => name).set(0.0);
    while !*shutdown.borrow() {
        let pause_now = paused.borrow().contains(name);
        if pause_now {
            if !is_paused {
                tracing::info!(integration = name, "paused by an operator: consuming nothing until resumed");
                metrics::gauge!("worker_paused", "integration" => name).set(1.0);
                is_paused = true;
            }
            // Every round: a rebalance may have assigned new partitions since.
            let assignment = consumer.assignment()?;
            if assignment.count() > 0 {
                consumer.pause(&assignment)?;
            }
            tokio::select! {
                _ = shutdown.changed() => break,
                _ = paused.changed() => {}
                got = tokio::time::timeout(Duration::from_millis(500), consumer.recv()) => {
                    if let Ok(Ok(m)) = got {
                        held.push(m); // fetched before the pause took effect: handled after the resume
                    }
                }
            }
            continue;
        }
        if is_paused {
            let assignment = consumer.assignment()?;
            consumer.resume(&assignment)?;
            metrics::gauge!("worker_paused", "integration" => name).set(0.0);
            tracing::info!(integration = name, held = held.len(), "resumed");
            is_paused = false;
        }
        let batch = if held.is_empty() {
            // Only the wait for the first message may be cut short (by a shutdown or a pause): once a message
            // is in hand, the batch is completed and handled.
            let first = tokio::select! {
                _ = shutdown.changed() => break,
                _ = paused.changed() => continue,
                m = consumer.recv() => m,
            };
            match first {
                Ok(m) => gather(&consumer, m, config.batch_size.max(1), linger).await,
                Err(e @ rdkafka::error::KafkaError::MessageConsumptionFatal(_)) => {
                    // This consumer is dead for good (fenced, or refused by the group): never idle "healthy".
                    return Ok(Some(e));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "kafka consumer error");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            }
        } else {
            std::mem::take(&mut held)
        };
        if batch.is_empty() {
            continue;
        }
        let started = std::time::Instant::now();
        let items: Vec<Item<'_>> = batch.into_iter().map(|message| Item { event: decode(&message), message }).collect();
        let Some(letters) = handle(handler, integration, &items, config, pool, shutdown).await else { break };
        metrics::counter!("worker_dead_letters_total", "integration" => name).increment(letters.len() as u64);
        metrics::histogram!("worker_batch_duration_seconds", "integration" => name)
            .record(started.elapsed().as_secs_f64());
        if let Err(e) = dlq::write(pool, integration, &kafka, &letters).await {
            // Not stored: leave the batch unacknowledged, it comes back after a restart or rebalance.
            tracing::error!(error = %telemetry::scrub(&format!("{e:#}")), "could not store dead letters; stopping this consumer");
            return Err(e);
        }
        if let Err(e) = store_offsets(&consumer, &items) {
            // Partitions revoked meanwhile (a rebalance, a broker restart): their new owner reads the batch
            // again, which the handlers shrug off. Not a reason to stop.
            tracing::warn!(error = %e, "could not store the batch's offsets; it will be delivered again");
        }
    }
    if let Err(e) = consumer.commit_consumer_state(CommitMode::Sync) {
        tracing::debug!(error = %e, "nothing to commit at shutdown");
    }
    tracing::info!(integration = integration.as_str(), "consumer stopped");
    Ok(None)
}

/// Aborts a background task when dropped (the lag watcher ends with its consumer).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Up to `max` messages: `first`, then whatever arrives within `linger`.
async fn gather<'a>(
    consumer: &'a Kafka,
    first: BorrowedMessage<'a>,
    max: usize,
    linger: Duration,
) -> Vec<BorrowedMessage<'a>> {
    let mut batch = vec![first];
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

/// Handles the batch: events of customers already parked join the park unhandled (their order holds);
/// the rest are handled, retrying retryable failures with backoff, and after
/// `WORKER_PARK_AFTER_ATTEMPTS` attempts the ones still failing are parked (see [`crate::park`]) so the
/// batch can be acknowledged. Returns the dead letters, or `None` when shutdown came while events were still
/// failing unparked (nothing is stored then: the batch comes back). If parking itself fails (the database is
/// down), the batch keeps retrying in place: nothing is acknowledged that is not handled or parked.
async fn handle(
    handler: &dyn Handler,
    integration: Integration,
    items: &[Item<'_>],
    config: &WorkerConfig,
    pool: &PgPool<diesel_async::AsyncPgConnection>,
    shutdown: &mut watch::Receiver<bool>,
) -> Option<Vec<Letter>> {
    let mut letters = Vec::new();
    let mut delays = backon::ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_millis(config.retry_max_ms))
        .with_jitter()
        .without_max_times()
        .build();
    let behind = loop {
        match parked_keys(integration, items, pool).await {
            Ok(keys) => break keys,
            Err(e) => {
                tracing::warn!(error = %telemetry::scrub(&format!("{e:#}")), "reading parked customers failed; will retry");
                if !backoff(&mut delays, config, shutdown).await {
                    return None;
                }
            }
        }
    };
    // (item index, row): rows are parked in the order their events were consumed.
    let mut park: Vec<(usize, store::parked::NewParked)> = Vec::new();
    let mut todo: Vec<usize> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match &item.event {
            Ok(_) if behind.contains(&key_of(&item.message)) => {
                let row = crate::park::new_parked(integration, &item.message, 0, "behind a parked event", config);
                park.push((i, row))
            }
            Ok(_) => todo.push(i),
            Err(reason) => letters.push(Letter::new(&item.message, reason.clone(), 1)),
        }
    }
    let mut attempt: u32 = 0;
    while !todo.is_empty() {
        attempt += 1;
        let events: Vec<CustomerEvent> = todo.iter().filter_map(|i| items[*i].event.clone().ok()).collect();
        let traces: Vec<Option<String>> = todo.iter().map(|i| traceparent(&items[*i].message)).collect();
        let results = handler.handle_traced(integration, &events, &traces).await;
        let mut again = Vec::new();
        let mut errors = Vec::new();
        for (i, result) in todo.iter().zip(results.into_iter().chain(std::iter::repeat_with(|| {
            Err(HandleError::Retryable(anyhow::anyhow!("the handler returned too few results")))
        }))) {
            match result {
                Ok(()) => {}
                Err(HandleError::Permanent(e)) => {
                    letters.push(Letter::new(&items[*i].message, format!("{e:#}"), attempt))
                }
                Err(HandleError::Retryable(e)) if config.max_attempts > 0 && attempt >= config.max_attempts => {
                    letters.push(Letter::new(&items[*i].message, format!("attempts exhausted: {e:#}"), attempt))
                }
                Err(HandleError::Retryable(e)) => {
                    tracing::warn!(error = %telemetry::scrub(&format!("{e:#}")), attempt, "event failed; will retry");
                    metrics::counter!("worker_retries_total", "integration" => integration.as_str()).increment(1);
                    again.push(*i);
                    errors.push(format!("{e:#}"));
                }
            }
        }
        todo = again;
        if !todo.is_empty() && attempt >= config.park_after_attempts {
            let failing = todo
                .iter()
                .zip(&errors)
                .map(|(i, e)| (*i, crate::park::new_parked(integration, &items[*i].message, attempt, e, config)));
            let mut rows: Vec<(usize, store::parked::NewParked)> = failing.chain(park.iter().cloned()).collect();
            rows.sort_by_key(|(i, _)| *i);
            let rows: Vec<store::parked::NewParked> = rows.into_iter().map(|(_, r)| r).collect();
            match park_rows(pool, &rows).await {
                Ok(()) => {
                    tracing::warn!(
                        integration = integration.as_str(),
                        parked = todo.len(),
                        "events parked; the batch goes on"
                    );
                    return Some(letters);
                }
                Err(e) => {
                    tracing::warn!(error = %telemetry::scrub(&format!("{e:#}")), "parking failed; retrying in place")
                }
            }
        }
        if !todo.is_empty() && !backoff(&mut delays, config, shutdown).await {
            return None;
        }
    }
    let park: Vec<store::parked::NewParked> = park.into_iter().map(|(_, r)| r).collect();
    while !park.is_empty() {
        match park_rows(pool, &park).await {
            Ok(()) => break,
            Err(e) => {
                tracing::warn!(error = %telemetry::scrub(&format!("{e:#}")), "parking failed; will retry");
                if !backoff(&mut delays, config, shutdown).await {
                    return None;
                }
            }
        }
    }
    Some(letters)
}

/// Waits for the next retry delay; false when shutdown came first.
async fn backoff(
    delays: &mut impl Iterator<Item = Duration>,
    config: &WorkerConfig,
    shutdown: &mut watch::Receiver<bool>,
) -> bool {
    let pause = delays.next().unwrap_or(Duration::from_millis(config.retry_max_ms));
    tokio::select! {
        _ = shutdown.changed() => false,
        _ = tokio::time::sleep(pause) => true,
    }
}

fn key_of(message: &BorrowedMessage<'_>) -> String {
    String::from_utf8_lossy(message.key().unwrap_or_default()).into_owned()
}

/// The batch's customers that have parked events.
async fn parked_keys(
    integration: Integration,
    items: &[Item<'_>],
    pool: &PgPool<diesel_async::AsyncPgConnection>,
) -> anyhow::Result<BTreeSet<String>> {
    let keys: Vec<String> = items.iter().map(|i| key_of(&i.message)).collect::<BTreeSet<_>>().into_iter().collect();
    let mut conn = pool.get().await?;
    Ok(store::parked::parked_keys(&mut conn, integration.as_str(), &keys).await?.into_iter().collect())
}

async fn park_rows(
    pool: &PgPool<diesel_async::AsyncPgConnection>,
    rows: &[store::parked::NewParked],
) -> anyhow::Result<()> {
    let mut conn = pool.get().await?;
    store::parked::park(&mut conn, rows).await?;
    Ok(())
}

/// Stores, per partition, the offset after the batch's last message.
fn store_offsets(consumer: &Kafka, items: &[Item<'_>]) -> anyhow::Result<()> {
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

/// The message's `traceparent` header, if any.
fn traceparent(message: &BorrowedMessage<'_>) -> Option<String> {
    let headers = message.headers()?;
    headers
        .iter()
        .find(|h| h.key == events::headers::TRACEPARENT)
        .and_then(|h| h.value)
        .map(|v| String::from_utf8_lossy(v).into_owned())
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

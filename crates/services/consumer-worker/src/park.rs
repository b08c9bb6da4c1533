//! Parking: a customer whose events keep failing retryably (its system refuses it for now: a locked row, a
//! rate limit, an outage) must not hold up everyone else's. After `WORKER_PARK_AFTER_ATTEMPTS` (3) quick
//! attempts in its batch, its failing events are parked in PostgreSQL (`store::parked`) and the batch's
//! offsets are stored, so the consumer moves on. Later events of a parked customer are parked behind them
//! unhandled, so that its order holds. The retrier hands each due customer's parked events to the handler
//! again, oldest first, with backoff (100 ms doubling, capped at `WORKER_RETRY_MAX_MS`), until they succeed:
//! the customer resumes by itself when its system answers again. An event fails for good (dead-lettered)
//! when it fails permanently, after `WORKER_MAX_ATTEMPTS` attempts when that is set, or once it has been
//! parked for `WORKER_PARK_MAX_HOURS` (72).
//!
//! Metric: `worker_parked_customers{integration}`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use events::{CustomerEvent, Integration};
use kafka::KafkaSettings;
use store::db::PgPool;
use store::parked::{NewParked, Parked};
use tokio::sync::watch;

use crate::config::WorkerConfig;
use crate::dlq::{self, Letter};
use crate::handler::{HandleError, Handler};

type Pool = PgPool<diesel_async::AsyncPgConnection>;

/// How long a claimed customer is kept from other retriers while it is being handled.
const LEASE: chrono::Duration = chrono::Duration::seconds(60);
/// Customers retried per round.
const CLAIM: i64 = 100;

/// The delay before attempt `attempts + 1`: 100 ms doubling, capped at `max_ms`.
pub fn backoff(attempts: i32, max_ms: u64) -> chrono::Duration {
    let exp = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
    let ms = 100u64.saturating_mul(1u64 << exp).min(max_ms.max(100));
    chrono::Duration::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// The row that parks an event consumed from Kafka.
pub(crate) fn new_parked(
    integration: Integration,
    message: &rdkafka::message::BorrowedMessage<'_>,
    attempts: u32,
    error: &str,
    config: &WorkerConfig,
) -> NewParked {
    use rdkafka::Message;
    let attempts = i32::try_from(attempts).unwrap_or(i32::MAX);
    NewParked {
        integration: integration.as_str().to_owned(),
        partition_key: String::from_utf8_lossy(message.key().unwrap_or_default()).into_owned(),
        topic: message.topic().to_owned(),
        kafka_partition: message.partition(),
        kafka_offset: message.offset(),
        headers: serde_json::Value::Object(crate::consume::headers_json(message)),
        payload: String::from_utf8_lossy(message.payload().unwrap_or_default()).into_owned(),
        attempts,
        last_error: telemetry::scrub(error),
        next_attempt_at: Utc::now() + backoff(attempts, config.retry_max_ms),
    }
}

/// Retries parked customers of `integration` until `shutdown` turns true.
pub async fn retrier(
    config: WorkerConfig,
    integration: Integration,
    handler: Arc<dyn Handler>,
    pool: Pool,
    mut shutdown: watch::Receiver<bool>,
) {
    let kafka = config.kafka();
    let name = integration.as_str();
    while !*shutdown.borrow() {
        match round(&config, integration, &*handler, &pool, &kafka).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(integration = name, handled = n, "parked events handled"),
            Err(e) => {
                tracing::warn!(integration = name, error = %telemetry::scrub(&format!("{e:#}")), "retrying parked events failed")
            }
        }
        if let Ok(mut conn) = pool.get().await
            && let Ok(n) = store::parked::customers(&mut conn, name).await
        {
            metrics::gauge!("worker_parked_customers", "integration" => name).set(n as f64);
        }
        tokio::select! {
            _ = shutdown.changed() => {}
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}

/// One round: the due customers' parked events handed to the handler; returns how many were handled.
async fn round(
    config: &WorkerConfig,
    integration: Integration,
    handler: &dyn Handler,
    pool: &Pool,
    kafka: &KafkaSettings,
) -> anyhow::Result<usize> {
    let mut conn = pool.get().await?;
    let rows = store::parked::claim_due(&mut conn, integration.as_str(), CLAIM, LEASE).await?;
    drop(conn);
    if rows.is_empty() {
        return Ok(0);
    }
    let mut letters = Vec::new();
    let mut todo: Vec<(&Parked, CustomerEvent)> = Vec::new();
    for row in &rows {
        match serde_json::from_str::<CustomerEvent>(&row.payload) {
            Ok(event) => todo.push((row, event)),
            Err(e) => letters.push(Letter::from_parked(row, format!("undecodable event: {e}"))),
        }
    }
    let events: Vec<CustomerEvent> = todo.iter().map(|(_, e)| e.clone()).collect();
    let traces: Vec<Option<String>> = todo
        .iter()
        .map(|(r, _)| r.headers.get(events::headers::TRACEPARENT).and_then(|v| v.as_str()).map(str::to_owned))
        .collect();
    let results = handler.handle_traced(integration, &events, &traces).await;
    let mut done: Vec<i64> = Vec::new();
    let mut again: HashMap<String, Vec<i64>> = HashMap::new();
    let too_old = Utc::now() - chrono::Duration::hours(config.park_max_hours);
    for ((row, _), result) in todo.iter().zip(results.into_iter().chain(std::iter::repeat_with(|| {
        Err(HandleError::Retryable(anyhow::anyhow!("the handler returned too few results")))
    }))) {
        let attempts = u32::try_from(row.attempts + 1).unwrap_or(u32::MAX);
        match result {
            Ok(()) => done.push(row.seq),
            Err(HandleError::Permanent(e)) => letters.push(Letter::from_parked(row, format!("{e:#}"))),
            Err(HandleError::Retryable(e))
                if (config.max_attempts > 0 && attempts >= config.max_attempts) || row.parked_at < too_old =>
            {
                letters.push(Letter::from_parked(row, format!("attempts exhausted while parked: {e:#}")))
            }
            Err(HandleError::Retryable(e)) => again.entry(format!("{e:#}")).or_default().push(row.seq),
        }
    }
    let handled = done.len();
    let lettered: Vec<i64> = rows.iter().filter(|r| letters_has(&letters, r)).map(|r| r.seq).collect();
    dlq::write(pool, integration, kafka, &letters).await?;
    let mut conn = pool.get().await?;
    done.extend(lettered);
    store::parked::remove(&mut conn, &done).await?;
    let attempts = rows.iter().map(|r| r.attempts).max().unwrap_or(0) + 1;
    let next = Utc::now() + backoff(attempts, config.retry_max_ms);
    for (error, seqs) in again {
        metrics::counter!("worker_retries_total", "integration" => integration.as_str()).increment(seqs.len() as u64);
        store::parked::retry_later(&mut conn, &seqs, &telemetry::scrub(&error), next).await?;
    }
    Ok(handled)
}

fn letters_has(letters: &[Letter], row: &Parked) -> bool {
    letters.iter().any(|l| l.is_of(row))
}

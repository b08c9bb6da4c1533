//! Dead letters: events the worker could not handle. Each is stored in `dead_letters` (for the status and the
//! replay command) and published to the integration's dead-letter topic through the outbox, with the reason,
//! the attempts and where it came from in headers, in one transaction. `syncctl dlq` and `/v1/dead-letters`
//! list and replay them.

use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use events::{CustomerEvent, Integration, dlq_topic, headers};
use kafka::KafkaSettings;
use rdkafka::Message;
use rdkafka::message::BorrowedMessage;
use serde_json::Value;
use store::db::PgPool;
use store::dead_letters::{self, NewDeadLetter};

/// A message to dead-letter, detached from the consumer.
pub struct Letter {
    topic: String,
    partition: i32,
    offset: i64,
    key: String,
    headers: serde_json::Map<String, Value>,
    payload: String,
    reason: String,
    attempts: u32,
}

impl Letter {
    pub(crate) fn new(m: &BorrowedMessage<'_>, reason: String, attempts: u32) -> Self {
        Self {
            topic: m.topic().to_owned(),
            partition: m.partition(),
            offset: m.offset(),
            key: String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned(),
            headers: crate::consume::headers_json(m),
            payload: String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned(),
            reason,
            attempts,
        }
    }
}

impl Letter {
    /// A parked event that failed for good or for too long.
    pub(crate) fn from_parked(p: &store::parked::Parked, reason: String) -> Self {
        Self {
            topic: p.topic.clone(),
            partition: p.kafka_partition,
            offset: p.kafka_offset,
            key: p.partition_key.clone(),
            headers: p.headers.as_object().cloned().unwrap_or_default(),
            payload: p.payload.clone(),
            reason,
            attempts: u32::try_from(p.attempts).unwrap_or(0),
        }
    }
}

impl Letter {
    /// True when this letter was made from `row`.
    pub(crate) fn is_of(&self, row: &store::parked::Parked) -> bool {
        self.topic == row.topic && self.partition == row.kafka_partition && self.offset == row.kafka_offset
    }
}

/// Stores the letters and enqueues them on the dead-letter topic, in one transaction.
pub async fn write(
    pool: &PgPool<AsyncPgConnection>,
    integration: Integration,
    kafka: &KafkaSettings,
    letters: &[Letter],
) -> anyhow::Result<()> {
    if letters.is_empty() {
        return Ok(());
    }
    let mut conn = pool.get().await?;
    conn.transaction::<_, anyhow::Error, _>(|conn| {
        async move {
            let mut rows = Vec::with_capacity(letters.len());
            for l in letters {
                let plan_topic = l.topic.strip_prefix(kafka.topic_prefix.as_str()).unwrap_or(&l.topic).to_owned();
                let event: Option<CustomerEvent> = serde_json::from_str(&l.payload).ok();
                tracing::warn!(
                    integration = integration.as_str(),
                    topic = %plan_topic,
                    partition = l.partition,
                    offset = l.offset,
                    event_id = ?event.as_ref().map(|e| e.event_id),
                    attempts = l.attempts,
                    reason = %telemetry::scrub(&l.reason),
                    "event dead-lettered"
                );
                let mut h = l.headers.clone();
                h.insert(headers::DLQ_REASON.into(), Value::String(l.reason.clone()));
                h.insert(headers::DLQ_ATTEMPTS.into(), Value::String(l.attempts.to_string()));
                h.insert(headers::DLQ_ORIGINAL_TOPIC.into(), Value::String(plan_topic.clone()));
                h.insert(headers::DLQ_ORIGINAL_PARTITION.into(), Value::String(l.partition.to_string()));
                h.insert(headers::DLQ_ORIGINAL_OFFSET.into(), Value::String(l.offset.to_string()));
                let payload =
                    serde_json::from_str::<Value>(&l.payload).unwrap_or_else(|_| Value::String(l.payload.clone()));
                let id = event.as_ref().map(|e| e.event_id).unwrap_or_else(uuid::Uuid::now_v7);
                store::outbox::enqueue_raw(conn, id, &dlq_topic(integration), &l.key, Value::Object(h), payload)
                    .await?;
                rows.push(NewDeadLetter {
                    integration: integration.as_str().to_owned(),
                    topic: plan_topic,
                    partition_key: l.key.clone(),
                    customer_id: event.as_ref().and_then(|e| e.customer_id),
                    event_id: event.as_ref().map(|e| e.event_id),
                    headers: Value::Object(l.headers.clone()),
                    payload: l.payload.clone(),
                    reason: l.reason.clone(),
                    attempts: i32::try_from(l.attempts).unwrap_or(i32::MAX),
                });
            }
            dead_letters::add_dead_letters(conn, &rows).await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await
}

//! Publishing one lane: claim its oldest rows under the lane's advisory lock, produce them, wait for Kafka's
//! acknowledgements, delete what was acknowledged, commit. A relay that dies anywhere in between leaves the rows
//! in place for the next one: events are published at least once, never lost. One lane is published by one
//! relay at a time and in id order, so the events of one key keep their order across relays.

use std::time::Duration;

use diesel::sql_types::{Bool, Integer};
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use kafka::KafkaSettings;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use store::outbox::{self, OutboxRow};

/// Lanes in the outbox (the migration's `hashtext(partition_key) & 15`).
pub const LANES: i16 = 16;
/// The advisory lock class of outbox lanes.
const LOCK_CLASS: i32 = 0x0b0c;

#[derive(diesel::QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

pub struct Publisher {
    pub producer: FutureProducer,
    pub kafka: KafkaSettings,
    pub batch_size: i64,
    pub pause_after_produce: Duration,
}

impl Publisher {
    /// Publishes up to one batch of `lane`; returns how many events Kafka acknowledged (0 when the lane is
    /// empty or another relay holds it).
    pub async fn lane(&self, conn: &mut AsyncPgConnection, lane: i16) -> anyhow::Result<usize> {
        conn.transaction(|conn| async move { self.lane_in(conn, lane).await }.scope_boxed()).await
    }

    async fn lane_in(&self, conn: &mut AsyncPgConnection, lane: i16) -> anyhow::Result<usize> {
        let lock: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1, $2) AS locked")
            .bind::<Integer, _>(LOCK_CLASS)
            .bind::<Integer, _>(i32::from(lane))
            .get_result(conn)
            .await?;
        if !lock.locked {
            return Ok(0);
        }
        let rows = outbox::lane_batch(conn, lane, self.batch_size).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let acked = self.produce(&rows).await;
        if !self.pause_after_produce.is_zero() {
            tracing::warn!(lane, acked = acked.len(), "fault injection: pausing after produce, before delete");
            tokio::time::sleep(self.pause_after_produce).await;
        }
        outbox::remove(conn, &acked).await?;
        Ok(acked.len())
    }

    /// Produces the rows in order and returns the ids of the leading rows Kafka acknowledged. Rows after the
    /// first failure stay in the outbox even if they were acknowledged, so that a retry republishes them in
    /// order (duplicates are possible; consumers deduplicate on the event id).
    async fn produce(&self, rows: &[OutboxRow]) -> Vec<i64> {
        let mut pending = Vec::with_capacity(rows.len());
        for row in rows {
            let topic = format!("{}{}", self.kafka.topic_prefix, row.topic);
            let record =
                FutureRecord::to(&topic).key(&row.partition_key).payload(&row.payload).headers(headers(&row.headers));
            match self.producer.send_result(record) {
                Ok(delivery) => pending.push((row.id, delivery)),
                Err((e, _)) => {
                    tracing::warn!(error = %e, "could not enqueue event for Kafka; will retry");
                    break;
                }
            }
        }
        let mut acked = Vec::with_capacity(pending.len());
        let mut failed = false;
        let lag = metrics::histogram!("relay_publish_lag_seconds");
        let mut per_topic: Vec<(&str, u64)> = Vec::new();
        for ((id, delivery), row) in pending.into_iter().zip(rows) {
            match delivery.await {
                Ok(Ok(_)) if !failed => {
                    // From the change's commit (the row's insert) to Kafka's acknowledgement.
                    let micros = (chrono::Utc::now() - row.created_at).num_microseconds().unwrap_or(i64::MAX);
                    lag.record(micros as f64 / 1e6);
                    match per_topic.iter_mut().find(|(t, _)| *t == row.topic) {
                        Some((_, n)) => *n += 1,
                        None => per_topic.push((&row.topic, 1)),
                    }
                    acked.push(id)
                }
                Ok(Ok(_)) => {}
                Ok(Err((e, _))) => {
                    tracing::warn!(error = %e, outbox_id = id, "Kafka refused an event; will retry");
                    metrics::counter!("relay_publish_errors_total").increment(1);
                    failed = true;
                }
                Err(_) => {
                    metrics::counter!("relay_publish_errors_total").increment(1);
                    failed = true
                }
            }
        }
        for (topic, n) in per_topic {
            metrics::counter!("relay_published_total", "topic" => topic.to_owned()).increment(n);
        }
        acked
    }
}

fn headers(stored: &serde_json::Value) -> OwnedHeaders {
    let mut h = OwnedHeaders::new();
    if let Some(map) = stored.as_object() {
        for (key, value) in map {
            if let Some(v) = value.as_str() {
                h = h.insert(Header { key, value: Some(v) });
            }
        }
    }
    h
}

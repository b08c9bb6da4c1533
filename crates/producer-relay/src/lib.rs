//! producer-relay: tails the transactional outbox into Kafka. It wakes on `NOTIFY outbox` (with a fallback
//! poll), publishes lane by lane with an idempotent producer (acks=all, key = partition key, headers from the
//! row) and deletes rows only after Kafka acknowledged them. Any number of relays may run at once. It must
//! never decide what an event means: it moves rows, in order, at least once.

pub mod config;
pub mod listener;
pub mod publish;

use std::sync::Arc;
use std::time::Duration;

use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::Pool;
use events::Topic;
use futures::{StreamExt, stream};
use rdkafka::producer::{FutureProducer, Producer};
use tokio::sync::{Notify, watch};

pub use config::RelayConfig;
use publish::{LANES, Publisher};

/// Runs the relay until `shutdown` turns true; then finishes the batch in flight and flushes the producer.
pub async fn run(config: RelayConfig, mut shutdown: watch::Receiver<bool>) -> anyhow::Result<()> {
    let kafka = config.kafka();
    kafka.ensure_all_topics().await?;
    let producer: FutureProducer = kafka.producer_config().create()?;
    let pool = model::db::pool(config.database_url.expose(), config.concurrency)?;
    let wake = Arc::new(Notify::new());
    let listener = tokio::spawn(listener::listen(config.database_url.expose().clone(), wake.clone()));
    let publisher = Publisher {
        producer,
        kafka,
        batch_size: config.batch_size,
        pause_after_produce: Duration::from_millis(config.pause_after_produce_ms),
    };
    tracing::info!(topics = %publisher.kafka.topic_name(Topic::all().next().expect("topics")), "relay started");
    while !*shutdown.borrow() {
        let published = match sweep(&pool, &publisher, config.concurrency).await {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = ?e, "publishing failed; retrying shortly");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if published > 0 {
            tracing::debug!(published, "published events");
            continue;
        }
        tokio::select! {
            _ = shutdown.changed() => {}
            _ = wake.notified() => {}
            _ = tokio::time::sleep(config.poll_interval()) => {}
        }
    }
    listener.abort();
    publisher.producer.flush(Duration::from_secs(10))?;
    tracing::info!("relay stopped");
    Ok(())
}

/// Publishes one batch of every lane, `concurrency` lanes at a time; returns how many events went out.
async fn sweep(pool: &Pool<AsyncPgConnection>, publisher: &Publisher, concurrency: usize) -> anyhow::Result<usize> {
    let results: Vec<anyhow::Result<usize>> = stream::iter(0..LANES)
        .map(|lane| async move {
            let mut conn = pool.get().await?;
            publisher.lane(&mut conn, lane).await
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    results.into_iter().sum()
}

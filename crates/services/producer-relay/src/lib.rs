//! producer-relay: tails the transactional outbox into Kafka. It polls adaptively: while rows keep coming it
//! sweeps again at once; when a sweep finds nothing it probes the outbox with one cheap query, waiting 1 ms,
//! then 2, 4, … up to `RELAY_POLL_INTERVAL_MS` between probes. (It used to wake on `NOTIFY`, but PostgreSQL
//! serialises the commits of notifying transactions, which capped the api's write rate.) It publishes lane by
//! lane with an idempotent producer (acks=all, key = partition key, headers from the row) and deletes rows only
//! after Kafka acknowledged them. Any number of relays may run at once. It must never decide what an event
//! means: it moves rows, in order, at least once.

pub mod config;
pub mod publish;

use model::ExposeSecret;
use std::time::Duration;

use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use events::Topic;
use futures::{StreamExt, stream};
use rdkafka::producer::{FutureProducer, Producer};
use tokio::sync::watch;

pub use config::RelayConfig;
use publish::{LANES, Publisher};

/// Runs the relay until `shutdown` turns true; then finishes the batch in flight and flushes the producer.
pub async fn run(config: RelayConfig, mut shutdown: watch::Receiver<bool>) -> anyhow::Result<()> {
    registry::register()?;
    let kafka = config.kafka();
    kafka.ensure_all_topics().await?;
    let producer: FutureProducer = kafka.producer_config().create()?;
    let pool = store::db::pool(config.database_url.expose_secret(), config.concurrency)?;
    let publisher = Publisher {
        producer,
        kafka,
        batch_size: config.batch_size,
        pause_after_produce: Duration::from_millis(config.pause_after_produce_ms),
    };
    tracing::info!(topics = %publisher.kafka.topic_name(Topic::all().next().expect("topics")), "relay started");
    let gauges = tokio::spawn(outbox_gauges(pool.clone(), shutdown.clone()));
    let mut idle = Idle::new(config.poll_interval());
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
            idle.reset();
            continue;
        }
        // Nothing to publish: probe until something arrives, backing off.
        loop {
            tokio::select! {
                _ = shutdown.changed() => break,
                _ = tokio::time::sleep(idle.next()) => {}
            }
            if waiting(&pool).await.unwrap_or(true) {
                idle.reset();
                break;
            }
        }
    }
    publisher.producer.flush(Duration::from_secs(10))?;
    gauges.abort();
    tracing::info!("relay stopped");
    Ok(())
}

/// `outbox_rows` and `outbox_oldest_age_seconds`, sampled every second.
async fn outbox_gauges(pool: Pool<AsyncPgConnection>, mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        if let Ok(mut conn) = pool.get().await
            && let Ok((rows, oldest)) = store::outbox::depth(&mut conn).await
        {
            metrics::gauge!("outbox_rows").set(rows as f64);
            metrics::gauge!("outbox_oldest_age_seconds").set(oldest);
        }
        tokio::select! {
            _ = shutdown.changed() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

/// The pause between probes of an idle outbox: 1 ms doubling up to the poll interval.
struct Idle {
    next: Duration,
    max: Duration,
}

impl Idle {
    fn new(max: Duration) -> Self {
        Self { next: Duration::from_millis(1), max }
    }

    fn next(&mut self) -> Duration {
        let pause = self.next.min(self.max);
        self.next = (self.next * 2).min(self.max);
        pause
    }

    fn reset(&mut self) {
        self.next = Duration::from_millis(1);
    }
}

/// True when the outbox holds a row (one index probe, far cheaper than a sweep of every lane).
async fn waiting(pool: &Pool<AsyncPgConnection>) -> anyhow::Result<bool> {
    #[derive(diesel::QueryableByName)]
    struct Probe {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        waiting: bool,
    }
    let mut conn = pool.get().await?;
    let probe: Probe =
        // By the primary key: a scan would first read the dead rows a burst left behind until vacuum.
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM outbox ORDER BY id LIMIT 1) AS waiting")
            .get_result(&mut conn)
            .await?;
    Ok(probe.waiting)
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

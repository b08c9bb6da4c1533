//! Relay benchmark (run by scripts/bench/relay, not a test): starts the release `producer-relay` binary over a
//! fresh database and measures
//! 1. throughput: N outbox rows committed at once, until the last one is acknowledged by Kafka and deleted;
//! 2. publish lag at a steady rate: rows committed in small transactions at R events/s; lag is the broker's
//!    append time (topics use LogAppendTime) minus the time stamped into the row just before its commit.
//!
//! Usage: relay_bench [events=200000] [rate=1000] [seconds=20] (seconds 0: the throughput phase only)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::{Duration, Instant};

use diesel_async::RunQueryDsl;
use events::Topic;
use rdkafka::Message;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{Consumer, StreamConsumer};

const INSERT: &str = "INSERT INTO outbox (event_id, topic, partition_key, headers, payload)
  SELECT gen_random_uuid(), $2, (i % 1000)::text,
         jsonb_build_object('event-id', gen_random_uuid()::text, 'event-type', 'customer.updated', 'origin', 'local',
                            'schema-version', '1'),
         jsonb_build_object('event_id', gen_random_uuid(), 'schema_version', 1, 'type', 'customer.updated',
                            'origin', 'local', 'customer_id', gen_random_uuid(), 'external_id', null,
                            'customer', jsonb_build_object('name', 'Customer ' || i, 'email', 'c' || i || '@example.com',
                                                           'phone', '+1 555 0100', 'version', i),
                            'occurred_at', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))
  FROM generate_series(1, $1) AS i";

fn arg(n: usize, default: u64) -> u64 {
    std::env::args().nth(n).and_then(|a| a.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (events, rate, seconds) = (arg(1, 200_000), arg(2, 1000), arg(3, 20));
    registry::register()?;
    let db = testkit::db::fresh().await?;
    let kafka = testkit::kafka::settings();
    let kafka = kafka::KafkaSettings { partitions: 12, ..kafka };
    create_topics(&kafka).await?;
    let relay_bin = std::env::var("RELAY_BIN").unwrap_or_else(|_| "target/release/producer-relay".into());
    let mut relay = Command::new(relay_bin)
        .env("RELAY_DATABASE_URL", &db.url)
        .env("RELAY_KAFKA_BROKERS", &kafka.brokers)
        .env("RELAY_KAFKA_TOPIC_PREFIX", &kafka.topic_prefix)
        .env("RUST_LOG", "warn")
        // No metrics port: the relay of scripts/up may hold the default one, and this one would exit.
        .env("RELAY_METRICS_LISTEN", "")
        .spawn()?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut conn = db.connect().await?;

    // 1. Throughput.
    // Throughput rows go to one topic, lag rows to another, so the lag reader sees only the latter.
    diesel::sql_query(INSERT)
        .bind::<diesel::sql_types::Integer, _>(events as i32)
        .bind::<diesel::sql_types::Text, _>("stripe-customer-created")
        .execute(&mut conn)
        .await?;
    let start = Instant::now();
    // By the primary key: a count(*) here would scan the whole table every 20 ms and take PostgreSQL's CPU
    // from the relay being measured.
    while outbox_waiting(&mut conn).await? {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = start.elapsed();
    println!(
        "throughput: {events} events in {:.2} s = {:.0} events/s",
        took.as_secs_f64(),
        events as f64 / took.as_secs_f64()
    );

    if seconds == 0 {
        relay.kill()?;
        return Ok(());
    }

    // 2. Lag at a steady rate: a transaction of `per_tick` rows every 10 ms.
    let reader = lag_reader(&kafka)?;
    let per_tick = (rate / 100).max(1) as i32;
    let ticks = seconds * 100;
    let mut interval = tokio::time::interval(Duration::from_millis(10));
    for _ in 0..ticks {
        interval.tick().await;
        diesel::sql_query(INSERT)
            .bind::<diesel::sql_types::Integer, _>(per_tick)
            .bind::<diesel::sql_types::Text, _>("stripe-customer-updated")
            .execute(&mut conn)
            .await?;
    }
    let expected = ticks as usize * per_tick as usize;
    let mut lags = read_lags(&reader, expected).await;
    relay.kill()?;
    lags.sort_unstable();
    let pct = |p: f64| lags[((lags.len() as f64 * p) as usize).min(lags.len() - 1)];
    println!(
        "lag at {} events/s over {seconds} s ({} events): p50 {} ms, p99 {} ms, max {} ms",
        per_tick * 100,
        lags.len(),
        pct(0.50),
        pct(0.99),
        lags.last().copied().unwrap_or(0)
    );
    Ok(())
}

async fn outbox_waiting(conn: &mut diesel_async::AsyncPgConnection) -> anyhow::Result<bool> {
    #[derive(diesel::QueryableByName)]
    struct Oldest {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        id: Option<i64>,
    }
    let oldest: Oldest =
        diesel::sql_query("SELECT (SELECT id FROM outbox ORDER BY id LIMIT 1) AS id").get_result(conn).await?;
    Ok(oldest.id.is_some())
}

async fn create_topics(kafka: &kafka::KafkaSettings) -> anyhow::Result<()> {
    let admin: AdminClient<DefaultClientContext> =
        rdkafka::ClientConfig::new().set("bootstrap.servers", &kafka.brokers).create()?;
    let names: Vec<String> = Topic::all().map(|t| kafka.topic_name(t)).collect();
    let topics: Vec<NewTopic<'_>> = names
        .iter()
        .map(|n| {
            NewTopic::new(n, kafka.partitions, TopicReplication::Fixed(1))
                .set("message.timestamp.type", "LogAppendTime")
        })
        .collect();
    admin.create_topics(&topics, &AdminOptions::new()).await?;
    Ok(())
}

fn lag_reader(kafka: &kafka::KafkaSettings) -> anyhow::Result<StreamConsumer> {
    let consumer: StreamConsumer = kafka
        .consumer_config(&format!("bench-{}", uuid::Uuid::new_v4()))
        .set("enable.auto.commit", "false")
        .create()?;
    consumer.subscribe(&[&kafka.topic_name(Topic::parse("stripe-customer-updated").expect("topic"))])?;
    Ok(consumer)
}

/// Lags in ms of the lag phase's messages.
async fn read_lags(consumer: &StreamConsumer, expected: usize) -> Vec<i64> {
    let mut lags = Vec::with_capacity(expected);
    while lags.len() < expected {
        let Ok(Ok(m)) = tokio::time::timeout(Duration::from_secs(30), consumer.recv()).await else { break };
        let payload: serde_json::Value = serde_json::from_slice(m.payload().unwrap_or_default()).unwrap_or_default();
        let appended = m.timestamp().to_millis().unwrap_or(0);
        let stamped = payload["occurred_at"]
            .as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.timestamp_millis());
        if let Some(stamped) = stamped {
            lags.push(appended - stamped);
        }
    }
    lags
}

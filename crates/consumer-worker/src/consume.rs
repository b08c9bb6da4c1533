//! One integration's consumer loop: receive, decode, handle (retrying retryable failures with backoff), and
//! only then store the message's offset for the next commit. A crash before the store means the event is
//! delivered again; handlers are idempotent.

use std::sync::Arc;
use std::time::Duration;

use events::{CustomerEvent, Integration, Topic};
use rdkafka::Message;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::BorrowedMessage;
use tokio::sync::watch;

use crate::config::WorkerConfig;
use crate::handler::{HandleError, Handler};

enum Outcome {
    /// Done with the message (handled, or skipped as permanently failing): its offset may be stored.
    Done,
    /// Shutdown came while the message was still failing: leave it for the next run.
    Interrupted,
}

/// Consumes `integration`'s topics until `shutdown` turns true, then commits what was handled.
pub async fn consume(
    config: &WorkerConfig,
    integration: Integration,
    handler: Arc<dyn Handler>,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let kafka = config.kafka();
    kafka.ensure_topics(Topic::of(integration)).await?;
    let consumer: StreamConsumer = kafka.consumer_config(&config.group(integration)).create()?;
    let topics: Vec<String> = Topic::of(integration).map(|t| kafka.topic_name(t)).collect();
    consumer.subscribe(&topics.iter().map(String::as_str).collect::<Vec<_>>())?;
    tracing::info!(integration = integration.as_str(), group = %config.group(integration), "consuming");
    let retry_max = Duration::from_millis(config.retry_max_ms);
    while !*shutdown.borrow() {
        let received = tokio::select! {
            _ = shutdown.changed() => break,
            m = consumer.recv() => m,
        };
        let message = match received {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "kafka consumer error");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        match handle(&*handler, integration, &message, &mut shutdown, retry_max).await {
            Outcome::Done => consumer.store_offset_from_message(&message)?,
            Outcome::Interrupted => break,
        }
    }
    if let Err(e) = consumer.commit_consumer_state(CommitMode::Sync) {
        tracing::debug!(error = %e, "nothing to commit at shutdown");
    }
    tracing::info!(integration = integration.as_str(), "consumer stopped");
    Ok(())
}

async fn handle(
    handler: &dyn Handler,
    integration: Integration,
    message: &BorrowedMessage<'_>,
    shutdown: &mut watch::Receiver<bool>,
    retry_max: Duration,
) -> Outcome {
    let event: CustomerEvent = match serde_json::from_slice(message.payload().unwrap_or_default()) {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(error = %e, topic = message.topic(), offset = message.offset(), "undecodable event skipped");
            return Outcome::Done;
        }
    };
    let mut attempt: u32 = 0;
    loop {
        match handler.handle(integration, &event).await {
            Ok(()) => return Outcome::Done,
            Err(HandleError::Permanent(e)) => {
                tracing::error!(error = %format!("{e:#}"), event_id = %event.event_id, "event failed for good; skipped");
                return Outcome::Done;
            }
            Err(HandleError::Retryable(e)) => {
                attempt += 1;
                let pause = backoff(attempt, retry_max);
                tracing::warn!(error = %format!("{e:#}"), event_id = %event.event_id, attempt, ?pause, "retrying event");
                tokio::select! {
                    _ = shutdown.changed() => return Outcome::Interrupted,
                    _ = tokio::time::sleep(pause) => {}
                }
            }
        }
    }
}

/// 100 ms doubling per attempt, capped, with up to 20% jitter.
fn backoff(attempt: u32, max: Duration) -> Duration {
    let base = Duration::from_millis(100).saturating_mul(1 << attempt.min(16)).min(max);
    let jitter = base.mul_f64(rand_fraction() * 0.2);
    base.saturating_sub(jitter)
}

fn rand_fraction() -> f64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    f64::from(nanos % 1000) / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let max = Duration::from_secs(5);
        assert!(backoff(1, max) <= Duration::from_millis(200));
        assert!(backoff(1, max) >= Duration::from_millis(160));
        assert!(backoff(30, max) <= max);
        assert!(backoff(30, max) >= max.mul_f64(0.8));
    }
}

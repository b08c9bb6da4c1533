//! consumer-worker: one consumer group per integration (so a Stripe outage never holds up Salesforce), each
//! consuming that integration's three topics and handing every event to a [`Handler`]. Offsets are stored only
//! after an event was handled. It must never publish to Kafka directly: anything it changes locally leaves
//! through the outbox.

pub mod config;
pub mod consume;
pub mod handler;

use std::sync::Arc;

use tokio::sync::watch;

pub use config::WorkerConfig;
pub use handler::{HandleError, Handler, LogHandler};

/// Runs a consumer per configured integration until `shutdown` turns true; each finishes the event in hand.
pub async fn run(
    config: WorkerConfig,
    handler: Arc<dyn Handler>,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let mut tasks = tokio::task::JoinSet::new();
    for integration in config.integration_list()? {
        let (config, handler, shutdown) = (config.clone(), handler.clone(), shutdown.clone());
        tasks.spawn(async move { consume::consume(&config, integration, handler, shutdown).await });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(())
}

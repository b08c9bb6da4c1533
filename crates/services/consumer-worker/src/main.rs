//! `consumer-worker`: runs the sync. Dead letters are listed and replayed with `syncctl dlq` (or
//! `/v1/dead-letters`).

use consumer_worker::WorkerConfig;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = WorkerConfig::from_env()?;
    let _telemetry = telemetry::init(config.log_json, "consumer-worker")?;
    if let Some(arg) = std::env::args().nth(1) {
        anyhow::bail!("unknown argument {arg:?}: consumer-worker takes none (dead letters: syncctl dlq list|replay)");
    }
    if let Some(listen) = config.metrics_listen()? {
        telemetry::metrics::serve(listen)?;
    }
    consumer_worker::run_sync(config, telemetry::shutdown_receiver()).await
}

use std::sync::Arc;

use consumer_worker::{LogHandler, WorkerConfig};
use tokio::sync::watch;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = WorkerConfig::from_env()?;
    telemetry::init(config.log_json);
    let (stop, shutdown) = watch::channel(false);
    tokio::spawn(async move {
        telemetry::shutdown_signal().await;
        let _ = stop.send(true);
    });
    consumer_worker::run(config, Arc::new(LogHandler), shutdown).await
}

use std::sync::Arc;

use consumer_worker::{LogHandler, WorkerConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = WorkerConfig::from_env()?;
    telemetry::init(config.log_json);
    consumer_worker::run(config, Arc::new(LogHandler), telemetry::shutdown_receiver()).await
}

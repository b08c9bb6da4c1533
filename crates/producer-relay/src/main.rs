use producer_relay::RelayConfig;
use tokio::sync::watch;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = RelayConfig::from_env()?;
    telemetry::init(config.log_json);
    let (stop, shutdown) = watch::channel(false);
    tokio::spawn(async move {
        telemetry::shutdown_signal().await;
        let _ = stop.send(true);
    });
    producer_relay::run(config, shutdown).await
}

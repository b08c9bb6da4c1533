use producer_relay::RelayConfig;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = RelayConfig::from_env()?;
    let _telemetry = telemetry::init(config.log_json, "producer-relay")?;
    if let Some(listen) = config.metrics_listen()? {
        telemetry::metrics::serve(listen)?;
    }
    producer_relay::run(config, telemetry::shutdown_receiver()).await
}

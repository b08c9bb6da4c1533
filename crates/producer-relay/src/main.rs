use producer_relay::RelayConfig;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = RelayConfig::from_env()?;
    telemetry::init(config.log_json);
    if let Some(listen) = config.metrics_listen()? {
        telemetry::metrics::serve(listen)?;
    }
    producer_relay::run(config, telemetry::shutdown_receiver()).await
}

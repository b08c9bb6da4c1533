use producer_relay::RelayConfig;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = RelayConfig::from_env()?;
    telemetry::init(config.log_json);
    producer_relay::run(config, telemetry::shutdown_receiver()).await
}

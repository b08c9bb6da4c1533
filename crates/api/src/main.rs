use std::net::TcpListener;

use api::ApiConfig;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let config = ApiConfig::from_env()?;
    telemetry::init(config.log_json);
    let listener = TcpListener::bind(&config.listen)?;
    tracing::info!(listen = %listener.local_addr()?, "api listening");
    api::run(config, listener)?.await?;
    tracing::info!("api stopped");
    Ok(())
}

//! `api` serves the HTTP API. It never migrates the database: `syncctl migrate` does, before the api starts.

use std::net::TcpListener;

use api::ApiConfig;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let config = ApiConfig::from_env()?;
    let _telemetry = telemetry::init(config.log_json, "api")?;
    if let Some(arg) = std::env::args().nth(1) {
        anyhow::bail!("unknown argument {arg:?}: the api takes none (migrations: syncctl migrate)");
    }
    let listener = TcpListener::bind(&config.listen)?;
    tracing::info!(listen = %listener.local_addr()?, "api listening");
    api::run(config, listener)?.await?;
    tracing::info!("api stopped");
    Ok(())
}

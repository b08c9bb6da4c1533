//! `api` serves the HTTP API; `api migrate` applies pending database migrations and exits.

use model::ExposeSecret;
use std::net::TcpListener;

use api::ApiConfig;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let config = ApiConfig::from_env()?;
    let _telemetry = telemetry::init(config.log_json, "api")?;
    if std::env::args().nth(1).as_deref() == Some("migrate") {
        store::db::migrate(config.database_url.expose_secret()).await?;
        tracing::info!("migrations applied");
        return Ok(());
    }
    let listener = TcpListener::bind(&config.listen)?;
    tracing::info!(listen = %listener.local_addr()?, "api listening");
    api::run(config, listener)?.await?;
    tracing::info!("api stopped");
    Ok(())
}

//! The `salesforce-sim` binary: reads `SFSIM_*` (see the library documentation), starts the simulator,
//! prints its URLs and CA file, and runs until SIGINT or SIGTERM.

use salesforce_sim::{EnvConfig, spawn};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let config = EnvConfig::from_env()?.into_sim_config()?;
    let sim = spawn(config).await?;
    println!("SALESFORCE_SIM_HTTP_URL={}", sim.http_url);
    if let (Some(https), Some(ca)) = (&sim.https_url, &sim.ca_pem) {
        println!("SALESFORCE_SIM_HTTPS_URL={https}");
        println!("SALESFORCE_SIM_CA_PEM={}", ca.display());
    }
    println!("SALESFORCE_SIM_LOGIN_URL={}", sim.login_url);
    wait_for_signal().await?;
    tracing::info!("stopping");
    sim.stop().await
}

async fn wait_for_signal() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    Ok(())
}

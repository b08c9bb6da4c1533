//! The `stripe-sim` binary: reads `STRIPESIM_*` (see the library documentation), starts the simulator,
//! prints `STRIPE_SIM_URL=http://127.0.0.1:PORT` once listening, and runs until SIGINT or SIGTERM (then
//! writes the snapshot).

use std::io::Write;

use stripe_sim::{EnvConfig, spawn};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let config = EnvConfig::from_env()?.into_sim_config()?;
    let sim = spawn(config).await?;
    println!("STRIPE_SIM_URL={}", sim.url);
    std::io::stdout().flush()?;
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

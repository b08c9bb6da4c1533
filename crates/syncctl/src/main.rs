//! `syncctl`: the operators' command line. See `syncctl --help`.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = syncctl::Cli::parse();
    syncctl::run(cli, &mut std::io::stdout()).await
}

//! `syncctl`: the operators' command line. See `syncctl --help`.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = syncctl::Cli::parse();
    match syncctl::run(cli, &mut std::io::stdout()).await {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

//! `consumer-worker`: runs the sync. `consumer-worker dlq list [stripe|salesforce]` lists open dead letters;
//! `consumer-worker dlq replay [stripe|salesforce]` puts them back on their topics through the outbox.

use consumer_worker::WorkerConfig;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use model::ExposeSecret;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = WorkerConfig::from_env()?;
    let _telemetry = telemetry::init(config.log_json, "consumer-worker")?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => {
            if let Some(listen) = config.metrics_listen()? {
                telemetry::metrics::serve(listen)?;
            }
            consumer_worker::run_sync(config, telemetry::shutdown_receiver()).await
        }
        ["dlq", command, rest @ ..] => {
            let integration = match rest.first() {
                Some(name) => Some(WorkerConfig::parse_integration(name)?),
                None => None,
            };
            let mut conn = AsyncPgConnection::establish(config.database_url.expose_secret()).await?;
            match *command {
                "list" => {
                    for l in consumer_worker::dlq::list(&mut conn, integration).await? {
                        println!(
                            "{}\t{}\t{}\t{}\t{}\tattempts={}\t{}",
                            l.id,
                            l.created_at.to_rfc3339(),
                            l.integration,
                            l.topic,
                            l.customer_id.map(|c| c.to_string()).unwrap_or_default(),
                            l.attempts,
                            l.reason.replace(['\n', '\r'], " ")
                        );
                    }
                    Ok(())
                }
                "replay" => {
                    let n = consumer_worker::dlq::replay(&mut conn, integration).await?;
                    println!("replayed {n} dead letters");
                    Ok(())
                }
                other => anyhow::bail!("unknown dlq command {other:?} (list, replay)"),
            }
        }
        other => anyhow::bail!("unknown arguments {other:?}; usage: consumer-worker [dlq list|replay [integration]]"),
    }
}

//! consumer-worker: one consumer group per integration (so a Stripe outage never holds up Salesforce), each
//! consuming that integration's three topics in batches and handing them to a [`Handler`], normally the
//! [`SyncHandler`] over the `sync-core` engine with that integration's connector. Offsets are stored only
//! after a batch was handled or dead-lettered. It must never publish to Kafka directly: anything it changes
//! locally, dead letters included, leaves through the outbox.

pub mod config;
pub mod consume;
pub mod dlq;
pub mod handler;
pub mod lag;
pub mod park;
pub mod poller;
pub mod stripe_catchup;

use model::ExposeSecret;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

pub use config::WorkerConfig;
pub use handler::{HandleError, Handler, SyncHandler};

/// Runs a consumer per configured integration until `shutdown` turns true; each finishes the batch in hand.
pub async fn run(
    config: WorkerConfig,
    handler: Arc<dyn Handler>,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    registry::register()?;
    let pool = store::db::pool(config.database_url.expose_secret(), config.db_pool_size)?;
    let (pauses, paused) = watch::channel(std::collections::BTreeSet::new());
    let mut tasks = tokio::task::JoinSet::new();
    for integration in config.integration_list()? {
        let (config, handler, shutdown, pool) = (config.clone(), handler.clone(), shutdown.clone(), pool.clone());
        let paused = paused.clone();
        tasks.spawn(async move { consume::consume(&config, integration, handler, pool, shutdown, paused).await });
    }
    tasks.spawn(watch_pauses(pool.clone(), pauses, shutdown.clone()));
    tasks.spawn(prune(pool, config.dedupe_retention_hours, config.inbound_retention_hours, shutdown));
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(())
}

/// Runs the sync: engines for the configured integrations with connectors configured from the environment,
/// and beside the consumers the background jobs that catch up on what the push paths missed: the Stripe
/// events catch-up (`WORKER_STRIPE_CATCHUP`) and the Salesforce poller (`WORKER_SALESFORCE_POLLER`), each
/// on by default where its integration runs; and the anti-entropy pass (`WORKER_ANTI_ENTROPY_SECS`), which
/// repairs whatever drift is left.
pub async fn run_sync(config: WorkerConfig, shutdown: watch::Receiver<bool>) -> anyhow::Result<()> {
    registry::register()?;
    let pool = store::db::pool(config.database_url.expose_secret(), config.db_pool_size)?;
    let integrations = config.integration_list()?;
    if integrations.is_empty() {
        tracing::warn!("WORKER_INTEGRATIONS is empty: this worker syncs nothing");
    }
    let engines = registry::engines_from_env(&pool, &integrations, config.stripe_concurrency)?;
    let mut jobs = tokio::task::JoinSet::new();
    if config.salesforce_poller && integrations.contains(&sync_salesforce::SALESFORCE) {
        let client = salesforce_client::SalesforceClient::new(&registry::salesforce_config()?)?;
        let interval = Duration::from_secs_f64(config.salesforce_poll_secs);
        jobs.spawn(poller::run(pool.clone(), client, interval, shutdown.clone()));
    }
    if config.stripe_catchup && integrations.contains(&sync_stripe::STRIPE) {
        let client = stripe_client::StripeClient::new(&registry::stripe_config()?)?;
        let interval = Duration::from_secs_f64(config.stripe_catchup_secs);
        jobs.spawn(stripe_catchup::run(pool.clone(), client, interval, shutdown.clone()));
    }
    if config.anti_entropy_secs > 0.0 && !integrations.is_empty() {
        let interval = Duration::from_secs_f64(config.anti_entropy_secs);
        jobs.spawn(syncctl::anti_entropy::run(pool.clone(), integrations.clone(), interval, shutdown.clone()));
    }
    run(config, Arc::new(SyncHandler::new(engines)), shutdown).await?;
    while let Some(done) = jobs.join_next().await {
        done??;
    }
    Ok(())
}

/// Runs `job` (named `what` in the logs) every `interval` until `shutdown` turns true: a failed round is
/// logged and tried again next time. `job` returns how many changes it published.
pub(crate) async fn every<F, Fut>(
    what: &'static str,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
    mut job: F,
) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<usize>>,
{
    tracing::info!(job = what, interval_secs = interval.as_secs_f64(), "background job started");
    loop {
        match job().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(job = what, published = n, "published changes the push paths had not"),
            Err(e) => {
                tracing::warn!(job = what, error = %telemetry::scrub(&format!("{e:#}")), "failed; will try again")
            }
        }
        tokio::select! {
            _ = shutdown.changed() => return Ok(()),
            _ = tokio::time::sleep(interval) => {}
        }
    }
}

/// Reads the paused integrations every second (`store::controls`), so that a pause or resume takes effect
/// without a restart.
async fn watch_pauses(
    pool: store::db::PgPool<diesel_async::AsyncPgConnection>,
    pauses: watch::Sender<std::collections::BTreeSet<String>>,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    while !*shutdown.borrow() {
        if let Ok(mut conn) = pool.get().await {
            match store::controls::paused(&mut conn).await {
                Ok(list) => {
                    let now: std::collections::BTreeSet<String> = list.into_iter().map(|p| p.integration).collect();
                    pauses.send_if_modified(|current| {
                        let changed = *current != now;
                        *current = now;
                        changed
                    });
                }
                Err(e) => tracing::warn!(error = %e, "reading paused integrations failed"),
            }
        }
        tokio::select! {
            _ = shutdown.changed() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
    Ok(())
}

/// Forgets processed event ids and inbound delivery ids older than their retentions, hourly (every worker
/// does it; the deletes are idempotent and batched).
async fn prune(
    pool: store::db::PgPool<diesel_async::AsyncPgConnection>,
    dedupe_hours: i64,
    inbound_hours: i64,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    loop {
        if let Ok(mut conn) = pool.get().await {
            let before = chrono::Utc::now() - chrono::Duration::hours(dedupe_hours);
            match store::processed_events::prune_processed(&mut conn, before).await {
                Ok(n) if n > 0 => tracing::info!(pruned = n, "forgot old processed event ids"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "pruning processed events failed"),
            }
            let before = chrono::Utc::now() - chrono::Duration::hours(inbound_hours);
            loop {
                match store::inbound::prune_inbound_deliveries(&mut conn, before, 10_000).await {
                    Ok(0) => break,
                    Ok(n) => tracing::info!(pruned = n, "forgot old inbound delivery ids"),
                    Err(e) => {
                        tracing::warn!(error = %e, "pruning inbound deliveries failed");
                        break;
                    }
                }
            }
        }
        tokio::select! {
            _ = shutdown.changed() => return Ok(()),
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
        }
    }
}

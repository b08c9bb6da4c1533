//! The anti-entropy pass: `reconcile --fix`, run by the workers in the background, paced and bounded, so
//! that drift, however caused, is found and repaired without an operator. Every `interval` (per integration,
//! across all workers: the pass's turn is a row in `poll_cursors` taken under its lock, so N workers still
//! make one pass per interval) it scans one system against the catalog. A finding is repaired only when the
//! previous pass found it too: drift that is merely in flight (a push not made yet, a webhook on its way)
//! resolves itself between two passes and is left alone. So drift is repaired within two intervals.
//!
//! Every repair is a bug elsewhere (the sync's own paths should never leave drift), so each is counted:
//! `anti_entropy_repairs_total{integration,kind}`, beside `anti_entropy_passes_total{integration}` and
//! `anti_entropy_drift{integration}` (findings in the last pass, confirmed or not).
//!
//! Cost of one pass: the system's list read in full (Stripe: one call per 100 customers; Salesforce: one
//! SOQL batch per 2,000 Contacts) and the catalog read in pages of 5,000 rows.

use std::collections::HashSet;
use std::time::Duration;

use chrono::Utc;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use events::Integration;
use store::db::PgPool;
use tokio::sync::watch;
use uuid::Uuid;

use crate::progress::Progress;
use crate::reconcile::{self, Finding};
use crate::systems::System;

/// What identifies a finding from one pass to the next.
type Key = (Integration, &'static str, Option<Uuid>, Option<String>);

fn key(f: &Finding) -> Key {
    (f.integration, f.kind.as_str(), f.customer, f.record.clone())
}

/// Runs a pass over each of `integrations` every `interval` until `shutdown` turns true.
pub async fn run(
    pool: PgPool<AsyncPgConnection>,
    integrations: Vec<Integration>,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let mut systems = Vec::new();
    for integration in integrations {
        systems.push(System::from_env(integration, &pool)?);
    }
    tracing::info!(interval_secs = interval.as_secs_f64(), "anti-entropy pass scheduled");
    let mut seen: HashSet<Key> = HashSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => return Ok(()),
            _ = tokio::time::sleep(interval) => {}
        }
        for sys in &systems {
            match pass(&pool, sys, interval, &mut seen).await {
                Ok(Some(repaired)) if repaired > 0 => {
                    tracing::warn!(integration = sys.name(), repaired, "anti-entropy repaired drift (a bug elsewhere)")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(
                    integration = sys.name(),
                    error = %telemetry::scrub(&format!("{e:#}")),
                    "anti-entropy pass failed; will try again"
                ),
            }
        }
    }
}

/// One pass over `sys` if it is this worker's turn: returns how many findings were repaired, `None` when
/// another worker made the pass within `interval`. `seen` holds the previous pass's findings.
pub async fn pass(
    pool: &PgPool<AsyncPgConnection>,
    sys: &System,
    interval: Duration,
    seen: &mut HashSet<Key>,
) -> anyhow::Result<Option<usize>> {
    let mut conn = pool.get().await?;
    if !take_turn(&mut conn, sys.integration, interval).await? {
        return Ok(None);
    }
    // The system first, then the catalog: a customer created meanwhile shows as missing rather than a
    // record as orphaned (and is confirmed only if still missing next time).
    let records = reconcile::records(sys, &Progress::hidden()).await?;
    let catalog = reconcile::catalog(&mut conn).await?;
    let scan = reconcile::scan(&mut conn, sys, records, &catalog).await?;
    let name = sys.name();
    metrics::counter!("anti_entropy_passes_total", "integration" => name).increment(1);
    metrics::gauge!("anti_entropy_drift", "integration" => name).set(scan.findings.len() as f64);
    let (mut confirmed, fresh): (Vec<Finding>, Vec<Finding>) =
        scan.findings.into_iter().partition(|f| seen.contains(&key(f)));
    seen.retain(|k| k.0 != sys.integration);
    seen.extend(fresh.iter().map(key));
    if confirmed.is_empty() {
        return Ok(Some(0));
    }
    reconcile::fix(&mut conn, std::slice::from_ref(sys), &mut confirmed).await?;
    for f in &confirmed {
        metrics::counter!("anti_entropy_repairs_total", "integration" => name, "kind" => f.kind.as_str()).increment(1);
        tracing::info!(
            integration = name,
            kind = f.kind.as_str(),
            customer_id = ?f.customer,
            action = f.action.as_deref().unwrap_or("-"),
            "anti-entropy repair"
        );
    }
    Ok(Some(confirmed.len()))
}

/// True when no worker made a pass over `integration` within `interval`; records this pass as made.
async fn take_turn(conn: &mut AsyncPgConnection, integration: Integration, interval: Duration) -> anyhow::Result<bool> {
    let name = format!("anti-entropy-{}", integration.as_str());
    let since = Utc::now() - chrono::Duration::from_std(interval)? + chrono::Duration::milliseconds(500);
    let turn = conn
        .transaction::<_, anyhow::Error, _>(|conn| {
            async move {
                let last = store::poll_cursors::poll_cursor_for_update(conn, &name).await?;
                if last.is_some_and(|at| at > since) {
                    return Ok(false);
                }
                store::poll_cursors::set_poll_cursor(conn, &name, Utc::now()).await?;
                Ok(true)
            }
            .scope_boxed()
        })
        .await?;
    Ok(turn)
}

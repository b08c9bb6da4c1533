//! The Stripe catch-up: the guarantee behind the webhooks. Every `WORKER_STRIPE_CATCHUP_SECS` (5) it reads
//! the account's `customer.*` events created since its cursor (minus [`OVERLAP`]), oldest first, and records
//! each exactly as the webhook receiver does (`sync_stripe::inbound::record`: the `evt_` id in the inbound
//! log, its change in the outbox the first time only, echoes of the product's own writes left out), in the
//! transaction that moves the cursor. So an event whose webhook never arrived (the api was down, the endpoint
//! disabled, its secret rotated, deliveries given up) is published within one interval, and one that arrived
//! both ways is published once. The cursor lives in PostgreSQL (`poll_cursors`), so a restarted worker goes
//! on where it stopped; two workers take turns on the cursor's row lock.
//!
//! Stripe keeps events for 30 days: a cursor older than that has lost events, which the anti-entropy pass
//! (or `syncctl reconcile --fix`) repairs; the catch-up says so in its log. A first run starts from now
//! (importing older customers is a backfill).

use std::time::Duration;

use chrono::Utc;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use store::db::PgPool;
use stripe_client::webhook::Event;
use stripe_client::{EventListParams, StripeClient};
use sync_stripe::inbound::{CUSTOMER_EVENT_TYPES, Meaning};
use tokio::sync::watch;

/// The cursor's name in `poll_cursors`.
const CURSOR: &str = "stripe-events";
/// How far each read looks back before its cursor: events become listable a little after their `created`
/// second, and `created` has whole seconds only.
pub const OVERLAP: Duration = Duration::from_secs(10);
/// How long Stripe keeps events.
const RETENTION: chrono::Duration = chrono::Duration::days(30);

/// Catches up every `interval` until `shutdown` turns true.
pub async fn run(
    pool: PgPool<AsyncPgConnection>,
    client: StripeClient,
    interval: Duration,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    crate::every("stripe catch-up", interval, shutdown, || catch_up(&pool, &client)).await
}

/// One read: returns how many events were published by it (not already by a webhook).
pub async fn catch_up(pool: &PgPool<AsyncPgConnection>, client: &StripeClient) -> anyhow::Result<usize> {
    let mut conn = pool.get().await?;
    let Some(cursor) = store::poll_cursors::poll_cursor(&mut conn, CURSOR).await? else {
        store::poll_cursors::set_poll_cursor(&mut conn, CURSOR, Utc::now()).await?;
        return Ok(0);
    };
    if Utc::now() - cursor > RETENTION {
        tracing::warn!(cursor = %cursor, "the stripe catch-up cursor is older than Stripe keeps events: some are lost; run syncctl reconcile --fix");
    }
    let since = cursor - chrono::Duration::from_std(OVERLAP)?;
    let params = EventListParams {
        types: CUSTOMER_EVENT_TYPES.iter().map(|t| (*t).to_owned()).collect(),
        created_gte: Some(since.timestamp()),
        limit: Some(100),
        starting_after: None,
    };
    let events = client.list_all_events(&params).await?;
    metrics::counter!("stripe_catchup_events_read_total").increment(events.len() as u64);
    let published = conn
        .transaction::<_, anyhow::Error, _>(|conn| async move { record(conn, &events, cursor).await }.scope_boxed())
        .await?;
    metrics::counter!("inbound_deliveries_total", "source" => "stripe_catchup", "result" => "published")
        .increment(published as u64);
    Ok(published)
}

async fn record(
    conn: &mut AsyncPgConnection,
    events: &[Event],
    cursor: chrono::DateTime<Utc>,
) -> anyhow::Result<usize> {
    // Lock the cursor: two workers take turns instead of reading the same window at once.
    store::poll_cursors::poll_cursor_for_update(conn, CURSOR).await?;
    let mut latest = cursor;
    let mut published = 0;
    for event in events {
        if let Some(created) = chrono::DateTime::from_timestamp(event.created, 0) {
            latest = latest.max(created);
        }
        let publish = match sync_stripe::inbound::meaning(event) {
            Ok(Meaning::Ignored) => continue,
            Ok(Meaning::Echo) => None,
            Ok(Meaning::Change(change)) => Some(change),
            Err(reason) => {
                tracing::warn!(event_id = %event.id, reason, "a stripe event that is not about a customer; skipped");
                continue;
            }
        };
        let first = sync_stripe::inbound::record(conn, &event.id, publish.as_ref(), None).await?;
        if first && publish.is_some() {
            published += 1;
        }
    }
    store::poll_cursors::set_poll_cursor(conn, CURSOR, latest).await?;
    Ok(published)
}

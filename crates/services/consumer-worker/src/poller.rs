//! The Salesforce poller, for orgs that cannot reach the api's webhooks (`WORKER_SALESFORCE_POLLER=true`):
//! every `WORKER_SALESFORCE_POLL_SECS` (5)
//! it reads the Contacts changed since its cursor (SOQL on `SystemModstamp` through `queryAll`, so deletions
//! come too, with their fields, paged) and publishes each change as the push receivers do: the change's id
//! (record id and `SystemModstamp`) recorded in the inbound log and its event enqueued in the outbox, in the
//! transaction that moves the cursor. The window overlaps the previous one by `OVERLAP`, so a change
//! committed late is not skipped; the inbound log drops what was already published. The cursor lives in
//! PostgreSQL, so a restarted poller continues where it stopped.
//!
//! Changes equal to what the product last synced to that Contact (its own writes, or no change) are not
//! published.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use events::Topic;
use model::ExternalCustomer;
use salesforce_client::{CONTACT_FIELDS, SalesforceClient, SalesforceContact, soql};
use store::db::PgPool;
use tokio::sync::watch;

/// The cursor's name in `poll_cursors`.
const CURSOR: &str = "salesforce-contacts";
/// The inbound log's source for polled changes.
const SOURCE: &str = "salesforce-poll";
/// How far a Contact's `SystemModstamp` may lie after the product's last write to it (clock skew between
/// Salesforce and the worker) and still count as overwritten by it.
const OWN_WRITE_SLACK: chrono::Duration = chrono::Duration::seconds(1);
/// How far each poll looks back before its cursor.
pub const OVERLAP: Duration = Duration::from_secs(10);

/// Polls until `shutdown` turns true.
pub async fn run(
    pool: PgPool<AsyncPgConnection>,
    client: SalesforceClient,
    interval: Duration,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    crate::every("salesforce poller", interval, shutdown, || poll_once(&pool, &client)).await
}

/// One poll: returns how many changes were published. The first poll of a new cursor starts from now
/// (importing what existed before is a backfill, not a sync).
pub async fn poll_once(pool: &PgPool<AsyncPgConnection>, client: &SalesforceClient) -> anyhow::Result<usize> {
    let mut conn = pool.get().await?;
    let Some(cursor) = store::poll_cursors::poll_cursor(&mut conn, CURSOR).await? else {
        store::poll_cursors::set_poll_cursor(&mut conn, CURSOR, Utc::now()).await?;
        return Ok(0);
    };
    let since = cursor - chrono::Duration::from_std(OVERLAP)?;
    let mut fields = CONTACT_FIELDS.to_vec();
    fields.push(client.external_id_field());
    let query = soql::Query::contacts(&fields)?
        .filter(soql::Filter::ge("SystemModstamp", since))?
        .order_by("SystemModstamp", soql::Order::Asc)?;
    let contacts = client.query_all_contacts(&query).await?;
    let published = conn
        .transaction::<_, anyhow::Error, _>(|conn| async move { publish(conn, &contacts, cursor).await }.scope_boxed())
        .await?;
    Ok(published)
}

async fn publish(
    conn: &mut AsyncPgConnection,
    contacts: &[SalesforceContact],
    cursor: DateTime<Utc>,
) -> anyhow::Result<usize> {
    // Lock the cursor: two pollers (two workers) take turns instead of publishing twice.
    store::poll_cursors::poll_cursor_for_update(conn, CURSOR).await?;
    let mut latest = cursor;
    let mut published = 0;
    for contact in contacts {
        let (Some(id), Some(stamp)) = (contact.id.as_deref(), contact.system_modstamp) else { continue };
        latest = latest.max(stamp);
        let delivery = format!("{id}@{}", stamp.timestamp_millis());
        if !store::inbound::record_delivery(conn, SOURCE, &delivery).await? || is_known(conn, contact).await? {
            continue;
        }
        let action = sync_salesforce::inbound::action_of(contact);
        if let Some(event) = sync_salesforce::inbound::contact_event(contact, action, &delivery, stamp) {
            store::outbox::enqueue(conn, Topic::new(sync_salesforce::SALESFORCE, action), &event, None).await?;
            published += 1;
        }
    }
    store::poll_cursors::set_poll_cursor(conn, CURSOR, latest).await?;
    Ok(published)
}

/// Nothing to publish: the Contact holds exactly what the product last synced to it or one of the pushes it
/// planned and has not recorded yet (its own write coming back, also one that landed while the worker could
/// not record it: PostgreSQL restarting, the worker killed), or the product wrote to it after this modification (up to [`OWN_WRITE_SLACK`]), so Salesforce no
/// longer holds what the poll read. The second case is a poll that read an earlier write of ours after a
/// later one was synced (its fields are then not the synced ones, but the change is ours), or, rarely, a
/// change someone made just before one of ours overwrote it: Salesforce and the catalog then agree on ours
/// (an Outbound Message or callout of that change, if the org sends them, still brings it).
async fn is_known(conn: &mut AsyncPgConnection, contact: &SalesforceContact) -> anyhow::Result<bool> {
    if contact.is_deleted == Some(true) {
        return Ok(false);
    }
    let Some(id) = contact.id.as_deref() else { return Ok(false) };
    let Some(link) = store::links::link_by_external_id(conn, sync_salesforce::SALESFORCE.as_str(), id).await? else {
        return Ok(false);
    };
    let overwritten = match (contact.system_modstamp, link.last_pushed_at) {
        (Some(at), Some(pushed)) => at <= pushed + OWN_WRITE_SLACK,
        _ => false,
    };
    Ok(overwritten || link.holds_own_write(&contact.fields()))
}

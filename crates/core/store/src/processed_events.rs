//! `processed_events`: events an integration has applied, so that a redelivery changes nothing.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::schema::processed_events;

/// Records `event_id` as processed by `integration`; true the first time.
pub async fn mark_processed(conn: &mut AsyncPgConnection, integration: &str, event_id: Uuid) -> QueryResult<bool> {
    let n = diesel::insert_into(processed_events::table)
        .values((processed_events::integration.eq(integration), processed_events::event_id.eq(event_id)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// Forgets processed events older than `before`; returns how many.
pub async fn prune_processed(conn: &mut AsyncPgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(processed_events::table.filter(processed_events::processed_at.lt(before))).execute(conn).await
}

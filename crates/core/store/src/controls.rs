//! Operator controls of the sync: pausing an integration. A paused integration's workers stop consuming (the
//! events wait in Kafka) until it is resumed, without a restart; they check every second.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

use crate::schema::integration_pauses;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq, Eq)]
#[diesel(table_name = integration_pauses)]
pub struct Pause {
    pub integration: String,
    pub paused_at: DateTime<Utc>,
    pub paused_by: String,
    pub reason: Option<String>,
}

/// Pauses `integration` (again: the newest pause's author and reason win).
pub async fn pause(
    conn: &mut AsyncPgConnection,
    integration: &str,
    by: &str,
    reason: Option<&str>,
) -> QueryResult<Pause> {
    diesel::insert_into(integration_pauses::table)
        .values((
            integration_pauses::integration.eq(integration),
            integration_pauses::paused_by.eq(by),
            integration_pauses::reason.eq(reason),
        ))
        .on_conflict(integration_pauses::integration)
        .do_update()
        .set((
            integration_pauses::paused_by.eq(excluded(integration_pauses::paused_by)),
            integration_pauses::reason.eq(excluded(integration_pauses::reason)),
        ))
        .returning(Pause::as_returning())
        .get_result(conn)
        .await
}

/// Resumes `integration`; false if it was not paused.
pub async fn resume(conn: &mut AsyncPgConnection, integration: &str) -> QueryResult<bool> {
    let n = diesel::delete(integration_pauses::table.find(integration)).execute(conn).await?;
    Ok(n > 0)
}

/// Every paused integration.
pub async fn paused(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Pause>> {
    integration_pauses::table.order(integration_pauses::integration).select(Pause::as_select()).load(conn).await
}

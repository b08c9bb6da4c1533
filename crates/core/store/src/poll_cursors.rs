//! `poll_cursors`: where each poller has read up to.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::poll_cursors;

/// Where the poller `name` has read up to; `None` before its first run.
pub async fn poll_cursor(conn: &mut AsyncPgConnection, name: &str) -> QueryResult<Option<DateTime<Utc>>> {
    poll_cursors::table.find(name).select(poll_cursors::position).first(conn).await.optional()
}

/// Like [`poll_cursor`], locking the cursor for the rest of the transaction.
pub async fn poll_cursor_for_update(conn: &mut AsyncPgConnection, name: &str) -> QueryResult<Option<DateTime<Utc>>> {
    poll_cursors::table.find(name).select(poll_cursors::position).for_update().first(conn).await.optional()
}

/// Moves the poller `name` to `position` (never backwards).
pub async fn set_poll_cursor(conn: &mut AsyncPgConnection, name: &str, position: DateTime<Utc>) -> QueryResult<()> {
    diesel::insert_into(poll_cursors::table)
        .values((poll_cursors::name.eq(name), poll_cursors::position.eq(position)))
        .on_conflict(poll_cursors::name)
        .do_update()
        .set((
            poll_cursors::position.eq(diesel::dsl::sql::<diesel::sql_types::Timestamptz>(
                "greatest(poll_cursors.position, excluded.position)",
            )),
            poll_cursors::updated_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

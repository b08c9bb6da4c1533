//! Where a backfill (`syncctl backfill`) has read up to in each system, so that a run that was stopped goes
//! on from the last page it finished. The position is the system's own paging key (the id of the last
//! record of that page), kept as text.

use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::backfill_cursors;

/// The saved position of the backfill `name`; `None` when none is in progress.
pub async fn cursor(conn: &mut AsyncPgConnection, name: &str) -> QueryResult<Option<String>> {
    backfill_cursors::table.find(name).select(backfill_cursors::position).first(conn).await.optional()
}

/// Saves the position of the backfill `name` (the id of the last record of the page it finished).
pub async fn set_cursor(conn: &mut AsyncPgConnection, name: &str, position: &str) -> QueryResult<()> {
    diesel::insert_into(backfill_cursors::table)
        .values((backfill_cursors::name.eq(name), backfill_cursors::position.eq(position)))
        .on_conflict(backfill_cursors::name)
        .do_update()
        .set((
            backfill_cursors::position.eq(excluded(backfill_cursors::position)),
            backfill_cursors::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Forgets the position of the backfill `name` (it finished, or is started over).
pub async fn clear_cursor(conn: &mut AsyncPgConnection, name: &str) -> QueryResult<()> {
    diesel::delete(backfill_cursors::table.find(name)).execute(conn).await.map(drop)
}

//! `customer_tombstones`: customers deleted from the catalog, and at which version. Deletes are final.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::schema::customer_tombstones;

/// Records that `id` was deleted at `version`. Call in the transaction that deletes the row.
pub async fn bury(conn: &mut AsyncPgConnection, id: Uuid, version: i64) -> QueryResult<()> {
    diesel::insert_into(customer_tombstones::table)
        .values((customer_tombstones::customer_id.eq(id), customer_tombstones::version.eq(version)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// The ids among `ids` that were deleted.
pub async fn buried(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<Uuid>> {
    customer_tombstones::table
        .filter(customer_tombstones::customer_id.eq_any(ids))
        .select(customer_tombstones::customer_id)
        .load(conn)
        .await
}

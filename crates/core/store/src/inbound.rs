//! Inbound deliveries already accepted, so that a redelivered webhook or notification changes nothing.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::inbound_deliveries;

/// Records a delivery; true the first time `(source, delivery_id)` is seen, false for a redelivery. Call it in
/// the transaction that stores the delivery's effect, so that both happen or neither does.
pub async fn record_delivery(conn: &mut AsyncPgConnection, source: &str, delivery_id: &str) -> QueryResult<bool> {
    let inserted = diesel::insert_into(inbound_deliveries::table)
        .values((inbound_deliveries::source.eq(source), inbound_deliveries::delivery_id.eq(delivery_id)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

/// Forgets inbound deliveries (webhook and Outbound Message ids kept for deduplication) received before
/// `before`, at most `batch` at a time so that the delete never holds many locks. Returns how many went.
pub async fn prune_inbound_deliveries(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
    batch: i64,
) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM inbound_deliveries WHERE ctid IN \
         (SELECT ctid FROM inbound_deliveries WHERE received_at < $1 LIMIT $2)",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(before)
    .bind::<diesel::sql_types::BigInt, _>(batch)
    .execute(conn)
    .await
}

/// How many inbound deliveries are remembered (for tests and metrics).
pub async fn count_inbound_deliveries(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    inbound_deliveries::table.count().get_result(conn).await
}

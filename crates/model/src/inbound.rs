//! Inbound deliveries already accepted, so that a redelivered webhook or notification changes nothing.

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

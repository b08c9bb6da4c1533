//! Parked events (`parked_events`): what the worker set aside for customers whose handling keeps failing
//! retryably, so that the rest of the queue goes on. Rows of one customer (`partition_key`) are handled in
//! `seq` order; a customer is due when its oldest row's `next_attempt_at` has passed.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

use crate::schema::parked_events;

/// A parked event.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = parked_events)]
pub struct Parked {
    pub seq: i64,
    pub integration: String,
    pub partition_key: String,
    pub topic: String,
    pub kafka_partition: i32,
    pub kafka_offset: i64,
    pub headers: Value,
    pub payload: String,
    pub attempts: i32,
    pub last_error: String,
    pub parked_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
}

/// An event to park.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = parked_events)]
pub struct NewParked {
    pub integration: String,
    pub partition_key: String,
    pub topic: String,
    pub kafka_partition: i32,
    pub kafka_offset: i64,
    pub headers: Value,
    pub payload: String,
    pub attempts: i32,
    pub last_error: String,
    pub next_attempt_at: DateTime<Utc>,
}

/// Parks `rows` (in their order).
pub async fn park(conn: &mut AsyncPgConnection, rows: &[NewParked]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(parked_events::table).values(rows).execute(conn).await.map(drop)
}

/// Which of `keys` have parked events in `integration`.
pub async fn parked_keys(conn: &mut AsyncPgConnection, integration: &str, keys: &[String]) -> QueryResult<Vec<String>> {
    parked_events::table
        .filter(parked_events::integration.eq(integration))
        .filter(parked_events::partition_key.eq_any(keys))
        .select(parked_events::partition_key)
        .distinct()
        .load(conn)
        .await
}

/// Claims up to `limit` due customers of `integration` for `lease` (their rows' next attempt moves past it,
/// so another worker does not take them meanwhile) and returns their rows, each customer's in order.
pub async fn claim_due(
    conn: &mut AsyncPgConnection,
    integration: &str,
    limit: i64,
    lease: chrono::Duration,
) -> QueryResult<Vec<Parked>> {
    let now = Utc::now();
    // A customer is due when its oldest row is: newer rows parked behind it wait with it.
    #[derive(QueryableByName)]
    struct Key {
        #[diesel(sql_type = diesel::sql_types::Text)]
        partition_key: String,
    }
    let keys: Vec<String> = diesel::sql_query(
        "SELECT p.partition_key FROM parked_events p \
         WHERE p.integration = $1 AND p.next_attempt_at <= $2 \
           AND p.seq = (SELECT min(q.seq) FROM parked_events q \
                        WHERE q.integration = p.integration AND q.partition_key = p.partition_key) \
         LIMIT $3",
    )
    .bind::<diesel::sql_types::Text, _>(integration)
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load::<Key>(conn)
    .await?
    .into_iter()
    .map(|k| k.partition_key)
    .collect();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(parked_events::table)
        .filter(parked_events::integration.eq(integration))
        .filter(parked_events::partition_key.eq_any(&keys))
        .set(parked_events::next_attempt_at.eq(now + lease))
        .returning(Parked::as_returning())
        .get_results::<Parked>(conn)
        .await
        .map(|mut rows| {
            rows.sort_by_key(|r| r.seq);
            rows
        })
}

/// Removes handled rows.
pub async fn remove(conn: &mut AsyncPgConnection, seqs: &[i64]) -> QueryResult<usize> {
    diesel::delete(parked_events::table.filter(parked_events::seq.eq_any(seqs))).execute(conn).await
}

/// Records a failed attempt on a customer's remaining rows: the next is due at `next`.
pub async fn retry_later(
    conn: &mut AsyncPgConnection,
    seqs: &[i64],
    error: &str,
    next: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(parked_events::table.filter(parked_events::seq.eq_any(seqs)))
        .set((
            parked_events::attempts.eq(parked_events::attempts + 1),
            parked_events::last_error.eq(error),
            parked_events::next_attempt_at.eq(next),
        ))
        .execute(conn)
        .await
}

/// How many customers of `integration` have parked events.
pub async fn customers(conn: &mut AsyncPgConnection, integration: &str) -> QueryResult<i64> {
    parked_events::table
        .filter(parked_events::integration.eq(integration))
        .select(diesel::dsl::count(parked_events::partition_key).aggregate_distinct())
        .first(conn)
        .await
}

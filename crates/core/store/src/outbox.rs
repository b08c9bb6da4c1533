//! The transactional outbox: events are inserted in the caller's transaction and published by producer-relay.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use events::{CustomerEvent, Topic, headers};
use serde_json::{Map, Value, json};

use crate::schema::outbox;

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct NewRow {
    event_id: uuid::Uuid,
    topic: String,
    partition_key: String,
    headers: Value,
    payload: Value,
}

/// A row waiting to be published.
#[derive(Debug, Queryable)]
pub struct OutboxRow {
    pub id: i64,
    pub topic: String,
    pub partition_key: String,
    pub headers: Value,
    /// The event's JSON as PostgreSQL prints the stored `jsonb`, published as it is: the relay moves
    /// bytes and never needs the event's structure (parsing and printing it again cost a quarter of its CPU).
    pub payload: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

fn row(topic: Topic, event: &CustomerEvent, traceparent: Option<&str>) -> QueryResult<NewRow> {
    let mut h = Map::new();
    h.insert(headers::EVENT_ID.into(), json!(event.event_id.to_string()));
    h.insert(headers::EVENT_TYPE.into(), json!(event.action.event_type()));
    h.insert(headers::ORIGIN.into(), json!(event.origin.as_str()));
    h.insert(headers::SCHEMA_VERSION.into(), json!(event.schema_version.to_string()));
    if let Some(tp) = traceparent {
        h.insert(headers::TRACEPARENT.into(), json!(tp));
    }
    Ok(NewRow {
        event_id: event.event_id,
        topic: topic.to_string(),
        partition_key: event.partition_key(),
        headers: Value::Object(h),
        payload: serde_json::to_value(event).map_err(|e| diesel::result::Error::SerializationError(e.into()))?,
    })
}

/// Outbox rows as parallel arrays, for inserting them with `unnest` inside a larger statement.
pub(crate) struct Columns {
    pub event_ids: Vec<uuid::Uuid>,
    pub topics: Vec<String>,
    pub keys: Vec<String>,
    pub headers: Vec<Value>,
    pub payloads: Vec<Value>,
}

pub(crate) fn columns(events: &[(Topic, CustomerEvent)], traceparent: Option<&str>) -> QueryResult<Columns> {
    let mut c = Columns { event_ids: vec![], topics: vec![], keys: vec![], headers: vec![], payloads: vec![] };
    for (topic, event) in events {
        let r = row(*topic, event, traceparent)?;
        c.event_ids.push(r.event_id);
        c.topics.push(r.topic);
        c.keys.push(r.partition_key);
        c.headers.push(r.headers);
        c.payloads.push(r.payload);
    }
    Ok(c)
}

/// Adds events to the outbox in one statement (so relays are woken once). Call inside the transaction that
/// made the change.
pub async fn enqueue_all(
    conn: &mut AsyncPgConnection,
    events: &[(Topic, CustomerEvent)],
    traceparent: Option<&str>,
) -> QueryResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let rows = events.iter().map(|(topic, event)| row(*topic, event, traceparent)).collect::<QueryResult<Vec<_>>>()?;
    diesel::insert_into(outbox::table).values(&rows).execute(conn).await?;
    Ok(())
}

/// Adds one event to the outbox.
pub async fn enqueue(
    conn: &mut AsyncPgConnection,
    topic: Topic,
    event: &CustomerEvent,
    traceparent: Option<&str>,
) -> QueryResult<()> {
    enqueue_all(conn, &[(topic, event.clone())], traceparent).await
}

/// Adds a stored message back to the outbox as it was (replaying a dead letter): plan topic name, key,
/// headers and payload.
pub async fn enqueue_raw(
    conn: &mut AsyncPgConnection,
    event_id: uuid::Uuid,
    topic: &str,
    key: &str,
    headers: Value,
    payload: Value,
) -> QueryResult<()> {
    let row = NewRow { event_id, topic: topic.to_owned(), partition_key: key.to_owned(), headers, payload };
    diesel::insert_into(outbox::table).values(&row).execute(conn).await?;
    Ok(())
}

/// The oldest `limit` rows of one lane.
pub async fn lane_batch(conn: &mut AsyncPgConnection, lane: i16, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::lane.eq(lane))
        .order(outbox::id)
        .limit(limit)
        .select((
            outbox::id,
            outbox::topic,
            outbox::partition_key,
            outbox::headers,
            diesel::dsl::sql::<diesel::sql_types::Text>("payload::text"),
            outbox::created_at,
        ))
        .load(conn)
        .await
}

/// Removes rows once Kafka acknowledged them.
pub async fn remove(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<usize> {
    diesel::delete(outbox::table.filter(outbox::id.eq_any(ids))).execute(conn).await
}

/// How many rows are waiting (for readiness, metrics and tests).
pub async fn pending(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    outbox::table.count().get_result(conn).await
}

/// The topics of every waiting row, oldest first (for tests and diagnostics).
pub async fn lane_batch_all(conn: &mut AsyncPgConnection) -> Vec<String> {
    outbox::table.order(outbox::id).select(outbox::topic).load(conn).await.unwrap_or_default()
}

/// The topics of the rows waiting for one partition key (a customer's events not yet on Kafka).
pub async fn pending_for(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<Vec<String>> {
    outbox::table.filter(outbox::partition_key.eq(key)).order(outbox::id).select(outbox::topic).load(conn).await
}

/// The most rows [`depth`] counts.
pub const DEPTH_COUNT_MAX: i64 = 100_000;

/// How many rows wait in the outbox (counted up to [`DEPTH_COUNT_MAX`], so that a backlog does not make
/// the count itself expensive), and the age in seconds of the oldest (0 when empty; found by the primary key,
/// ids growing with time), for the relay's gauges.
pub async fn depth(conn: &mut AsyncPgConnection) -> QueryResult<(i64, f64)> {
    #[derive(QueryableByName)]
    struct Depth {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        rows: i64,
        #[diesel(sql_type = diesel::sql_types::Double)]
        oldest_age: f64,
    }
    let d: Depth = diesel::sql_query(
        "SELECT (SELECT count(*) FROM (SELECT 1 FROM outbox LIMIT $1) AS capped) AS rows, \
         coalesce((SELECT extract(epoch FROM now() - created_at) FROM outbox ORDER BY id LIMIT 1), 0)::float8 \
         AS oldest_age",
    )
    .bind::<diesel::sql_types::BigInt, _>(DEPTH_COUNT_MAX)
    .get_result(conn)
    .await?;
    Ok((d.rows, d.oldest_age))
}

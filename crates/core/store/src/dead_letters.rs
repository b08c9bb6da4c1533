//! `dead_letters`: events a consumer could not handle, kept for inspection and replay.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::schema::dead_letters;

/// An event that could not be handled.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = dead_letters)]
pub struct NewDeadLetter {
    pub integration: String,
    pub topic: String,
    pub partition_key: String,
    pub customer_id: Option<Uuid>,
    pub event_id: Option<Uuid>,
    pub headers: serde_json::Value,
    pub payload: String,
    pub reason: String,
    pub attempts: i32,
}

/// A stored dead letter.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = dead_letters)]
pub struct DeadLetter {
    pub id: i64,
    pub integration: String,
    pub topic: String,
    pub partition_key: String,
    pub customer_id: Option<Uuid>,
    pub event_id: Option<Uuid>,
    pub headers: serde_json::Value,
    pub payload: String,
    pub reason: String,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub replayed_at: Option<DateTime<Utc>>,
}

pub async fn add_dead_letters(conn: &mut AsyncPgConnection, letters: &[NewDeadLetter]) -> QueryResult<()> {
    if letters.is_empty() {
        return Ok(());
    }
    diesel::insert_into(dead_letters::table).values(letters).execute(conn).await?;
    Ok(())
}

/// Dead letters not yet replayed, oldest first (all integrations when `integration` is None).
pub async fn open_dead_letters(
    conn: &mut AsyncPgConnection,
    integration: Option<&str>,
) -> QueryResult<Vec<DeadLetter>> {
    let mut q = dead_letters::table
        .filter(dead_letters::replayed_at.is_null())
        .order(dead_letters::id)
        .select(DeadLetter::as_select())
        .into_boxed();
    if let Some(i) = integration {
        q = q.filter(dead_letters::integration.eq(i.to_owned()));
    }
    q.load(conn).await
}

/// One dead letter, open or replayed.
pub async fn dead_letter(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<DeadLetter>> {
    dead_letters::table.find(id).select(DeadLetter::as_select()).first(conn).await.optional()
}

/// Open dead letters of one customer.
pub async fn dead_letters_of(conn: &mut AsyncPgConnection, customer_id: Uuid) -> QueryResult<Vec<DeadLetter>> {
    dead_letters::table
        .filter(dead_letters::customer_id.eq(customer_id))
        .filter(dead_letters::replayed_at.is_null())
        .order(dead_letters::id)
        .select(DeadLetter::as_select())
        .load(conn)
        .await
}

/// Marks dead letters replayed.
pub async fn mark_replayed(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<usize> {
    diesel::update(dead_letters::table.filter(dead_letters::id.eq_any(ids)))
        .set(dead_letters::replayed_at.eq(Utc::now()))
        .execute(conn)
        .await
}

/// What a replay did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Replayed {
    /// Letters put back on their original topics.
    pub replayed: usize,
    /// Letters left open because their payload is not an event.
    pub not_events: Vec<i64>,
}

/// Puts open dead letters (of one integration, or all) back in the outbox for their original topics and
/// marks them replayed, in one transaction. Letters whose payload is not an event cannot be replayed and stay
/// open for inspection.
pub async fn replay_dead_letters(conn: &mut AsyncPgConnection, integration: Option<&str>) -> QueryResult<Replayed> {
    use diesel_async::AsyncConnection;
    use diesel_async::scoped_futures::ScopedFutureExt;
    let integration = integration.map(str::to_owned);
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        async move {
            let letters = open_dead_letters(conn, integration.as_deref()).await?;
            let (mut done, mut not_events) = (Vec::new(), Vec::new());
            for l in letters {
                let Ok(event) = serde_json::from_str::<events::CustomerEvent>(&l.payload) else {
                    not_events.push(l.id);
                    continue;
                };
                let payload =
                    serde_json::to_value(&event).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
                crate::outbox::enqueue_raw(
                    conn,
                    event.event_id,
                    &l.topic,
                    &l.partition_key,
                    l.headers.clone(),
                    payload,
                )
                .await?;
                done.push(l.id);
            }
            mark_replayed(conn, &done).await?;
            Ok(Replayed { replayed: done.len(), not_events })
        }
        .scope_boxed()
    })
    .await
}

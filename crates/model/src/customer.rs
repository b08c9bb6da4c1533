//! The `customers` table: rows and plain queries.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::fields::CustomerFields;
use crate::schema::customers;

/// A customer of the local catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = customers)]
pub struct Customer {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the latest change the row reflects happened at its source (last-writer-wins compares with it).
    #[serde(skip)]
    pub changed_at: DateTime<Utc>,
}

impl Customer {
    pub fn fields(&self) -> CustomerFields {
        CustomerFields { name: self.name.clone(), email: self.email.clone(), phone: self.phone.clone() }
    }
}

pub(crate) struct NewCustomer<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub email: &'a str,
    pub phone: Option<&'a str>,
    pub changed_at: DateTime<Utc>,
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Customer>> {
    customers::table.find(id).select(Customer::as_select()).first(conn).await.optional()
}

/// Locks the row for the rest of the transaction.
pub async fn find_for_update(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Customer>> {
    customers::table.find(id).select(Customer::as_select()).for_update().first(conn).await.optional()
}

/// Up to `limit` customers with ids after `after`, in id order (ids are UUIDv7, so this is creation order).
pub async fn list(conn: &mut AsyncPgConnection, after: Option<Uuid>, limit: i64) -> QueryResult<Vec<Customer>> {
    let mut q = customers::table.select(Customer::as_select()).order(customers::id).limit(limit).into_boxed();
    if let Some(after) = after {
        q = q.filter(customers::id.gt(after));
    }
    q.load(conn).await
}

/// Inserts a customer and its outbox events in a single statement: atomic without an explicit transaction,
/// and one round trip instead of four on the API's hottest path.
pub(crate) async fn insert_announced(
    conn: &mut AsyncPgConnection,
    new: &NewCustomer<'_>,
    events: &crate::outbox::Columns,
    audit: Option<&crate::access::NewAuditEvent>,
) -> QueryResult<Customer> {
    use diesel::sql_types::{Array, Int2, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
    // One statement: the customer, its events and (when there is one) the request's audit row commit together.
    let sql = format!(
        "WITH c AS (INSERT INTO customers (id, name, email, phone, changed_at) VALUES ($1, $2, $3, $4, $5) \
         RETURNING *), o AS ({}), \
         a AS (INSERT INTO audit_events (actor, role, action, target, status, outcome, remote_addr, forwarded_for, \
         trace_id) SELECT $11, $12, $13, $14, $15, $16, $17, $18, $19 WHERE $11::text IS NOT NULL) \
         SELECT * FROM c",
        crate::outbox::insert_unnest_sql(6)
    );
    diesel::sql_query(sql)
        .bind::<SqlUuid, _>(new.id)
        .bind::<Text, _>(new.name)
        .bind::<Text, _>(new.email)
        .bind::<Nullable<Text>, _>(new.phone)
        .bind::<Timestamptz, _>(new.changed_at)
        .bind::<Array<SqlUuid>, _>(&events.event_ids)
        .bind::<Array<Text>, _>(&events.topics)
        .bind::<Array<Text>, _>(&events.keys)
        .bind::<Array<Jsonb>, _>(&events.headers)
        .bind::<Array<Jsonb>, _>(&events.payloads)
        .bind::<Nullable<Text>, _>(audit.map(|a| a.actor.as_str()))
        .bind::<Nullable<Text>, _>(audit.and_then(|a| a.role.as_deref()))
        .bind::<Nullable<Text>, _>(audit.map(|a| a.action.as_str()))
        .bind::<Nullable<Text>, _>(audit.and_then(|a| a.target.as_deref()))
        .bind::<Nullable<Int2>, _>(audit.map(|a| a.status))
        .bind::<Nullable<Text>, _>(audit.map(|a| a.outcome.as_str()))
        .bind::<Nullable<Text>, _>(audit.and_then(|a| a.remote_addr.as_deref()))
        .bind::<Nullable<Text>, _>(audit.and_then(|a| a.forwarded_for.as_deref()))
        .bind::<Nullable<Text>, _>(audit.and_then(|a| a.trace_id.as_deref()))
        .get_result(conn)
        .await
}

pub(crate) async fn overwrite(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    f: &CustomerFields,
    changed_at: DateTime<Utc>,
) -> QueryResult<Customer> {
    diesel::update(customers::table.find(id))
        .set((
            customers::changed_at.eq(changed_at),
            customers::name.eq(&f.name),
            customers::email.eq(&f.email),
            customers::phone.eq(&f.phone),
            customers::version.eq(customers::version + 1),
            customers::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Customer::as_returning())
        .get_result(conn)
        .await
}

pub(crate) async fn remove(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(customers::table.find(id)).execute(conn).await
}

pub async fn count(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    customers::table.count().get_result(conn).await
}

/// The customer with this email (case-insensitive), locked for the rest of the transaction.
pub async fn find_by_email_for_update(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Option<Customer>> {
    customers::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(email) = lower(")
                .bind::<diesel::sql_types::Text, _>(email)
                .sql(")"),
        )
        .select(Customer::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The customers with these ids (those that exist).
pub async fn find_many(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<Customer>> {
    customers::table.filter(customers::id.eq_any(ids)).select(Customer::as_select()).load(conn).await
}

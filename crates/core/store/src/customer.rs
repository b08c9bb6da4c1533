//! The `customers` table: rows and plain queries.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::customers;
use model::CustomerFields;

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
    InsertAnnounced {
        new,
        events,
        actor: audit.map(|a| a.actor.as_str()),
        role: audit.and_then(|a| a.role.as_deref()),
        action: audit.map(|a| a.action.as_str()),
        target: audit.and_then(|a| a.target.as_deref()),
        status: audit.map(|a| a.status),
        outcome: audit.map(|a| a.outcome.as_str()),
        remote_addr: audit.and_then(|a| a.remote_addr.as_deref()),
        forwarded_for: audit.and_then(|a| a.forwarded_for.as_deref()),
        trace_id: audit.and_then(|a| a.trace_id.as_deref()),
    }
    .get_result(conn)
    .await
}

/// The customer, its events and (when there is one) the request's audit row, in one statement that commits
/// them together. Unlike `sql_query`, which diesel never caches, it is a prepared statement kept per
/// connection (its SQL never changes): each create is one Bind/Execute round trip, with no Parse and no
/// planning of the statement.
struct InsertAnnounced<'a> {
    new: &'a NewCustomer<'a>,
    events: &'a crate::outbox::Columns,
    actor: Option<&'a str>,
    role: Option<&'a str>,
    action: Option<&'a str>,
    target: Option<&'a str>,
    status: Option<i16>,
    outcome: Option<&'a str>,
    remote_addr: Option<&'a str>,
    forwarded_for: Option<&'a str>,
    trace_id: Option<&'a str>,
}

const INSERT_ANNOUNCED: &str = "WITH c AS (INSERT INTO customers (id, name, email, phone, changed_at) \
     VALUES ($1, $2, $3, $4, $5) RETURNING *), \
     o AS (INSERT INTO outbox (event_id, topic, partition_key, headers, payload) \
     SELECT * FROM unnest($6::uuid[], $7::text[], $8::text[], $9::jsonb[], $10::jsonb[])), \
     a AS (INSERT INTO audit_events (actor, role, action, target, status, outcome, remote_addr, forwarded_for, \
     trace_id) SELECT $11, $12, $13, $14, $15, $16, $17, $18, $19 WHERE $11::text IS NOT NULL) \
     SELECT * FROM c";

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for InsertAnnounced<'_> {
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>) -> QueryResult<()> {
        use diesel::sql_types::{Array, Int2, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
        let (new, e) = (self.new, self.events);
        // Each `$n` of the SQL becomes the n-th bind (diesel numbers the placeholders it writes in order).
        let mut rest = INSERT_ANNOUNCED;
        while let Some(at) = rest.find('$') {
            out.push_sql(&rest[..at]);
            let digits = rest[at + 1..].find(|c: char| !c.is_ascii_digit()).map_or(rest.len() - at - 1, |n| n);
            let n: usize = rest[at + 1..at + 1 + digits].parse().expect("a numbered placeholder");
            rest = &rest[at + 1 + digits..];
            match n {
                1 => out.push_bind_param::<SqlUuid, _>(&new.id)?,
                2 => out.push_bind_param::<Text, _>(&new.name)?,
                3 => out.push_bind_param::<Text, _>(&new.email)?,
                4 => out.push_bind_param::<Nullable<Text>, _>(&new.phone)?,
                5 => out.push_bind_param::<Timestamptz, _>(&new.changed_at)?,
                6 => out.push_bind_param::<Array<SqlUuid>, _>(&e.event_ids)?,
                7 => out.push_bind_param::<Array<Text>, _>(&e.topics)?,
                8 => out.push_bind_param::<Array<Text>, _>(&e.keys)?,
                9 => out.push_bind_param::<Array<Jsonb>, _>(&e.headers)?,
                10 => out.push_bind_param::<Array<Jsonb>, _>(&e.payloads)?,
                11 => out.push_bind_param::<Nullable<Text>, _>(&self.actor)?,
                12 => out.push_bind_param::<Nullable<Text>, _>(&self.role)?,
                13 => out.push_bind_param::<Nullable<Text>, _>(&self.action)?,
                14 => out.push_bind_param::<Nullable<Text>, _>(&self.target)?,
                15 => out.push_bind_param::<Nullable<Int2>, _>(&self.status)?,
                16 => out.push_bind_param::<Nullable<Text>, _>(&self.outcome)?,
                17 => out.push_bind_param::<Nullable<Text>, _>(&self.remote_addr)?,
                18 => out.push_bind_param::<Nullable<Text>, _>(&self.forwarded_for)?,
                19 => out.push_bind_param::<Nullable<Text>, _>(&self.trace_id)?,
                _ => unreachable!("INSERT_ANNOUNCED has 19 parameters"),
            }
        }
        out.push_sql(rest);
        Ok(())
    }
}

impl diesel::query_builder::QueryId for InsertAnnounced<'_> {
    type QueryId = InsertAnnounced<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::Query for InsertAnnounced<'_> {
    type SqlType = diesel::sql_types::Untyped;
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

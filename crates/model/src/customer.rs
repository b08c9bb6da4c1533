//! The `customers` table: rows and plain queries.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::fields::CustomerFields;
use crate::schema::customers;

/// A customer of the local catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable, Selectable)]
#[diesel(table_name = customers)]
pub struct Customer {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Customer {
    pub fn fields(&self) -> CustomerFields {
        CustomerFields { name: self.name.clone(), email: self.email.clone(), phone: self.phone.clone() }
    }
}

#[derive(Insertable)]
#[diesel(table_name = customers)]
pub(crate) struct NewCustomer<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub email: &'a str,
    pub phone: Option<&'a str>,
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Customer>> {
    customers::table.find(id).select(Customer::as_select()).first(conn).await.optional()
}

/// Locks the row for the rest of the transaction.
pub(crate) async fn find_for_update(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Customer>> {
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

pub(crate) async fn insert(conn: &mut AsyncPgConnection, new: &NewCustomer<'_>) -> QueryResult<Customer> {
    diesel::insert_into(customers::table).values(new).returning(Customer::as_returning()).get_result(conn).await
}

pub(crate) async fn overwrite(conn: &mut AsyncPgConnection, id: Uuid, f: &CustomerFields) -> QueryResult<Customer> {
    diesel::update(customers::table.find(id))
        .set((
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

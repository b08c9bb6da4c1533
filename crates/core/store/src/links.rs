//! `customer_links`: each customer's link to each external system: its id there, what was last synced,
//! create intents and pushes in flight, and whether the record was deleted there.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use model::CustomerFields;

use crate::schema::customer_links;

/// A customer's link to one external system.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = customer_links)]
pub struct Link {
    pub customer_id: Uuid,
    pub integration: String,
    pub external_id: Option<String>,
    pub synced_version: Option<i64>,
    pub synced_fields: Option<serde_json::Value>,
    pub source_at: Option<DateTime<Utc>>,
    pub last_pushed_at: Option<DateTime<Utc>>,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub pending_key: Option<Uuid>,
    pub pending_fields: Option<serde_json::Value>,
    pub pending_version: Option<i64>,
    pub deleted: bool,
    pub push_intents: Option<serde_json::Value>,
}

impl Link {
    /// The fields last synced, as the system holds them.
    pub fn synced(&self) -> Option<CustomerFields> {
        self.synced_fields.clone().and_then(|v| serde_json::from_value(v).ok())
    }

    /// Whether `fields` (as the system holds them) are what the product last synced to this record or what
    /// one of its pushes not yet recorded carries: either way the product's own write, not someone's change.
    pub fn holds_own_write(&self, fields: &CustomerFields) -> bool {
        let intents = self.push_intents.as_ref().and_then(serde_json::Value::as_array);
        let intended = intents
            .into_iter()
            .flatten()
            .any(|v| serde_json::from_value::<CustomerFields>(v.clone()).is_ok_and(|intent| &intent == fields));
        intended || self.synced().is_some_and(|synced| &synced == fields)
    }

    /// A create that was sent and not yet confirmed: its idempotency key, fields and version.
    pub fn pending(&self) -> Option<(Uuid, CustomerFields, i64)> {
        let fields = self.pending_fields.clone().and_then(|v| serde_json::from_value(v).ok())?;
        Some((self.pending_key?, fields, self.pending_version?))
    }
}

fn to_json(fields: &CustomerFields) -> serde_json::Value {
    serde_json::to_value(fields).unwrap_or(serde_json::Value::Null)
}

/// The links of `ids` to `integration`.
pub async fn links(conn: &mut AsyncPgConnection, integration: &str, ids: &[Uuid]) -> QueryResult<Vec<Link>> {
    customer_links::table
        .filter(customer_links::integration.eq(integration))
        .filter(customer_links::customer_id.eq_any(ids))
        .select(Link::as_select())
        .load(conn)
        .await
}

/// Every link of one customer.
pub async fn links_of(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Vec<Link>> {
    customer_links::table
        .filter(customer_links::customer_id.eq(id))
        .order(customer_links::integration)
        .select(Link::as_select())
        .load(conn)
        .await
}

/// The link of the record `external_id` in `integration`, locked for the transaction.
pub async fn link_by_external_id(
    conn: &mut AsyncPgConnection,
    integration: &str,
    external_id: &str,
) -> QueryResult<Option<Link>> {
    customer_links::table
        .filter(customer_links::integration.eq(integration))
        .filter(customer_links::external_id.eq(external_id))
        .select(Link::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The link of `customer_id` in `integration`, locked for the transaction.
pub async fn link_for_update(
    conn: &mut AsyncPgConnection,
    integration: &str,
    customer_id: Uuid,
) -> QueryResult<Option<Link>> {
    customer_links::table
        .find((customer_id, integration))
        .select(Link::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Records the intent to create `customer_id`'s record with `key` (unless one is already pending) and
/// returns the link as it now is: an earlier intent wins, so a retried create replays the same key and fields
/// (its `pending_key` is then not `key`).
pub async fn intend_create(
    conn: &mut AsyncPgConnection,
    integration: &str,
    customer_id: Uuid,
    fields: &CustomerFields,
    version: i64,
    key: Uuid,
) -> QueryResult<Link> {
    diesel::insert_into(customer_links::table)
        .values((
            customer_links::customer_id.eq(customer_id),
            customer_links::integration.eq(integration),
            customer_links::pending_key.eq(key),
            customer_links::pending_fields.eq(to_json(fields)),
            customer_links::pending_version.eq(version),
        ))
        .on_conflict((customer_links::customer_id, customer_links::integration))
        .do_update()
        .set((
            customer_links::pending_key.eq(diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>>(
                "coalesce(customer_links.pending_key, excluded.pending_key)",
            )),
            customer_links::pending_fields.eq(
                diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Jsonb>>(
                    "coalesce(customer_links.pending_fields, excluded.pending_fields)",
                ),
            ),
            customer_links::pending_version.eq(
                diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Int8>>(
                    "coalesce(customer_links.pending_version, excluded.pending_version)",
                ),
            ),
        ))
        .returning(Link::as_returning())
        .get_result(conn)
        .await
}

/// The most unrecorded pushes a link remembers (the newest): a customer that changes faster than its pushes
/// can be recorded needs only the last few, since a poll reads the latest write to the record.
const MAX_PUSH_INTENTS: i64 = 8;

/// Records, in the transaction that plans them and so before they are sent, the fields of the pushes about
/// to be made (customer, fields as the system will hold them). [`record_push`] clears them once an outcome
/// is stored; until then [`Link::holds_own_write`] knows them as the product's own.
pub async fn intend_pushes(
    conn: &mut AsyncPgConnection,
    integration: &str,
    pushes: &[(Uuid, CustomerFields)],
) -> QueryResult<()> {
    if pushes.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = pushes.iter().map(|(id, _)| *id).collect();
    let fields: Vec<serde_json::Value> = pushes.iter().map(|(_, f)| to_json(f)).collect();
    use diesel::sql_types::{Array, BigInt, Jsonb, Text, Uuid as SqlUuid};
    diesel::sql_query(
        "UPDATE customer_links l \
         SET push_intents = ( \
               SELECT jsonb_agg(e ORDER BY i) \
               FROM (SELECT CASE WHEN coalesce(l.push_intents, '[]') @> jsonb_build_array(p.fields) \
                                 THEN l.push_intents \
                                 ELSE coalesce(l.push_intents, '[]') || jsonb_build_array(p.fields) END AS arr) n, \
                    jsonb_array_elements(n.arr) WITH ORDINALITY AS t(e, i) \
               WHERE i > jsonb_array_length(n.arr) - $3) \
         FROM unnest($1, $2) AS p(customer_id, fields) \
         WHERE l.customer_id = p.customer_id AND l.integration = $4",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<Jsonb>, _>(fields)
    .bind::<BigInt, _>(MAX_PUSH_INTENTS)
    .bind::<Text, _>(integration)
    .execute(conn)
    .await?;
    Ok(())
}

/// What a push to the external system achieved for one customer.
#[derive(Debug, Clone)]
pub enum Pushed {
    /// The record `external_id` now holds `fields` (as the system reports them) at catalog `version`.
    Upserted { external_id: String, fields: CustomerFields, version: i64 },
    /// The record is gone.
    Deleted,
    /// Still failing: the error is kept for the status endpoint.
    Failed { error: String },
}

/// Stores the outcome of a push. A version never moves backwards: an older push finishing late leaves a
/// newer synced version alone.
pub async fn record_push(
    conn: &mut AsyncPgConnection,
    integration: &str,
    customer_id: Uuid,
    pushed: &Pushed,
) -> QueryResult<()> {
    let now = Utc::now();
    let base = (customer_links::customer_id.eq(customer_id), customer_links::integration.eq(integration));
    let target = (customer_links::customer_id, customer_links::integration);
    match pushed {
        Pushed::Upserted { external_id, fields, version } => {
            diesel::insert_into(customer_links::table)
                .values((
                    base,
                    customer_links::external_id.eq(external_id),
                    customer_links::synced_version.eq(version),
                    customer_links::synced_fields.eq(to_json(fields)),
                    customer_links::last_pushed_at.eq(now),
                    customer_links::last_synced_at.eq(now),
                ))
                .on_conflict(target)
                .do_update()
                .set((
                    customer_links::external_id.eq(excluded(customer_links::external_id)),
                    customer_links::synced_version.eq(diesel::dsl::sql::<
                        diesel::sql_types::Nullable<diesel::sql_types::Int8>,
                    >(
                        "greatest(customer_links.synced_version, excluded.synced_version)",
                    )),
                    customer_links::synced_fields.eq(diesel::dsl::sql::<
                        diesel::sql_types::Nullable<diesel::sql_types::Jsonb>,
                    >(
                        "CASE WHEN coalesce(customer_links.synced_version, 0) <= excluded.synced_version \
                         THEN excluded.synced_fields ELSE customer_links.synced_fields END",
                    )),
                    customer_links::last_pushed_at.eq(now),
                    customer_links::last_synced_at.eq(now),
                    customer_links::last_error.eq(None::<String>),
                    customer_links::pending_key.eq(None::<Uuid>),
                    customer_links::pending_fields.eq(None::<serde_json::Value>),
                    customer_links::pending_version.eq(None::<i64>),
                    customer_links::push_intents.eq(None::<serde_json::Value>),
                ))
                .execute(conn)
                .await?;
        }
        Pushed::Deleted => {
            diesel::insert_into(customer_links::table)
                .values((base, customer_links::deleted.eq(true), customer_links::last_synced_at.eq(now)))
                .on_conflict(target)
                .do_update()
                .set((
                    customer_links::deleted.eq(true),
                    customer_links::last_pushed_at.eq(now),
                    customer_links::last_synced_at.eq(now),
                    customer_links::last_error.eq(None::<String>),
                    customer_links::pending_key.eq(None::<Uuid>),
                    customer_links::pending_fields.eq(None::<serde_json::Value>),
                    customer_links::pending_version.eq(None::<i64>),
                    customer_links::push_intents.eq(None::<serde_json::Value>),
                ))
                .execute(conn)
                .await?;
        }
        Pushed::Failed { error } => {
            diesel::insert_into(customer_links::table)
                .values((base, customer_links::last_error.eq(error)))
                .on_conflict(target)
                .do_update()
                .set(customer_links::last_error.eq(error))
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

/// An inbound change from `integration` was applied (or found already true): the link records the external
/// record, the fields it holds, the catalog version that matches them and the change's source time.
pub async fn record_inbound(
    conn: &mut AsyncPgConnection,
    integration: &str,
    customer_id: Uuid,
    external_id: &str,
    fields: &CustomerFields,
    version: i64,
    source_at: DateTime<Utc>,
) -> QueryResult<()> {
    let now = Utc::now();
    diesel::insert_into(customer_links::table)
        .values((
            customer_links::customer_id.eq(customer_id),
            customer_links::integration.eq(integration),
            customer_links::external_id.eq(external_id),
            customer_links::synced_version.eq(version),
            customer_links::synced_fields.eq(to_json(fields)),
            customer_links::source_at.eq(source_at),
            customer_links::last_synced_at.eq(now),
        ))
        .on_conflict((customer_links::customer_id, customer_links::integration))
        .do_update()
        .set((
            customer_links::external_id.eq(excluded(customer_links::external_id)),
            customer_links::synced_version.eq(excluded(customer_links::synced_version)),
            customer_links::synced_fields.eq(excluded(customer_links::synced_fields)),
            customer_links::source_at.eq(excluded(customer_links::source_at)),
            customer_links::last_synced_at.eq(now),
            customer_links::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks the record `external_id` of `integration` deleted (inbound deletion), with its source time.
pub async fn record_inbound_delete(
    conn: &mut AsyncPgConnection,
    integration: &str,
    customer_id: Uuid,
    external_id: &str,
    source_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(customer_links::table)
        .values((
            customer_links::customer_id.eq(customer_id),
            customer_links::integration.eq(integration),
            customer_links::external_id.eq(external_id),
            customer_links::source_at.eq(source_at),
            customer_links::deleted.eq(true),
            customer_links::last_synced_at.eq(Utc::now()),
        ))
        .on_conflict((customer_links::customer_id, customer_links::integration))
        .do_update()
        .set((
            customer_links::deleted.eq(true),
            customer_links::source_at.eq(source_at),
            customer_links::last_synced_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Forces the next outbound reconcile of `customer_id` to push to every linked system again (resync).
pub async fn forget_synced_versions(conn: &mut AsyncPgConnection, customer_id: Uuid) -> QueryResult<usize> {
    diesel::update(customer_links::table.filter(customer_links::customer_id.eq(customer_id)))
        .set(customer_links::synced_version.eq(None::<i64>))
        .execute(conn)
        .await
}

/// The links of the records `external_ids` in `integration` (those that are linked), deleted ones included.
pub async fn links_by_external_ids(
    conn: &mut AsyncPgConnection,
    integration: &str,
    external_ids: &[String],
) -> QueryResult<Vec<Link>> {
    customer_links::table
        .filter(customer_links::integration.eq(integration))
        .filter(customer_links::external_id.eq_any(external_ids))
        .select(Link::as_select())
        .load(conn)
        .await
}

/// Up to `limit` links of `integration` with customer ids after `after`, in customer id order: every link of
/// an integration, page by page (those of deleted customers included).
pub async fn links_after(
    conn: &mut AsyncPgConnection,
    integration: &str,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<Link>> {
    let mut q = customer_links::table
        .filter(customer_links::integration.eq(integration))
        .order(customer_links::customer_id)
        .limit(limit)
        .select(Link::as_select())
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(customer_links::customer_id.gt(after));
    }
    q.load(conn).await
}

/// Forgets that `customer_id` is linked to the record `external_id` of `integration`, which no longer exists
/// there although the product never heard of its deletion: the next outbound reconcile creates the record
/// anew. Only while the link still names that record and is not marked deleted (deletes the product heard of
/// are final); returns whether it did.
pub async fn unlink_vanished(
    conn: &mut AsyncPgConnection,
    integration: &str,
    customer_id: Uuid,
    external_id: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        customer_links::table
            .filter(customer_links::customer_id.eq(customer_id))
            .filter(customer_links::integration.eq(integration))
            .filter(customer_links::external_id.eq(external_id))
            .filter(customer_links::deleted.eq(false)),
    )
    .set((
        customer_links::external_id.eq(None::<String>),
        customer_links::synced_version.eq(None::<i64>),
        customer_links::synced_fields.eq(None::<serde_json::Value>),
        customer_links::source_at.eq(None::<DateTime<Utc>>),
        customer_links::pending_key.eq(None::<Uuid>),
        customer_links::pending_fields.eq(None::<serde_json::Value>),
        customer_links::pending_version.eq(None::<i64>),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

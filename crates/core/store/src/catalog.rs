//! Changes to the catalog. Each writes the customer row and its outbox events in one transaction, one event
//! per integration the change must reach (never back to its origin); a change that changes nothing writes
//! nothing.

use chrono::{DateTime, Utc};
use diesel::result::{DatabaseErrorKind, Error as DbError};
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use events::{Action, CustomerEvent, CustomerSnapshot, Integration, Origin, SCHEMA_VERSION, Topic};
use uuid::Uuid;

use crate::customer::{self, Customer, NewCustomer};
use crate::outbox;
use model::CustomerFields;

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("a customer with this email already exists")]
    EmailTaken,
    #[error("no customer with this id")]
    NotFound,
    #[error("the customer is at version {current}, not {expected}")]
    VersionMismatch { expected: i64, current: i64 },
    #[error(transparent)]
    Database(#[from] DbError),
}

/// Who made a change, when it happened at its source, and how to trace it.
#[derive(Debug, Clone)]
pub struct ChangeContext {
    pub origin: Origin,
    pub traceparent: Option<String>,
    /// When the change happened at its source (now, for local changes).
    pub occurred_at: DateTime<Utc>,
    /// Also announce the change back to the origin's integration (as a local change), because the product
    /// wrote to that system after the change was made there: the system no longer holds it.
    pub back_to_origin: bool,
    /// The audit row of the request that makes the change, written in the change's transaction, so that a
    /// change is never without its row (a create's row names the new customer when it has no target).
    pub audit: Option<crate::access::NewAuditEvent>,
}

impl ChangeContext {
    pub fn local(traceparent: Option<String>) -> Self {
        Self { origin: Origin::Local, traceparent, occurred_at: Utc::now(), back_to_origin: false, audit: None }
    }

    /// A change that happened in `origin` at `occurred_at`.
    pub fn inbound(origin: Origin, occurred_at: DateTime<Utc>, traceparent: Option<String>) -> Self {
        Self { origin, traceparent, occurred_at, back_to_origin: false, audit: None }
    }
}

/// Fields to change; `None` leaves a field as it is. `phone: Some(None)` clears the phone.
#[derive(Debug, Clone, Default)]
pub struct CustomerPatch {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<Option<String>>,
}

impl CustomerPatch {
    fn apply(&self, f: &CustomerFields) -> CustomerFields {
        CustomerFields {
            name: self.name.clone().unwrap_or_else(|| f.name.clone()),
            email: self.email.clone().unwrap_or_else(|| f.email.clone()),
            phone: self.phone.clone().unwrap_or_else(|| f.phone.clone()),
        }
    }
}

fn map_unique(e: DbError) -> CatalogError {
    match e {
        DbError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => CatalogError::EmailTaken,
        e => CatalogError::Database(e),
    }
}

fn check_version(c: &Customer, expected: Option<i64>) -> Result<(), CatalogError> {
    match expected {
        Some(expected) if expected != c.version => Err(CatalogError::VersionMismatch { expected, current: c.version }),
        _ => Ok(()),
    }
}

/// The events announcing `action` on `c` to every integration but the origin's.
fn events_for(c: &Customer, action: Action, ctx: &ChangeContext) -> Vec<(Topic, CustomerEvent)> {
    let back = Integration::all().iter().copied().filter(|i| ctx.back_to_origin && i.origin() == ctx.origin);
    let targets = Integration::targets(ctx.origin).map(|i| (i, ctx.origin)).chain(back.map(|i| (i, Origin::Local)));
    targets
        .map(|(integration, origin)| {
            let event = CustomerEvent {
                event_id: Uuid::now_v7(),
                schema_version: SCHEMA_VERSION,
                action,
                origin,
                customer_id: Some(c.id),
                external_id: None,
                customer: Some(CustomerSnapshot {
                    name: c.name.clone(),
                    email: c.email.clone(),
                    phone: c.phone.clone(),
                    version: Some(c.version),
                }),
                occurred_at: ctx.occurred_at,
                delivery_id: None,
            };
            (Topic::new(integration, action), event)
        })
        .collect()
}

async fn announce(
    conn: &mut AsyncPgConnection,
    c: &Customer,
    action: Action,
    ctx: &ChangeContext,
) -> Result<(), CatalogError> {
    outbox::enqueue_all(conn, &events_for(c, action, ctx), ctx.traceparent.as_deref()).await?;
    Ok(())
}

/// Creates a customer with a new id, and its events, in one statement.
pub async fn create(
    conn: &mut AsyncPgConnection,
    fields: &CustomerFields,
    ctx: &ChangeContext,
) -> Result<Customer, CatalogError> {
    let now = Utc::now();
    let c = Customer {
        changed_at: ctx.occurred_at,
        id: Uuid::now_v7(),
        name: fields.name.clone(),
        email: fields.email.clone(),
        phone: fields.phone.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let events = outbox::columns(&events_for(&c, Action::Created, ctx), ctx.traceparent.as_deref())?;
    let new =
        NewCustomer { id: c.id, name: &c.name, email: &c.email, phone: c.phone.as_deref(), changed_at: c.changed_at };
    let audit = ctx.audit.clone().map(|mut a| {
        a.target.get_or_insert_with(|| format!("id={}", c.id));
        a
    });
    customer::insert_announced(conn, &new, &events, audit.as_ref()).await.map_err(map_unique)
}

/// Writes the change's audit row, if it has one (inside the change's transaction).
async fn audit(conn: &mut AsyncPgConnection, ctx: &ChangeContext) -> Result<(), CatalogError> {
    if let Some(event) = &ctx.audit {
        crate::access::record_audit(conn, event).await?;
    }
    Ok(())
}

/// Applies `patch` if the customer is at `expected_version` (when given). Returns the customer and whether
/// anything changed.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    patch: &CustomerPatch,
    expected_version: Option<i64>,
    ctx: &ChangeContext,
) -> Result<(Customer, bool), CatalogError> {
    conn.transaction(|conn| {
        async move {
            let current = customer::find_for_update(conn, id).await?.ok_or(CatalogError::NotFound)?;
            check_version(&current, expected_version)?;
            let wanted = patch.apply(&current.fields());
            audit(conn, ctx).await?;
            if wanted == current.fields() {
                return Ok((current, false));
            }
            let c = customer::overwrite(conn, id, &wanted, ctx.occurred_at).await.map_err(map_unique)?;
            announce(conn, &c, Action::Updated, ctx).await?;
            Ok((c, true))
        }
        .scope_boxed()
    })
    .await
}

/// Deletes the customer if it is at `expected_version` (when given); returns its last state.
pub async fn delete(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: Option<i64>,
    ctx: &ChangeContext,
) -> Result<Customer, CatalogError> {
    conn.transaction(|conn| {
        async move {
            let current = customer::find_for_update(conn, id).await?.ok_or(CatalogError::NotFound)?;
            check_version(&current, expected_version)?;
            customer::remove(conn, id).await?;
            // The deletion is the customer's last version, so consumers order it after every update.
            let last = Customer { version: current.version + 1, changed_at: ctx.occurred_at, ..current };
            crate::tombstones::bury(conn, id, last.version).await?;
            announce(conn, &last, Action::Deleted, ctx).await?;
            audit(conn, ctx).await?;
            Ok(last)
        }
        .scope_boxed()
    })
    .await
}

/// Announces the customer's current state to every integration again, and forgets what was synced, so that
/// each system is brought back in line even if it drifted (resync). Returns the customer.
pub async fn resync(conn: &mut AsyncPgConnection, id: Uuid, ctx: &ChangeContext) -> Result<Customer, CatalogError> {
    conn.transaction(|conn| {
        async move {
            let current = customer::find_for_update(conn, id).await?.ok_or(CatalogError::NotFound)?;
            crate::links::forget_synced_versions(conn, id).await?;
            announce(conn, &current, Action::Updated, ctx).await?;
            audit(conn, ctx).await?;
            Ok(current)
        }
        .scope_boxed()
    })
    .await
}

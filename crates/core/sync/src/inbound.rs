//! Inbound: a change made in the system, applied to the catalog.
//!
//! In one transaction: the event is recorded as processed, the linked customer is found (by link, then by
//! the local id the record carries, then by email) and locked, and the change is applied through
//! `store::catalog` with the system as origin, so it fans out to the other systems only. The policy:
//!
//! - a deleted record or customer stays deleted (tombstones on both sides);
//! - a change older than the last one applied from the same system, or than the catalog's latest change,
//!   is stale and dropped (last writer wins by source time, compared at the system's precision; on a tie the
//!   external change wins);
//! - a change equal to the catalog's state (after the system's own normalisation) writes nothing and emits
//!   nothing: this is what ends an echo;
//! - if the product wrote to the system after the change was made there, the system no longer holds it, so
//!   the change is also sent back to the system.

use diesel_async::AsyncConnection;
use diesel_async::AsyncPgConnection;
use diesel_async::scoped_futures::ScopedFutureExt;
use events::{Action, CustomerEvent};
use model::{CustomerFields, FieldError};
use store::catalog::{self, CatalogError, ChangeContext, CustomerPatch};
use store::customer::{self, Customer};
use store::links::{self, Link};
use store::{processed_events, tombstones};

use crate::connector::Current;
use crate::engine::{Engine, Failure, Outcome};

/// Errors inside the inbound transaction: a failure to report, or a decision that rolls back.
enum Abort {
    Failure(Failure),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for Abort {
    fn from(e: diesel::result::Error) -> Self {
        Abort::Db(e)
    }
}

impl From<CatalogError> for Abort {
    fn from(e: CatalogError) -> Self {
        match e {
            CatalogError::Database(e) => Abort::Db(e),
            CatalogError::EmailTaken => {
                Abort::Failure(Failure::Permanent("the email belongs to another customer of the catalog".into()))
            }
            other => Abort::Failure(Failure::Retryable(other.to_string())),
        }
    }
}

fn invalid(e: FieldError) -> Abort {
    Abort::Failure(Failure::Permanent(format!("invalid {e}")))
}

impl Engine {
    /// Applies a change that happened in this engine's system. Idempotent: a redelivered event is a no-op.
    pub async fn apply_inbound(&self, event: &CustomerEvent) -> Result<Outcome, Failure> {
        self.apply_inbound_traced(event, None).await
    }

    /// [`Engine::apply_inbound`], continuing the change's trace (its W3C `traceparent`, from the Kafka
    /// headers): the catalog change and the events it causes carry it on to the other systems.
    pub async fn apply_inbound_traced(&self, event: &CustomerEvent, trace: Option<&str>) -> Result<Outcome, Failure> {
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<_, Abort, _>(|conn| async move { self.apply_in(conn, event, trace).await }.scope_boxed())
            .await;
        match result {
            Ok(outcome) => Ok(outcome),
            Err(Abort::Failure(f)) => Err(f),
            Err(Abort::Db(e)) => Err(e.into()),
        }
    }

    async fn apply_in(
        &self,
        conn: &mut AsyncPgConnection,
        event: &CustomerEvent,
        trace: Option<&str>,
    ) -> Result<Outcome, Abort> {
        let name = self.name();
        if !processed_events::mark_processed(conn, name, event.event_id).await? {
            return Ok(Outcome::UpToDate);
        }
        let external_id = event
            .external_id
            .as_deref()
            .ok_or_else(|| Abort::Failure(Failure::Permanent("an inbound event without the record's id".into())))?;
        let link = links::link_by_external_id(conn, name, external_id).await?;
        let mut tied = false;
        if let Some(l) = &link {
            let occurred = self.at_precision(event.occurred_at);
            let older = l.source_at.is_some_and(|s| occurred < self.at_precision(s));
            if l.deleted || older {
                return Ok(Outcome::Stale);
            }
            tied = l.source_at.is_some_and(|s| occurred == self.at_precision(s));
        }
        // Two changes of the record within one tick of the system's clock (Stripe: a second; a created and an
        // updated event may arrive in either order): ask the system what it holds now.
        let now_there = match (tied, event.action) {
            (true, Action::Created | Action::Updated) => match self.connector.current(external_id).await {
                Some(Ok(current)) => Some(current),
                Some(Err(e)) => return Err(Abort::Failure(Failure::Retryable(format!("reading the record: {e}")))),
                None => None,
            },
            _ => None,
        };
        if now_there == Some(Current::Gone) {
            return Ok(Outcome::Stale); // its deletion is on its way
        }
        let linked_id = link.as_ref().map(|l| l.customer_id).or(event.customer_id);
        if let Some(id) = linked_id
            && !tombstones::buried(conn, &[id]).await?.is_empty()
        {
            return Ok(Outcome::Stale);
        }
        let current = match linked_id {
            Some(id) => customer::find_for_update(conn, id).await?,
            None => None,
        };
        match event.action {
            Action::Deleted => self.delete_in(conn, event, trace, external_id, current).await,
            Action::Created | Action::Updated => {
                let snapshot = event.customer.as_ref().ok_or_else(|| {
                    Abort::Failure(Failure::Permanent("a created or updated event without the customer".into()))
                })?;
                let fields = match now_there {
                    Some(Current::Live(f)) => CustomerFields::parse(&f.name, &f.email, f.phone.as_deref()),
                    _ => CustomerFields::parse(&snapshot.name, &snapshot.email, snapshot.phone.as_deref()),
                }
                .map_err(invalid)?;
                let current = match current {
                    Some(c) => Some(c),
                    None => customer::find_by_email_for_update(conn, &fields.email).await?,
                };
                match current {
                    None => self.create_in(conn, event, trace, external_id, &fields).await,
                    Some(c) => self.update_in(conn, event, trace, external_id, link.as_ref(), c, &fields).await,
                }
            }
        }
    }

    async fn delete_in(
        &self,
        conn: &mut AsyncPgConnection,
        event: &CustomerEvent,
        trace: Option<&str>,
        external_id: &str,
        current: Option<Customer>,
    ) -> Result<Outcome, Abort> {
        let Some(c) = current else {
            // A deletion overtaking its record's creation (or about a record never seen): remember the record
            // as deleted, so the late creation cannot bring it in.
            let placeholder = event.customer_id.unwrap_or_else(uuid::Uuid::now_v7);
            links::record_inbound_delete(conn, self.name(), placeholder, external_id, event.occurred_at).await?;
            return Ok(Outcome::Stale);
        };
        // Deletes are final, even when the catalog changed after the deletion was made there.
        let ctx = ChangeContext::inbound(self.integration().origin(), event.occurred_at, trace.map(str::to_owned));
        catalog::delete(conn, c.id, None, &ctx).await?;
        links::record_inbound_delete(conn, self.name(), c.id, external_id, event.occurred_at).await?;
        Ok(Outcome::Applied)
    }

    async fn create_in(
        &self,
        conn: &mut AsyncPgConnection,
        event: &CustomerEvent,
        trace: Option<&str>,
        external_id: &str,
        fields: &CustomerFields,
    ) -> Result<Outcome, Abort> {
        let ctx = ChangeContext::inbound(self.integration().origin(), event.occurred_at, trace.map(str::to_owned));
        let c = catalog::create(conn, fields, &ctx).await?;
        let held = self.connector.normalize(fields);
        links::record_inbound(conn, self.name(), c.id, external_id, &held, c.version, event.occurred_at).await?;
        Ok(Outcome::Applied)
    }

    // A private step of `apply_in`: every argument is something apply_in already resolved.
    #[allow(clippy::too_many_arguments)]
    async fn update_in(
        &self,
        conn: &mut AsyncPgConnection,
        event: &CustomerEvent,
        trace: Option<&str>,
        external_id: &str,
        link: Option<&Link>,
        c: Customer,
        fields: &CustomerFields,
    ) -> Result<Outcome, Abort> {
        let name = self.name();
        if link.is_none()
            && let Some(other) = links::link_for_update(conn, name, c.id).await?
            && other.external_id.as_deref().is_some_and(|e| e != external_id)
            && !other.deleted
        {
            return Err(Abort::Failure(Failure::Permanent(format!(
                "customer {} is already linked to another {name} record",
                c.id
            ))));
        }
        let occurred = self.at_precision(event.occurred_at);
        if occurred < self.at_precision(c.changed_at) {
            return Ok(Outcome::Stale);
        }
        let held = self.connector.normalize(fields);
        if self.connector.normalize(&c.fields()) == held {
            links::record_inbound(conn, name, c.id, external_id, &held, c.version, event.occurred_at).await?;
            return Ok(Outcome::UpToDate);
        }
        let overwritten = link.and_then(|l| l.last_pushed_at).is_some_and(|p| self.at_precision(p) >= occurred);
        let ctx = ChangeContext {
            back_to_origin: overwritten,
            ..ChangeContext::inbound(self.integration().origin(), event.occurred_at, trace.map(str::to_owned))
        };
        let patch = CustomerPatch {
            name: Some(fields.name.clone()),
            email: Some(fields.email.clone()),
            phone: Some(fields.phone.clone()),
        };
        let (updated, _) = catalog::update(conn, c.id, &patch, None, &ctx).await?;
        if overwritten {
            // The system holds the product's later write, not this change: leave the synced version behind so
            // the change goes back out.
            let synced = link.and_then(Link::synced).unwrap_or_else(|| held.clone());
            let version = link.and_then(|l| l.synced_version).unwrap_or(0);
            links::record_inbound(conn, name, c.id, external_id, &synced, version, event.occurred_at).await?;
        } else {
            links::record_inbound(conn, name, c.id, external_id, &held, updated.version, event.occurred_at).await?;
        }
        Ok(Outcome::Applied)
    }
}

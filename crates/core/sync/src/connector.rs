//! The one trait an external system implements to be synced.

use async_trait::async_trait;
use events::Integration;
use model::CustomerFields;
use uuid::Uuid;

/// Make the system's record of `customer_id` hold `fields`.
#[derive(Debug, Clone, PartialEq)]
pub struct Upsert {
    pub customer_id: Uuid,
    /// The record's id in the system; `None`: create it.
    pub external_id: Option<String>,
    pub fields: CustomerFields,
    /// The catalog version these fields are.
    pub version: i64,
    /// Stable for one intended write: a create carries the same key on every retry and redelivery until it
    /// is confirmed, an update the same key for the same version. Systems with idempotency keys use it.
    pub key: Uuid,
    /// A create that an earlier attempt already sent (its answer was never stored): the record may exist.
    /// Connectors whose system has no (or expiring) idempotency look for it before creating.
    pub replay: bool,
}

/// One thing to make true in the system.
#[derive(Debug, Clone, PartialEq)]
pub enum PushRequest {
    Upsert(Upsert),
    /// Remove the record of `customer_id`. `external_id` is `None` when a create was sent but its answer
    /// never stored: `pending` then holds that create, so the connector can find (or replay) it and delete it.
    Delete {
        customer_id: Uuid,
        external_id: Option<String>,
        pending: Option<Upsert>,
    },
}

impl PushRequest {
    pub fn customer_id(&self) -> Uuid {
        match self {
            PushRequest::Upsert(u) => u.customer_id,
            PushRequest::Delete { customer_id, .. } => *customer_id,
        }
    }
}

/// What a push achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushDone {
    /// The record `external_id` holds the fields.
    Upserted { external_id: String },
    /// The record is gone (already gone counts).
    Deleted,
}

/// Why a push failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// Worth trying again later (unavailable, rate-limited, a lock, a timeout).
    #[error("retryable: {0}")]
    Retryable(String),
    /// Will fail again as it is (the system refuses the data).
    #[error("permanent: {0}")]
    Permanent(String),
}

pub type PushResult = Result<PushDone, PushError>;

/// A record as the system holds it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Current {
    Live(CustomerFields),
    Gone,
}

/// An external system the catalog syncs with. Implement this in a crate of its own and hand it to the
/// worker; nothing else changes.
#[async_trait]
pub trait Connector: Send + Sync + 'static {
    /// Which integration this is (its topics, consumer group and link rows).
    fn integration(&self) -> Integration;

    /// The most requests [`Connector::push`] takes at once (e.g. Salesforce's 200 per collection call).
    fn max_batch(&self) -> usize {
        200
    }

    /// The fields as the system will report them back after being given `fields` (e.g. a name split and cut
    /// to the system's lengths), so that the echo of a write compares equal to it.
    fn normalize(&self, fields: &CustomerFields) -> CustomerFields {
        fields.clone()
    }

    /// The precision of the system's change timestamps (Stripe: whole seconds). Last-writer-wins compares
    /// at this precision; ties go to the external change.
    fn source_precision(&self) -> chrono::Duration {
        chrono::Duration::milliseconds(1)
    }

    /// The record `external_id` as the system holds it now, asked when two of its changes carry the same
    /// source time (at [`Connector::source_precision`]) so that their order cannot be told: the current state
    /// is then applied instead of the event's snapshot. `None`: this connector does not look (the snapshot is
    /// applied, and the tie goes to the external change).
    async fn current(&self, external_id: &str) -> Option<Result<Current, PushError>> {
        let _ = external_id;
        None
    }

    /// Carries out `requests` (at most [`Connector::max_batch`], one per customer), returning one result
    /// per request in the same order. One request's failure must not fail the others.
    async fn push(&self, requests: &[PushRequest]) -> Vec<PushResult>;
}

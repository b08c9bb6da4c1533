//! The sync engine, the same for every external system. A system plugs in by implementing [`Connector`]
//! (push records there, say how it reports fields back); everything else lives here once:
//!
//! - **Outbound** ([`Engine::reconcile`]): an event about a customer means "make this system match the
//!   catalog". The engine reads the customer's current row (or tombstone) and link, and asks the connector to
//!   upsert or delete; so duplicated, reordered or coalesced events all end in the catalog's latest state.
//!   A create is first recorded as an intent (key and fields) and replayed identically until it is confirmed,
//!   so a worker dying between the system's answer and storing the link never creates a twin.
//! - **Inbound** ([`Engine::apply_inbound`]): a change that happened in the system is applied to the catalog
//!   through `store::catalog` with that origin, in one transaction with the link and the dedupe record; it
//!   fans out to the other systems only. Last writer wins by source time; stale changes, echoes of the
//!   product's own writes and changes equal to the catalog write nothing.
//!
//! It must never call an external system except through a [`Connector`], and never publish to Kafka: what it
//! changes locally leaves through the outbox.

mod connector;
mod engine;
mod inbound;
mod outbound;

pub use connector::{Connector, Current, PushDone, PushError, PushRequest, PushResult, Upsert};
pub use engine::{Engine, Failure, Outcome};

//! The local catalog in PostgreSQL, one module per table: the diesel schema and query functions (they take a
//! connection, never a pool, so they compose inside one transaction), the catalog's writes with their
//! transactional outbox (`catalog`), the pool and the embedded migrations (`db`). It must never talk to Kafka
//! or to an external system: every effect outside the database leaves through the outbox.
//!
//! | module | table |
//! |---|---|
//! | `customer` | `customers` |
//! | `catalog` | `customers` with `outbox`, `customer_tombstones` and `audit_events`, in one transaction |
//! | `outbox` | `outbox` |
//! | `links` | `customer_links` |
//! | `tombstones` | `customer_tombstones` |
//! | `processed_events` | `processed_events` |
//! | `dead_letters` | `dead_letters` |
//! | `poll_cursors` | `poll_cursors` |
//! | `parked` | `parked_events` |
//! | `inbound` | `inbound_deliveries` |
//! | `backfill` | `backfill_cursors` |
//! | `controls` | `integration_pauses` |
//! | `access` | `api_keys`, `audit_events` |

pub mod access;
pub mod backfill;
pub mod catalog;
pub mod controls;
pub mod customer;
pub mod db;
pub mod dead_letters;
pub mod inbound;
pub mod links;
pub mod outbox;
pub mod parked;
pub mod poll_cursors;
pub mod processed_events;
pub mod schema;
pub mod tombstones;

pub use catalog::{CatalogError, ChangeContext, CustomerPatch};
pub use customer::Customer;

//! The local customer catalog: diesel schema, query functions (they take a connection, never a pool, so they
//! compose inside one transaction), the transactional outbox, the inbound delivery log, and the shared customer
//! base model that Stripe's customer and Salesforce's Contact map to. It must never talk to Kafka or to an
//! external system: every effect outside the database leaves through the outbox.

pub mod access;
pub mod backfill;
pub mod catalog;
pub mod controls;
pub mod customer;
pub mod db;
pub mod fields;
pub mod inbound;
pub mod outbox;
pub mod parked;
pub mod schema;
pub mod secret;
pub mod sync_state;

pub use catalog::{CatalogError, ChangeContext, CustomerPatch};
pub use customer::Customer;
pub use fields::{CustomerFields, ExternalCustomer, FieldError, join_name, split_name, split_name_within};
pub use secret::{ExposeSecret, SecretString};

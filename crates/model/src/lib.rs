//! The local customer catalog: diesel schema, query functions (they take a connection, never a pool, so they
//! compose inside one transaction), the transactional outbox, and the shared customer base model that Stripe's
//! customer and Salesforce's Contact map to. It must never talk to Kafka or to an external system.

pub mod fields;
pub mod schema;

pub use fields::{CustomerFields, ExternalCustomer, join_name, split_name};

//! The domain: a customer's fields as the catalog, Stripe and Salesforce all know them, their validation, the
//! name split the systems need, and how secrets are held. Plain data: no database, no Kafka, no HTTP, so
//! that every layer (the HTTP clients included) can use it without linking any of them. The catalog's
//! tables are in `store`; the Kafka contract is in `events` and `kafka`.

pub mod fields;
pub mod secret;

pub use fields::{CustomerFields, ExternalCustomer, FieldError, join_name, split_name, split_name_within};
pub use secret::{ExposeSecret, SecretString};

//! The contract between the binaries: topic names, the event envelope and its headers. Plain data: the
//! Kafka client settings are in `kafka`; it must never know about HTTP, a database or a Kafka client.

pub mod envelope;
pub mod topic;

pub use envelope::{CustomerEvent, CustomerSnapshot, SCHEMA_VERSION, headers};
pub use topic::{Action, IdError, Integration, Origin, Topic, dlq_topic};

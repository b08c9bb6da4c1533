//! Kafka contract between the binaries: topic names, the event envelope, its headers, and the producer,
//! consumer and admin settings every binary shares. It must never know about HTTP or a database.

pub mod envelope;
pub mod kafka;
pub mod topic;

pub use envelope::{CustomerEvent, CustomerSnapshot, SCHEMA_VERSION, headers};
pub use topic::{Action, Integration, Origin, Topic, dlq_topic};
